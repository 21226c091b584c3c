"""The fused elementwise CUDA kernels, generated from the primitives' ``exprs`` slots.

Each elementwise primitive with an ``exprs`` slot (:mod:`gpuad.prims.expr`) gets

- an adjoint kernel per input whose adjoint reads a saved value (``out (+)= adjoint``, zero
  where ``g`` is; an adjoint that reads ``g`` alone is passed on by the engine without one),
- a forward kernel where it declares a forward expression (binary ones also with a scalar
  operand on either side: ``_xc`` and ``_cx``).

:func:`vjp_kernels` and :func:`fwd_kernels` are the CuPy backend's tables (rule -> kernels);
:func:`sources` the text of ``kernels/elementwise_vjp.cu`` and ``kernels/elementwise_fwd.cu``,
which are checked in (readable, and compiled by NVRTC in the tests like every source there).
After editing an expression, regenerate them::

    python -m gpuad.backends.kernel_gen          # rewrite kernels/*.cu
    python -m gpuad.backends.kernel_gen --check  # exit 1 if they are out of date
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path

VJP_FILE = "elementwise_vjp.cu"
FWD_FILE = "elementwise_fwd.cu"
_OPERAND_NAMES = {1: ("v",), 2: ("u", "v")}
_MACRO_VJP = {1: "GPUAD_VJP1", 2: "GPUAD_VJP2"}
_MACRO_FWD = {1: "GPUAD_MAP1", 2: "GPUAD_MAP2"}


@dataclass(frozen=True)
class VjpKernel:
    """The fused adjoint of input ``argnum`` (named ``input``) of ``rule`` (``arity`` inputs).

    ``operands``: what the kernel reads besides ``g``, in its order ("ans" or an input's
    index); ``cuda``: the expression over ``gi`` and ``v`` (or ``u, v``) for the macros of
    ``kernels/gpuad_vjp.cuh``; ``cupy``: the same over ``g``, ``v`` (``u``) for a CuPy
    ``ElementwiseKernel`` where operands broadcast, None where it calls a function of ours.
    """

    rule: str
    arity: int
    argnum: int
    input: str
    name: str
    expr: str
    operands: tuple[str | int, ...]
    reads: tuple[str, ...]
    cuda: str
    cupy: str | None

    @property
    def cupy_params(self) -> str:
        return ", ".join(f"T {n}" for n in ("g", *_OPERAND_NAMES[len(self.operands)]))


@dataclass(frozen=True)
class FwdKernel:
    """The forward kernel ``name`` of ``rule`` (``arity`` array inputs), with the scalar
    variants ``{"xc": ..., "cx": ...}`` of a binary one (the scalar ``c`` second or first)."""

    rule: str
    name: str
    expr: str
    arity: int
    cuda: str
    scalar: tuple[tuple[str, str], ...] = ()


def _primitives() -> list:
    from ..prims.registry import load_all

    return [p for p in load_all().values() if p.exprs is not None]


def _vjp_of(p) -> dict[int, VjpKernel]:
    from ..prims import expr as E

    inputs = E.input_names(p.impl)
    names = ("g", "ans", *inputs)
    found: list[tuple[int, str, tuple, str, str | None]] = []
    for i, src in enumerate(p.exprs.vjp):
        if src is None:
            continue
        read = [n for n in E.reads(src, names) if n != "g"]
        if not read:
            continue  # g alone (or a constant): nothing to fuse
        if len(read) not in _OPERAND_NAMES:
            raise E.ExprError(f"{p.name}: adjoint {i} {src!r} reads {read}; a fused kernel "
                              f"reads at most two saved values")
        operands = tuple("ans" if n == "ans" else inputs.index(n) for n in read)
        rename = dict(zip(read, _OPERAND_NAMES[len(read)], strict=True))
        cuda = E.to_c(src, {"g": "gi", **rename})
        # CuPy kernels for broadcasting operands: binary rules, plain arithmetic
        cupy = None if len(inputs) < 2 or E.calls_or_constants(src) else \
            E.to_c(src, {"g": "g", **rename})
        found.append((i, src, operands, tuple(read), cuda, cupy))
    # inputs whose kernels would be the same text share one (multiply's g * y and g * x)
    first = {}
    for i, _, operands, _, cuda, _ in found:
        first.setdefault((len(operands), cuda), i)
    out = {}
    for i, src, operands, read, cuda, cupy in found:
        k = first[(len(operands), cuda)]
        name = f"{p.name}_vjp" if len(first) == 1 else f"{p.name}_vjp{k}"
        out[i] = VjpKernel(p.name, len(inputs), i, inputs[i], name, src, operands, read, cuda, cupy)
    return out


@functools.cache
def vjp_kernels() -> dict[str, dict[int, VjpKernel]]:
    """rule name -> {argnum: its fused adjoint kernel}, for every rule that has one."""
    table = {}
    for p in _primitives():
        kernels = _vjp_of(p)
        if kernels:
            table[p.name] = kernels
    return table


@functools.cache
def fwd_kernels() -> dict[str, FwdKernel]:
    """rule name -> its forward kernel, for every rule that declares a forward expression."""
    from ..prims import expr as E

    table = {}
    for p in _primitives():
        src = p.exprs.fwd
        if src is None:
            continue
        inputs = E.input_names(p.impl)
        if len(inputs) not in _MACRO_FWD:
            raise E.ExprError(f"{p.name}: forward kernels take one or two inputs, not "
                              f"{len(inputs)}")
        pos = ("x", "y")[: len(inputs)]
        cuda = E.to_c(src, dict(zip(inputs, pos, strict=True)))
        scalar: tuple[tuple[str, str], ...] = ()
        if len(inputs) == 2:
            scalar = (("xc", E.to_c(src, {inputs[0]: "x", inputs[1]: "c"})),
                      ("cx", E.to_c(src, {inputs[0]: "c", inputs[1]: "x"})))
        table[p.name] = FwdKernel(p.name, f"{p.name}_fwd", src, len(inputs), cuda, scalar)
    return table


def kernel_names() -> dict[str, set[str]]:
    """file name -> the kernel templates the tables use (what the generated file defines)."""
    vjp = {k.name for ks in vjp_kernels().values() for k in ks.values()}
    fwd = set()
    for k in fwd_kernels().values():
        fwd.add(k.name)
        fwd.update(f"{k.name}_{side}" for side, _ in k.scalar)
    return {VJP_FILE: vjp, FWD_FILE: fwd}


_GENERATED = (
    "// GENERATED by `python -m gpuad.backends.kernel_gen` from the `exprs` slots of the\n"
    "// primitives (gpuad/prims/elementwise.py): edit those and regenerate, not this file\n"
    "// (tests/test_kernel_gen.py checks that it is current).\n")


def _table(rows: list[tuple[str, str, str, str]]) -> list[str]:
    """``MACRO(name, body)  // note`` lines, in aligned columns."""
    head = max(len(f"{m}({n},") for m, n, _, _ in rows)
    body = max(len(b) for _, _, b, _ in rows) + 1
    return [f"{f'{m}({n},'.ljust(head)} {(b + ')').ljust(body)}  // {note}".rstrip()
            for m, n, b, note in rows]


