"""JAX's SciPy-namespace test suites (jax-ml/jax tests/scipy_signal_test.py, scipy_fft_test.py,
scipy_ndimage_test.py, scipy_interpolate_test.py, lax_scipy_test.py's logsumexp, special-function
and trapezoid tests, linalg_test.py's scipy.linalg part) ported to gpuad.scipy: each of JAX's
parameter grids runs on gpuad and on SciPy itself (values, shapes, dtypes and errors), and a
sample of each runs on jax.scipy too (x64 on for this module) with gradients compared against
``jax.vjp`` on random cotangents and, for real inputs, against float64 central differences.

What the other conformance files check already is not repeated (tests/conformance/
test_jax_scipy_kwargs_fuzz.py, test_jax_scipy_spectral_schur.py, test_jax_segment_ndimage_dct.py,
test_jax_scipy_grads.py): here are JAX's own grids (integer and complex dtypes, 3-D shapes,
``method=``, ``axes=``, every window, boundary and padding of the spectral functions, every
``s``/``axes`` of the n-D DCTs, every mode of map_coordinates on integer coordinates).

Where gpuad follows SciPy rather than JAX (``DIFFERS``) or refuses what JAX or SciPy computes
(``REFUSED``), the reason is listed and the behaviour asserted.
"""

from __future__ import annotations

import itertools
import math
import random
import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")
pytest.importorskip("scipy")
import jax.numpy as jnp  # noqa: E402
import jax.scipy.fft as jfft  # noqa: E402
import jax.scipy.integrate as jinteg  # noqa: E402
import jax.scipy.interpolate as jinterp  # noqa: E402
import jax.scipy.linalg as jsl  # noqa: E402
import jax.scipy.ndimage as jndi  # noqa: E402
import jax.scipy.signal as jss  # noqa: E402
import jax.scipy.special as jsp  # noqa: E402
import scipy.fft as sfft  # noqa: E402
import scipy.integrate as sinteg  # noqa: E402
import scipy.interpolate as sinterp  # noqa: E402
import scipy.linalg as sl  # noqa: E402
import scipy.ndimage as sndi  # noqa: E402
import scipy.signal as ssig  # noqa: E402
import scipy.special as ssp  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.scipy as gscipy  # noqa: E402
from gpuad.scipy import fft as gfft  # noqa: E402
from gpuad.scipy import integrate as ginteg  # noqa: E402
from gpuad.scipy import interpolate as ginterp  # noqa: E402
from gpuad.scipy import linalg as gsl  # noqa: E402
from gpuad.scipy import ndimage as gndi  # noqa: E402
from gpuad.scipy import signal as gss  # noqa: E402
from gpuad.scipy import special as gsp  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402

# Deliberate differences from jax.scipy (gpuad gives SciPy's answer) -------------------------
DIFFERS = {
    "integer convolve/correlate/convolve2d/correlate2d": "SciPy's integer result (exact); JAX's "
    "is float",
    "welch/csd nperseg=None": "256 as SciPy and JAX's own docstring; JAX takes the whole signal "
    "when it is longer (its suite skips that case)",
    "detrend/spectral of int32": "float64 as SciPy; JAX's float32",
    "logsumexp of a sum that cancels to 0": "-inf with sign 0 as JAX (SciPy's round-off gives "
    "a finite value)",
}
# What gpuad refuses with a clear error where JAX or SciPy computes ----------------------------
REFUSED = {
    "map_coordinates order > 5 or an unknown mode": (
        RuntimeError, "orders 0 to 5 (2 to 5 and the 'grid-*' modes are SciPy's, "
        "tests/conformance/test_scipy_ndimage_suite.py)"),
    "gpuad.scipy.optimize, .spatial, .cluster, .sparse": (
        AttributeError, "no counterpart of jax.scipy.optimize.minimize, spatial.transform."
        "Rotation/Slerp, cluster.vq.vq, sparse.linalg.cg/gmres/bicgstab"),
    "special.lpmn, lpmn_values, sph_harm": (
        AttributeError, "not in jax.scipy 0.10 nor SciPy 1.17 either; sph_harm_y is offered"),
}


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    jax.config.update("jax_enable_x64", prev)


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def leaves(v):
    return list(v) if isinstance(v, tuple | list) else [v]


def tol_of(dt):
    return 2e-4 if np.dtype(dt) in (np.float32, np.complex64) else 1e-9


def close(got, want, tol=1e-9, dtype=True, what=""):
    got, want = host(got), np.asarray(want)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    if dtype:
        assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    if want.size:
        scale = max(1.0, float(np.nanmax(np.abs(want), initial=0.0)))
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale, equal_nan=True,
                                   err_msg=str(what))


def make(rng, shape, dt):
    dt = np.dtype(dt)
    if dt == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if dt.kind == "i":
        return rng.integers(-5, 5, shape).astype(dt)
    if dt.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
    return rng.standard_normal(shape).astype(dt)


