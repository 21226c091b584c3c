"""``gpuad.masked`` (torch.masked's reductions and normalisations) on both backends: derivatives
against float64 central differences, values against NumPy's ``where=`` reductions (slices with
nothing left included), zero derivatives at masked-out elements, the errors for bad masks and
dims, and the same results under ``gpuad.jit`` and ``vmap``. tests/conformance/
test_torch_opinfo.py compares every ``masked.*`` OpInfo sample with torch itself."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.masked as M
import gpuad.numpy as gnp
from gpuad.testing import check_grads
from tests.conftest import to_numpy

# slices with nothing left compute -inf - -inf and 0 / 0 on purpose (NaN, as torch's)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

RNG = np.random.default_rng(3)
X = RNG.standard_normal((3, 4))
# row 1 fully masked out; the (4,)-shaped mask of the broadcast cases masks out column 2
MASK = np.array([[True, False, True, True], [False] * 4, [True, True, False, True]])
COL = np.array([True, True, False, True])

# name -> f(x, mask): the functions whose every output stays finite with a fully masked row
FINITE = {
    "sum": lambda x, m: M.sum(x, 1, mask=m),
    "prod": lambda x, m: M.prod(x, (0, 1), keepdim=True, mask=m),
    "norm": lambda x, m: M.norm(x, 3.0, 1, mask=m),
    "normalize": lambda x, m: M.normalize(x, 2.0, 1, mask=m),
    "cumsum": lambda x, m: M.cumsum(x, 1, mask=m),
    "cumprod": lambda x, m: M.cumprod(x, 0, mask=m),
    "logaddexp": lambda x, m: M.logaddexp(x, x[::-1] * 0.5, input_mask=m, other_mask=~m),
}
# ... and those giving an identity without a derivative (-inf) or NaN there
NOT_FINITE = {
    "amax": lambda x, m: M.amax(x, 1, mask=m),
    "amin": lambda x, m: M.amin(x, -1, keepdim=True, mask=m),
    "mean": lambda x, m: M.mean(x, 1, mask=m),
    "median": lambda x, m: M.median(x, 1, mask=m),
    "var": lambda x, m: M.var(x, 1, mask=m),
    "std": lambda x, m: M.std(x, 1, mask=m, correction=0),
    "logsumexp": lambda x, m: M.logsumexp(x, 1, mask=m),
    "softmax": lambda x, m: M.softmax(x, 1, mask=m),
    # (-inf at masked-out elements: the finite part is compared)
    "log_softmax": lambda x, m: gnp.where(m, M.log_softmax(x, 1, mask=m), 0),
    "softmin": lambda x, m: M.softmin(x, 1, mask=m),
}
ALL = {**FINITE, **NOT_FINITE}


@pytest.mark.parametrize("name", sorted(ALL))
def test_derivatives_match_finite_differences(backend, name):
    f = ALL[name]
    # a fully masked row where the result stays finite; elsewhere a mask broadcast from (4,)
    m = MASK if name in FINITE else COL
    order = 2 if name in ("softmax", "var", "logsumexp") else 1
    check_grads(lambda x: f(x, m), (X,), order=order)


def _finite_sum(out):
    """A weighted sum of the finite outputs (softmax's rows sum to 1: a plain sum would have
    a zero derivative everywhere)."""
    w = gnp.reshape(gnp.arange(1.0, out.size + 1.0), out.shape)
    return gnp.sum(gnp.where(gnp.isfinite(ad.stop_gradient(out)), out * w, 0))


@pytest.mark.parametrize("name", sorted(ALL))
def test_masked_out_elements_get_zero_derivative(backend, name):
    """Also along a fully masked row, where the identity (-inf) or NaN has no derivative: the
    gradient there is 0, not NaN."""
    xp = ad.get_backend().xp
    g = to_numpy(ad.grad(lambda x: _finite_sum(ALL[name](x, MASK)))(xp.asarray(X)))
    assert np.isfinite(g).all(), g
    if name != "logaddexp":  # (its other side reads x too)
        assert (g[~MASK] == 0).all(), g
        assert (g[MASK] != 0).any(), g


def _lower_median(row):
    v = np.sort(row)
    return v[(len(v) - 1) // 2] if len(v) else np.nan


def _numpy_reference(name, x, m):
    """The same results from NumPy's ``where=`` reductions (independent of gpuad)."""
    with np.errstate(all="ignore"):
        cnt = m.sum(1)
        e = np.exp(x)
        return {
            "sum": np.sum(x, 1, where=m),
            "amax": np.max(x, 1, initial=-np.inf, where=m),
            "amin": np.min(x, 1, initial=np.inf, where=m),
            "mean": np.sum(x, 1, where=m) / cnt,
            "median": np.array([_lower_median(r[k]) for r, k in zip(x, m, strict=True)]),
            "var": np.array([np.var(r[k], ddof=1) if k.sum() > 1 else np.nan
                             for r, k in zip(x, m, strict=True)]),
            "logsumexp": np.log(np.sum(e, 1, where=m)),
            "softmax": np.where(m, e, 0) / np.sum(e, 1, where=m, keepdims=True),
            "norm": np.sum(np.abs(x) ** 3, 1, where=m) ** (1 / 3),
            "argmax": np.array([np.argmax(np.where(k, r, -np.inf)) for r, k in zip(x, m,
                                                                                 strict=True)]),
        }[name]


