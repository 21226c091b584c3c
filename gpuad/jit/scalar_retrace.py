"""A warning when a compiled function keeps tracing for new values of its Python numbers.

Python ints and bools passed to a jitted function are part of its signature (docs/jit.md;
floats too, for a function that needs their values: gpuad.jit.weak): each new value traces and
compiles the function again. A loop counter passed as an argument then compiles on every call
and the cache churns. After
:data:`LIMIT` traces that differ only in such values, :func:`note_trace` warns once per
function and argument structure, naming the arguments whose values changed and what to do.
"""

from __future__ import annotations

import warnings

#: traces for new number values (the same shapes otherwise) before the warning
LIMIT = 8


class RetraceWarning(UserWarning):
    """A jitted function traced again and again for new values of its Python number
    arguments (see :mod:`gpuad.jit.scalar_retrace`)."""


def _shape_of(key):
    """The key with each Python number's value replaced by its type, and the positions of
    those numbers among the flattened arguments; None for a key of another form."""
    if not isinstance(key, tuple) or len(key) < 2 or not isinstance(key[1], tuple):
        return None, ()
    parts, where = [], []
    for i, k in enumerate(key[1]):
        if isinstance(k, tuple) and k and k[0] == "S":
            parts.append(("S", type(k[1]).__name__ if not isinstance(k[1], tuple)
                          else tuple(type(x).__name__ for x in k[1])))
            where.append(i)
        else:
            parts.append(k)
    return (key[0], tuple(parts), *key[2:]), tuple(where)


class Tracker:
    """Per jitted function: the number values traced for each argument structure."""

    def __init__(self):
        self.values: dict = {}  # structure -> set of the numbers' value keys
        self.warned: set = set()

    def note_trace(self, fn, key) -> None:
        shape, where = _shape_of(key)
        if not where or shape in self.warned:
            return
        seen = self.values.setdefault(shape, set())
        seen.add(tuple(key[1][i] for i in where))
        if len(seen) < LIMIT:
            return
        self.warned.add(shape)
        self.values.pop(shape, None)
        changed = sorted({i for i in where if len({v[where.index(i)] for v in seen}) > 1})
        name = getattr(fn, "__name__", "the function")
        warnings.warn(
            f"gpuad.jit: {name} was traced {LIMIT} times for new values of its Python number "
            f"argument(s) (flattened argument position(s) {changed}); each value is part of "
            f"the signature, so every new value compiles the function again. Pass a value "
            f"that changes from call to call as a 0-d array of the dtype it computes in "
            f"(gnp.asarray(lr, dtype=...)), which one program replays for every value, or as "
            f"a static argument if it takes few values",
            RetraceWarning, stacklevel=4)
