"""gpuad.nn.utils.weight_norm / remove_weight_norm, the hook-based torch API (weight_g and
weight_v parameters): missing before, so WaveNet/MelGAN-style models failed with
AttributeError. Checked by hand and against central differences."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn


def _x(a):
    return ad.tensor(ad.get_backend().xp.asarray(a))


def test_weight_norm_names_values_and_gradient(backend):
    r = np.random.default_rng(0)
    conv = nn.Conv1d(3, 4, 2, dilation=2)
    w0 = to_numpy(conv.weight).copy()
    x = _x(r.standard_normal((2, 3, 7)))
    y0 = to_numpy(conv(x))
    nn.utils.weight_norm(conv)
    assert [n for n, _ in conv.named_parameters()] == ["bias", "weight_g", "weight_v"]
    assert list(conv.state_dict()) == ["bias", "weight_g", "weight_v"]
    np.testing.assert_allclose(to_numpy(conv.weight_g),
                               np.sqrt((w0 ** 2).sum(axis=(1, 2), keepdims=True)), rtol=1e-14)
    np.testing.assert_allclose(to_numpy(conv(x)), y0, rtol=1e-12, atol=1e-14)
    gnp.sum(conv(x) ** 2).backward()
    grad_g = to_numpy(conv.weight_g.grad)
    # d/dg of sum(y^2) for output channel 1 by central differences
    e = 1e-6
    vals = []
    for s in (e, -e):
        with ad.no_grad():
            conv.weight_g[1, 0, 0] += s
        vals.append(float(gnp.sum(conv(x) ** 2)))
        with ad.no_grad():
            conv.weight_g[1, 0, 0] -= s
    np.testing.assert_allclose(grad_g[1, 0, 0], (vals[0] - vals[1]) / (2 * e), rtol=1e-6)
    # a new g takes effect at the next forward: scaling g scales that channel's output
    with ad.no_grad():
        conv.weight_g[2, 0, 0] *= 3.0
    b = to_numpy(conv.bias)[None, 2, None]
    np.testing.assert_allclose(to_numpy(conv(x))[:, 2] - b[:, 0], 3.0 * (y0[:, 2] - b[:, 0]),
                               rtol=1e-12)
    with pytest.raises(RuntimeError, match="two weight_norm"):
        nn.utils.weight_norm(conv)
    nn.utils.remove_weight_norm(conv)
    assert [n for n, _ in conv.named_parameters()] == ["bias", "weight"]
    w1 = w0.copy()
    w1[2] *= 3.0
    np.testing.assert_allclose(to_numpy(conv.weight), w1, rtol=1e-13)
    with pytest.raises(ValueError, match="not found"):
        nn.utils.remove_weight_norm(conv)


def test_weight_norm_dim_none_and_spectral_norm_refused(backend):
    lin = nn.Linear(3, 2)
    w0 = to_numpy(lin.weight).copy()
    nn.utils.weight_norm(lin, dim=None)
    np.testing.assert_allclose(float(lin.weight_g), np.sqrt((w0 ** 2).sum()), rtol=1e-14)
    np.testing.assert_allclose(to_numpy(lin.weight), w0, rtol=1e-14)
    with pytest.raises(NotImplementedError, match="parametrizations.spectral_norm"):
        nn.utils.spectral_norm(nn.Linear(3, 2))


def test_module_share_memory_bfloat16_raise_compile_is_a_no_op(backend):
    # found porting pytorch/examples mnist_hogwild: a no-op share_memory would let each
    # process train its own copy while the parent's model stays unchanged
    m = nn.Linear(2, 1)
    with pytest.raises(NotImplementedError, match="shared"):
        m.share_memory()
    with pytest.raises(TypeError, match="bfloat16"):
        m.bfloat16()
    x = _x(np.array([[1.0, 2.0]]))
    y = to_numpy(m(x))
    assert m.compile() is None
    np.testing.assert_allclose(to_numpy(m(x)), y)
