"""The error ``rsample`` raises where a sample's derivative needs implicit reparameterisation."""

from __future__ import annotations


def no_implicit_rsample(name: str, param: str) -> NotImplementedError:
    return NotImplementedError(
        f"{name}.rsample: a reparameterised {name} sample needs the derivative of the sample "
        f"with respect to {param} (implicit reparameterisation), which gpuad does not have "
        f"yet. Use sample() for draws without gradient, with a score-function estimator "
        f"(log_prob of the sample) where a gradient is needed"
    )
