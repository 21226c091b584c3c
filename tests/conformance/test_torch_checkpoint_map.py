"""PyTorch's checkpoint tests mapped onto gpuad's checkpointing (``gpuad.checkpoint``,
``gpuad.utils.checkpoint``), with the cases the earlier ports had left out run here in torch
and gpuad on the same inputs.

Upstream files (the newest versions stored):

- ``test/test_utils.py`` of pytorch/pytorch at 0025348e03d0307b815c0043b702e2a64c2ef752,
  class ``TestCheckpoint``: 18 test methods.
- ``test/test_autograd.py`` at 0f3f4a53e9174267a1d4704ae0c5706bd6ca15bd (the cyyever/pytorch
  mirror; the stored pytorch/pytorch copy predates both classes), classes
  ``TestNestedCheckpoint`` (11 methods) and ``TestSelectiveActivationCheckpoint`` (15).
- the public names of ``torch.utils.checkpoint`` (its ``__all__`` and the keywords of
  ``checkpoint``), in ``API``.

``GAPS`` has one row per upstream method: (class, test, where), where is "here: test_fn"
(a test of this file), "covered: file.py::test_fn[case]" (an earlier port), "differs: why;
here: ..." (gpuad's deliberate behaviour, tested here) or "n/a: why".
``test_every_gap_has_a_mapping`` checks the rows, their references and the method counts.
The peer is the installed torch (2.13, float64 inputs); torch's curried ``checkpoint(...)(fn)``
is newer than it, so gpuad's curried form is compared with the plain function.

What the map found (fixed; tests/test_torchcheckpointmap_regressions.py): a keyword argument, or
a Tensor read from the block's closure, that requires no grad, written in place between forward
and backward, was used at its new value (torch does the same; gpuad now raises as for a
positional argument, for each constant the block reads and does not write itself); a
recomputation that returned another shape, dtype or number of outputs than the forward gave a
broadcast error inside an adjoint, or (a reshaped or float32 result) the gradient of another
function without a word (it now raises ``CheckpointError``; torch's determinism check compares
the tensors the block saves, and raises only where they change); and torch's names
``early_stop`` (it reached the block as the block's own keyword), ``context_fn`` contexts,
``noop_context_fn``, ``set_checkpoint_early_stop``, ``set_checkpoint_debug_enabled``, the
curried form and the selective-checkpoint contexts were missing; under one seed a checkpointed
block drew other random numbers than the un-checkpointed program (a generator seeded per block;
now, on the NumPy backend, the global one with its state saved for the recomputation, as
torch's); and ``autograd.grad`` inside a block's forward (which records nothing) failed saying
only "ran under no_grad" (it now names ``gpuad.enable_grad()``).

A recomputation that returns the same shapes and dtypes but other values (a block that reads a
global changed between forward and backward) raises too: backward compares each float output's
sum with the forward's (``test_recomputation_with_other_values``); torch's default check misses
it unless the number of saved tensors changes.
"""

from __future__ import annotations

import contextlib
import functools
import re
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils import checkpoint as tck  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.nn as gnn  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.utils import checkpoint as gck  # noqa: E402

RNG = np.random.default_rng(20261203)
X = RNG.standard_normal((3, 4))

_CUDA = "n/a: CUDA devices, their RNG states or memory statistics"
_DISPATCH = "n/a: torch's dispatch internals (TorchDispatchMode, tensor subclasses, custom ops)"

