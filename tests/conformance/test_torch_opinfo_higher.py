"""Second-order and forward-mode derivatives against PyTorch's OpInfo database.

tests/conformance/test_torch_opinfo.py compares values and first-order reverse gradients of
every OpInfo gpuad provides; this file takes the same ops, the same gpuad spelling of each
(its ``_resolve``), the same sample preparation (``PREPARE``) and the same known differences
(``KNOWN``), and compares on the first ``MAX_SAMPLES`` float64 samples of each op:

- **gradgrad** (``op.supports_gradgrad``): the gradient, with respect to the inputs and to
  the cotangent ``c``, of ``<grad(sum(out * c)), v>`` for random ``c`` and ``v`` (double
  backward: ``gpuad.autograd.grad(..., create_graph=True)`` then ``gpuad.autograd.grad``);
- **forward** (``op.supports_forward_ad``): the output tangents of ``gpuad.jvp`` along random
  tangents of the differentiable inputs, against torch's forward AD (dual tensors);
- **fwgrad_bwgrad** (``op.supports_fwgrad_bwgrad``): forward over reverse, ``gpuad.jvp`` of
  the gradient of ``sum(out * c)`` (``gpuad.autograd.grad(..., create_graph=True)``), against
  torch's dual tensors through ``torch.autograd.grad``.

A derivative that differs is a failure unless listed in ``KNOWN_HIGHER`` with the reason
(where torch's is the wrong one, gpuad's is checked against central differences there
instead) or compared to a looser ``RTOL_OF`` where torch's is less accurate; the failure
message says whether float64 central differences (of torch's values, or of torch's
first-order gradient) agree with gpuad's or with torch's. gpuad raising an error of a clear
kind is accepted (the first file's ``UNCLEAR`` kinds fail). Where the first file compares one
triangle (``HERMITIAN``, ``TRIANGLE``), tangents and ``v`` are symmetric or on that triangle
and the second derivatives are compared there. The file runs in under two minutes (about
90 s of CPU).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")
base = pytest.importorskip("tests.conformance.test_torch_opinfo")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402

fwAD = torch.autograd.forward_ad

MAX_SAMPLES = 2
RTOL = 1e-8
FD_STEP = 1e-6
FD_RTOL = 1e-5

KINDS = ("gradgrad", "forward", "fwgrad_bwgrad")
_SUPPORTS = {"gradgrad": "supports_gradgrad", "forward": "supports_forward_ad",
             "fwgrad_bwgrad": "supports_fwgrad_bwgrad"}


def _all(s) -> bool:
    return True


def _masked(s) -> bool:
    return s.kwargs.get("input_mask") is not None or s.kwargs.get("other_mask") is not None


def _fully_masked_slice(s) -> bool:
    """A mask that leaves a whole slice along ``dim`` out (the result there is NaN)."""
    m = s.kwargs.get("mask")
    if m is None:
        return False
    dim = s.args[0] if s.args else s.kwargs.get("dim")
    return bool((~torch.broadcast_to(m, s.input.shape)).all(dim).any())


_CHUNKED = ("torch's chunked linear_cross_entropy computes its gradient inside the forward, "
            "and the double backward of that differs from central differences of the first "
            "derivative (gpuad's agrees with them)")
_TRIANGULAR_SOLVE_T = (
    "torch's forward-mode rule of triangular_solve(transpose=True), which its backward calls, "
    "is wrong (off by 0.57 from central differences on a well-conditioned 4x4 upper "
    "triangular A); gpuad's agrees with central differences")
_CHOLESKY_INVERSE = (
    "torch's forward-mode rule of cholesky_inverse is wrong (off by 4.5 from central "
    "differences for L = tril(randn(4, 4)) + 3 I and a diagonal tangent; on these samples "
    "by 2e-5, where mpmath agrees with gpuad to 1e-15)")
_MASKED_LOGADDEXP = (
    "torch gives NaN where an input is masked out (its logaddexp with -inf); the result there "
    "is the other input, or a constant where both are masked, whose derivatives gpuad gives")
_MASKED_SOFTMAX = (
    "a slice masked out whole has the result NaN, a constant: gpuad's derivative of the "
    "double backward with respect to the cotangent there is 0, as the first-order gradient "
    "of both; torch's is NaN (central differences of a NaN result are NaN)")

# (op name with its variant, kind) -> (which samples, why gpuad differs from torch there,
# whether gpuad's derivative is checked against central differences there instead)
KNOWN_HIGHER: dict = {
    ("nn.functional.linear_cross_entropy.chunked", "gradgrad"): (_all, _CHUNKED, True),
    ("nn.functional.linear_cross_entropy.chunked_none", "gradgrad"): (_all, _CHUNKED, True),
    ("triangular_solve", "fwgrad_bwgrad"): (_all, _TRIANGULAR_SOLVE_T, True),
    ("cholesky_inverse", "forward"): (_all, _CHOLESKY_INVERSE, True),
    ("cholesky_inverse", "fwgrad_bwgrad"): (_all, _CHOLESKY_INVERSE, True),
    # central differences of a -inf result are NaN too: nothing to check against
    ("masked.logaddexp", "forward"): (_masked, _MASKED_LOGADDEXP, False),
    ("masked.logaddexp", "gradgrad"): (_masked, _MASKED_LOGADDEXP, True),
    **{(f"masked.{name}", "gradgrad"): (_fully_masked_slice, _MASKED_SOFTMAX, False)
       for name in ("softmax", "log_softmax", "softmin")},
}

# torch's derivatives are less accurate here: the tolerance they are compared to (mpmath
# agrees with gpuad's logcumsumexp tangents to 1e-13, torch's are off by up to 4e-6)
RTOL_OF = {"logcumsumexp": 1e-5}

# torch.triangular_solve(b, A) reads one triangle of A (the upper by default), and its reverse
# rule gives A's gradient on that triangle, but its forward-mode rule uses the whole tangent of
# A (central differences agree with gpuad, whose function reads the triangle): tangents of A on
# the triangle read, where the two agree
TANGENT_ON_TRIANGLE = {"triangular_solve": 1}


def _triangle_read(s):
    """The part of triangular_solve's A that it reads."""
    upper, unit = s.kwargs.get("upper", True), s.kwargs.get("unitriangular", False)
    return (lambda a: np.triu(a, int(unit))) if upper else (lambda a: np.tril(a, -int(unit)))


