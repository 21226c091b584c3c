"""gpuad.jit fusion of groups that end in a reduction (sum, max, min over axes) or take in a
broadcast: fused equals unfused (bitwise where the CPU promises it), NaN propagates as NumPy's,
the backward of a fused max is eager's at ties, and the generated CUDA compiles with NVRTC.

Few and small programs: every Numba kernel compiled here costs a second or two (cached on disk).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from gpuad.jit import codegen_cuda, fusion, kernels
from gpuad.jit.fusion import Options

# every function, every size, reductions inside the kernel (CPU sums after it: NumPy's bits)
# reductions inside the kernel on the CPU need the Numba target (the chunked default runs
# every reduction as the backend's call after its chunks)
ALL = Options(min_size=0, reduce_inside=True, target="numba")
REORDER = Options(min_size=0, reduce_inside=True, reorder_sums=True, target="numba")


def _np(a):
    return to_numpy(a._data if isinstance(a, ad.Tensor) else a)


def _gpu_kernels() -> bool:
    """Whether the backend compiles CUDA kernels (CuPy on a GPU; not the CPU stand-in)."""
    return bool(getattr(ad.get_backend(), "cuda_c", False))


def _inputs(rng, dtype):
    """A non-contiguous (6, 5, 7) array and a (5, 1) one that broadcasts against it."""
    xp = ad.get_backend().xp
    base = rng.uniform(-1.0, 1.0, (6, 5, 14)).astype(dtype)
    x = xp.asarray(base)[:, :, ::2]
    y = xp.asarray(rng.uniform(0.5, 1.5, (5, 1)).astype(dtype))
    return x, y


def _arith(x, y):
    """Arithmetic only: fused on the CPU by default, and bitwise eager's there."""
    return (x * y + 0.5) * x - y


REDUCE = {"sum": gnp.sum, "max": gnp.max, "min": gnp.min, "mean": gnp.mean}

CASES = [  # (op, dtype, axis, keepdims): every axis form, both float types, keepdims
    ("max", np.float32, None, False),
    ("max", np.float64, 1, True),
    ("min", np.float32, (0, 2), False),
    ("min", np.float64, -1, False),
    ("sum", np.float32, (0, 2), True),
    ("sum", np.float64, None, False),
    ("max", np.float32, 0, False),
]


@pytest.mark.parametrize("op,dtype,axis,keepdims", CASES)
def test_trailing_reduction_fused_equals_unfused(backend, rng, op, dtype, axis, keepdims):
    """A group ending in op(axis, keepdims), one of its values also returned (stored): the
    fused program equals the unfused one; max/min and the default CPU sum bitwise; the
    reduction is part of the fused group, inside the kernel where the target does that."""
    x, y = _inputs(rng, dtype)

    def f(x, y):
        z = _arith(x, y)
        return REDUCE[op](z * z - x, axis=axis, keepdims=keepdims), z

    plain = ad.jit(f, fuse=False)
    name = ad.get_backend().name
    for opts in (ALL, REORDER) if op == "sum" else (ALL,):
        fused = ad.jit(f, fuse=opts)
        prog = fused.lower(x, y)
        (g,) = prog.fusion.groups
        assert g.reduce is not None and g.reduce.op == op
        assert not {s.op for _, s in prog.live_steps()} & {op, "multiply", "subtract"}
        # the stand-in has no compiler: whole-array calls, the reduction after them; a GPU
        # reduces inside its kernel (reorder_sums None: sums too, in the kernel's order)
        inside = _gpu_kernels() or (name == "numpy" and (op != "sum" or
                                                         opts.reorder_sums is True))
        assert g.reduce_inside == inside, (name, op, opts)
        assert ("in the kernel" if inside else "after the kernel") in str(prog)
        _matches(fused, plain, rng, dtype, op == "sum" and inside)


