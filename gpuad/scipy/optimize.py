"""``jax.scipy.optimize.minimize``: BFGS and L-BFGS on a function of one 1-D array, its
gradient taken by :func:`gpuad.value_and_grad`.

The iteration and its line search (strong Wolfe conditions, Nocedal and Wright's algorithms
3.5 and 3.6 with cubic interpolation) run eagerly: the step lengths are read on the host, so
``minimize`` runs outside ``gpuad.jit`` and ``gpuad.vmap`` (inside, it raises). Iterates may
differ from SciPy's and JAX's in the last digits (each line search is its own); the minimum
found agrees to the tolerance asked.

``minimize`` is not differentiable (nor is JAX's): a tracked ``x0`` or ``args``, or a ``fun``
that reads a differentiated value by closure, raises instead of returning a solution whose
derivative would be that of the iterations. Differentiate a minimum implicitly with
:func:`gpuad.lax.custom_root` on the gradient.

Example::

    from gpuad.scipy.optimize import minimize
    res = minimize(lambda x: gnp.sum((x - 3.0) ** 2), gnp.zeros(2), method="BFGS")
    res.x, res.success, res.nit
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as _np

from .. import _state
from .. import numpy as gnp
from ..engine import GradError
from ..tensor import Tensor
from ..tree import tree_flatten
from ._absent import absent_names

__all__ = ["minimize", "OptimizeResults"]


class OptimizeResults(NamedTuple):
    """The result of :func:`minimize` (``jax.scipy.optimize.OptimizeResults``). ``status``:
    0 converged, 1 maximum iterations reached, 3 line search (zoom) failed, 5 line search
    reached its maximum of iterations."""

    x: Any
    success: Any
    status: Any
    fun: Any
    jac: Any
    hess_inv: Any
    nfev: Any
    njev: Any
    nit: Any


def _host(a) -> _np.ndarray:
    if isinstance(a, Tensor):
        return a.numpy()
    return _np.asarray(a.get() if hasattr(a, "get") else a)


class _Objective:
    """``fun`` and its gradient on host vectors, counting evaluations."""

    def __init__(self, fun: Callable, like):
        from .. import value_and_grad

        self.vg = value_and_grad(fun)
        self.like = like
        self.nfev = 0

    def __call__(self, x: _np.ndarray) -> tuple[float, _np.ndarray]:
        self.nfev += 1
        f, g = self.vg(gnp.asarray(x.astype(self.like.dtype)))
        return float(_host(f)), _host(g).astype(_np.float64)


def _cubic_min(a, fa, da, b, fb, db):
    """The minimiser of the cubic through (a, fa, da) and (b, fb, db), or None."""
    d1 = da + db - 3 * (fa - fb) / (a - b)
    rad = d1 * d1 - da * db
    if rad < 0:
        return None
    d2 = math.copysign(math.sqrt(rad), b - a)
    den = db - da + 2 * d2
    if den == 0:
        return None
    return b - (b - a) * (db + d2 - d1) / den


def _line_search(obj: _Objective, x, f0, g0, p, maxiter: int, f_prev: float,
                 c1=1e-4, c2=0.9):
    """A step ``alpha`` along ``p`` meeting the strong Wolfe conditions:
    (alpha, f, g, status) with status 0, 3 (zoom failed) or 5 (too many iterations). The
    first trial step is SciPy's: the one at which the last decrease of ``f`` would repeat
    (``f_prev``: the previous value, or ``f0 + |g0| / 2`` at the start), at most 1."""
    d0 = float(g0 @ p)

    def phi(a):
        f, g = obj(x + a * p)
        return f, g, float(g @ p)

    def zoom(lo, f_lo, d_lo, hi, f_hi, d_hi):
        for _ in range(maxiter):
            a = _cubic_min(lo, f_lo, d_lo, hi, f_hi, d_hi)
            width = abs(hi - lo)
            if a is None or not (min(lo, hi) + 0.1 * width <= a <= max(lo, hi) - 0.1 * width):
                a = 0.5 * (lo + hi)
            f, g, d = phi(a)
            if f > f0 + c1 * a * d0 or f >= f_lo:
                hi, f_hi, d_hi = a, f, d
            else:
                if abs(d) <= -c2 * d0:
                    return a, f, g, 0
                if d * (hi - lo) >= 0:
                    hi, f_hi, d_hi = lo, f_lo, d_lo
                lo, f_lo, d_lo = a, f, d
        return None, None, None, 3

    a = 1.0
    if d0 < 0 and math.isfinite(f_prev):
        a = min(1.0, 1.01 * 2 * (f0 - f_prev) / d0)
        a = 1.0 if not a > 0 else a
    a_prev, f_prev, d_prev = 0.0, f0, d0
    for i in range(maxiter):
        f, g, d = phi(a)
        if not math.isfinite(f):  # overshot into overflow: shorten the step
            return zoom(a_prev, f_prev, d_prev, a, _np.inf, _np.inf)
        if f > f0 + c1 * a * d0 or (i > 0 and f >= f_prev):
            return zoom(a_prev, f_prev, d_prev, a, f, d)
        if abs(d) <= -c2 * d0:
            return a, f, g, 0
        if d >= 0:
            return zoom(a, f, d, a_prev, f_prev, d_prev)
        a_prev, f_prev, d_prev = a, f, d
        a *= 2.0
    return None, None, None, 5


def _norm(g, order) -> float:
    return float(_np.linalg.norm(g, ord=order))


def _bfgs(obj, x, maxiter=None, norm=_np.inf, gtol=1e-5, line_search_maxiter=10):
    n = x.shape[0]
    maxiter = 200 * n if maxiter is None else maxiter
    f, g = obj(x)
    h = _np.eye(n)
    k, status = 0, 1
    if _norm(g, norm) < gtol:
        status = 0
    f_old = f + _norm(g, 2) / 2
    while status == 1 and k < maxiter:
        p = -h @ g
        a, f_new, g_new, ls = _line_search(obj, x, f, g, p, line_search_maxiter, f_old)
        k += 1
        if ls:
            status = ls
            break
        s = a * p
        y = g_new - g
        x, f_old, f, g = x + s, f, f_new, g_new
        ys = float(y @ s)
        if ys > 0 and math.isfinite(1.0 / ys):
            rho = 1.0 / ys
            v = _np.eye(n) - rho * _np.outer(s, y)
            h = v @ h @ v.T + rho * _np.outer(s, s)
        if _norm(g, norm) < gtol:
            status = 0
    if status == 1 and k < maxiter:
        status = 0
    return x, f, g, h, status, k


def _lbfgs(obj, x, maxiter=None, norm=_np.inf, maxcor=10, ftol=2.220446049250313e-09,
           gtol=1e-05, maxfun=None, maxgrad=None, maxls=20):
    n = x.shape[0]
    maxiter = 200 * n if maxiter is None else maxiter
    maxfun = _np.inf if maxfun is None else maxfun
    f, g = obj(x)
    ss: list = []
    ys: list = []
    k, status = 0, 1
    if _norm(g, norm) < gtol:
        status = 0
    while status == 1 and k < maxiter and obj.nfev < maxfun:
        q = g.copy()
        alphas = []
        for s, y in zip(reversed(ss), reversed(ys), strict=True):
            a = (s @ q) / (y @ s)
            alphas.append(a)
            q = q - a * y
        if ss:
            q = q * (ss[-1] @ ys[-1]) / (ys[-1] @ ys[-1])
        for (s, y), a in zip(zip(ss, ys, strict=True), reversed(alphas), strict=True):
            q = q + s * (a - (y @ q) / (y @ s))
        p = -q
        a, f_new, g_new, ls = _line_search(obj, x, f, g, p, maxls,
                                           _np.inf if ss else f + _norm(g, 2) / 2)
        k += 1
        if ls:
            status = ls
            break
        s, y = a * p, g_new - g
        rel = abs(f - f_new) / max(abs(f), abs(f_new), 1.0)
        x, f, g = x + s, f_new, g_new
        if float(y @ s) > 0:
            ss.append(s)
            ys.append(y)
            if len(ss) > maxcor:
                ss.pop(0)
                ys.pop(0)
        if _norm(g, norm) < gtol or rel < ftol:
            status = 0
    return x, f, g, None, status, k


def _refuse_tracked(fun, x0, args) -> None:
    from ..closure import closure_convert

    for a in tree_flatten((x0, args))[0]:
        if isinstance(a, Tensor) and (a.requires_grad or a._tan or a._bat is not None):
            raise GradError(
                "scipy.optimize.minimize: x0 and args must be plain arrays, not values being "
                "differentiated or batched by vmap: minimize is not differentiable (nor is "
                "JAX's) and runs eagerly. Differentiate a minimum implicitly with "
                "gpuad.lax.custom_root(gpuad.grad(fun), ...), and call minimize per example")
    if closure_convert(fun, x0)[1]:
        raise GradError(
            "scipy.optimize.minimize: fun reads a value being differentiated by closure; "
            "minimize is not differentiable (the solution would carry no derivative). "
            "Differentiate a minimum implicitly with gpuad.lax.custom_root on the gradient")


def minimize(fun: Callable, x0: Any, args: tuple = (), *, method: str,
             tol: float | None = None, options: Mapping[str, Any] | None = None
             ) -> OptimizeResults:
    """Minimise ``fun(x, *args)`` over a 1-D ``x`` from ``x0``
    (``jax.scipy.optimize.minimize``). ``method``: ``"BFGS"`` (options ``maxiter``, ``norm``,
    ``gtol``, ``line_search_maxiter``) or ``"l-bfgs-experimental-do-not-rely-on-this"``
    (options ``maxiter``, ``norm``, ``maxcor``, ``ftol``, ``gtol``, ``maxfun``, ``maxls``).
    ``tol`` is accepted and, as in JAX, not used: pass ``options=dict(gtol=...)``.

    Example::

        rosen = lambda x: gnp.sum(100 * gnp.diff(x) ** 2 + (1 - x[:-1]) ** 2)
        res = minimize(rosen, gnp.zeros(2), method="BFGS")   # res.x close to [1, 1]
    """
    if not isinstance(args, tuple):
        raise TypeError(f"args argument to gpuad.scipy.optimize.minimize must be a tuple, got "
                        f"{args!r}")
    options = dict(options or {})
    _refuse_tracked(fun, x0, args)
    like = _host(x0)
    if like.ndim != 1 or like.dtype.kind not in "fiub":
        raise ValueError(f"minimize: x0 must be a 1-D array of real numbers, got shape "
                         f"{like.shape} and dtype {like.dtype}")
    if like.dtype.kind != "f":
        like = like.astype(_np.float64)
    obj = _Objective(lambda x: fun(x, *args), like)
    m = method.lower()
    with _state.no_grad():
        if m == "bfgs":
            x, f, g, h, status, k = _bfgs(obj, like.astype(_np.float64), **options)
        elif m == "l-bfgs-experimental-do-not-rely-on-this":
            x, f, g, h, status, k = _lbfgs(obj, like.astype(_np.float64), **options)
        else:
            raise ValueError(f"Method {method} not recognized")
    dt = like.dtype
    return OptimizeResults(
        x=gnp.asarray(x.astype(dt)), success=gnp.asarray(status == 0),
        status=gnp.asarray(status), fun=gnp.asarray(_np.asarray(f, dtype=dt)),
        jac=gnp.asarray(g.astype(dt)), hess_inv=None if h is None else gnp.asarray(h.astype(dt)),
        nfev=gnp.asarray(obj.nfev), njev=gnp.asarray(obj.nfev), nit=gnp.asarray(k))


_ABSENT = {
    **dict.fromkeys(("root", "root_scalar", "fsolve", "brentq", "newton", "bisect"),
                    "a root differentiable implicitly is gpuad.lax.custom_root (write the "
                    "solver, e.g. Newton steps, and its tangent solve)"),
    **dict.fromkeys(("minimize_scalar", "least_squares", "curve_fit", "linprog",
                     "line_search", "differential_evolution", "basinhopping"),
                    "only minimize (BFGS, L-BFGS) exists, as jax.scipy.optimize; for a "
                    "derivative of a minimum use gpuad.lax.custom_root on the gradient"),
}


__getattr__ = absent_names("gpuad.scipy.optimize", _ABSENT)
