"""``scipy.stats.multivariate_normal``, differentiable in ``x``, ``mean`` and ``cov``.

``cov`` may be a matrix, a vector (a diagonal) or a scalar (times the identity), as in SciPy.
The derivative in ``cov`` is that of the formula (log-determinant and solve) for any square
``cov``; for a symmetric perturbation it is the usual one. ``allow_singular=True`` evaluates a
singular ``cov`` through its pseudo-inverse and pseudo-determinant, as SciPy: differentiable in
``x`` and ``mean``, not in ``cov`` (a derivative in it raises); a nonsingular ``cov`` is
differentiated as usual.

Example: ``multivariate_normal.logpdf(xs, mean=m, cov=c).sum()``
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _np

from ... import _value_checks as _vc
from ... import numpy as gnp
from ...rules import _xp, data, logabsdet, ndim, shape, solve
from ._common import constant_args


def _dim(mean: Any, cov: Any) -> int:
    if mean is not None:  # as SciPy: the dimension is the size of mean when it is given
        return 1 if ndim(mean) == 0 else (shape(mean)[-1] if ndim(mean) == 1 else -1)
    return shape(cov)[0] if ndim(cov) == 2 else 1


def _params(x: Any, mean: Any, cov: Any):
    # host arrays too: the backend's arrays, as everything below mixes them with its own
    x, cov = gnp.asarray(x), gnp.asarray(cov)
    mean = None if mean is None else gnp.asarray(mean)
    d = _dim(mean, cov)
    if d < 1 or (mean is not None and ndim(mean) > 1) or ndim(cov) > 2:
        raise ValueError(f"multivariate_normal: mean must be one-dimensional and cov at most "
                         f"two-dimensional; got shapes {shape(mean)} and {shape(cov)}")
    if (mean is not None and ndim(mean) == 1 and shape(mean) != (d,)) or \
            (ndim(cov) >= 1 and shape(cov) not in ((d,), (d, d))):
        raise ValueError(f"multivariate_normal: mean of shape {shape(mean)} and cov of shape "
                         f"{shape(cov)} do not describe one dimension d")
    like = data(x)
    xp = _xp(like)
    dt = getattr(like, "dtype", _np.dtype(_np.float64))
    if dt.kind != "f":
        dt = _np.dtype(_np.float64)
    if mean is None:
        mean = xp.zeros(d, dtype=dt)
    elif ndim(mean) == 0:
        mean = gnp.reshape(mean, (1,)) * xp.ones(d, dtype=dt)
    if ndim(cov) == 0:
        cov = cov * xp.eye(d, dtype=dt)
    elif ndim(cov) == 1:
        cov = gnp.diag(cov)
    if shape(mean) != (d,) or shape(cov) != (d, d):
        raise ValueError(f"multivariate_normal: mean of shape {shape(mean)} and cov of shape "
                         f"{shape(cov)} do not describe one dimension d")
    if ndim(x) == 0:
        x = gnp.reshape(x, (1, 1))
    elif ndim(x) == 1:
        x = gnp.reshape(x, (-1, 1) if d == 1 else (1, d))
    if shape(x)[-1] != d:
        raise ValueError(f"multivariate_normal: the last axis of x (shape {shape(x)}) must have "
                         f"length {d}, the dimension of mean and cov")
    return x, mean, cov, d


def _squeeze(out: Any) -> Any:
    return gnp.reshape(out, tuple(n for n in shape(out) if n != 1))


def _eigh_host(cov):
    _vc.host_read("multivariate_normal with allow_singular=True (cov's eigenvalues, read on "
                  "the host)", cov)
    c = data(cov)
    return _np.linalg.eigh(_np.asarray(c.get() if hasattr(c, "get") else c, dtype=_np.float64))


def _cutoff(s) -> float:
    """SciPy's (``_PSD``) threshold below which an eigenvalue of cov counts as zero."""
    return 1e6 * _np.finfo(_np.float64).eps * float(_np.abs(s).max())


def _singular_logpdf(x, mean, cov, d):
    """SciPy's density for a singular ``cov`` (pseudo-inverse, pseudo-determinant, -inf off
    the support); differentiable in ``x`` and ``mean``, with ``cov`` a constant."""
    s, u = _eigh_host(cov)
    eps = _cutoff(s)
    if s.min() < -eps:
        raise ValueError("multivariate_normal: cov must be positive semidefinite")
    keep = s > eps
    xp = _xp(data(x))
    dt = data(x).dtype if data(x).dtype.kind == "f" else _np.float64
    whiten = xp.asarray(u[:, keep] / _np.sqrt(s[keep]), dtype=dt)
    null = xp.asarray(u[:, ~keep], dtype=dt)
    diff = x - mean
    w = gnp.matmul(diff, whiten)
    out = -0.5 * (int(keep.sum()) * math.log(2 * math.pi) + float(_np.log(s[keep]).sum())
                  + gnp.sum(w * w, axis=-1))
    residual = xp.sqrt(xp.sum(xp.matmul(data(diff), null) ** 2, axis=-1))
    out = gnp.where(residual < eps, out, -gnp.inf)
    return constant_args(out, cov, why=(
        "multivariate_normal.logpdf: cov is singular (allow_singular=True); the "
        "pseudo-determinant is not differentiated in cov"))


def _is_singular(cov) -> bool:
    """SciPy's test: an eigenvalue of cov below its cutoff."""
    s, _ = _eigh_host(cov)
    return bool(s.min() <= _cutoff(s))


def logpdf(x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
    """``-(d log(2 pi) + log det cov + (x-mean)^T cov^-1 (x-mean)) / 2`` over the last axis.

    Example: ``multivariate_normal.logpdf(x, mean=mu, cov=sigma)``
    """
    x, mean, cov, d = _params(x, mean, cov)
    if allow_singular and _is_singular(cov):
        return _squeeze(_singular_logpdf(x, mean, cov, d))
    diff = x - mean
    lead = shape(diff)[:-1]
    flat = gnp.reshape(diff, (-1, d))
    sol = solve(cov, gnp.transpose(flat))  # (d, N)
    maha = gnp.sum(gnp.transpose(flat) * sol, axis=0)
    out = -0.5 * (d * math.log(2 * math.pi) + logabsdet(cov) + maha)
    return _squeeze(gnp.reshape(out, lead))


def pdf(x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
    """Density of the multivariate normal. Example: ``multivariate_normal.pdf(x, mu, sigma)``"""
    return gnp.exp(logpdf(x, mean, cov, allow_singular))


def entropy(mean: Any = None, cov: Any = 1) -> Any:
    """``(d log(2 pi e) + log det cov) / 2``. Example: ``multivariate_normal.entropy(cov=c)``"""
    d = _dim(mean, cov)
    probe = _xp(data(cov) if mean is None else data(mean)).zeros(max(d, 1))
    _, mean, cov, d = _params(probe, mean, cov)
    return 0.5 * (d * (1 + math.log(2 * math.pi)) + logabsdet(cov))


__all__ = ["entropy", "logpdf", "pdf"]