GAPS: tuple[tuple[str, str, str], ...] = (
    # test/test_utils.py
    ("TestCheckpoint", "test_checkpoint_trigger", "here: test_checkpoint_trigger"),
    ("TestCheckpoint", "test_checkpoint_valid",
     "differs: torch's reentrant variant refuses autograd.grad(create_graph=True); gpuad's one "
     "checkpoint gives the gradients of the plain model; here: test_checkpoint_valid"),
    ("TestCheckpoint", "test_checkpoint", "here: test_checkpoint_sequential_models"),
    ("TestCheckpoint", "test_checkpoint_module_list", "here: test_checkpoint_sequential_models"),
    ("TestCheckpoint", "test_checkpoint_sequential_deprecated_multiple_args",
     "here: test_checkpoint_sequential_bad_arguments"),
    ("TestCheckpoint", "test_checkpoint_sequential_deprecated_no_args",
     "here: test_checkpoint_sequential_bad_arguments"),
    ("TestCheckpoint", "test_checkpoint_rng_cpu", "here: test_checkpoint_rng"),
    ("TestCheckpoint", "test_checkpoint_rng_gpu", _CUDA + " (gpuad's replay of draws: "
     "here: test_checkpoint_rng)"),
    ("TestCheckpoint", "test_checkpoint_not_preserve_rng_state_and_without_reentrant",
     "differs: gpuad replays the forward's draws whatever preserve_rng_state says (torch's "
     "False draws new ones, a gradient of other dropout masks); "
     "here: test_checkpoint_not_preserve_rng_state"),
    ("TestCheckpoint", "test_checkpoint_non_tensor", "here: test_checkpoint_non_tensor"),
    ("TestCheckpoint", "test_checkpoint_non_tensor_inputs_outputs",
     "here: test_checkpoint_non_tensor_inputs_outputs"),
    ("TestCheckpoint", "test_checkpoint_no_tensors", "here: test_checkpoint_no_tensors"),
    ("TestCheckpoint", "test_checkpoint_partial_grad", "here: test_checkpoint_partial_grad"),
    ("TestCheckpoint", "test_checkpointing_without_reentrant_early_free", _CUDA),
    ("TestCheckpoint", "test_get_device_states_recursive", _CUDA),
    ("TestCheckpoint", "test_infer_device_state_recursive_meta",
     "n/a: torch's private _infer_device_type and the meta device"),
    ("TestCheckpoint", "test_infer_device_state_recursive_multi_gpu", _CUDA),
    ("TestCheckpoint", "test_checkpoint_preserves_device_context",
     "n/a: torch.device contexts (a gpuad backend has one device; the recomputation binds "
     "the forward's autocast state: test_amp.py)"),
    # test/test_autograd.py TestNestedCheckpoint
    ("TestNestedCheckpoint", "test_nested_checkpoint", "here: test_nested_checkpoint"),
    ("TestNestedCheckpoint", "test_nested_checkpoint_two_children",
     "here: test_nested_checkpoint_two_children"),
    ("TestNestedCheckpoint", "test_nested_checkpoint_non_tensor_inputs_and_outputs",
     "covered: conformance/test_torch_autograd_gaps.py::"
     "test_case[checkpoint_non_tensor_inputs_and_outputs]"),
    ("TestNestedCheckpoint", "test_nested_checkpoint_kwargs",
     "covered: conformance/test_torch_autograd_gaps.py::test_case[checkpoint_kwargs]"),
    ("TestNestedCheckpoint", "test_checkpoint_curried_kwargs_do_not_collide_with_checkpoint_kwargs",
     "here: test_curried_checkpoint"),
    ("TestNestedCheckpoint", "test_checkpoint_zero_arg_function", "here: test_curried_checkpoint"),
    ("TestNestedCheckpoint", "test_checkpoint_curried_method", "here: test_curried_checkpoint"),
    ("TestNestedCheckpoint", "test_nested_checkpoint_same_graph",
     "here: test_nested_checkpoint_hooks (a hook on the block's output Tensor: gpuad has no "
     "Node objects)"),
    ("TestNestedCheckpoint", "test_nested_checkpoint_reentrant_backwards",
     "here: test_nested_checkpoint_hooks"),
    ("TestNestedCheckpoint", "test_nested_checkpoint_set_early_stop",
     "differs: gpuad always runs the whole block again (torch's early_stop=False), so the "
     "block's Python code runs twice where torch's early stop runs it once; values and "
     "gradients are the same; here: test_early_stop"),
    ("TestNestedCheckpoint", "test_nested_checkpoint_set_early_stop_no_recompution_needed",
     "differs: a block that saves nothing is run again in gpuad (torch skips it); "
     "here: test_early_stop"),
    # test/test_autograd.py TestSelectiveActivationCheckpoint
    ("TestSelectiveActivationCheckpoint", "test_flops_and_mem",
     _CUDA + " and FlopCounterMode (the gradients under each policy: "
     "here: test_selective_policies_same_gradients)"),
    ("TestSelectiveActivationCheckpoint", "test_output_already_has_autograd_meta",
     "here: test_selective_integer_view_output"),
    ("TestSelectiveActivationCheckpoint", "test_subclass_dispatching_sizes", _DISPATCH),
    ("TestSelectiveActivationCheckpoint", "test_bad_inputs",
     "differs: op lists name gpuad primitives ('matmul', 'sin'), not torch OpOverloads; "
     "here: test_selective_bad_inputs"),
    ("TestSelectiveActivationCheckpoint", "test_policy_with_state",
     "here: test_selective_policy_with_state"),
    ("TestSelectiveActivationCheckpoint", "test_storage_lifetime",
     "n/a: weak references into torch's dispatch-mode storage"),
    ("TestSelectiveActivationCheckpoint", "test_version_counter",
     "differs: torch refuses a saved result written in place unless "
     "allow_cache_entry_mutation; gpuad keeps copies and does not save a value written in "
     "place, exact either way; here: test_selective_version_counter"),
    ("TestSelectiveActivationCheckpoint", "test_saved_tensors_hooks_fire_for_saved_tensors",
     "n/a: respect_saved_tensors_hooks, a keyword newer than the peer torch"),
    ("TestSelectiveActivationCheckpoint",
     "test_saved_tensors_hooks_no_refcycle_with_stateful_owner",
     "n/a: reference cycles of torch's C++ graph"),
    ("TestSelectiveActivationCheckpoint", "test_function_with_more_than_one_output",
     "here: test_selective_multi_output_primitive"),
    ("TestSelectiveActivationCheckpoint", "test_function_with_non_tensor_output", _DISPATCH),
    ("TestSelectiveActivationCheckpoint", "test_mismatch_new_op_during_recompute",
     "differs: torch's storage lookup raises; gpuad computes what no saved result covers, "
     "so only another shape, dtype or output count raises (CheckpointError); "
     "here: test_recomputation_differs, test_recomputation_with_other_values"),
    ("TestSelectiveActivationCheckpoint", "test_mismatch_extra_invocation_during_recompute",
     "differs: as test_mismatch_new_op_during_recompute; here: test_recomputation_differs"),
    ("TestSelectiveActivationCheckpoint", "test_can_only_trigger_recompute_once",
     "differs: torch refuses a second backward through a selective checkpoint; gpuad "
     "computes everything again and gives the same gradient; "
     "here: test_selective_second_backward"),
    ("TestSelectiveActivationCheckpoint", "test_auto_naming_mode_names",
     _DISPATCH + " (gpuad names values with checkpoint_name: test_remat_names.py)"),
)

