"""NumPy's Array API names and the remaining array functions on Tensors (gpuad/numpy/
_more_array.py): values equal NumPy's, through ``gpuad.numpy`` and through NumPy's own function
called on a Tensor; gradients against float64 central differences (the derivative walk in
test_differentiable_all checks each once more, both modes, second order)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads
from gpuad.tree import tree_flatten

RNG = np.random.default_rng(5)
X = RNG.standard_normal((3, 4))
DUP = np.array([[3.0, 1.0, 2.0], [1.0, 3.0, 0.5]])
ZEROS = np.array([0.0, 0.0, 1.5, 0.0, -2.0, 0.0])
PHASE = np.array([[0.0, 2.5, 5.0, 7.5, 1.0], [6.0, 0.1, -3.2, 3.3, 0.0]])
Z = X[0] + 1j * np.array([0.5, -1.0, 0.5, 2.0])

CASES = {
    "positive": (lambda m, a: m.positive(a), X),
    "matrix_transpose": (lambda m, a: m.matrix_transpose(a), X),
    "unstack0": (lambda m, a: m.unstack(a), X),
    "unstack1": (lambda m, a: m.unstack(a, axis=-1), X),
    "broadcast_arrays": (lambda m, a: m.broadcast_arrays(a, a[:1], 2.0 * a[:, :1]), X),
    "ediff1d": (lambda m, a: m.ediff1d(a), X),
    "ediff1d_ends": (lambda m, a: m.ediff1d(a, to_end=[7.0, 8.0], to_begin=-1.0), X),
    "trim_zeros": (lambda m, a: m.trim_zeros(a), ZEROS),
    "trim_zeros_f": (lambda m, a: m.trim_zeros(a, "f"), ZEROS),
    "trim_zeros_b": (lambda m, a: m.trim_zeros(a, trim="b"), ZEROS),
    "unwrap": (lambda m, a: m.unwrap(a), PHASE),
    "unwrap_axis0_period": (lambda m, a: m.unwrap(a, axis=0, period=4.0), PHASE),
    "sort_complex": (lambda m, a: m.sort_complex(a), Z),
    "sort_complex_real": (lambda m, a: m.sort_complex(a), X),
    "histogram_bin_edges": (lambda m, a: m.histogram_bin_edges(a, bins=5), X),
    "histogram_bin_edges_auto": (lambda m, a: m.histogram_bin_edges(a, bins="auto"), X),
    "histogram_bin_edges_range": (lambda m, a: m.histogram_bin_edges(a, 3, range=(0, 1)), X),
    "histogram_bin_edges_array": (lambda m, a: m.histogram_bin_edges(
        a, m.asarray([-1.0, 0.0, 0.5, 2.0])), X),
    "i0": (lambda m, a: m.i0(a), X),
    "spacing": (lambda m, a: m.spacing(a), X),
    "tril_indices_from": (lambda m, a: m.tril_indices_from(a, k=1), X),
    "triu_indices_from": (lambda m, a: m.triu_indices_from(a), X),
    "unique": (lambda m, a: m.unique(a), DUP),
    "unique_all_flags": (lambda m, a: m.unique(a, return_index=True, return_inverse=True,
                                               return_counts=True), DUP),
    "unique_axis": (lambda m, a: m.unique(m.concatenate([a, a[:1]]), axis=0,
                                          return_inverse=True), DUP),
    "unique_values": (lambda m, a: m.unique_values(a), DUP),
    "unique_counts": (lambda m, a: m.unique_counts(a), DUP),
    "unique_inverse": (lambda m, a: m.unique_inverse(a), DUP),
    "unique_all": (lambda m, a: m.unique_all(a), DUP),
}


def _same(got, want):
    g, w = tree_flatten(got)[0], tree_flatten(want)[0]
    assert len(g) == len(w)
    for a, b in zip(g, w, strict=True):
        a, b = to_numpy(a), np.asarray(to_numpy(b))
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_equal_numpy(backend, name):
    fn, x = CASES[name]
    want = fn(np, x)
    xp = ad.get_backend().xp
    _same(fn(gnp, ad.tensor(xp.asarray(x), requires_grad=True)), want)
    _same(fn(gnp, xp.asarray(x)), want)
    if backend == "numpy":  # NumPy's own function on a Tensor dispatches to gpuad.numpy
        got = fn(np, ad.tensor(x, requires_grad=True))
        _same(got, want)
        if name not in ("spacing", "tril_indices_from", "triu_indices_from",
                        "histogram_bin_edges_range", "histogram_bin_edges_array"):  # (constants)
            assert any(isinstance(v, ad.Tensor) for v in tree_flatten(got)[0])


@pytest.mark.parametrize("name", ["positive", "matrix_transpose", "unstack1", "broadcast_arrays",
                                  "ediff1d_ends", "unwrap", "sort_complex",
                                  "histogram_bin_edges", "unique_all_flags", "unique_axis"])
def test_gradients(backend, name):
    fn, x = CASES[name]
    if name.startswith("unique"):  # (distinct values: where two are equal, unique has a kink)
        x = X[:2, :3]
    xp = ad.get_backend().xp

    def f(a):
        vals = [v for v in tree_flatten(fn(gnp, a))[0]
                if getattr(v, "dtype", None) is not None and v.dtype.kind in "fc"]
        total = 0.0
        for k, v in enumerate(vals):
            total = total + gnp.sum(gnp.real(v) * (k + 1.5) + gnp.imag(v) ** 2)
        return total

    check_grads(f, (xp.asarray(x.real if np.iscomplexobj(x) else x),), order=2,
                modes=("rev", "fwd"))


def test_unique_gradient_reaches_first_occurrence(backend):
    xp = ad.get_backend().xp
    g = ad.grad(lambda a: gnp.sum(gnp.unique(a) * xp.asarray([1.0, 2.0, 3.0])))(
        xp.asarray(np.array([3.0, 1.0, 2.0, 1.0, 3.0])))
    np.testing.assert_array_equal(to_numpy(g), [3.0, 1.0, 2.0, 0.0, 0.0])


def test_trim_zeros_gradient_reaches_the_kept_entries(backend):
    # (as selecting with a mask: the cut entries get no gradient)
    xp = ad.get_backend().xp
    g = ad.grad(lambda a: gnp.sum(gnp.trim_zeros(a, "f") * 2.0))(xp.asarray(ZEROS))
    np.testing.assert_array_equal(to_numpy(g), [0.0, 0.0, 2.0, 2.0, 2.0, 2.0])


def test_unwrap_shift_is_a_constant(backend):
    xp = ad.get_backend().xp
    g = ad.grad(lambda a: gnp.sum(gnp.unwrap(a) ** 2))(xp.asarray(PHASE[0]))
    np.testing.assert_allclose(to_numpy(g), 2 * np.unwrap(PHASE[0]))


@pytest.mark.parametrize("call, match", [
    (lambda: gnp.matrix_transpose(gnp.ones(3)), "at least 2-D"),
    (lambda: gnp.unstack(gnp.ones((2, 3)), axis=2), "out of bounds"),
    (lambda: gnp.trim_zeros(gnp.ones(3), "x"), "unexpected character"),
    (lambda: gnp.tril_indices_from(gnp.ones(3)), "must be 2-D"),
    (lambda: gnp.broadcast_arrays(gnp.ones(3), gnp.ones(4)), "broadcast"),
])
def test_bad_input_raises(backend, call, match):
    with pytest.raises(ValueError, match=match):
        call()


JIT_REPLAYS = {
    "unwrap": lambda a: gnp.unwrap(a * 3.0),
    "sort_complex": lambda a: gnp.sort_complex(a + 1j * a[::-1]),
    "histogram_bin_edges": lambda a: gnp.histogram_bin_edges(a, bins=4),
    "ediff1d": lambda a: gnp.ediff1d(a, to_begin=0.5),
    "unstack": lambda a: gnp.unstack(gnp.reshape(a, (2, 3)), axis=1),
    "broadcast_arrays": lambda a: gnp.broadcast_arrays(a, a[:1]),
    "matrix_transpose": lambda a: gnp.matrix_transpose(gnp.reshape(a, (2, 3))),
}


@pytest.mark.parametrize("name", sorted(JIT_REPLAYS))
def test_compiled_replay_follows_the_values(backend, name):
    xp = ad.get_backend().xp
    f = JIT_REPLAYS[name]
    jf = ad.jit(f)
    jg = ad.jit(ad.grad(lambda a: gnp.sum(gnp.real(gnp.stack(
        [gnp.sum(v) for v in tree_flatten(f(a))[0]])) ** 2)))
    rng = np.random.default_rng(2)
    for k in range(3):
        a = xp.asarray(rng.standard_normal(6) * (k + 1))
        _same(jf(a), f(a))
        g_eager = ad.grad(lambda a: gnp.sum(gnp.real(gnp.stack(
            [gnp.sum(v) for v in tree_flatten(f(a))[0]])) ** 2))(a)
        np.testing.assert_allclose(to_numpy(jg(a)), to_numpy(g_eager), rtol=1e-12)


@pytest.mark.parametrize("call", [
    lambda a: gnp.unique(a), lambda a: gnp.unique_counts(a), lambda a: gnp.trim_zeros(a),
    lambda a: gnp.spacing(a), lambda a: gnp.histogram_bin_edges(a, bins="auto")])
def test_compiled_value_dependent_layouts_raise(backend, call):
    from gpuad.jit import TracerError

    xp = ad.get_backend().xp
    with pytest.raises(TracerError, match="traced"):
        ad.jit(call)(xp.asarray(np.array([0.0, 1.0, 1.0, 2.0])))
