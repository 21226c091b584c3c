"""The derivative of a gamma sample with respect to its shape parameter, in float64.

A sample ``x`` of Gamma(a, 1) is differentiated as the quantile of its uniform draw
(implicit reparameterisation): ``dx/da = -(dP/da)(a, x) / p(a, x)``, with ``P`` the
regularised lower incomplete gamma function and ``p`` the density. Both ways of writing it
below are sums of terms of one sign, so nothing cancels:

- where ``log x <= digamma(a + 1)``, from the series ``P = x^a e^-x / Gamma(a+1) * S``,
  ``S = sum_n x^n / ((a+1)...(a+n))``: ``d(log x)/da = -(S (log x - digamma(a+1)) + dS/da) / a``
  (both terms are <= 0);
- elsewhere (``x`` above about ``a``), from the continued fraction
  ``Q = 1 - P = x^a e^-x / Gamma(a) * C``, ``C = 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...)))``:
  ``d(log x)/da = C (log x - digamma(a)) + dC/da`` (both terms are >= 0), the fraction and
  its a-derivative evaluated together by the three-term recurrence.

The function takes and returns logarithms (``log x`` in, ``d(log x)/da`` out), so samples too
small for a float (tiny ``a``) keep their derivative. It runs on the host in NumPy, as the
draws do.
"""

from __future__ import annotations

import numpy as np

_TOL = 1e-17
_MAX_TERMS = 200_000


def dlogx_da(a, logx) -> np.ndarray:
    """``d(log x)/da`` for gamma samples ``x = exp(logx)`` of shape ``a`` (float64 arrays that
    broadcast). ``a <= 0``, nan or ``x = inf`` give nan; ``x = 0`` gives inf (its limit).
    Example: ``dlogx_da(2.0, np.log(1.5))``"""
    try:
        from scipy.special import digamma
    except ImportError as e:  # pragma: no cover - SciPy is an optional dependency
        raise ImportError(
            "gpuad.random: the derivative of gamma samples in their shape parameter needs "
            "SciPy (pip install scipy); drawing them does not"
        ) from e
    a, logx = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(logx, np.float64))
    out = np.full(a.shape, np.nan)
    ok = (a > 0) & (logx < np.inf) & ~np.isnan(logx)
    series = ok & (logx <= digamma(a + 1.0))
    frac = ok & ~series
    if series.any():
        out[series] = _by_series(a[series], logx[series], digamma)
    if frac.any():
        out[frac] = _by_fraction(a[frac], logx[frac], digamma)
    return out


def _by_series(a, logx, digamma):
    x = np.exp(logx)
    term = np.ones_like(a)  # x^n / ((a+1)...(a+n))
    dterm = np.zeros_like(a)  # its a-derivative: -term * sum_k 1/(a+k)
    s, ds = term.copy(), dterm.copy()
    live = np.arange(a.size)
    for n in range(1, _MAX_TERMS):
        an = a[live] + n
        r = x[live] / an
        dterm[live] = r * (dterm[live] - term[live] / an)
        term[live] *= r
        s[live] += term[live]
        ds[live] += dterm[live]
        done = (term[live] <= _TOL * s[live]) & (np.abs(dterm[live]) <= _TOL * np.abs(ds[live]))
        live = live[~done]
        if not live.size:
            break
    else:
        _not_converged("series", a[live], logx[live])
    # log x - digamma(a + 1) may cancel (x near a), but its absolute error, a few eps * log a,
    # stays small beside dS/da, which has the same sign
    return -(s * (logx - digamma(a + 1.0)) + ds) / a


def _by_fraction(a, logx, digamma):
    x = np.exp(logx)
    # C = K(a_n / b_n), a_1 = 1, b_1 = x + 1 - a, a_n = -(n-1)(n-1-a), b_n = x + 2n - 1 - a
    # A_n = b_n A_{n-1} + a_n A_{n-2} (likewise B), with their a-derivatives dA, dB
    a_prev, a_cur = np.ones_like(a), np.zeros_like(a)
    b_prev, b_cur = np.zeros_like(a), np.ones_like(a)
    da_prev, da_cur = np.zeros_like(a), np.zeros_like(a)
    db_prev, db_cur = np.zeros_like(a), np.zeros_like(a)
    c = np.zeros_like(a)
    dc = np.zeros_like(a)
    live = np.arange(a.size)
    for n in range(1, _MAX_TERMS):
        al, xl = a[live], x[live]
        bn = xl + (2 * n - 1) - al  # d/da: -1
        if n == 1:
            an, dan = np.ones_like(al), np.zeros_like(al)
        else:
            an, dan = -(n - 1) * (n - 1 - al), np.full_like(al, n - 1.0)
        ap, ac, bp, bc = a_prev[live], a_cur[live], b_prev[live], b_cur[live]
        dap, dac, dbp, dbc = da_prev[live], da_cur[live], db_prev[live], db_cur[live]
        a_new = bn * ac + an * ap
        b_new = bn * bc + an * bp
        da_new = -ac + bn * dac + dan * ap + an * dap
        db_new = -bc + bn * dbc + dan * bp + an * dbp
        scale = 1.0 / b_new  # keeps B_n = 1: no overflow
        a_prev[live], a_cur[live] = ac * scale, a_new * scale
        b_prev[live], b_cur[live] = bc * scale, np.ones_like(al)
        da_prev[live], da_cur[live] = dac * scale, da_new * scale
        db_prev[live], db_cur[live] = dbc * scale, db_new * scale
        c_new = a_cur[live]
        dc_new = da_cur[live] - c_new * db_cur[live]  # (dA B - A dB) / B^2 with B = 1
        done = (np.abs(c_new - c[live]) <= _TOL * np.abs(c_new)) & (
            np.abs(dc_new - dc[live]) <= _TOL * np.abs(dc_new)
        )
        c[live], dc[live] = c_new, dc_new
        live = live[~done]
        if not live.size:
            break
    else:
        _not_converged("continued fraction", a[live], logx[live])
    return c * (logx - digamma(a)) + dc


def _not_converged(how: str, a, logx) -> None:
    raise ArithmeticError(
        f"gpuad.random.gamma: the derivative of the samples in the shape parameter did not "
        f"converge ({how}, {_MAX_TERMS} terms) for a = {a[:3]}, x = {np.exp(logx[:3])}; "
        f"shapes this large have no gradient in gpuad (stop_gradient(a))"
    )
