"""Differentiating a jitted function from outside: ``grad(jit(f))``, ``loss.backward()`` on
the output of a compiled forward.

A replayed program returns values without history, so a call whose arguments are being
differentiated takes another way:

- reverse mode through the arguments (``grad(jit(f))``, ``vjp``, a Tensor that requires
  grad passed in): the call becomes one tape step whose forward is the compiled ``f`` and
  whose backward is a second compiled program, the vjp of ``f`` (it computes ``f``'s forward
  again, so nothing but the arguments is kept between the two). That backward is itself a
  jitted function called on Tensors, so higher orders compile the same way. The step saves
  the arguments as an eager op saves its inputs: one written in place after the call makes
  the backward raise (:func:`_check_versions`); outputs that are views of the arguments are
  made as recorded views of them (:mod:`gpuad.jit.aliasing`);
- forward mode (``jvp(jit(f))``), or an output that depends on tensors the function read
  without receiving them (model parameters in a closure), or a function that ran its own
  backward on an argument: ``f`` runs eagerly (exact, not compiled), with a
  :class:`JitFallbackWarning` once per signature saying how to compile it.

Example::

    f = gpuad.jit(lambda x: gnp.sum(gnp.sin(x) ** 2))
    g = gpuad.grad(f)(x)          # both sweeps compiled
"""

from __future__ import annotations

import warnings
import weakref
from typing import Any

from .. import _state
from ..tensor import Tensor
from ..tree import tree_flatten, tree_unflatten
from . import aliasing, dict_order


class JitFallbackWarning(UserWarning):
    """A jitted function ran eagerly because it is differentiated in a way the compiled
    program cannot carry (see :mod:`gpuad.jit.outer`)."""


def mode(args: tuple, kwargs: dict) -> str | None:
    """How a call must run, from its arguments alone: ``"eager"`` (tangents: forward mode),
    ``"vjp"`` (an argument with a recorded history), ``"detach"`` (history, but no recording
    now) or None (an ordinary compiled call)."""
    leaves = tree_flatten((args, kwargs))[0]
    hist = False
    for leaf in leaves:
        if isinstance(leaf, Tensor):
            if leaf._tan:
                return "eager"
            if leaf._node is not None and leaf._node.rule is not None:
                hist = True
    if not hist:
        return None
    return "vjp" if _state.local.grad_enabled else "detach"


# which warnings each jitted function has given (keyed by the object, not its id: an id is
# reused once the function is collected, which silenced a new function's warning)
_WARNED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def warn_eager(jitted, why: str) -> None:
    given = _WARNED.setdefault(jitted, set())
    if why in given:
        return
    given.add(why)
    warnings.warn(
        f"gpuad.jit: {getattr(jitted.f, '__name__', 'the function')} runs eagerly (not "
        f"compiled) for this signature: {why}", JitFallbackWarning, stacklevel=3)


EAGER_WHY = {
    "tangents": "it is differentiated in forward mode (jvp/jacfwd) from outside; put jit "
                "outside instead: jit(jvp(f)) or jit(jacfwd(f))",
    "closure": "its output depends differentiably on tensors it reads without receiving them "
               "(e.g. model parameters), or on arguments it also differentiates inside; pass "
               "them as arguments, or take the gradient inside: jit(value_and_grad(f)), or a "
               "training step that calls loss.backward() inside",
    "batched_closure": "it reads a value batched by an enclosing vmap without receiving it (a "
                       "closure), whose values change with every vmap call; pass it as an "
                       "argument, or put jit outside: jit(vmap(f))",
    "batched_loop": "a gpuad.lax.while_loop (or fori_loop) whose predicate depends on the "
                    "arguments runs inside vmap, whose trip count differs from example to "
                    "example; it runs as vmap's batched loop, eagerly on every call",
    "saved_hooks": "saved_tensors_hooks (or save_on_cpu) are open around the call, and a "
                   "compiled replay would not pass its saved values to them; close the block "
                   "to compile the call",
    "host_random": "it draws numbers from Python's random module or numpy.random's global "
                   "generator, whose draws a replay would repeat; draw them outside and pass "
                   "them as arguments, or use gpuad.jit.random with a key argument",
}