@pytest.mark.parametrize("name", ["sum", "amax", "amin", "mean", "median", "var", "logsumexp",
                                  "softmax", "norm", "argmax"])
def test_values_match_numpy_where_reductions(backend, name):
    xp = ad.get_backend().xp
    f = {"norm": lambda x, m: M.norm(x, 3.0, 1, mask=m),
         "amin": lambda x, m: M.amin(x, 1, mask=m),
         "argmax": lambda x, m: M.argmax(x, 1, mask=m)}.get(name) or ALL[name]
    got = to_numpy(f(ad.tensor(xp.asarray(X)), xp.asarray(MASK)))
    want = _numpy_reference(name, X, MASK)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    if name == "argmax":  # torch's: the indices in the input's dtype
        assert got.dtype == X.dtype


def test_fully_masked_slices_give_torchs_results(backend):
    xp = ad.get_backend().xp
    x, none = ad.tensor(xp.asarray(X)), xp.zeros((3, 4), dtype=bool)
    assert (to_numpy(M.sum(x, 1, mask=none)) == 0).all()
    assert (to_numpy(M.prod(x, 1, mask=none)) == 1).all()
    assert (to_numpy(M.amax(x, 1, mask=none)) == -np.inf).all()
    assert (to_numpy(M.amin(x, 1, mask=none)) == np.inf).all()
    assert (to_numpy(M.norm(x, -np.inf, 1, mask=none)) == np.inf).all()
    assert (to_numpy(M.norm(x, 2.0, 1, mask=none)) == 0).all()
    assert (to_numpy(M.normalize(x, 2.0, 1, mask=none)) == 0).all()
    for f in (M.mean, M.median, M.var, M.std):
        assert np.isnan(to_numpy(f(x, 1, mask=none))).all(), f.__name__
    assert np.isnan(to_numpy(M.softmax(x, 1, mask=none))).all()
    assert (to_numpy(M.logsumexp(x, 1, mask=none)) == -np.inf).all()


def test_no_mask_is_the_plain_operation(backend):
    xp = ad.get_backend().xp
    x = ad.tensor(xp.asarray(X))
    np.testing.assert_allclose(to_numpy(M.var(x, 1)), X.var(1, ddof=1), rtol=1e-13)
    np.testing.assert_allclose(to_numpy(M.norm(x)), np.linalg.norm(X), rtol=1e-13)
    np.testing.assert_allclose(to_numpy(M.mean(x, (0, 1), keepdim=True)),
                               X.mean(keepdims=True), rtol=1e-13)
    assert to_numpy(M.argmin(x, keepdim=True)).shape == (1, 1)


