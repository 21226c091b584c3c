"""Batching rules of the remaining non-linear-algebra primitives: the entrywise ones that are
not marked so (modf, frexp, the gamma sign), and ``constant_arguments`` (scipy.stats).

Primitives declared by modules that load after gpuad itself (gpuad.scipy.*) take their rule
from :func:`batch_rule_for` when they are declared.
"""

from __future__ import annotations

from .. import _links
from ..engine import apply
from ..prims.core import RULES
from ..tensor import Tensor
from . import from_batch, register, to_batch
from .rules import _front, elementwise_rule

_R = None  # gpuad.numpy's functions
_links.need("ops", globals(), "_R")


def _tie(rule):
    """``constant_arguments(value, *constants)``: ``value`` itself, so it batches as value
    does; the constants go along (a derivative with respect to them raises)."""

    def batch(args, dims, params):
        (v, *cs), (dv, *_) = args, dims
        if dv is None:
            return apply(rule, (v, *cs), params), None
        return apply(rule, (_front(v, dv), *cs), params), 0

    return batch


_LATE = {"gammasgn": elementwise_rule, "constant_arguments": _tie}


def batch_rule_for(op) -> None:
    """Give the primitive behind ``op`` (declared after gpuad loaded) its batching rule."""
    rule = op.rule
    register(rule.name, _LATE[rule.name](rule))


# ---- formulas that need one example's arrays (host solvers) ----------------------------------

def _batched(values) -> bool:
    return any(isinstance(v, Tensor) and v._bat is not None for v in values)


def per_example(fn, values: list):
    """``fn(*values)`` (a list of results, ``None`` allowed) on one example at a time, the
    results stacked again: for formulas that hand one example's arrays to a host solver."""
    top = max((v._bat[-1] for v in values if isinstance(v, Tensor) and v._bat is not None),
              default=None)
    if top is None:
        return fn(*values)
    size = next(v._data.shape[v._bat.index(top)] for v in values
                if isinstance(v, Tensor) and v._bat is not None and top in v._bat)
    split = [from_batch(v, top, 0, size) if isinstance(v, Tensor) and v._bat is not None
             and top in v._bat else None for v in values]
    outs = []
    for i in range(size):
        one = [v if s is None else s[i] for v, s in zip(values, split, strict=True)]
        outs.append(per_example(fn, one))
    res = []
    for k in range(len(outs[0])):
        if outs[0][k] is None:
            res.append(None)
        else:
            res.append(to_batch(_R.stack([o[k] for o in outs]), top, 0))
    return res


def loop_formulas(op) -> None:
    """Make the vjp and jvp of the primitive behind ``op`` run once per example on batched
    values (its batch rule is then the per-example loop as well)."""
    rule = op.rule
    vjp, jvp = rule.vjp, rule.jvp

    def vjp_loop(g, ans, inputs, params, need):
        if not _batched((g, ans, *inputs)):
            return vjp(g, ans, inputs, params, need)
        return per_example(lambda g, ans, *xs: vjp(g, ans, list(xs), params, need),
                           [g, ans, *inputs])

    def jvp_loop(i, t, ans, inputs, params):
        if not _batched((t, ans, *inputs)):
            return jvp(i, t, ans, inputs, params)
        return per_example(lambda t, ans, *xs: [jvp(i, t, ans, list(xs), params)],
                           [t, ans, *inputs])[0]

    rule.vjp, rule.jvp = vjp_loop, jvp_loop


for _name in ("modf", "frexp", "frexp_exponent", "nextafter", "bitwise_and", "bitwise_or",
              "bitwise_xor", "invert", "left_shift", "right_shift", "gcd", "lcm", "bitwise_count"):
    register(_name, elementwise_rule(RULES[_name]))
