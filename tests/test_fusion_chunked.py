"""The CPU's chunked target for fused groups, and fused results in the memory plan.

The chunked target runs each statement with the step's own NumPy call, one chunk of the index
space at a time, so its results are eager's bits whatever the chunking, layout or threads.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import codegen_chunked
from gpuad.jit.fusion import Options

CHUNKED = Options(min_size=0, remat=0.0, target="chunked")


def _np(a):
    return to_numpy(a._data if isinstance(a, ad.Tensor) else a)


def _loss(x, y, z):
    a = gnp.tanh(x * y + z) * 1.5 - gnp.exp(-x * x)
    b = gnp.sqrt(a * a + 1.0) / (gnp.cos(y) + 3.0)
    return gnp.sum(b * x), b


@pytest.mark.parametrize("chunk,threads", [(1, 1), (7, 2), (64, 3), (1 << 16, 2)])
@pytest.mark.parametrize("layout", ["contiguous", "strided", "broadcast", "scalar"])
def test_chunked_is_eager_bitwise(rng, monkeypatch, chunk, threads, layout):
    """Value, auxiliary output and gradients equal eager's bit for bit for every chunk size,
    thread count and operand layout (flat chunks, first-axis chunks, broadcast operands)."""
    monkeypatch.setenv("GPUAD_FUSED_CHUNK", str(chunk))
    monkeypatch.setenv("GPUAD_FUSED_THREADS", str(threads))
    with ad.use_backend("numpy"):
        x = rng.standard_normal((9, 20)).astype(np.float32)
        y = rng.standard_normal((9, 20)).astype(np.float32)
        z = rng.standard_normal((9, 20)).astype(np.float32)
        if layout == "strided":
            x = rng.standard_normal((9, 40)).astype(np.float32)[:, ::2]
        elif layout == "broadcast":
            y = rng.standard_normal((20,)).astype(np.float32)
            z = rng.standard_normal((9, 1)).astype(np.float32)
        elif layout == "scalar":
            y = np.float32(0.75) * np.ones((1, 1), np.float32)
        f = ad.value_and_grad(_loss, argnums=(0, 1, 2), has_aux=True)
        j = ad.jit(f, fuse=CHUNKED)
        prog = j.lower(x, y, z)
        assert prog.fusion.groups
        assert all(isinstance(getattr(g.kernel, "kernel", g.kernel), codegen_chunked.ChunkedKernel)
                   for g in prog.fusion.groups)
        for k in range(3):
            args = [a if k == 0 else a * np.float32(1 + 0.01 * k) for a in (x, y, z)]
            got, want = ad.tree_flatten(j(*args))[0], ad.tree_flatten(f(*args))[0]
            for g, w in zip(got, want, strict=True):
                np.testing.assert_array_equal(_np(g), _np(w))


def test_zero_dim_and_empty_groups(rng):
    """Groups over a 0-d value and over an empty array run and give eager's results."""
    with ad.use_backend("numpy"):
        def f(x):
            return gnp.sum(gnp.sin(x * 2.0) * gnp.cos(x) + x)

        for x in (np.array(0.3), np.zeros((0, 3))):
            vg = ad.value_and_grad(f)
            j = ad.jit(vg, fuse=CHUNKED)
            got, want = j(x), vg(x)
            np.testing.assert_array_equal(_np(got[0]), _np(want[0]))
            np.testing.assert_array_equal(_np(got[1]), _np(want[1]))


def test_fused_results_get_planned_buffers(backend, rng):
    """Results of a fused step read only inside the program live in the memory plan's buffers
    (no allocation per call); results that leave the program are fresh on every call, so a
    later call never overwrites what an earlier one returned."""
    xp = ad.get_backend().xp

    def f(x):
        h = gnp.tanh(x * 0.5) + x  # stored for the backward
        return gnp.sum(gnp.sin(h) * h)

    vg = ad.value_and_grad(f)
    j = ad.jit(vg, fuse=Options(min_size=0, remat=0.0, move=False))
    x = xp.asarray(rng.standard_normal(300))
    prog = j.lower(x)
    assert prog.plan.outs, str(prog)
    assert prog.peak_bytes["after"] <= prog.peak_bytes["before"]
    first = j(x)
    keep = [np.array(_np(a)) for a in first]
    x2 = xp.asarray(rng.standard_normal(300))
    second = j(x2)
    for a, b in zip(first, keep, strict=True):
        np.testing.assert_array_equal(_np(a), b)  # not overwritten by the second call
    for g, w in zip(second, vg(x2), strict=True):
        np.testing.assert_allclose(_np(g), _np(w), rtol=1e-13, atol=1e-14)