@pytest.mark.parametrize("p", [3.0, 1.5, 0.5, -1.0])
def test_norm_gives_torchs_zero_subgradient_at_zero_entries(backend, p):
    """A slice whose elements left are all zero (and, for p < 1, a zero entry) has no
    derivative; 0 is given there, as torch's (the chain rule of ``sum(|x|^p)^(1/p)`` gives
    NaN), and the formula's derivative elsewhere, in both modes."""
    xp = ad.get_backend().xp
    x = np.array([[0.0, 0.0, 5.0], [3.0, -2.0, 0.0], [0.0, 1.0, 2.0]])
    m = np.array([[True, True, False], [True, True, True], [True, True, True]])
    f = lambda v: M.norm(v, p, 1, mask=xp.asarray(m))  # noqa: E731
    g = to_numpy(ad.grad(lambda v: gnp.sum(f(v)))(xp.asarray(x)))
    n = np.sum(np.abs(np.where(m & (x != 0), x, 1)) ** p * (m & (x != 0)), 1,
               keepdims=True) ** (1 / p)
    with np.errstate(all="ignore"):
        want = np.where(m & (x != 0), np.sign(x) * np.abs(x) ** (p - 1) / n ** (p - 1), 0)
    if p < 0:  # a zero entry makes a negative-order norm 0, constant nearby
        want[(x == 0).any(1)] = 0
    np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-14)
    _, t = ad.jvp(f, (xp.asarray(x),), (xp.ones((3, 3)),))
    np.testing.assert_allclose(to_numpy(t), want.sum(1), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mask_shape", [(3, 4, 1), (4, 3), (3,), (2, 4)])
def test_a_mask_that_does_not_broadcast_names_the_op_and_both_shapes(backend, mask_shape):
    xp = ad.get_backend().xp
    x = ad.tensor(xp.asarray(X), requires_grad=True)
    before = to_numpy(x).copy()
    with pytest.raises(ValueError, match=rf"masked\.mean: the mask of shape "
                                         rf"\({', '.join(map(str, mask_shape))},?\).*\(3, 4\)"):
        M.mean(x, 1, mask=xp.ones(mask_shape, dtype=bool))
    with pytest.raises(ValueError, match=r"masked\.logaddexp: the other_mask of shape"):
        M.logaddexp(x, x, other_mask=xp.ones(mask_shape, dtype=bool))
    np.testing.assert_array_equal(to_numpy(x), before)


def test_bad_arguments_raise_clear_errors(backend):
    xp = ad.get_backend().xp
    x = xp.asarray(X)
    with pytest.raises(IndexError, match=r"masked\.sum: dim 2 is out of range.*2 dim"):
        M.sum(x, 2)
    with pytest.raises(ValueError, match=r"masked\.amax: dim -1 appears more than once"):
        M.amax(x, (1, -1))
    with pytest.raises(TypeError, match=r"masked\.norm: ord must be a number"):
        M.norm(x, None, 1)
    with pytest.raises(ValueError, match=r"masked\.mean: .*floating point.*int64"):
        M.mean(xp.ones((2, 2), dtype=np.int64))
    with pytest.raises(TypeError, match=r"masked\.amax: a bool input has no identity"):
        M.amax(xp.ones((2, 2), dtype=bool), mask=xp.ones(2, dtype=bool))
    with pytest.raises(TypeError, match=r"masked\.var: give unbiased= or correction="):
        M.var(x, 1, True, correction=0)


def test_integer_and_non_bool_masks(backend):
    xp = ad.get_backend().xp
    xi = xp.asarray(np.arange(12, dtype=np.int32).reshape(3, 4))
    got = M.sum(xi, 1, mask=xp.asarray(MASK.astype(np.int8) * 3))  # nonzero means masked in
    assert to_numpy(got).dtype == np.int64  # torch's: small integers sum as int64
    np.testing.assert_array_equal(to_numpy(got), np.sum(np.arange(12).reshape(3, 4), 1,
                                                        where=MASK))
    assert to_numpy(M.amax(xi, 1, mask=xp.asarray(MASK)))[1] == np.iinfo(np.int32).min
    assert to_numpy(M.cumsum(xi, 1, mask=xp.asarray(MASK))).dtype == np.int32


@pytest.mark.parametrize("name", ["sum", "amax", "mean", "median", "var", "softmax",
                                  "normalize", "cumprod", "logaddexp"])
def test_jit_and_vmap_give_the_eager_results(backend, name):
    xp = ad.get_backend().xp
    f = ALL[name]
    xs = xp.asarray(np.stack([X, 2 * X[::-1]]))
    ms = xp.asarray(np.stack([MASK, MASK[:, ::-1]]))

    def loss(x, m):
        return _finite_sum(f(x, m))

    eager = [to_numpy(f(xs[k], ms[k])) for k in range(2)]
    grads = [to_numpy(ad.grad(loss)(xs[k], ms[k])) for k in range(2)]
    jf, jg = ad.jit(f), ad.jit(ad.grad(loss))
    for k in range(2):  # the second call replays the first's trace on new values and mask
        np.testing.assert_allclose(to_numpy(jf(xs[k], ms[k])), eager[k], rtol=1e-13)
        np.testing.assert_allclose(to_numpy(jg(xs[k], ms[k])), grads[k], rtol=1e-13)
    np.testing.assert_allclose(to_numpy(ad.vmap(f)(xs, ms)), np.stack(eager), rtol=1e-13)
    np.testing.assert_allclose(to_numpy(ad.vmap(ad.grad(loss))(xs, ms)), np.stack(grads),
                               rtol=1e-13)
    shared = to_numpy(ad.vmap(f, in_axes=(0, None))(xs, ms[0]))  # one mask for the batch
    np.testing.assert_allclose(shared[0], eager[0], rtol=1e-13)
