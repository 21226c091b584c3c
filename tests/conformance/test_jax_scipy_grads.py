"""JAX's SciPy special-function gradient tests, ported to gpuad: the records of
``tests/lax_scipy_special_functions_test.py`` (``JAX_SPECIAL_FUNCTION_RECORDS``, checked by
testScipySpecialFun with ``check_grads(order=1, rtol=0.1, atol=1e-3, eps=1e-3)``) and the
gradient checks of ``tests/lax_scipy_test.py`` (xlogy/xlog1py at zero, logsumexp).

Each record keeps JAX's function, arity, input distribution and tolerances on a sample of its
shapes. Where JAX differentiates a shape argument that gpuad documents as not differentiated
(zeta's ``x``, hyp1f1's ``a`` and ``b``:
docs/semantics.md, "SciPy functions"), the remaining arguments are checked and the derivative
in the shape argument is asserted to raise ``MissingRuleError``. The functions JAX leaves
unchecked (beta, betaln, gammaln, entr) are checked as well, to order 2.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from _jax_random import (
    rand_default,
    rand_int_positive,
    rand_not_small,
    rand_positive,
    rand_small_positive,
    rand_uniform,
)
from conftest import to_numpy
from diff_specs.scipy import cupy_lacks

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.special as gss
from gpuad.testing import check_grads

pytest.importorskip("scipy")


# name, nargs, rng factories (one per argument), JAX's test_autodiff, argument positions not
# differentiated by JAX (integer orders), and by gpuad (documented shape parameters)
RECORDS = [
    ("gamma", [rand_default], True, (), ()),
    ("digamma", [rand_positive], True, (), ()),
    ("gammainc", [rand_positive] * 2, True, (), ()),
    ("gammaincc", [rand_positive] * 2, True, (), ()),
    ("erf", [rand_small_positive], True, (), ()),
    ("erfc", [rand_small_positive], True, (), ()),
    ("erfinv", [rand_small_positive], True, (), ()),
    ("expit", [rand_small_positive], True, (), ()),
    ("i0", [rand_default], True, (), ()),
    ("i0e", [rand_not_small(0.1)], True, (), ()),
    ("i1", [rand_default], True, (), ()),
    ("i1e", [rand_default], True, (), ()),
    ("logit", [rand_uniform(0.05, 0.95)], True, (), ()),
    ("log_ndtr", [rand_default], True, (), ()),
    ("ndtri", [rand_uniform(0.05, 0.95)], True, (), ()),
    ("ndtr", [rand_default], True, (), ()),
    ("polygamma", [rand_int_positive, rand_positive], True, (0,), ()),
    ("xlogy", [rand_positive] * 2, True, (), ()),
    # JAX draws y from rand_default, where log1p(y) is nan below -1; kept inside the domain
    ("xlog1py", [rand_default, rand_uniform(-0.9, 5.0)], True, (), ()),
    ("zeta", [rand_positive] * 2, True, (), (0,)),
    ("expi", [rand_not_small(0.1)], True, (), ()),
    ("exp1", [rand_positive], True, (), ()),
    ("expn", [rand_int_positive, rand_positive], True, (0,), ()),
    ("kl_div", [rand_positive] * 2, True, (), ()),
    ("rel_entr", [rand_positive] * 2, True, (), ()),
    ("poch", [rand_positive] * 2, True, (), ()),
    ("hyp1f1", [rand_uniform(0.5, 30.0)] * 3, True, (), (0, 1)),
    # JAX does not check these gradients (test_autodiff False); gpuad differentiates them
    ("beta", [rand_positive] * 2, False, (), ()),
    ("betaln", [rand_positive] * 2, False, (), ()),
    ("gammaln", [rand_positive], False, (), ()),
    ("entr", [rand_positive], False, (), ()),
]

ALL_SHAPES = [(), (4,), (3, 4), (3, 1), (1, 4), (2, 1, 4)]
SHAPE_SAMPLES = {1: [((),), ((3, 4),), ((2, 1, 4),)],
                 2: [((), ()), ((3, 1), (1, 4)), ((4,), (2, 1, 4))],
                 3: [((), (), ()), ((3, 1), (1, 4), (4,))]}


def _cases():
    for name, factories, jax_ad, jax_nondiff, ours_nondiff in RECORDS:
        for shapes in SHAPE_SAMPLES[len(factories)]:
            yield pytest.param(name, factories, jax_ad, jax_nondiff, ours_nondiff, shapes,
                               id=f"{name}-{'x'.join(map(str, shapes))}")


@pytest.mark.parametrize("name,factories,jax_ad,jax_nondiff,ours_nondiff,shapes",
                         list(_cases()))
def test_special_fun_grad(backend, name, factories, jax_ad, jax_nondiff, ours_nondiff, shapes):
    import scipy.special as osp

    rng = np.random.default_rng(zlib.crc32(repr((name, shapes)).encode()))
    args = [np.asarray(f(rng, s)) for f, s in zip(factories, shapes, strict=True)]
    op = getattr(gss, name)
    missing = cupy_lacks(name) if backend == "cupy" else None
    if missing:  # this CuPy's cupyx.scipy.special lacks it: the error naming it
        with pytest.raises(NotImplementedError, match=f"{missing}: cupyx.scipy.special has no"):
            op(*args)
        return
    # values agree with SciPy (testScipySpecialFun's first check)
    np.testing.assert_allclose(to_numpy(op(*args)), getattr(osp, name)(*args), rtol=1e-6,
                               atol=1e-9)
    fixed = set(jax_nondiff) | set(ours_nondiff)
    diff_pos = [i for i in range(len(args)) if i not in fixed]

    def partial_op(*vals):
        full = list(args)
        for i, v in zip(diff_pos, vals, strict=True):
            full[i] = v
        return op(*full)

    diff_args = [args[i].astype(np.float64) for i in diff_pos]
    if jax_ad:
        check_grads(partial_op, diff_args, order=1, atol=1e-3, rtol=0.1, eps=1e-3)
    else:
        check_grads(partial_op, diff_args, order=2, atol=1e-3, rtol=1e-2)
    for i in ours_nondiff:  # a derivative JAX takes and gpuad documents as missing
        def in_shape_arg(v, i=i):
            full = list(args)
            full[i] = v
            return gnp.sum(op(*full))

        with pytest.raises(ad.MissingRuleError, match=name):
            ad.grad(in_shape_arg)(args[i].astype(np.float64))


def test_grad_of_xlogy_at_zero(backend):
    """lax_scipy_test's testGradOfXlogyAtZero and testGradOfXlog1pyAtZero."""
    assert float(ad.grad(lambda y: gss.xlogy(0.0, y))(0.0)) == 0.0
    assert float(ad.grad(lambda y: gss.xlog1py(0.0, y))(-1.0)) == 0.0
    assert float(to_numpy(gss.xlogy(0.0, 0.0))) == 0.0


