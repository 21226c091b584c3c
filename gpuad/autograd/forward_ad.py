"""PyTorch's ``torch.autograd.forward_ad``: dual tensors, a primal value carrying a tangent,
whose tangents every operation carries forward (forward-mode AD, one Jacobian-vector product
per run).

The level opened by :func:`dual_level` is one of gpuad's forward-mode levels (those of
``gpuad.jvp``), so everything that propagates tangents there (every op, in-place writes and
views, ``autograd.Function`` with a ``jvp`` staticmethod, ``vmap`` over tangents, reverse mode
over the tangents) does here too. As in torch, one level is open at a time (nesting raises),
and its tangents are gone once it is closed.

Example::

    import gpuad.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        x = fwAD.make_dual(p, t)
        y = gnp.sin(x) * x
        primal, tangent = fwAD.unpack_dual(y)      # tangent == (cos(p) * p + sin(p)) * t
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any, NamedTuple

from .. import _state
from .._no_tangent import NoTangent
from ..engine import current, edge_of
from ..tensor import Tensor

__all__ = [
    "UnpackedDualTensor",
    "dual_level",
    "enter_dual_level",
    "exit_dual_level",
    "make_dual",
    "unpack_dual",
]

#: torch's index of the open level: 0 inside ``dual_level``, -1 when none is open
_current_level = -1
_internal: list[int] = []  # gpuad's tangent level of the open dual level (one at most)
_lock = threading.Lock()


class UnpackedDualTensor(NamedTuple):
    """What :func:`unpack_dual` returns: the primal (a Tensor sharing the dual's memory,
    without its tangent) and the tangent (None when it has none at this level)."""

    primal: Any
    tangent: Any


def enter_dual_level() -> int:
    """Open the forward-mode level (torch's level 0) and return it; :func:`dual_level` is the
    context manager form. A second one while it is open raises, as in torch.

    Example: ``lvl = fwAD.enter_dual_level(); ...; fwAD.exit_dual_level(level=lvl)``
    """
    global _current_level
    with _lock:
        if _internal:
            raise RuntimeError(
                "Nested forward mode AD is not supported at the moment (as in torch, one "
                "dual_level is open at a time): exit the open level first, or use "
                "gpuad.jvp / gpuad.func.jvp inside it for a derivative of a derivative")
        level = next(_state.levels)
        _internal.append(level)
        _state.jvp_levels.add(level)
        _state.dual_levels.add(level)
        _current_level = 0
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    """Close the open forward-mode level: the tangents computed in it are dropped
    (:func:`unpack_dual` gives None for them afterwards).

    Example: ``fwAD.exit_dual_level()``
    """
    global _current_level
    with _lock:
        if not _internal:
            raise RuntimeError(
                "exit_dual_level: no forward AD level is open (open one with "
                "enter_dual_level() or `with dual_level():`)")
        if level is not None and level != 0:
            raise RuntimeError(
                f"Trying to exit a forward AD level that was not the last one that was "
                f"created (level {level}; the open one is 0). This is not supported.")
        level = _internal.pop()
        _state.jvp_levels.discard(level)
        _state.dual_levels.discard(level)
        _current_level = -1


@contextlib.contextmanager
def dual_level() -> Iterator[int]:
    """A block inside which dual tensors are made and their tangents computed; it yields the
    level (0, as torch) and closes it on exit, errors included.

    Example::

        with fwAD.dual_level():
            y = f(fwAD.make_dual(x, v))
            jvp = fwAD.unpack_dual(y).tangent
    """
    level = enter_dual_level()
    try:
        yield level
    finally:
        if _internal:  # (not closed by hand inside the block)
            exit_dual_level()


def _level(level: int | None, where: str) -> int | None:
    """gpuad's level for torch's ``level`` (None: the open one); None when none is open."""
    if level is None:
        return _internal[0] if _internal else None
    if level != 0 or not _internal:
        raise RuntimeError(
            f"Invalid level given to {where}: {level!r} (the open level is "
            f"{'0' if _internal else 'none: no dual_level is open'})")
    return _internal[0]


def _as_tensor(x: Any, what: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if hasattr(x, "shape") and hasattr(x, "dtype") and hasattr(x, "__len__"):
        from ..backends import get_backend

        return Tensor(get_backend().asarray(x))  # (a host array on a GPU backend: moved)
    raise TypeError(f"make_dual: the {what} must be a Tensor (or a backend array), "
                    f"got {type(x).__name__}")


def make_dual(tensor: Any, tangent: Any, *, level: int | None = None) -> Tensor:
    """A dual tensor: ``tensor``'s values (sharing its memory and version counter) with
    ``tangent`` as their forward-mode tangent. Only inside :func:`dual_level`. The tangent
    has the primal's shape and is floating point, as the primal; a Tensor tangent is kept
    as it is (``unpack_dual`` gives that very object back), and may itself require grad
    (reverse mode over the forward tangents).

    Example::

        with fwAD.dual_level():
            x = fwAD.make_dual(p, gnp.ones_like(p))
    """
    lvl = _level(level, "make_dual")
    if lvl is None:
        raise RuntimeError(
            "Trying to create a dual Tensor for forward AD but no level exists, make sure to "
            "enter_dual_level() first (`with gpuad.autograd.forward_ad.dual_level():`)")
    p = current(_as_tensor(tensor, "primal"))  # a view written through its base: rebased
    t = current(_as_tensor(tangent, "tangent"))
    for what, v in (("primal", p), ("tangent", t)):
        if v.dtype.kind not in "fc":
            raise ValueError(
                f"Expected {what} to be floating point or complex, but got: {v.dtype} "
                f"(make_dual: cast it with .astype(float) for a real variable)")
    if tuple(t.shape) != tuple(p.shape):
        raise RuntimeError(
            f"Trying to set a forward gradient that has a different size than that of the "
            f"original Tensor, this is not supported. Tensor is of size {list(p.shape)} while "
            f"the given forward gradient is of size {list(t.shape)} (make_dual)")
    if t.dtype.kind == "c" and p.dtype.kind != "c":
        raise TypeError(
            f"make_dual: complex tangent ({t.dtype}) for a real primal ({p.dtype}); a real "
            f"variable has real tangents (make the primal complex to vary it off the real line)")
    if p._tan and lvl in p._tan:
        raise RuntimeError(
            "Making a dual Tensor based on a Tensor that already has a forward gradient at the "
            "same level 0 is not supported (use unpack_dual(x).primal for its primal)")
    if t._tan and lvl in t._tan:
        raise RuntimeError(
            "make_dual: setting a forward grad that itself has a forward gradient at the same "
            "level 0 is not supported (pass unpack_dual(t).primal)")
    tan = dict(p._tan) if p._tan else {}
    tan[lvl] = t
    return Tensor(p._data, _node=edge_of(p) if p.requires_grad else None, _tan=tan,
                  _ver=p._ver, _bat=p._bat)


def unpack_dual(tensor: Any, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of a dual tensor as a named tuple: the primal shares ``tensor``'s
    memory and version counter but has no tangent at this level; the tangent is None when
    ``tensor`` has none (a plain tensor, or after the level was closed).

    Example::

        with fwAD.dual_level():
            p, t = fwAD.unpack_dual(f(fwAD.make_dual(x, v)))
    """
    lvl = _level(level, "unpack_dual")
    if not isinstance(tensor, Tensor):
        if hasattr(tensor, "shape") and hasattr(tensor, "dtype"):
            return UnpackedDualTensor(Tensor(tensor), None)
        raise TypeError(f"unpack_dual: expected a Tensor, got {type(tensor).__name__}")
    current(tensor)  # a view whose base was written since: its tangent follows the write
    tans = tensor._tan
    t = tans.get(lvl) if tans and lvl is not None else None
    if isinstance(t, NoTangent):
        raise t.error("unpack_dual")
    if t is not None:
        _refuse_inner(tans, lvl, t)
    rest = {k: v for k, v in tans.items() if k != lvl and k in _state.jvp_levels} \
        if tans else None
    primal = Tensor(tensor._data, _node=edge_of(tensor) if tensor.requires_grad else None,
                    _tan=rest or None, _ver=tensor._ver, _bat=tensor._bat)
    if t is not None and not isinstance(t, Tensor):
        t = Tensor(t)
    return UnpackedDualTensor(primal, t)


def _refuse_inner(tans: dict, lvl: int, t: Any) -> None:
    """Raise when the tangent was computed inside a ``gpuad.jvp`` (``jacfwd``, ``linearize``)
    running within the dual level: gpuad computes a level's tangents without the perturbations
    of the levels opened after it, so the inner transform would see this tangent as a constant
    (a silent zero in its derivative)."""
    inner = [k for k in tans if k > lvl and k in _state.jvp_levels]
    carried = t._tan if isinstance(t, Tensor) and t._tan else {}
    if any(k not in carried for k in inner):
        raise RuntimeError(
            "unpack_dual: this tensor is also being differentiated by a gpuad.jvp (or jacfwd, "
            "linearize) called inside the dual_level, and the dual level's tangent does not "
            "follow that inner perturbation; differentiating it there would silently give "
            "zero. Open the dual_level inside the function the inner transform differentiates, "
            "or return the tangent from it and differentiate outside")