# the public names of torch.utils.checkpoint (2.13's __all__) and checkpoint's keywords
API: tuple[tuple[str, str], ...] = (
    ("checkpoint", "here: test_checkpoint_keywords"),
    ("checkpoint_sequential", "here: test_checkpoint_sequential_models"),
    ("use_reentrant", "here: test_checkpoint_keywords"),
    ("preserve_rng_state", "here: test_checkpoint_not_preserve_rng_state"),
    ("context_fn", "here: test_context_fn"),
    ("determinism_check", "here: test_recomputation_differs"),
    ("debug", "here: test_checkpoint_keywords"),
    ("early_stop", "here: test_early_stop"),
    ("CheckpointError", "here: test_recomputation_differs"),
    ("noop_context_fn", "here: test_context_fn"),
    ("set_checkpoint_early_stop", "here: test_early_stop"),
    ("set_checkpoint_debug_enabled", "here: test_checkpoint_keywords"),
    ("CheckpointPolicy", "here: test_selective_policies_same_gradients"),
    ("SelectiveCheckpointContext", "here: test_selective_policy_with_state"),
    ("create_selective_checkpoint_contexts", "here: test_selective_policies_same_gradients"),
    ("CheckpointFunction", "n/a: the reentrant variant's autograd.Function; here: "
     "test_torch_internal_names_refused"),
    ("check_backward_validity", "n/a: a reentrant-variant helper; here: "
     "test_torch_internal_names_refused"),
    ("detach_variable", "n/a: a reentrant-variant helper; here: "
     "test_torch_internal_names_refused"),
    ("get_device_states", "n/a: CUDA RNG states; here: test_torch_internal_names_refused"),
    ("set_device_states", "n/a: CUDA RNG states; here: test_torch_internal_names_refused"),
    ("DefaultDeviceType", "n/a: torch's device types; here: test_torch_internal_names_refused"),
    ("SAC_IGNORED_OPS", "n/a: a set of torch ops; here: test_torch_internal_names_refused"),
    ("GraphExecGroup", "n/a: torch's graph-execution groups; here: "
     "test_torch_internal_names_refused"),
)


def _suite_functions(path: str) -> set[str]:
    text = (Path(__file__).parent.parent / path).read_text()
    return set(re.findall(r"^def (\w+)\(", text, flags=re.M))


def _check_where(name: str, where: str) -> None:
    assert where.startswith(("here:", "covered:", "n/a:", "differs:")), name
    for fn in re.findall(r"here: ((?:test_\w+)(?:, test_\w+)*)", where):
        for f in fn.split(", "):
            assert f in globals(), (name, f)
    for path, fn, case in re.findall(r"covered: ([\w/.]+\.py)::(test_\w+)(?:\[(\w+)\])?", where):
        names = _suite_functions(path)
        assert fn in names and (not case or case in names), (name, path, fn, case)
    if where.startswith(("covered:", "differs:")):
        assert "covered: " in where or "here: " in where, name


def test_every_gap_has_a_mapping():
    assert len(GAPS) == len({(c, n) for c, n, _ in GAPS}) == 44
    per_class: dict[str, int] = {}
    for cls, name, where in GAPS:
        per_class[cls] = per_class.get(cls, 0) + 1
        assert name.startswith("test_"), name
        _check_where(name, where)
    assert per_class == {"TestCheckpoint": 18, "TestNestedCheckpoint": 11,
                         "TestSelectiveActivationCheckpoint": 15}
    names = {n for n, _ in API}
    assert set(tck.__all__) <= names, set(tck.__all__) - names
    for name, where in API:
        _check_where(name, where)
        if where.startswith("here:") and name in tck.__all__:
            assert hasattr(gck, name), name


# ---- helpers -----------------------------------------------------------------------------------

def _t(a, rg=True):
    return torch.tensor(np.asarray(a, dtype=np.float64)).requires_grad_(rg)


def _g(a, rg=True):
    return ad.tensor(np.asarray(a, dtype=np.float64), requires_grad=rg)


def _np(x):
    if x is None:
        return None
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _close(a, b, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol)


# torch's warnings about use_reentrant and inputs that do not require grad
pytestmark = [pytest.mark.filterwarnings("ignore:.*use_reentrant"),
              pytest.mark.filterwarnings("ignore:None of the inputs have requires_grad")]


# ---- TestCheckpoint ----------------------------------------------------------------------------

def test_checkpoint_trigger():
    for reentrant in (True, False):
        counts = []
        for lib, nn, ck, leaf in ((torch, torch.nn, tck, _t), (ad, gnn, gck, _g)):
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.counter = 0

                def forward(self, x):
                    self.counter += 1
                    return x * lib.tensor(2.0)

            mods = [Net() for _ in range(10)]
            x = leaf(X)
            out = ck.checkpoint_sequential(mods, 2, x, use_reentrant=reentrant)
            first = [m.counter for m in mods]
            out.sum().backward()
            counts.append((first, [m.counter for m in mods], _np(x.grad)))
        assert counts[0][:2] == counts[1][:2] == ([1] * 10, [2] * 5 + [1] * 5)
        _close(counts[0][2], counts[1][2])


def _mlp(lib_nn, weights):
    lin = functools.partial(torch.nn.Linear, dtype=torch.float64) if lib_nn is torch.nn \
        else gnn.Linear
    layers = [lin(6, 5), lib_nn.ReLU(), lin(5, 4), lib_nn.ReLU(), lin(4, 3), lib_nn.ReLU()]
    k = 0
    for m in layers:
        if hasattr(m, "weight"):
            w, b = weights[k]
            k += 1
            if isinstance(m, torch.nn.Module):
                with torch.no_grad():
                    m.weight.copy_(torch.tensor(w))
                    m.bias.copy_(torch.tensor(b))
            else:
                m.weight = gnn.Parameter(ad.tensor(w))
                m.bias = gnn.Parameter(ad.tensor(b))
    return layers


_W = [(RNG.standard_normal((o, i)), RNG.standard_normal(o)) for i, o in ((6, 5), (5, 4), (4, 3))]
_IN = RNG.standard_normal((2, 6))


