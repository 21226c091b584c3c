"""PyTorch's ``torch.autograd`` namespace on gpuad's engine.

``grad`` and ``backward`` over the reverse sweep, ``Function`` for user-written forward and
backward pairs, ``functional`` (jacobian, hessian, vjp, jvp, hvp, vhp), ``gradcheck`` and
``gradgradcheck``, the grad-mode and anomaly switches, and ``graph`` (torch's saved-tensor
hook blocks: see gpuad/autograd/graph.py).

Example::

    import gpuad, gpuad.numpy as gnp
    x = gpuad.tensor([1.0, 2.0], requires_grad=True)
    (g,) = gpuad.autograd.grad(gnp.sum(x ** 3), x)    # 3 x^2, x.grad untouched
"""

from __future__ import annotations

from .._state import enable_grad, is_grad_enabled, no_grad
from ..grad_mode import inference_mode, is_inference_mode_enabled, set_grad_enabled
from . import forward_ad, functional, graph
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .function import Function, FunctionCtx, once_differentiable
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .grads import backward, grad

__all__ = [
    "grad",
    "backward",
    "Function",
    "FunctionCtx",
    "once_differentiable",
    "functional",
    "forward_ad",
    "graph",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
]
