"""Regressions found by porting NumPy's linalg tests (conformance/test_numpy_linalg_gaps.py)."""

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
from gpuad.numpy import linalg as NL


def test_solve_takes_nested_lists(backend):
    # NumPy's LinalgCase "nonarray": solve of two lists raised AttributeError ('list' has no ndim)
    got = NL.solve([[1, 2], [3, 4]], [2, 1])
    want = np.linalg.solve([[1, 2], [3, 4]], [2, 1])
    assert to_numpy(got).dtype == want.dtype
    np.testing.assert_allclose(to_numpy(got), want)


@pytest.mark.parametrize("shape", [(3, 2), (2, 3, 2)])
@pytest.mark.parametrize("call", ["svd", "svdvals", "pinv"])
def test_hermitian_svd_and_pinv_of_non_square_matrices(backend, shape, call):
    # NumPy raises LinAlgError; gpuad raised a broadcasting ValueError (svd of a Tensor, pinv
    # of an array or a Tensor)
    f = {
        "svd": lambda x: NL.svd(x, hermitian=True),
        "svdvals": lambda x: NL.svd(x, compute_uv=False, hermitian=True),
        "pinv": lambda x: NL.pinv(x, hermitian=True),
    }[call]
    xp = ad.get_backend().xp
    for x in (xp.ones(shape), ad.tensor(xp.ones(shape), requires_grad=True)):
        with pytest.raises(np.linalg.LinAlgError, match="square"):
            f(x)


def test_hermitian_pinv_of_an_empty_matrix(backend):
    # NumPy returns the (0, 4) empty inverse; gpuad raised
    xp = ad.get_backend().xp
    for x in (xp.ones((4, 0)), ad.tensor(xp.ones((4, 0)), requires_grad=True)):
        got = to_numpy(NL.pinv(x, hermitian=True))
        want = np.linalg.pinv(np.ones((4, 0)), hermitian=True)
        assert (got.shape, got.dtype) == (want.shape, want.dtype)
