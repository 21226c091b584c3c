"""gpuad.scipy.linalg's schur, hessenberg, rsf2csf, funm, eigh_tridiagonal, qr_multiply and
special matrices: values against scipy.linalg (invariants where a factorisation is not
unique), derivatives against float64 central differences, errors on differentiating the
factorisations JAX does not differentiate either, one case each under gpuad.jit and
gpuad.vmap. tests/conformance/test_jax_scipy_linalg_more.py compares with jax.scipy.linalg."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.linalg as gl
from gpuad.testing import check_grads

RNG = np.random.default_rng(11)
A = RNG.standard_normal((5, 5))


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a)


def close(got, ref, tol=1e-12):
    got, ref = host(got), np.asarray(ref)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * max(1.0, np.abs(ref).max()))


@pytest.mark.parametrize("output", ["real", "complex"])
def test_schur_reconstructs_and_matches_scipy(backend, output):
    t, z = gl.schur(dev(A), output=output)
    t, z = host(t), host(z)
    close(z @ t @ z.conj().T, A)
    close(z.conj().T @ z, np.eye(5))
    assert np.abs(np.tril(t, -2 if output == "real" else -1)).max() == 0
    tr, zr = sl.schur(A, output=output)
    close(t, tr, 1e-10)
    close(z, zr, 1e-10)


def test_hessenberg_matches_scipy(backend):
    h, q = gl.hessenberg(dev(A), calc_q=True)
    hr, qr = sl.hessenberg(A, calc_q=True)
    close(h, hr)
    close(q, qr)
    close(gl.hessenberg(dev(A)), hr)
    stack = np.stack([A, A.T])
    close(gl.hessenberg(dev(stack)), np.stack([hr, sl.hessenberg(A.T)]))


def test_rsf2csf_matches_scipy_and_is_differentiable(backend):
    tr, zr = sl.schur(A)
    t, z = gl.rsf2csf(dev(tr), dev(zr))
    t_ref, z_ref = sl.rsf2csf(tr, zr)
    close(t, t_ref, 1e-10)
    close(z, z_ref, 1e-10)
    # perturbations that keep the quasi-triangular structure (a zero subdiagonal entry made
    # nonzero would switch on a rotation: no derivative there)
    keep = (np.triu(np.ones((5, 5))) + (np.abs(np.tril(tr, -1)) > 0)).astype(float)
    cu = RNG.standard_normal((5, 5))
    check_grads(lambda t_, z_: gnp.real(gl.rsf2csf(t_ * keep, z_)[0] * cu)
                + gnp.imag(gl.rsf2csf(t_ * keep, z_)[1]), (tr, zr), order=1)


def test_funm_matches_scipy(backend):
    close(gl.funm(dev(A), gnp.exp), sl.funm(A, np.exp), 1e-10)
    close(gl.funm(dev(A), gnp.exp), sl.expm(A), 1e-10)
    f, err = gl.funm(dev(A), gnp.sin, disp=False)
    close(f, sl.funm(A, np.sin), 1e-10)
    assert 0 < err < 1e-8


@pytest.mark.parametrize("fn", [lambda a: gl.schur(a)[0], lambda a: gl.hessenberg(a),
                                lambda a: gnp.real(gl.funm(a, gnp.exp))],
                         ids=["schur", "hessenberg", "funm"])
def test_non_differentiable_factorisations_raise(fn):
    with pytest.raises(ad.GradError, match="not differentiable .*jax.scipy.linalg"):
        ad.grad(lambda a: gnp.sum(fn(a)))(A)
    with pytest.raises(ad.GradError, match="not differentiable"):
        ad.jvp(fn, (A,), (A,))
    # without a derivative being asked for, Tensors pass through
    assert host(fn(ad.tensor(A))).shape == (5, 5)


def test_non_differentiable_errors_name_the_op():
    for name, fn in [("schur", lambda a: gl.schur(a)[1]), ("hessenberg", gl.hessenberg)]:
        with pytest.raises(ad.GradError, match=f"^{name}: the result is not differentiable"):
            ad.grad(lambda a, f=fn: gnp.sum(f(a)))(A)
    assert host(ad.grad(lambda a: gnp.sum(gl.schur(ad.stop_gradient(a))[0]) + gnp.sum(a))(A))\
        .shape == (5, 5)


def test_eigh_tridiagonal(backend):
    d, e = RNG.standard_normal(6), RNG.standard_normal(5)
    w_ref, v_ref = sl.eigh_tridiagonal(d, e)
    w, v = gl.eigh_tridiagonal(dev(d), dev(e))
    close(w, w_ref)
    close(np.abs(host(v)), np.abs(v_ref), 1e-10)  # eigenvectors up to sign
    close(gl.eigh_tridiagonal(dev(d), dev(e), eigvals_only=True, select="i",
                              select_range=(2, 4)), w_ref[2:5])
    check_grads(lambda d_, e_: gl.eigh_tridiagonal(d_, e_, eigvals_only=True), (d, e), order=2)


@pytest.mark.parametrize("shape,mode,cshape", [((6, 3), "left", (3, 2)), ((6, 3), "right", (2, 6)),
                                               ((3, 6), "left", (3,)), ((3, 6), "right", (3,))])
def test_qr_multiply(backend, shape, mode, cshape):
    a, c = RNG.standard_normal(shape), RNG.standard_normal(cshape)
    got = gl.qr_multiply(dev(a), dev(c), mode)
    ref = sl.qr_multiply(a, c, mode)
    close(got[0], ref[0])
    close(got[1], ref[1])


def test_qr_multiply_gradient():
    a, c = RNG.standard_normal((5, 3)), RNG.standard_normal((2, 5))
    check_grads(lambda a_, c_: gl.qr_multiply(a_, c_)[0], (a, c), order=1)


VEC = RNG.standard_normal(5)


@pytest.mark.parametrize("name,args,ref", [
    ("companion", (VEC,), lambda: sl.companion(VEC)),
    ("fiedler", (VEC,), lambda: sl.fiedler(VEC)),
    ("fiedler_companion", (VEC,), lambda: sl.fiedler_companion(VEC)),
    ("leslie", (VEC, VEC[:4]), lambda: sl.leslie(VEC, VEC[:4])),
    ("convolution_matrix", (VEC, 3, "same"), lambda: sl.convolution_matrix(VEC, 3, "same")),
    ("convolution_matrix", (VEC, 7, "valid"), lambda: sl.convolution_matrix(VEC, 7, "valid")),
])
def test_structured_matrices_match_scipy(backend, name, args, ref):
    got = getattr(gl, name)(*(dev(a) if isinstance(a, np.ndarray) else a for a in args))
    close(got, ref())


def test_structured_matrices_are_differentiable_and_batch():
    check_grads(gl.companion, (VEC + 3,), order=2)
    check_grads(gl.fiedler_companion, (VEC + 3,), order=2)
    check_grads(gl.leslie, (VEC, VEC[:4]), order=2)
    check_grads(lambda a: gl.convolution_matrix(a, 3, "full"), (VEC,), order=1)
    check_grads(gl.fiedler, (np.arange(4.0) * 1.5 + VEC[:4] * 0.1,), order=1)
    batch = np.stack([VEC, 2 * VEC])
    close(gl.companion(batch), np.stack([sl.companion(VEC), sl.companion(2 * VEC)]))


@pytest.mark.parametrize("name,args,ref", [
    ("hilbert", (4,), lambda: sl.hilbert(4)), ("invhilbert", (6,), lambda: sl.invhilbert(6)),
    ("pascal", (5,), lambda: sl.pascal(5)), ("pascal", (5, "upper"), lambda: sl.pascal(5, "upper")),
    ("invpascal", (5, "lower"), lambda: sl.invpascal(5, "lower")),
    ("invpascal", (5,), lambda: sl.invpascal(5)), ("helmert", (4,), lambda: sl.helmert(4)),
    ("helmert", (4, True), lambda: sl.helmert(4, True)), ("hadamard", (8,), lambda: sl.hadamard(8)),
    ("dft", (5, "sqrtn"), lambda: sl.dft(5, "sqrtn")),
])
def test_constant_matrices_match_scipy(backend, name, args, ref):
    close(getattr(gl, name)(*args), ref())


def test_under_jit_and_vmap(backend):
    f = ad.jit(lambda d, e: gl.eigh_tridiagonal(d, e, eigvals_only=True))
    d, e = RNG.standard_normal(4), RNG.standard_normal(3)
    close(f(dev(d), dev(e)), sl.eigh_tridiagonal(d, e, eigvals_only=True))
    close(f(dev(2 * d), dev(2 * e)), 2 * sl.eigh_tridiagonal(d, e, eigvals_only=True))
    mats = RNG.standard_normal((3, 4, 4))
    got = ad.vmap(lambda m: gl.hessenberg(m))(dev(mats))
    close(got, np.stack([sl.hessenberg(m) for m in mats]))
    g = ad.jit(lambda m: gl.schur(m)[0])
    close(g(dev(A)), sl.schur(A)[0], 1e-10)
    close(g(dev(A.T)), sl.schur(A.T)[0], 1e-10)
    pairs = [sl.schur(m) for m in mats]
    got = ad.vmap(gl.rsf2csf)(dev(np.stack([p[0] for p in pairs])),
                              dev(np.stack([p[1] for p in pairs])))
    close(got[0], np.stack([sl.rsf2csf(*p)[0] for p in pairs]), 1e-10)
    got = ad.vmap(lambda v: gl.companion(v))(dev(np.stack([VEC, VEC + 1])))
    close(got, np.stack([sl.companion(VEC), sl.companion(VEC + 1)]))


def test_errors_name_the_function_and_shapes():
    with pytest.raises(ValueError, match=r"schur: expected square matrices .* got shape \(2, 3\)"):
        gl.schur(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"hessenberg: expected square .* \(4,\)"):
        gl.hessenberg(np.ones(4))
    with pytest.raises(ValueError, match=r"rsf2csf: input array shapes must match"):
        gl.rsf2csf(np.eye(3), np.eye(2))
    with pytest.raises(ValueError, match=r"eigh_tridiagonal: .* got shapes \(4,\) and \(4,\)"):
        gl.eigh_tridiagonal(np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match=r"qr_multiply: a has shape \(4, 3\) so Q has 4 rows"):
        gl.qr_multiply(np.ones((4, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"leslie: .* f shape \(3,\) and s shape \(3,\)"):
        gl.leslie(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="companion: the length of a"):
        gl.companion([1.0])
    with pytest.raises(ValueError, match="hadamard: n must be a positive power of 2"):
        gl.hadamard(6)
    with pytest.raises(ValueError, match="funm: expected a square matrix"):
        gl.funm(np.ones((2, 3)), gnp.exp)


def test_empty_matrices(backend):
    assert [host(r).shape for r in gl.schur(dev(np.zeros((0, 0))))] == [(0, 0), (0, 0)]
    assert [host(r).shape for r in gl.hessenberg(dev(np.zeros((0, 0))), calc_q=True)] == \
        [(0, 0), (0, 0)]
    t, z = gl.schur(dev(np.zeros((2, 0, 0))), "complex")
    assert host(t).shape == host(z).shape == (2, 0, 0) and host(t).dtype == np.complex128
    assert host(gl.hessenberg(dev(np.zeros((0, 3, 3))))).shape == (0, 3, 3)