def _vjp_source() -> str:
    lines = [
        "// Fused first-order adjoints of gpuad's elementwise primitives: out (+)= adjoint, with",
        "// `gi` the output's adjoint and `v` (`u`, `v`) the saved values read; a zero `gi`",
        "// contributes exactly zero. Instantiated for float and double.",
        _GENERATED.rstrip("\n"),
        '#include "gpuad_vjp.cuh"',
        "",
    ]
    rows = []
    for kernels in vjp_kernels().values():
        for k in kernels.values():
            if k.argnum != min(a for a, o in kernels.items() if o.name == k.name):
                continue  # one kernel serves several inputs
            uses = "; ".join(
                f"{o.input}: {o.expr} (" + ", ".join(
                    f"{a} = {n}" for a, n in zip(_OPERAND_NAMES[len(o.operands)], o.reads,
                                                 strict=True)) + ")"
                for o in kernels.values() if o.name == k.name)
            rows.append((_MACRO_VJP[len(k.operands)], k.name, k.cuda, f"{k.rule}, {uses}"))
    lines += _table(rows)
    return "\n".join(lines) + "\n"


def _fwd_source() -> str:
    lines = [
        "// Forward kernels of elementwise primitives, for large contiguous float32/float64",
        "// arrays: one unrolled pass each, where CuPy's generic ufunc loop reaches about half",
        "// the card's bandwidth. Each computes what NumPy computes; `_xc`/`_cx`: the scalar `c`",
        "// (cast to the array's type) second or first.",
        _GENERATED.rstrip("\n"),
        '#include "gpuad_vjp.cuh"',
        "",
    ]
    rows = []
    for k in fwd_kernels().values():
        args = "x, y" if k.arity == 2 else "x"
        rows.append((_MACRO_FWD[k.arity], k.name, k.cuda, f"{k.rule}({args})"))
        for side, body in k.scalar:
            rows.append(("GPUAD_MAPC", f"{k.name}_{side}", body,
                         f"{k.rule}({'x, c' if side == 'xc' else 'c, x'}), c a scalar"))
    lines += _table(rows)
    return "\n".join(lines) + "\n"


def sources() -> dict[str, str]:
    """file name -> the generated text of that kernel source."""
    return {VJP_FILE: _vjp_source(), FWD_FILE: _fwd_source()}


def _repo_kernels() -> Path:
    from .cuda_sources import kernel_dir

    return kernel_dir()


def stale(folder: Path | None = None) -> list[str]:
    """The generated files whose text in ``folder`` (the repository's kernels/) differs."""
    folder = _repo_kernels() if folder is None else folder
    out = []
    for name, text in sources().items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            out.append(name)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    folder = _repo_kernels()
    if "--check" in argv:
        bad = stale(folder)
        if bad:
            print(f"out of date in {folder}: {', '.join(bad)}; run python -m "
                  f"gpuad.backends.kernel_gen", file=sys.stderr)
            return 1
        return 0
    for name, text in sources().items():
        (folder / name).write_text(text, encoding="utf-8")
        print(f"wrote {folder / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