def _detached(leaf):
    if isinstance(leaf, Tensor):
        return leaf._data if leaf._bat is None else Tensor(leaf._data, _bat=leaf._bat)
    return leaf


def call(jitted, how: str, args: tuple, kwargs: dict) -> Any:
    """Run ``jitted`` on a call that is differentiated from outside (see the module)."""
    if how == "eager":
        return jitted.f(*args, **kwargs)
    leaves, tdef = tree_flatten((args, kwargs))
    aliasing.none()
    if how == "detach" or not _state.local.grad_enabled:
        a, k = tree_unflatten(tdef, [_detached(x) for x in leaves])
        return _relinked(jitted, jitted(*a, **k), a, k, leaves)
    pos = [i for i, x in enumerate(leaves) if isinstance(x, Tensor) and x.requires_grad
           and x._data.dtype.kind in "fc"]
    if not pos:
        a, k = tree_unflatten(tdef, [_detached(x) for x in leaves])
        return _relinked(jitted, jitted(*a, **k), a, k, leaves)
    rest = [None if i in pos else _detached(x) for i, x in enumerate(leaves)]
    pull = _pullback(jitted)

    def rebuild(diff):
        full = list(rest)
        for i, v in zip(pos, diff, strict=True):
            full[i] = v
        return tree_unflatten(tdef, full)

    def fun(*diff):
        a, k = rebuild(diff)
        return jitted.f(*a, **k)

    # the forward on plain values; an output that still has a history depends on a tensor
    # that requires grad besides the arguments (a closure), which one tape step over the
    # arguments would cut off: then the call runs eagerly
    a0, k0 = rebuild([_detached(leaves[i]) for i in pos])
    twin = _undonated(jitted)
    out0 = twin(*a0, **k0)  # the backward reads the arguments again
    plan = aliasing.last()  # outputs that are views of the arguments (gpuad.jit.aliasing)
    if any(isinstance(x, Tensor) and x.requires_grad for x in tree_flatten(out0)[0]):
        warn_eager(jitted, EAGER_WHY["closure"])
        return jitted.f(*args, **kwargs)

    at: list = []  # the arguments' versions at the call: the backward reads them again

    def fwd(*diff):
        at[:] = [(d._ver, d._ver[0]) if isinstance(d, Tensor) else None for d in diff]
        return out0, diff

    def bwd(res, ct):
        _check_versions(jitted, at)
        ct_leaves, ct_def = tree_flatten(ct)
        if not _state.local.grad_enabled:  # first order (inside vmap the rule sees Tensors)
            res = [_detached(r) for r in res]
            ct = tree_unflatten(ct_def, [_detached(c) for c in ct_leaves])
        elif any(isinstance(c, Tensor) and c._bat is not None for c in ct_leaves):
            # a derivative of this backward taken later (jacrev(jacrev(jit(f)))): its
            # cotangents are batched by a vmap that will have returned by then, which a
            # compiled pullback differentiated afterwards cannot hold; the backward runs
            # eagerly, recorded now, as for a function that is not compiled
            from ..transforms import vjp

            return tuple(vjp(fun, *res)[1](ct))
        return tuple(pull(list(res), rest, tdef_key(tdef, pos), ct))

    from ..custom import custom_vjp

    rule = custom_vjp(_named(fun, jitted.f))
    rule.defvjp(fwd, bwd)
    return dict_order.restore(_relinked(twin, rule(*[leaves[i] for i in pos]), a0, k0, leaves,
                                        plan), dict_order.orders(out0))


