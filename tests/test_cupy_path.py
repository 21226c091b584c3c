"""Cases where the CuPy path differs from the NumPy one: NumPy arrays handed to a CuPy program
(indices, constants), repeated writes whose order a GPU does not keep. Run on every backend;
on machines without a GPU the cupy half runs through the CuPy stand-in (--cupy-standin)."""

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.backends import load
from gpuad.testing import check_grads


@pytest.fixture(autouse=True)
def numpy_backend_loaded():
    # a program that also uses the numpy backend: NumPy arrays are then that backend's arrays
    load("numpy")


def _tensor(x):
    return x if isinstance(x, ad.Tensor) else ad.tensor(x)


@pytest.mark.parametrize("index", [np.array([1, 1, 2]), [1, 1, 2]], ids=["ndarray", "list"])
def test_setitem_with_repeated_numpy_index(backend, index):
    def f(x, v):
        y = _tensor(x) * 1.0  # a Tensor, recorded or not (check_grads also passes raw arrays)
        y[index] = v
        return gnp.sum(y * gnp.arange(4.0))

    x0, v0 = np.arange(4.0), np.array([5.0, 6.0, 7.0])
    # NumPy keeps the last write: position 1 holds v[1], so v[0] has no effect
    with ad.use_backend(backend):
        gx, gv = ad.grad(f, argnums=(0, 1))(x0, v0)
    np.testing.assert_array_equal(ad.tensor(gx).numpy(), [0.0, 0.0, 0.0, 3.0])
    np.testing.assert_array_equal(ad.tensor(gv).numpy(), [0.0, 1.0, 2.0])
    check_grads(f, (x0, v0), order=2)


def test_numpy_constants_and_indices_in_a_cupy_program(backend):
    rng = np.random.default_rng(0)
    c = rng.standard_normal((4, 5))
    idx = np.array([0, 2, 2, 3])

    def f(x):
        return (gnp.sum(_tensor(x)[idx] * c[idx])
                + gnp.sum(gnp.where(c > 0, x, 0.0) ** 2)
                + gnp.sum(gnp.take(x, idx, axis=0) ** 2))

    check_grads(f, (rng.standard_normal((4, 5)),), order=2)


def test_warmup_then_gradients(backend):
    ad.warmup()  # compiles the fused kernels on a GPU; nothing to compile elsewhere
    check_grads(lambda x: gnp.sum(gnp.tanh(x) * gnp.sin(x)), (np.linspace(-1, 1, 7),))


@pytest.mark.parametrize("case", ["zero_adjoint", "zero_adjoint_and_nan"])
def test_second_order_where_an_adjoint_is_exactly_zero(backend, case):
    # the adjoint reaching sin (resp. sqrt) is exactly zero at x == 0 (resp. x == 1), but its
    # derivative there is not: the zero guard must not cut it
    if case == "zero_adjoint":
        def f(x):
            return gnp.sum(gnp.sin(x) * x)

        x0 = np.linspace(-1, 1, 5)
    else:
        def f(x):  # the unselected sqrt has a NaN derivative at x < 0
            return gnp.sum(gnp.where(x > 0, gnp.sqrt(x), 0.0) * (x - 1))

        x0 = np.array([-0.5, 1.0, 2.0])
    with np.errstate(invalid="ignore"):
        check_grads(f, (x0,), order=2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("route", ["default", "numba", "cupy"])
def test_routed_ops_agree_on_each_route(backend, dtype, route, monkeypatch):
    """The row scatter (gradient of a row gather) and the cross-entropy forward give the same
    values and gradients whichever implementation a route picks; the default routes are the
    CuPy kernels (cupyx's scatter measured faster; CuPy's cross-entropy checks labels on the
    device, as a CUDA-graph capture needs)."""
    import gpuad.nn.functional as F

    be = ad.get_backend()
    if backend == "cupy":
        assert be.ROUTE_DEFAULT == {"scatter_rows": "cupyx", "softmax_xent": "cupy"}
        if route != "default":
            monkeypatch.setattr(be, "routes", {
                "scatter_rows": [(1 << 30, "numba" if route == "numba" else "cupyx")],
                "softmax_xent": [(1 << 30, route)]})
    elif route != "default":
        pytest.skip("routes exist on the cupy backend only")
    r = np.random.default_rng(3)
    emb = r.standard_normal((6, 4)).astype(dtype)
    idx = np.array([0, 2, 2, 5, 0])
    logits = r.standard_normal((5, 7)).astype(dtype)
    labels = np.array([1, 0, 6, 3, 3])

    def loss(e, z):
        rows = e[be.asarray(idx)]
        return F.cross_entropy(z + gnp.sum(rows) * 0.1, be.asarray(labels))

    check_grads(loss, [be.asarray(emb), be.asarray(logits)], order=1, modes=("rev",))
    e64, z64 = emb.astype(np.float64), logits.astype(np.float64)
    z = z64 + e64[idx].sum() * 0.1
    zmax = z.max(axis=1, keepdims=True)
    ref = np.mean(np.log(np.exp(z - zmax).sum(axis=1)) + zmax[:, 0] - z[np.arange(5), labels])
    got = loss(be.asarray(emb), be.asarray(logits))
    got = be.to_host(got._data if isinstance(got, ad.Tensor) else got)
    np.testing.assert_allclose(got, ref, rtol=1e-5 if dtype == np.float32 else 1e-12)
