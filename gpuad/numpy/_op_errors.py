"""Argument errors that name the function the user called.

A NumPy-named function composed of other ops (``diagonal`` of ``moveaxis``, ``inner`` of
``tensordot``, ``ptp`` of ``max``, ``take`` of indexing) would otherwise raise with the name
of the piece that failed, or with NumPy's bare message; the wrapper puts the public name and
the inputs' shapes in front, keeping the exception's class (AxisError stays AxisError).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as _np

_PLAIN = (ValueError, IndexError, TypeError, _np.exceptions.AxisError)


def _shapes(args) -> list[str]:
    out = []
    for a in args:
        if isinstance(a, type):
            continue
        shp = getattr(a, "shape", None)
        if shp is not None:
            out.append(str(tuple(shp)))
        elif isinstance(a, list | tuple) and a and all(hasattr(x, "shape") for x in a):
            out.append("[" + ", ".join(str(tuple(x.shape)) for x in a) + "]")
    return out


def naming_errors(fn: Callable, name: str) -> Callable:
    """``fn`` whose ValueError, IndexError, TypeError and AxisError start with ``name:``."""

    @functools.wraps(fn)
    def call(*args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except _PLAIN as e:
            msg = str(e)
            if type(e) not in _PLAIN or msg.startswith(name + ":"):
                raise
            shapes = _shapes(args)
            if shapes and "shape" not in msg:
                msg += f" (inputs of shapes {', '.join(shapes)})"
            raise type(e)(f"{name}: {msg}") from e

    return call


#: the functions whose errors came with another op's name (or none)
NAMED = ("sort", "argsort", "partition", "argpartition", "searchsorted", "lexsort", "take",
         "put", "choose", "compress", "diagonal", "trace", "dot", "vdot", "inner", "outer",
         "ptp", "repeat", "swapaxes", "moveaxis", "rollaxis", "argmax", "argmin", "cumsum",
         "cumprod", "resize", "roll", "nonzero", "flatnonzero", "argwhere", "ravel",
         "take_along_axis", "count_nonzero", "where", "isclose")


def name_errors(namespace: dict) -> None:
    for name in NAMED:
        fn = namespace[name]
        if not hasattr(fn, "rule"):  # (a primitive names itself)
            namespace[name] = naming_errors(fn, name)
