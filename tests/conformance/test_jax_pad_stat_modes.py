"""``gpuad.numpy.pad`` modes maximum, minimum, mean and median (with ``stat_length``) against
NumPy (values, errors) and jax.numpy (gradients, forward-mode tangents, vmap), in float64 on
both backends.

The inputs are rounded to halves, so that maxima, minima and medians are often tied: gpuad's
derivatives there are jax.numpy's (tied maxima share the cotangent equally, a median passes it
to the middle element(s) of a stable sort).
"""

from __future__ import annotations

import warnings
import zlib

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.backends import get_backend
from tests.conftest import to_numpy

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

MODES = ["maximum", "minimum", "mean", "median"]
CASES = [  # shape, pad_width, stat_length
    ((5,), 2, None), ((5,), (1, 3), 2), ((5,), (0, 2), (1, 3)), ((6,), 1, 10),
    ((3, 4), 1, None), ((3, 4), (2, 1), 3), ((3, 4), ((1, 0), (2, 2)), ((1, 2), (3, 1))),
    ((3, 4), ((0, 0), (1, 2)), ((2, 3),)), ((2, 3, 4), ((1, 0), (0, 2), (2, 1)), 2),
    ((2, 3, 4), 1, ((1, 1), (2, 2), (3, 1))), ((1, 3), (1, 1), 1), ((), 0, None),
]
IDS = [f"{s}-{w}-{n}" for s, w, n in CASES]


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


def _inputs(mode, case):
    shape, width, length = case
    rng = np.random.default_rng(zlib.crc32(repr((mode, case)).encode()))
    x = np.round(2 * rng.standard_normal(shape)) / 2
    kw = {} if length is None else {"stat_length": length}
    return rng, x, width, kw


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("mode", MODES)
def test_values_gradients_and_tangents_match(backend, mode, case):
    rng, x, width, kw = _inputs(mode, case)
    want = np.pad(x, width, mode, **kw)
    xp = get_backend()
    got = gnp.pad(xp.asarray(x), width, mode, **kw)
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12, atol=1e-12)
    assert to_numpy(got).dtype == want.dtype
    c, t = rng.standard_normal(want.shape), rng.standard_normal(x.shape)

    def jf(v):
        return jnp.pad(v, width, mode, **kw)

    def gf(v):
        return gnp.pad(v, width, mode, **kw)

    jg = jax.jit(jax.grad(lambda v: jnp.sum(jf(v) * c)))(x)
    gg = ad.grad(lambda v: gnp.sum(gf(v) * xp.asarray(c)))(xp.asarray(x))
    np.testing.assert_allclose(to_numpy(gg), np.asarray(jg), rtol=1e-12, atol=1e-12)
    _, jt = jax.jit(lambda u, w: jax.jvp(jf, (u,), (w,)))(x, t)
    _, gt = ad.jvp(gf, (xp.asarray(x),), (xp.asarray(t),))
    np.testing.assert_allclose(to_numpy(gt), np.asarray(jt), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_second_derivatives_and_vmap_match(backend, mode):
    """Through a nonlinearity (``sin``), the Hessian-vector product of a padded loss, and
    ``vmap`` over the leading axis."""
    rng, x, width, kw = _inputs(mode, ((2, 3, 4), ((1, 0), (0, 2), (2, 1)), ((1, 2), (2, 1),
                                                                            (3, 1))))
    c, v = rng.standard_normal((3, 5, 7)), rng.standard_normal(x.shape)
    xp = get_backend()

    def jloss(u):
        return jnp.sum(jnp.sin(jnp.pad(u, width, mode, **kw)) * c)

    def gloss(u):
        return gnp.sum(gnp.sin(gnp.pad(u, width, mode, **kw)) * xp.asarray(c))

    jh = jax.jit(jax.grad(lambda u: jnp.sum(jax.grad(jloss)(u) * v)))(x)
    gh = ad.grad(lambda u: gnp.sum(ad.grad(gloss)(u) * xp.asarray(v)))(xp.asarray(x))
    np.testing.assert_allclose(to_numpy(gh), np.asarray(jh), rtol=1e-10, atol=1e-12)
    jv = jax.jit(jax.vmap(lambda u: jnp.pad(u, ((1, 2), (0, 1)), mode, stat_length=2)))(x)
    gv = ad.vmap(lambda u: gnp.pad(u, ((1, 2), (0, 1)), mode, stat_length=2))(xp.asarray(x))
    np.testing.assert_allclose(to_numpy(gv), np.asarray(jv), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_integer_arrays_get_numpys_rounded_statistics(backend, mode):
    x = np.array([[1, 2, 2, 7], [4, 1, 5, 0]], dtype=np.int64)
    for kw in ({}, {"stat_length": 3}, {"stat_length": ((1, 2), (2, 3))}):
        want = np.pad(x, ((1, 1), (2, 1)), mode, **kw)
        got = to_numpy(gnp.pad(get_backend().asarray(x), ((1, 1), (2, 1)), mode, **kw))
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("mode", MODES)
def test_edge_cases_as_numpy(backend, mode):
    """stat_length 0 (NumPy: an error for maximum/minimum, NaN for mean/median), negative
    values, empty axes; NumPy's errors are ValueErrors, and so are gpuad's."""
    xp = get_backend()
    x = np.arange(6.0).reshape(2, 3)
    for width, kw in ((1, {"stat_length": 0}), (1, {"stat_length": ((1, 0), (1, 1))}),
                      (1, {"stat_length": -1}), (-1, {}), (((0, 0), (1, 0)), {}),
                      (0, {"stat_length": 0})):
        for a in (x, np.zeros((0, 3))):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    want = np.pad(a, width, mode, **kw)
            except ValueError:
                with pytest.raises(ValueError, match="pad"):
                    gnp.pad(xp.asarray(a), width, mode, **kw)
                continue
            got = gnp.pad(xp.asarray(a), width, mode, **kw)
            np.testing.assert_array_equal(to_numpy(got), want)
    with pytest.raises(ValueError, match="pad.*end_values"):  # as NumPy and JAX
        gnp.pad(xp.asarray(x), 1, mode, end_values=1.0)
