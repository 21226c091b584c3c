"""The sweeps of HIPS autograd's ``tests/numpy_utils.py`` (``combo_check``, ``stat_check``,
``unary_ufunc_check``, ``binary_ufunc_check``), written for gpuad.

Each case is run twice: once on plain arrays, where the value, shape and dtype must equal
NumPy's, and once under ``gpuad.testing.check_grads`` (first and second order, forward and
reverse mode unless a test says otherwise) with respect to the arguments autograd
differentiates. A tuple or list argument is differentiated leaf by leaf and rebuilt with the
same container type, as autograd's container vector spaces are.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

import gpuad as ad
from gpuad.backends import get_backend
from gpuad.testing import check_grads
from gpuad.tree import tree_flatten

# How many (function, arguments, keywords) cases went through ``check_case``: the report's count.
COUNT = {"cases": 0}

_DIFFERENTIABLE = (float, np.floating, np.ndarray, complex, np.complexfloating)


def _to_backend(a):
    if isinstance(a, np.ndarray):
        return get_backend().asarray(a)
    if isinstance(a, (tuple, list)):
        return type(a)(_to_backend(e) for e in a)
    return a


def _host(a):
    if hasattr(a, "numpy") and not isinstance(a, np.ndarray):
        a = a.numpy()
    if hasattr(a, "get"):
        a = a.get()
    return np.asarray(a)


def _floating(x) -> np.ndarray:
    a = np.asarray(x)
    return a if a.dtype.kind in "fc" else a.astype(np.float64)


def check_value(gfun, nfun, args, kwargs, got=None):
    """gpuad's result on plain arrays (or ``got``) equals NumPy's in value, shape and dtype."""
    expect = nfun(*args, **kwargs)
    if got is None:
        got = gfun(*_to_backend(list(args)), **kwargs)
    e_leaves = tree_flatten(expect)[0] if isinstance(expect, (tuple, list)) else [expect]
    g_leaves = tree_flatten(got)[0] if isinstance(got, (tuple, list)) else [got]
    assert len(e_leaves) == len(g_leaves), (len(e_leaves), len(g_leaves))
    for e, g in zip(e_leaves, g_leaves, strict=True):
        e, g = np.asarray(e), _host(g)
        assert g.shape == e.shape, f"shape {g.shape}, NumPy gives {e.shape}"
        assert g.dtype == e.dtype, f"dtype {g.dtype}, NumPy gives {e.dtype}"
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12, equal_nan=True)


def check_case(gfun, args, argnums, kwargs=None, nfun=None, order=2, modes=("fwd", "rev"),
               **tol) -> None:
    """Check ``gfun(*args, **kwargs)`` against NumPy's ``nfun`` (when given) and its
    derivatives in ``args[i]`` for ``i`` in ``argnums`` against finite differences."""
    kwargs = dict(kwargs or {})
    COUNT["cases"] += 1
    if nfun is not None:
        check_value(gfun, nfun, args, kwargs)
    slots = []  # (argument index, position in its container or None)
    leaves = []
    for i in argnums:
        a = args[i]
        if isinstance(a, (tuple, list)):
            for j, e in enumerate(a):
                slots.append((i, j))
                leaves.append(e)
        else:
            slots.append((i, None))
            leaves.append(a)
    fixed = _to_backend(list(args))

    def f(*xs):
        full = list(fixed)
        parts = {i: list(args[i]) for i, j in slots if j is not None}
        for (i, j), x in zip(slots, xs, strict=True):
            if j is None:
                full[i] = x
            else:
                parts[i][j] = x
        for i, p in parts.items():
            full[i] = type(args[i])(p)
        return gfun(*full, **kwargs)

    if nfun is not None:  # the same on Tensors being recorded
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            recorded = f(*[ad.tensor(_to_backend(_floating(x)), requires_grad=True)
                           for x in leaves])
        check_value(gfun, nfun, args, kwargs, got=recorded)
    check_grads(f, leaves, order=order, modes=modes, **tol)


def combo_check(gfun, argnums, nfun=None, order=2, modes=("fwd", "rev"), **tol):
    """autograd's ``combo_check(fun, argnums)(*arg_lists, **kwarg_lists)``: every combination
    of the positional choices and keyword choices is checked."""
    def run(*arg_lists, **kwarg_lists):
        keyed = [[(k, v) for v in vs] for k, vs in kwarg_lists.items()]
        for args in itertools.product(*arg_lists):
            for kws in itertools.product(*keyed):
                check_case(gfun, args, argnums, dict(kws), nfun=nfun, order=order,
                           modes=modes, **tol)
    return run


def _transform(lims, x):
    return x * (lims[1] - lims[0]) + lims[0]


def stat_check(gfun, nfun, rng, test_complex=True, **kwargs) -> None:
    """Reductions over scalars, (3,), (2, 3), (1, 3) with every axis and keepdims; complex
    values too unless ``test_complex`` is False."""
    x, a = 3.5, float(rng.randn())
    b, c, d = rng.randn(3), rng.randn(2, 3), rng.randn(1, 3)
    check = combo_check(gfun, (0,), nfun, **kwargs)
    check([x, a])
    check([b, c, d], axis=[None, 0], keepdims=[True, False])
    check([c, d], axis=[None, 0, 1], keepdims=[True, False])
    if test_complex:
        cz = complex(rng.randn() + 0.1j * rng.randn())
        e = rng.randn(2, 3) + 0.1j * rng.randn(2, 3)
        check([x, cz, a])
        check([b, c, d, e], axis=[None, 0], keepdims=[True, False])


def unary_ufunc_check(gfun, nfun, rng, lims=(-2, 2), test_complex=True, **kwargs) -> None:
    """A unary function on a scalar, (2,), (3, 2) and (1, 2) drawn in ``lims``; complex values
    with a small imaginary part too unless ``test_complex`` is False."""
    check = combo_check(gfun, (0,), nfun, **kwargs)
    check([_transform(lims, 0.4), _transform(lims, rng.rand(2)),
           _transform(lims, rng.rand(3, 2)), _transform(lims, rng.rand(1, 2))])
    if test_complex:
        comp = complex(_transform(lims, 0.4) + 0.1j * _transform(lims, 0.3))
        matc = _transform(lims, rng.rand(3, 2)) + 0.1j * rng.rand(3, 2)
        check([comp, matc])


def binary_ufunc_check(gfun, nfun, rng, lims_a=(-2, 2), lims_b=(-2, 2), test_complex=True,
                       same_args=True, **kwargs) -> None:
    """A binary function on every pair of a scalar, (2,), (3, 2) and (1, 2) (broadcasting
    among them), both arguments differentiated. ``same_args=False`` draws the two operands
    independently (autograd's ``binary_ufunc_check_no_same_args``, for functions whose
    derivative is undefined where both arguments are equal)."""
    def ta(v):
        return _transform(lims_a, v)

    def tb(v):
        return _transform(lims_b, v)

    check = combo_check(gfun, (0, 1), nfun, **kwargs)
    if same_args:
        s, v, m, m2 = 0.6, rng.rand(2), rng.rand(3, 2), rng.rand(1, 2)
        check([ta(s), ta(v), ta(m), ta(m2)], [tb(s), tb(v), tb(m), tb(m2)])
    else:
        a = [0.6, rng.rand(2), rng.rand(3, 2), rng.rand(1, 2)]
        b = [0.7, rng.rand(2), rng.rand(3, 2), rng.rand(1, 2)]
        check([ta(e) for e in a], [tb(e) for e in b])
    if test_complex:
        comp = 0.6 + 0.3j
        matc = rng.rand(3, 2) + 0.1j * rng.rand(3, 2)
        s, v, m2 = 0.6, rng.rand(2), rng.rand(1, 2)
        check([ta(s), ta(comp), ta(v), ta(matc), ta(m2)],
              [tb(s), tb(comp), tb(v), tb(matc), tb(m2)])
