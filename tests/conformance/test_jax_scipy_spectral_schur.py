"""gpuad.scipy.signal's stft/istft/csd/welch/detrend and gpuad.scipy.linalg's Schur family,
eigh_tridiagonal, qr_multiply and special matrices against JAX itself (float64): values to
1e-10 relative (invariants where a factorisation is not unique), gradients against
``jax.vjp`` on random cotangents. Where JAX has no derivative (schur, hessenberg, funm,
qr_multiply, eigh_tridiagonal), both sides are checked to refuse or gpuad's derivative is
compared with JAX's derivative of the same function written through a differentiable route."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
import jax.scipy.linalg as jsl  # noqa: E402
import jax.scipy.signal as jss  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.scipy.linalg as gsl  # noqa: E402
import gpuad.scipy.signal as gss  # noqa: E402

RTOL = 1e-10


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def close(got, want, rtol=RTOL):
    got, want = host(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    if want.size:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * max(1.0, np.abs(want).max()))


def leaves(out):
    return list(out) if isinstance(out, tuple | list) else [out]


def compare(gf, jf, args, rng, grad=True, rtol=RTOL):
    """Values of ``gf`` and ``jf`` on ``args``; with ``grad``, gpuad's gradient of
    ``re(sum(out * c))`` against JAX's vjp with the cotangents ``c``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, back = jax.vjp(jax.jit(jf), *[jnp.asarray(a) for a in args])
        got = gf(*args)
    wl, gl = leaves(want), leaves(got)
    assert len(wl) == len(gl)
    for g, w in zip(gl, wl, strict=True):
        close(g, w, rtol)
    if not grad:
        return
    cts = []
    for w in wl:
        c = rng.standard_normal(np.shape(w))
        if np.iscomplexobj(w):
            c = c + 1j * rng.standard_normal(np.shape(w))
        cts.append(c)
    jg = back(tuple(jnp.asarray(c) for c in cts) if isinstance(want, tuple | list)
              else jnp.asarray(cts[0]))

    def loss(*xs):
        total = 0.0
        for o, c in zip(leaves(gf(*xs)), cts, strict=True):
            total = total + gnp.sum(gnp.real(o * c))
        return total

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gg = ad.grad(loss, argnums=tuple(range(len(args))))(*args)
    for g, w in zip(gg, jg, strict=True):
        close(g, np.conj(np.asarray(w)), 1e-8)  # JAX's vjp of a complex input is conjugated


RNG = np.random.default_rng(3)
X = RNG.standard_normal((2, 37))
Y = RNG.standard_normal((2, 37))
XC = X + 1j * RNG.standard_normal((2, 37))


@pytest.mark.parametrize("kw", [dict(type="constant"), dict(bp=[5, 17]), dict(axis=0)])
def test_detrend(kw):
    compare(lambda x: gss.detrend(x, **kw), lambda x: jss.detrend(x, **kw), (X,), RNG)
    if "bp" in kw:
        compare(lambda x: gss.detrend(x, **kw), lambda x: jss.detrend(x, **kw), (XC,), RNG)


STFT = [dict(nperseg=9, noverlap=4, nfft=12, detrend="linear"),
        dict(nperseg=8, boundary="even", window="hamming"), dict(nperseg=16, boundary="odd"),
        dict(nperseg=6, boundary="constant", padded=False, return_onesided=False),
        dict(nperseg=8, boundary=None, axis=0, fs=3.0)]


@pytest.mark.parametrize("kw", STFT, ids=[str(k) for k in STFT])
def test_stft(kw):
    x = X.T if kw.get("axis") == 0 else X
    compare(lambda a: gss.stft(a, **kw)[2], lambda a: jss.stft(a, **kw)[2], (x,), RNG)
    for g, w in zip(gss.stft(x, **kw)[:2], jss.stft(x, **kw)[:2], strict=True):
        close(g, w)


def test_stft_complex_and_window_array():
    compare(lambda a: gss.stft(a, nperseg=8)[2], lambda a: jss.stft(a, nperseg=8)[2], (XC,), RNG)
    w = np.hanning(8) + 0.2
    compare(lambda a, win: gss.stft(a, window=win, nperseg=8)[2],
            lambda a, win: jss.stft(a, window=win, nperseg=8)[2], (X, w), RNG)


