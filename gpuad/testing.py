"""Gradient checking against 64-bit central differences, reused by every op test."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import rules as _r
from .backends import get_backend
from .tensor import Tensor
from .transforms import grad, jvp, vjp
from .tree import tree_flatten, tree_unflatten

# (eps, rtol, atol) by the dtype the check runs in; inputs are promoted to 64 bits
DEFAULT_TOLERANCES: dict[np.dtype, tuple[float, float, float]] = {
    np.dtype(np.float64): (1e-6, 1e-5, 1e-6),
    np.dtype(np.complex128): (1e-6, 1e-5, 1e-6),
}


def _host(a, dtype=None) -> np.ndarray:
    a = a.data if isinstance(a, Tensor) else a
    if hasattr(a, "get"):
        a = a.get()
    a = np.asarray(a)
    if dtype is None:
        dtype = np.complex128 if a.dtype.kind == "c" else np.float64
    return a.astype(dtype)


def _flat_out(out) -> list[np.ndarray]:
    return [_host(o) for o in tree_flatten(out)[0]]


def _inner(a: list, b: list) -> float:
    """The real inner product Re(sum(conj(a) * b)), summed over matching leaves."""
    return float(sum(np.real(np.sum(np.conj(x) * y)) for x, y in zip(a, b, strict=True)))


def _draw(rng: np.random.Generator, like: np.ndarray) -> np.ndarray:
    v = rng.standard_normal(like.shape)
    if like.dtype.kind == "c":
        v = v + 1j * rng.standard_normal(like.shape)
    return v


def _recorded_inner(c, v):
    """Re(sum(conj(v) * c)) for a recorded ``c`` and a constant ``v``, differentiable."""
    if np.iscomplexobj(v):
        from . import numpy as gnp

        real = getattr(gnp, "real", None)
        if real is None:
            raise NotImplementedError("check_grads: order > 1 on complex values needs gnp.real")
        return real(_r.sum(c * _r._xp(v).conj(v)))
    return _r.sum(c * v)


def check_grads(f: Callable, args: Sequence[Any], order: int = 2,
                modes: Sequence[str] = ("fwd", "rev"), atol: float | None = None,
                rtol: float | None = None, eps: float | None = None, *, seed: int = 0) -> None:
    """Assert that ``f``'s derivatives up to ``order`` match central finite differences.

    The signature is JAX's ``jax.test_util.check_grads``: ``f(*args)`` is checked in the
    ``modes`` given (``"fwd"``, ``"rev"``) for derivatives of order 1 to ``order``. Along random
    directions ``v`` (inputs) and ``u`` (outputs), reverse mode must give ``<J^T u, v>`` and
    forward mode ``<u, J v>`` equal to ``<u, (f(x + eps v) - f(x - eps v)) / 2 eps>``; higher
    orders apply the same check to the reverse- and forward-mode derivative functions (with
    tolerances ten times looser per order). Real arguments are promoted to float64, complex ones
    to complex128, on the active backend; complex values are compared with the real inner
    product ``Re(sum(conj(a) b))``, which is what PyTorch's gradient convention satisfies.
    ``atol``, ``rtol`` and ``eps`` default to ``DEFAULT_TOLERANCES`` for that dtype; ``seed``
    picks the directions. Arguments may be pytrees (nested tuples, lists and dicts of arrays or
    numbers), as in JAX; every leaf is varied. Raises ``AssertionError`` naming the mode, order
    and both numbers.

    Example: ``check_grads(gnp.sin, (np.array([0.3, 1.2]),), order=2)``
    """
    xp = get_backend().xp
    leaves, tdef = tree_flatten(tuple(args))
    hosts = [_host(a) for a in leaves]
    work = np.dtype(np.complex128) if any(h.dtype.kind == "c" for h in hosts) \
        else np.dtype(np.float64)
    d_eps, d_rtol, d_atol = DEFAULT_TOLERANCES[work]
    eps = d_eps if eps is None else eps
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol

    def flat_f(*xs):  # the check runs on the leaves of pytree (tuple, list, dict) arguments
        return f(*tree_unflatten(tdef, list(xs)))

    _check(flat_f, tuple(xp.asarray(h) for h in hosts), order, tuple(modes), atol, rtol, eps,
           seed, 1)


def _tensors(xs) -> list:
    """``xs`` as ``f`` sees them under ``grad``: Tensors (so that ``f`` may combine them with
    NumPy arrays it closes over on a GPU backend, which raw CuPy arrays refuse)."""
    return [x if isinstance(x, Tensor) else Tensor(x) for x in xs]


def _check(f, args, order, modes, atol, rtol, eps, seed, level):
    xp = get_backend().xp
    rng = np.random.default_rng(seed)
    vs = [xp.asarray(_draw(rng, _host(a))) for a in args]

    def shifted(s):
        return _flat_out(f(*_tensors([a + s * v for a, v in zip(args, vs, strict=True)])))

    out = f(*_tensors(args))
    o_leaves, o_def = tree_flatten(out)
    us = [_draw(rng, _host(o)) for o in o_leaves]
    fd = (_inner(us, shifted(eps)) - _inner(us, shifted(-eps))) / (2 * eps)
    tol = atol + rtol * max(1.0, abs(fd))
    u_tree = tree_unflatten(o_def, [xp.asarray(u) for u in us])
    where = f"order {level}"
    if "rev" in modes:
        _, back = vjp(f, *args)
        cts = back(u_tree)
        rev = _inner([_host(c) for c in cts], [_host(v) for v in vs])
        assert abs(rev - fd) <= tol, (
            f"reverse mode, {where}: <J^T u, v> = {rev} but differences give {fd} "
            f"(tolerance {tol:.3g})")
    if "fwd" in modes:
        _, t = jvp(f, args, vs)
        fwd = _inner(us, _flat_out(t))
        assert abs(fwd - fd) <= tol, (
            f"forward mode, {where}: <u, J v> = {fwd} but differences give {fd} "
            f"(tolerance {tol:.3g})")
    if order > 1:
        # the next order differentiates the vjp (jvp) in its primals and in its cotangent
        # (tangent) alike, as JAX and HIPS autograd do: a wrong derivative of a backward pass
        # with respect to the cotangent is caught too
        n = len(args)
        if "rev" in modes:
            def rev_fn(*xs):
                _, back = vjp(f, *xs[:n])
                cts = back(tree_unflatten(o_def, list(xs[n:])))
                return sum(_recorded_inner(c, v) for c, v in zip(cts, vs, strict=True))

            _check(rev_fn, args + tuple(xp.asarray(u) for u in us), order - 1, modes,
                   atol * 10, rtol * 10, eps, seed + 1, level + 1)
        if "fwd" in modes:
            def fwd_fn(*xs):
                _, t = jvp(f, xs[:n], xs[n:])
                return sum(_recorded_inner(tl, xp.asarray(u))
                           for tl, u in zip(tree_flatten(t)[0], us, strict=True))

            _check(fwd_fn, args + tuple(vs), order - 1, modes, atol * 10, rtol * 10, eps,
                   seed + 2, level + 1)


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


__all__ = ["check_grads", "numerical_grad", "grad", "DEFAULT_TOLERANCES"]
