"""L-BFGS with an optional strong-Wolfe line search (``torch.optim.LBFGS``)."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable
from typing import Any

from .._raw import _xp
from .._state import enable_grad, no_grad
from ..backends import get_backend
from ..tensor import Tensor
from .optimizer import Optimizer, _real_views, check_range, host_numbers

_KEYS = frozenset(
    {
        "func_evals",
        "n_iter",
        "d",
        "t",
        "old_dirs",
        "old_stps",
        "ro",
        "H_diag",
        "prev_flat_grad",
        "prev_loss",
        "al",
    }
)


def _cubic_min(
    x1: float,
    f1: float,
    g1: float,
    x2: float,
    f2: float,
    g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    """The minimiser of the cubic through two points with their slopes, clipped to
    ``bounds`` (by default the interval between them); its midpoint when the cubic has no
    real minimiser."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(disc)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _dot(a: Any, b: Any) -> float:
    return float(_xp(a).dot(a, b))


def _amax(a: Any) -> float:
    return float(_xp(a).abs(a).max())


def _strong_wolfe(
    evaluate: Callable,
    t: float,
    d: Any,
    f: float,
    g: Any,
    gtd: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, Any, float, int]:
    """A step ``t`` along ``d`` meeting the strong Wolfe conditions (bracketing, then
    zooming with cubic interpolation), as torch's LBFGS searches: ``(loss, gradient, t,
    evaluations)``. ``evaluate(t)`` gives the loss and flat gradient at ``x + t d``."""
    d_norm = _amax(d)
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = _dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    it = 0
    bracket: list = []
    while it < max_ls:  # bracketing
        if f_new > f + c1 * t * gtd or (it > 1 and f_new >= f_prev):
            bracket, bf, bg, bgtd = (
                [t_prev, t],
                [f_prev, f_new],
                [g_prev, g_new],
                [gtd_prev, gtd_new],
            )
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bf, bg, bgtd = [t], [f_new], [g_new], [gtd_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bf, bg, bgtd = (
                [t_prev, t],
                [f_prev, f_new],
                [g_prev, g_new],
                [gtd_prev, gtd_new],
            )
            break
        lo, hi = t + 0.01 * (t - t_prev), t * 10
        t_prev, t = t, _cubic_min(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (lo, hi))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = _dot(g_new, d)
        it += 1
    if it == max_ls:
        bracket, bf, bg = [0, t], [f, f_new], [g, g_new]
    stalled = False
    low, high = (0, 1) if bf[0] <= bf[-1] else (1, 0)
    while not done and it < max_ls:  # zooming
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_min(bracket[0], bf[0], bgtd[0], bracket[1], bf[1], bgtd[1])
        top, bottom = max(bracket), min(bracket)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:  # too close to an end: move away from it
            if stalled or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = _dot(g_new, d)
        it += 1
        if f_new > f + c1 * t * gtd or f_new >= bf[low]:
            bracket[high], bf[high], bg[high], bgtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if bf[0] <= bf[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bf[high], bg[high], bgtd[high] = (
                    bracket[low],
                    bf[low],
                    bg[low],
                    bgtd[low],
                )
            bracket[low], bf[low], bg[low], bgtd[low] = t, f_new, g_new, gtd_new
    return bf[low], bg[low], bracket[low], evals


class LBFGS(Optimizer):
    """L-BFGS, the algorithm of ``torch.optim.LBFGS``: ``step(closure)`` runs up to
    ``max_iter`` iterations (``max_eval`` evaluations of ``closure``) from a history of
    ``history_size`` curvature pairs, each iteration a step of ``lr`` (the first
    ``min(1, 1 / |g|_1) * lr``) along the quasi-Newton direction, or the step a strong-Wolfe
    line search finds (``line_search_fn="strong_wolfe"``); it stops early when the largest
    gradient entry is at most ``tolerance_grad`` or the step or the loss change falls below
    ``tolerance_change``. ``closure()`` clears the gradients, computes the loss, calls
    ``backward()`` and returns the loss; ``step`` returns its first value. One parameter
    group only; complex parameters count as their real and imaginary parts.

    Not inside ``gpuad.jit``: each iteration decides on the host from the loss and gradient
    values (the stopping tests, the line search), which a recorded program cannot replay, so
    ``step`` raises ``TracerError`` there. The closure may call a compiled function.

    Example::

        opt = LBFGS([w], lr=1, line_search_fn="strong_wolfe")
        def closure():
            opt.zero_grad(); loss = f(w); loss.backward(); return loss
        opt.step(closure)
    """

    state_keys = None

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(
            params,
            {
                "lr": lr,
                "max_iter": max_iter,
                "max_eval": max_eval,
                "tolerance_grad": tolerance_grad,
                "tolerance_change": tolerance_change,
                "history_size": history_size,
                "line_search_fn": line_search_fn,
            },
        )

    def add_param_group(self, param_group: dict) -> None:
        if getattr(self, "param_groups", None):
            raise ValueError(
                "LBFGS doesn't support per-parameter options (parameter groups): "
                "pass all parameters in one group"
            )
        super().add_param_group(param_group)

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        for name in ("max_iter", "max_eval", "history_size"):
            v = group[name]
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"LBFGS: {name} must be a positive integer, got {v!r}")
        check_range("LBFGS", "tolerance_grad", group["tolerance_grad"], 0.0)
        check_range("LBFGS", "tolerance_change", group["tolerance_change"], 0.0)
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(
                f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                f"{group['line_search_fn']!r}"
            )

    # ---- the parameters as one flat vector --------------------------------------------------
    def _views(self) -> list[Any]:
        return [_real_views("LBFGS", p.data, p.data)[0] for p in self.param_groups[0]["params"]]

    def _flat_grad(self) -> Any:
        xp = get_backend().xp
        parts = []
        for p, v in zip(self.param_groups[0]["params"], self._views(), strict=True):
            g = p.grad
            if g is None:
                parts.append(xp.zeros(v.size, v.dtype))
                continue
            g = g.data if isinstance(g, Tensor) else g
            parts.append(_real_views("LBFGS", p.data, xp.asarray(g))[1].reshape(-1))
        return xp.concatenate(parts)

    def _bump(self) -> None:
        for p in self.param_groups[0]["params"]:
            p._ver[0] += 1  # written in place: graphs recorded before are now stale
            p._seen = p._ver[0]

    def _add(self, t: float, d: Any) -> None:
        off = 0
        for v in self._views():
            v += t * d[off : off + v.size].reshape(v.shape)
            off += v.size
        self._bump()

    def _set(self, xs: list[Any]) -> None:
        for v, x in zip(self._views(), xs, strict=True):
            v[...] = x
        self._bump()

    # ---- the step ----------------------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """Run one L-BFGS minimisation of ``closure()`` (see the class); returns the loss
        ``closure`` returned first. Example: ``loss = opt.step(closure)``"""
        trace = sys.modules.get("gpuad.jit.trace")
        if trace is not None and trace.active() is not None:
            raise trace.TracerError(
                f"jit: LBFGS.step at {trace.user_line()} inside a compiled function: L-BFGS "
                f"reads the loss and gradient values on the host at every iteration (its "
                f"stopping tests and line search branch on them), which a recorded program "
                f"cannot replay. Call opt.step(closure) outside the compiled function (the "
                f"closure may call one)"
            )
        if closure is None or not callable(closure):
            raise TypeError(
                "LBFGS.step needs a closure: a function that clears the "
                "gradients, computes the loss, calls backward() and returns it"
            )
        self._sync()
        self.step_count += 1
        with no_grad():
            return self._minimise(closure)

    def _evaluate(self, closure: Callable[[], Any]) -> Any:
        with enable_grad():
            return closure()

    def _minimise(self, closure: Callable[[], Any]) -> Any:
        group = self.param_groups[0]
        lr = host_numbers(group)["lr"]  # a Tensor lr as a number (torch: _to_scalar)
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history = group["history_size"]
        state = self.state[0]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        first = self._evaluate(closure)
        loss = float(first)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if _amax(g) <= tol_grad:
            return first
        d, t = state.get("d"), state.get("t")
        dirs, stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_g = state.get("H_diag"), state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")
        done_grad = False
        n = 0
        while n < max_iter:
            n += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, dirs, stps, ro, h_diag = -g, [], [], [], 1.0
            else:
                y = g - prev_g
                s = d * t
                ys = _dot(y, s)
                if ys > 1e-10:  # a curvature pair that keeps the inverse Hessian positive
                    if len(dirs) == history:
                        dirs.pop(0)
                        stps.pop(0)
                        ro.pop(0)
                    dirs.append(y)
                    stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / _dot(y, y)
                if "al" not in state:
                    state["al"] = [None] * history
                al = state["al"]
                q = -g
                for i in range(len(dirs) - 1, -1, -1):  # two-loop recursion
                    al[i] = _dot(stps[i], q) * ro[i]
                    q -= al[i] * dirs[i]
                d = q * h_diag
                for i in range(len(dirs)):
                    d += (al[i] - _dot(dirs[i], d) * ro[i]) * stps[i]
            prev_g = g.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / float(_xp(g).abs(g).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = _dot(g, d)
            if gtd > -tol_change:  # not a descent direction
                break
            used = 0
            if group["line_search_fn"] is not None:
                x0 = [v.copy() for v in self._views()]

                def evaluate(step: float, x0=x0, d=d) -> tuple[float, Any]:
                    self._add(step, d)
                    f = float(self._evaluate(closure))
                    gr = self._flat_grad()
                    self._set(x0)
                    return f, gr

                loss, g, t, used = _strong_wolfe(
                    evaluate, t, d, loss, g, gtd, max_ls=max_eval - evals
                )
                self._add(t, d)
                done_grad = _amax(g) <= tol_grad
            else:
                self._add(t, d)
                if n != max_iter:
                    loss = float(self._evaluate(closure))
                    g = self._flat_grad()
                    done_grad = _amax(g) <= tol_grad
                    used = 1
            evals += used
            state["func_evals"] += used
            if (
                n == max_iter
                or evals >= max_eval
                or done_grad
                or _amax(d * t) <= tol_change
                or abs(loss - prev_loss) < tol_change
            ):
                break
        state.update(
            {
                "d": d,
                "t": t,
                "old_dirs": dirs,
                "old_stps": stps,
                "ro": ro,
                "H_diag": h_diag,
                "prev_flat_grad": prev_g,
                "prev_loss": prev_loss,
            }
        )
        return first

    # ---- checkpoints -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        out = super().state_dict()
        out["state"] = {
            i: {k: _copied(v) for k, v in st.items()} for i, st in enumerate(self.state) if st
        }
        return out

    def _load_entry(self, who: str, i: int, p: Tensor, entry: dict) -> dict[str, Any]:
        unknown = sorted(set(entry) - _KEYS)
        if unknown:
            raise ValueError(
                f"{who}: the state of parameter {i} holds {unknown}, which LBFGS "
                f"does not use (it uses {sorted(_KEYS)})"
            )
        xp = _xp(p.data)
        return {k: _copied(v, xp) for k, v in entry.items()}


def _copied(v: Any, xp: Any = None) -> Any:
    """``v`` with its arrays copied (onto ``xp``'s device when given), lists too."""
    if isinstance(v, list):
        return [_copied(x, xp) for x in v]
    if hasattr(v, "shape") and not isinstance(v, float | int):
        if xp is None:
            return v.copy()
        host = v.get() if hasattr(v, "get") and not isinstance(v, xp.ndarray) else v
        return xp.array(host, copy=True)
    return v
