"""Derivative operators with HIPS autograd's names: ``elementwise_grad``,
``hessian_vector_product`` (``hessian_tensor_product``), ``make_vjp``, ``make_jvp``,
``make_hvp``, ``make_ggnvp``, ``tensor_jacobian_product`` (``vector_jacobian_product``),
``grad_named``, ``grad_and_aux``, ``deriv``, ``holomorphic_grad`` and ``multigrad_dict``."""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as _np

from .. import rules as _r
from ..backends import get_backend
from ..transforms import grad, jacrev, jvp, vjp
from ..tree import tree_flatten, tree_map, tree_unflatten


def elementwise_grad(f: Callable, argnum: int = 0) -> Callable:
    """The vector-Jacobian product of ``f`` with a cotangent of ones: for a function applied
    element by element (a diagonal Jacobian) that is the derivative at every element.

    As ``autograd.elementwise_grad``; the result has the shape of argument ``argnum``.

    Example::

        d = elementwise_grad(gnp.tanh)(np.linspace(-2, 2, 5))   # 1 - tanh(x) ** 2
    """

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        def g(x):
            return f(*args[:argnum], x, *args[argnum + 1:], **kwargs)

        out, back = vjp(g, args[argnum])
        leaves, tdef = tree_flatten(out)
        leaves = [v if hasattr(v, "dtype") else get_backend().xp.asarray(v) for v in leaves]
        for leaf in leaves:
            if _r.data(leaf).dtype.kind == "c":
                raise TypeError("elementwise_grad: f returns complex values; it applies to "
                                "real-valued functions only (use gpuad.vjp with a cotangent)")
        ones = [_r._xp(leaf).ones(_r.shape(leaf), dtype=_r.data(leaf).dtype) for leaf in leaves]
        return back(tree_unflatten(tdef, ones))[0]

    return wrapped


def hessian_vector_product(f: Callable, argnum: int = 0) -> Callable:
    """A function of ``(*args, vector)`` returning ``H @ vector``, the Hessian of scalar ``f``
    with respect to argument ``argnum`` times ``vector`` (same shape or pytree as that
    argument), computed exactly as forward mode over reverse mode.

    As ``autograd.hessian_vector_product``.

    Example::

        hvp = hessian_vector_product(lambda x: gnp.sum(x ** 3))
        hvp(x, v)                  # 6 * x * v
    """
    df = grad(f, argnum)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        args, vector = args[:-1], args[-1]
        if argnum >= len(args):
            raise TypeError(f"hessian_vector_product: argnum={argnum} but only {len(args)} "
                            f"arguments given before the vector")

        def g(x):
            return df(*args[:argnum], x, *args[argnum + 1:], **kwargs)

        return jvp(g, (args[argnum],), (_tangent(vector, args[argnum]),))[1]

    return wrapped


hessian_tensor_product = hessian_vector_product


def _tangent(v: Any, x: Any) -> Any:
    """An integer or boolean vector as a tangent of floating-point ``x`` (autograd multiplies
    it in; SciPy's LinearOperator probes a product with an int8 vector)."""
    vd, xd = getattr(v, "dtype", None), getattr(x, "dtype", None)
    if vd is None or xd is None or _np.dtype(vd).kind not in "biu":
        return v
    if _np.dtype(xd).kind not in "fc":
        return v
    return _r.astype(v, xd) if hasattr(v, "_data") else v.astype(xd)


def _with_arg(f: Callable, args: tuple, kwargs: dict, argnum: int) -> Callable:
    """``f`` as a function of argument ``argnum`` alone, the other arguments fixed."""
    if argnum >= len(args):
        raise TypeError(f"argnum={argnum} but only {len(args)} positional arguments given")

    def g(x):
        return f(*args[:argnum], x, *args[argnum + 1:], **kwargs)

    return g


def make_vjp(f: Callable, argnum: int = 0) -> Callable:
    """A function of ``f``'s arguments returning ``(vjp_fn, f(*args))`` in HIPS autograd's
    order; ``vjp_fn(cotangent)`` is the cotangent of argument ``argnum`` (not a tuple).

    Example::

        back, y = make_vjp(gnp.sin)(x)
        back(gnp.ones_like(y))     # cos(x)
    """

    def at(*args: Any, **kwargs: Any) -> tuple[Callable, Any]:
        out, back = vjp(_with_arg(f, args, kwargs, argnum), args[argnum])
        return (lambda cotangent: back(cotangent)[0]), out

    return at