def test_checkpoint_valid():
    # torch: the reentrant variant refuses create_graph; the non-reentrant one matches
    layers = _mlp(torch.nn, _W)
    x = _t(_IN)
    out = tck.checkpoint_sequential(layers, 2, x, use_reentrant=True)
    with pytest.raises(RuntimeError, match="torch.utils.checkpoint is incompatible"):
        torch.autograd.grad([out], [x], [torch.ones(2, 3, dtype=torch.float64)],
                            create_graph=True)
    out = tck.checkpoint_sequential(layers, 2, x, use_reentrant=False)
    (want,) = torch.autograd.grad([out], [x], [torch.ones(2, 3, dtype=torch.float64)],
                                  create_graph=True)
    glayers = _mlp(gnn, _W)
    for reentrant in (True, False):
        gx = _g(_IN)
        gout = gck.checkpoint_sequential(glayers, 2, gx, use_reentrant=reentrant)
        _close(gout, out)
        (got,) = ad.autograd.grad([gout], [gx], [ad.tensor(np.ones((2, 3)))], create_graph=True)
        _close(got, want)


def test_checkpoint_sequential_models():
    # test_checkpoint (nn.Sequential and its list) and test_checkpoint_module_list
    def grads(nn, ck, leaf, layers, how, reentrant):
        x = leaf(_IN)
        if how == "plain":
            h = x
            for m in layers:
                h = m(h)
        else:
            seq = {"list": layers, "sequential": nn.Sequential(*layers),
                   "modulelist": nn.ModuleList(layers)}[how]
            h = ck.checkpoint_sequential(seq, 2, x, use_reentrant=reentrant)
        for m in layers:
            for p in m.parameters():
                p.grad = None
        h.sum().backward()
        return [h, x.grad] + [p.grad for m in layers for p in m.parameters()]

    tl, gl = _mlp(torch.nn, _W), _mlp(gnn, _W)
    want = grads(torch.nn, tck, _t, tl, "plain", False)
    for reentrant in (True, False):
        for how in ("list", "sequential", "modulelist"):
            got_t = grads(torch.nn, tck, _t, tl, how, reentrant)
            got_g = grads(gnn, gck, _g, gl, how, reentrant)
            assert len(got_t) == len(got_g) == len(want) == 8
            for a, b, c in zip(want, got_t, got_g, strict=True):
                _close(b, a)
                _close(c, a)


def test_checkpoint_sequential_bad_arguments():
    for nn, ck, leaf in ((torch.nn, tck, _t), (gnn, gck, _g)):
        class Two(nn.Module):
            def forward(self, a, b):
                return a, b

        class Noop(nn.Module):
            def forward(self):
                pass

        a, b = leaf(_IN), leaf(_IN)
        for reentrant in (True, False):
            with pytest.raises(TypeError):
                ck.checkpoint_sequential(nn.Sequential(Two()), 1, a, b,
                                         use_reentrant=reentrant)
            with pytest.raises(TypeError):
                ck.checkpoint_sequential(nn.Sequential(Noop()), 1)  # no input


def test_checkpoint_rng():
    # each library against itself: the checkpointed dropout's gradient is the plain one's
    x = _t(RNG.standard_normal(2000))
    for _ in range(3):
        state = torch.get_rng_state()
        d1, d2 = torch.nn.Dropout(), torch.nn.Dropout()
        tck.checkpoint(d2, d1(x), use_reentrant=True).sum().backward()
        g1, x.grad = x.grad, None
        torch.set_rng_state(state)
        d2(d1(x)).sum().backward()
        _close(g1, x.grad)
        x.grad = None
    # gpuad (NumPy backend): the checkpointed block draws what the plain program draws under
    # the same seed and leaves the global stream where the plain program leaves it; its
    # gradient is that of the forward's masks on every backward
    gx = _g(_np(x))
    for reentrant in (True, False):
        gnp.random.seed(5)
        d1, d2 = gnn.Dropout(), gnn.Dropout()
        out = gck.checkpoint(d2, d1(gx), use_reentrant=reentrant)
        out.sum().backward(retain_graph=True)
        g1, after = _np(gx.grad).copy(), _np(gnp.random.random(3))
        _close(g1, (_np(out) != 0) * 4.0)
        out.sum().backward()
        _close(gx.grad, 2 * g1)
        gx.grad = None
        gnp.random.seed(5)
        plain = d2(d1(gx))
        plain.sum().backward()
        _close(plain, out)
        _close(gx.grad, g1)
        _close(gnp.random.random(3), after)
        assert 0.1 < np.mean(g1 == 0) < 0.9  # dropped and kept entries both
        gx.grad = None


def test_checkpoint_not_preserve_rng_state():
    gx = _g(RNG.standard_normal(200))
    layer = gnn.Dropout()
    out = gck.checkpoint(layer, gx, use_reentrant=False, preserve_rng_state=False)
    out.sum().backward()
    # the mask of the forward (torch's False draws a new one in backward)
    _close(gx.grad, (_np(out) != 0) * 2.0)


def test_checkpoint_non_tensor():
    def run(t1, t2):
        return t1 if t2 is None else t1 + t2

    got = []
    for ck, leaf in ((tck, _t), (gck, _g)):
        x = leaf(_IN)
        ck.checkpoint(run, x, None, use_reentrant=True).sum().backward()
        got.append(x.grad)
    _close(got[0], got[1])
    _close(got[1], np.ones_like(_IN))


def _foo(t1, t2, scale, t3):
    t4 = t1 + t2 * t3
    t5 = t1 * t2 + t3
    t4 *= scale
    t5 *= scale
    return scale, t4, None, True, t5, "bar", t1


