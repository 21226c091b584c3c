"""GPU kernels of fused groups: CUDA C++ generated from the same statements as the CPU's.

Each group becomes one CuPy ``ElementwiseKernel`` (CuPy broadcasts the inputs, follows their
strides, compiles with NVRTC and caches the binary on disk by the source's hash); the math
functions are those of the eager kernels (``gpuad::ad_*`` in ``kernels/gpuad_vjp.cuh``).
:func:`raw_source` is the same body as a standalone ``extern "C"`` kernel over contiguous
arrays, which the tests compile with NVRTC. Where CuPy cannot compile kernels (the CPU
stand-in), the group runs as whole-array calls (:class:`gpuad.jit.kernels.ArrayKernel`).

Example::

    print(raw_source(spec, "gpuad_fused_0"))
"""

from __future__ import annotations

import hashlib
import threading

import numpy as _np

from .kernels import (
    ArrayKernel,
    Lang,
    Spec,
    apply_post,
    canonical_names,
    finish,
    out_arrays,
    outside_spec,
    post_spec,
    result_names,
    statements,
)

_C = {"float32": "float", "float64": "double", "bool": "bool"}  # bool: a stored or loaded mask
_LOCK = threading.Lock()
_KERNELS: dict[str, object] = {}


def _lang(consts: list | None = None) -> Lang:
    """CUDA C++ of the statements; ``consts``: a list that collects the numbers among the
    steps' operands (``(value, dtype)``), written as the kernel arguments ``c0, c1, ..``
    instead of literals, so that groups differing only in those numbers share one kernel."""
    def num(x, dt):
        return f"(({_C[dt.name]}){float(x)!r})"

    def const(x, dt):
        consts.append((dt.type(float(x)), dt))
        return f"c{len(consts) - 1}"

    def call(f, a, dt):
        from ..prims.expr import FUNCTIONS

        return f"gpuad::{FUNCTIONS[f].cuda}({a})"

    def guard(r, gs, dt):
        if not gs:
            return r
        zero = " && ".join([f"{g} == 0" for g in gs] + [f"!isfinite({r})"])
        return f"(({zero}) ? ({_C[dt.name]})0 : {r})"

    return Lang(num, lambda a, dt: f"(({_C[dt.name]}){a})", call,
                lambda a, op, b, dt: f"(({_C[dt.name]})({a} {op} {b}))", guard,
                lambda c, a, b, dt: f"(({c}) ? ({a}) : ({b}))",
                None if consts is None else const)


#: kernels made by :func:`make` and :func:`make_reduce`, by the hash of their source:
#: ``built`` distinct sources (each one CuPy kernel, compiled once per dtype and rank, and
#: cached on disk by CuPy), ``reused`` groups that found theirs already made
STATS = {"built": 0, "reused": 0}


_canon = canonical_names  # statements named by position: one source per computation


def header() -> str:
    """The eager kernels' shared header (the ``ad_*`` math functions), as text."""
    from ..backends import cuda_sources

    return dict(cuda_sources.list_headers())["gpuad_vjp.cuh"]


def body(spec: Spec) -> str:
    """The per-element statements: reads ``a0..`` and the numbers ``c0..``
    (:func:`constants`), writes ``o0..``."""
    return _body(spec)[0]


def _body(spec: Spec) -> tuple[str, list]:
    consts: list = []
    names = _canon(spec.stmts)
    lines = []
    for k, (name, text) in enumerate(statements(spec, _lang(consts), lambda k: f"a{k}",
                                                names.__getitem__)):
        lines.append(f"const {_C[spec.stmts[k][1].name]} {name} = {text};")
    for k, name in enumerate(result_names(spec, names.__getitem__)):
        lines.append(f"o{k} = {name};")
    return "\n".join(lines), consts


def constants(spec: Spec) -> list:
    """The numbers among the group's operands, in the order of the kernel arguments
    ``c0, c1, ..`` that :func:`body` reads (NumPy scalars of the steps' dtypes)."""
    return [v for v, _ in _body(spec)[1]]