def make_jvp(f: Callable, argnum: int = 0) -> Callable:
    """A function of ``f``'s arguments returning ``jvp_fn``; ``jvp_fn(v)`` is
    ``(f(*args), J v)`` for a tangent ``v`` of argument ``argnum`` (forward mode), as HIPS
    autograd's ``make_jvp``.

    Example::

        y, t = make_jvp(gnp.sin)(x)(v)    # t == cos(x) * v
    """

    def at(*args: Any, **kwargs: Any) -> Callable:
        g = _with_arg(f, args, kwargs, argnum)

        def jvp_fn(v: Any) -> tuple[Any, Any]:
            return jvp(g, (args[argnum],), (_tangent(v, args[argnum]),))

        return jvp_fn

    return at


def make_hvp(f: Callable, argnum: int = 0) -> Callable:
    """A function of ``f``'s arguments returning ``(hvp_fn, gradient)``: ``hvp_fn(v)`` is the
    Hessian of scalar ``f`` with respect to argument ``argnum`` times ``v`` (reverse over
    reverse, the forward pass shared by every ``v``), as HIPS autograd's ``make_hvp``.

    Example::

        hvp, g = make_hvp(lambda x: gnp.sum(x ** 3))(x)
        hvp(v)                     # 6 * x * v
    """
    return make_vjp(grad(f, argnum), argnum)


def make_ggnvp(f: Callable, g: Callable | None = None, f_argnum: int = 0) -> Callable:
    """Generalised Gauss-Newton products ``J^T H_g J v`` for ``g(f(x))``: ``J`` is the
    Jacobian of ``f`` with respect to argument ``f_argnum``, ``H_g`` the Hessian of scalar
    ``g`` at ``f(x)`` (default ``g(y) = sum(y ** 2, axis=-1) / 2``, so ``H_g = I``), as HIPS
    autograd's ``make_ggnvp``. Returns a function of ``f``'s arguments returning ``ggnvp(v)``.

    Example::

        ggnvp = make_ggnvp(lambda x: gnp.tanh(A @ x))(x)
        ggnvp(v)                   # J.T @ J @ v
    """
    if g is None:
        def g(y):
            from .. import numpy as gnp

            return 0.5 * gnp.sum(y ** 2, axis=-1)

    def at(*args: Any, **kwargs: Any) -> Callable:
        fx = _with_arg(f, args, kwargs, f_argnum)
        x = args[f_argnum]
        y, f_vjp = vjp(fx, x)
        g_hvp = hessian_vector_product(g)

        def ggnvp(v: Any) -> Any:
            jv = jvp(fx, (x,), (_tangent(v, x),))[1]
            return f_vjp(g_hvp(y, jv))[0]

        return ggnvp

    return at


def tensor_jacobian_product(f: Callable, argnum: int = 0) -> Callable:
    """A function of ``(*args, tensor)`` returning ``tensordot(tensor, J, tensor.ndim)``: the
    Jacobian of ``f`` with respect to argument ``argnum``, its leading output axes contracted
    with ``tensor`` (a vector-Jacobian product when ``tensor`` has the output's shape), as
    HIPS autograd's ``tensor_jacobian_product``.

    Example::

        tensor_jacobian_product(gnp.sin)(x, u)      # u * cos(x)
    """

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from .. import numpy as gnp

        args, tensor = args[:-1], args[-1]
        nd = len(_r.shape(tensor))

        def contracted(*a: Any) -> Any:
            return gnp.tensordot(tensor, f(*a, **kwargs), axes=nd)

        return jacrev(contracted, argnum)(*args)

    return wrapped


vector_jacobian_product = tensor_jacobian_product


