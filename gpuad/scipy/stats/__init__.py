"""``scipy.stats`` distributions, differentiable: norm, t, poisson, beta, gamma, chi2, dirichlet,
multivariate_normal. Each is a module of functions with SciPy's names and arguments.

Example::

    from gpuad.scipy.stats import norm, multivariate_normal
    lp = norm.logpdf(x, loc=mu, scale=sigma).sum()
    lq = multivariate_normal.logpdf(xs, mean=m, cov=c)
"""

from . import beta, chi2, dirichlet, gamma, multivariate_normal, norm, poisson, t  # noqa: F401

__all__ = ["beta", "chi2", "dirichlet", "gamma", "multivariate_normal", "norm", "poisson", "t"]