def params(spec: Spec) -> tuple[str, str]:
    ins = [f"{dt.name} a{k}" for k, (_, dt) in enumerate(spec.loads)]
    ins += [f"{dt.name} c{k}" for k, (_, dt) in enumerate(_body(spec)[1])]
    outs = ", ".join(f"{dt.name} o{k}" for k, (_, dt) in enumerate(spec.outs))
    return ", ".join(ins), outs


def raw_source(spec: Spec, name: str) -> str:
    """The group as a standalone kernel ``name(a0.., o0.., n)`` over contiguous arrays (the
    numbers :func:`body` reads as arguments are constants of the kernel here)."""
    text, consts = _body(spec)
    args = [f"const {_C[dt.name]}* __restrict__ a{k}_p" for k, (_, dt) in enumerate(spec.loads)]
    args += [f"{_C[dt.name]}* __restrict__ o{k}_p" for k, (_, dt) in enumerate(spec.outs)]
    lines = [header(), "", f'extern "C" __global__ void {name}({", ".join(args)}, long long n) {{']
    for k, (v, dt) in enumerate(consts):
        lines.append(f"    const {_C[dt.name]} c{k} = {_literal(v, dt)};")
    lines += ["    const long long stride = (long long)blockDim.x * gridDim.x;",
              "    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;"
              " i += stride) {"]
    for k, (_, dt) in enumerate(spec.loads):
        lines.append(f"        const {_C[dt.name]} a{k} = a{k}_p[i];")
    for k, (_, dt) in enumerate(spec.outs):
        lines.append(f"        {_C[dt.name]} o{k};")
    lines += ["        " + ln for ln in text.splitlines()]
    for k in range(len(spec.outs)):
        lines.append(f"        o{k}_p[i] = o{k};")
    lines += ["    }", "}", ""]
    return "\n".join(lines)


def _literal(v, dt) -> str:
    """``v`` as a C++ expression of type ``dt`` (infinities and NaN included)."""
    t = _C[dt.name]
    f = float(v)
    if f != f:
        return f"(({t})__int_as_float(0x7fc00000))"
    if f in (float("inf"), float("-inf")):
        return f"(({t}){'-' if f < 0 else ''}__int_as_float(0x7f800000))"
    return f"(({t}){f!r})"


class CupyKernel:
    """The fused step of one group on the GPU: an ``ElementwiseKernel`` writing into fresh
    outputs of the group's shape, then the trailing reduction if any. Should the kernel fail
    to compile (on its first call), the group runs as whole-array calls instead, with a
    warning that carries the compiler's message: the same values, without the fusion."""

    def __init__(self, spec: Spec, xp, kernel, consts: list | None = None):
        self.spec = spec
        self.xp = xp
        self.kernel = kernel
        self.consts = constants(spec) if consts is None else consts
        self.fallback = None
        self.checked = False

    takes_out = True

    def __call__(self, *arrays, out=None):
        if self.fallback is not None:
            return self.fallback(*arrays, out=out)
        xp = self.xp
        outs = out_arrays(self, xp, out)
        if self.checked:
            self.kernel(*arrays, *self.consts, *outs)
        else:
            try:
                self.kernel(*arrays, *self.consts, *outs)
            except Exception as e:  # compilation happens on the first call
                import warnings

                warnings.warn(f"gpuad.jit: a fused kernel failed to compile or launch "
                              f"({type(e).__name__}: {str(e)[:500]}); its group runs as "
                              f"separate array calls. Kernel body:\n{body(self.spec)}",
                              RuntimeWarning, stacklevel=2)
                self.fallback = ArrayKernel(self.spec, xp)
                return self.fallback(*arrays, out=out)
            self.checked = True
        return finish(self.spec, outs)