def grad_named(f: Callable, argname: str) -> Callable:
    """The gradient of scalar ``f`` with respect to the parameter named ``argname`` (passed by
    position), as HIPS autograd's ``grad_named``.

    Example: ``grad_named(lambda x, y: x * y, "y")(2.0, 3.0)`` is 2.0.
    """
    params = [p for p in inspect.signature(f).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names = [p.name for p in params]
    if argname not in names:
        raise TypeError(f"grad_named: {getattr(f, '__name__', 'f')} has no positional "
                        f"parameter {argname!r} (it has {names})")
    return grad(f, names.index(argname))


def multigrad_dict(f: Callable) -> Callable:
    """The gradient of scalar ``f`` with respect to every argument at once, as an ordered dict
    from parameter name to gradient (defaults included; ``*args`` gives a tuple, ``**kwargs``
    a dict), as HIPS autograd's ``multigrad_dict``.

    Example: ``multigrad_dict(lambda x, y=2.0: x * y)(3.0)`` is ``{"x": 2.0, "y": 3.0}``.
    """
    sig = inspect.signature(f)
    kinds = {p.name: p.kind for p in sig.parameters.values()}

    def call(values: dict) -> Any:
        args, kwargs = [], {}
        for name, v in values.items():
            kind = kinds[name]
            if kind is inspect.Parameter.VAR_POSITIONAL:
                args.extend(v)
            elif kind is inspect.Parameter.VAR_KEYWORD:
                kwargs.update(v)
            elif kind is inspect.Parameter.KEYWORD_ONLY:
                kwargs[name] = v
            else:
                args.append(v)
        return f(*args, **kwargs)

    def wrapped(*args: Any, **kwargs: Any) -> OrderedDict:
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"multigrad_dict: {e}") from None
        bound.apply_defaults()
        values = OrderedDict(bound.arguments)
        g = grad(call)(values)
        return OrderedDict((name, g[name]) for name in values)

    return wrapped


def grad_and_aux(f: Callable, argnum: int = 0) -> Callable:
    """``(gradient, aux)`` for ``f`` returning ``(loss, aux)``: ``grad(f, argnum,
    has_aux=True)`` under HIPS autograd's name.

    Example: ``g, aux = grad_and_aux(lambda x: (gnp.sum(x ** 2), x))(x)``
    """
    return grad(f, argnum, has_aux=True)


def deriv(f: Callable, argnum: int = 0) -> Callable:
    """The forward-mode derivative along a tangent of ones: ``J @ ones`` with respect to
    argument ``argnum`` (for a scalar argument, ``df/dx`` at any output shape), as HIPS
    autograd's ``deriv``.

    Example: ``deriv(gnp.sin)(0.5)`` is cos(0.5).
    """

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        x = args[argnum] if argnum < len(args) else None
        g = _with_arg(f, args, kwargs, argnum)
        ones = tree_map(lambda leaf: _ones_like(leaf), x)
        return jvp(g, (x,), (ones,))[1]

    return wrapped


def _ones_like(leaf: Any) -> Any:
    xp = _r._xp(leaf) if hasattr(leaf, "shape") else get_backend().xp
    a = _r.data(leaf) if hasattr(leaf, "shape") else xp.asarray(leaf)
    return xp.ones(a.shape, dtype=a.dtype if a.dtype.kind in "fc" else xp.float64)


def holomorphic_grad(f: Callable, argnum: int = 0) -> Callable:
    """The complex derivative ``f'(z)`` of a holomorphic, scalar-valued ``f`` with respect to
    argument ``argnum`` (for an array ``z``, the derivative with respect to each element), as
    HIPS autograd's and JAX's ``holomorphic_grad`` / ``grad(holomorphic=True)``.

    gpuad's gradient of a real loss follows PyTorch's convention (docs/semantics.md), under
    which the vjp of a holomorphic ``f`` with cotangent 1 is ``conj(f'(z))``; this returns its
    conjugate, ``f'(z)``.

    Example: ``holomorphic_grad(lambda z: z ** 2)(1 + 2j)`` is 2 + 4j.
    """

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        g = _with_arg(f, args, kwargs, argnum)
        out, back = vjp(g, args[argnum])
        if not hasattr(out, "shape") or _r.data(out).size != 1:
            raise TypeError(f"holomorphic_grad: f must return a scalar, got "
                            f"{getattr(out, 'shape', type(out).__name__)}")
        xp = _r._xp(out)
        ct = back(xp.ones(_r.shape(out), dtype=_r.data(out).dtype))[0]
        return tree_map(lambda c: _r._xp(c).conj(c), ct)

    return wrapped