def vs_jax(gf, jf, args, rng, rtol=1e-9):
    """Values and the vjp of every output on random cotangents: gpuad's gradient of
    ``re(sum(c * out))`` is JAX's vjp of ``c`` conjugated (PyTorch's convention for complex)."""
    want, back = jax.vjp(jax.jit(jf), *[jnp.asarray(a) for a in args])
    got = gf(*args)
    wl, gl = leaves(want), leaves(got)
    assert len(wl) == len(gl)
    for g, w in zip(gl, wl, strict=True):
        close(g, w, rtol, dtype=False)
    cts = [rng.standard_normal(np.shape(w)) + (1j * rng.standard_normal(np.shape(w))
                                                if np.iscomplexobj(w) else 0) for w in wl]
    jg = back(tuple(jnp.asarray(c) for c in cts) if isinstance(want, tuple | list)
              else jnp.asarray(cts[0]))

    def loss(*xs):
        total = 0.0
        for o, c in zip(leaves(gf(*xs)), cts, strict=True):
            total = total + gnp.sum(gnp.real(o * c))
        return total

    gg = ad.grad(loss, argnums=tuple(range(len(args))))(*args)
    for g, w in zip(gg, jg, strict=True):
        close(g, np.conj(np.asarray(w)), 1e-8, dtype=False)


RNG = np.random.default_rng(0)
ONE = [(1,), (2,), (5,), (10,)]
TWO = [(1, 1), (2, 2), (2, 3), (3, 4), (4, 4)]
THREE = [(2, 2, 2), (3, 3, 2), (4, 4, 2), (5, 5, 2)]
SIGNAL_DTYPES = [np.float32, np.float64, np.int32, np.int64, np.complex64, np.complex128]


# ---- scipy_signal_test.py: convolutions ----------------------------------------------------

def _scipy_conv_dtype(op, a, b):
    return ssig.convolve(a, b).dtype if op != "fftconvolve" else None


@pytest.mark.parametrize("op", ["convolve", "correlate"])
def test_convolutions_against_scipy(op):
    rng = np.random.default_rng(1)
    for shapes in (ONE, TWO, THREE):
        for xs, ys in itertools.product(shapes, shapes):
            dt = SIGNAL_DTYPES[(len(xs) + xs[0] + ys[0]) % len(SIGNAL_DTYPES)]
            x, y = make(rng, xs, dt), make(rng, ys, dt)
            for mode, method in itertools.product(["full", "same", "valid"],
                                                  ["auto", "direct", "fft"]):
                try:
                    want = getattr(ssig, op)(x, y, mode=mode, method=method)
                except ValueError:
                    with pytest.raises(ValueError, match=op if op == "convolve" else "convolve"):
                        getattr(gss, op)(x, y, mode=mode, method=method)
                    continue
                got = getattr(gss, op)(x, y, mode=mode, method=method)
                if np.dtype(dt).kind == "i":  # SciPy's fft method rounds to the integer result
                    want = getattr(ssig, op)(x, y, mode=mode, method="direct")
                close(got, want, tol_of(dt), what=(op, xs, ys, mode, method, dt))


def test_convolutions_against_jax_with_gradients():
    rng = np.random.default_rng(2)
    for (op, xs, ys, mode), dt in zip(
            [("convolve", (5,), (2,), "same"), ("correlate", (3, 4), (2, 3), "full"),
             ("correlate", (4, 4, 2), (2, 2, 2), "valid"), ("convolve", (2, 3), (3, 4), "valid")],
            [np.float64, np.complex128] * 2, strict=True):
        x, y = make(rng, xs, dt), make(rng, ys, dt)
        vs_jax(lambda a, b: getattr(gss, op)(a, b, mode=mode),
               lambda a, b: getattr(jss, op)(a, b, mode=mode), (x, y), rng)


def test_fftconvolve_axes_against_scipy():
    rng = np.random.default_rng(3)
    for shapes in (ONE, TWO, THREE):
        for xs, ys in itertools.product(shapes, shapes):
            for k, pass_axes in enumerate([True, False]):
                axes = (tuple(i for i in range(len(xs)) if xs[i] != ys[i]) or 0) \
                    if pass_axes else None
                dt = [np.float64, np.int64, np.complex128, np.float32][(xs[0] + ys[0] + k) % 4]
                x, y = make(rng, xs, dt), make(rng, ys, dt)
                for mode in ("full", "same", "valid"):
                    try:
                        want = ssig.fftconvolve(x, y, mode=mode, axes=axes)
                    except ValueError:
                        with pytest.raises(ValueError):
                            gss.fftconvolve(x, y, mode=mode, axes=axes)
                        continue
                    got = gss.fftconvolve(x, y, mode=mode, axes=axes)
                    # SciPy multiplies integers without an FFT where one input has a single
                    # element (an integer result); gpuad gives float64 always
                    close(got, want, 1e-9 if dt != np.float32 else 2e-4,
                          dtype=np.dtype(dt).kind != "i",
                          what=("fftconvolve", xs, ys, mode, axes, dt))


def test_fftconvolve_axes_against_jax_with_gradients():
    rng = np.random.default_rng(4)
    for xs, ys, axes, mode in [((3, 4), (3, 2), (1,), "same"), ((2, 5), (2, 3), 1, "valid"),
                               ((4, 4, 2), (2, 3, 2), (0, 1), "full")]:
        x, y = make(rng, xs, np.float64), make(rng, ys, np.float64)
        vs_jax(lambda a, b: gss.fftconvolve(a, b, mode, axes=axes),
               lambda a, b: jss.fftconvolve(a, b, mode, axes=axes), (x, y), rng)
        check_grads(lambda a, b: gss.fftconvolve(a, b, mode, axes=axes), (x, y), order=1)