@pytest.mark.parametrize("shape,axis", [((), None), ((4,), 0), ((3, 4), 1), ((2, 1, 4), None),
                                        ((2, 3, 4), (0, 2))])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("use_b", [False, True])
def test_logsumexp_grad(backend, shape, axis, keepdims, use_b):
    """lax_scipy_test's testLogSumExp cases (axis, keepdims, b), differentiated to order 2 in
    every float argument."""
    rng = np.random.default_rng(zlib.crc32(repr((shape, axis, keepdims, use_b)).encode()))
    a = rand_default(rng, shape)
    if use_b:
        b = rand_positive(rng, shape)
        check_grads(lambda a, b: gss.logsumexp(a, axis=axis, b=b, keepdims=keepdims),
                    (a, b), order=2)
    else:
        check_grads(lambda a: gss.logsumexp(a, axis=axis, keepdims=keepdims), (a,), order=2)


def test_logsumexp_return_sign_grad(backend):
    rng = np.random.default_rng(5)
    a = rand_default(rng, (3, 4))
    b = rand_default(rng, (3, 4))
    out = gss.logsumexp(a, axis=1, b=b, return_sign=True)
    np.testing.assert_allclose(to_numpy(out[0]),
                               __import__("scipy.special").special.logsumexp(
                                   a, axis=1, b=b, return_sign=True)[0])
    check_grads(lambda a, b: gss.logsumexp(a, axis=1, b=b, return_sign=True)[0], (a, b),
                order=2)


def test_expit_and_zeta_extremes(backend):
    """testIssue980 and testIssue3758: values far out, and finite gradients there."""
    x = np.full((4,), -1e20)
    np.testing.assert_allclose(to_numpy(gss.expit(x)), np.zeros(4))
    np.testing.assert_allclose(to_numpy(ad.grad(lambda x: gnp.sum(gss.expit(x)))(x)),
                               np.zeros(4))
    # JAX's third point, zeta(1e19, 40), is nan in SciPy, whose forward gpuad runs: left out
    xs, q = np.array([1e5, 1e10]), np.array([1.0, 30.0])
    np.testing.assert_allclose(to_numpy(gss.zeta(xs, q)), np.array([1.0, 0.0]))
    g = ad.grad(lambda q: gnp.sum(gss.zeta(xs, q)))(q)
    assert np.all(np.isfinite(to_numpy(g)))