def test_unknown_target_is_an_error(rng):
    with ad.use_backend("numpy"):
        x = rng.standard_normal(10)
        j = ad.jit(lambda x: gnp.sin(x) * 2.0 + 1.0, fuse=Options(min_size=0, target="gcc"))
        with pytest.raises(ValueError, match="fusion target 'gcc'"):
            j(x)


def test_numpy_scalar_argument_is_static(rng):
    """A NumPy scalar argument is a static value of the signature, as a Python float is: the
    post-trace check does not perturb it (it used to, and then reported a frozen value)."""
    with ad.use_backend("numpy"):
        def f(x):
            return gnp.sum(gnp.sin(x * 2.0) * gnp.cos(x) + x)

        vg = ad.value_and_grad(f)
        j = ad.jit(vg)
        for v in (np.float64(0.3), np.float64(0.5), np.float32(0.25)):
            got, want = j(v), vg(v)
            np.testing.assert_allclose(_np(got[0]), _np(want[0]), rtol=1e-6)
            np.testing.assert_allclose(_np(got[1]), _np(want[1]), rtol=1e-6)
        assert j.cache_info()["misses"] == 3


def test_forward_group_moves_into_the_backward(backend, rng):
    """value_and_grad of a chain: the forward group (with the loss's sum) moves into the
    backward group, which computes both per element and keeps nothing in between; no extra
    work is counted; values as unfused (bitwise on the CPU's chunked target). A forward value
    the function also returns stays stored, and then nothing moves."""
    xp = ad.get_backend().xp

    def chain(v):
        for i in range(8):
            v = (gnp.sin, lambda u: u * 0.9, gnp.tanh, lambda u: u + 0.1)[i % 4](v)
        return gnp.sum(v)

    x = xp.asarray(rng.standard_normal(500).astype(np.float32))
    vg = ad.value_and_grad(chain)
    j = ad.jit(vg, fuse=Options(min_size=0, remat=0.0))
    rep = j.lower(x).fusion
    assert len(rep.groups) == 1 and rep.merged == 1, str(rep)
    assert rep.saved_after == 0 < rep.saved_before and rep.extra_ops == 0
    assert rep.groups[0].reduce is not None and "in place of an earlier group" in str(rep)
    got, want = j(x), ad.jit(vg, fuse=False)(x)
    for g, w in zip(got, want, strict=True):
        if backend == "numpy":
            np.testing.assert_array_equal(_np(g), _np(w))
        else:
            np.testing.assert_allclose(_np(g), _np(w), rtol=1e-5, atol=1e-6)

    def chain_aux(v):
        h = gnp.tanh(gnp.sin(v) * 0.9)
        return gnp.sum(h * h), h

    ja = ad.jit(ad.value_and_grad(chain_aux, has_aux=True), fuse=Options(min_size=0))
    assert ja.lower(x).fusion.merged == 0