def test_checkpoint_non_tensor_inputs_outputs():
    a, b, c = RNG.random(10), RNG.random(10), RNG.random(10)
    for reentrant in (True, False):
        res = {}
        for name, ck, leaf in (("torch", tck, _t), ("gpuad", gck, _g)):
            t1, t2, t3 = leaf(a), leaf(b), leaf(c, False)
            r = ck.checkpoint(_foo, t1, t2, 4, t3, use_reentrant=reentrant)
            assert (r[0], r[2], r[3], r[5]) == (4, None, True, "bar")
            _close(r[1], (a + b * c) * 4)
            _close(r[4], (a * b + c) * 4)
            _close(r[6], a)
            r[1].sum().backward(retain_graph=True)
            r[4].sum().backward(retain_graph=True)
            r[6].sum().backward()
            if reentrant:  # the output went through the checkpoint's step
                with pytest.raises(RuntimeError, match="second time"):
                    r[6].sum().backward()
            res[name] = (t1.grad, t2.grad)
            t1.grad = t2.grad = None
            p = _foo(t1, t2, 4, t3)
            (p[1].sum() + p[4].sum() + p[6].sum()).backward()
            _close(res[name][0], t1.grad)
            _close(res[name][1], t2.grad)
        _close(res["torch"][0], res["gpuad"][0])
        _close(res["torch"][1], res["gpuad"][1])


def test_checkpoint_no_tensors():
    args = (0.25, 0.5, 3, 0.75)
    for reentrant in (True, False):
        want = tck.checkpoint(_foo, *args, use_reentrant=reentrant)
        got = gck.checkpoint(_foo, *args, use_reentrant=reentrant)
        assert got == want == _foo(*args)


def test_checkpoint_partial_grad():
    for ck, leaf in ((tck, _t), (gck, _g)):
        a, b = leaf(_IN), leaf(_IN, False)
        out = ck.checkpoint(lambda p, q: (p, q), a, b, use_reentrant=True)
        out[0].sum().backward()
        _close(a.grad, np.ones_like(_IN))
        a, b = leaf(_IN, False), leaf(_IN)
        for reentrant in (True, False):
            out = ck.checkpoint(lambda p, q: p, a, b, use_reentrant=reentrant)
            # torch: "none of output has requires_grad=True" (reentrant), "does not require
            # grad" (non-reentrant); gpuad: the output does not require grad
            with pytest.raises(RuntimeError, match="requires_grad|require grad"):
                out.sum().backward()


# ---- TestNestedCheckpoint ----------------------------------------------------------------------

class _Nest:
    def __init__(self, lib, ck):
        self.lib, self.ck = lib, ck

    def grad(self, fn):
        def wrapper(x):
            with self.lib.enable_grad():
                out = fn(x)
                (g,) = self.lib.autograd.grad(out, inputs=(x,), create_graph=True)
            return g
        return wrapper

    def sum(self, fn):
        return lambda x: fn(x).sum()

    def c(self, fn):
        return lambda *a, **k: self.ck.checkpoint(fn, *a, use_reentrant=False, **k)

    def tests(self, fn):
        grad, c = self.grad, self.c
        return ((fn, (c(fn), c(c(fn)))),
                (grad(fn), (grad(c(fn)), grad(c(c(fn))))),
                (grad(grad(fn)), (grad(c(grad(fn))), c(grad(grad(c(fn)))),
                                  grad(c(grad(c(fn)))))),
                (grad(grad(grad(fn))), (grad(c(grad(grad(c(fn))))),
                                        grad(c(grad(c(grad(c(fn)))))))))


def test_nested_checkpoint():
    results = {}
    for name, lib, ck, leaf in (("torch", torch, tck, _t), ("gpuad", ad, gck, _g)):
        n = _Nest(lib, ck)

        def f(x):
            return x.sin().exp().sin()

        def g(x, lib=lib):
            # autograd.grad inside the (checkpointed) block: gpuad's forward of a block
            # records nothing, so the block turns recording on for it (torch's records)
            with lib.enable_grad():
                a = x.sin().exp().sin()
                b = x.sin().exp().sin()
                lib.autograd.grad(a, x)
                lib.autograd.grad(b, x)
            return x.sin()

        x = leaf(0.7)
        out = []
        for fn in (f, g):
            for expected_fn, actual_fns in n.tests(fn):
                expected = expected_fn(x)
                out.append(expected)
                for actual_fn in actual_fns:
                    _close(actual_fn(x), expected)
        results[name] = out
    for a, b in zip(results["torch"], results["gpuad"], strict=True):
        _close(b, a)

    def bare(x):  # torch's g as written: gpuad refuses, naming enable_grad
        ad.autograd.grad(x.sin().exp(), x)
        return x.sin()

    with pytest.raises(ad.GradError, match="checkpointed block's forward.*enable_grad"):
        gck.checkpoint(bare, _g(0.7), use_reentrant=False)
    with pytest.raises(ad.GradError, match="checkpointed block's forward.*enable_grad"):
        gck.checkpoint(lambda x: x.sin().sum().backward(), _g(0.7), use_reentrant=False)


def test_nested_checkpoint_two_children():
    results = []
    for lib, ck, leaf in ((torch, tck, _t), (ad, gck, _g)):
        n = _Nest(lib, ck)
        grad, sm, c = n.grad, n.sum, n.c

        def f(x):
            return x.sin().exp().sin()

        def g(x):
            return x.cos().sin().exp()

        def hc(x, f=f, g=g, c=c):
            return c(g)(c(f)(x))

        a = leaf(X[:3, :3])
        expected = grad(sm(grad(sm(lambda x: g(f(x))))))(a)
        _close(grad(sm(grad(sm(c(hc)))))(a), expected)
        _close(grad(sm(c(grad(sm(c(hc))))))(a), expected)
        results.append(expected)
    _close(results[1], results[0])