def make(spec: Spec, xp):
    """A CuPy kernel for ``spec``, or whole-array calls where CuPy cannot compile one."""
    if spec.inside:
        return make_reduce(spec, xp)
    ins, outs = params(spec)
    text, consts = _body(spec)
    h = hashlib.sha256(f"{ins}|{outs}|{text}".encode()).hexdigest()[:16]
    with _LOCK:
        k = _KERNELS.get(h)
        STATS["reused" if k is not None else "built"] += 1
        if k is None:
            try:
                from ..backends import cuda_sources

                # no FMA contraction: each operation rounds as eager's separate calls do
                k = xp.ElementwiseKernel(ins, outs, text, f"gpuad_fused_{h}",
                                         preamble=header(), options=cuda_sources.FMAD)
            except NotImplementedError:  # no CUDA compiler (the CPU stand-in)
                k = False
            _KERNELS[h] = k
    if k is False:
        a = ArrayKernel(spec, xp)
        a.cuda = text
        return a
    c = CupyKernel(spec, xp, k, [v for v, _ in consts])
    c.cuda = text
    return c


# ---- groups ending in a reduction -----------------------------------------------------------

#: per reduction: its identity and the body of ``gpuad_fold(acc, v)`` (NaN wins, as in NumPy
#: and CuPy; of two equal values the later)
_FOLD = {
    "sum": ("0", "acc += v;"),
    "max": ("-GPUAD_INF", "if (v >= acc || (v != v && acc == acc)) acc = v;"),
    "min": ("GPUAD_INF", "if (v <= acc || (v != v && acc == acc)) acc = v;"),
}

#: reductions over at most this many elements per output run one thread per output
ROWS = 64
#: threads per block of the split reduction (a power of two)
BLOCK = 256


def reduces_inside(op: str, opts) -> bool:
    """Whether a trailing ``op`` runs inside the GPU kernel: ``max``/``min`` (exact), and
    ``sum`` unless ``Options(reorder_sums=False)`` (the kernel adds in a fixed order of its
    own, the same on every run: within a few ulps of the sum of the elements' magnitudes of
    CuPy's own ``sum``, not bitwise)."""
    if getattr(opts, "reduce_inside", None) is False:
        return False
    if op in ("max", "min"):
        return True
    return op == "sum" and getattr(opts, "reorder_sums", None) is not False


def _red_dtype(spec: Spec):
    return next(d for v, d, _ in spec.stmts if v == spec.red_of)


