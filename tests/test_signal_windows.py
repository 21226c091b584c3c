"""gpuad.scipy.signal.windows: values against scipy.signal.windows (symmetric and periodic, the
lengths 0 and 1 included), dtypes, errors, and derivatives in the window parameters against
float64 central differences. The comparison with torch.signal.windows over many parameters is
tests/conformance/test_torch_signal_windows.py (and the OpInfo oracle)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal.windows as sw
from conftest import to_numpy

import gpuad as ad
from gpuad.scipy.signal import windows as W
from gpuad.testing import check_grads

# name, gpuad's keywords, SciPy's positional parameters
CASES = [
    ("bartlett", {}, ()), ("blackman", {}, ()), ("cosine", {}, ()), ("hamming", {}, ()),
    ("hann", {}, ()), ("nuttall", {}, ()),
    ("exponential", {"tau": 2.5}, (None, 2.5)),
    ("gaussian", {"std": 1.7}, (1.7,)), ("gaussian", {}, (1.0,)),
    ("general_cosine", {"a": [0.46, 0.23, 0.31]}, ([0.46, 0.23, 0.31],)),
    ("general_hamming", {"alpha": 0.6}, (0.6,)), ("general_hamming", {}, (0.54,)),
    ("kaiser", {"beta": 8.6}, (8.6,)), ("kaiser", {}, (12.0,)), ("kaiser", {"beta": 0.0}, (0.0,)),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_values_match_scipy(backend, case):
    name, kw, pos = case
    for M in (0, 1, 2, 5, 8):
        for sym in (True, False):
            ours = to_numpy(getattr(W, name)(M, sym=sym, **kw))
            ref = getattr(sw, name)(M, *pos, sym=sym)
            assert ours.dtype == np.float64 and ours.shape == ref.shape
            np.testing.assert_allclose(ours, ref, rtol=1e-13, atol=1e-14)


def test_scipy_positional_arguments_and_periodic_center(backend):
    np.testing.assert_allclose(to_numpy(W.exponential(7, 2.0, 3.0, False)),
                               sw.exponential(7, 2.0, 3.0, False), rtol=1e-14)
    np.testing.assert_allclose(to_numpy(W.general_cosine(6, [0.5, 0.5], False)),
                               sw.hann(6, False), rtol=1e-14, atol=1e-15)
    # one point with a center: torch's exp(-|0 - center| / tau) (SciPy returns 1)
    np.testing.assert_allclose(to_numpy(W.exponential(1, center=0.3, sym=False)), np.exp(-0.3))


def test_dtype(backend):
    w = W.hann(6, dtype=np.float32)
    assert to_numpy(w).dtype == np.float32
    np.testing.assert_allclose(to_numpy(w), sw.hann(6), rtol=1e-6, atol=1e-7)
    assert to_numpy(W.kaiser(4, beta=3.0, dtype="float32")).dtype == np.float32
    with pytest.raises(ValueError, match="hann: dtype must be float32 or float64"):
        W.hann(4, dtype=np.int64)


def test_errors_name_the_window(backend):
    with pytest.raises(ValueError, match="bartlett: the window length M must be non-negative"):
        W.bartlett(-1)
    with pytest.raises(TypeError, match="cosine: the window length M must be an integer"):
        W.cosine(4.0)
    with pytest.raises(ValueError, match="gaussian: the standard deviation std must be positive"):
        W.gaussian(4, std=0.0)
    with pytest.raises(ValueError, match="exponential: tau must be positive"):
        W.exponential(4, tau=-1.0)
    with pytest.raises(ValueError, match="exponential: a center may be given only for sym=False"):
        W.exponential(4, center=1.0)
    with pytest.raises(ValueError, match="kaiser: beta must be non-negative"):
        W.kaiser(4, beta=-1.0)
    with pytest.raises(ValueError, match="general_cosine: the coefficients a must be a non-empty"):
        W.general_cosine(4, [])
    with pytest.raises(TypeError, match="general_cosine: the coefficients a must be a list"):
        W.general_cosine(4, None)


@pytest.mark.parametrize("sym", [True, False])
def test_derivatives_in_the_parameters(backend, sym):
    check_grads(lambda s: W.gaussian(7, std=s, sym=sym), (1.3,), order=2)
    check_grads(lambda t: W.exponential(6, tau=t, sym=sym), (2.2,), order=2)
    check_grads(lambda b: W.kaiser(7, beta=b, sym=sym), (5.5,), order=2)
    check_grads(lambda a: W.general_cosine(6, a, sym=sym), (np.array([0.4, 0.35, 0.25]),),
                order=2)
    check_grads(lambda a: W.general_hamming(5, alpha=a, sym=sym), (0.58,), order=2)
    if not sym:
        check_grads(lambda c: W.exponential(6, center=c, tau=1.5, sym=False), (2.3,), order=2)


def test_constant_parameters_give_backend_arrays(backend):
    w = W.gaussian(5, std=2.0)
    assert not isinstance(w, ad.Tensor) and isinstance(w, ad.get_backend().array_type)
    s = ad.tensor(np.array(2.0), requires_grad=True)
    t = W.gaussian(5, std=s)
    assert isinstance(t, ad.Tensor)
    t.sum().backward()
    u = (np.arange(5) - 2.0) ** 2
    np.testing.assert_allclose(to_numpy(s.grad), np.sum(np.exp(-u / 8) * u / 8), rtol=1e-13)