WELCH = [dict(nperseg=8, average="median"),
         dict(nperseg=10, noverlap=3, nfft=13, scaling="spectrum", detrend="linear"),
         dict(nperseg=8, return_onesided=False), dict(nperseg=8, detrend=False, window="boxcar")]


@pytest.mark.parametrize("kw", WELCH, ids=[str(k) for k in WELCH])
def test_welch_and_csd(kw):
    compare(lambda a: gss.welch(a, **kw)[1], lambda a: jss.welch(a, **kw)[1], (X,), RNG)
    compare(lambda a, b: gss.csd(a, b, **kw)[1], lambda a, b: jss.csd(a, b, **kw)[1],
            (X, Y), RNG)
    close(gss.welch(X, **kw)[0], jss.welch(X, **kw)[0])


def test_csd_broadcasts_and_pads():
    compare(lambda a, b: gss.csd(a, b, nperseg=8)[1], lambda a, b: jss.csd(a, b, nperseg=8)[1],
            (X[:1, :30], Y), RNG)


@pytest.mark.parametrize("kw", [dict(nperseg=16), dict(nperseg=12, noverlap=9),
                                dict(nperseg=8, window="boxcar", boundary=False),
                                dict(nperseg=8, input_onesided=False)])
def test_istft(kw):
    onesided = kw.get("input_onesided", True)
    z = np.asarray(jss.stft(X, nperseg=kw["nperseg"], noverlap=kw.get("noverlap"),
                            return_onesided=onesided)[2])
    compare(lambda a: gss.istft(a, **kw)[1], lambda a: jss.istft(a, **kw)[1], (z,), RNG)
    close(gss.istft(z, **kw)[0], jss.istft(z, **kw)[0])


def test_istft_axes():
    z = np.moveaxis(np.asarray(jss.stft(X, nperseg=8)[2]), 0, -1)
    compare(lambda a: gss.istft(a, time_axis=1, freq_axis=0)[1],
            lambda a: jss.istft(a, time_axis=1, freq_axis=0)[1], (z,), RNG)


# ---- linalg ---------------------------------------------------------------------------------

A = RNG.standard_normal((6, 6))
AC = A + 1j * RNG.standard_normal((6, 6))


@pytest.mark.parametrize("a,output", [(A, "real"), (A, "complex"), (AC, "complex")])
def test_schur_invariants_and_values(a, output):
    t, z = (host(v) for v in gsl.schur(a, output=output))
    tj, zj = (np.asarray(v) for v in jsl.schur(a, output=output))
    close(z @ t @ z.conj().T, a)
    close(z.conj().T @ z, np.eye(6))
    # the same LAPACK algorithm: the same factors (up to the phases of z's columns)
    phase = np.sum(z.conj() * zj, axis=0)
    close(np.abs(phase), np.ones(6), 1e-8)
    close(np.sort_complex(np.diag(t).astype(complex)), np.sort_complex(np.diag(tj).astype(
        complex)))


def test_hessenberg_values():
    h, q = gsl.hessenberg(A, calc_q=True)
    hj, qj = jsl.hessenberg(A, calc_q=True)
    close(h, hj)
    close(q, qj)
    close(host(q) @ host(h) @ host(q).T, A)


@pytest.mark.parametrize("fn,jfn", [
    (lambda a: gsl.schur(a)[0], lambda a: jsl.schur(a)[0]),
    (lambda a: gsl.hessenberg(a), lambda a: jsl.hessenberg(a)),
    (lambda a: gnp.real(gsl.funm(a, gnp.exp)), lambda a: jnp.real(jsl.funm(a, jnp.exp))),
], ids=["schur", "hessenberg", "funm"])
def test_both_refuse_to_differentiate(fn, jfn):
    with pytest.raises(Exception, match="not implemented|Differentiation"):
        jax.grad(lambda a: jnp.sum(jfn(a)))(jnp.asarray(A))
    with pytest.raises(ad.GradError, match="not differentiable"):
        ad.grad(lambda a: gnp.sum(fn(a)))(A)


def test_rsf2csf_values_and_vjp():
    t, z = (np.asarray(v) for v in jsl.schur(A))
    assert np.abs(np.diag(t, -1)).min() == 0 < np.abs(np.diag(t, -1)).max()  # both kinds
    compare(gsl.rsf2csf, jsl.rsf2csf, (t, z), RNG)