# whole ops left out of one kind, and why
SKIP_KIND = {
    ("nn.functional.ctc_loss", "gradgrad"): "the first file compares its gradient only through "
    "a log_softmax (THROUGH_LOG_SOFTMAX): torch's backward is not the derivative in log_probs",
    ("nn.functional.ctc_loss", "fwgrad_bwgrad"): "as gradgrad",
}


def _is_leaf(v, cg: bool) -> bool:
    return isinstance(v, torch.Tensor) and v.requires_grad and (
        v.dtype.is_floating_point or (cg and v.dtype.is_complex))


def _leaves(v, cg: bool, out: list) -> list:
    """The differentiable torch tensors of a sample, in the order ``base._to_gpuad`` meets
    them (input, args, kwargs)."""
    if _is_leaf(v, cg):
        out.append(v)
    elif isinstance(v, list | tuple) and not hasattr(v, "_fields"):
        for x in v:
            _leaves(x, cg, out)
    elif isinstance(v, dict):
        for x in v.values():
            _leaves(x, cg, out)
    return out


def _rebuild(v, it, cg: bool, convert):
    """The sample with its differentiable tensors replaced, in order, by ``next(it)`` and the
    rest passed through ``convert`` (identity for torch, ``base._to_gpuad`` for gpuad)."""
    if _is_leaf(v, cg):
        return next(it)
    if isinstance(v, list):
        return [_rebuild(x, it, cg, convert) for x in v]
    if isinstance(v, tuple) and not hasattr(v, "_fields"):
        return tuple(_rebuild(x, it, cg, convert) for x in v)
    if isinstance(v, dict):
        return {k: _rebuild(x, it, cg, convert) for k, x in v.items()}
    return convert(v)


def _torch_const(v):
    return v.detach() if isinstance(v, torch.Tensor) else v


def _gpuad_const(v):
    return base._to_gpuad(v, [], False)


