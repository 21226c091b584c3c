"""The CUDA-graph replay's own memory (gpuad.jit.replay.GraphReplay): arguments read in place
while they are the captured arrays, and results handed out without a copy from two sets of
output buffers, a set launched again only once nothing holds its results (on the stand-in, a
capture records what runs and a launch replays it; see tests/cupy_standin)."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import replay

pytestmark = [pytest.mark.gpu, pytest.mark.standin]


def _loss(x):
    return gnp.sum(gnp.sin(x) * x)


def _want(x):
    """The value and gradient of ``_loss`` at host array ``x``, in float64."""
    return np.sum(np.sin(x) * x), np.sin(x) + x * np.cos(x)


def _check(out, x):
    v, g = out
    wv, wg = _want(x)
    np.testing.assert_allclose(to_numpy(v), wv, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(g), wg, rtol=1e-12)


def _info(j):
    (entry,) = j.cache_info()["entries"]
    return entry


def _host(k, n=6):
    return np.linspace(-1.0, 1.0, n) * (k + 1) * 0.3


def test_an_argument_mutated_in_place_is_read_at_each_launch():
    with ad.use_backend("cupy"):
        xp = ad.get_backend().xp
        j = ad.jit(ad.value_and_grad(_loss))
        x = xp.asarray(_host(0))
        for k in range(6):
            x[...] = xp.asarray(_host(k))  # the same array, new values
            _check(j(x), _host(k))
        info = _info(j)
        assert info["graph"] == "captured" and info["launches"] == 4
        assert info["inputs_in_place"] == 1 and info["inputs_copied"] == 0
        assert info["recaptures"] == 0 and info["input_switches"] == 0


def test_another_argument_array_switches_to_copies_once():
    with ad.use_backend("cupy"):
        xp = ad.get_backend().xp
        j = ad.jit(ad.value_and_grad(_loss))
        x0 = xp.asarray(_host(0))
        for _ in range(3):  # traced, warm-up, captured with x0 read in place
            _check(j(x0), _host(0))
        assert _info(j)["inputs_in_place"] == 1
        others = [xp.asarray(_host(k)) for k in range(1, 5)]
        for k, x in enumerate(others + [x0], start=1):
            _check(j(x), _host(k % 5))
        info = _info(j)
        assert info["input_switches"] == 1 and info["recaptures"] == 1
        assert info["inputs_in_place"] == 0 and info["inputs_copied"] == 1


def test_fresh_arrays_from_the_start_are_copied_with_one_capture():
    with ad.use_backend("cupy"):
        xp = ad.get_backend().xp
        j = ad.jit(ad.value_and_grad(_loss))
        for k in range(6):
            _check(j(xp.asarray(_host(k))), _host(k))
        info = _info(j)
        assert info["recaptures"] == 0 and info["input_switches"] == 0
        assert info["inputs_copied"] == 1 and info["inputs_in_place"] == 0


def test_rebinding_the_results_each_call_copies_none():
    """A training loop's ``v, g = f(x)``: the previous call's results are still held while
    the next runs, so calls alternate between two sets of output buffers, copying nothing."""
    with ad.use_backend("cupy"):
        xp = ad.get_backend().xp
        j = ad.jit(ad.value_and_grad(_loss))
        x = xp.asarray(_host(0))
        v = g = None
        for k in range(8):
            x[...] = xp.asarray(_host(k))
            v, g = j(x)
            _check((v, g), _host(k))
        info = _info(j)
        assert info["launches"] == 6 and info["output_sets"] == 2
        assert info["outputs_copied"] == 0 and info["outputs_handed"] == 12
        assert info["held_calls"] == 0 and info["captures"] == 1  # (sets are not counted)


@pytest.mark.parametrize("keep", ["array", "slice", "reshaped", "tensor"])
def test_a_held_result_keeps_its_values(keep):
    """A result held (whole, or only a view of it) while two more calls run is never
    overwritten: the second finds both sets held and copies its results out."""
    with ad.use_backend("cupy"):
        xp = ad.get_backend().xp
        j = ad.jit(ad.value_and_grad(_loss))
        x = xp.asarray(_host(0))
        for _ in range(3):  # traced, warm-up, first launch
            j(x)
        x[...] = xp.asarray(_host(1))
        g = j(x)[1]
        held = {"array": lambda a: a, "slice": lambda a: a[1:4],
                "reshaped": lambda a: a.reshape(2, 3), "tensor": ad.Tensor}[keep](g)
        want = np.asarray(_want(_host(1))[1])
        want = {"array": want, "slice": want[1:4], "reshaped": want.reshape(2, 3),
                "tensor": want}[keep]
        del g
        gc.collect()
        x[...] = xp.asarray(_host(2))
        second = j(x)
        x[...] = xp.asarray(_host(3))
        third = j(x)
        np.testing.assert_allclose(to_numpy(held), want, rtol=1e-12)
        _check(second, _host(2))
        _check(third, _host(3))
        info = _info(j)
        assert info["held_calls"] == 1 and info["outputs_copied"] == 2
        del held, second, third
        x[...] = xp.asarray(_host(4))
        _check(j(x), _host(4))  # a set is free again: handed out
        assert _info(j)["outputs_copied"] == 2


def test_a_matmul_program_in_pieces_hands_out_both_sets():
    """The piecewise capture (a matmul left out of the graphs) captured again for the second
    set: its left-out steps write into that set's arrays."""
    with ad.use_backend("cupy"):
        xp = ad.get_backend().xp
        r = np.random.default_rng(0)
        w = r.standard_normal((4, 3))
        a = xp.asarray(r.standard_normal((5, 4)))

        def f(w):
            return gnp.sum(gnp.tanh(a @ w))

        j = ad.jit(ad.value_and_grad(f))
        wd = xp.asarray(w)
        v = g = None
        for k in range(6):
            wd[...] = xp.asarray(w * (1 + 0.1 * k))
            v, g = j(wd)
            ref = ad.value_and_grad(f)(xp.asarray(w * (1 + 0.1 * k)))
            np.testing.assert_allclose(to_numpy(v), to_numpy(ref[0]), rtol=1e-12)
            np.testing.assert_allclose(to_numpy(g), to_numpy(ref[1]), rtol=1e-12)
        info = _info(j)
        assert info["uncaptured"] > 0 and info["output_sets"] == 2
        assert info["outputs_copied"] == 0


