"""torch-style Tensor methods on a 0-d tensor: dims 0 and -1 name its one "dim" (as torch
takes them) and any other dim raises, where ``flatten(1)`` and ``sort(dim=1)`` used to pass
and ``flip(0)``/``movedim(0, 0)`` failed; ``argsort(dim=...)`` gives torch's 0-d indices."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

CALLS = {
    "flatten_start": lambda t, d: t.flatten(d),
    "flatten_end": lambda t, d: t.flatten(0, d),
    "sort": lambda t, d: t.sort(dim=d)[0],
    "argsort": lambda t, d: t.argsort(dim=d),
    "flip": lambda t, d: t.flip(d),
    "movedim": lambda t, d: t.movedim(d, 0),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_zero_d_tensor_takes_dims_0_and_minus_1_only(backend, name):
    t = ad.tensor(gnp.asarray(np.float64(2.5)))
    for d in (0, -1):
        r = CALLS[name](t, d)
        want_shape = (1,) if name.startswith("flatten") else ()
        assert tuple(r.shape) == want_shape
        want = 0 if name == "argsort" else 2.5
        np.testing.assert_array_equal(to_numpy(r).reshape(()), want)
    for d in (1, -2):
        with pytest.raises(IndexError, match="out of range"):
            CALLS[name](t, d)


def test_unsqueeze_takes_one_int_dim(backend):
    t = ad.tensor(gnp.asarray(np.ones((2, 3))))
    with pytest.raises(TypeError, match="unsqueeze"):
        t.unsqueeze((0, -1))  # torch refuses a tuple (it inserted two dims)
    assert tuple(t.unsqueeze(-1).shape) == (2, 3, 1)
    assert tuple(t.unsqueeze(np.int64(0)).shape) == (1, 2, 3)
