"""The module ``__getattr__`` of a ``gpuad.scipy`` module: a SciPy name it lacks raises an
AttributeError saying what to use instead (from the module's table), others the usual one."""

from __future__ import annotations

from collections.abc import Callable


def absent_names(module: str, table: dict[str, str]) -> Callable[[str], None]:
    """``__getattr__`` for ``module``. Example: ``__getattr__ = absent_names(__name__, _ABSENT)``"""

    def __getattr__(name: str) -> None:
        if name in table:
            raise AttributeError(f"module {module!r} has no attribute {name!r}: {table[name]}")
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