def reduce_source(spec: Spec, name: str) -> str:
    """CUDA C++ of a group ending in a reduction: kernels ``{name}_rows`` (one thread per
    output, for short reductions), ``{name}_part`` (blocks of ``BLOCK`` threads fold slices of
    each output's elements, a fixed shared-memory tree per block, one partial per block) and
    ``{name}_fin`` (one thread per output folds its partials in order). The index space is
    (kept axes, reduced axes): the lengths of each part's inner axes are compile-time
    constants, the numbers of outputs (``GPUAD_M``) and of elements folded into each
    (``GPUAD_K``) arguments, so one module serves every length of a reduction over one axis
    keeping at most one; each load and store gets its strides (elements, per axis in that
    order) as arguments, so one compiled module serves any memory layout. Every order is
    fixed: bitwise the same on every run."""
    shape, axes = spec.shape, spec.axes
    kept = [k for k in range(len(shape)) if k not in axes]
    perm = kept + list(axes)
    nk = len(kept)
    rt = _C[_red_dtype(spec).name]
    ident, fold = _FOLD[spec.red_op]
    nl, no = len(spec.loads), len(spec.outs)
    text, consts = _body(spec)
    names = _canon(spec.stmts)
    ptrs = [f"const {_C[dt.name]}* __restrict__ a{j}_p" for j, (_, dt) in enumerate(spec.loads)]
    ptrs += [f"{_C[dt.name]}* __restrict__ o{j}_p" for j, (_, dt) in enumerate(spec.outs)]
    ptrs += [f"{_C[dt.name]} c{j}" for j, (_, dt) in enumerate(consts)]
    strides = [f"long long {p}{j}_s{d}" for p, n in (("a", nl), ("o", no)) for j in range(n)
               for d in range(len(perm))]
    params = ", ".join(ptrs + strides)
    args = ", ".join([f"a{j}_p" for j in range(nl)] + [f"o{j}_p" for j in range(no)]
                     + [f"c{j}" for j in range(len(consts))]
                     + [s.split()[-1] for s in strides])
    lines = [header(), "",
             f"typedef {rt} gpuad_red_t;",
             "#define GPUAD_INF ((gpuad_red_t)__int_as_float(0x7f800000))",
             "__device__ __forceinline__ void gpuad_fold(gpuad_red_t& acc, gpuad_red_t v) {",
             f"    {fold}", "}", "",
             f"__device__ __forceinline__ gpuad_red_t gpuad_elem({params}, long long m, "
             "long long k) {"]
    for part, var, dims in (("kept", "m", perm[:nk]), ("reduced", "k", perm[nk:])):
        if not dims:
            continue
        lines.append(f"    long long r_{var} = {var};  // the {part} axes")
        for pos in range(len(dims) - 1, -1, -1):
            d = int(shape[dims[pos]])
            axis = (0 if var == "m" else nk) + pos
            if pos:
                lines.append(f"    const long long i{axis} = r_{var} % {d}LL; r_{var} /= {d}LL;")
            else:
                lines.append(f"    const long long i{axis} = r_{var};")
    for p, n in (("a", nl), ("o", no)):
        for j in range(n):
            off = " + ".join(f"i{d} * {p}{j}_s{d}" for d in range(len(perm))) or "0"
            lines.append(f"    const long long {p}{j}_off = {off};")
    for j, (_, dt) in enumerate(spec.loads):
        lines.append(f"    const {_C[dt.name]} a{j} = a{j}_p[a{j}_off];")
    for ln in text.splitlines():
        if ln.startswith("o"):  # "ok = tv;" -> a store through the output's offset
            k, val = ln[1:].split(" = ")
            lines.append(f"    o{k}_p[o{k}_off] = {val}")
        else:
            lines.append(f"    {ln}")
    lines += [f"    return {names[spec.red_of]};", "}", "",
              "__device__ __forceinline__ gpuad_red_t gpuad_post(gpuad_red_t r) {"]
    if spec.post:  # the steps on the reduced value (a mean's divide), in the step's dtype
        pspec = post_spec(spec)
        pnames = {v: f"p{k}" for k, (v, _, _) in enumerate(pspec.stmts)}
        for tname, ptext in statements(pspec, _lang(), lambda k: "r", pnames.__getitem__):
            lines.append(f"    const gpuad_red_t {tname} = {ptext};")
        lines.append(f"    return {pnames[spec.post[-1].out]};")
    else:
        lines.append("    return r;")
    lines += ["}", "",
              f'extern "C" __global__ void {name}_rows({params}, long long GPUAD_M, '
              "long long GPUAD_K, gpuad_red_t* __restrict__ out) {",
              "    for (long long m = (long long)blockIdx.x * blockDim.x + threadIdx.x; "
              "m < GPUAD_M; m += (long long)blockDim.x * gridDim.x) {",
              f"        gpuad_red_t acc = {ident};",
              "        for (long long k = 0; k < GPUAD_K; ++k)",
              f"            gpuad_fold(acc, gpuad_elem({args}, m, k));",
              "        out[m] = gpuad_post(acc);", "    }", "}", "",
              f'extern "C" __global__ void {name}_part({params}, long long GPUAD_M, '
              "long long GPUAD_K, gpuad_red_t* __restrict__ part) {",
              f"    __shared__ gpuad_red_t sdata[{BLOCK}];",
              "    const int tid = threadIdx.x;",
              "    for (long long m = blockIdx.y; m < GPUAD_M; m += gridDim.y) {",
              f"        gpuad_red_t acc = {ident};",
              f"        for (long long k = (long long)blockIdx.x * {BLOCK} + tid; k < GPUAD_K; "
              f"k += (long long)gridDim.x * {BLOCK})",
              f"            gpuad_fold(acc, gpuad_elem({args}, m, k));",
              "        sdata[tid] = acc;",
              "        __syncthreads();",
              f"        for (int s = {BLOCK} / 2; s > 0; s >>= 1) {{",
              "            if (tid < s) gpuad_fold(sdata[tid], sdata[tid + s]);",
              "            __syncthreads();",
              "        }",
              "        if (tid == 0) part[m * gridDim.x + blockIdx.x] = sdata[0];",
              "        __syncthreads();",
              "    }", "}", "",
              f'extern "C" __global__ void {name}_fin(const gpuad_red_t* __restrict__ part, '
              "gpuad_red_t* __restrict__ out, int nparts, long long GPUAD_M) {",
              "    for (long long m = (long long)blockIdx.x * blockDim.x + threadIdx.x; "
              "m < GPUAD_M; m += (long long)blockDim.x * gridDim.x) {",
              f"        gpuad_red_t acc = {ident};",
              "        for (int g = 0; g < nparts; ++g) gpuad_fold(acc, part[m * nparts + g]);",
              "        out[m] = gpuad_post(acc);", "    }", "}", ""]
    return "\n".join(lines)


