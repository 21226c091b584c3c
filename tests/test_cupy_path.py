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