class Case:
    """One sample of one op: its differentiable leaves, which outputs are differentiable, and
    the function of the leaves in torch and in gpuad (each returning those outputs)."""

    def __init__(self, op, fn, s, rng):
        self.op, self.s, self.name = op, s, base._full(op)
        self.cg = op.name in base.COMPLEX_GRADS
        self.tleaves = [x.detach() for x in _leaves((s.input, s.args, s.kwargs), self.cg, [])]
        self.top, self.gfn = base._torch_forward(op, s), fn
        outs = base._flat(self._torch(*[x.clone().requires_grad_() for x in self.tleaves]))
        self.which = [i for i, t in enumerate(outs) if isinstance(t, torch.Tensor)
                      and t.requires_grad and (t.dtype.is_floating_point
                                               or (self.cg and t.dtype.is_complex))]
        self.oshapes = [tuple(outs[i].shape) for i in self.which]
        self.ocomplex = [outs[i].dtype.is_complex for i in self.which]
        self.c = [self._draw(rng, sh, z) for sh, z in zip(self.oshapes, self.ocomplex,
                                                         strict=True)]
        self.v = [self._direction(i, rng) for i in range(len(self.tleaves))]
        self.t = [self._direction(i, rng) for i in range(len(self.tleaves))]
        self.w = [self._direction(i, rng) for i in range(len(self.tleaves))]

    @staticmethod
    def _draw(rng, shape, z):
        a = np.asarray(rng.standard_normal(shape))
        return np.asarray(a + 1j * rng.standard_normal(shape)) if z else a

    def _direction(self, i, rng):
        x = self.tleaves[i]
        a = self._draw(rng, tuple(x.shape), x.dtype.is_complex)
        if self.op.name in base.HERMITIAN:
            a = base._sym(a)
        if base.TRIANGLE.get(self.op.name) == i:
            a = (np.triu if self.s.kwargs.get("upper", False) else np.tril)(a)
        if TANGENT_ON_TRIANGLE.get(self.op.name) == i:
            a = _triangle_read(self.s)(a)
        return a

    def compared(self, i, a):
        """The part of input ``i``'s second derivative both libraries define alike (``i``
        past the inputs: the derivative with respect to a cotangent, all of it)."""
        if i >= len(self.tleaves):
            return a
        if self.op.name in base.HERMITIAN:
            a = base._sym(a)
        if base.TRIANGLE.get(self.op.name) == i:
            a = (np.triu if self.s.kwargs.get("upper", False) else np.tril)(a)
        return a

    def _post(self, out):
        if self.op.name in base.RANDOMISED:
            out = self.s.output_process_fn_grad(out)
        return base._flat(out)

    def _torch(self, *leaves):
        s = self.s
        a = _rebuild((s.input, tuple(s.args), dict(s.kwargs)), iter(leaves), self.cg,
                     _torch_const)
        return self._post(self.top(a[0], *a[1], **a[2]))

    def torch_outs(self, *leaves):
        o = self._torch(*leaves)
        return [o[i] for i in self.which]

    def gpuad_outs(self, *leaves):
        s = self.s
        a = _rebuild((s.input, tuple(s.args), dict(s.kwargs)), iter(leaves), self.cg,
                     _gpuad_const)
        o = self._post(self.gfn(a[0], *a[1], **a[2]))
        if len(o) <= max(self.which, default=-1):
            raise AssertionError(f"{len(o)} outputs")
        return [o[i] for i in self.which]


def _dot(xs, ys, lib):
    """``sum_i re(<x_i, y_i>)`` (``y`` a constant array) in torch or gpuad."""
    total = 0
    for x, y in zip(xs, ys, strict=True):
        if x is None:
            continue
        if lib == "torch":
            total = total + (x * torch.from_numpy(np.asarray(np.conj(y)))).sum().real
        else:
            total = total + gnp.real((x * ad.tensor(np.asarray(np.conj(y)))).sum())
    return total


def _host(x):
    """``base._host``, also of torch's ZeroTensor (a tangent known to be zero)."""
    if isinstance(x, torch.Tensor) and x._is_zerotensor():
        return np.zeros(tuple(x.shape), _np_dtype(x))
    return base._host(x)