@pytest.mark.parametrize("func", ["exp", "sin", "sqrt"])
def test_funm_values(func):
    a = A @ A.T + np.eye(6) if func == "sqrt" else A
    close(gsl.funm(a, getattr(gnp, func)), jsl.funm(a, getattr(jnp, func)), 1e-9)
    f, err = gsl.funm(a, getattr(gnp, func), disp=False)
    fj, errj = jsl.funm(a, getattr(jnp, func), disp=False)
    close(f, fj, 1e-9)
    close(err, errj, 1e-6)


def test_eigh_tridiagonal_values_and_derivative():
    d, e = RNG.standard_normal(7), RNG.standard_normal(6)
    close(gsl.eigh_tridiagonal(d, e, eigvals_only=True),
          jsl.eigh_tridiagonal(d, e, eigvals_only=True))
    close(gsl.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(2, 5)),
          jsl.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(2, 5)))

    # JAX's reverse mode raises here; its derivative of the dense route is the reference
    def dense(d_, e_):
        return jnp.linalg.eigvalsh(jnp.diag(d_) + jnp.diag(e_, 1) + jnp.diag(e_, -1))

    compare(lambda d_, e_: gsl.eigh_tridiagonal(d_, e_, eigvals_only=True), dense, (d, e), RNG)


@pytest.mark.parametrize("shape,mode,cshape,conj", [
    ((6, 3), "left", (3, 2), False), ((6, 3), "right", (2, 6), True),
    ((3, 6), "left", (3,), True), ((4, 4), "right", (4,), False)])
def test_qr_multiply(shape, mode, cshape, conj):
    a = RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)
    c = RNG.standard_normal(cshape)
    for g, w in zip(gsl.qr_multiply(a, c, mode, conjugate=conj),
                    jsl.qr_multiply(a, c, mode, conjugate=conj), strict=True):
        close(g, w)

    # JAX's qr_multiply has no derivative (geqrf); its derivative of Q @ c via qr is
    def via_qr(a_, c_):
        q, _ = jnp.linalg.qr(a_)
        q = jnp.conj(q) if conj else q
        c2 = c_[:, None] if c_.ndim == 1 and mode == "left" else \
            c_[None, :] if c_.ndim == 1 else c_
        out = q @ c2 if mode == "left" else c2 @ q
        return out.reshape(-1) if c_.ndim == 1 else out

    if shape[0] >= shape[1]:
        compare(lambda a_, c_: gsl.qr_multiply(a_, c_, mode, conjugate=conj)[0], via_qr,
                (a, c), RNG)


VEC = RNG.standard_normal(6)


@pytest.mark.parametrize("name,args", [
    ("companion", (VEC,)), ("companion", (np.stack([VEC, VEC + 1]),)),
    ("fiedler_companion", (VEC,)), ("fiedler_companion", (VEC[:3],)),
    ("leslie", (VEC, VEC[:5])), ("fiedler", (np.arange(5.0) + VEC[:5] * 0.1,)),
])
def test_structured_matrices(name, args):
    compare(getattr(gsl, name), getattr(jsl, name), args, RNG)


@pytest.mark.parametrize("mode,n", [("full", 2), ("same", 6), ("same", 9), ("valid", 9),
                                    ("valid", 3)])
def test_convolution_matrix(mode, n):
    compare(lambda a: gsl.convolution_matrix(a, n, mode),
            lambda a: jsl.convolution_matrix(a, n, mode), (VEC,), RNG)


@pytest.mark.parametrize("name,args", [
    ("hilbert", (5,)), ("invhilbert", (7,)), ("invpascal", (6, "lower")), ("invpascal", (6,)),
    ("helmert", (5,)), ("helmert", (5, True)), ("hadamard", (16,)), ("dft", (6,)),
    ("dft", (6, "n")),
])
def test_constant_matrices(name, args):
    close(getattr(gsl, name)(*args), getattr(jsl, name)(*args))


def test_pascal_exact_where_jax_rounds():
    import scipy.linalg as sl

    for kind in ("symmetric", "lower", "upper"):
        close(gsl.pascal(8, kind), sl.pascal(8, kind).astype(float), 0)
        close(gsl.pascal(8, kind), jsl.pascal(8, kind), 1e-5)  # JAX's float32 binomials
