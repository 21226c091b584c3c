"""gpuad.linalg.lstsq (torch.linalg.lstsq's drivers and results): batched and broadcast
solutions against NumPy's per-matrix lstsq, which result each driver fills, derivatives against
central differences (tests/conformance/test_torch_linalg_gaps3.py compares torch)."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.linalg as LA
from gpuad.testing import check_grads
from tests.conftest import to_numpy


def test_batched_broadcast_solution_and_residuals(backend):
    xp = ad.get_backend().xp
    r = np.random.default_rng(0)
    a, b = r.standard_normal((3, 1, 5, 3)), r.standard_normal((1, 4, 5, 2))
    res = LA.lstsq(xp.asarray(a), xp.asarray(b), driver="gelsd")
    assert to_numpy(res.solution).shape == (3, 4, 3, 2)
    assert to_numpy(res.residuals).shape == (3, 4, 2)
    assert to_numpy(res.rank).dtype == np.int64 and to_numpy(res.singular_values).shape == (3, 1, 3)
    for i in range(3):
        for j in range(4):
            x, resid, rank, s = np.linalg.lstsq(a[i, 0], b[0, j], rcond=None)
            np.testing.assert_allclose(to_numpy(res.solution)[i, j], x, atol=1e-12)
            np.testing.assert_allclose(to_numpy(res.residuals)[i, j], resid, atol=1e-12)
            assert to_numpy(res.rank)[i, 0] == rank


@pytest.mark.parametrize("driver,filled", [("gels", (1,)), ("gelsy", (2,)),
                                           ("gelsd", (1, 2, 3)), ("gelss", (1, 2, 3))])
def test_what_each_driver_returns(backend, driver, filled):
    xp = ad.get_backend().xp
    r = np.random.default_rng(1)
    out = LA.lstsq(xp.asarray(r.standard_normal((2, 5, 3))),
                   xp.asarray(r.standard_normal((2, 5))), driver=driver)
    assert to_numpy(out.solution).shape == (2, 3)  # b of one dim less: vectors
    for k in (1, 2, 3):
        assert (to_numpy(out[k]).size > 0) == (k in filled), (driver, k)


def test_rank_deficient_has_no_residuals_and_derivatives(backend):
    r = np.random.default_rng(2)
    a, b = r.standard_normal((2, 5, 3)), r.standard_normal((2, 5, 2))
    low = a.copy()
    low[1, :, 2] = low[1, :, 0]
    out = LA.lstsq(ad.get_backend().xp.asarray(low), ad.get_backend().xp.asarray(b),
                   driver="gelsd")
    assert to_numpy(out.residuals).shape == (0,)
    np.testing.assert_array_equal(to_numpy(out.rank), [3, 2])
    check_grads(lambda a, b: LA.lstsq(a, b, driver="gelsd")[:2], (a, b), order=1)
    check_grads(lambda a, b: LA.lstsq(a, b)[0], (a + 0j, b), order=1)