def _requires_grad(x) -> bool:
    return isinstance(x, torch.Tensor | ad.Tensor) and bool(x.requires_grad)


# ---- torch's derivatives (dual tensors, as torch's gradcheck) and central differences ----

def _loss(out, cs, lib):
    """``re(sum(out * c))`` over the outputs, ``cs`` constant arrays or tensors."""
    total = 0
    for o, c in zip(out, cs, strict=True):
        if lib == "torch":
            c = torch.from_numpy(np.asarray(c)) if isinstance(c, np.ndarray) else c
            total = total + (o * c).sum().real
        else:
            total = total + gnp.real((o * c).sum())
    return total


def _torch_grad(case, xs, create_graph, cs=None):
    loss = _loss(case.torch_outs(*xs), case.c if cs is None else cs, "torch")
    if not _requires_grad(loss):
        return [None] * len(xs)
    return list(torch.autograd.grad(loss, xs, create_graph=create_graph, allow_unused=True))


def _zeros_or_host(xs, gs):
    return [np.zeros(tuple(x.shape), _np_dtype(x) if isinstance(x, torch.Tensor) else x.dtype)
            if g is None else _host(g) for x, g in zip(xs, gs, strict=True)]


def torch_gradgrad(case):
    xs = [x.clone().requires_grad_() for x in case.tleaves]
    cs = [torch.from_numpy(c.copy()).requires_grad_() for c in case.c]
    s = _dot(_torch_grad(case, xs, True, cs), case.v, "torch")
    if not _requires_grad(s):
        return _zeros_or_host(xs + cs, [None] * len(xs + cs))
    return _zeros_or_host(xs + cs, torch.autograd.grad(s, xs + cs, allow_unused=True))


def _np_dtype(x):
    return np.complex128 if x.dtype.is_complex else np.float64


def _tangents(duals, shapes, complexes):
    res = []
    for d, sh, z in zip(duals, shapes, complexes, strict=True):
        t = None if d is None else fwAD.unpack_dual(d).tangent
        res.append(np.zeros(sh, np.complex128 if z else np.float64) if t is None
                   else _host(t))
    return res


def torch_forward(case):
    with fwAD.dual_level():
        xs = [fwAD.make_dual(x.clone(), torch.from_numpy(t))
              for x, t in zip(case.tleaves, case.t, strict=True)]
        return _tangents(case.torch_outs(*xs), case.oshapes, case.ocomplex)


def torch_fwgrad_bwgrad(case):
    with fwAD.dual_level():
        xs = [fwAD.make_dual(x.clone().requires_grad_(), torch.from_numpy(t))
              for x, t in zip(case.tleaves, case.t, strict=True)]
        g = _torch_grad(case, xs, True)
        return _tangents(g, [tuple(x.shape) for x in xs],
                         [x.dtype.is_complex for x in xs])


def _shifted(case, direction, h):
    return [(x + h * torch.from_numpy(d)) for x, d in zip(case.tleaves, direction, strict=True)]


def _central(f, case, direction):
    """``(f(x + h d) - f(x - h d)) / 2h`` for a list-valued ``f`` of the leaves."""
    hi, lo = f(_shifted(case, direction, FD_STEP)), f(_shifted(case, direction, -FD_STEP))
    return [(_host(a) - _host(b)) / (2 * FD_STEP) for a, b in zip(hi, lo, strict=True)]


def _first_grad(case):
    def g(xs):
        xs = [x.detach().requires_grad_() for x in xs]
        return [np.zeros(x.shape, _np_dtype(x)) if v is None else v.detach()
                for x, v in zip(xs, _torch_grad(case, xs, False), strict=True)]
    return g


def _reference(case, kind):
    """Central differences for ``kind``: of torch's values (forward), of torch's first-order
    gradient along ``t`` (fwgrad_bwgrad), or, for gradgrad, the scalar ``<d/dw <g, v>>`` along
    the random direction ``w``."""
    if kind == "forward":
        return _central(lambda xs: [o.detach() for o in case.torch_outs(*xs)], case, case.t)
    if kind == "fwgrad_bwgrad":
        return _central(_first_grad(case), case, case.t)
    def along_v(xs):
        g = _first_grad(case)(xs)
        return [torch.tensor(sum(float(np.real(np.vdot(v, _host(a))))
                                 for a, v in zip(g, case.v, strict=True)), dtype=torch.float64)]

    d = _central(along_v, case, case.w)
    return [d[0]]