def _matches(fused, plain, rng, dtype, reordered, count=lambda x: 1):
    """Fused against unfused on two fresh inputs: same dtype and shape, bitwise equal unless
    the kernel ``reordered`` a sum, then within 64 eps of the summed magnitudes (divided by
    ``count(x)``, the elements a mean divides by)."""
    for _ in range(2):
        x, y = _inputs(rng, dtype)
        got, want = fused(x, y), plain(x, y)
        for a, b in zip(got, want, strict=True):
            a, b = _np(a), _np(b)
            assert a.dtype == b.dtype == dtype and a.shape == b.shape
            if reordered:
                scale = np.sum(np.abs(_np(_arith(x, y)) ** 2) + np.abs(_np(x)))
                assert np.max(np.abs(a - b)) <= 64 * np.finfo(dtype).eps * scale / count(x)
            else:
                np.testing.assert_array_equal(a, b)


CHUNKED = Options(min_size=0, target="chunked")


def _targets(numba: bool) -> tuple:
    """The options a test runs under: on the NumPy backend the chunked target, and the Numba
    target where ``numba`` (each of its kernels costs seconds to compile: the tests below use
    it for one of their two float types); elsewhere the backend's own."""
    if ad.get_backend().name != "numpy":
        return (ALL,)
    return (CHUNKED, ALL) if numba else (CHUNKED,)


@pytest.mark.parametrize("dtype,axis,keepdims", [(np.float32, None, False),
                                                 (np.float64, (0, 2), True)])
def test_mean_is_part_of_the_fused_group(backend, rng, dtype, axis, keepdims):
    """A group ending in mean (a sum, then the divide by the count) is one fused step: no
    divide is left in the program, the report shows it after the sum, and the value is eager's
    (bitwise where the sum is the backend's own call or the chunked target's; the reordered
    sum within its bound, divided by the count). A mean scaled by a number takes that in too;
    the gradient through the fused mean is eager's."""
    x, y = _inputs(rng, dtype)

    def f(x, y):
        z = _arith(x, y)
        return gnp.mean(z * z - x, axis=axis, keepdims=keepdims) * 0.5, z

    plain = ad.jit(f, fuse=False)
    name = ad.get_backend().name
    # the Numba target's two sums: reordered for float32, NumPy's after the kernel for float64
    numba = REORDER if dtype == np.float32 else ALL
    for opts in (CHUNKED, numba) if name == "numpy" else (ALL,):
        fused = ad.jit(f, fuse=opts)
        prog = fused.lower(x, y)
        (g,) = prog.fusion.groups
        assert g.reduce.op == "sum" and [n.op for n in g.post] == ["divide", "multiply"]
        assert not {s.op for _, s in prog.live_steps()} & {"sum", "divide", "multiply"}
        assert "sum(axis=" in str(prog) and "-> divide(_, " in str(prog)
        inside = _gpu_kernels() or (name == "numpy" and opts.reorder_sums is True)
        assert g.reduce_inside == inside, (name, opts)
        _matches(fused, plain, rng, dtype, inside, lambda x: 35 * 6 if axis else x.size)

    def loss(x, y):
        return gnp.mean(gnp.sin(x * y) * x + 1.0)

    vg = ad.value_and_grad(loss, argnums=(0, 1))
    fvg = ad.jit(vg, fuse=CHUNKED if name == "numpy" else Options())
    prog = fvg.lower(x, y)
    assert "divide" not in {s.op for _, s in prog.live_steps()}, str(prog)
    got, want = ad.tree_flatten(fvg(x, y))[0], ad.tree_flatten(vg(x, y))[0]
    for a, b in zip(got, want, strict=True):
        if name == "numpy":
            np.testing.assert_array_equal(_np(a), _np(b))
        else:
            np.testing.assert_allclose(_np(a), _np(b), rtol=64 * np.finfo(dtype).eps,
                                       atol=64 * np.finfo(dtype).eps)


