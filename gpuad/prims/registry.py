"""Every primitive gpuad declares, wherever it is declared: :func:`load_all`.

The op table (``RULES``, :mod:`gpuad.prims.core`) fills as modules are imported. Most
primitives live in this package, but some are declared next to the code that uses them; this
module names those modules, so that walking the table (the kernel generator, the tests) sees all
of them, not just what happened to be imported.
"""

from __future__ import annotations

import importlib
import importlib.util

#: modules outside gpuad/prims that declare primitives
DECLARING_MODULES: tuple[str, ...] = (
    "gpuad.rules",
    "gpuad.linalg_rules",
    "gpuad.complex_rules",
    "gpuad.custom",
    "gpuad._numpy_protocol",
    "gpuad.numpy._more_math",
    "gpuad.numpy._more_api",
    "gpuad.numpy._more_hist",
    "gpuad.numpy.fft",
    "gpuad.jit.random",
    "gpuad.random",
    "gpuad.host",
    "gpuad._random_dists",
    "gpuad.linalg_extra",
    "gpuad.linalg_schur",
    "gpuad.linalg_matfuncs",
    "gpuad._lax_elementwise",
    "gpuad.lax_solves",
)
#: those that need SciPy (an optional dependency): walked where it is installed
SCIPY_MODULES: tuple[str, ...] = (
    "gpuad.scipy._special_rules",
    "gpuad.scipy._special_more",
    "gpuad.scipy._special_complex",
    "gpuad.scipy.stats._common",
    "gpuad.scipy.integrate",
)


def load_all() -> dict:
    """The op table after importing every module that declares primitives: name -> Primitive.

    Example: ``sorted(load_all())[:3]``
    """
    import gpuad  # noqa: F401  (installs the container protocol, which declares stack_list)

    have_scipy = importlib.util.find_spec("scipy") is not None
    for name in DECLARING_MODULES + (SCIPY_MODULES if have_scipy else ()):
        importlib.import_module(name)
    from .core import RULES

    return RULES


SLOTS: tuple[str, ...] = ("impl", "vjp", "jvp", "saves", "shape", "dtype", "batch", "exprs")


def slots(p) -> dict[str, bool]:
    """Which slots of primitive ``p`` are filled (``vjp``/``jvp``: at least one formula).

    Example: ``slots(load_all()["sin"])["exprs"]`` is True.
    """
    from .core import Primitive

    jvp_fn = getattr(p.jvp, "__func__", p.jvp)
    own_jvp = jvp_fn is not Primitive._no_jvp and \
        not getattr(jvp_fn, "__qualname__", "").startswith("_jvp_form")
    return {
        "impl": callable(p.impl),
        "vjp": p.vjp_n is not None or p.vjp_all is not None
        or any(f is not None for f in p.vjps or ()),
        "jvp": p.jvp_n is not None or any(f is not None for f in p.jvps or ()) or own_jvp,
        "saves": p.saves is not None,
        "shape": p.shape is not None,
        "dtype": p.dtype is not None,
        "batch": p.batch is not None,
        "exprs": p.exprs is not None,
    }


def slot_table() -> list[str]:
    """One line per registered primitive: its name, kind and filled (x) or empty (.) slots."""
    table = load_all()
    width = max(len(n) for n in table)
    lines = [f"{'primitive'.ljust(width)}  kind     {' '.join(SLOTS)}"]
    for name in sorted(table):
        p = table[name]
        kind = "nondiff" if p.nondiff else "diff"
        cells = " ".join(("x" if filled else ".").center(len(s))
                         for s, filled in slots(p).items())
        lines.append(f"{name.ljust(width)}  {kind.ljust(7)}  {cells}")
    return lines
