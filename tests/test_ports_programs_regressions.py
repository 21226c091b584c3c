"""Regressions found by porting programs (tests/conformance/test_ports_programs_more.py):
results that aliased their input where NumPy and torch return new arrays, and torch's
constructor and module spellings a port writes."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def _xp():
    return ad.get_backend().xp


def test_tile_is_a_copy_not_a_view(backend):
    """fast_neural_style's ``style.repeat(b, 1, 1, 1)`` (gpuad's ``tile``) followed by an
    in-place ``div_``: the tile was a broadcast view of its input, so the write was refused,
    and a write into the input after tiling changed the tiled values and their gradient."""
    xp = _xp()
    x = ad.tensor(xp.arange(3.0), requires_grad=True)
    y = x * 1.0
    t = y.tile(2, 1)
    y[1] = 50.0  # after the tile: NumPy's and torch's tiles keep the old values
    np.testing.assert_array_equal(to_numpy(t), [[0.0, 1.0, 2.0]] * 2)
    (t * xp.arange(6.0).reshape(2, 3)).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [3.0, 5.0, 7.0])  # was [3, 0, 7]
    t2 = gnp.tile(x * 1.0, (2, 1))
    t2.div_(2.0)  # was refused as a write through a broadcast view
    np.testing.assert_array_equal(to_numpy(t2), [[0.0, 0.5, 1.0]] * 2)
    raw = xp.arange(3.0)
    r = gnp.tile(raw, (2, 1))
    raw[0] = 9.0
    assert float(to_numpy(r)[1, 0]) == 0.0


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "wrap", "mean", "linear_ramp"])
def test_pad_of_zero_widths_is_a_copy(backend, mode):
    """``gnp.pad(x, 0)`` (a computed width that happens to be 0) returned ``x`` itself."""
    xp = _xp()
    a = ad.tensor(xp.arange(4.0) + 1.0)
    r = gnp.pad(a, 0, mode=mode)
    a[...] = -1.0
    np.testing.assert_array_equal(to_numpy(r), [1.0, 2.0, 3.0, 4.0])
    raw = xp.arange(4.0)
    rr = gnp.pad(raw, ((0, 0),), mode=mode)
    raw[...] = -1.0
    np.testing.assert_array_equal(to_numpy(rr), [0.0, 1.0, 2.0, 3.0])


def test_layers_take_torch_positional_device_and_dtype(backend):
    """mnist_forward_forward's ``Layer(nn.Linear)`` calls ``super().__init__(in_features,
    out_features, bias, device, dtype)``: torch's positional order, refused before."""
    from gpuad import nn

    class Layer(nn.Linear):
        def __init__(self, i, o, bias=True, device=None, dtype=None):
            super().__init__(i, o, bias, device, dtype)

    assert Layer(3, 2).weight.shape == (2, 3)
    conv = nn.Conv2d(1, 2, 3, 1, 0, 1, 1, True, "zeros", None, np.float32)
    assert conv.weight.dtype == np.float32
    assert nn.LayerNorm(4, 1e-5, True, True, None, np.float32).weight.dtype == np.float32
    assert nn.GRUCell(3, 2, True, None, np.float32).weight_ih.dtype == np.float32


def test_subpackages_reachable_after_import_gpuad():
    """``gpuad.nn.Linear``, ``gpuad.distributions.Categorical``, ... after ``import gpuad``,
    as ``torch.nn`` and ``torch.distributions`` after ``import torch``."""
    for name in ("nn", "optim", "distributions", "scipy", "optax", "testing",
                 "example_libraries"):
        assert ad.__getattr__(name).__name__ == f"gpuad.{name}"  # the lookup of a fresh import