def test_steps_on_a_reduction_read_elsewhere_stay_apart(rng):
    """A divide whose numerator (the sum) is also returned, or a divide by an array, is not
    taken into the group: it stays a step of its own."""
    with ad.use_backend("numpy"):
        x = rng.standard_normal((40, 30))
        d = rng.uniform(1.0, 2.0, 30)

        def f(x, d):
            s = gnp.sum(x * x + 1.0, axis=0)
            return s / 3.0, s, gnp.sum(x * 2.0 - 1.0, axis=0) / d

        j = ad.jit(f, fuse=CHUNKED)
        prog = j.lower(x, d)
        assert all(not g.post for g in prog.fusion.groups), str(prog)
        assert [s.op for _, s in prog.live_steps()].count("divide") == 2
        for a, b in zip(j(x, d), f(x, d), strict=True):
            np.testing.assert_array_equal(_np(a), _np(b))


@pytest.mark.parametrize("op", ["max", "min"])
def test_fused_max_propagates_nan_as_numpy(backend, rng, op):
    """NaN anywhere in a reduced slice gives NaN, as numpy.max/min does; infinities and the
    rest are exact."""
    xp = ad.get_backend().xp
    host = rng.standard_normal((8, 40))
    host[1, 3] = np.nan
    host[4, 39] = np.nan
    host[5, :] = np.inf if op == "max" else -np.inf
    host[6, 0] = np.nan  # the very first element of a slice
    x = xp.asarray(host)
    w = xp.asarray(rng.uniform(0.5, 1.5, 40))

    def f(x, w):
        return REDUCE[op](x * w + 1.0, axis=1), REDUCE[op](x * 2.0 - w)

    got = ad.jit(f, fuse=ALL, check=False)(x, w)  # (the check's tolerance NaN-warns)
    want = ad.jit(f, fuse=False, check=False)(x, w)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(_np(a), _np(b))  # NaN in the same places
    assert np.isnan(_np(got[0])[[1, 4, 6]]).all() and np.isnan(_np(got[1]))


def test_gradient_of_fused_max_at_ties_is_eagers(backend, rng):
    """The adjoint of a fused max shares the incoming gradient evenly among tied maxima, as
    eager does (the mask compares the saved input with the fused max, which is exact); away
    from ties it matches central differences."""
    xp = ad.get_backend().xp
    host = rng.standard_normal((6, 9))
    host[0, [2, 5]] = 3.0  # a tie of two
    host[3, [0, 4, 8]] = 2.5  # a tie of three
    x = xp.asarray(host)
    c = xp.asarray(rng.uniform(0.5, 1.5, 6))

    def loss(x, c):
        return gnp.sum(gnp.max(x * 2.0 + 1.0, axis=1) * c)

    vg = ad.value_and_grad(loss)
    fused = ad.jit(vg, fuse=ALL)
    prog = fused.lower(x, c)
    assert any(g.reduce is not None and g.reduce.op == "max" for g in prog.fusion.groups)
    (v, gx), (v0, gx0) = fused(x, c), vg(x, c)
    np.testing.assert_array_equal(_np(v), _np(v0))
    np.testing.assert_array_equal(_np(gx), _np(gx0))
    # the expected share, written out: 2 * c / (number of ties) at each maximum, else 0
    m = host.max(axis=1, keepdims=True)
    mask = host == m
    want = 2.0 * _np(c)[:, None] * mask / mask.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(_np(gx), want, rtol=1e-15)
    assert _np(gx)[0, [2, 5]].tolist() == [_np(c)[0], _np(c)[0]]
    # no ties: the fused program's gradient against central differences
    smooth = rng.standard_normal((6, 9))
    _, g = fused(xp.asarray(smooth), c)
    for _ in range(3):
        u = rng.standard_normal((6, 9))
        eps = 1e-6
        fd = (float(_np(loss(xp.asarray(smooth + eps * u), c)))
              - float(_np(loss(xp.asarray(smooth - eps * u), c)))) / (2 * eps)
        np.testing.assert_allclose(np.sum(_np(g) * u), fd, rtol=1e-6, atol=1e-8)