def test_donated_arguments_are_copied():
    with ad.use_backend("cupy"):
        xp = ad.get_backend().xp

        def f(x):
            return gnp.sum(gnp.exp(gnp.sin(x) * 2.0))

        j = ad.jit(f, donate_argnums=0)
        prog = j.lower(xp.asarray(_host(0)))
        vid = prog.inputs[0]
        assert vid in prog.plan.donated
        assert replay._kept_copied(prog) == {0}
        for k in range(5):
            out = j(xp.asarray(_host(k)))
            np.testing.assert_allclose(to_numpy(out), np.sum(np.exp(np.sin(_host(k)) * 2.0)),
                                       rtol=1e-12)
        info = _info(j)
        assert info["inputs_copied"] == 1 and info["inputs_in_place"] == 0
        assert info["recaptures"] == 0 and info["input_switches"] == 0


# ---- what says a set's outputs are held, on CuPy's structure ----------------------------------

class _Mem:  # cupy.cuda.memory.PooledMemory
    pass


class _Ptr:  # cupy.cuda.MemoryPointer: holds ``mem``
    def __init__(self, mem):
        self.mem = mem


class _Arr:  # cupy.ndarray: holds ``data``; a view shares it (or a new one) and holds ``base``
    def __init__(self, data, base=None):
        self.data, self.base = data, base


@pytest.mark.parametrize("how", ["array", "view", "slice", "pointer", "memory", "base"])
def test_anything_over_the_output_memory_counts_as_held(how):
    """In CuPy a view (``reshape``, ``view()``) shares the array's MemoryPointer and holds the
    array as its base; a slice makes a MemoryPointer of its own over the same memory."""
    root = _Arr(_Ptr(_Mem()))
    out = _Arr(root.data, base=root)  # an output that is a view of the body's array
    del root
    s = replay._Set([], {}, [out], replay._Blocks())
    s.settle([0], hands=True)
    s.base = replay._counts(s.probes)
    held = {"array": lambda: out, "view": lambda: _Arr(out.data, out.base),
            "slice": lambda: _Arr(_Ptr(out.data.mem), out.base), "pointer": lambda: out.data,
            "memory": lambda: out.data.mem, "base": lambda: out.base}[how]()
    assert not s.free()
    del held
    assert s.free()


def test_the_standin_allocates_through_the_allocator_in_use():
    """As CuPy does, inside ``using_allocator`` arrays are made in the blocks it returns (the
    stand-in does so for ``ndarray()`` and for what a capturing stream makes)."""
    cupy = pytest.importorskip("cupy")
    if not getattr(cupy, "STANDIN", False):
        pytest.skip("checks the stand-in's memory model")
    pool = cupy.get_default_memory_pool()
    block = pool.malloc(100)
    assert block.mem.nbytes == 512
    with cupy.cuda.using_allocator(lambda size: block):
        a = cupy.ndarray((3,), np.float64)
        b = cupy.ndarray((3,), np.float64)
    assert a.data.mem is b.data.mem is block.mem
    a[...] = 2.0
    np.testing.assert_array_equal(b.get(), np.full(3, 2.0))
    x = cupy.ones(3)
    s = cupy.cuda.Stream(non_blocking=True)
    with s, cupy.cuda.using_allocator(lambda size: block):
        s.begin_capture()
        y = x + 1.0
        g = s.end_capture()
    assert y.data.mem is block.mem and y[1:].data.mem is block.mem
    g.launch(s)
    np.testing.assert_array_equal(a.get(), np.full(3, 2.0))  # y is a's memory
