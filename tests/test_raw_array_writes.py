"""Tensors that are being differentiated never reach a raw array silently.

- Writes into NumPy or CuPy arrays (``a -= t``, ``a[0] = t[0]``, ``np.add(a, t, out=a)``,
  ``a.fill(t[0])`` on the CuPy backend) raise an error that says the gradient would be lost and
  what to write instead, and leave ``a`` as it was; ``a + t`` is recorded.
- NumPy functions that NumPy does not hand to Tensors (``numpy.asarray_chkfinite``) raise an
  error naming the gpuad function to call.
- Every public function of ``numpy``, ``numpy.linalg`` and ``numpy.fft`` called on Tensors that
  require grad returns a Tensor, raises, or is on a short list of functions whose result
  carries no derivative (or that convert explicitly, as ``float(t)`` does).
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

X = np.array([1.0, 2.0, 3.0])


def _xp():
    return ad.get_backend().xp


def _writes():
    def isub(a, t):
        a -= t

    def iadd_slice(a, t):
        a[1:] += t[1:]

    def set0(a, t):
        a[0] = t[0]  # the statement (a.__setitem__(0, t0) converts with float(): see docs)

    def set_all(a, t):
        a[...] = t

    return {
        "a -= t": isub,
        "a[1:] += t[1:]": iadd_slice,
        "a[0] = t[0]": set0,
        "a[...] = t": set_all,
        "np.add(a, t, out=a)": lambda a, t: np.add(a, t, out=a),
        "np.negative(t, out=a)": lambda a, t: np.negative(t, out=a),
        "np.copyto(a, t)": lambda a, t: np.copyto(a, t),
    }


@pytest.mark.parametrize("name", list(_writes()))
def test_write_of_a_recorded_tensor_into_a_raw_array_raises(backend, name):
    x = ad.tensor(_xp().asarray(X), requires_grad=True)
    t = x * 2.0
    a = _xp().zeros(3)
    with pytest.raises((TypeError, ValueError)) as info:
        _writes()[name](a, t)
    # NumPy reports a[0] = t[0] as "setting an array element with a sequence", raised from
    # gpuad's error
    msg = str(info.value) + str(info.value.__cause__)
    assert "gradient" in msg and ("gpuad.tensor(a)" in msg or "Tensor" in msg)
    if backend == "cupy" and name in ("a -= t", "a[0] = t[0]", "a[...] = t"):
        assert "into a CuPy array" in msg  # as CuPy's own a -= t reads the Tensor
    np.testing.assert_array_equal(to_numpy(a), np.zeros(3))  # nothing written


def test_fill_with_a_recorded_tensor_refused(backend):
    x = ad.tensor(_xp().asarray(X), requires_grad=True)
    a = _xp().zeros(3)
    # CuPy: "Unsupported type" (it cannot import the Tensor); NumPy converts with float(),
    # which names ndarray.fill (tests/test_float_conversions.py)
    with pytest.raises((TypeError, ValueError)):
        a.fill((x * 2.0)[0])
    np.testing.assert_array_equal(to_numpy(a), np.zeros(3))


def test_constant_tensor_writes_into_raw_arrays_as_numpy(backend):
    t = ad.tensor(_xp().asarray(X)) * 2.0                   # not recorded
    a = _xp().zeros(3)
    a -= t                                                  # CuPy imports it as an array
    a[0] = t[1]
    np.testing.assert_array_equal(to_numpy(a), [4.0, -4.0, -6.0])


def test_raw_array_op_tensor_is_recorded(backend):
    c = _xp().asarray(np.array([0.5, -1.0, 2.0]))
    check_grads(lambda v: gnp.sum((c - v) * (c + v) * np.add(c, v)), (X,), order=2,
                modes=("fwd", "rev"))


def test_batched_tensor_with_a_raw_array_inside_vmap(backend):
    # a raw array beside a per-example value is recorded and batched; a write of the value
    # into the raw array names the functional form on either backend
    xp, c = _xp(), np.arange(3.0)
    ys = np.random.default_rng(0).random((4, 3))

    def f(y):
        return gnp.sum((xp.asarray(c) + y) * y)

    np.testing.assert_allclose(to_numpy(ad.vmap(ad.grad(f))(xp.asarray(ys))), c + 2 * ys)

    def g(y):
        a = xp.zeros(3)
        a -= y
        return gnp.sum(a)

    with pytest.raises(TypeError, match="index_update"):
        ad.vmap(ad.grad(g))(xp.asarray(ys))


def test_two_outputs_are_checked_before_either_is_written(backend):
    x = ad.tensor(_xp().asarray(X), requires_grad=True)
    t = x * 1.5
    q, r = _xp().zeros(3), _xp().zeros(3)
    with pytest.raises(TypeError, match="gradient"):
        np.divmod(t, 2.0, out=(q, r))   # the quotient has no derivative, the remainder has
    np.testing.assert_array_equal(to_numpy(q), np.zeros(3))
    np.testing.assert_array_equal(to_numpy(r), np.zeros(3))
    with pytest.raises(ValueError, match="does not fit"):
        np.divmod(ad.tensor(_xp().asarray(X)), 2.0, out=(q, _xp().zeros(2)))
    np.testing.assert_array_equal(to_numpy(q), np.zeros(3))


def test_value_free_function_writes_a_tensor_out_by_a_recorded_write(backend):
    x = ad.tensor(_xp().asarray(np.array([0.5, -np.inf, 2.0])), requires_grad=True)
    with pytest.raises(ad.GradError, match="leaf"):
        np.isneginf(x, x)                      # was: written behind the version counter
    assert x._version == 0 and np.isinf(to_numpy(x)[1])
    y = x * 1.0
    assert np.isneginf(x, out=y) is y
    assert y._version == 1
    np.testing.assert_array_equal(to_numpy(y), [0.0, 1.0, 0.0])


def test_float_tensor_is_no_size_or_index(backend):
    t = ad.tensor(_xp().asarray(np.array([2.0, 3.0])))
    with pytest.raises(TypeError):               # NumPy: a float array is no shape either
        np.zeros(np.array([2.0, 3.0]))
    with pytest.raises(TypeError, match="integer"):
        np.zeros(t)
    assert np.zeros(ad.tensor(_xp().asarray(np.array([2, 3])))).shape == (2, 3)


# ---- NumPy functions that do not dispatch to Tensors -----------------------------------------

def test_numpy_asarray_chkfinite_names_the_gpuad_function(backend):
    x = ad.tensor(_xp().asarray(X), requires_grad=True)
    with pytest.raises(TypeError, match=r"numpy\.asarray_chkfinite.*gpuad\.numpy\."
                                        r"asarray_chkfinite"):
        np.asarray_chkfinite(x * 2.0)
    bad = ad.tensor(_xp().asarray(np.array([1.0, np.nan])), requires_grad=True)
    with pytest.raises(ValueError, match="infs or NaNs"):
        gnp.asarray_chkfinite(bad)
    check_grads(lambda v: gnp.sum(gnp.asarray_chkfinite(v * v) * v), (X,), order=2,
                modes=("fwd", "rev"))


# Functions whose result, on Tensors that require grad, is a raw float array or number, each
# for a reason that drops no derivative (or an explicit conversion, as float(t)):
_NO_DERIVATIVE = {
    "numpy.double": "numpy.float64(t): a Python-number conversion, like float(t)",
    "numpy.float64": "numpy.float64(t): a Python-number conversion, like float(t)",
    "numpy.empty_like": "a constant: the values do not depend on the input's",
    "numpy.zeros_like": "a constant",
    "numpy.ones_like": "a constant",
    "numpy.full_like": "a constant",
    "numpy.spacing": "piecewise constant: derivative 0",
    "numpy.ix_": "index arrays",
    "numpy.tri": "a constant (a float N is NumPy's own leniency)",
    "numpy.vander": "vander(x, 1) is a column of ones: a constant",
    "numpy.resize": "resize(t, t): a float shape gives an empty array",
}
_NO_DERIVATIVE.update({  # numpy.float32(t), numpy.complex128(t), ...
    f"numpy.{n}": "NumPy's scalar type: a conversion, like float(t)" for n in dir(np)
    if isinstance(getattr(np, n), type) and issubclass(getattr(np, n), np.generic)})


def _sample_args(rng):
    def T(shape, cplx=False):
        a = rng.uniform(0.2, 0.9, shape)
        if cplx:
            a = a + 1j * rng.uniform(0.2, 0.9, shape)
        return ad.tensor(a, requires_grad=True)

    return [lambda: (T((3,)),), lambda: (T((3, 3)),), lambda: (T((3,)), T((3,))),
            lambda: (T((3, 3)), T((3, 3))), lambda: (T((3,)), 1), lambda: (T((3, 3)), 0),
            lambda: (T(()),), lambda: (T((3,), True),), lambda: (T((3,)), 2, 0)]


_SKIP = {"save", "savez", "savez_compressed", "savetxt", "load", "loadtxt", "genfromtxt",
         "fromfile", "memmap", "info", "show_config", "show_runtime", "test", "setbufsize",
         "seterr", "seterrcall", "set_printoptions", "printoptions"}


def _holds_tensor(r) -> bool:
    if isinstance(r, ad.Tensor):
        return True
    return isinstance(r, list | tuple) and any(_holds_tensor(e) for e in r)


def _float_valued(r) -> bool:
    if isinstance(r, list | tuple):
        return any(_float_valued(e) for e in r)
    if isinstance(r, np.ndarray | np.generic):
        return r.dtype.kind in "fc"
    return isinstance(r, float | complex)


def test_numpy_namespaces_never_drop_the_tape_silently(backend):
    if backend != "numpy":
        pytest.skip("NumPy's functions on NumPy-backed Tensors")
    rng = np.random.default_rng(0)
    dropped = set()
    for modname, mod in (("numpy", np), ("numpy.linalg", np.linalg), ("numpy.fft", np.fft)):
        for name in sorted(dir(mod)):
            f = getattr(mod, name)
            if name.startswith("_") or name in _SKIP or not callable(f) or inspect.ismodule(f):
                continue
            for make in _sample_args(rng):
                try:
                    with warnings.catch_warnings(), np.errstate(all="ignore"):
                        warnings.simplefilter("ignore")
                        r = f(*make())
                except Exception:  # noqa: BLE001 (an error is an allowed answer)
                    continue
                if not _holds_tensor(r) and _float_valued(r):
                    dropped.add(f"{modname}.{name}")
                    break
    assert dropped <= set(_NO_DERIVATIVE), sorted(dropped - set(_NO_DERIVATIVE))