def test_broadcast_views_do_not_split_a_group(backend, rng):
    """broadcast_to and an axis-inserting reshape in the middle of a run, and before it, are
    read through zero strides inside one group (their view steps are gone); the backward of a
    sum over an axis (an unreduce: reshape then broadcast) joins the elementwise run after it."""
    xp = ad.get_backend().xp
    x = xp.asarray(rng.standard_normal((12, 10)))
    u = xp.asarray(rng.standard_normal(10))
    r = xp.asarray(rng.standard_normal(12))

    def f(x, u, r):
        a = gnp.broadcast_to(u, (12, 10)) * 0.5 + 1.0  # a leading broadcast
        b = a * x - 2.0
        c = b * gnp.reshape(r, (12, 1)) + gnp.broadcast_to(u, (12, 10))  # in the middle
        return gnp.max(c * c, axis=0)

    fused = ad.jit(f, fuse=ALL)
    prog = fused.lower(x, u, r)
    assert len(prog.fusion.groups) == 1, str(prog)
    ops = {s.op for _, s in prog.live_steps()}
    assert not ops & {"broadcast_to", "reshape", "max"}, ops
    text = str(prog)
    assert "broadcasts in the kernel" in text and "max(axis=(0,))" in text
    np.testing.assert_array_equal(_np(fused(x, u, r)), _np(f(x, u, r)))

    def loss(x):
        s = gnp.sum(x * x, axis=1)  # backward: reshape + broadcast_to of the adjoint
        return gnp.sum(gnp.tanh(s) * 0.5)

    vg = ad.value_and_grad(loss)
    fvg = ad.jit(vg, fuse=ALL)
    prog = fvg.lower(x)
    assert "broadcasts in the kernel" in str(prog), str(prog)
    got, want = fvg(x), vg(x)
    np.testing.assert_allclose(_np(got[0]), _np(want[0]), rtol=1e-13)
    np.testing.assert_allclose(_np(got[1]), _np(want[1]), rtol=1e-13, atol=1e-15)


def test_cpu_max_is_bitwise_eager(rng):
    """On the CPU (groups of 2^17 elements and more) reductions run after the kernel by
    default; with reduce_inside=True a max runs inside the Numba target's kernel; both give
    eager's bits, and a sum stays NumPy's own call after the kernel (short groups allowed)."""
    with ad.use_backend("numpy"):
        x = rng.uniform(-2.0, 2.0, (128, 1024)).astype(np.float32)

        def f(x):
            z = x * x * 0.5 - x
            return gnp.max(z, axis=1), gnp.sum(z * 3.0 + 1.0)

        base = fusion.default_options("numpy")
        base.min_steps = 1
        on = fusion.default_options("numpy")
        on.reduce_inside, on.target, on.min_steps = True, "numba", 1
        for opts, inside in ((base, [False, False]), (on, [True, False])):
            j = ad.jit(f, fuse=opts)
            groups = j.lower(x).fusion.groups
            assert [g.reduce_inside for g in groups if g.reduce is not None] == inside
            for _ in range(2):
                x = rng.uniform(-2.0, 2.0, (128, 1024)).astype(np.float32)
                for a, b in zip(j(x), f(x), strict=True):
                    np.testing.assert_array_equal(_np(a), _np(b))


# ---- the GPU kernels ------------------------------------------------------------------------

def _reduce_specs(rng):
    """Specs of groups ending in each reduction (a mean: a sum and its divide), both float
    types, every axis form, with a stored value, a broadcast operand and a non-contiguous
    one."""
    out = []
    with ad.use_backend("numpy"):
        for dtype in (np.float32, np.float64):
            x = rng.standard_normal((6, 5, 70)).astype(dtype)[:, :, ::2]
            y = rng.standard_normal((5, 1)).astype(dtype)
            mean = ("mean", (0, 2), True) if dtype == np.float32 else ("mean", -1, False)
            for op, axis, keep in (("sum", None, False), ("max", 1, True), ("min", (0, 2), False),
                                   ("sum", -1, False), mean):
                def f(x, y, op=op, axis=axis, keep=keep):
                    z = gnp.sin(x * y) + 1.0
                    return REDUCE[op](z * x, axis=axis, keepdims=keep), z

                prog = ad.jit(f, fuse=Options(min_size=1 << 30), check=False).lower(x, y)
                groups = fusion.find_groups(prog, ALL)
                fusion._wire(prog, groups)
                (g,) = groups
                out.append((kernels.spec_of(prog, g, inside=True), x, y, f))
    return out