@pytest.mark.parametrize("op", ["convolve2d", "correlate2d"])
def test_convolutions_2d_against_scipy(op):
    rng = np.random.default_rng(5)
    for (xs, ys), mode in itertools.product(itertools.product(TWO, TWO), ["full", "same", "valid"]):
        dt = SIGNAL_DTYPES[(xs[0] * 3 + ys[1]) % len(SIGNAL_DTYPES)]
        x, y = make(rng, xs, dt), make(rng, ys, dt)
        try:
            want = getattr(ssig, op)(x, y, mode=mode)
        except ValueError:
            with pytest.raises(ValueError):
                getattr(gss, op)(x, y, mode=mode)
            continue
        close(getattr(gss, op)(x, y, mode=mode), want, tol_of(dt), what=(op, xs, ys, mode))


def test_detrend_against_scipy():
    rng = np.random.default_rng(6)
    for shape, dt, axis, kind, bp in itertools.product(
            [(5,), (4, 5), (3, 4, 5)], [np.float32, np.float64, np.int32, np.int64],
            [0, -1], ["constant", "linear"], [0, [0, 2]]):
        x = make(rng, shape, dt)
        close(gss.detrend(x, axis=axis, type=kind, bp=bp),
              ssig.detrend(x, axis=axis, type=kind, bp=bp), tol_of(dt), what=(shape, dt, axis))


# ---- scipy_signal_test.py: stft / csd / welch / istft --------------------------------------

STFT_SHAPES = [((50,), 17, 5, -1), ((2, 13), 7, 0, -1), ((3, 17, 2), 9, 3, 1),
               ((2, 3, 389, 5), 17, 13, 2), ((2, 1, 133, 3), 17, 13, -2), ((3, 7), 1, 0, 1)]
CSD_SHAPES = [((50,), (13,), 17, 5, -1), ((2, 13), (2, 13), 7, 0, -1),
              ((3, 17, 2), (3, 12, 2), 9, 3, 1)]
ISTFT_SHAPES = [((3, 2, 64, 31), 100, 75, -1, -2), ((17, 8, 5), 13, 7, 0, 1),
                ((65, 24), 24, 7, -2, -1)]
WINDOWS = ["boxcar", "triang", "blackman", "hamming", "hann"]
N_SPECTRAL = 40  # sampled cases per function (JAX's product is thousands)


def _spectral_close(got, want, dt, what):
    """SciPy's frequencies and times are float64 whatever the input; gpuad's (JAX's) follow
    the input's precision: compared as values."""
    for g, w in zip(leaves(got), leaves(want), strict=True):
        g = host(g)
        if np.dtype(dt) in (np.float32, np.complex64):
            assert g.dtype in (np.float32, np.complex64), (what, g.dtype)
            close(g, w, 2e-4, dtype=False, what=what)
        else:
            close(g, w, 1e-9, what=what)


def _stft_kwargs(r, nperseg, noverlap, axis, cplx):
    return dict(fs=r.choice([1.0, 16000.0]), window=r.choice(WINDOWS), nperseg=nperseg,
                noverlap=noverlap, nfft=r.choice([None, nperseg, int(nperseg * 1.5), nperseg * 2]),
                detrend=r.choice(["constant", "linear", False]), axis=axis,
                return_onesided=not cplx)


def test_stft_against_scipy():
    r, rng = random.Random(7), np.random.default_rng(7)
    for _ in range(N_SPECTRAL):
        shape, nperseg, noverlap, axis = r.choice(STFT_SHAPES)
        dt = r.choice(SIGNAL_DTYPES)
        kw = _stft_kwargs(r, nperseg, noverlap, axis, np.dtype(dt).kind == "c")
        kw.update(boundary=r.choice([None, "even", "odd", "zeros"]), padded=r.choice([True, False]))
        x = make(rng, shape, dt)
        _spectral_close(gss.stft(x, **kw), ssig.stft(x, **kw), dt, ("stft", shape, dt, kw))


def test_csd_against_scipy():
    r, rng = random.Random(8), np.random.default_rng(8)
    for k in range(N_SPECTRAL):
        xs, ys, nperseg, noverlap, axis = r.choice(CSD_SHAPES)
        dt = r.choice(SIGNAL_DTYPES)
        kw = _stft_kwargs(r, nperseg, noverlap, axis, np.dtype(dt).kind == "c")
        kw.update(scaling=r.choice(["density", "spectrum"]))
        x = make(rng, xs, dt)
        y = x if k % 3 == 0 else make(rng, ys, dt)  # JAX's testCsdWithSameParam
        _spectral_close(gss.csd(x, y, **kw), ssig.csd(x, y.copy(), **kw), dt, ("csd", xs, kw))


def test_welch_against_scipy():
    r, rng = random.Random(9), np.random.default_rng(9)
    for _ in range(N_SPECTRAL):
        shape, nperseg, noverlap, axis = r.choice(STFT_SHAPES)
        dt = r.choice(SIGNAL_DTYPES)
        kw = _stft_kwargs(r, nperseg, noverlap, axis, np.dtype(dt).kind == "c")
        kw.update(scaling=r.choice(["density", "spectrum"]), average=r.choice(["mean", "median"]),
                  return_onesided=np.dtype(dt).kind != "c" and r.random() < 0.5)
        x = make(rng, shape, dt)
        _spectral_close(gss.welch(x, **kw), ssig.welch(x, **kw), dt, ("welch", shape, dt, kw))


