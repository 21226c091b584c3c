"""Probability distributions with ``torch.distributions``' names and semantics, built on
``gpuad.numpy`` and ``gpuad.scipy.special`` (so every derivative comes from their rules).

Random draws come from ``gpuad.numpy.random`` (seed with ``gpuad.numpy.random.seed``).
``rsample`` is reparameterised (differentiable in the parameters) for Normal, Uniform,
Exponential, Laplace, Cauchy, Gumbel, LogNormal, MultivariateNormal, RelaxedBernoulli,
RelaxedOneHotCategorical, Gamma, Chi2, Beta, Dirichlet, StudentT (implicit reparameterisation
of gamma draws, through ``gpuad.random`` with a key drawn from ``gpuad.numpy.random``) and
Independent of those, and the transformed ones (HalfNormal, HalfCauchy, Weibull, Pareto,
Kumaraswamy, LogisticNormal, TransformedDistribution). Discrete samples carry no gradient.
Parameters and values are validated (``ValueError``) unless ``validate_args=False``.

Example::

    import gpuad.distributions as D
    q = D.Normal(mu, gnp.exp(log_sigma))
    z = q.rsample()
    kl = D.kl_divergence(q, D.Normal(0.0, 1.0)).sum()
    loss = kl - D.Bernoulli(logits=dec(z)).log_prob(x).sum()
"""

from __future__ import annotations

from . import constraints, transforms
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical, OneHotCategorical
from .cauchy import Cauchy
from .constraint_registry import biject_to, transform_to
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Chi2, Gamma
from .gumbel import Gumbel
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .poisson import Poisson
from .relaxed import RelaxedBernoulli, RelaxedOneHotCategorical
from .student_t import StudentT
from .transformed import HalfCauchy, HalfNormal, Kumaraswamy, LogisticNormal, Pareto, Weibull
from .transforms import TransformedDistribution
from .uniform import Uniform

__all__ = [
    "TransformedDistribution",
    "transforms",
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "Cauchy",
    "Chi2",
    "Dirichlet",
    "Distribution",
    "Exponential",
    "Gamma",
    "Gumbel",
    "HalfCauchy",
    "HalfNormal",
    "Independent",
    "Kumaraswamy",
    "Laplace",
    "LogNormal",
    "LogisticNormal",
    "MultivariateNormal",
    "Normal",
    "OneHotCategorical",
    "Pareto",
    "Poisson",
    "RelaxedBernoulli",
    "RelaxedOneHotCategorical",
    "StudentT",
    "Uniform",
    "Weibull",
    "biject_to",
    "constraints",
    "kl_divergence",
    "register_kl",
    "transform_to",
]