def test_nested_checkpoint_hooks():
    # test_nested_checkpoint_same_graph: a hook on the block's output runs once;
    # test_nested_checkpoint_reentrant_backwards: a backward started inside a hook
    got = []
    for ck, leaf in ((tck, _t), (gck, _g)):
        counter = [0]
        a = leaf(1.0)
        out = ck.checkpoint(lambda t: t.sin().cos().sin(), a, use_reentrant=False)
        out.register_hook(lambda g: counter.__setitem__(0, counter[0] + 1))
        out.backward()
        b = leaf(1.0)

        def fn(t):
            x = t.sin().cos()
            return x, x.sin()

        x, out2 = ck.checkpoint(fn, b, use_reentrant=False)
        out2.register_hook(lambda g, x=x: x.backward(retain_graph=True))
        out2.backward(retain_graph=True)
        got.append((counter[0], a.grad, b.grad))
    assert got[0][0] == got[1][0] == 1
    _close(got[1][1], got[0][1])
    _close(got[1][2], got[0][2])


def test_curried_checkpoint():
    # torch's curried form is newer than the peer: gpuad's is held to the plain function
    def fn(a, preserve_rng_state, use_reentrant, context_fn, determinism_check, debug,
           early_stop):
        return (a.sin() * preserve_rng_state * use_reentrant * context_fn * determinism_check
                * debug * early_stop)

    kw = dict(preserve_rng_state=2, use_reentrant=3, context_fn=5, determinism_check=7,
              debug=11, early_stop=13)
    a = _g(2.0)
    out = gck.checkpoint(use_reentrant=False, preserve_rng_state=False)(fn)(a, **kw)
    _close(ad.autograd.grad(out, (a,))[0], ad.autograd.grad(fn(a, **kw), (a,))[0])

    def zero():
        return a.sin().exp()

    old = gck.checkpoint(zero, use_reentrant=False)
    new = gck.checkpoint(use_reentrant=False)(zero)()
    _close(old, np.exp(np.sin(2.0)))
    _close(new, np.exp(np.sin(2.0)))
    want = np.cos(2.0) * np.exp(np.sin(2.0))
    _close(ad.autograd.grad(old, (a,), retain_graph=True)[0], want)
    _close(ad.autograd.grad(new, (a,))[0], want)

    class Model:
        @gck.checkpoint(use_reentrant=False)
        def fn(self, x, scale):
            return x.sin() * scale

    x, scale = _g(2.0), _g(3.0)
    actual = Model().fn(x, scale)
    _close(actual, np.sin(2.0) * 3)
    gx, gs = ad.autograd.grad(actual, (x, scale))
    _close(gx, 3 * np.cos(2.0))
    _close(gs, np.sin(2.0))


def test_early_stop():
    for lib_ck, leaf in ((tck, _t), (gck, _g)):
        counts = {}
        for early in (True, False):
            for ctx in (True, False):
                counter = [0]

                def clone(x, counter=counter):
                    counter[0] += 1
                    return x * 1.0

                a = leaf(1.0)
                with lib_ck.set_checkpoint_early_stop(ctx):
                    out = lib_ck.checkpoint(lambda t, clone=clone: clone(t.sin().cos()), a,
                                            use_reentrant=False, early_stop=early)
                out.backward()
                _close(a.grad, -np.sin(np.sin(1.0)) * np.cos(1.0))
                counts[early, ctx] = counter[0]
        if lib_ck is tck:  # the context manager overrides the keyword
            assert counts == {(True, True): 1, (True, False): 2, (False, True): 1,
                              (False, False): 2}
        else:  # gpuad: the whole block always runs again
            assert set(counts.values()) == {2}
    # no_recompution_needed, case 2: a block that saves nothing
    counter = [0]

    def fn2(x):
        counter[0] += 1
        return x * 1.0

    a = _g(1.0)
    gck.checkpoint(fn2, a, use_reentrant=False).backward()
    assert counter[0] == 2 and float(a.grad) == 1.0


# ---- TestSelectiveActivationCheckpoint ---------------------------------------------------------

def _sac(policy):
    return functools.partial(gck.create_selective_checkpoint_contexts, policy)


def _tsac(policy):
    return functools.partial(tck.create_selective_checkpoint_contexts, policy)


def test_selective_policies_same_gradients():
    xs, ys = RNG.standard_normal((4, 4)), RNG.standard_normal((4, 4))

    def fn(x, y):
        return (x.cos() @ y).sin().sum()

    def tpolicy(ctx, op, *a, **k):
        return tck.CheckpointPolicy.MUST_SAVE if op == torch.ops.aten.mm.default else \
            tck.CheckpointPolicy.PREFER_RECOMPUTE

    def gpolicy(ctx, op, *a, **k):
        return gck.CheckpointPolicy.MUST_SAVE if op.name == "matmul" else \
            gck.CheckpointPolicy.PREFER_RECOMPUTE

    tx, ty = _t(xs), _t(ys)
    want = torch.autograd.grad(fn(tx, ty), (tx, ty))
    for ctx in (_tsac([torch.ops.aten.mm.default]), _tsac(tpolicy),
                _tsac(lambda c, op, *a, **k: op == torch.ops.aten.mm.default)):
        got = torch.autograd.grad(tck.checkpoint(fn, tx, ty, use_reentrant=False,
                                                 context_fn=ctx), (tx, ty))
        _close(got[0], want[0])
    gx, gy = _g(xs), _g(ys)
    for ctx in (_sac(["matmul"]), _sac(gpolicy), _sac(lambda c, op, *a, **k: op.name ==
                                                      "matmul"), gck.noop_context_fn):
        out = gck.checkpoint(fn, gx, gy, use_reentrant=False, context_fn=ctx)
        got = ad.autograd.grad(out, (gx, gy))
        _close(out, _np(fn(tx, ty)))
        _close(got[0], want[0])
        _close(got[1], want[1])


