"""``jax.example_libraries``' two mini-libraries: :mod:`optimizers` (first-order optimizers as
``(init, update, get_params)`` triples) and :mod:`stax` (layers as ``(init, apply)`` pairs)."""

from __future__ import annotations

from . import optimizers, stax

__all__ = ["optimizers", "stax"]
