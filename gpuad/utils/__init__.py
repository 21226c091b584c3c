"""Utilities with ``torch.utils``'s names: :mod:`gpuad.utils.data` (datasets, samplers,
``DataLoader``).

Example: ``from gpuad.utils.data import DataLoader, TensorDataset``
"""

from . import data

__all__ = ["data"]