def _compare_kind(case, kind, ours, theirs):
    """None or a description of the first difference."""
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if kind != "forward":
            a, b = case.compared(i, a), case.compared(i, b)
        d = base._differs(a, b, RTOL_OF.get(case.name, RTOL))
        if d:
            return i, d
    return None


def _central_of(case, kind, i):
    """Central differences for entry ``i`` of ``kind``'s result (for gradgrad and an input
    ``i``, of the scalar ``<gg, w>``), and whether ``i`` became that scalar."""
    n = len(case.tleaves)
    if kind == "gradgrad" and i >= n:  # d<J^T c, v>/dc = J v
        outs = _central(lambda xs: [o.detach() for o in case.torch_outs(*xs)], case, case.v)
        return outs[i - n], False
    ref = _reference(case, kind)
    return (ref[0], True) if kind == "gradgrad" else (ref[i], False)


def _agrees(case, kind, ref, x, i, scalar) -> bool:
    if scalar:
        n = len(case.tleaves)
        x = sum(float(np.real(np.vdot(w, case.compared(j, a))))
                for j, (a, w) in enumerate(zip(x[:n], case.w, strict=True)))
    elif kind == "fwgrad_bwgrad":
        x, ref = case.compared(i, x[i]), case.compared(i, np.asarray(ref))
    else:
        x = x[i]
    r, x = np.asarray(ref), np.asarray(x)
    if np.any(np.isfinite(r)) and not np.all(np.isfinite(r)):
        # a difference of infinite results says nothing about the derivative
        fin = np.isfinite(r)
        r, x = r[fin], x[fin]
    scale = max(1.0, float(np.nanmax(np.abs(r), initial=0.0)))
    return bool(np.allclose(x, r, rtol=FD_RTOL, atol=FD_RTOL * scale, equal_nan=True))


def _verdict(case, kind, ours, theirs, i):
    """Which of the two central differences agree with."""
    try:
        ref, scalar = _central_of(case, kind, i)
    except Exception as e:  # noqa: BLE001
        return f"central differences failed: {e}"
    who = [n for n, x in (("gpuad", ours), ("torch", theirs))
           if _agrees(case, kind, ref, x, i, scalar)]
    return "central differences agree with " + (" and ".join(who) or "neither")


def check_central(case, kind) -> str | None:
    """None when gpuad's ``kind`` derivative agrees with central differences (of torch's values
    or first-order gradients), else what differs: for samples where torch's is wrong."""
    try:
        ours = GPUAD[kind](case)
    except base.UNCLEAR:
        raise
    except Exception:  # noqa: BLE001  (a clear error)
        return None
    n = len(case.tleaves)
    entries = [0, *range(n, len(ours))] if kind == "gradgrad" else range(len(ours))
    for i in entries:
        ref, scalar = _central_of(case, kind, i)
        if not _agrees(case, kind, ref, ours, i, scalar):
            return f"{kind}: entry {i} differs from central differences"
    return None


# ---- gpuad's derivatives ----

def gpuad_gradgrad(case):
    xs = [ad.tensor(_host(x).copy(), requires_grad=True) for x in case.tleaves]
    cs = [ad.tensor(c.copy(), requires_grad=True) for c in case.c]
    loss = _loss(case.gpuad_outs(*xs), cs, "gpuad")
    g = ad.autograd.grad(loss, xs, create_graph=True, allow_unused=True) \
        if _requires_grad(loss) else [None] * len(xs)
    s = _dot(g, case.v, "gpuad")
    if not _requires_grad(s):
        return _zeros_or_host(xs + cs, [None] * len(xs + cs))
    return _zeros_or_host(xs + cs, ad.autograd.grad(s, xs + cs, allow_unused=True))


def gpuad_forward(case):
    prim = [_host(x).copy() for x in case.tleaves]
    _, tans = ad.jvp(lambda *xs: list(case.gpuad_outs(*xs)), prim, list(case.t))
    return [_host(t) for t in tans]


