"""``scipy.stats`` distributions, differentiable, with ``jax.scipy.stats``'s names, arguments
and values outside the support: bernoulli, beta, betabinom, binom, cauchy, chi2, dirichlet,
expon, gamma, gennorm, geom, gumbel_l, gumbel_r, laplace, logistic, multinomial,
multivariate_normal, nbinom, norm, pareto, poisson, t, truncnorm, uniform, vonmises,
wrapcauchy (each a module of functions), the class gaussian_kde and the functions sem, mode
and rankdata.

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
    chi2,
    dirichlet,
    expon,
    gamma,
    gennorm,
    geom,
    gumbel_l,
    gumbel_r,
    laplace,
    logistic,
    multinomial,
    multivariate_normal,
    nbinom,
    norm,
    pareto,
    poisson,
    t,
    truncnorm,
    uniform,
    vonmises,
    wrapcauchy,
)
from .descriptive import ModeResult, mode, rankdata, sem
from .kde import gaussian_kde

__all__ = ["bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon",
           "gamma", "gennorm", "geom", "gumbel_l", "gumbel_r", "laplace", "logistic",
           "multinomial", "multivariate_normal", "nbinom", "norm", "pareto", "poisson", "t",
           "truncnorm", "uniform", "vonmises", "wrapcauchy", "gaussian_kde", "ModeResult", "mode",
           "rankdata", "sem"]
