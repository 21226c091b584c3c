"""Every primitive gpuad declares, wherever it is declared: :func:`load_all`.

The op table (``RULES``, :mod:`gpuad.prims.core`) fills as modules are imported. Most
primitives live in this package, but some are declared next to the code that uses them; this
module names those modules, so that walking the table (the kernel generator, the tests) sees all
of them, not just what happened to be imported.
"""

from __future__ import annotations

import importlib

#: modules outside gpuad/prims that declare primitives
DECLARING_MODULES: tuple[str, ...] = (
    "gpuad.rules",
    "gpuad.linalg_rules",
    "gpuad.complex_rules",
    "gpuad.custom",
    "gpuad._numpy_protocol",
    "gpuad.numpy._more_math",
    "gpuad.numpy.fft",
    "gpuad.scipy._special_rules",
    "gpuad.scipy.stats._common",
    "gpuad.scipy.integrate",
)


def load_all() -> dict:
    """The op table after importing every module that declares primitives: name -> Primitive.

    Example: ``sorted(load_all())[:3]``
    """
    import gpuad  # noqa: F401  (installs the container protocol, which declares stack_list)

    for name in DECLARING_MODULES:
        importlib.import_module(name)
    from .core import RULES

    return RULES
