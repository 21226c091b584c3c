"""``scipy.integrate.odeint``, differentiable in ``y0``, ``t`` and the float arrays in ``args``;
``cumulative_trapezoid`` (gpuad/scipy/_quadrature.py) and ``trapezoid`` (``gpuad.numpy``'s).

Reverse mode integrates the adjoint system backwards in time between the output times
(as HIPS autograd's ``odeint`` does; Froehlich et al. 2017, sec. 2.4.2); forward mode integrates
the forward sensitivity equations alongside the solution. Both use ``scipy.integrate.odeint``
(LSODA) on the host, with the tolerances given to the forward; ``func`` is evaluated, and
differentiated, with gpuad on the active backend (on the CuPy backend each evaluation copies the
state between host and device). For derivatives of higher order the adjoint and sensitivity
systems are integrated by ``odeint`` itself as recorded operations, so they can be
differentiated again (any order, any mix of modes; each order nests one more solve).

Example::

    import gpuad as ad, gpuad.numpy as gnp
    from gpuad.scipy.integrate import odeint

    def f(y, t, k):
        return -k * y

    loss = lambda y0, k: gnp.sum(odeint(f, y0, gnp.linspace(0.0, 1.0, 5), args=(k,)))
    gy0, gk = ad.grad(loss, argnums=(0, 1))(np.array([1.0, 2.0]), np.array(0.5))
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as _np

from .. import _state
from .. import numpy as gnp
from ..batching.rules_misc import loop_formulas
from ..rules import MissingRuleError, _xp, data, prim, shape
from ..tensor import Tensor
from ..tree import tree_flatten, tree_unflatten
from ._absent import absent_names
from ._quadrature import cumulative_trapezoid, simpson  # noqa: F401

trapezoid = gnp.trapezoid

_ADJOINT_OPTIONS = ("rtol", "atol", "h0", "hmax", "hmin", "mxstep", "mxordn", "mxords")


def _host(a: Any) -> _np.ndarray:
    a = data(a)
    return _np.asarray(a.get() if hasattr(a, "get") else a, dtype=_np.float64)


def _is_float(a: Any) -> bool:
    dt = getattr(data(a), "dtype", None)
    return isinstance(data(a), float) or (dt is not None and dt.kind == "f")


class _System:
    """``func`` on host vectors: its value, its vjp and its jvp in ``y`` and the float args."""

    def __init__(self, func: Callable, args: tuple, tfirst: bool, xp):
        self.func, self.tfirst, self.xp = func, tfirst, xp
        self.args = [xp.asarray(data(a)) for a in args]
        self.float_args = [k for k, a in enumerate(args) if _is_float(a)]

    def call(self, y, t, args):
        return self.func(t, y, *args) if self.tfirst else self.func(y, t, *args)

    def value(self, y: _np.ndarray, t: float) -> _np.ndarray:
        out = self.call(self.xp.array(y), float(t), self.args)  # (LSODA reuses y)
        if isinstance(out, Tensor):
            if out.requires_grad or out._tan:
                raise MissingRuleError(
                    "odeint: func uses a Tensor being differentiated that is not passed through "
                    "args; pass every array it should be differentiated in as args=(...)")
            out = out.data
        return _host(out).reshape(-1)

    def _partial(self):
        def f(y, *vals):
            args = list(self.args)
            for k, v in zip(self.float_args, vals, strict=True):
                args[k] = v
            return self.call(y, self._t, args)
        return f

    def vjp(self, y, t, a):
        """``(f, a^T df/dy, [a^T df/darg for the float args])`` at ``(y, t)``."""
        from ..transforms import vjp

        self._t = float(t)
        xp = self.xp
        out, back = vjp(self._partial(), xp.asarray(y),
                        *[self.args[k] for k in self.float_args])
        cts = back(xp.asarray(a).reshape(_np.shape(data(out))))
        return _host(out).reshape(-1), _host(cts[0]).reshape(-1), [
            _host(c).reshape(-1) for c in cts[1:]]

    def jvp(self, y, t, s, dargs):
        """``(f, df/dy s + sum df/darg dargs)`` at ``(y, t)``."""
        from ..transforms import jvp

        self._t = float(t)
        xp = self.xp
        prim_ = (xp.asarray(y), *[self.args[k] for k in self.float_args])
        tans = (xp.asarray(s), *[xp.asarray(d).reshape(self.args[k].shape)
                                 for k, d in zip(self.float_args, dargs, strict=True)])
        out, tan = jvp(self._partial(), prim_, tans)
        return _host(out).reshape(-1), _host(tan).reshape(-1)


def _solve(rhs, z0, times, kw):
    import scipy.integrate

    return scipy.integrate.odeint(rhs, z0, _np.asarray(times, dtype=_np.float64), **kw)


def _fwd(xp, y0, t, *args, func, tfirst, kw):
    sys_ = _System(func, args, tfirst, xp)
    y0h = _host(y0).reshape(-1)
    if "Dfun" in kw:
        jac = kw["Dfun"]
        kw = dict(kw, Dfun=lambda y, tt: _host(
            jac(tt, xp.asarray(y), *sys_.args) if tfirst else jac(xp.asarray(y), tt, *sys_.args)))
    trace = sys.modules.get("gpuad.jit.trace")
    tr = trace.active() if trace is not None else None
    if tr is not None:  # the step replays this whole solve: its thousands of evaluations of
        tr.paused += 1  # func are no steps of the program being recorded
    try:
        out = _solve(lambda y, tt: sys_.value(y, tt), y0h, _host(t), kw)
    finally:
        if tr is not None:
            tr.paused -= 1
    return xp.asarray(out)


def _higher_order(values) -> bool:
    """Whether a derivative of this derivative is being taken: a value carries a tangent, or
    requires grad while recording is on (``create_graph``)."""
    rec = _state.is_grad_enabled()
    return any(isinstance(v, Tensor) and (bool(v._tan) or (rec and v.requires_grad))
               for v in values)


def _adjoint_kw(kw: dict) -> dict:
    return {k: v for k, v in kw.items() if k in _ADJOINT_OPTIONS}


def _refuse_under_jit(mode: str) -> None:
    """The derivative solves its adjoint (or sensitivity) system on the host, stepping by the
    values; under ``gpuad.jit`` those are not known when the program is recorded."""
    trace = sys.modules.get("gpuad.jit.trace")
    if trace is not None and trace.active() is not None:
        raise trace.TracerError(
            f"jit: the {mode} derivative of odeint at {trace.user_line()} inside a compiled "
            f"function: it integrates the {'adjoint' if mode == 'reverse' else 'sensitivity'} "
            f"system with SciPy's LSODA on the host, which chooses its steps from each "
            f"traced value, so a recorded program cannot replay it. Take the derivative outside "
            f"gpuad.jit "
            f"(odeint itself, without a derivative, compiles; so may func)")


def _vjp_all(g, ans, inputs, params, need):
    _refuse_under_jit("reverse")
    if _higher_order((g, ans, *inputs)):
        return _vjp_recorded(g, ans, inputs, params, need)
    y0, t, *args = inputs
    func, tfirst, kw = params["func"], params["tfirst"], _adjoint_kw(params["kw"])
    xp = _xp(data(ans))
    sys_ = _System(func, args, tfirst, xp)
    for k in range(len(args)):
        if need[2 + k] and k not in sys_.float_args:
            raise MissingRuleError(f"odeint: args[{k}] is not a float array; it cannot be "
                                   f"differentiated")
    gh, yt, th = _host(g), _host(ans), _host(t).reshape(-1)
    n_t, d = yt.shape
    sizes = [sys_.args[k].size for k in sys_.float_args]
    n_p = sum(sizes)

    def augmented(z, tt):
        y, a = z[:d], z[d:2 * d]
        f, ay, aargs = sys_.vjp(y, tt, -a)
        return _np.concatenate([f, ay, *aargs]) if aargs else _np.concatenate([f, ay])

    a = gh[-1].copy()
    b = _np.zeros(n_p)
    t_bar = _np.zeros(n_t)
    for i in range(n_t - 1, 0, -1):
        t_bar[i] = sys_.value(yt[i], th[i]) @ gh[i]
        z = _solve(augmented, _np.concatenate([yt[i], a, b]), [th[i], th[i - 1]], kw)[1]
        a, b = z[d:2 * d] + gh[i - 1], z[2 * d:]
    # moving t0 shifts the whole trajectory after it: -Phi(t, t0) f(y0, t0) dt0
    t_bar[0] = -((a - gh[0]) @ sys_.value(yt[0], th[0]))

    out: list = [None] * (2 + len(args))
    out[0] = xp.asarray(a.reshape(_np.shape(data(y0))))
    out[1] = xp.asarray(t_bar.reshape(_np.shape(data(t))))
    offsets = _np.cumsum([0] + sizes)
    for n, k in enumerate(sys_.float_args):
        out[2 + k] = xp.asarray(b[offsets[n]:offsets[n + 1]].reshape(sys_.args[k].shape))
    return [c if need[i] else None for i, c in enumerate(out)]


def _jvp_n(i, tan, ans, y0, t, *args, func, tfirst, kw):
    _refuse_under_jit("forward")
    if _higher_order((tan, ans, y0, t, *args)):
        return _jvp_recorded(i, tan, ans, y0, t, args, func, tfirst, kw)
    kw = _adjoint_kw(kw)
    xp = _xp(data(ans))
    sys_ = _System(func, args, tfirst, xp)
    yt, th = _host(ans), _host(t).reshape(-1)
    n_t, d = yt.shape
    dy0 = _np.zeros(d)
    dts = _np.zeros(n_t)
    dargs = [_np.zeros(sys_.args[k].size) for k in sys_.float_args]
    if i == 0:
        dy0 = _host(tan).reshape(-1)
    elif i == 1:
        dts = _host(tan).reshape(-1)
    else:
        if i - 2 not in sys_.float_args:
            raise MissingRuleError(f"odeint: args[{i - 2}] is not a float array; it cannot be "
                                   f"differentiated")
        dargs[sys_.float_args.index(i - 2)] = _host(tan).reshape(-1)
    s0 = dy0 - sys_.value(yt[0], th[0]) * dts[0]

    def augmented(z, tt):
        f, ds = sys_.jvp(z[:d], tt, z[d:], dargs)
        return _np.concatenate([f, ds])

    sens = _solve(augmented, _np.concatenate([yt[0], s0]), th, kw)[:, d:]
    if i == 1:
        sens = sens + _np.stack([sys_.value(yt[k], th[k]) for k in range(n_t)]) * dts[:, None]
    return xp.asarray(sens)


# ---- the same two computations as recorded programs (for derivatives of higher order) --------
# The adjoint and sensitivity systems are integrated by ``odeint`` itself, their right-hand
# sides built with gpuad.vjp/jvp of ``func``: differentiating them again differentiates those.

def _rhs(func, tfirst, args, float_args):
    def rhs(y, tt, *vals):
        full = list(args)
        for k, v in zip(float_args, vals, strict=True):
            full[k] = v
        out = func(tt, y, *full) if tfirst else func(y, tt, *full)
        return gnp.reshape(out, (-1,))
    return rhs


def _plain(res, z, vals):
    """``res`` as a raw array when the state and args are raw (the solver's own calls): the
    Tensors that gpuad.vjp/jvp return inside belong to their own traces, not to a user's."""
    if isinstance(z, Tensor) or any(isinstance(v, Tensor) for v in vals):
        return res
    return data(res)


def _vjp_recorded(g, ans, inputs, params, need):
    from ..transforms import vjp

    y0, t, *args = inputs
    func, tfirst, kw = params["func"], params["tfirst"], _adjoint_kw(params["kw"])
    float_args = [k for k, a in enumerate(args) if _is_float(a)]
    for k in range(len(args)):
        if need[2 + k] and k not in float_args:
            raise MissingRuleError(f"odeint: args[{k}] is not a float array; it cannot be "
                                   f"differentiated")
    fvals = [args[k] for k in float_args]
    rhs = _rhs(func, tfirst, args, float_args)
    n_t, d = shape(ans)

    def augmented(z, tt, *vals):
        out, back = vjp(lambda yy, *vv: rhs(yy, tt, *vv), z[:d], *vals)
        cts = back(-z[d:2 * d])
        return _plain(gnp.concatenate([out] + [gnp.reshape(c, (-1,)) for c in cts]), z, vals)

    xp = _xp(data(ans))
    a = g[n_t - 1]
    b = xp.zeros(sum(int(_np.prod(shape(v))) for v in fvals), dtype=data(ans).dtype)
    t_bar = [None] * n_t
    for i in range(n_t - 1, 0, -1):
        t_bar[i] = gnp.sum(rhs(ans[i], t[i], *fvals) * g[i])
        z = odeint(augmented, gnp.concatenate([ans[i], a, b]), gnp.stack([t[i], t[i - 1]]),
                   args=tuple(fvals), **kw)[1]
        a, b = z[d:2 * d] + g[i - 1], z[2 * d:]
    t_bar[0] = -gnp.sum((a - g[0]) * rhs(ans[0], t[0], *fvals))

    out: list = [None] * (2 + len(args))
    out[0] = gnp.reshape(a, shape(y0))
    out[1] = gnp.reshape(gnp.stack(t_bar), shape(t))
    start = 0
    for k, v in zip(float_args, fvals, strict=True):
        n = int(_np.prod(shape(v)))
        out[2 + k] = gnp.reshape(b[start:start + n], shape(v))
        start += n
    return [c if need[i] else None for i, c in enumerate(out)]


def _jvp_recorded(i, tan, ans, y0, t, args, func, tfirst, kw):
    from ..transforms import jvp

    kw = _adjoint_kw(kw)
    float_args = [k for k, a in enumerate(args) if _is_float(a)]
    if i >= 2 and i - 2 not in float_args:
        raise MissingRuleError(f"odeint: args[{i - 2}] is not a float array; it cannot be "
                               f"differentiated")
    fvals = [args[k] for k in float_args]
    rhs = _rhs(func, tfirst, args, float_args)
    n_t, d = shape(ans)
    xp = _xp(data(ans))
    dt = data(ans).dtype
    y0f = gnp.reshape(y0, (-1,))
    dargs = [xp.zeros(shape(v), dtype=dt) for v in fvals]
    if i >= 2:
        dargs[float_args.index(i - 2)] = tan
    if i == 0:
        s0 = gnp.reshape(tan, (-1,))
    elif i == 1:
        s0 = -rhs(y0f, t[0], *fvals) * tan[0]
    else:
        s0 = xp.zeros(d, dtype=dt)
    nv = len(fvals)

    def augmented(z, tt, *vals):
        out, ds = jvp(lambda yy, *vv: rhs(yy, tt, *vv), (z[:d], *vals[:nv]),
                      (z[d:], *vals[nv:]))
        return _plain(gnp.concatenate([out, ds]), z, vals)

    sens = odeint(augmented, gnp.concatenate([y0f, s0]), t, args=(*fvals, *dargs),
                  **kw)[:, d:]
    if i == 1:
        sens = sens + gnp.stack([rhs(ans[k], t[k], *fvals) for k in range(n_t)]) * \
            gnp.reshape(tan, (n_t, 1))
    return sens


def _on_leaves(func: Callable | None, args: tuple, tfirst: bool) -> tuple[Callable | None, tuple]:
    """``func`` taking the leaves of the pytree ``args`` one by one (so the arrays inside
    nested lists, tuples and dicts, a network's parameters say, are differentiated too), and
    those leaves."""
    leaves, tdef = tree_flatten(args)
    if func is None:
        return None, tuple(leaves)
    if tfirst:
        return (lambda t, y, *vals: func(t, y, *tree_unflatten(tdef, list(vals)))), tuple(leaves)
    return (lambda y, t, *vals: func(y, t, *tree_unflatten(tdef, list(vals)))), tuple(leaves)


_odeint = prim("odeint", _fwd, vjp_all=_vjp_all, jvp_n=_jvp_n)
loop_formulas(_odeint)  # inside vmap: the host solver runs once per example


def odeint(func: Callable, y0: Any, t: Any, args: tuple = (), Dfun: Callable | None = None,
           col_deriv: int = 0, full_output: int = 0, ml: int | None = None,
           mu: int | None = None, rtol: Any = None, atol: Any = None, tcrit: Any = None,
           h0: float = 0.0, hmax: float = 0.0, hmin: float = 0.0, ixpr: int = 0,
           mxstep: int = 0, mxhnil: int = 0, mxordn: int = 12, mxords: int = 5,
           printmessg: int = 0, tfirst: bool = False) -> Any:
    """Integrate ``dy/dt = func(y, t, *args)`` from ``y0`` and return ``y`` at each time in
    ``t`` (shape ``(len(t), len(y0))``), as ``scipy.integrate.odeint``.

    ``func`` must be written with ``gpuad.numpy`` so that it can be differentiated; every array
    it should be differentiated in is passed through ``args`` (a Tensor captured by ``func``
    instead raises); an element of ``args`` may be a list, tuple or dict of arrays.
    ``Dfun``, ``col_deriv``, ``ml``, ``mu`` and ``tcrit`` only guide the
    forward solve. ``full_output`` is not supported.

    Example: ``ys = odeint(lambda y, t, k: -k * y, y0, gnp.linspace(0, 1, 11), args=(k,))``
    """
    if full_output:
        raise NotImplementedError("odeint: full_output is not supported; call "
                                  "scipy.integrate.odeint on plain arrays for its info dict")
    if not isinstance(args, tuple):
        args = (args,)
    if any(isinstance(a, (list, tuple, dict)) for a in args):
        Dfun = _on_leaves(Dfun, args, bool(tfirst))[0]
        func, args = _on_leaves(func, args, bool(tfirst))
    if _np.ndim(data(t)) != 1:
        raise ValueError(f"odeint: t must be one-dimensional, got shape {_np.shape(data(t))}")
    if _np.ndim(data(y0)) > 1:
        raise ValueError(f"odeint: y0 must be a scalar or one-dimensional, got shape "
                         f"{_np.shape(data(y0))}")
    kw = {"rtol": rtol, "atol": atol, "h0": h0, "hmax": hmax, "hmin": hmin, "ixpr": ixpr,
          "mxstep": mxstep, "mxhnil": mxhnil, "mxordn": mxordn, "mxords": mxords,
          "printmessg": printmessg}
    if Dfun is not None:
        kw.update(Dfun=Dfun, col_deriv=col_deriv)
    if ml is not None or mu is not None:
        kw.update(ml=ml, mu=mu)
    if tcrit is not None:
        kw["tcrit"] = tcrit
    return _odeint(y0, t, *args, func=func, tfirst=bool(tfirst), kw=kw)


__all__ = ["cumulative_trapezoid", "odeint", "simpson", "trapezoid"]


_ABSENT = {
    **dict.fromkeys(("romb", "cumulative_simpson", "fixed_quad", "quad",
                     "quad_vec", "dblquad", "romberg"),
                    "not implemented; trapezoid and cumulative_trapezoid are (on samples); a "
                    "fixed Gauss rule is a weighted sum at numpy.polynomial.legendre.leggauss "
                    "nodes, written with gpuad.numpy"),
    **dict.fromkeys(("solve_ivp", "RK45", "ode", "solve_bvp"),
                    "use odeint (LSODA, differentiable in y0, t and args by adjoints)"),
}


__getattr__ = absent_names("gpuad.scipy.integrate", _ABSENT)