def gpuad_fwgrad_bwgrad(case):
    prim = [ad.tensor(_host(x).copy(), requires_grad=True) for x in case.tleaves]

    def cotangents(*xs):
        loss = _loss(case.gpuad_outs(*xs), [ad.tensor(c) for c in case.c], "gpuad")
        if not _requires_grad(loss):
            return [ad.tensor(np.zeros(x.shape, x.dtype)) for x in xs]
        g = ad.autograd.grad(loss, list(xs), create_graph=True, allow_unused=True)
        return [ad.tensor(np.zeros(x.shape, x.dtype)) if a is None else a
                for x, a in zip(xs, g, strict=True)]

    _, tans = ad.jvp(cotangents, prim, list(case.t))
    return [_host(t) for t in tans]


TORCH = {"gradgrad": torch_gradgrad, "forward": torch_forward,
         "fwgrad_bwgrad": torch_fwgrad_bwgrad}
GPUAD = {"gradgrad": gpuad_gradgrad, "forward": gpuad_forward,
         "fwgrad_bwgrad": gpuad_fwgrad_bwgrad}


def run_kind(case, kind) -> tuple[str, str]:
    """``("match" | "raised" | "skipped" | "mismatch", detail)``."""
    try:
        theirs = TORCH[kind](case)
    except Exception as e:  # noqa: BLE001  (torch cannot take this sample this way)
        return "skipped", f"torch raised {type(e).__name__}: {e}"
    try:
        ours = GPUAD[kind](case)
    except base.UNCLEAR:
        raise
    except Exception as e:  # noqa: BLE001
        return "raised", f"{type(e).__name__}: {e}"
    diff = _compare_kind(case, kind, ours, theirs)
    if diff is None:
        return "match", ""
    i, d = diff
    what = "output" if kind == "forward" else "input"
    return "mismatch", f"{what} {i}: {d}; {_verdict(case, kind, ours, theirs, i)}"


def _samples(op):
    known = base.KNOWN.get(base._full(op))
    ran = 0
    for s in op.sample_inputs("cpu", base._dtype(op), requires_grad=True):
        if ran == MAX_SAMPLES:
            return
        ran += 1
        if known is not None and known[0](s):
            continue
        if base._full(op) in base.PREPARE:
            s = base.PREPARE[base._full(op)](s)
        yield s


def _kinds(op):
    return [k for k in KINDS if getattr(op, _SUPPORTS[k]) and (op.name, k) not in SKIP_KIND]


OPS = [op for op in base.OPS if op.supports_autograd and _kinds(op)
       and not op.name.startswith("signal.windows.")]


@pytest.mark.parametrize("op", OPS, ids=[base._full(op) for op in OPS])
def test_opinfo_higher_derivatives_match_torch(op):
    rng = np.random.default_rng(0)
    fn = base._resolve(op)
    bad = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s in _samples(op):
            try:
                case = Case(op, fn, s, rng)
            except base.UNCLEAR:
                raise
            except Exception:  # noqa: BLE001  (the first file reports the sample itself)
                continue
            if not case.tleaves or not case.which:
                continue
            for kind in _kinds(op):
                known = KNOWN_HIGHER.get((base._full(op), kind))
                if known is not None and known[0](s):
                    d = check_central(case, kind) if known[2] else None
                    if d:
                        bad.append(f"{d} (a KNOWN_HIGHER sample, leaf shapes "
                                   f"{[tuple(x.shape) for x in case.tleaves]})")
                    continue
                status, detail = run_kind(case, kind)
                if status == "mismatch":
                    shapes = [tuple(x.shape) for x in case.tleaves]
                    bad.append(f"{kind}: {detail} (leaf shapes {shapes}, kwargs {s.kwargs})")
    assert not bad, f"{base._full(op)} differs from torch:\n" + "\n".join(bad)


def test_known_higher_entries_name_collected_ops():
    """Every KNOWN_HIGHER and SKIP_KIND entry names an op this file runs, and a kind."""
    names = {base._full(op) for op in OPS} | {op.name for op in base.OPS}
    for name, kind in (*KNOWN_HIGHER, *SKIP_KIND):
        assert name in names and kind in KINDS, (name, kind)