def test_chunks_run_in_a_forked_child(rng, monkeypatch):
    """A process forked after the pool started (multiprocessing's default on Linux) gets a
    pool of its own instead of waiting forever on threads it does not have."""
    import os

    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    monkeypatch.setenv("GPUAD_FUSED_CHUNK", "16")
    monkeypatch.setenv("GPUAD_FUSED_THREADS", "2")
    with ad.use_backend("numpy"):
        x = rng.standard_normal(200)
        j = ad.jit(lambda x: gnp.sin(x * 2.0) * gnp.cos(x) + 1.0, fuse=CHUNKED)
        want = _np(j(x))  # the parent's pool is running now
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, send the bytes, leave without pytest's cleanup
            try:
                os.write(w, _np(j(x)).tobytes())
            finally:
                os._exit(0)
        os.close(w)
        import select

        ready, _, _ = select.select([r], [], [], 30)
        data = b""
        if ready:
            while chunk := os.read(r, 1 << 16):
                data += chunk
        else:
            import signal

            os.kill(pid, signal.SIGKILL)
        os.close(r)
        os.waitpid(pid, 0)
        assert ready, "the forked child hung"
        np.testing.assert_array_equal(np.frombuffer(data, dtype=want.dtype), want)


def test_no_move_when_the_reader_reads_the_reduction(backend, rng):
    """On 0-d values the loss's sum has the group's shape, so later elementwise steps (here
    the backward's) may read it: the forward group cannot move into such a reader, whose kernel
    would need the sum before computing it."""
    xp = ad.get_backend().xp
    w = xp.asarray(np.array(1.3))

    def loss(a):
        s = gnp.sum(gnp.sqrt(a) * w)
        return s * s + s

    vg = ad.value_and_grad(loss)
    j = ad.jit(vg, fuse=Options(min_size=0))
    for v in (0.7, 0.9, 1.7):
        x = xp.asarray(np.array(v))
        for g, e in zip(j(x), vg(x), strict=True):
            np.testing.assert_allclose(_np(g), _np(e), rtol=1e-13)


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt")  # eager's, x < 0
@pytest.mark.parametrize("chunk", [7, 1 << 16])
def test_chunks_write_into_reused_scratch(rng, monkeypatch, chunk):
    """Steps with a NumPy function taking ``out=`` write into scratch slots reused once their
    values are dead (and a stored value straight into its output): a deep chain's forward and
    backward in one group, and zero guards that replace non-finite local derivatives (a fresh
    array, not a slot) where the adjoint is zero, give eager's bits; no slot is written while
    a value in it is still to be read."""
    from gpuad.jit.program import Ref

    monkeypatch.setenv("GPUAD_FUSED_CHUNK", str(chunk))
    monkeypatch.setenv("GPUAD_FUSED_THREADS", "2")

    def loss(x):
        v = x
        for i in range(12):
            v = (gnp.sin, lambda u: u * 0.9, gnp.tanh, lambda u: u + 0.1)[i % 4](v)
        root = gnp.sqrt(x)  # NaN for x < 0 ...
        return gnp.sum(v * v) + gnp.sum(gnp.where(x > 0, root, 0.0))  # ... where nothing flows

    with ad.use_backend("numpy"):
        x = rng.standard_normal((30, 40)).astype(np.float32)
        vg = ad.value_and_grad(loss)
        j = ad.jit(vg, fuse=CHUNKED)
        prog = j.lower(x)
        slots = 0
        for g in prog.fusion.groups:
            k = getattr(g.kernel, "kernel", g.kernel)
            where, _ = codegen_chunked.plan(k.spec)
            slots += k.source.count("out=b")
            holder: dict = {}  # slot -> the value in it; a guard's result is its operand's
            root: dict = {}
            for v, _dt, node in k.spec.stmts:
                for a in node.args:
                    if type(a) is Ref:
                        r = root.get(a.v, a.v)
                        if where.get(r, ("",))[0] == "b":
                            assert holder[where[r]] == r, (v, r, where[r])
                root[v] = root.get(node.args[0].v, node.args[0].v) \
                    if node.expr == "guard" else v
                if where.get(v, ("",))[0] == "b":
                    holder[where[v]] = v
            for v, _ in k.spec.outs:
                r = root.get(v, v)
                if where.get(r, ("",))[0] == "b":
                    assert holder[where[r]] == r, (v, r)
        assert slots >= 20, str(prog)
        for _ in range(2):
            x = rng.standard_normal((30, 40)).astype(np.float32)
            for a, b in zip(j(x), vg(x), strict=True):
                np.testing.assert_array_equal(_np(a), _np(b))
