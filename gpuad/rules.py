"""The op table: every primitive declared once, with its forward, vjp and jvp.

The primitives live in gpuad/prims/, one module per op family (core.py holds
:class:`Primitive` and ``prim``); this module is the one namespace that re-exports them all.
Each ``prim(name, forward, vjp=[...], jvp=[...])`` line is one primitive. ``forward`` gets the
backend namespace ``xp`` and raw arrays. The vjp formulas ``(g, ans, *inputs, **params)`` and
jvp formulas ``(t, ans, *inputs, **params)`` are written with these same primitives, so they run
on raw arrays on the first-order path and on Tensors (recorded, hence differentiable again) when
a higher-order derivative is taken. What a step saves is inferred from the names each formula
reads: ``exp`` saves ``ans``, ``sin`` saves ``x``, ``add`` saves nothing. ``jvp="vjp"`` reuses
the vjp formulas (true for elementwise ops, whose Jacobian is diagonal). Broadcasting and dtype
are undone by the engine, once, after every formula.
"""

from __future__ import annotations

import sys as _sys

from . import _links
from .prims import (
    _helpers,
    core,
    elementwise,
    indexing,
    linalg,
    losses,
    nondiff,
    reductions,
    shapes,
)

#: the modules of the table, by op family (gpuad/prims/)
FAMILIES = (core, _helpers, elementwise, nondiff, reductions, shapes, indexing, linalg, losses)
del _helpers, core, elementwise, indexing, linalg, losses, nondiff, reductions, shapes
# every name of every family (private helpers included: other modules use them as _r._xp, ...)
for _m in FAMILIES:
    globals().update({k: v for k, v in vars(_m).items() if not k.startswith("__")})
del _m

# the engine reaches the primitives it records (index_update_, transpose_, ...) through a link,
# and calls ops through this module until gpuad/__init__ provides gpuad.numpy's namespace
_links.provide("rules", _sys.modules[__name__])
_links.provide("ops", _sys.modules[__name__])
