"""``torch.nn.utils.parametrizations`` (also ``gpuad.nn.utils.parametrizations``):
``weight_norm``, ``spectral_norm`` and ``orthogonal``, written in gpuad/nn/parametrize.py.
Example: ``lin = parametrizations.weight_norm(nn.Linear(3, 4))``"""

from __future__ import annotations

from .parametrize import orthogonal, spectral_norm, weight_norm

__all__ = ["weight_norm", "spectral_norm", "orthogonal"]
