"""The CPU backend: NumPy arrays. It is the reference every other backend is tested against."""

from __future__ import annotations

import numpy

from . import Backend


class NumpyBackend(Backend):
    name = "numpy"
    xp = numpy
    array_type = numpy.ndarray

    def to_host(self, a):
        return numpy.asarray(a)

    def index_add(self, out, index, values) -> None:
        """``out[index] += values`` with repeated indices accumulating (deterministic)."""
        numpy.add.at(out, index, values)

    def softmax_xent_forward(self, logits, labels):
        """Per-row softmax cross-entropy of (R, C) logits against int labels (stable)."""
        from .xent import rows_loss

        return rows_loss(numpy, logits, labels)
