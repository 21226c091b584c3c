"""Regressions found porting torch's test_nn.py and test/nn/ suites (the comparisons with torch
are in tests/conformance/test_torch_nn_gaps.py): padding modes that reach past the input,
adaptive max pooling to an empty output, attention given keys of another rank,
load_state_dict's checks, torch's older BatchNorm states, lazy layers cast before their first
call, grad_output's entries for non-Tensor outputs, state_dict hooks and assign=True.
Expected values are derived by hand."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F
import gpuad.numpy as gnp


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def _unit_conv1d(padding, mode):
    """A Conv1d(1, 1, 1) computing the identity: its output is the padded input."""
    m = nn.Conv1d(1, 1, 1, padding=padding, padding_mode=mode)
    m.load_state_dict({"weight": np.ones((1, 1, 1)), "bias": np.zeros(1)})
    return m


@pytest.mark.parametrize("mode,ok,expect,bad", [
    ("reflect", 2, [3, 2, 1, 2, 3, 2, 1], 3),
    ("circular", 3, [1, 2, 3, 1, 2, 3, 1, 2, 3], 4),
])
def test_conv_padding_mode_refuses_widths_past_the_input(backend, mode, ok, expect, bad):
    x = xp_(np.array([[[1.0, 2.0, 3.0]]]))
    np.testing.assert_array_equal(to_numpy(_unit_conv1d(ok, mode)(x))[0, 0], expect)
    # NumPy's pad would reflect (wrap) a second time; torch refuses
    with pytest.raises(ValueError, match=rf"Conv1d: padding \({bad},\).*{mode}.*\(3,\)"):
        _unit_conv1d(bad, mode)(x)


def test_conv2d_same_reflect_checks_the_padding_it_computes(backend):
    m = nn.Conv2d(1, 1, 9, padding="same", padding_mode="reflect")
    with pytest.raises(ValueError, match=r"Conv2d: padding \(4, 4\).*reflect.*\(4, 4\)"):
        m(xp_(np.ones((1, 1, 4, 4))))


def test_lp_pool_names_itself_for_a_zero_kernel(backend):
    with pytest.raises(ValueError, match="lp_pool2d: kernel_size and stride must be >= 1"):
        F.lp_pool2d(xp_(np.ones((1, 4, 4))), 2, 0)
    with pytest.raises(ValueError, match="lp_pool1d: kernel_size and stride"):
        F.lp_pool1d(xp_(np.ones((1, 4))), 2, 2, stride=0)
    # a valid call still agrees with the definition: sqrt of the window's sum of squares
    x = np.arange(8.0).reshape(1, 8)
    np.testing.assert_allclose(to_numpy(F.lp_pool1d(xp_(x), 2, 4)),
                               [[np.sqrt(14.0), np.sqrt(126.0)]], rtol=1e-14)


@pytest.mark.parametrize("out", [0, (2, 0), (0, 3)])
def test_adaptive_max_pool_to_an_empty_output(backend, out):
    x = ad.tensor(xp_(np.arange(50.0).reshape(1, 2, 5, 5)), requires_grad=True)
    y, idx = F.adaptive_max_pool2d(x, out, return_indices=True)
    shape = (1, 2) + ((out, out) if isinstance(out, int) else out)
    assert tuple(y.shape) == shape and tuple(idx.shape) == shape
    gnp.sum(y).backward()  # no output reads an element of x: its gradient is 0
    np.testing.assert_array_equal(to_numpy(x.grad), np.zeros((1, 2, 5, 5)))


def test_multihead_attention_names_keys_of_another_rank(backend):
    m = nn.MultiheadAttention(4, 2)
    q = xp_(np.ones((3, 2, 4)))
    with pytest.raises(ValueError, match=r"3-d query.*got shapes \(3, 4\) and \(3, 2, 4\)"):
        m(q, xp_(np.ones((3, 4))), q)
    with pytest.raises(ValueError, match=r"2-d query.*got shapes \(3, 4\) and \(3, 2, 4\)"):
        m(xp_(np.ones((3, 4))), xp_(np.ones((3, 4))), q)


def test_load_state_dict_argument_checks(backend):
    m = nn.Linear(2, 2)
    for bad in ("", 2, [("weight", np.zeros((2, 2)))]):
        with pytest.raises(TypeError, match="Linear.load_state_dict: expected a dict-like"):
            m.load_state_dict(bad)
    with pytest.raises(TypeError, match="weight must be an array.*got tuple"):
        m.load_state_dict({"weight": ((1.0, 1.0), (2.0, 2.0)), "bias": np.zeros(2)})
    sd = {"weight": np.zeros((2, 2)), "extra": np.ones(1)}
    with pytest.raises(KeyError, match=r"missing parameters \['bias'\]; unexpected keys "
                                       r"\['extra'\]"):
        m.load_state_dict(sd)


def test_batch_norm_state_without_num_batches_tracked_keeps_the_count(backend):
    bn = nn.BatchNorm1d(3)
    bn(xp_(np.arange(12.0).reshape(4, 3)))
    assert int(to_numpy(bn.num_batches_tracked)) == 1
    sd = {k: to_numpy(v) for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    sd["running_mean"] = np.array([1.0, 2.0, 3.0])
    fresh = nn.BatchNorm1d(3)
    assert fresh.load_state_dict(sd) == ([], [])
    assert int(to_numpy(fresh.num_batches_tracked)) == 0
    np.testing.assert_array_equal(to_numpy(fresh.running_mean), [1.0, 2.0, 3.0])
    bn.load_state_dict(sd)  # an old state: the module's own count stays (torch's rule)
    assert int(to_numpy(bn.num_batches_tracked)) == 1


def test_lazy_state_loaded_into_a_built_layer_names_the_placeholder(backend):
    with pytest.raises(ValueError, match="uninitialized parameter of a lazy layer"):
        nn.Linear(5, 10).load_state_dict(nn.LazyLinear(10).state_dict())
    lazy = nn.LazyLinear(10)  # a lazy state into a lazy layer: both stay unbuilt
    lazy.load_state_dict(nn.LazyLinear(10).state_dict())
    assert type(lazy) is nn.LazyLinear and lazy.has_uninitialized_params()


@pytest.mark.parametrize("cast,dt", [("half", np.float16), ("float", np.float32)])
def test_lazy_layer_cast_before_its_first_call_keeps_the_dtype(backend, cast, dt):
    m = getattr(nn.LazyLinear(3), cast)()
    y = m(xp_(np.ones((2, 4), dtype=dt)))
    assert type(m) is nn.Linear
    assert m.weight.dtype == dt and m.bias.dtype == dt and y.dtype == dt
    bn = getattr(nn.LazyBatchNorm1d(), cast)()
    bn(xp_(np.ones((2, 4), dtype=dt)))
    assert bn.weight.dtype == dt and bn.running_mean.dtype == dt


def test_backward_hook_grad_output_has_an_entry_per_output_even_a_non_tensor(backend):
    class M(nn.Module):
        def forward(self, flag, t):
            return t * 2, flag

    seen = []
    m = M()
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    x = ad.tensor(xp_(np.ones(2)), requires_grad=True)
    out, flag = m(True, x)
    assert flag is True
    gnp.sum(out * 3.0).backward()
    (gi, go), = seen
    assert len(gi) == 2 and gi[0] is None and len(go) == 2 and go[1] is None
    np.testing.assert_array_equal(to_numpy(go[0]), [3.0, 3.0])
    np.testing.assert_array_equal(to_numpy(gi[1]), [6.0, 6.0])


def test_backward_hooks_on_a_dict_output_warn_that_they_are_not_called(backend):
    class M(nn.Module):
        def forward(self, d):
            return {"x": d["x"] * 2}

    calls = []
    m = M()
    m.register_full_backward_hook(lambda *a: calls.append(1))
    x = ad.tensor(xp_(np.ones(2)), requires_grad=True)
    with pytest.warns(UserWarning, match="M returned a dict: its full backward"):
        y = m({"x": x})["x"]
    gnp.sum(y).backward()
    assert calls == []
    np.testing.assert_array_equal(to_numpy(x.grad), [2.0, 2.0])


def test_state_dict_hooks(backend):
    log = []
    m = nn.Sequential(nn.Linear(1, 1), nn.Linear(1, 1))
    m.register_state_dict_pre_hook(lambda mod, prefix, keep: log.append(("pre", prefix, keep)))

    def drop_bias(mod, sd, prefix, meta):
        log.append(("post", prefix))
        del sd[prefix + "bias"]

    h = m[1].register_state_dict_post_hook(drop_bias)
    assert list(m.state_dict()) == ["0.weight", "0.bias", "1.weight"]
    assert log == [("pre", "", False), ("post", "1.")]
    h.remove()
    assert list(m.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: {})
    with pytest.raises(RuntimeError, match="post-hook .* returned a value"):
        m.state_dict()


def test_load_state_dict_pre_hook_renames_keys_under_its_prefix(backend):
    m = nn.Sequential(nn.Linear(2, 2))
    seen = []

    def rename(mod, sd, prefix, meta, strict, missing, unexpected, errors):
        seen.append((prefix, sorted(sd), strict))  # strict: always True, as torch's
        if prefix + "W" in sd:
            sd[prefix + "weight"] = sd.pop(prefix + "W")

    m[0].register_load_state_dict_pre_hook(rename)
    state = {"0.W": np.full((2, 2), 3.0), "0.bias": np.zeros(2), "x": np.ones(1)}
    res = m.load_state_dict(state, strict=False)
    assert seen == [("0.", ["0.W", "0.bias"], True)]
    assert res == ([], ["x"]) and "0.W" in state  # the caller's dict is left as it was
    np.testing.assert_array_equal(to_numpy(m[0].weight), np.full((2, 2), 3.0))
    m[0].register_load_state_dict_pre_hook(lambda mod, sd, *a: a[-1].append("bad input"))
    with pytest.raises(RuntimeError, match="Error.*for Sequential:\n\tbad input"):
        m.load_state_dict(state, strict=False)


def test_load_state_dict_post_hook_edits_the_keys_before_strict(backend):
    lin = nn.Linear(2, 2)
    h = lin.register_load_state_dict_post_hook(
        lambda mod, keys: keys.missing_keys.append("foo"))
    assert lin.load_state_dict(lin.state_dict(), strict=False) == (["foo"], [])
    with pytest.raises(KeyError, match=r"missing parameters \['foo'\]"):
        lin.load_state_dict(lin.state_dict())
    h.remove()
    lin.register_load_state_dict_post_hook(lambda mod, keys: keys.unexpected_keys.clear())
    state = {"weight": np.ones((2, 2)), "bias": np.ones(2), "extra": np.ones(1)}
    assert lin.load_state_dict(state) == ([], [])  # strict, the hook forgave "extra"
    np.testing.assert_array_equal(to_numpy(lin.bias), [1.0, 1.0])


def test_load_state_dict_assign_takes_the_arrays_and_their_dtype(backend):
    lin = nn.Linear(2, 3)
    w_obj = lin.weight
    w = xp_(np.arange(6.0, dtype=np.float32).reshape(3, 2))
    lin.load_state_dict({"weight": w, "bias": xp_(np.ones(3, np.float32))}, assign=True)
    assert lin.weight is w_obj and lin.weight.dtype == np.float32
    assert lin.weight.requires_grad
    x = ad.tensor(xp_(np.array([[1.0, 2.0]], np.float32)))
    np.testing.assert_array_equal(to_numpy(lin(x)), [[3.0, 9.0, 15.0]])  # w @ x + 1
    with pytest.raises(ValueError, match=r"weight has shape \(3, 2\), got \(2, 2\)"):
        lin.load_state_dict({"weight": xp_(np.ones((2, 2)))}, strict=False, assign=True)


def test_named_parameters_list_a_modules_own_parameters_before_its_submodules(backend):
    class M(nn.Module):
        def __init__(self):
            self.lin = nn.Linear(2, 2)
            self.p = nn.Parameter(xp_(np.ones(2)))
            self.seq = nn.Sequential(nn.Linear(1, 1))
            self.q = nn.Parameter(xp_(np.zeros(1)))

    m = M()
    names = ["p", "q", "lin.weight", "lin.bias", "seq.0.weight", "seq.0.bias"]
    assert [n for n, _ in m.named_parameters()] == names  # torch's order (state_dict's too)
    assert [p for p in m.parameters()] == [dict(m.named_parameters())[n] for n in names]
    assert [n for n, _ in m.named_parameters("enc")] == ["enc." + n for n in names]
    assert [n for n, _ in nn.BatchNorm1d(2).named_buffers("bn")][0] == "bn.running_mean"
    mha = nn.MultiheadAttention(4, 2, add_bias_kv=True)
    assert [n for n, _ in mha.named_parameters()] == list(mha.state_dict())


def test_a_used_module_pickles_without_its_backward_bookkeeping(backend):
    import pickle

    m = nn.Linear(3, 2)
    m.load_state_dict({"weight": np.arange(6.0).reshape(2, 3), "bias": np.ones(2)})
    x = ad.tensor(xp_(np.ones((1, 3))))
    gnp.sum(m(x)).backward()  # the weights now hold their accumulation nodes
    m2 = pickle.loads(pickle.dumps(m))
    assert m2.weight.requires_grad and m2.weight.grad is None  # torch drops .grad too
    np.testing.assert_array_equal(to_numpy(m2(x)), [[4.0, 13.0]])
    gnp.sum(m2(x)).backward()
    np.testing.assert_array_equal(to_numpy(m2.weight.grad), np.ones((2, 3)))


def test_dropout_refuses_a_bad_probability_when_built(backend):
    for p in (-0.1, 1.1):
        with pytest.raises(ValueError, match="Dropout: p must be in"):
            nn.Dropout(p)


def test_max_unpool_output_size_must_be_one_the_pooling_maps_from(backend):
    x = np.zeros((1, 1, 5, 5))
    x[..., ::2, ::2] = 100.0  # the maxima at flat indices 0, 2, 10, 12
    y, idx = F.max_pool2d(xp_(x), 3, stride=2, return_indices=True)  # 2x2 from 5x5
    for size in ((4, 4), (6, 6), (5, 5)):  # strictly between 5 - 2 and 5 + 2
        out = to_numpy(F.max_unpool2d(y, idx, 3, stride=2, output_size=size))
        assert out.shape == (1, 1) + size
    with pytest.raises(ValueError, match=r"output_size \(3, 5\) .* strictly between \(3, 3\)"):
        F.max_unpool2d(y, idx, 3, stride=2, output_size=(3, 5))
    with pytest.raises(ValueError, match="output_size"):
        F.max_unpool2d(y, idx, 3, stride=2, output_size=(5, 7))


def test_norm_parametrizations_refuse_a_lazy_layers_placeholder(backend):
    import warnings

    from gpuad.nn.utils import parametrizations as P
    from gpuad.nn.utils import spectral_norm, weight_norm

    # weight_norm of a LazyLinear was silently dropped at the first call (the weight became a
    # plain Parameter, the (0,)-shaped originals left unused)
    for f in (P.weight_norm, P.spectral_norm, P.orthogonal, weight_norm, spectral_norm):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            with pytest.raises(ValueError, match="uninitialized parameter of a lazy layer"):
                f(nn.LazyLinear(3))
    m = nn.LazyLinear(3)
    m(xp_(np.ones((2, 4))))
    P.weight_norm(m)  # once built, as torch's
    assert tuple(m.parametrizations.weight.original1.shape) == (3, 4)


def test_parametrized_module_pickle_names_state_dict_and_deepcopy_works(backend):
    import copy
    import pickle

    from gpuad.nn.utils import parametrizations as P
    from gpuad.nn.utils.rnn import pad_sequence

    m = P.weight_norm(nn.Linear(2, 2))
    m.load_state_dict({"bias": np.zeros(2), "parametrizations.weight.original0": np.ones((2, 1)),
                       "parametrizations.weight.original1": np.array([[3.0, 4.0], [0.0, 2.0]])})
    # was: PicklingError "attribute lookup ParametrizedLinear failed"
    with pytest.raises(RuntimeError, match=r"ParametrizedLinear\) can only be saved through"):
        pickle.dumps(nn.Sequential(m))
    m2 = copy.deepcopy(m)
    x = xp_(np.array([[1.0, 1.0]]))
    np.testing.assert_allclose(to_numpy(m2(x)), [[1.4, 1.0]], rtol=1e-14)  # g v / |v|
    with pytest.raises(TypeError, match="pad_sequence: expected an iterable of sequences"):
        pad_sequence(5)


def test_extra_state_round_trips_through_state_dict(backend):
    class Sub(nn.Module):
        def __init__(self, foo):
            self.foo = foo

        def get_extra_state(self):
            return {"foo": self.foo}

        def set_extra_state(self, state):
            self.foo = state["foo"]

    class My(nn.Module):
        def __init__(self, foo, bar):
            self.sub = Sub(foo)
            self.bar = bar
            self.lin = nn.Linear(1, 1)

        def get_extra_state(self):
            return self.bar

        def set_extra_state(self, state):
            self.bar = state

    m, m2 = My(3, "something"), My(5, "else")
    sd = m.state_dict()
    assert list(sd) == ["_extra_state", "sub._extra_state", "lin.weight", "lin.bias"]
    assert m2.load_state_dict(sd) == ([], [])
    assert (m2.bar, m2.sub.foo) == ("something", 3)

    class OnlyGet(nn.Module):
        def get_extra_state(self):
            return 5

    class OnlySet(nn.Module):
        def set_extra_state(self, state):
            pass

    with pytest.raises(KeyError, match=r"unexpected keys \['_extra_state'\]"):
        OnlyGet().load_state_dict(OnlyGet().state_dict())
    with pytest.raises(KeyError, match=r"missing parameters \['_extra_state'\]"):
        OnlySet().load_state_dict(OnlySet().state_dict())
