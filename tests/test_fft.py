"""gpuad.numpy.fft: values, dtypes and errors as numpy.fft; gradients against PyTorch's
torch.fft and against complex finite differences (first and second order, both modes), for
every transform with its n / axis / s / axes / norm arguments."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

F = gnp.fft


def crandn(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


@pytest.fixture(autouse=True)
def _no_complex_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        yield


def _inputs(kind, shape, seed=0):
    rng = np.random.default_rng(seed)
    return crandn(rng, *shape) if kind == "c" else rng.standard_normal(shape)


# name, kwargs, input kind ("r" real, "c" complex), input shape
CASES = [
    ("fft", {}, "c", (6,)),
    ("fft", {}, "r", (5,)),
    ("fft", {"n": 8, "norm": "ortho"}, "c", (6,)),
    ("fft", {"n": 4, "axis": 0, "norm": "forward"}, "c", (6, 3)),
    ("ifft", {}, "c", (6,)),
    ("ifft", {"n": 9, "axis": -1, "norm": "ortho"}, "r", (2, 6)),
    ("ifft", {"n": 3, "norm": "forward"}, "c", (6,)),
    ("rfft", {}, "r", (6,)),
    ("rfft", {}, "r", (7,)),
    ("rfft", {"n": 10, "axis": 0, "norm": "ortho"}, "r", (7, 2)),
    ("rfft", {"n": 5, "norm": "forward"}, "r", (8,)),
    ("irfft", {}, "c", (5,)),
    ("irfft", {"n": 7}, "c", (5,)),
    ("irfft", {"n": 12, "norm": "ortho", "axis": 0}, "c", (4, 3)),
    ("irfft", {"n": 4, "norm": "forward"}, "c", (6,)),
    ("irfft", {"n": 6}, "r", (4,)),
    ("hfft", {}, "c", (5,)),
    ("hfft", {"n": 9, "norm": "ortho"}, "c", (5,)),
    ("hfft", {"n": 6, "norm": "forward", "axis": 0}, "c", (3, 2)),
    ("ihfft", {}, "r", (6,)),
    ("ihfft", {"n": 9, "norm": "ortho"}, "r", (7,)),
    ("ihfft", {"norm": "forward"}, "r", (5,)),
    ("fft2", {}, "c", (3, 4)),
    ("fft2", {"s": (5, 2), "norm": "ortho"}, "r", (2, 3, 4)),
    ("ifft2", {"axes": (0, 2), "norm": "forward"}, "c", (3, 2, 4)),
    ("fftn", {}, "c", (2, 3, 4)),
    ("fftn", {"s": (4, 5), "axes": (0, 2)}, "c", (3, 2, 4)),
    ("fftn", {"axes": (1, 1)}, "c", (2, 3)),
    ("fftn", {"s": (3, 6), "axes": (1, 1)}, "c", (2, 3)),
    ("ifftn", {"s": (4, -1), "axes": (1, 0), "norm": "ortho"}, "c", (3, 4)),
    ("ifftn", {}, "r", (3, 4)),
    ("rfft2", {}, "r", (4, 6)),
    ("rfft2", {"s": (3, 5), "norm": "ortho"}, "r", (2, 4, 6)),
    ("rfftn", {}, "r", (2, 3, 4)),
    ("rfftn", {"axes": (0,)}, "r", (5, 2)),
    ("rfftn", {"s": (4, 7), "axes": (2, 0), "norm": "forward"}, "r", (3, 2, 4)),
    ("irfft2", {}, "c", (4, 3)),
    ("irfft2", {"s": (5, 7), "norm": "forward"}, "c", (4, 3)),
    ("irfftn", {}, "c", (2, 3, 4)),
    ("irfftn", {"s": (3, 5), "axes": (0, 1)}, "c", (2, 3, 2)),
    ("irfftn", {"axes": (0,), "norm": "ortho"}, "c", (5, 2)),
    ("fftshift", {}, "c", (4, 5)),
    ("fftshift", {"axes": 1}, "r", (4, 5)),
    ("ifftshift", {}, "c", (5, 4)),
    ("ifftshift", {"axes": (0,)}, "r", (5, 3)),
]
IDS = [f"{n}-{k}-{'x'.join(map(str, s))}-{'-'.join(f'{a}={v}' for a, v in kw.items())}"
       for n, kw, k, s in CASES]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_values_and_dtypes_match_numpy(backend, case, dtype):
    name, kw, kind, shape = case
    a = _inputs(kind, shape)
    a = a.astype(dtype if kind == "r" else np.result_type(dtype, np.complex64))
    ours = getattr(F, name)(a, **kw)
    ref = getattr(np.fft, name)(a, **kw)
    ours = to_numpy(ours)
    assert ours.shape == ref.shape and ours.dtype == ref.dtype
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours, ref, **tol)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_finite_differences(backend, case):
    name, kw, kind, shape = case
    check_grads(lambda a: getattr(F, name)(a, **kw), (_inputs(kind, shape, 1),), order=2)


def test_transforms_of_tensors_compose(backend):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 6))
    m = ad.get_backend().xp.asarray(crandn(rng, 6, 6))  # f sees the backend's arrays

    def f(u):
        z = F.fft(u @ m, axis=1) * F.fft2(u)
        return F.irfft2(F.rfft2(u) + z[:, :4], s=(4, 6)) + gnp.abs(F.ifftshift(z))

    check_grads(f, (x,), order=2, rtol=1e-4, atol=1e-5)


# ---- against PyTorch ----------------------------------------------------------------------------

def _torch_call(torch, name, a, kw):
    kw = dict(kw)
    if "axis" in kw:
        kw["dim"] = kw.pop("axis")
    if "axes" in kw:
        kw["dim"] = kw.pop("axes")
    if name in ("fftshift", "ifftshift"):
        return getattr(torch.fft, name)(a, **kw)
    fn = getattr(torch.fft, name)
    if name in ("fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn"):
        if "dim" not in kw and "s" in kw and name.endswith("n"):
            kw["dim"] = tuple(range(-len(kw["s"]), 0))
        if name.endswith("2"):
            kw.setdefault("dim", (-2, -1))
    return fn(a, **kw)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_match_torch(backend, case):
    torch = pytest.importorskip("torch")
    name, kw, kind, shape = case
    if name in ("fftn",) and kw.get("axes") == (1, 1):
        pytest.skip("torch.fft.fftn takes each dim once")
    a = _inputs(kind, shape, 3)
    at = torch.tensor(a, requires_grad=True)
    yt = _torch_call(torch, name, at, kw)
    w = _inputs("c" if yt.is_complex() else "r", tuple(yt.shape), 4)
    wt = torch.tensor(w)
    lt = (yt * wt.conj()).real.sum() + (yt.abs() ** 1.5).sum()
    lt.backward()

    def loss(u):
        y = getattr(F, name)(u, **kw)
        return gnp.sum(gnp.real(y * np.conj(w))) + gnp.sum(gnp.abs(y) ** 1.5)

    np.testing.assert_allclose(to_numpy(_value(torch, yt)), to_numpy(getattr(F, name)(a, **kw)),
                               rtol=1e-12, atol=1e-12)
    g = to_numpy(ad.grad(loss)(a))
    assert g.dtype == a.dtype
    np.testing.assert_allclose(g, at.grad.detach().resolve_conj().numpy(), rtol=1e-10,
                               atol=1e-12)


def _value(torch, t):
    return t.detach().resolve_conj().resolve_neg().numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_single_precision_stays_single(backend, dtype):
    rng = np.random.default_rng(5)
    a = _inputs("c" if dtype == np.complex64 else "r", (8,), 5).astype(dtype)
    g = to_numpy(ad.grad(lambda u: gnp.sum(gnp.abs(F.fft(u, n=10)) ** 2))(a))
    assert g.dtype == dtype
    # Parseval: sum |fft(u, n)|^2 = n sum |u|^2 for the n >= len(u) zero-padded signal
    np.testing.assert_allclose(g, 2 * 10 * a, rtol=1e-5)
    del rng


def test_jvp_is_the_transform_of_the_tangent(backend):
    rng = np.random.default_rng(6)
    z, t = crandn(rng, 3, 4), crandn(rng, 3, 4)
    _, jt = ad.jvp(lambda u: F.fft2(u, s=(4, 4), norm="ortho"), (z,), (t,))
    np.testing.assert_allclose(to_numpy(jt), np.fft.fft2(t, s=(4, 4), norm="ortho"),
                               rtol=1e-12)
    x, tx = rng.standard_normal(7), rng.standard_normal(7)
    _, jt = ad.jvp(lambda u: F.rfft(u, n=6), (x,), (tx,))
    np.testing.assert_allclose(to_numpy(jt), np.fft.rfft(tx, n=6), rtol=1e-12)


def test_irfft_reads_only_the_real_part_of_zero_and_nyquist(backend):
    h = np.array([1 + 5j, 2 - 1j, 3 + 7j])
    np.testing.assert_allclose(to_numpy(F.irfft(h)), np.fft.irfft(h))
    g = to_numpy(ad.grad(lambda u: gnp.sum(F.irfft(u) * np.arange(4.0)))(h))
    assert g[0].imag == 0 and g[-1].imag == 0


def test_frequencies_and_their_spacing_derivative(backend):
    for n in (1, 6, 7):
        np.testing.assert_allclose(to_numpy(F.fftfreq(n, 0.3)), np.fft.fftfreq(n, 0.3),
                                   rtol=1e-15)
        np.testing.assert_allclose(to_numpy(F.rfftfreq(n, 0.3)), np.fft.rfftfreq(n, 0.3),
                                   rtol=1e-15)
    # k / (n d) has derivative -k / (n d^2) in d
    g = ad.grad(lambda d: gnp.sum(F.fftfreq(6, d) * np.arange(6.0)))(0.5)
    k = np.fft.fftfreq(6, 1.0) * 6
    assert float(g) == pytest.approx(float(np.sum(-k * np.arange(6) / (6 * 0.25))))
    check_grads(lambda d: F.rfftfreq(7, d), (np.array(0.4),), order=2)


def test_shifts_invert_each_other(backend):
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(to_numpy(F.ifftshift(F.fftshift(x))), x)
    np.testing.assert_array_equal(to_numpy(F.fftshift(x, axes=(0, 1))), np.fft.fftshift(x))


def test_errors_name_the_function(backend):
    z = np.ones(4, complex)
    with pytest.raises(ValueError, match="fft: invalid norm"):
        F.fft(z, norm="sideways")
    with pytest.raises(ValueError, match="ifft: invalid number of FFT data points"):
        F.ifft(z, n=0)
    with pytest.raises(np.exceptions.AxisError, match="rfft: axis 1"):
        F.rfft(np.ones(4), axis=1)
    with pytest.raises(TypeError, match="rfft: the input must be real"):
        F.rfft(z)
    with pytest.raises(TypeError, match="ihfft: the input must be real"):
        F.ihfft(z)
    with pytest.raises(ValueError, match="fftn: s has 2 entries but axes has 1"):
        F.fftn(np.ones((2, 2)), s=(2, 2), axes=(0,))
    # a differentiated complex input to rfft raises too, leaving the input usable
    t = ad.tensor(z, requires_grad=True)
    with pytest.raises(TypeError, match="rfft"):
        F.rfft(t)
    assert ad.grad(lambda u: gnp.sum(gnp.abs(F.fft(u))))(z).shape == (4,)


def test_lists_and_plain_arrays_give_backend_arrays(backend):
    out = F.fft([1.0, 2.0, 3.0])
    assert not isinstance(out, ad.Tensor)
    np.testing.assert_allclose(to_numpy(out), np.fft.fft([1.0, 2.0, 3.0]))
