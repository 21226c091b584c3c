"""Arrays from nested lists and tuples that hold device arrays.

NumPy builds ``numpy.array([a, 2 * a, 3.0])`` from anything; CuPy stacks a list only when it
holds CuPy arrays of one shape and nothing else, and otherwise converts it on the host, where a
CuPy array refuses (``TypeError: Implicit conversion to a NumPy array is not allowed``). Here
each element becomes a device array on its own (numbers and NumPy arrays are copied to the
device explicitly) and the elements are stacked, with NumPy's result dtype.

Example: ``from_nested(cupy, [a, 3.0])`` is ``cupy.stack([a, cupy.asarray(3.0)])``.
"""

from __future__ import annotations

from typing import Any

_SEQ = (list, tuple)


def holds(obj, array_type: type) -> bool:
    """Whether the (nested) list or tuple ``obj`` holds an array of type ``array_type``."""
    for e in obj:
        if type(e) is array_type or (e.__class__ in _SEQ and holds(e, array_type)):
            return True
    return False


def from_nested(xp, obj, dtype: Any = None):
    """The array ``numpy.array(obj, dtype)`` would give, built on the device of ``xp``."""
    items = [from_nested(xp, e) if e.__class__ in _SEQ else xp.asarray(e) for e in obj]
    if not items:
        return xp.asarray(obj, dtype=dtype)
    shapes = {tuple(e.shape) for e in items}
    if len(shapes) != 1:
        raise ValueError(
            f"cannot make an array from a sequence whose elements have different shapes "
            f"{[tuple(e.shape) for e in items]} (an inhomogeneous list); use concatenate or "
            f"pad the elements to one shape")
    out = xp.stack(items)
    return out if dtype is None else out.astype(dtype, copy=False)
