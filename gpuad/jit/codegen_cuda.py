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

from .kernels import ArrayKernel, Lang, Spec, finish, out_arrays, result_names, statements

_C = {"float32": "float", "float64": "double"}
_LOCK = threading.Lock()
_KERNELS: dict[str, object] = {}


def _lang() -> Lang:
    def num(x, dt):
        return f"(({_C[dt.name]}){float(x)!r})"

    def call(f, a, dt):
        from ..prims.expr import FUNCTIONS

        return f"gpuad::{FUNCTIONS[f].cuda}({a})"

    def guard(r, gs, dt):
        if not gs:
            return r
        zero = " && ".join([f"{g} == 0" for g in gs] + [f"!isfinite({r})"])
        return f"(({zero}) ? ({_C[dt.name]})0 : {r})"

    return Lang(num, lambda a, dt: f"(({_C[dt.name]}){a})", call,
                lambda a, op, b, dt: f"(({_C[dt.name]})({a} {op} {b}))", guard)


def header() -> str:
    """The eager kernels' shared header (the ``ad_*`` math functions), as text."""
    from ..backends import cuda_sources

    return dict(cuda_sources.list_headers())["gpuad_vjp.cuh"]


def body(spec: Spec) -> str:
    """The per-element statements: reads ``a0..``, writes ``o0..``."""
    lines = []
    for name, text in statements(spec, _lang(), lambda k: f"a{k}"):
        v = int(name[1:])
        dt = next(d for u, d, _ in spec.stmts if u == v)
        lines.append(f"const {_C[dt.name]} {name} = {text};")
    for k, name in enumerate(result_names(spec)):
        lines.append(f"o{k} = {name};")
    return "\n".join(lines)


def params(spec: Spec) -> tuple[str, str]:
    ins = ", ".join(f"{dt.name} a{k}" for k, (_, dt) in enumerate(spec.loads))
    outs = ", ".join(f"{dt.name} o{k}" for k, (_, dt) in enumerate(spec.outs))
    return ins, outs


def raw_source(spec: Spec, name: str) -> str:
    """The group as a standalone kernel ``name(a0.., o0.., n)`` over contiguous arrays."""
    args = [f"const {_C[dt.name]}* __restrict__ a{k}_p" for k, (_, dt) in enumerate(spec.loads)]
    args += [f"{_C[dt.name]}* __restrict__ o{k}_p" for k, (_, dt) in enumerate(spec.outs)]
    lines = [header(), "", f'extern "C" __global__ void {name}({", ".join(args)}, long long n) {{',
             "    const long long stride = (long long)blockDim.x * gridDim.x;",
             "    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;"
             " i += stride) {"]
    for k, (_, dt) in enumerate(spec.loads):
        lines.append(f"        const {_C[dt.name]} a{k} = a{k}_p[i];")
    for k, (_, dt) in enumerate(spec.outs):
        lines.append(f"        {_C[dt.name]} o{k};")
    lines += ["        " + ln for ln in body(spec).splitlines()]
    for k in range(len(spec.outs)):
        lines.append(f"        o{k}_p[i] = o{k};")
    lines += ["    }", "}", ""]
    return "\n".join(lines)


class CupyKernel:
    """The fused step of one group on the GPU: an ``ElementwiseKernel`` writing into fresh
    outputs of the group's shape, then the trailing reduction if any. Should the kernel fail
    to compile (on its first call), the group runs as whole-array calls instead, with a
    warning that carries the compiler's message: the same values, without the fusion."""

    def __init__(self, spec: Spec, xp, kernel):
        self.spec = spec
        self.xp = xp
        self.kernel = kernel
        self.fallback = None
        self.checked = False

    takes_out = True

    def __call__(self, *arrays, out=None):
        if self.fallback is not None:
            return self.fallback(*arrays, out=out)
        xp = self.xp
        outs = out_arrays(self, xp, out)
        if self.checked:
            self.kernel(*arrays, *outs)
        else:
            try:
                self.kernel(*arrays, *outs)
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
    ins, outs = params(spec)
    text = body(spec)
    h = hashlib.sha256(f"{ins}|{outs}|{text}".encode()).hexdigest()[:16]
    with _LOCK:
        k = _KERNELS.get(h)
        if k is None:
            try:
                k = xp.ElementwiseKernel(ins, outs, text, f"gpuad_fused_{h}",
                                         preamble=header())
            except NotImplementedError:  # no CUDA compiler (the CPU stand-in)
                k = False
            _KERNELS[h] = k
    if k is False:
        a = ArrayKernel(spec, xp)
        a.cuda = text
        return a
    c = CupyKernel(spec, xp, k)
    c.cuda = text
    return c
