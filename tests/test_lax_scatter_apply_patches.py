"""``lax.scatter_sub``, ``lax.scatter_apply``, ``lax.conv_general_dilated_patches`` and
convolutions with an empty output, against NumPy loops and float64 central differences, on
every backend (the random comparison with JAX is tests/conformance/test_jax_lax_fuzz.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax
from gpuad.backends import get_backend
from gpuad.jit.trace import TracerError
from gpuad.testing import check_grads

DN = lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                 scatter_dims_to_operand_dims=(0,))
IDX = np.array([[2], [0], [2], [5]])  # a repeat, and an out-of-range row (dropped)


def _dev(a):
    return get_backend().xp.asarray(a)


def test_scatter_sub_subtracts_every_repeat(backend):
    r = np.random.default_rng(0)
    x, u = r.standard_normal((4, 3)), r.standard_normal((4, 3))

    def f(x, u):
        return lax.scatter_sub(x, _dev(IDX), u, DN)

    want = x.copy()
    for k, (i,) in enumerate(IDX):
        if i < 4:
            want[i] -= u[k]
    np.testing.assert_allclose(to_numpy(f(_dev(x), _dev(u))), want, rtol=1e-14)
    check_grads(f, (_dev(x), _dev(u)), order=1)


def test_scatter_apply_once_per_occurrence(backend):
    x = np.random.default_rng(1).standard_normal((4, 3))

    def f(x):
        return lax.scatter_apply(x, _dev(IDX), gnp.sin, DN, update_shape=(4, 3))

    want = x.copy()
    for (i,) in IDX:
        if i < 4:
            want[i] = np.sin(want[i])
    np.testing.assert_allclose(to_numpy(f(_dev(x))), want, rtol=1e-14)
    check_grads(f, (_dev(x),), order=2)
    with pytest.raises(TypeError, match="lax.scatter_apply: func"):
        lax.scatter_apply(x, IDX, 3.0, DN, update_shape=(4, 3))


def test_scatter_errors_name_the_lax_function(backend):
    x = _dev(np.ones(4))
    dn = lax.ScatterDimensionNumbers((), (0,), (0,))
    with pytest.raises(TracerError, match=r"lax\.scatter_max"):
        ad.jit(lambda x, i: lax.scatter_max(x, i, x[:2], dn))(x, _dev(np.array([[1], [1]])))


def test_conv_patches_nhwc_order(backend):
    # feature c * (kh * kw) + p * kw + q holds x[n, h * s + p * d, w * s + q * d, c]
    r = np.random.default_rng(2)
    x = r.standard_normal((2, 5, 4, 3))
    kh, kw, s, d = 2, 3, (2, 1), (1, 2)

    def f(x):
        return lax.conv_general_dilated_patches(x, (kh, kw), s, [(1, 0), (0, 1)], None, d,
                                                ("NHWC", "HWIO", "NHWC"))

    xp = np.pad(x, [(0, 0), (1, 0), (0, 1), (0, 0)])
    oh = (xp.shape[1] - (kh - 1) * d[0] - 1) // s[0] + 1
    ow = (xp.shape[2] - (kw - 1) * d[1] - 1) // s[1] + 1
    want = np.zeros((2, oh, ow, 3 * kh * kw))
    for h in range(oh):
        for w in range(ow):
            for c in range(3):
                for p in range(kh):
                    for q in range(kw):
                        want[:, h, w, c * kh * kw + p * kw + q] = xp[
                            :, h * s[0] + p * d[0], w * s[1] + q * d[1], c]
    np.testing.assert_array_equal(to_numpy(f(_dev(x))), want)
    check_grads(f, (_dev(x),), order=1)


def test_conv_with_empty_output(backend):
    # the 4-wide kernel overhangs the 3-wide input by one: an empty output, zero gradients
    r = np.random.default_rng(3)
    x, w = _dev(r.standard_normal((2, 1, 5, 3))), _dev(r.standard_normal((2, 1, 2, 4)))

    def f(x, w):
        return lax.conv_general_dilated(x, w, (1, 2), "VALID")

    assert to_numpy(f(x, w)).shape == (2, 2, 4, 0)
    gx, gw = ad.grad(lambda x, w: gnp.sum(f(x, w)), argnums=(0, 1))(x, w)
    assert not to_numpy(gx).any() and not to_numpy(gw).any()
    assert to_numpy(gw).shape == (2, 1, 2, 4)
    xs = _dev(r.standard_normal((3, 2, 1, 5, 3)))
    assert to_numpy(ad.vmap(f, in_axes=(0, None))(xs, w)).shape == (3, 2, 2, 4, 0)