def test_selective_integer_view_output():
    got = []
    for ck, leaf, ctx in ((tck, _t, _tsac([torch.ops.aten.view.default])),
                          (gck, _g, _sac(["reshape"]))):
        x = torch.tensor([1, 2, 3]) if ck is tck else ad.tensor(np.array([1, 2, 3]))
        y = leaf(X[0, :3])
        out = ck.checkpoint(lambda a, b: (a.reshape(-1), b.sin().cos()), x, y,
                            use_reentrant=False, context_fn=ctx)
        out[1].sum().backward()
        assert _np(out[0]).dtype == np.int64
        got.append(y.grad)
    _close(got[1], got[0])


def test_selective_bad_inputs():
    with pytest.raises(ValueError, match="Expected op in `op_list` to be an OpOverload"):
        tck.create_selective_checkpoint_contexts([2])
    with pytest.raises(TypeError, match="either a function or a list of ops."):
        tck.create_selective_checkpoint_contexts(2)
    with pytest.raises(ValueError, match="expected op in `op_list`"):
        gck.create_selective_checkpoint_contexts([2])
    with pytest.raises(ValueError, match="expected op in `op_list`"):
        gck.create_selective_checkpoint_contexts([torch.ops.aten.sin.default])
    with pytest.raises(TypeError, match="either a function or a list of ops"):
        gck.create_selective_checkpoint_contexts(2)


def test_selective_policy_with_state():
    for ck, leaf, Policy in ((tck, _t, tck.CheckpointPolicy), (gck, _g, gck.CheckpointPolicy)):
        counters, ctxs = [], []

        class Counting:
            def __init__(self):
                self.counter = 0

            def __call__(self, ctx, func, *args, Policy=Policy, **kwargs):
                self.counter += 1
                counters.append(self.counter)
                ctxs.append(ctx.is_recompute)
                return Policy.PREFER_RECOMPUTE

        x = leaf(X[0])
        ctx = functools.partial(ck.create_selective_checkpoint_contexts, Counting(),
                                allow_cache_entry_mutation=True)
        out = ck.checkpoint(lambda t: t.sin().sin().sin(), x, use_reentrant=False,
                            context_fn=ctx)
        out.sum().backward()
        assert counters == [1, 2, 3] and ctxs == [False] * 3  # asked in the forward only
        _close(x.grad, np.cos(np.sin(np.sin(X[0]))) * np.cos(np.sin(X[0])) * np.cos(X[0]))


def test_selective_version_counter():
    def fn(x):
        return x.sin().mul_(2).cos().exp()

    def tpolicy(ctx, op, *a, **k):
        return op == torch.ops.aten.sin.default

    x = _t(X[0])
    out = tck.checkpoint(fn, x, use_reentrant=False, context_fn=_tsac(tpolicy))
    with pytest.raises(RuntimeError, match="has been mutated"):
        out.sum().backward()
    ctx = functools.partial(tck.create_selective_checkpoint_contexts, tpolicy,
                            allow_cache_entry_mutation=True)
    tck.checkpoint(fn, x, use_reentrant=False, context_fn=ctx).sum().backward()
    x.grad = None
    fn(x).sum().backward()  # torch's cached value was written: not this gradient
    for allow in (False, True):
        gx = _g(X[0])
        ctx = functools.partial(gck.create_selective_checkpoint_contexts,
                                lambda c, op, *a, **k: op.name == "sin",
                                allow_cache_entry_mutation=allow)
        gck.checkpoint(fn, gx, use_reentrant=False,
                       context_fn=ctx).sum().backward()
        _close(gx.grad, x.grad)


def test_selective_multi_output_primitive():
    # torch's var_mean has two outputs; a gpuad primitive with two: eigh
    counter = [0]

    def gpolicy(ctx, op, *a, **k):
        if op.name == "eigh":
            counter[0] += 1
            return gck.CheckpointPolicy.MUST_SAVE
        return gck.CheckpointPolicy.PREFER_RECOMPUTE

    def fn(lib_linalg, x):
        w, v = lib_linalg.eigh(x)
        return w * v[0] ** 2  # independent of the eigenvectors' signs

    m = X[:3, :3] + X[:3, :3].T
    tx = _t(m)
    want = torch.autograd.grad(fn(torch.linalg, tx).sum(), (tx,))
    gx = _g(m)
    out = gck.checkpoint(functools.partial(fn, gnp.linalg), gx, use_reentrant=False,
                         context_fn=_sac(gpolicy))
    got = ad.autograd.grad(gnp.sum(out), (gx,))
    _close(got[0], want[0], rtol=1e-10)
    assert counter[0] == 1


def test_selective_second_backward():
    def tpolicy(ctx, op, *a, **k):
        return op == torch.ops.aten.sin.default

    x = _t(X[0])
    out = tck.checkpoint(lambda t: t.sin().cos().exp(), x, use_reentrant=False,
                         context_fn=_tsac(tpolicy))
    out.sum().backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="Trying to backward an extra time"):
        out.sum().backward(retain_graph=True)
    gx = _g(X[0])
    out = gck.checkpoint(lambda t: t.sin().cos().exp(), gx, use_reentrant=False,
                         context_fn=_sac(["sin"]))
    out.sum().backward(retain_graph=True)
    out.sum().backward(retain_graph=True)
    _close(gx.grad, 2 * _np(x.grad))


