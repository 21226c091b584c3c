"""Which primitives are linear, and in which inputs: the flag :func:`gpuad.linear_transpose`
checks a traced function against.

- ``"all"``: jointly linear in every array input (``add``, ``reshape``, ``concatenate``);
- ``"one"``: multilinear, so linear while at most one input varies (``multiply``, ``matmul``);
- a tuple of positions: linear in those inputs while the others are constants (``divide``
  in its numerator, ``where`` in its two values, ``solve`` in its right-hand side).

Anything else (``sin``, ``maximum``, comparisons, ...) is not linear. Inputs passed through
the parameters (index arrays) must be constants in every case.
"""

from __future__ import annotations

from .core import RULES

LINEAR: dict[str, str | tuple[int, ...]] = {
    # entrywise and shape ops that add, negate or move entries
    "add": "all",
    "subtract": "all",
    "negative": "all",
    "identity": "all",
    "copy": "all",
    "astype": "all",
    "reshape": "all",
    "transpose": "all",
    "broadcast_to": "all",
    "concatenate": "all",
    "stack_list": "all",
    "getitem": "all",
    "scatter": "all",
    "index_update": "all",
    "sum": "all",
    "cumsum": "all",
    "real": "all",
    "imag": "all",
    "conj": "all",
    "fft_c2c": "all",
    "rfft_r2c": "all",
    "irfft_c2r": "all",
    # products: linear in one factor while the others are constants
    "multiply": "one",
    "matmul": "one",
    "einsum": "one",
    # linear in some inputs only
    "divide": (0,),
    "ldexp": (0,),
    "where": (1, 2),
    "solve": (1,),
    "solve_triangular": (1,),
    "take_index": (0,),
    "scatter_index": (0,),
    "update_index": (0, 1),
}


def install() -> None:
    """Set ``Primitive.linear`` from :data:`LINEAR` (the rules must be loaded)."""
    for name, how in LINEAR.items():
        rule = RULES.get(name)
        if rule is not None:
            rule.linear = how


#: functions of the array namespace that ``gpuad.jit``'s tracer records as steps of their own
#: (vmap's moves of the batch axis, for one) and that only move or copy entries
NAMESPACE_LINEAR: dict[str, str] = dict.fromkeys(
    (
        "moveaxis",
        "swapaxes",
        "transpose",
        "reshape",
        "ravel",
        "expand_dims",
        "squeeze",
        "broadcast_to",
        "stack",
        "concatenate",
        "ascontiguousarray",
        "copy",
        "asarray",
        "array",
    ),
    "all",
)