def test_generated_reduction_cuda_compiles_with_nvrtc(rng):
    """The CUDA source of groups ending in sum/max/min (every axis form, float32/float64,
    with a stored value) compiles with NVRTC, with its three kernels."""
    nvrtc = pytest.importorskip("cuda.bindings.nvrtc")
    try:
        nvrtc.nvrtcVersion()
    except Exception as exc:
        pytest.skip(f"NVRTC not loadable: {exc}")
    from gpuad.backends import cuda_sources

    for k, (spec, *_rest) in enumerate(_reduce_specs(rng)):
        src = codegen_cuda.reduce_source(spec, f"red{k}")
        ptx = cuda_sources.compile_ptx(src, f"red{k}.cu", arch="compute_80")
        for kind in ("rows", "part", "fin"):
            assert f".entry red{k}_{kind}".encode() in ptx


class _Emulated:
    """A stand-in for the compiled module that runs the reduction kernels' documented
    contract in Python (each element (m, k) of the (kept, reduced) index space at the offsets
    given by the strides passed; partials folded in order), so the host side's arguments,
    strides and buffers are checked without a GPU."""

    def __init__(self, spec, broken=False):
        self.spec = spec
        self.broken = broken
        self.ref = kernels.ArrayKernel(kernels.outside_spec(spec), np)

    def get_function(self, name):
        return lambda grid, block, args: self._run(name.rsplit("_", 1)[1], grid, block, args)

    def _run(self, kind, grid, block, args):
        spec = self.spec
        red = getattr(np, spec.red_op)
        ident = {"sum": 0.0, "max": -np.inf, "min": np.inf}[spec.red_op]
        if kind == "fin":
            part, out, nparts, M = args
            assert int(M) == out.size
            out.reshape(-1)[...] = kernels.apply_post(
                spec.post, red(part.reshape(-1, int(nparts)), axis=1))
            return
        nl, no, nax = len(spec.loads), len(spec.outs), len(spec.shape)
        nc = len(codegen_cuda.constants(spec))  # the operands' numbers, passed by value
        arrays, outs, dest = args[:nl], args[nl:nl + no], args[-1]
        consts, strides = args[nl + no:nl + no + nc], args[nl + no + nc:-3]
        assert list(consts) == codegen_cuda.constants(spec)
        M, K = (int(a) for a in args[-3:-1])  # the numbers of outputs and of their elements
        assert M * K == int(np.prod(spec.shape)) and K == int(np.prod(
            [spec.shape[k] for k in spec.axes]))
        assert len(strides) == (nl + no) * nax
        perm = [k for k in range(nax) if k not in spec.axes] + list(spec.axes)
        pshape = [spec.shape[k] for k in perm]
        idx = np.indices(pshape).reshape(nax, -1)  # C order: m * K + k

        def offsets(j):
            st = np.asarray(strides[j * nax:(j + 1) * nax], dtype=np.int64)
            return (st[:, None] * idx).sum(axis=0)

        def memory(a, n):  # the elements from the array's first one on, as the pointer sees
            return np.lib.stride_tricks.as_strided(a, (n,), (a.itemsize,), writeable=False)

        inv = np.argsort(perm)
        loads = []
        for j, a in enumerate(arrays):
            off = offsets(j)
            loads.append(memory(a, int(off.max()) + 1)[off].reshape(pshape).transpose(inv))
        res = self.ref.values(*loads)
        for j, o in enumerate(outs):
            o.reshape(-1)[offsets(nl + j)] = res[j].transpose(perm).reshape(-1)
        vals = res[[v for v, _ in self.ref.spec.outs].index(spec.red_of)]
        K = int(np.prod([spec.shape[k] for k in spec.axes], dtype=np.int64))
        rv = vals.transpose(perm).reshape(-1, K)
        if kind == "rows":
            dest.reshape(-1)[...] = kernels.apply_post(spec.post, red(rv, axis=1))
        else:  # block b folds the elements k with (k // BLOCK) % parts == b
            parts = grid[0]
            owner = (np.arange(K) // codegen_cuda.BLOCK) % parts
            p = dest.reshape(-1, parts)
            for b in range(parts):
                sel = rv[:, owner == b]
                p[:, b] = red(sel, axis=1) if sel.shape[1] else ident
        if self.broken:
            dest[...] = 0


def test_reduction_kernel_host_side_and_first_call_check(rng):
    """The GPU reduction kernel's host side (strides per load and store, the launch plan, the
    partials) against an emulation of the kernels' contract; a kernel giving wrong values on
    its first call is replaced by whole-array calls, with a warning, and never used again."""
    for spec, x, y, f in _reduce_specs(rng):
        for broken in (False, True):
            k = codegen_cuda.CudaReduceKernel(spec, np, _Emulated(spec, broken))
            if broken:
                with pytest.warns(RuntimeWarning, match="differs from the whole-array"):
                    got = k(x, y)
            else:
                got = k(x, y)
            with ad.use_backend("numpy"):
                want = [_np(w) for w in f(x, y)]
            red, stored = got[-1], got[0]
            np.testing.assert_allclose(red, want[0], rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(stored, want[1], rtol=1e-6, atol=1e-6)
            assert (k.fallback is not None) == broken


def test_reduction_cuda_runs_on_the_cpu_emulation(rng):
    """The generated CUDA itself (both launch modes, sum/max/min, float32/float64, a stored
    value, a broadcast and a non-contiguous operand, NaN in a max) compiled by the host C++
    compiler behind a shim (tests/cuda_host_emu.py: one OS thread per CUDA thread, blocks in
    turn) and launched by the kernel's own host side: it passes its first-call check against
    the whole-array evaluation (no warning) and agrees with eager."""
    import warnings

    from cuda_host_emu import HostModule, Unavailable

    modes = set()
    for spec, x, y, f in _reduce_specs(rng):
        if spec.red_op != "sum":
            x = x.copy()
            x[2, 1, 3] = np.nan
        try:
            mod = HostModule(codegen_cuda.reduce_source(spec, "gpuad_fused_red"))
        except Unavailable as e:
            pytest.skip(f"no host C++20 compiler for the emulation: {e}")
        k = codegen_cuda.CudaReduceKernel(spec, np, mod)
        modes.add(k.plan[0])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = k(x, y)
        assert k.checked and k.fallback is None
        with ad.use_backend("numpy"):
            want = [_np(w) for w in f(x, y)]
        scale = np.nansum(np.abs(want[1] * x)) if spec.red_op == "sum" else 1.0
        if spec.post:  # a mean: the bound of the sum, divided by the count
            scale = kernels.apply_post(spec.post, scale)
        eps = np.finfo(x.dtype).eps
        np.testing.assert_allclose(got[-1], want[0], rtol=64 * eps, atol=64 * eps * scale)
        np.testing.assert_allclose(got[0], want[1], rtol=64 * eps, atol=64 * eps)
        again = k(x, y)  # checked: the kernel alone, the same bits (a fixed order)
        np.testing.assert_array_equal(again[-1], got[-1])
    assert modes == {"rows", "split"}


# ---- ReLU and masks inside groups -----------------------------------------------------------

SPECIAL = [np.nan, -np.nan, np.inf, -np.inf, -0.0, 0.0, -1.5, 2.5, 1e-300, -1e-300]


def _special(rng, dtype, shape=(4, 30)):
    host = rng.standard_normal(shape)
    host.reshape(-1)[:len(SPECIAL)] = SPECIAL
    return host.astype(dtype)


def _same_signs(got, ref):
    """The sign bits of ``got`` and ``ref`` agree; on a GPU not those of NaN: CuPy's eager
    maximum (relu) returns the canonical NaN, positive, where NumPy's rule, which the fused
    kernels keep, returns the NaN operand with its sign."""
    keep = ~np.isnan(ref) if _gpu_kernels() else np.ones(ref.shape, bool)
    np.testing.assert_array_equal(np.signbit(got[keep]), np.signbit(ref[keep]))


def _relu_prog(x, w):
    z = F.relu(x * w)
    m = z > 0.25  # a mask, also returned (a bool stored from the kernel)
    return gnp.max(z * m, axis=1), z, m


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_and_masks_fused_bitwise(backend, rng, dtype):
    """relu's forward expression and a comparison mask inside a group, on every target: the
    values are eager's bits (NaN stays NaN, -inf, -0.0 and +0.0 give +0.0, as maximum(x, 0));
    the stored mask is eager's bool array; the gradient through relu (its adjoint's
    ``g * (ans > 0)``, a mask inside the backward's group) is eager's, and the backward of a
    two-layer ReLU network is one group per shape."""
    xp = ad.get_backend().xp
    x = xp.asarray(_special(rng, dtype))
    w = xp.asarray(np.ones(30, dtype))
    name = ad.get_backend().name
    want = [_np(a) for a in _relu_prog(x, w)]
    assert not np.signbit(want[1][~np.isnan(want[1])]).any()  # eager: +0.0, never -0.0
    for opts in _targets(dtype == np.float64):  # float32: the CUDA emulation below
        fused = ad.jit(_relu_prog, fuse=opts, check=False)
        prog = fused.lower(x, w)
        (g,) = prog.fusion.groups
        assert [g.nodes[v].op for v in g.order] == ["multiply", "relu", "greater", "multiply"]
        for got, ref in zip(fused(x, w), want, strict=True):
            got = _np(got)
            assert got.dtype == ref.dtype
            np.testing.assert_array_equal(got, ref)
            if got.dtype != bool:
                _same_signs(got, ref)

    def loss(x, w):
        return gnp.sum(F.relu(x * w) * w)

    finite = xp.asarray(np.nan_to_num(_special(rng, dtype), posinf=3.0, neginf=-3.0))
    vg = ad.value_and_grad(loss, argnums=(0, 1))
    fvg = ad.jit(vg, fuse=CHUNKED if name == "numpy" else Options(min_size=0))
    prog = fvg.lower(finite, w)
    assert not {s.op for _, s in prog.live_steps()} & {"relu", "greater"}, str(prog)
    got, ref = ad.tree_flatten(fvg(finite, w))[0], ad.tree_flatten(vg(finite, w))[0]
    for a, b in zip(got, ref, strict=True):
        if name == "numpy":
            np.testing.assert_array_equal(_np(a), _np(b))
        else:
            np.testing.assert_allclose(_np(a), _np(b), rtol=64 * np.finfo(dtype).eps)


def test_relu_and_masks_cuda_on_the_cpu_emulation(rng):
    """The generated CUDA of a group with relu and a stored bool mask compiles with NVRTC and,
    run on the CPU emulation, gives eager's bits at NaN, infinities and signed zeros."""
    import warnings

    from cuda_host_emu import HostModule, Unavailable

    with ad.use_backend("numpy"):
        x = _special(rng, np.float32)
        w = np.ones(30, np.float32)
        prog = ad.jit(_relu_prog, fuse=Options(min_size=1 << 30), check=False).lower(x, w)
        groups = fusion.find_groups(prog, ALL)
        fusion._wire(prog, groups)
        (g,) = groups
        spec = kernels.spec_of(prog, g, inside=True)
        want = [_np(a) for a in _relu_prog(x, w)]
    src = codegen_cuda.reduce_source(spec, "gpuad_fused_red")
    assert "? (" in src  # relu is a choice, not a multiply by its mask
    try:
        nvrtc = pytest.importorskip("cuda.bindings.nvrtc")
        nvrtc.nvrtcVersion()
        from gpuad.backends import cuda_sources

        cuda_sources.compile_ptx(src, "relu.cu", arch="compute_80")
    except pytest.skip.Exception:
        pass
    try:
        mod = HostModule(src)
    except Unavailable as e:
        pytest.skip(f"no host C++20 compiler for the emulation: {e}")
    k = codegen_cuda.CudaReduceKernel(spec, np, mod)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = k(x, w)
    assert k.checked and k.fallback is None
    # results: the stored z and mask, then the max
    for a, b in zip([got[-1], *got[:-1]], want, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
        if a.dtype != bool:
            np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


@pytest.mark.filterwarnings("ignore:invalid value encountered in logaddexp")  # eager, at NaN
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_leaky_relu_fused(backend, rng, dtype):
    """sigmoid's forward expression and leaky_relu (where(x > 0, x, slope * x), a choice
    inside the group) fused: leaky_relu and its gradient are eager's bits on every target;
    sigmoid is eager's bits on the chunked target, elsewhere within a few ulps of it (eager's
    own error against the exact value is larger), and exactly eager's at NaN, infinities and
    signed zeros."""
    xp = ad.get_backend().xp
    host = _special(rng, dtype) * dtype(7.0)
    x = xp.asarray(host)

    def f(x):
        return F.sigmoid(x * 1.0), F.leaky_relu(x * 1.0, 0.2)

    def loss(x):
        return gnp.sum(F.leaky_relu(x * 1.5, 0.2) * x)

    want = [_np(a) for a in f(x)]
    vg = ad.value_and_grad(loss)
    finite = xp.asarray(np.nan_to_num(host, posinf=3.0, neginf=-3.0))
    gwant = [_np(a) for a in vg(finite)]
    for opts in _targets(dtype == np.float32):
        fused = ad.jit(f, fuse=opts, check=False)
        prog = fused.lower(x)
        ops = {s.op for _, s in prog.live_steps()}
        assert not ops & {"sigmoid", "where", "greater", "multiply"}, str(prog)
        sig, leaky = (_np(a) for a in fused(x))
        np.testing.assert_array_equal(leaky, want[1])
        np.testing.assert_array_equal(np.signbit(leaky), np.signbit(want[1]))
        special = ~np.isfinite(host) | (host == 0)
        np.testing.assert_array_equal(sig[special], want[0][special])
        if opts is CHUNKED:
            np.testing.assert_array_equal(sig, want[0])
        else:
            ref = want[0]
            ulp = np.spacing(np.maximum(np.abs(ref), np.finfo(dtype).tiny).astype(dtype))
            assert np.nanmax(np.abs(sig - ref) / ulp) <= 64
        fvg = ad.jit(vg, fuse=opts)
        prog = fvg.lower(finite)
        assert not {s.op for _, s in prog.live_steps()} & {"where", "greater"}, str(prog)
        for a, b in zip(fvg(finite), gwant, strict=True):
            np.testing.assert_array_equal(_np(a), b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_maximum_minimum_fused_bitwise(backend, rng, dtype):
    """maximum/minimum inside a group are NumPy's on every target: NaN in either operand (or
    both) gives NaN, of -0.0 and +0.0 the second operand, infinities exact."""
    xp = ad.get_backend().xp
    vals = np.array([np.nan, 1.0, np.nan, -0.0, 0.0, np.inf, -np.inf, 2.0, -3.0, 0.0], dtype)
    other = np.array([1.0, np.nan, np.nan, 0.0, -0.0, 5.0, -7.0, 2.0, 4.0, 0.0], dtype)
    x = xp.asarray(np.tile(vals, (3, 1)))
    y = xp.asarray(np.tile(other, (3, 1)))

    def f(x, y):
        return gnp.maximum(x * 1.0, y), gnp.minimum(x * 1.0, y), gnp.maximum(x * 1.0, 0.5)

    want = [_np(a) for a in f(x, y)]
    for opts in _targets(dtype == np.float64):
        fused = ad.jit(f, fuse=opts, check=False)
        prog = fused.lower(x, y)
        assert not {s.op for _, s in prog.live_steps()} & {"maximum", "minimum"}, str(prog)
        for k, (a, b) in enumerate(zip(fused(x, y), want, strict=True)):
            a = _np(a)
            np.testing.assert_array_equal(a, b)
            # a GPU's eager maximum/minimum (CUDA's fmax/fmin) gives +0.0/-0.0 at a tie of
            # zeros of both signs, where the fused kernels keep NumPy's second operand
            tie = (_np(x) == 0) & (_np(y) == 0) if k < 2 and _gpu_kernels() else \
                np.zeros(a.shape, bool)
            _same_signs(a[~tie], b[~tie])