def _check_versions(jitted, at) -> None:
    """The backward of a compiled call computes its forward again from the arguments, as a
    step that saved its inputs: one written in place since the call raises, as eagerly."""
    for k, v in enumerate(at):
        if v is not None and v[0][0] != v[1]:
            from ..engine import GradError

            raise GradError(
                f"jit({getattr(jitted.f, '__name__', 'f')}): differentiated argument {k} was "
                f"saved for the gradient at version {v[1]} but has since been modified in "
                f"place (now version {v[0][0]}); the compiled backward computes the function "
                f"again from its arguments. Compute the gradient before writing to it, or "
                f"write to a copy")


_NO_PLAN = object()


def _relinked(jitted, result, a, k, leaves, plan=_NO_PLAN):
    """``result`` of the compiled call ``jitted(*a, **k)`` (its arguments detached from the
    caller's ``leaves``) with the outputs that are views of the arguments made from the
    caller's Tensors, as eagerly: the same version counter, and recorded as views where the
    arguments are recorded (:mod:`gpuad.jit.aliasing`)."""
    if plan is _NO_PLAN:
        plan = aliasing.last()
    if plan is None or not any(v.program.aliases is plan for e in jitted._cache.values()
                               for v in e.variants):
        return result  # (not the plan of a program of this function: it ran eagerly)
    out_leaves, out_def = tree_flatten(result)
    if len(out_leaves) != len(plan.how):
        return result
    mine = {id(x._data): x for x in leaves if isinstance(x, Tensor)}
    _, inner, _, _ = jitted._split(a, k)  # the argument leaves as the program numbers them
    args = [mine.get(id(x._data) if isinstance(x, Tensor) else id(x), x) for x in inner]
    return dict_order.restore(
        tree_unflatten(out_def, aliasing.finish(plan, out_leaves, args, outer=True)),
        dict_order.orders(result))


def _undonated(jitted):
    """``jitted`` itself, or where it donates arguments, a twin that does not (and shares
    nothing else): a forward whose arguments its backward reads again must leave them."""
    if not jitted.donate_argnums and not jitted.donate_argnames:
        return jitted
    twin = jitted.__dict__.get("_kept")
    if twin is None:
        from .api import Jitted

        twin = jitted._kept = Jitted(
            jitted.f, jitted.static_argnums, (), jitted.cache_size, jitted.graph,
            jitted.check, jitted.fuse, jitted.static_argnames, max_variants=jitted.max_variants)
    return twin


def _named(fn, like):
    fn.__name__ = getattr(like, "__name__", "f")
    return fn


_TREE_IDS: dict = {}
_TREES: dict = {}


def tdef_key(tdef, pos) -> int:
    """A small hashable stand-in for the argument structure (a static argument of the
    pullback program)."""
    key = (repr(tdef), tuple(pos))
    k = _TREE_IDS.get(key)
    if k is None:
        k = _TREE_IDS[key] = len(_TREE_IDS)
        _TREES[k] = (tdef, tuple(pos))
    return k


def _pullback(jitted):
    """The compiled vjp of ``jitted.f``: ``pull(diff, rest, tree, ct)`` gives the cotangents
    of the differentiated argument leaves ``diff`` (the others are ``rest``)."""
    pull = jitted.__dict__.get("_pull")
    if pull is not None:
        return pull
    from ..transforms import vjp
    from .api import Jitted

    f = jitted.f

    def pullback(diff, rest, tree, ct):
        tdef, pos = _TREES[tree]

        def g(*d):
            full = list(rest)
            for i, v in zip(pos, d, strict=True):
                full[i] = v
            a, k = tree_unflatten(tdef, full)
            return f(*a, **k)

        _, back = vjp(g, *diff)
        return back(ct)

    pull = Jitted(_named(pullback, f), static_argnums=(2,), cache_size=jitted.cache_size,
                  graph=jitted.graph, check=jitted.check, fuse=jitted.fuse,
                  max_variants=jitted.max_variants)
    jitted._pull = pull
    return pull
