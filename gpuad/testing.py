"""Gradient checking against float64 central differences, reused by every op test."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import rules as _r
from .backends import get_backend
from .complex_rules import conj as _conj
from .complex_rules import real as _real
from .tensor import Tensor
from .transforms import grad, jvp, vjp
from .tree import tree_flatten


def _host(a) -> np.ndarray:
    """A float64 (complex128 for complex values) host copy."""
    a = a.data if isinstance(a, Tensor) else a
    if hasattr(a, "get"):
        a = a.get()
    return np.asarray(a, dtype=np.complex128 if np.iscomplexobj(a) else np.float64)


def _flat_out(out) -> list[np.ndarray]:
    return [_host(o) for o in tree_flatten(out)[0]]


def _inner(a: list, b: list) -> float:
    """The real inner product: complex numbers as pairs of reals, Re(sum(conj(x) * y))."""
    return float(sum(np.sum(np.real(np.conj(x) * y)) for x, y in zip(a, b, strict=True)))


def _direction(rng, like) -> np.ndarray:
    """A random direction shaped like ``like``: complex where ``like`` is complex."""
    a = _host(like)
    v = rng.standard_normal(a.shape)
    return v + 1j * rng.standard_normal(a.shape) if np.iscomplexobj(a) else v


def _real_inner(c, v):
    """Re(sum(conj(c) * v)) on a Tensor ``c``, recorded (for the derivative functions)."""
    if np.iscomplexobj(_host(c)) or np.iscomplexobj(_host(v)):
        return _r.sum(_real(_conj(c) * v))
    return _r.sum(c * v)


def check_grads(f: Callable, args: Sequence[Any], order: int = 2,
                modes: Sequence[str] = ("fwd", "rev"), eps: float = 1e-6,
                rtol: float = 1e-5, atol: float = 1e-6, seed: int = 0) -> None:
    """Assert that ``f``'s derivatives up to ``order`` match central finite differences.

    Along random directions ``v`` (inputs) and ``u`` (outputs): reverse mode must give
    ``<J^T u, v>`` and forward mode ``<u, J v>`` equal to ``<u, (f(x+eps v)-f(x-eps v))/2eps>``.
    Higher orders apply the same check to the reverse- and forward-mode derivative functions.
    Arguments are converted to float64 (complex128) on the active backend. Complex numbers
    count as pairs of reals: directions are complex and ``<a, b> = Re(sum(conj(a) * b))``,
    which is the convention of docs/semantics.md.

    Example: ``check_grads(gnp.sin, (np.array([0.3, 1.2]),), order=2)``
    """
    xp = get_backend().xp
    rng = np.random.default_rng(seed)
    args = tuple(xp.asarray(_host(a)) for a in args)
    vs = [xp.asarray(_direction(rng, a)) for a in args]

    def shifted(s):
        return _flat_out(f(*[a + s * v for a, v in zip(args, vs, strict=True)]))

    out = f(*args)
    o_leaves = tree_flatten(out)[0]
    us = [_direction(rng, o) for o in o_leaves]
    fd = (_inner(us, shifted(eps)) - _inner(us, shifted(-eps))) / (2 * eps)
    tol = atol + rtol * max(1.0, abs(fd))
    u_tree = _r_unflatten(out, [xp.asarray(u) for u in us])
    if "rev" in modes:
        _, back = vjp(f, *args)
        cts = back(u_tree)
        rev = _inner([_host(c) for c in cts], [_host(v) for v in vs])
        assert abs(rev - fd) <= tol, f"reverse mode: <J^T u, v> = {rev} but differences give {fd}"
    if "fwd" in modes:
        _, t = jvp(f, args, vs)
        fwd = _inner(us, _flat_out(t))
        assert abs(fwd - fd) <= tol, f"forward mode: <u, J v> = {fwd} but differences give {fd}"
    if order > 1:
        if "rev" in modes:
            def rev_fn(*xs):
                _, back = vjp(f, *xs)
                cts = back(u_tree)
                return sum(_real_inner(c, v) for c, v in zip(cts, vs, strict=True))

            check_grads(rev_fn, args, order - 1, modes, eps, rtol * 10, atol * 10, seed + 1)
        if "fwd" in modes:
            def fwd_fn(*xs):
                _, t = jvp(f, xs, vs)
                return sum(_real_inner(tl, u) for tl, u in zip(tree_flatten(t)[0],
                                                                [xp.asarray(u) for u in us],
                                                                strict=True))

            check_grads(fwd_fn, args, order - 1, modes, eps, rtol * 10, atol * 10, seed + 2)


def _r_unflatten(like, leaves):
    from .tree import tree_unflatten

    return tree_unflatten(tree_flatten(like)[1], leaves)


def numerical_grad(f: Callable, x: Any, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of scalar ``f`` at ``x`` (float64, element by element;
    for complex ``x``, ``dL/dx + i dL/dy`` as docs/semantics.md defines it)."""
    x = _host(x).copy()
    g = np.zeros_like(x)
    be = get_backend()
    steps = (eps, 1j * eps) if np.iscomplexobj(x) else (eps,)
    for i in np.ndindex(x.shape):
        for h in steps:
            xp_, xm = x.copy(), x.copy()
            xp_[i] += h
            xm[i] -= h
            # f sees Tensors on the active backend, so ``f(x) * host_array`` works on a GPU too
            fp, fm = f(Tensor(be.asarray(xp_))), f(Tensor(be.asarray(xm)))
            g[i] += (h / eps) * (float(_host(fp).real) - float(_host(fm).real)) / (2 * eps)
    return g


__all__ = ["check_grads", "numerical_grad", "grad"]
