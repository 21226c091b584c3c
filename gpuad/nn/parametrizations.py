"""The parametrizations of ``torch.nn.utils.parametrizations`` that gpuad offers (also
``gpuad.nn.utils.parametrizations``): ``weight_norm`` and ``spectral_norm``, written in
gpuad/nn/parametrize.py. Example: ``lin = parametrizations.weight_norm(nn.Linear(3, 4))``"""

from __future__ import annotations

from .parametrize import spectral_norm, weight_norm

__all__ = ["weight_norm", "spectral_norm"]