# ---- what the recomputation returns ------------------------------------------------------------

def _changing(second):
    calls = [0]

    def block(t):
        calls[0] += 1
        return t.sin() if calls[0] == 1 else second(t)
    return block


@pytest.mark.parametrize("case", ["shape", "dtype", "count", "extra_op"])
def test_recomputation_differs(case):
    second = {
        "shape": lambda t: t.sin().reshape(-1, 1),
        "dtype": lambda t: t.sin().float() if isinstance(t, torch.Tensor)
        else t.sin().astype(np.float32),
        "count": lambda t: (t.sin(), t.cos()),
        "extra_op": lambda t: t.sin().sin().reshape(-1, 1),
    }[case]
    # torch compares the tensors the block saves, not what it returns: it raises only where
    # their number changes (without early stop), and otherwise gives some gradient
    x = _t(X[0])
    out = tck.checkpoint(_changing(second), x, use_reentrant=False, early_stop=False)
    if case in ("count", "extra_op"):
        with pytest.raises(tck.CheckpointError, match="more tensors during recomputation"):
            out.sum().backward()
    else:
        out.sum().backward()
    gx = _g(X[0])
    for check in ("default", "none"):
        out = gck.checkpoint(_changing(second), gx, use_reentrant=False, early_stop=False,
                             determinism_check=check)
        with pytest.raises(gck.CheckpointError, match="computed something else"):
            out.sum().backward()
    with pytest.raises(ValueError, match="determinism_check"):
        gck.checkpoint(gnp.sin, gx, use_reentrant=False, determinism_check="all")


def test_recomputation_with_other_values():
    gx = _g(X[0])
    out = gck.checkpoint(_changing(lambda t: t.sin().exp()), gx, use_reentrant=False)
    with pytest.raises(gck.CheckpointError, match="different values"):
        out.sum().backward()


# ---- the rest of the API -----------------------------------------------------------------------

def test_checkpoint_keywords():
    x, gx = _t(X[0]), _g(X[0])

    def fn(a, scale=None):
        return a.sin() * scale

    s, gs = _t(2.0), _g(2.0)
    with tck.set_checkpoint_debug_enabled(True):
        want = torch.autograd.grad(tck.checkpoint(fn, x, scale=s, use_reentrant=False,
                                                  debug=True).sum(), (x, s))
    with gck.set_checkpoint_debug_enabled(True):
        got = ad.autograd.grad(gck.checkpoint(fn, gx, scale=gs, use_reentrant=False,
                                              debug=True).sum(), (gx, gs))
    _close(got[0], want[0])
    _close(got[1], want[1])
    # use_reentrant=True takes no keywords for the block, no debug and no context_fn
    for ck, err in ((tck, "Unexpected keyword"), (gck, "unexpected keyword")):
        leaf, sc = (x, s) if ck is tck else (gx, gs)
        with pytest.raises(ValueError, match=err):
            ck.checkpoint(fn, leaf, scale=sc, use_reentrant=True)
        with pytest.raises(ValueError, match="use_reentrant=False"):
            ck.checkpoint(fn, leaf, use_reentrant=True, debug=True)
        with pytest.raises(ValueError, match="use_reentrant=False"):
            ck.checkpoint(fn, leaf, use_reentrant=True,
                          context_fn=lambda: (contextlib.nullcontext(),) * 2)


def test_context_fn():
    logs = []
    for ck, leaf in ((tck, _t), (gck, _g)):
        log = []

        @contextlib.contextmanager
        def tag(name, log=log):
            log.append(name + " in")
            try:
                yield
            finally:  # torch's early stop ends its recomputation with an exception
                log.append(name + " out")

        x = leaf(X[0])
        out = ck.checkpoint(lambda t: t.sin().exp(), x, use_reentrant=False,
                            context_fn=lambda tag=tag: (tag("fwd"), tag("rec")))
        out.sum().backward()
        out = ck.checkpoint(lambda t: t.sin().exp(), x, use_reentrant=False,
                            context_fn=ck.noop_context_fn)
        out.sum().backward()
        logs.append((log, x.grad))
    assert logs[0][0] == logs[1][0] == ["fwd in", "fwd out", "rec in", "rec out"]
    _close(logs[1][1], logs[0][1])


def test_torch_internal_names_refused():
    for name, where in API:
        if where.startswith("n/a"):
            assert hasattr(tck, name)
            with pytest.raises(AttributeError, match="gpuad"):
                getattr(gck, name)


def test_keyword_argument_written_after_forward():
    # torch checks the positional arguments only; gpuad checks keyword ones too (differs)
    for ck, leaf in ((tck, _t), (gck, _g)):
        a, c = leaf([1.0, 2.0]), leaf([3.0, 4.0], False)
        out = ck.checkpoint(lambda t, blah=None: t * blah, a, blah=c, use_reentrant=False)
        c.mul_(2)
        if ck is tck:
            _close(torch.autograd.grad(out.sum(), a)[0], [6.0, 8.0])
        else:
            with pytest.raises(ad.GradError, match="modified in place"):
                ad.autograd.grad(out.sum(), a)


def test_closure_constant_written_after_forward():
    # torch uses the new value (a gradient of another function); gpuad raises (differs)
    for ck, leaf in ((tck, _t), (gck, _g)):
        a, c = leaf([1.0, 2.0]), leaf([3.0, 4.0], False)
        out = ck.checkpoint(lambda t, c=c: t * c, a, use_reentrant=False)
        c.mul_(2)
        if ck is tck:
            _close(torch.autograd.grad(out.sum(), a)[0], [6.0, 8.0])
        else:
            with pytest.raises(ad.GradError, match="requires no grad.*modified in place"):
                ad.autograd.grad(out.sum(), a)
