"""Utilities with ``torch.utils``'s names: :mod:`gpuad.utils.data` (datasets, samplers,
``DataLoader``) and :mod:`gpuad.utils.checkpoint` (``checkpoint``,
``checkpoint_sequential``).

Example: ``from gpuad.utils.data import DataLoader, TensorDataset``
"""

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
