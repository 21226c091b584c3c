"""Seeded differential fuzzing of the CPU's fused kernels: random elementwise programs (every
fusable operation; float32 mostly, some float64 and mixed; broadcasting, non-contiguous and
special-valued inputs; sizes around the vector kernels' blocks of 4096 elements) run through
``ad.jit`` on the ``"auto"`` and ``"numba"`` targets and unfused, against eager.

What must agree with eager (:func:`_agree`):

- NaN in the same places, the same infinities;
- a zero where eager gives a zero that float64 eager gives with the same sign (an exact zero):
  the same sign;
- finite values within ``ULPS`` (8) ulps of ``max(|eager|, 1)`` of the dtype for the
  elementwise results, ``GRAD_ULPS`` (64) for gradients (products of several derivative
  factors, each a few ulps off, some amplifying a function's rounding: ``1 - tanh(x)**2``
  near 1 multiplies tanh's relative error by ``2 tanh**2 / (1 - tanh**2)``), 64 for float64, plus
  ``SLACK`` (4) times eager's own error at that element (float32 eager against the same
  program in float64): fused math functions differ from eager's by a few ulps per call, and
  where the program amplifies errors (a cancellation) eager's own error shows how much.
  Programs are built so that values carrying a math function's rounding stay small before an
  addition or a math function reads them (:class:`_Gen`): the fused arithmetic is IEEE and
  eager's in the same order, so only those calls differ.

``GPUAD_FUZZ_PROGRAMS=300`` (and ``GPUAD_FUZZ_SEED``, the first seed) runs more random
programs than the default one (each compiles its own Numba kernels: about a second each,
cached on disk afterwards).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from gpuad.jit.fusion import Options

numba = pytest.importorskip("numba")

from gpuad.jit import codegen_numba  # noqa: E402

BLOCK = codegen_numba.BLOCK
ULPS = 8
GRAD_ULPS = 64
_EPS32, _EPS64 = float(np.finfo(np.float32).eps), float(np.finfo(np.float64).eps)
SLACK = float(os.environ.get("GPUAD_FUZZ_SLACK", "4"))
AUTO = Options(min_size=0, target="auto")
NUMBA = Options(min_size=0, target="numba")
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
PROGRAMS = int(os.environ.get("GPUAD_FUZZ_PROGRAMS", "1"))
FIRST_SEED = int(os.environ.get("GPUAD_FUZZ_SEED", "0"))

#: special values seeded into inputs: NaN, infinities, signed zeros, subnormals, the edges of
#: the vectorised sin/cos range (1e5) and beyond, 8e4 * pi, huge values
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45, -1e-45, 1e-40, 3e-39,
                    9.99e4, 1e5, -1e5, 1.00001e5, 8e4 * np.pi, -8e4 * np.pi, 2.5e5, 1e7,
                    3e38, -3e38, 1.5707964, 20.0, -20.0, 88.0, -103.0])

SIZES = (1, 7, BLOCK - 1, BLOCK, BLOCK + 1, 4 * BLOCK + 3)


@pytest.fixture(autouse=True)
def _numpy_only(backend):
    if backend != "numpy":
        pytest.skip("the CPU fusion targets run on the numpy backend")


def _data(x):
    return np.asarray(x._data if isinstance(x, ad.Tensor) else x)


def _special(rng, a: np.ndarray, frac: float = 0.02) -> np.ndarray:
    """``a`` with a fraction of its elements (at least one) replaced by special values."""
    flat = a.reshape(-1)
    k = max(1, int(frac * flat.size))
    at = rng.choice(flat.size, size=min(k, flat.size), replace=False)
    flat[at] = rng.choice(SPECIAL, size=at.size).astype(a.dtype)
    return a


def _agree(got, want, want64, what: str, ulps: float = ULPS) -> None:
    """``got`` (a fused result) against ``want`` (eager's), ``want64`` (float64 eager of the
    same program, or None)."""
    g, e = _data(got), _data(want)
    assert g.shape == e.shape and g.dtype == e.dtype, (what, g.shape, e.shape, g.dtype, e.dtype)
    nan_g, nan_e = np.isnan(g), np.isnan(e)
    bad = np.flatnonzero(nan_g != nan_e)
    assert bad.size == 0, f"{what}: NaN differs at {bad[:8]}: got {g.flat[bad[:8]]}, " \
        f"eager {e.flat[bad[:8]]}"
    inf = np.isinf(e) | np.isinf(g)
    bad = np.flatnonzero(inf & (g != e))
    assert bad.size == 0, f"{what}: infinity differs at {bad[:8]}: got {g.flat[bad[:8]]}, " \
        f"eager {e.flat[bad[:8]]}"
    fin = np.isfinite(e)
    err = np.zeros(e.shape)
    with np.errstate(all="ignore"):
        err[fin] = np.abs(g[fin].astype(np.float64) - e[fin])
        tol = ulps * np.finfo(e.dtype).eps * np.maximum(np.abs(e.astype(np.float64)), 1.0)
        if want64 is not None:
            e64 = _data(want64)
            own = np.abs(e64.astype(np.float64) - e)
            tol = tol + SLACK * np.where(np.isfinite(own), own, 0.0)
            exact0 = (e == 0) & (e64 == 0) & (np.signbit(e) == np.signbit(e64))
            bad = np.flatnonzero(exact0 & (np.signbit(g) != np.signbit(e)))
            assert bad.size == 0, f"{what}: sign of zero differs at {bad[:8]}"
    over = np.flatnonzero(fin & ~(err <= tol))
    assert over.size == 0, (
        f"{what}: {over.size} values beyond the bound, e.g. at {over[:6]}: got "
        f"{g.flat[over[:6]]}, eager {e.flat[over[:6]]}")


# ---- random programs ----------------------------------------------------------------------

#: value kinds: "E" computed by IEEE arithmetic from inputs (fused gives eager's bits), "B"
#: carrying math functions' rounding, |v| <= 4 (absolute errors of a few eps), "U" carrying
#: rounding, any magnitude (relative errors of a few eps: read only where that stays so)
_UNARY_ANY = ("sin", "cos", "tanh", "sigmoid")


class _Gen:
    """A random elementwise program over inputs ``x``, ``y`` (the group's shape) and ``b``
    (a bias broadcasting along the first axis, or a scalar array), drawn from ``rng``; built
    as a list of ``(op, operand indices, option)`` and replayed on any arrays."""

    def __init__(self, rng, nops: int):
        self.rng = rng
        kinds = ["E", "E", "E"]
        self.ops = []
        for _ in range(nops):
            op, args, kind = self._pick(kinds)
            self.ops.append((op, args))
            kinds.append(kind)
        self.kinds = kinds
        n = len(kinds)
        # outputs: the last value and one more of the later ones
        self.outs = [n - 1, int(rng.integers(3, n))]

    def _pick(self, kinds):
        rng = self.rng
        n = len(kinds)

        def some(allowed):
            cand = [i for i in range(n) if kinds[i] in allowed]
            recent = [i for i in cand if i >= n - 4]
            pool = recent if recent and rng.random() < 0.7 else cand
            return int(rng.choice(pool))

        while True:
            r = rng.integers(0, 22)
            if r < 4:
                return _UNARY_ANY[r], (some("EB"),), "B"
            if r == 4:
                return "exp", (some("EB"),), "U"
            if r == 5 and "B" in kinds:
                return str(rng.choice(["sinh", "cosh"])), (some("B"),), "U"
            if r == 6:
                return "log", (some("EBU"),), "U"  # log(v * v + 0.5)
            if r == 7:
                return "sqrt", (some("EBU"),), "U"  # sqrt(v * v + 0.5)
            if r == 8:
                return "reciprocal", (some("EBU"),), "U"  # 1 / (v * v + 0.5)
            if r == 9:
                a = some("EBU")
                return str(rng.choice(["relu", "negative", "square"])), (a,), kinds[a]
            if r in (10, 11):
                a, c = some("EB"), some("EB")
                k = "E" if kinds[a] == kinds[c] == "E" else "B"
                return str(rng.choice(["add", "subtract"])), (a, c), k
            if r == 12:
                a, c = some("EB"), some("EB")
                k = "E" if kinds[a] == kinds[c] == "E" else "B"
                return "mean2", (a, c), k  # (a + c) * 0.5
            if r in (13, 14):
                a, c = some("EBU"), some("EBU")
                k = "E" if kinds[a] == kinds[c] == "E" else "U"
                return "multiply", (a, c), k
            if r == 15:
                a, c = some("EBU"), some("EBU")
                k = "E" if kinds[a] == kinds[c] == "E" else "U"
                return "divide", (a, c), k  # a / (c * c + 0.5)
            if r in (16, 17):
                a = some("EBU")
                c = some(kinds[a])
                return str(rng.choice(["maximum", "minimum"])), (a, c), kinds[a]
            if r == 18:
                a, c, d = some("EBU"), some("EBU"), some("EBU")
                k = kinds[c] if kinds[c] == kinds[d] else "U"
                return "where", (a, c, d), k  # where(a > 0.25, c, d)
            if r == 19:
                a, c = some("EBU"), some("EBU")
                k = "E" if kinds[a] == kinds[c] == "E" else "U"
                return "mask", (a, c), k  # c * (a > 0)
            if r == 20:
                a = some("EB")
                return "scale", (a,), kinds[a]  # a * 0.75 + 0.125
            return "tanh", (some("EBU"),), "B"

    def __call__(self, x, y, b):
        vals = [x, y, b]
        for op, args in self.ops:
            a = [vals[i] for i in args]
            if op in ("log", "sqrt", "reciprocal"):
                v = getattr(gnp, op)(a[0] * a[0] + 0.5)
            elif op == "relu":
                v = F.relu(a[0])
            elif op == "mean2":
                v = (a[0] + a[1]) * 0.5
            elif op == "divide":
                v = a[0] / (a[1] * a[1] + 0.5)
            elif op == "where":
                v = gnp.where(a[0] > 0.25, a[1], a[2])
            elif op == "mask":
                v = a[1] * (a[0] > 0)
            elif op == "scale":
                v = a[0] * 0.75 + 0.125
            else:
                v = (getattr(gnp, op, None) or getattr(F, op))(*a)
            vals.append(v)
        return [vals[i] for i in self.outs]

    def loss(self, x, y, b):
        """A scalar whose gradient reads every output elementwise (a NaN or infinity in one
        element stays in that element's gradient)."""
        o1, o2 = self(x, y, b)
        return gnp.sum(gnp.tanh(o1) * 0.5) + gnp.sum(F.sigmoid(o2))


def _inputs(rng, mode: str, shape: tuple, contiguous: bool, bias: bool):
    """x, y of ``shape`` (y not contiguous when asked), b broadcasting to it; float32, float64
    or mixed (b float64: every statement after it float64)."""
    dt = np.float64 if mode == "f64" else np.float32
    scale = float(rng.choice([1.0, 3.0, 30.0]))
    x = _special(rng, (rng.standard_normal(shape) * scale).astype(dt))
    if contiguous:
        y = rng.standard_normal(shape).astype(dt)
    else:
        big = rng.standard_normal(shape[:-1] + (2 * shape[-1],)).astype(dt)
        y = big[..., ::2]
    y = _special(rng, y) if rng.random() < 0.5 else y
    bshape = shape[1:] if bias and len(shape) > 1 else ()
    bdt = np.float64 if mode == "mixed" else dt
    b = np.asarray(rng.standard_normal(bshape) * 2.0, dtype=bdt)
    return x, y, b


def _compiled(j, *args):
    """What the compiled program of ``j`` returns (its first call traces, running the
    function eagerly)."""
    j(*args)
    return j(*args)


def _eager64(fun, args):
    return fun(*[np.asarray(a, np.float64) for a in args])


def _check_program(gen, args, targets=(AUTO, NUMBA, False), what="", grads=True):
    """Forward outputs and value_and_grad of ``gen`` on ``args`` through each target's jit
    against eager (float64 eager gives the slack)."""
    fwd = lambda x, y, b: tuple(gen(x, y, b))  # noqa: E731
    vg = ad.value_and_grad(gen.loss, argnums=(0, 1, 2))
    mixed = any(np.asarray(a).dtype == np.float32 for a in args)
    for fun in (fwd, vg) if grads else (fwd,):
        want = ad.tree_flatten(fun(*args))[0]
        w64 = ad.tree_flatten(_eager64(fun, args))[0]
        for opts in targets:
            got = ad.tree_flatten(_compiled(ad.jit(fun, fuse=opts), *args))[0]
            for k, (g, e, e64) in enumerate(zip(got, want, w64, strict=True)):
                name = f"{what} {getattr(opts, 'target', 'unfused')} " \
                    f"{'fwd' if fun is fwd else 'vg'} out {k}"
                ulps = ULPS if fun is fwd else GRAD_ULPS
                if _data(e).dtype == np.float32:
                    _agree(g, e, e64, name, ulps)
                elif mixed:  # float64 results of float32 values: float32's rounding
                    _agree(g, e, e64, name, ulps * _EPS32 / _EPS64)
                else:
                    _agree(g, e, None, name, 64)


def _case(seed: int):
    rng = np.random.default_rng(seed)
    mode = str(rng.choice(["f32", "f32", "f32", "f64", "mixed"]))
    n = int(rng.choice(SIZES))
    nd = rng.random() < 0.4
    shape = (int(rng.integers(2, 4)), max(1, n // 3)) if nd else (n,)
    contiguous = rng.random() < 0.6
    gen = _Gen(rng, int(rng.integers(5, 11)))
    return gen, _inputs(rng, mode, shape, contiguous, bias=nd), \
        f"seed {seed} {mode} {shape} {'contiguous' if contiguous else 'strided'}"


@pytest.mark.parametrize("seed", range(FIRST_SEED, FIRST_SEED + PROGRAMS))
def test_random_programs_agree_with_eager(seed):
    """Random programs on each target agree with eager (see the module's docstring)."""
    gen, args, what = _case(seed)
    _check_program(gen, args, what=what)


# ---- fixed programs: block edges, reductions, the nd path, threads, donation, training --------

def _math(x, y):
    """Every vectorised function, with its NaN test, and arithmetic after it."""
    return gnp.tanh(gnp.sin(x) + y) + gnp.exp(gnp.cos(y)) * 0.5


def _edge_input(rng, n: int, dt=np.float32) -> np.ndarray:
    """Random values with special values at the ends of blocks and of streams."""
    x = (rng.standard_normal(n) * 4.0).astype(dt)
    for at in (0, BLOCK - 1, BLOCK, 2 * BLOCK - 1, n // 4, n // 4 + 1, n // 2, n - 1):
        if at < n:
            x[at] = rng.choice(SPECIAL)
    return x


class _Fixed:
    """A fixed program in :class:`_Gen`'s form."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, x, y, b):
        return self.fn(x, y, b)

    def loss(self, x, y, b):
        o1, o2 = self(x, y, b)
        return gnp.sum(gnp.tanh(o1) * 0.5) + gnp.sum(F.sigmoid(o2))


#: one program for the fixed tests (their kernels differ only in layout and threads)
FIXED = _Fixed(lambda x, y, b: [_math(x, y) * b, gnp.cos(x) - b])


@pytest.mark.parametrize("n", SIZES[1:])
def test_block_edges_special_values(rng, n):
    """Special values at block and stream edges, each size around the block length: values,
    NaN, infinities and zeros as eager's, forward and value_and_grad."""
    args = (_edge_input(rng, n), _edge_input(rng, n), _edge_input(rng, n))
    _check_program(FIXED, args, targets=(AUTO, False), what=f"n={n}")


@pytest.mark.parametrize("red", ["sum", "mean", "max"])
def test_group_read_by_a_reduction(rng, red):
    """A vector group whose result a reduction reads (over all axes and over one), with NaN
    and infinities in some rows: eager's values (a sum within the elements' bounds times
    their count)."""
    m, n = 3, BLOCK + 5
    x = _edge_input(rng, m * n).reshape(m, n)
    x[2] = rng.standard_normal(n)  # a row without special values
    r = getattr(gnp, red)

    def f(x):
        v = gnp.sin(x) * gnp.tanh(x * 0.5)
        return r(v), r(v, axis=1), r(v, axis=0)  # (one kernel: the others read v)

    want = f(x)
    x64 = f(x.astype(np.float64))
    for opts in (AUTO, NUMBA):
        j = ad.jit(f, fuse=opts)
        prog = j.lower(x)
        assert prog.fusion.groups and prog.fusion.groups[0].reduce is not None, str(prog)
        for k, (g, e, e64) in enumerate(zip(j(x), want, x64, strict=True)):
            _agree(g, e, e64, f"{red} {opts.target} out {k}",
                   ULPS * (n if red != "max" else 1))


def _nd_args(rng, m: int, n: int):
    x = _edge_input(rng, 2 * m * n).reshape(m, 2 * n)[:, ::2]  # strided
    y = _edge_input(rng, n)  # broadcast along the first axis
    col = (rng.standard_normal((m, 1)) * 2).astype(np.float32)  # along the second
    return x, y, col


def test_nd_path_broadcast_and_strided(rng):
    """Inputs that broadcast (a row, a column) and a strided one: the kernel runs over the
    group's axes (not flat), rows with special values computed again exactly."""
    args = _nd_args(rng, 3, BLOCK + 3)
    # (forward only: the random programs' seed 0 takes gradients over axes)
    _check_program(FIXED, args, targets=(AUTO, False), what="nd", grads=False)
    j = ad.jit(FIXED, fuse=AUTO)
    _compiled(j, *args)
    prog = j.lower(*args)
    assert prog.fusion.groups and all(getattr(g.kernel, "vector", False)
                                      for g in prog.fusion.groups), str(prog.fusion)
    nd = [g.kernel for g in prog.fusion.groups if len(g.shape) == 2]
    assert nd and all(k._nd is not None and k._flat is None for k in nd)


def test_two_threads_run_the_parallel_loop(rng, monkeypatch):
    """With GPUAD_FUSED_THREADS=2 the kernels run on two threads: the same results, flat (a
    serial kernel on parts of whole blocks, one part on the chunked target's pool) and over
    axes (a prange loop)."""
    from gpuad.jit import codegen_chunked

    monkeypatch.setenv("GPUAD_FUSED_THREADS", "2")
    submitted = []
    real_pool = codegen_chunked._pool

    class Spy:
        def __init__(self, pool):
            self.pool = pool

        def submit(self, fn, *args):
            submitted.append(fn)
            return self.pool.submit(fn, *args)

    monkeypatch.setattr(codegen_chunked, "_pool", lambda n: Spy(real_pool(n)))
    n = 4 * BLOCK + 3
    flat = (_edge_input(rng, n), _edge_input(rng, n), _edge_input(rng, n))
    small = _Fixed(lambda x, y, b: [gnp.sin(x) * y + b, gnp.cos(x) - b])
    for args, what in ((flat, "flat"), (_nd_args(rng, 2, n), "nd")):
        del submitted[:]
        _check_program(small, args, targets=(AUTO,), what=f"threads {what}", grads=False)
        prog = ad.jit(small, fuse=AUTO).lower(*args)
        kernels = [getattr(g.kernel, "kernel", g.kernel) for g in prog.fusion.groups]
        assert kernels and all(k.vector for k in kernels), str(prog.fusion)
        if what == "flat":
            assert submitted, "no part of the flat kernel ran on a second thread"
        else:
            assert all("in prange(" in k.nd_src for k in kernels), str(prog.fusion)


def test_output_planned_into_a_donated_input(rng):
    """A donated argument's memory holds a fused group's result (the memory plan says so):
    values as eager's, out-of-range blocks included."""
    n = 2 * BLOCK + 1

    def f(x, y):
        s = gnp.sum(x)  # the argument's last read: its memory is free after this
        v = gnp.sin(y) * s + gnp.cos(y * 3.0) * 0.5
        return gnp.abs(v) + 1.0  # (abs is not fused: it reads v from memory)

    x0, y = _edge_input(rng, n) * np.float32(1e-3), _edge_input(rng, n)
    x0[np.isnan(x0) | np.isinf(x0)] = 1.0
    want = f(x0, y)
    w64 = f(x0.astype(np.float64), y.astype(np.float64))
    for opts in (AUTO, NUMBA):
        j = ad.jit(f, fuse=opts, donate_argnums=0)
        prog = j.lower(x0.copy(), y)
        (g,) = prog.fusion.groups
        assert prog.plan.buffer_of.get(g.stores[0]) == "%0", prog.plan.buffer_of
        for _ in range(2):
            _agree(j(x0.copy(), y), want, w64, f"donated {opts.target}")


def _mlp_params(rng, sizes):
    return [((rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32),
             (rng.standard_normal(b) * 0.1).astype(np.float32))
            for a, b in zip(sizes[:-1], sizes[1:], strict=False)]


def test_mlp_training_steps_with_default_fusion(rng):
    """An MLP with tanh activations trained by SGD inside jit, with the CPU's default fusion
    (layer outputs of 2^17 elements: on); the parameters after 3 steps as eager's within
    float32 rounding of the steps' sums."""
    batch, sizes = 512, (64, 256, 256, 8)
    xb = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    xb[0, 0] = 2e5  # beyond the vectorised sin/cos range (no sin here: tanh holds anywhere)
    tb = rng.standard_normal((batch, sizes[-1])).astype(np.float32)

    def loss(params, x, t):
        h = x
        for k, (w, b) in enumerate(params):
            h = h @ w + b
            if k < len(params) - 1:
                h = gnp.tanh(h)
        return gnp.mean((h - t) ** 2)

    def step(params, x, t):
        lv, g = ad.value_and_grad(loss)(params, x, t)
        return [(w - 0.05 * gw, b - 0.05 * gb) for (w, b), (gw, gb) in zip(params, g,
                                                                           strict=True)], lv

    fused = ad.jit(step)
    p0 = _mlp_params(rng, sizes)
    prog = fused.lower(p0, xb, tb)
    assert "vector math" in str(prog.fusion), str(prog.fusion)
    pf = pe = p0
    for _ in range(3):
        pf, lf = fused(pf, xb, tb)
        pe, le = step(pe, xb, tb)
        assert np.isclose(float(_data(lf)), float(_data(le)), rtol=1e-5)
    for (wf, bf), (we, be) in zip(pf, pe, strict=True):
        for g, e in ((wf, we), (bf, be)):
            g, e = _data(g), _data(e)
            np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5 * np.abs(e).max())


def test_float32_math_read_into_float64_outputs(rng):
    """float32 vector math whose values reach float64 outputs (a float64 weight): jit's check
    on other argument values accepts float32 rounding in them (it raised a TracerError
    blaming the function, the differences being far above float64's)."""
    x = (rng.standard_normal(BLOCK) * 3.0).astype(np.float32)
    w = np.asarray(1.5)  # float64: the results are float64

    def f(x, w):
        return gnp.tanh(gnp.sin(x) * 1.3 + gnp.exp(gnp.cos(x))) * w

    want = f(x, w)
    got = _compiled(ad.jit(f, fuse=AUTO), x, w)
    assert _data(got).dtype == np.float64
    _agree(got, want, None, "mixed", ulps=ULPS * _EPS32 / _EPS64)