def test_welch_default_step_arguments_against_scipy():
    """JAX's testWelchWithDefaultStepArgs, with the case JAX skips (a 389-sample signal with
    nperseg left out: SciPy's segments are 256 long)."""
    rng = np.random.default_rng(10)
    for (shape, nperseg, noverlap, axis), use_n, use_w, use_o in itertools.product(
            STFT_SHAPES, [False, True], [False, True], [False, True]):
        kw = {"axis": axis}
        if use_n:
            kw["nperseg"] = nperseg
        if use_w:
            kw["window"] = ssig.get_window("hann", nperseg)
        if use_o:
            kw["noverlap"] = noverlap
        dt = [np.float64, np.int64, np.float32][(use_n + 2 * use_w + use_o) % 3]
        x = make(rng, shape, dt)
        try:
            want = ssig.welch(x, **kw)
        except ValueError:
            with pytest.raises(ValueError):
                gss.welch(x, **kw)
            continue
        _spectral_close(gss.welch(x, **kw), want, dt, ("welch", shape, kw))
    x = make(rng, (2, 389), np.float64)
    for got, jax_got in zip(gss.welch(x), jss.welch(x), strict=True):
        assert host(got).shape[-1] == 129 and np.shape(jax_got)[-1] == 195  # DIFFERS


