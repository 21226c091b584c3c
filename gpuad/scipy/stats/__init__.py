"""``scipy.stats`` distributions, differentiable, with ``jax.scipy.stats``'s names, arguments
and values outside the support: bernoulli, beta, betabinom, binom, cauchy, chi2, dirichlet,
expon, gamma, gennorm, geom, gumbel_l, gumbel_r, laplace, logistic, multinomial,
multivariate_normal, nbinom, norm, pareto, poisson, t, truncnorm, uniform, vonmises,
wrapcauchy, and beyond JAX chi, halfcauchy, halfnorm, invgamma, lognorm, maxwell, rayleigh,
weibull_max, weibull_min (each a module of functions, callable as SciPy's to freeze its
parameters: ``norm(loc=0.0, scale=2.0).logpdf(x)``, ``gamma(a).mean()``), the class
gaussian_kde and the functions sem, mode and rankdata.

Example::

    from gpuad.scipy.stats import norm, multivariate_normal
    lp = norm.logpdf(x, loc=mu, scale=sigma).sum()
    lq = multivariate_normal.logpdf(xs, mean=m, cov=c)
"""

from . import (  # noqa: F401
    bernoulli,
    beta,
    betabinom,
    binom,
    cauchy,
    chi,
    chi2,
    dirichlet,
    expon,
    gamma,
    gennorm,
    geom,
    gumbel_l,
    gumbel_r,
    halfcauchy,
    halfnorm,
    invgamma,
    laplace,
    logistic,
    lognorm,
    maxwell,
    multinomial,
    multivariate_normal,
    nbinom,
    norm,
    pareto,
    poisson,
    rayleigh,
    t,
    truncnorm,
    uniform,
    vonmises,
    weibull_max,
    weibull_min,
    wrapcauchy,
)
from ._common import host_arrays_to_backend as _host_arrays_to_backend
from ._frozen import make_callable as _make_callable
from .descriptive import ModeResult, mode, rankdata, sem
from .kde import gaussian_kde

__all__ = ["bernoulli", "beta", "betabinom", "binom", "cauchy", "chi", "chi2", "dirichlet",
           "expon", "gamma", "gennorm", "geom", "gumbel_l", "gumbel_r", "halfcauchy", "halfnorm",
           "invgamma", "laplace", "logistic", "lognorm", "maxwell", "multinomial",
           "multivariate_normal", "nbinom", "norm", "pareto", "poisson", "rayleigh", "t",
           "truncnorm", "uniform", "vonmises", "weibull_max", "weibull_min", "wrapcauchy",
           "gaussian_kde", "ModeResult", "mode", "rankdata", "sem"]

_make_callable(*[v for k, v in list(globals().items())
                 if k in __all__ and type(v).__name__ == "module"])
_host_arrays_to_backend(*[v for k, v in list(globals().items())
                          if k in __all__ and type(v).__name__ == "_DistModule"])

# SciPy distributions gpuad does not have: a clear error naming a way around
_ABSENT = ("alpha anglit arcsine argus betaprime bradford burr burr12 crystalball dgamma "
           "dweibull erlang exponnorm exponpow exponweib f fatiguelife fisk foldcauchy foldnorm "
           "genexpon genextreme gengamma genhalflogistic genlogistic genpareto gompertz "
           "halfgennorm halflogistic hypsecant invgauss invweibull johnsonsb johnsonsu kappa3 "
           "kappa4 ksone kstwobign levy levy_l loggamma loglaplace lomax moyal nakagami ncf nct "
           "ncx2 norminvgauss pearson3 powerlaw powerlognorm powernorm rdist recipinvgauss "
           "reciprocal rice semicircular skewnorm studentized_range trapezoid triang truncexpon "
           "tukeylambda vonmises_line wald boltzmann dlaplace hypergeom logser nhypergeom planck "
           "randint skellam yulesimon zipf zipfian").split()


def __getattr__(name: str):
    if name in _ABSENT:
        raise AttributeError(
            f"gpuad.scipy.stats has no {name!r} distribution: write its logpdf with "
            f"gpuad.numpy and gpuad.scipy.special (gammaln, betaln, xlogy, ndtr, ...) to "
            f"differentiate it, or use scipy.stats.{name} on constant (non-Tensor) values")
    raise AttributeError(f"module 'gpuad.scipy.stats' has no attribute {name!r}")
