"""Named vmap axes: the bindings ``vmap(f, axis_name=...)`` makes, and the two steps every
collective of :mod:`gpuad.lax` is built from.

A collective runs inside a vmap over the examples of one level, each example standing for one
device of JAX's SPMD picture. Two views of a value not batched over that level meet here:

- while the vmap runs (``grad`` taken inside it), such a value is *replicated*: every example
  holds a copy, and a cotangent not batched over the level is each copy's cotangent. This is
  JAX's rule, where the transpose of ``psum`` is ``psum`` of the cotangent (so ``psum`` of a
  cotangent shared by every example counts it once per example);
- after the vmap has returned (``grad`` of the whole batched program), it is one value and its
  cotangent is the total, as for every other step of gpuad's batched programs.

Only two steps need to know which view holds: :func:`psum_level` (the sum over a level; its
cotangent is the total of its result's copies, given to every example) and :func:`pvary` (a
value made batched over a level, one copy per example). Every other collective is built from
those two and ordinary operations (a gather is the psum of each example's row placed in zeros),
so its derivatives, in both modes and to any order, follow.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from ..tensor import Tensor
from . import ACTIVE, _boundary, _engine, _insert_level

#: the named vmap axes bound now, innermost last: (name, level, size)
BOUND: list[tuple[Any, int, int]] = []


def lookup(name: Any, op: str) -> tuple[int, int]:
    """(level, size) of the innermost running vmap named ``name``; NameError if none is."""
    for n, level, size in reversed(BOUND):
        if n == name:
            return level, size
    names = [n for n, _, _ in BOUND]
    raise NameError(
        f"{op}: unbound axis name {name!r}: no enclosing gpuad.vmap binds it (names bound "
        f"here: {names}); call {op} inside gpuad.vmap(f, axis_name={name!r})")


@contextlib.contextmanager
def bound(snapshot: list | None) -> Iterator[None]:
    """The names of ``snapshot`` (``BOUND`` as it was) bound again, over the present ones: a
    checkpointed block that runs again in backward, after its vmap has returned, sees the axis
    names it saw the first time."""
    n = len(BOUND)
    BOUND.extend(snapshot or ())
    try:
        yield
    finally:
        del BOUND[n:]


def batched_over(x: Any, level: int) -> bool:
    return isinstance(x, Tensor) and x._bat is not None and level in x._bat


def _parts(x):
    if isinstance(x, Tensor):
        if x._base is not None and x._seen != x._ver[0]:
            _engine()._refresh_view(x)
        return x._data, x._bat
    return x, None


def psum_level(x: Any, level: int, size: int):
    """The sum of ``x`` over the examples of ``level``, a value not batched over it
    (``size * x`` where ``x`` is the same for every example, as JAX's unmapped rule)."""
    from .._raw import _xp

    data, bat = _parts(x)
    xp = _xp(data)
    mapped = batched_over(x, level)
    if mapped:
        k = bat.index(level)
        data = xp.sum(data, axis=k, dtype=data.dtype)
        bat = bat[:k] + bat[k + 1:] or None
    else:
        data = xp.asarray(data) * data.dtype.type(size) if hasattr(data, "dtype") \
            else xp.asarray(data * size)
    return _boundary(_PSUM, x, {"level": level, "size": size, "mapped": mapped}, data, bat)


def pvary(x: Any, level: int, size: int):
    """``x`` as a value batched over ``level``: one copy per example (``x`` itself where it
    already is)."""
    if batched_over(x, level):
        return x
    from .._raw import _xp

    data, old = _parts(x)
    xp = _xp(data)
    data = xp.asarray(data)
    bat, pos = _insert_level(old, level)
    data = xp.repeat(xp.expand_dims(data, pos), size, axis=pos)
    return _boundary(_PVARY, x, {"level": level, "size": size}, data, bat)


def _total(g, p):
    """The total cotangent of a value not batched over the level (see the module doc)."""
    level, size = p["level"], p["size"]
    if batched_over(g, level):
        return psum_level(g, level, size)
    return g * size if level in ACTIVE else g


def _spread(g, p, mapped: bool):
    """The cotangent of every example's copy of a value from cotangent ``g``, for an input
    batched over the level (``mapped``) or not: a ``g`` not batched over the level is each
    copy's, and after the vmap has returned the shared input's is the sum of the copies'."""
    if batched_over(g, p["level"]) or mapped or p["level"] in ACTIVE:
        return g
    return g * p["size"]


def _make():
    from ..prims.core import Primitive

    ps = Primitive("psum_level", cplx="holo")
    pv = Primitive("pvary", cplx="holo")
    ps.vjp = lambda g, ans, inputs, p, need: [_spread(_total(g, p), p, p["mapped"])]
    ps.jvp = lambda i, t, ans, inputs, p: psum_level(t, p["level"], p["size"])
    pv.vjp = lambda g, ans, inputs, p, need: [_spread(g, p, False)]
    pv.jvp = lambda i, t, ans, inputs, p: pvary(t, p["level"], p["size"])
    ps.saves = pv.saves = lambda mask, nargs: ()
    ps.cx_check = pv.cx_check = False
    ps.linear = pv.linear = "all"
    return ps, pv


_PSUM, _PVARY = _make()
