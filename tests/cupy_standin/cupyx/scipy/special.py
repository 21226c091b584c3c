"""``cupyx.scipy.special`` of the stand-in: SciPy's ufuncs on unwrapped arrays, under the names
CuPy 14's module has and no others (CuPy has no stdtr, jn, jv, yv, iv, ive, kv, kve, hyp1f1,
betaincc or spence, for instance). Members that are Python functions in CuPy, not ufuncs, take
what CuPy's take: ``polygamma(1, x)`` fails on the Python int as CuPy's does."""

import numpy as _numpy
import scipy.special as _special
from cupy._core import ndarray as _ndarray
from cupy._namespace import function as _function

# cupyx/scipy/special/__init__.py of CuPy 14
_NAMES = frozenset("""
    i0 i0e i1 i1e j0 j1 k0 k0e k1 k1e y0 y1 yn spherical_yn wright_bessel
    bdtr bdtrc bdtri btdtr btdtri fdtr fdtrc fdtri gdtr gdtrc nbdtr nbdtrc nbdtri pdtr pdtrc
    pdtri chdtr chdtrc chdtri ndtr log_ndtr ndtri logit expit log_expit boxcox boxcox1p
    inv_boxcox inv_boxcox1p
    entr huber kl_div pseudo_huber rel_entr
    gamma gammaln loggamma gammasgn gammainc gammaincinv gammaincc gammainccinv beta betaln
    betainc betaincinv psi rgamma polygamma multigammaln digamma poch
    erf erfc erfcx erfinv erfcinv
    lpmv sph_harm
    binom exp1 expi expn softmax log_softmax zeta zetac lambertw
    cbrt exp10 exp2 radian cosdg sindg tandg cotdg log1p expm1 exprel cosm1 round xlogy xlog1py
    logsumexp sinc
    ellipk ellipkm1 ellipj ellipkinc ellipeinc
""".split())
# where SciPy's module has no function of that name (CuPy's come from cupy itself)
_ELSEWHERE = {"sinc": _numpy, "round": _numpy}


def _polygamma(n, x):
    # CuPy's: n, x = cupy.broadcast_arrays(n, x) (a non-array stays as it is), then
    # cupy.where(n == 0, ...), which calls condition.astype: a Python bool has none
    if not isinstance(n, _ndarray) and not isinstance(n, _numpy.generic):
        if isinstance(n, _numpy.ndarray):
            raise TypeError(f"Unsupported type {type(n)}")
        raise AttributeError(f"'{type(n == 0).__name__}' object has no attribute 'astype'")
    return _function(_special, "cupyx.scipy.special", "polygamma")(n, x)


def _reducing(name):
    """softmax, log_softmax, logsumexp: CuPy's start with cupy.amax(x), which calls x.max."""
    def f(x, *args, **kwargs):
        if not isinstance(x, _ndarray):
            raise AttributeError(f"'{type(x).__name__}' object has no attribute 'max'")
        return _function(_special, "cupyx.scipy.special", name)(x, *args, **kwargs)

    f.__name__ = f.__qualname__ = name
    return f


class _OldSphHarm:
    """CuPy 14's ``sph_harm(m, n, theta, phi)``: SciPy's old argument order (azimuth theta,
    polar phi), which SciPy 1.17 no longer has; computed by its ``sph_harm_y``."""

    @staticmethod
    def sph_harm(m, n, theta, phi):
        return _special.sph_harm_y(n, m, phi, theta)


_PYTHON = {"polygamma": _polygamma,
           "sph_harm": _function(_OldSphHarm, "cupyx.scipy.special", "sph_harm"),
           **{n: _reducing(n) for n in ("softmax", "log_softmax", "logsumexp")}}


def __getattr__(name):
    f = _PYTHON.get(name)
    if f is None and name in _NAMES:
        f = _function(_ELSEWHERE.get(name, _special), "cupyx.scipy.special", name)
    if f is None:
        raise AttributeError(f"module 'cupyx.scipy.special' (stand-in) has no attribute {name!r}")
    globals()[name] = f
    return f