def test_where_with_a_tensor_condition_is_a_tensor(backend):
    """The siamese example's ``torch.where(outputs > 0.5, 1, 0).eq(...)``: with a Tensor
    condition and number branches, ``gnp.where`` returned a backend array (no ``eq``)."""
    xp = _xp()
    out = ad.tensor(xp.asarray([0.2, 0.7, 0.9]))
    pred = gnp.where(out > 0.5, 1, 0)
    assert isinstance(pred, ad.Tensor)
    assert pred.eq(ad.tensor(xp.asarray([0, 1, 0]))).sum().item() == 2
    assert not isinstance(gnp.where(xp.asarray([True]), 1, 0), ad.Tensor)  # arrays stay arrays


def test_tensor_of_sizes_raises_and_of_a_list_holds_an_array(backend):
    """gcn's ``nn.Parameter(torch.Tensor(input_dim, output_dim))`` (torch's uninitialised
    sizes): gpuad read 16 as the data and 7 as requires_grad, and failed far away."""
    with pytest.raises(TypeError, match=r"Tensor\(16, 7\).*gnp.empty"):
        ad.Tensor(16, 7)
    with pytest.raises(TypeError, match="takes no sizes"):
        ad.Tensor(3)
    t = ad.Tensor([1.0, 2.0])
    assert float(t.sum()) == 3.0  # a list was kept as the list: .sum() raised AttributeError


def test_torch_deprecated_init_names_write_in_place(backend):
    """siamese's ``torch.nn.init.xavier_uniform(m.weight)`` (torch's deprecated spelling of
    ``xavier_uniform_``): gpuad's ``xavier_uniform`` takes a shape and failed on a Tensor."""
    from gpuad import nn

    lin = nn.Linear(4, 3)
    for name, args in (("xavier_uniform", ()), ("kaiming_normal", ()), ("constant", (0.5,)),
                       ("normal", (0.0, 0.1)), ("orthogonal", ())):
        before = to_numpy(lin.weight).copy()
        with pytest.warns(FutureWarning, match=f"{name}_"):
            assert getattr(nn.init, name)(lin.weight, *args) is lin.weight
        assert not np.array_equal(before, to_numpy(lin.weight)), name
    assert nn.init.xavier_uniform((3, 4)).shape == (3, 4)  # a shape still draws an array


@pytest.mark.parametrize("shape, axis", [((3,), 0), ((2, 3), 1), ((2, 3, 4), 0),
                                         ((2, 3, 4, 5), 1)])
def test_softmax_without_dim_takes_torchs_implicit_axis(backend, shape, axis):
    """``F.softmax(x)`` without ``dim`` (older pytorch/examples code) took the last axis
    silently, where torch takes axis 0 for 3-d inputs and 1 for 4-d ones (as ``nn.Softmax()``
    already did here)."""
    from gpuad.nn import functional as F

    x = ad.tensor(_xp().asarray(np.random.default_rng(0).standard_normal(shape)))
    for name in ("softmax", "log_softmax", "softmin"):
        with pytest.warns(UserWarning, match="implicit choice"):
            got = getattr(F, name)(x)
        np.testing.assert_allclose(to_numpy(got), to_numpy(getattr(F, name)(x, dim=axis)),
                                   rtol=1e-14)


def test_module_buffers_and_dotted_getters(backend):
    """torch.nn.Module's ``buffers()``, ``get_submodule``, ``get_parameter``, ``get_buffer``
    and ``register_parameter``, which ports call (they were missing)."""
    from gpuad import nn

    m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2),
                      nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)))
    assert [tuple(b.shape) for b in m.buffers()] == [(2,), (2,), (), (2,), (2,), ()]
    assert list(m.buffers(recurse=False)) == []
    assert m.get_submodule("2.0") is m[2][0]
    assert m.get_parameter("2.0.weight") is m[2][0].weight
    assert m.get_buffer("1.running_var") is m[1].running_var
    with pytest.raises(AttributeError, match="no submodule '7'"):
        m.get_submodule("2.7")
    m[2][0].register_parameter("scale", nn.Parameter(_xp().ones(2)))
    assert "2.0.scale" in dict(m.named_parameters())
