"""What the seventh round of ported programs (tests/conformance/test_ports_programs_round7*.py)
found: torch's legacy ``Tensor.new`` and ``torch.as_tensor`` (the numpy-extensions tutorial's
custom Functions wrap NumPy and SciPy results with them), and ``DataParallel``'s checkpoint
methods (the DDP tutorial saves and loads the wrapped model's state)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def test_tensor_new_sizes_and_data(backend):
    x = ad.tensor(gnp.zeros(3))
    assert x.new(2, 3).shape == (2, 3) and x.new(2, 3).dtype == np.float64
    assert x.new().shape == (0,)
    y = x.new(np.arange(3))  # data: a copy in x's dtype
    assert y.dtype == np.float64
    np.testing.assert_array_equal(to_numpy(y), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(to_numpy(x.new([4, 5])), [4.0, 5.0])
    assert not y.requires_grad


def test_tensor_new_refuses_ambiguous_arguments(backend):
    x = ad.tensor(gnp.zeros(3))
    with pytest.raises(TypeError, match="ambiguous"):
        x.new((2, 3))  # torch: data for a tuple, a shape for a torch.Size
    with pytest.raises(TypeError, match="alias"):
        x.new(ad.tensor(gnp.ones(2)))
    with pytest.raises(TypeError, match="sizes"):
        x.new(2.5)


def test_as_tensor_keeps_a_tensor_and_its_graph(backend):
    w = ad.tensor(gnp.ones(3), requires_grad=True)
    assert ad.as_tensor(w) is w
    assert ad.as_tensor(w, dtype=np.float64) is w
    z = ad.as_tensor(w * 2.0, dtype=np.float32)  # a recorded cast
    assert z.dtype == np.float32
    z.sum().backward()
    np.testing.assert_array_equal(to_numpy(w.grad), [2.0, 2.0, 2.0])
    a = ad.as_tensor(np.arange(3), dtype=np.float64)
    assert a.dtype == np.float64 and not a.requires_grad


def test_data_parallel_checkpoint_round_trip(backend):
    import gpuad.distributed as dist

    dist.init()
    try:
        model = ad.nn.Sequential(ad.nn.Linear(2, 3), ad.nn.BatchNorm1d(3))
        dp = dist.DataParallel(model)
        sd = dp.state_dict()
        assert list(sd) == list(model.state_dict())  # buffers too (running statistics)
        saved = {k: to_numpy(v).copy() for k, v in sd.items()}
        with ad.no_grad():
            model[0].weight.mul_(0.0)
        dp.load_state_dict(saved)
        np.testing.assert_array_equal(to_numpy(model[0].weight), saved["0.weight"])
        params = [ad.tensor(gnp.ones(2), requires_grad=True)]
        dq = dist.DataParallel(params)
        dq.load_state_dict({"0": np.full(2, 3.0)})
        np.testing.assert_array_equal(to_numpy(params[0]), [3.0, 3.0])
        with pytest.raises(KeyError, match="missing"):
            dq.load_state_dict({"w": np.ones(2)})
    finally:
        dist.shutdown()


def test_function_ctx_saved_variables_is_saved_tensors(backend):
    # the extension-cpp LLTM baseline reads ctx.saved_variables (torch's older name)
    class Square(ad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_variables
            return 2 * x * g

    x = ad.tensor(gnp.asarray([1.0, -3.0]), requires_grad=True)
    with pytest.warns(DeprecationWarning, match="saved_tensors"):
        Square.apply(x).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [2.0, -6.0])


def test_flatten_func_as_autograds(backend):
    # autograd's gmm.py imports it from autograd.misc.flatten (ImportError before)
    from gpuad.misc.flatten import flatten_func

    params = {"b": np.array([1.0, 2.0]), "w": np.eye(2)}

    def f(p, scale):
        return scale * gnp.sum(p["w"] @ p["b"])

    flat_f, unflatten, x0 = flatten_func(f, params)
    np.testing.assert_array_equal(to_numpy(x0), [1.0, 2.0, 1.0, 0.0, 0.0, 1.0])
    assert to_numpy(flat_f(x0, 2.0)).shape == (1,)
    np.testing.assert_allclose(to_numpy(flat_f(x0, 2.0)), [6.0])
    np.testing.assert_allclose(
        to_numpy(ad.grad(flat_f)(to_numpy(x0), 2.0)), [2.0, 2.0, 2.0, 4.0, 2.0, 4.0]
    )
    np.testing.assert_array_equal(to_numpy(unflatten(x0)["w"]), np.eye(2))


def test_tensor_repeat_with_torchs_tuple_names_tile(backend):
    # d2l's Nadaraya-Watson writes x_train.repeat((n_train, 1)); NumPy's broadcast error
    # said nothing of torch's tiling
    x = ad.tensor(gnp.arange(4.0))
    with pytest.raises(TypeError, match=r"x\.tile\(\(4, 1\)\)"):
        x.repeat((4, 1))
    np.testing.assert_array_equal(to_numpy(x.repeat([1, 0, 2, 1])), [0.0, 2.0, 2.0, 3.0])
    np.testing.assert_array_equal(to_numpy(x.tile((2, 1))), np.tile(np.arange(4.0), (2, 1)))


def test_rnn_flatten_parameters_changes_nothing(backend):
    # d2l's BiRNN calls self.encoder.flatten_parameters() in forward (AttributeError before)
    lstm = ad.nn.LSTM(2, 3, bidirectional=True)
    x = ad.tensor(gnp.asarray(np.random.default_rng(0).standard_normal((4, 1, 2))))
    before = to_numpy(lstm(x)[0]).copy()
    params = [to_numpy(p).copy() for p in lstm.parameters()]
    assert lstm.flatten_parameters() is None
    np.testing.assert_array_equal(to_numpy(lstm(x)[0]), before)
    for p, q in zip(lstm.parameters(), params, strict=True):
        np.testing.assert_array_equal(to_numpy(p), q)