def test_istft_against_scipy():
    r, rng = random.Random(11), np.random.default_rng(11)
    for _ in range(N_SPECTRAL // 2):
        shape, nperseg, noverlap, taxis, faxis = r.choice(ISTFT_SHAPES)
        onesided = r.random() < 0.5
        if not onesided:
            shape = shape[:faxis] + ((shape[faxis] - 1) * 2,) + shape[faxis + 1:]
        dt = r.choice(SIGNAL_DTYPES)
        window = r.choice(WINDOWS + ["array"])
        if window == "array":
            window = np.ones(nperseg, np.float64 if onesided else np.complex128)
        kw = dict(fs=r.choice([1.0, 16000.0]), window=window, nperseg=nperseg,
                  noverlap=noverlap, nfft=r.choice([None, nperseg, int(nperseg * 1.5),
                                                    nperseg * 2]),
                  input_onesided=onesided, boundary=r.random() < 0.5, time_axis=taxis,
                  freq_axis=faxis)
        x = make(rng, shape, dt)
        try:
            want = ssig.istft(x, **kw)
        except ValueError:
            with pytest.raises(ValueError):
                gss.istft(x, **kw)
            continue
        got = gss.istft(x, **kw)
        tol = 1e-8 if np.dtype(dt) not in (np.float32, np.complex64) else 2e-4
        for g, w in zip(got, want, strict=True):
            close(g, w, tol, dtype=False, what=("istft", shape, dt))


def test_spectral_gradients_against_jax():
    """vjps for the windows and options the other conformance files leave out (triang,
    blackman, odd/even/zero boundaries, padded=False, nfft > nperseg, median)."""
    rng = np.random.default_rng(12)
    x, y = rng.standard_normal((2, 41)), rng.standard_normal((2, 41))
    for kw in [dict(window="triang", nperseg=9, noverlap=3, nfft=13, boundary="odd",
                    padded=False), dict(window="blackman", nperseg=8, boundary="zeros",
                                        detrend="linear")]:
        vs_jax(lambda a: gss.stft(a, **kw)[2], lambda a: jss.stft(a, **kw)[2], (x,), rng)
    kw = dict(window="triang", nperseg=10, noverlap=4, nfft=15, scaling="spectrum",
              average="median")
    vs_jax(lambda a: gss.welch(a, **kw)[1], lambda a: jss.welch(a, **kw)[1], (x,), rng)
    kw.pop("average")
    vs_jax(lambda a, b: gss.csd(a, b, **kw)[1], lambda a, b: jss.csd(a, b, **kw)[1],
           (x[:1], y), rng)
    z = np.asarray(jss.stft(x, window="blackman", nperseg=12, noverlap=8)[2])
    vs_jax(lambda a: gss.istft(a, window="blackman", nperseg=12, noverlap=8)[1],
           lambda a: jss.istft(a, window="blackman", nperseg=12, noverlap=8)[1], (z,), rng)
    check_grads(lambda a: gss.welch(a, window="triang", nperseg=10, average="median")[1],
                (x,), order=1)


# ---- scipy_fft_test.py --------------------------------------------------------------------

REAL_DTYPES = [np.float32, np.float64, np.int32, np.int64, np.bool_]


def test_dct_idct_against_scipy():
    rng = np.random.default_rng(13)
    for dt, shape, n, axis, norm in itertools.product(REAL_DTYPES, [(10,), (2, 5)],
                                                      [None, 1, 7, 13, 20], [-1, 0],
                                                      [None, "ortho", "backward"]):
        x = make(rng, shape, dt)
        for name in ("dct", "idct"):
            want = getattr(sfft, name)(x, n=n, axis=axis, norm=norm)
            close(getattr(gfft, name)(x, n=n, axis=axis, norm=norm), want, tol_of(dt),
                  dtype=False, what=(name, dt, shape, n, axis, norm))
    close(gfft.idct(np.ones(3), n=10), sfft.idct(np.ones(3), n=10), 1e-14)  # JAX issue 23895


def _dctn_axes(shape):
    nd = len(shape)
    axes = [[], None]
    for k in range(1, min(nd, 3) + 1):
        axes.extend(itertools.combinations(range(nd), k))
    return axes + [(-i,) for i in range(1, nd + 1)]


def test_dctn_idctn_against_scipy():
    cases = [(sh, ax, s) for sh in [(10,), (10, 10), (9,), (2, 3, 4), (2, 3, 4, 5)]
             for ax in _dctn_axes(sh)
             for s in [None] + ([] if ax is None else list(itertools.product(
                 *[range(1, 2 * sh[a] + 1) for a in ax])))]
    r, rng = random.Random(14), np.random.default_rng(14)
    for sh, ax, s in r.sample(cases, 250):
        dt, norm = r.choice(REAL_DTYPES), r.choice([None, "ortho", "backward"])
        x = make(rng, sh, dt)
        for name in ("dctn", "idctn"):
            want = getattr(sfft, name)(x, s=s, axes=ax, norm=norm)
            close(getattr(gfft, name)(x, s=s, axes=ax, norm=norm), want, tol_of(dt),
                  dtype=False, what=(name, sh, ax, s, norm))


def test_dct_gradients_against_jax_and_refusals():
    rng = np.random.default_rng(15)
    x = rng.standard_normal((3, 6))
    for norm in (None, "ortho"):
        vs_jax(lambda a: gfft.dctn(a, s=(4, 9), norm=norm),
               lambda a: jfft.dctn(a, s=(4, 9), norm=norm), (x,), rng)
        vs_jax(lambda a: gfft.idct(a, n=4, axis=0, norm=norm),
               lambda a: jfft.idct(a, n=4, axis=0, norm=norm), (x,), rng)
    for t in (1, 3, 4):  # SciPy's (JAX has type 2 only; tests/conformance/
        for name in ("dct", "idct", "dctn", "idctn"):  # test_scipy_fft_realtransforms.py)
            close(getattr(gfft, name)(x, type=t), getattr(sfft, name)(x, type=t), 1e-12)
    close(gfft.dct(x, norm="forward"), sfft.dct(x, norm="forward"), 1e-12)


# ---- scipy_ndimage_test.py ----------------------------------------------------------------

def test_map_coordinates_against_scipy():
    """JAX's testMapCoordinates for the orders it has (0, 1): JAX's 'constant' and 'wrap' are
    SciPy's 'grid-constant' and 'grid-wrap' (the 'original' inputs stay inside the grid, where
    the two agree)."""
    rng = np.random.default_rng(16)
    fix = {"constant": "grid-constant", "wrap": "grid-wrap"}
    modes = [(m, c) for m in ["wrap", "constant", "nearest", "mirror", "reflect"]
             for c in ([0, -1] if m == "constant" else [0])]
    for (mode, cval), order, (lo, hi, impl), shape, cshape, dt, round_ in itertools.product(
            modes, [0, 1], [(0, 1, "original"), (-0.75, 1.75, "fixed")], [(5,), (3, 4), (3, 4, 5)],
            [(7,), (2, 3, 4)], [np.float32, np.float64, np.int32, np.int64], [True, False]):
        x = np.arange(math.prod(shape), dtype=dt).reshape(shape)
        coords = [(size - 1) * rng.uniform(lo, hi, cshape) for size in shape]
        if round_:
            coords = [c.round().astype(int) for c in coords]
        want = sndi.map_coordinates(x, coords, order=order, cval=cval,
                                    mode=fix.get(mode, mode) if impl == "fixed" else mode)
        got = gndi.map_coordinates(x, coords, order=order, mode=mode, cval=cval)
        close(got, want, 1e-5 if np.dtype(dt).kind == "f" else 0, dtype=False,
              what=(mode, order, impl, shape, dt, round_))


def test_map_coordinates_round_half_errors_and_gradients():
    for dt, order in itertools.product([np.float32, np.float64, np.int32, np.int64], [0, 1]):
        x, c = np.arange(-3, 8, 2, dtype=dt), np.array([[0.5, 1.5, 2.5, 3.5]])
        close(gndi.map_coordinates(x, c, order=order, mode="constant"),
              sndi.map_coordinates(x, c, order=order, prefilter=False, mode="grid-constant"),
              0, dtype=False)
    x, c = np.arange(5.0), [np.linspace(0, 5, num=3)]
    with pytest.raises(RuntimeError, match="map_coordinates: spline order not supported"):
        gndi.map_coordinates(x, c, order=7)
    with pytest.raises(RuntimeError, match="map_coordinates: boundary mode 'grid-reflect'"):
        gndi.map_coordinates(x, c, order=1, mode="grid-reflect")
    with pytest.raises(ValueError, match="sequence of length"):
        gndi.map_coordinates(x, [c[0], c[0]], order=1)
    # JAX's newer prefilter= keyword is SciPy's: orders 0 and 1 have nothing to filter
    close(gndi.map_coordinates(x, c, order=1, prefilter=False),
          gndi.map_coordinates(x, c, order=1), 0, dtype=False)
    close(gndi.map_coordinates(x, c, order=1, mode="grid-wrap"),
          sndi.map_coordinates(x, c, order=1, mode="grid-wrap"), 1e-12, dtype=False)

    def loss(delta):  # JAX's testContinuousGradients (issue 3024)
        x = np.arange(100.0)
        shifted = gndi.map_coordinates(x, [np.arange(100.0) + delta], order=1)
        return gnp.mean(((x - shifted) ** 2)[10:-10])

    for d, want in ((0.5, 1.0), (1.0, 2.0)):
        close(ad.grad(loss)(d), want, 1e-12, dtype=False)
    rng = np.random.default_rng(17)
    img, pts = rng.standard_normal((4, 5)), [rng.uniform(-1, 5, 6), rng.uniform(-1, 6, 6)]
    for mode in ("mirror", "reflect", "wrap"):
        vs_jax(lambda a, p, q: gndi.map_coordinates(a, [p, q], 1, mode=mode),
               lambda a, p, q: jndi.map_coordinates(a, [p, q], 1, mode=mode),
               (img, *pts), rng)


# ---- scipy_interpolate_test.py ------------------------------------------------------------

@pytest.mark.parametrize("method", ["linear", "nearest"])
@pytest.mark.parametrize("spaces", [((0.0, 10.0, 10),), ((-15.0, 20.0, 12), (3.0, 4.0, 24))])
def test_regular_grid_interpolator_against_scipy_and_jax(spaces, method):
    rng = np.random.default_rng(18)
    points = tuple(np.linspace(*s) for s in spaces)
    values = rng.standard_normal(tuple(len(p) for p in points))
    xi = np.squeeze(np.stack([np.linspace(s[0] - 0.2 * (s[1] - s[0]), s[1] + 0.2 * (s[1] - s[0]),
                                          50) for s in spaces], axis=1))
    want = sinterp.RegularGridInterpolator(points, values, method, False, np.nan)(xi)
    close(ginterp.RegularGridInterpolator(points, values, method, False, np.nan)(xi), want,
          1e-12)
    inside = xi[~np.isnan(want)] if xi.ndim > 1 else xi[~np.isnan(want)]
    vs_jax(lambda v: ginterp.RegularGridInterpolator(points, v, method, False, np.nan)(inside),
           lambda v: jinterp.RegularGridInterpolator(points, v, method, False, np.nan)(inside),
           (values,), rng)


# ---- lax_scipy_test.py: trapezoid ---------------------------------------------------------

def test_trapezoid_against_scipy_and_jax():
    rng = np.random.default_rng(19)
    cases = [((10,), None, 1.0, -1), ((3, 10), None, 2.0, -1), ((3, 10), None, 3.0, 0),
             ((10, 3), (10,), 1.0, -2), ((3, 10), (10,), 1.0, -1), ((3, 10), (3, 10), 1.0, -1),
             ((2, 3, 10), (3, 10), 1.0, -2), ((2, 2, 2), (2, 2), 1.0, -2)]
    for (ys, xs, dx, axis), dt in itertools.product(cases, [np.float32, np.float64, np.int32,
                                                            np.int64]):
        y = make(rng, ys, dt)
        x = make(rng, xs, dt) if xs else None
        close(ginteg.trapezoid(y, x, dx=dx, axis=axis),
              sinteg.trapezoid(y, x, dx=dx, axis=axis), tol_of(dt), dtype=False,
              what=(ys, xs, axis, dt))
    y, x = rng.standard_normal((2, 3, 10)), rng.standard_normal((3, 10))
    vs_jax(lambda a, b: ginteg.trapezoid(a, b, axis=-2),
           lambda a, b: jinteg.trapezoid(a, b, axis=-2), (y, x), rng)


# ---- lax_scipy_test.py: logsumexp and special functions -----------------------------------

COMPATIBLE = [[(), ()], [(4,), (3, 4)], [(3, 1), (1, 4)], [(2, 3, 4), (2, 1, 4)]]


def test_logsumexp_against_scipy():
    rng = np.random.default_rng(20)
    for group, use_b in itertools.product(COMPATIBLE, [False, True]):
        for shapes in itertools.product(*((group, group) if use_b else (group,))):
            nd = max(len(s) for s in shapes)
            for axis, dt, keepdims, rs in itertools.product(
                    range(-nd, nd), [np.float32, np.float64, np.complex128, np.int64],
                    [False, True], [False, True]):
                args = [make(rng, s, dt) for s in shapes]
                if np.dtype(dt).kind == "i" and use_b:
                    args[1] = np.abs(args[1]) + 1  # a cancelling sum: DIFFERS (SciPy's round-off)
                kw = dict(keepdims=keepdims, return_sign=rs)
                b = {"b": args[1]} if use_b else {}
                want = ssp.logsumexp(args[0], axis, **b, **kw)
                got = gsp.logsumexp(args[0], axis, **b, **kw)
                for g, w in zip(leaves(got), leaves(want), strict=True):
                    close(g, w, tol_of(dt), dtype=np.dtype(dt).kind != "i",
                          what=(shapes, axis, dt, kw))


def test_logsumexp_regressions_and_gradients():
    x = np.array([1 + 1j, 2 - 1j, -2 + 3j])  # testLogSumExpComplexSign
    val, sign = gsp.logsumexp(x, return_sign=True)
    total = np.exp(x).sum()
    assert host(val).dtype == np.float64
    close(sign, total / abs(total), 1e-12)
    close(host(sign) * np.exp(host(val)), total, 1e-12)
    close(gsp.logsumexp(np.array([-1000, -2]), b=np.array([1, 0])),  # JAX issue 5370
          ssp.logsumexp(np.array([-1000, -2]), b=np.array([1, 0])), 1e-12)
    close(gsp.logsumexp(np.ones(4, np.float32)), ssp.logsumexp(np.ones(4, np.float32)), 1e-6)
    assert float(host(gsp.logsumexp(1.0))) == 1.0 == float(host(gsp.logsumexp(1.0, b=1.0)))
    rng = np.random.default_rng(21)
    for n in range(6):  # testLogSumExpWhere
        x, m = rng.standard_normal(n), rng.integers(0, 2, n).astype(bool)
        close(gsp.logsumexp(x, where=m), ssp.logsumexp(x[m]) if m.any() else -np.inf, 1e-12,
              dtype=False)
    g = ad.grad(lambda v: gsp.logsumexp(v, where=np.arange(5) < 4))(np.array([0.0] * 4 + [100.0]))
    close(g, [0.25] * 4 + [0.0], 1e-15)
    a = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    b = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    vs_jax(lambda u, v: gsp.logsumexp(u, 0, b=v), lambda u, v: jsp.logsumexp(u, 0, b=v), (a, b),
           rng)
    vs_jax(lambda u: gsp.logsumexp(u, 1, return_sign=True)[0],
           lambda u: jsp.logsumexp(u, 1, return_sign=True)[0], (a,), rng)
    check_grads(lambda u, v: gsp.logsumexp(u, 1, b=v, return_sign=True)[0],
                (a.real, np.abs(b.real) + 0.1), order=2)


def test_special_functions_against_scipy_and_jax():
    rng = np.random.default_rng(22)
    for shape, dt, d in itertools.product([(), (4,), (3, 4), (3, 1), (1, 4), (2, 1, 4)],
                                          [np.float32, np.float64], [1, 2, 5]):
        a = (np.abs(make(rng, shape, dt)) + 0.1 + (d - 1) / 2.0).astype(dt)
        close(gsp.multigammaln(a, d), ssp.multigammaln(a, d), 1e-5 if dt == np.float32 else 1e-13,
              dtype=False)
    close(gsp.expit(np.full((4,), -1e20, np.float32)), np.zeros(4, np.float32), 0)
    xs = np.geomspace(1, 1e30, 1000)  # JAX issue 13267, JAX's tolerance
    value, tangent = ad.jvp(lambda v: gsp.betaln(v, 1.0), (xs,), (np.ones_like(xs),))
    close(value, -np.log(xs), 1e-5)
    np.testing.assert_allclose(host(tangent), -1 / xs, atol=1e-5)
    np.testing.assert_allclose(host(tangent), -1 / xs, rtol=1e-9)  # JAX's: within 3e-6
    _, jt = jax.jvp(jsp.betaln, (xs, 1.0), (np.ones_like(xs), 0.0))
    np.testing.assert_allclose(np.asarray(jt), -1 / xs, rtol=1e-5)
    assert float(host(gsp.xlogy(0.0, 0.0))) == 0.0 == float(host(gsp.xlog1py(0.0, -1.0)))
    for f, want in ((gsp.xlogy, np.log(3.0)), (gsp.xlog1py, np.log1p(3.0))):
        gx, gy = ad.grad(f, argnums=(0, 1))(0.0, 3.0)
        close(gx, want, 1e-15, dtype=False)
        close(gy, 0.0, 0, dtype=False)
        check_grads(f, (0.0, 3.0), order=2)
    assert float(host(ad.grad(gsp.entr)(0.0))) == np.inf  # JAX issue 15709, both modes
    assert float(host(ad.jvp(gsp.entr, (0.0,), (1.0,))[1])) == np.inf
    x = np.abs(make(rng, (2, 3, 4), np.float32)) + 0.1
    close(gsp.xlogy(x, x), ssp.xlogy(x, x), 1e-6)
    check_grads(lambda v: gsp.xlogy(v, v), (x.astype(np.float64),), order=1)
    for shape in [(), (4,), (3, 4), (2, 1, 4)]:
        x = np.abs(make(rng, shape, np.float64)) + 0.1
        close(gsp.spence(x), ssp.spence(x), 1e-12)
        assert np.isnan(host(gsp.spence(-x))).all()
    for order, z, n_iter in zip([0, 1, 2, 3, 6], [0.01, 1.1, 11.4, 30.0, 100.6],
                                [5, 20, 50, 80, 200], strict=False):
        close(gsp.bessel_jn(z, v=order, n_iter=n_iter), [ssp.jv(v, z) for v in range(order + 1)],
              1e-6, dtype=False)
    for l_max, num_z in zip([1, 3, 8, 10], [2, 6, 7, 8], strict=False):
        m = rng.integers(-l_max, l_max + 1, num_z)
        n, theta, phi = np.abs(m), np.linspace(-2.0, 1.0, num_z), np.linspace(-4.0, 5.0, num_z)
        close(gsp.sph_harm_y(n, m, theta, phi, n_max=l_max), ssp.sph_harm_y(n, m, theta, phi),
              1e-12)
        if l_max in (3, 10):
            vs_jax(lambda t, p: gsp.sph_harm_y(n, m, t, p, n_max=l_max),
                   lambda t, p: jsp.sph_harm_y(n, m, t, p, n_max=l_max), (theta + 0.05, phi),
                   rng)


# ---- linalg_test.py: scipy.linalg ---------------------------------------------------------

def _mat(rng, n, dt):
    return make(rng, (n, n), dt)


def test_linalg_values_against_scipy():
    rng = np.random.default_rng(23)
    for n, dt in itertools.product([1, 3, 5], [np.float32, np.float64, np.complex128]):
        t = 2e-3 if dt == np.float32 else 1e-8
        a, e = _mat(rng, n, dt), _mat(rng, n, dt)
        spd = a @ a.conj().T + n * np.eye(n, dtype=dt)
        b = make(rng, (n, 2), dt)
        close(gsl.expm(a), sl.expm(a), t, dtype=False)
        for g, w in zip(gsl.expm_frechet(a, e), sl.expm_frechet(a, e), strict=True):
            close(g, w, t, dtype=False)
        close(gsl.sqrtm(spd), sl.sqrtm(spd), t, dtype=False)
        close(gnp.real(gsl.funm(spd, np.exp)), sl.funm(spd, np.exp).real, t, dtype=False)
        for g, w in zip(gsl.lu_factor(a), sl.lu_factor(a), strict=True):
            close(g, w, t, dtype=False)
        c = sl.cho_factor(spd, lower=True)
        close(gsl.cho_solve((c[0], True), b), sl.cho_solve(c, b), t, dtype=False)
        for lower, trans, unit in itertools.product([False, True], [0, 1, 2, "N", "T", "C"],
                                                    [False, True]):
            tri = (np.tril(a) if lower else np.triu(a)) + 3 * np.eye(n, dtype=dt)
            close(gsl.solve_triangular(tri, b, lower=lower, trans=trans, unit_diagonal=unit),
                  sl.solve_triangular(tri, b, lower=lower, trans=trans, unit_diagonal=unit),
                  t, dtype=False, what=(n, dt, lower, trans, unit))
        close(gsl.block_diag(a, b, a[:1]), sl.block_diag(a, b, a[:1]), 0)
        close(gsl.toeplitz(a[0], a[1 % n]), sl.toeplitz(a[0], a[1 % n]), 0)
        close(gsl.toeplitz(a[0]), sl.toeplitz(a[0]), 0)
        close(gsl.hessenberg(a), sl.hessenberg(a), t, dtype=False)
        tt, z = (host(v) for v in gsl.schur(a))
        close(z @ tt @ z.conj().T, a, t, dtype=False)
        for side in ("right", "left"):
            for g, w in zip(gsl.polar(a, side), sl.polar(a, side), strict=True):
                close(g, w, t, dtype=False)


def test_linalg_gradients_against_jax():
    rng = np.random.default_rng(24)
    a, e = 0.5 * rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    spd = a @ a.T + 4 * np.eye(4)
    b = rng.standard_normal((4, 2))
    vs_jax(gsl.expm, jsl.expm, (a,), rng)
    vs_jax(lambda u, v: gsl.expm_frechet(u, v), lambda u, v: jsl.expm_frechet(u, v), (a, e), rng)
    # the Frechet derivative is expm's directional derivative (float64 central differences)
    eps = 1e-6
    fd = (sl.expm(a + eps * e) - sl.expm(a - eps * e)) / (2 * eps)
    close(gsl.expm_frechet(a, e, compute_expm=False), fd, 1e-7, dtype=False)
    check_grads(gsl.sqrtm, (spd,), order=1)  # JAX's sqrtm goes through schur: no derivative
    with pytest.raises(NotImplementedError, match="schur"):
        jax.grad(lambda u: jnp.real(jsl.sqrtm(u)).sum())(spd)
    vs_jax(lambda u: gsl.polar(u)[0], lambda u: jsl.polar(u, method="svd")[0], (a,), rng)
    ac = a + 1j * rng.standard_normal((4, 4))  # complex: both factors, both sides
    for side in ("right", "left"):
        for k in (0, 1):
            vs_jax(lambda u: gsl.polar(u, side)[k],
                   lambda u: jsl.polar(u, side, method="svd")[k], (ac,), rng)
    tri = np.triu(a) + 3 * np.eye(4)
    vs_jax(lambda u, v: gsl.solve_triangular(u, v, trans=1),
           lambda u, v: jsl.solve_triangular(u, v, trans=1), (tri, b), rng)
    low = np.linalg.cholesky(spd)
    vs_jax(lambda u, v: gsl.cho_solve((u, True), v), lambda u, v: jsl.cho_solve((u, True), v),
           (low, b), rng)
    vs_jax(lambda u: gsl.lu_factor(u)[0], lambda u: jsl.lu_factor(u)[0], (a,), rng)
    vs_jax(lambda u, v: gsl.block_diag(u, v), lambda u, v: jsl.block_diag(u, v), (a, b), rng)
    vs_jax(lambda u, v: gsl.toeplitz(u, v), lambda u, v: jsl.toeplitz(u, v), (a[0], a[1]), rng)
    check_grads(lambda u, v: gsl.expm_frechet(u, v, compute_expm=False), (a, e), order=1)


# ---- what gpuad lacks ---------------------------------------------------------------------

@pytest.mark.parametrize("mod", ["spatial", "cluster"])
def test_missing_modules_raise(mod):
    assert hasattr(jax.scipy, mod) or __import__(f"jax.scipy.{mod}")
    with pytest.raises(AttributeError, match=f"no attribute '{mod}': jax.scipy.{mod}"):
        getattr(gscipy, mod)
    with pytest.raises(ModuleNotFoundError, match=f"gpuad.scipy.{mod}"):
        __import__(f"gpuad.scipy.{mod}")


@pytest.mark.parametrize("name", ["lpmn", "lpmn_values", "sph_harm"])
def test_missing_special_functions_raise(name):
    with pytest.raises(AttributeError, match=name):
        getattr(gsp, name)
