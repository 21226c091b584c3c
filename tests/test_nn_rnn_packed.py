"""Packed sequences on each backend: the permutations and gather indices live with the data,
the lengths on the host; a packed bidirectional GRU's gradients against central differences
(the torch comparisons are in tests/conformance/test_torch_rnn_packed.py)."""

from __future__ import annotations

import numpy as np
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn
from gpuad.nn.utils import rnn as R
from gpuad.testing import check_grads


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def test_packed_gru_on_backend(backend, rng):
    gnp.random.seed(2)
    gru = nn.GRU(2, 2, bidirectional=True, batch_first=True)
    x = rng.standard_normal((3, 3, 2))

    def f(x, h):
        p = R.pack_padded_sequence(x, [2, 3, 1], batch_first=True, enforce_sorted=False)
        out, hn = gru(p, h)
        return R.pad_packed_sequence(out, batch_first=True, padding_value=-1.0)[0], hn

    check_grads(f, (x, rng.standard_normal((2, 3, 2))), order=1, modes=("rev",))
    p = R.pack_sequence([xp_(x[0, :2]), xp_(x[1]), xp_(x[2, :1])], enforce_sorted=False)
    assert type(p.sorted_indices) is type(p.unsorted_indices) is type(xp_(x))
    again = R.PackedSequence(p.data, p.batch_sizes, p.sorted_indices)
    np.testing.assert_array_equal(to_numpy(again.unsorted_indices), [1, 0, 2])
    np.testing.assert_array_equal(p.batch_sizes, [3, 2, 1])
    y, lengths = R.pad_packed_sequence(gru(p)[0], batch_first=True)
    np.testing.assert_array_equal(lengths, [2, 3, 1])
    np.testing.assert_array_equal(to_numpy(y)[2, 1:], 0.0)
    back = R.unpack_sequence(p)
    np.testing.assert_array_equal(to_numpy(back[1]), x[1])
