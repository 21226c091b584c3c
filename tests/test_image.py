"""``gpuad.image`` (jax.image's resize and scale_and_translate) on every backend: values worked
out by hand from the kernels, gradients in the image, scale and translation against central
differences, ``gpuad.jit`` and ``vmap`` against eager, the errors. The comparison with JAX
itself is tests/conformance/test_jax_image.py."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.image as gi
import gpuad.nn.functional as F
import gpuad.numpy as gnp

pytestmark = pytest.mark.usefixtures("backend")


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def test_resize_linear_by_hand():
    """[0, 4] to 4 pixels: centres at -0.25, 0.25, 0.75, 1.25 input pixels; the triangle's
    weights, normalised, give 0, 1, 3, 4 (the ends lean on one pixel)."""
    y = gi.resize(ad.tensor(xp_(np.array([0.0, 4.0]))), (4,), "linear")
    np.testing.assert_allclose(to_numpy(y), [0.0, 1.0, 3.0, 4.0], rtol=1e-14)


def test_resize_nearest_area_and_identity():
    x = np.array([[5, 6, 7]], dtype=np.int32)
    y = gi.resize(ad.tensor(xp_(x)), (1, 2), "nearest")  # centres 0.75, 2.25 -> 0, 2
    assert to_numpy(y).dtype == np.int32
    np.testing.assert_array_equal(to_numpy(y), [[5, 7]])
    ya = gi.resize(ad.tensor(xp_(np.array([1.0, 2.0, 3.0, 4.0]))), (2,), "area")
    np.testing.assert_allclose(to_numpy(ya), [1.5, 3.5], rtol=1e-14)
    z = np.random.default_rng(0).normal(size=(3, 4))
    for method in ("linear", "cubic", "lanczos5"):
        np.testing.assert_array_equal(to_numpy(gi.resize(ad.tensor(xp_(z)), (3, 4), method)), z)


def test_scale_and_translate_off_the_image_is_zero():
    """scale 1, translation 1: output o samples input o - 1; output 0 falls before pixel 0."""
    x = ad.tensor(xp_(np.array([1.0, 2.0, 3.0])))
    y = gi.scale_and_translate(x, (3,), (0,), xp_(np.array([1.0])), xp_(np.array([1.0])), "linear")
    np.testing.assert_allclose(to_numpy(y), [0.0, 1.0, 2.0], rtol=1e-14)


def test_cubic_pytorch_is_torch_bicubic():
    """'cubic-pytorch' without antialiasing is F.interpolate(mode='bicubic') (a = -0.75, the
    edge pixels repeated)."""
    x = np.random.default_rng(1).normal(size=(1, 2, 4, 5))
    got = gi.resize(ad.tensor(xp_(x)), (1, 2, 7, 3), "cubic-pytorch", antialias=False)
    want = F.interpolate(ad.tensor(xp_(x)), size=(7, 3), mode="bicubic", align_corners=False)
    np.testing.assert_allclose(to_numpy(got), to_numpy(want), rtol=1e-12, atol=1e-13)


def _fd(f, a, h=1e-6):
    out = np.zeros_like(a)
    for i in range(a.size):
        e = np.zeros(a.size)
        e[i] = h
        out.flat[i] = (f(a + e.reshape(a.shape)) - f(a - e.reshape(a.shape))) / (2 * h)
    return out


@pytest.mark.parametrize("method", ["linear", "cubic", "lanczos3", "area"])
def test_gradients_in_image_scale_translation(method):
    rng = np.random.default_rng(2)
    x, u = rng.normal(size=(5, 6)), rng.normal(size=(4, 9))
    scale, trans = np.array([0.83, 1.37]), np.array([0.21, -0.4])

    def f(a, s, t):
        y = gi.scale_and_translate(ad.tensor(xp_(a)), (4, 9), (0, 1), xp_(s), xp_(t), method)
        return float(to_numpy(gnp.sum(y * xp_(u))))

    ts = [ad.tensor(xp_(a), requires_grad=True) for a in (x, scale, trans)]
    y = gi.scale_and_translate(ts[0], (4, 9), (0, 1), ts[1], ts[2], method)
    gnp.sum(y * xp_(u)).backward()
    args = [x, scale, trans]
    for k in range(3):

        def fk(v, k=k):
            return f(*[v if j == k else a for j, a in enumerate(args)])

        np.testing.assert_allclose(to_numpy(ts[k].grad), _fd(fk, args[k]), rtol=1e-6, atol=1e-7)


def test_jit_and_vmap_match_eager():
    rng = np.random.default_rng(3)
    x, trans = rng.normal(size=(6, 7)), np.array([0.1, -0.2])
    scales = rng.uniform(0.4, 1.8, size=(3, 2))

    def one(s):
        return gi.scale_and_translate(xp_(x), (5, 4), (0, 1), s, xp_(trans), "lanczos3")

    eager = np.stack([to_numpy(one(xp_(s))) for s in scales])
    np.testing.assert_allclose(to_numpy(ad.vmap(one)(xp_(scales))), eager, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(to_numpy(ad.jit(one)(xp_(scales[0]))), eager[0], rtol=1e-12)
    g_jit = ad.grad(lambda s: gnp.sum(ad.jit(one)(s) ** 2))(xp_(scales[0]))
    g_eager = ad.grad(lambda s: gnp.sum(one(s) ** 2))(xp_(scales[0]))
    np.testing.assert_allclose(to_numpy(g_jit), to_numpy(g_eager), rtol=1e-12, atol=1e-13)


def test_errors():
    x = xp_(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"resize: shape must have length .*\(4,\) vs \(2, 3\)"):
        gi.resize(x, (4,), "linear")
    with pytest.raises(ValueError, match='Unknown resize method "cubical"'):
        gi.resize(x, (4, 3), "cubical")
    with pytest.raises(ValueError, match="scale_and_translate: nearest"):
        gi.scale_and_translate(x, (4, 3), (0,), [2.0], [0.0], "nearest")
    with pytest.raises(ValueError, match=r"scale_and_translate: scale and translation .*\(2,\)"):
        gi.scale_and_translate(x, (4, 3), (0,), [2.0, 1.0], [0.0, 0.0], "linear")
    with pytest.raises(ValueError, match=r"scale_and_translate: shape \(4, 4\) differs"):
        gi.scale_and_translate(x, (4, 4), (0,), [2.0], [0.0], "linear")
    with pytest.raises(AttributeError, match="gpuad.image has no 'affine'"):
        gi.affine  # noqa: B018
