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
_CF_TOL = 4e-16  # a few units of rounding: the fraction's last digits wobble once converged
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
    s, ds = np.empty_like(a), np.empty_like(a)
    # the live elements' state, one row each, compacted as they finish: a, x,
    # term = x^n / ((a+1)...(a+n)), its a-derivative -term * sum_k 1/(a+k), S, dS/da, index
    one, zero = np.ones_like(a), np.zeros_like(a)
    st = np.stack([a, np.exp(logx), one, zero, one, zero, np.arange(a.size, dtype=np.float64)])
    for n in range(1, _MAX_TERMS):
        al, xl, term, dterm, sm, dsm, _ = st
        an = al + n
        r = xl / an
        dterm[:] = r * (dterm - term / an)
        term *= r
        sm += term
        dsm += dterm
        done = (term <= _TOL * sm) & (np.abs(dterm) <= _TOL * np.abs(dsm))
        if done.any():
            idx = st[6, done].astype(np.intp)
            s[idx], ds[idx] = st[4, done], st[5, done]
            st = st[:, ~done]
            if not st.shape[1]:
                break
    else:
        _not_converged("series", st[0], np.log(st[1]))
    # log x - digamma(a + 1) may cancel (x near a), but its absolute error, a few eps * log a,
    # stays small beside dS/da, which has the same sign
    return -(s * (logx - digamma(a + 1.0)) + ds) / a


def _by_fraction(a, logx, digamma):
    c, dc = np.empty_like(a), np.empty_like(a)
    # C = K(a_n / b_n), a_1 = 1, b_1 = x + 1 - a, a_n = -(n-1)(n-1-a), b_n = x + 2n - 1 - a,
    # by A_n = b_n A_{n-1} + a_n A_{n-2} (likewise B), carried with the a-derivatives dA, dB
    # and scaled so that B_n = 1. State rows: a, x, A_{n-1}, A_n, B_{n-1}, dA_{n-1}, dA_n,
    # dB_{n-1}, dB_n, C_n, dC_n/da, index
    z = np.zeros_like(a)
    st = np.stack(
        [
            a,
            np.exp(logx),
            np.ones_like(a),
            z,
            z,
            z,
            z,
            z,
            z,
            z,
            z,
            np.arange(a.size, dtype=np.float64),
        ]
    )
    for n in range(1, _MAX_TERMS):
        al, xl, ap, ac, bp, dap, dac, dbp, dbc, c_old, dc_old, _ = st
        bn = xl + (2 * n - 1) - al  # d/da: -1
        an, dan = (1.0, 0.0) if n == 1 else (-(n - 1) * (n - 1 - al), n - 1.0)
        a_new = bn * ac + an * ap
        b_new = bn + an * bp
        da_new = -ac + bn * dac + dan * ap + an * dap
        db_new = -1.0 + bn * dbc + dan * bp + an * dbp
        scale = 1.0 / b_new
        c_new = a_new * scale
        dc_new = (da_new - c_new * db_new) * scale  # (dA B - A dB) / B^2
        done = (np.abs(c_new - c_old) <= _CF_TOL * np.abs(c_new)) & (
            np.abs(dc_new - dc_old) <= _CF_TOL * np.abs(dc_new)
        )
        st[2], st[3], st[4] = ac * scale, c_new, scale
        st[5], st[6] = dac * scale, da_new * scale
        st[7], st[8] = dbc * scale, db_new * scale
        st[9], st[10] = c_new, dc_new
        if done.any():
            idx = st[11, done].astype(np.intp)
            c[idx], dc[idx] = st[9, done], st[10, done]
            st = st[:, ~done]
            if not st.shape[1]:
                break
    else:
        _not_converged("continued fraction", st[0], np.log(st[1]))
    return c * (logx - digamma(a)) + dc


def _not_converged(how: str, a, logx) -> None:
    raise ArithmeticError(
        f"gpuad.random.gamma: the derivative of the samples in the shape parameter did not "
        f"converge ({how}, {_MAX_TERMS} terms) for a = {a[:3]}, x = {np.exp(logx[:3])}; "
        f"shapes this large have no gradient in gpuad (stop_gradient(a))"
    )