def _lengths(spec: Spec) -> tuple[int, int]:
    """The number of outputs of the reduction of ``spec`` and of elements folded into each."""
    M = K = 1
    for k, d in enumerate(spec.shape):
        if k in spec.axes:
            K *= int(d)
        else:
            M *= int(d)
    return M, K


def launch_plan(spec: Spec) -> tuple:
    """``("rows", grid)`` or ``("split", (parts, rows of the grid))``: how the reduction of
    ``spec`` is launched (fixed by the shape, so the order of additions is too)."""
    M, K = _lengths(spec)
    if K <= ROWS:
        return "rows", max(1, min(-(-M // 128), 1 << 16))
    parts = max(1, min(-(-2048 // M), -(-K // BLOCK)))
    return "split", (parts, max(1, min(M, 65535)))


class CudaReduceKernel:
    """The fused step of a group ending in a reduction, on the GPU: the kernels of
    :func:`reduce_source` (one module, compiled when the group is made). On its first call
    its results are compared with the group's whole-array evaluation (the stored values and
    the reduction, within 64 ulps of the magnitudes involved, NaN where it has NaN); a kernel
    that fails to compile, to launch or this check is replaced by that evaluation, with a
    warning: the same values, without the fusion."""

    def __init__(self, spec: Spec, xp, module):
        self.spec = spec
        self.xp = xp
        self.name = "gpuad_fused_red"
        self.mod = module
        self.plan = launch_plan(spec)
        self.consts = constants(spec)
        self.mk = tuple(_np_int64(n) for n in _lengths(spec))
        self.fallback = None
        self.checked = False
        axes = spec.axes
        kept = [k for k in range(len(spec.shape)) if k not in axes]
        self.perm = tuple(kept) + tuple(axes)

    def _strides(self, a) -> list:
        xp = self.xp
        v = xp.broadcast_to(a, self.spec.shape).transpose(self.perm)
        return [_np_int64(s // v.itemsize) for s in v.strides]

    takes_out = True

    def _launch(self, arrays, out=None):
        xp, spec = self.xp, self.spec
        outs = out_arrays(self, xp, out)
        rdt = _red_dtype(spec)
        res = xp.empty(spec.red_shape, rdt)
        strides = [s for a in (*arrays, *outs) for s in self._strides(a)]
        mode, dims = self.plan
        consts, (M, K) = self.consts, self.mk
        if mode == "rows":
            f = self.mod.get_function(f"{self.name}_rows")
            f((dims,), (128,), (*arrays, *outs, *consts, *strides, M, K, res))
        else:
            parts, rows = dims
            part = xp.empty(int(res.size) * parts, rdt)
            self.mod.get_function(f"{self.name}_part")(
                (parts, rows), (BLOCK,), (*arrays, *outs, *consts, *strides, M, K, part))
            fin = self.mod.get_function(f"{self.name}_fin")
            fin((max(1, min(-(-int(res.size) // 128), 1 << 16)),), (128,),
                (part, res, _np_int32(parts), M))
        return outs, res

    def __call__(self, *arrays, out=None):
        if self.fallback is not None:
            return self.fallback(*arrays, out=out)
        if self.checked:
            outs, res = self._launch(arrays, out)
            return finish(self.spec, outs, res, final=True)
        ref = ArrayKernel(outside_spec(self.spec), self.xp)
        try:
            outs, res = self._launch(arrays, out)
            problem = self._compare(ref, arrays, outs, res)
        except Exception as e:  # compilation happens on the first launch
            problem = f"{type(e).__name__}: {str(e)[:500]}"
        if problem:
            import warnings

            warnings.warn(f"gpuad.jit: a fused reduction kernel failed ({problem}); its group "
                          f"runs as separate array calls. Kernel body:\n{body(self.spec)}",
                          RuntimeWarning, stacklevel=2)
            self.fallback = ref
            return ref(*arrays, out=out)
        self.checked = True
        return finish(self.spec, outs, res, final=True)

    def _compare(self, ref, arrays, outs, res) -> str:
        xp, spec = self.xp, self.spec
        raw = ref.values(*arrays)
        want = finish(ref.spec, raw)
        vals = raw[[v for v, _ in ref.spec.outs].index(spec.red_of)]
        # a float64 value computed from float32 statements (float32 math functions of another
        # library than the reference's) carries their rounding
        eps = max(float(_np.finfo(dt).eps) for _, dt, _ in spec.stmts)
        for k in range(spec.nstores):
            w = want[k]
            if w.dtype == _np.bool_:  # a mask: exact
                if outs[k].shape != w.shape or not bool(xp.all(outs[k] == w)):
                    return f"stored mask {k} differs from the whole-array evaluation"
                continue
            top = xp.max(xp.abs(xp.where(xp.isfinite(w), w, 0))) if w.size else 0
            if not _agree(xp, outs[k], w, 64 * eps * float(top)):
                return f"stored value {k} differs from the whole-array evaluation"
        w = want[-1]
        mag = xp.where(xp.isfinite(vals), xp.abs(vals), 0)
        red = {"sum": xp.sum, "max": xp.max, "min": xp.max}[spec.red_op]
        scale = red(mag, axis=spec.axes, keepdims=spec.keepdims)
        scale = xp.abs(apply_post(spec.post, scale))  # the post steps scale it linearly
        tol = 64 * eps * scale + float(_np.finfo(_red_dtype(spec)).tiny)
        if not _agree(xp, res, w, tol):
            return f"its {spec.red_op} differs from the whole-array evaluation"
        return ""


def _agree(xp, got, want, tol) -> bool:
    if got.shape != want.shape:
        return False
    with _np.errstate(invalid="ignore"):  # inf - inf where both are inf: compared below
        return _agree_values(xp, got, want, tol)


def _agree_values(xp, got, want, tol) -> bool:
    same_nan = bool(xp.all(xp.isnan(got) == xp.isnan(want)))
    fin = xp.isfinite(want)
    close = xp.where(fin, xp.abs(got - want) <= tol, (got == want) | xp.isnan(want))
    return same_nan and bool(xp.all(close))


_np_int64, _np_int32 = _np.int64, _np.int32


def make_reduce(spec: Spec, xp):
    """The kernel of a group ending in a reduction (:class:`CudaReduceKernel`), or
    whole-array calls with the backend's reduction where CuPy cannot compile one (and for a
    group with no elements, whose ``max`` must raise as the backend's does, or no arrays)."""
    if not spec.shape or 0 in spec.shape or not (spec.loads or spec.outs):
        return ArrayKernel(outside_spec(spec), xp)
    src = reduce_source(spec, "gpuad_fused_red")
    h = hashlib.sha256(src.encode()).hexdigest()[:16]
    with _LOCK:
        mod = _KERNELS.get(h)
        STATS["reused" if mod is not None else "built"] += 1
        if mod is None:
            try:
                from ..backends import cuda_sources

                mod = xp.RawModule(code=src, options=cuda_sources.OPTIONS)
            except NotImplementedError:  # no CUDA compiler (the CPU stand-in)
                mod = False
            _KERNELS[h] = mod
    if mod is False:
        a = ArrayKernel(outside_spec(spec), xp)
        a.cuda = src
        return a
    k = CudaReduceKernel(spec, xp, mod)
    k.cuda = src
    return k
