"""Regressions found by porting torch's test_linalg.py (tests/conformance/
test_torch_linalg_gaps.py): each case once, small and fast."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.numpy import linalg as NL
from gpuad.tensor import CastingError


def _t(a, grad=False):
    return ad.tensor(np.array(a), requires_grad=grad)


def test_outer_ger_addr_refuse_non_vectors(backend):
    """Tensor.outer of a 0-d tensor flattened it (NumPy's outer) into a (5, 1) result where
    torch raises; outer, ger and addr now take 1-D tensors only."""
    u, s = _t(np.arange(5.0)), _t(6.0)
    for call in (
        lambda: u.outer(s),
        lambda: s.ger(u),
        lambda: _t(np.ones((5, 5))).addr(u, s),
        lambda: _t(np.ones((2, 2))).outer(u),
    ):
        with pytest.raises(ValueError, match="1-D"):
            call()
    np.testing.assert_array_equal(u.outer(u).numpy(), np.outer(np.arange(5.0), np.arange(5.0)))


def test_blas_family_checks_beta_and_alpha(backend):
    """addr/addmm/... with a float beta on integer tensors silently gave a float64 result
    (torch's addr raises); a boolean alpha for a float result was taken as 1."""
    m, v = _t(np.ones((3, 3), np.int64)), _t(np.arange(3))
    with pytest.raises(CastingError, match="beta=2.0"):
        m.addr(v, v, beta=2.0)
    with pytest.raises(CastingError, match="alpha=1.5"):
        m.addmm(m, m, alpha=1.5)
    with pytest.raises(CastingError, match="boolean alpha"):
        _t(np.ones((3, 3))).addr(_t(np.ones(3)), _t(np.ones(3)), alpha=True)
    r = m.addr(v, v, beta=2, alpha=3)
    assert r.dtype == np.int64
    np.testing.assert_array_equal(r.numpy(), 2 + 3 * np.outer(np.arange(3), np.arange(3)))
    b = np.array([True, False, True])
    got = _t(np.zeros((3, 3), bool)).addr(_t(b), _t(b), beta=False, alpha=True)
    np.testing.assert_array_equal(got.numpy(), np.outer(b, b))


def test_det_slogdet_inverse_matrix_power_methods(backend):
    """torch's Tensor.det, slogdet, inverse and matrix_power were missing (AttributeError)."""
    a = np.array([[2.0, 1.0], [0.5, 3.0]])
    x = _t(a, grad=True)
    np.testing.assert_allclose(x.det().numpy(), np.linalg.det(a))
    sign, logabs = x.slogdet()
    np.testing.assert_allclose(logabs.numpy(), np.log(abs(np.linalg.det(a))))
    np.testing.assert_allclose(x.inverse().numpy(), np.linalg.inv(a))
    np.testing.assert_allclose(x.matrix_power(-2).numpy(), np.linalg.matrix_power(a, -2))
    x.det().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.linalg.det(a) * np.linalg.inv(a).T)
    with pytest.raises(ValueError, match="det"):
        _t(np.ones(3)).det()


def test_pinv_refuses_a_complex_cutoff(backend):
    """pinv(a, 1j) compared singular values with a complex cut-off (NumPy's lexicographic
    order: every one kept); torch refuses it."""
    with pytest.raises(TypeError, match="must be real"):
        NL.pinv(_t(np.eye(3)), 1j)
    with pytest.raises(TypeError, match="must be real"):
        NL.pinv(_t(np.eye(3)), rtol=_t(0.5 + 0j))
    np.testing.assert_allclose(NL.pinv(_t(np.eye(3)), 0.5).numpy(), np.eye(3))


def test_einsum_dots_apart_are_not_an_ellipsis(backend):
    """'. ..' had its space removed and became '...'; NumPy and torch refuse it."""
    with pytest.raises(ValueError, match="ellipsis"):
        gnp.einsum(". ..", _t(np.ones(2)))
    with pytest.raises(ValueError, match="ellipsis"):
        gnp.einsum("i.->i", _t(np.ones(2)))
    np.testing.assert_array_equal(gnp.einsum(" ... -> ", _t(np.ones(2))).numpy(), 2.0)


def test_tensor_norm_over_dims_with_an_empty_kept_dim(backend):
    """x.norm(dim=(0, 1)) of a (0, 3, 5) tensor raised (reshape with -1 next to a 0)."""
    x = _t(np.zeros((0, 3, 5)))
    np.testing.assert_array_equal(x.norm(2, dim=(0, 1)).numpy(), np.zeros(5))
    assert x.norm("fro", dim=(0, 1), keepdim=True).shape == (1, 1, 5)
    y = _t(np.zeros((2, 0, 4)))
    assert y.norm(2, dim=(0, 2)).shape == (0,)
