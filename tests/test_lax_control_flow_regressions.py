"""Regressions found by porting JAX's control-flow tests (tests/conformance/
test_jax_control_flow_suite.py runs the programs against JAX itself)."""

from __future__ import annotations

import numpy as np
import pytest

from gpuad import lax


def test_python_bool_in_a_float_carry_is_a_type_error():
    # A Python bool is not weakly typed: a body returning True where the carry is a float
    # changed the carry to a bool without a word (while_loop returned (True, 3.0)).
    f32 = np.float32
    with pytest.raises(TypeError, match=r"carry\[0\] has type bool\[\]"):
        lax.while_loop(lambda c: c[1] < 3, lambda c: (True, c[1] + 1), (f32(0), f32(0)))
    with pytest.raises(TypeError, match="bool"):
        lax.scan(lambda c, x: (c > 0, x), 0.5, np.arange(3.0))
    with pytest.raises(TypeError, match="bool"):
        lax.fori_loop(0, 2, lambda i, c: True, np.float64(1.0))
    # a bool carry stays a bool carry, a Python bool included
    out = lax.scan(lambda c, x: (c & (x < 2), x), True, np.arange(3.0))[0]
    assert bool(np.asarray(out)) is False
    assert lax.while_loop(lambda c: c[0] < 2, lambda c: (c[0] + 1, False), (0, True)) == (2, False)


def test_python_number_for_a_float32_carry_is_a_type_error():
    # A body returning a Python float for a float32 carry turned the carry into a Python float
    # (fori_loop returned 1.5 as a Python float, no longer float32); JAX refuses it.
    f32 = np.float32
    with pytest.raises(TypeError, match=r"Python float .* float32"):
        lax.fori_loop(0, 2, lambda i, c: 1.5, f32(0))
    with pytest.raises(TypeError, match="int8"):
        lax.while_loop(lambda c: c[0] < 2, lambda c: (c[0] + 1, 7), (0, np.int8(1)))
    with pytest.raises(TypeError, match="float32"):
        lax.scan(lambda c, x: (2.5, c), f32(1), np.arange(2.0))
    # a Python number of the carry's own dtype, or a weak carry taking an array's dtype, is fine
    assert lax.fori_loop(0, 2, lambda i, c: 1.5, np.float64(0)) == 1.5
    out = lax.fori_loop(0, 3, lambda i, c: c + np.float32(0.5), 0.0)
    assert np.asarray(out).dtype == np.float32 and float(out) == 1.5


def test_scan_outputs_of_a_weak_initial_carry_keep_the_loop_dtype():
    # A Python-number initial carry is promoted to the dtype the body returns before the loop
    # (JAX's rule); the first step's y was computed from the Python number and the stacked ys
    # came out float64 / int64 for a float32 / int16 loop.
    import gpuad as ad
    import gpuad.numpy as gnp

    x32 = np.array([1.0, 2.0, 3.0], np.float32)
    c, ys = lax.scan(lambda c, x: (c * x, c), 1.0, x32)
    assert np.asarray(c).dtype == np.float32 and np.asarray(ys).dtype == np.float32
    np.testing.assert_array_equal(np.asarray(ys), [1.0, 1.0, 2.0])
    ys = lax.scan(lambda c, x: (c + x, c), 0, np.arange(1, 4, dtype=np.int16))[1]
    assert np.asarray(ys).dtype == np.int16 and np.asarray(ys).tolist() == [0, 1, 3]
    c, ys = lax.scan(lambda c, x: (c + x, c), 0, np.zeros(0, np.int16))  # no step at all
    assert np.asarray(c).dtype == np.int16 and np.asarray(ys).dtype == np.int16
    # the gradient through the re-run first step, against central differences (float64)
    x = np.array([0.3, -0.7, 1.1])
    f = lambda x: gnp.sum(lax.scan(lambda c, v: (gnp.sin(c * v), c * v), 0.5, x)[1] ** 2)  # noqa: E731
    g = np.asarray(ad.grad(f)(x))
    h = 1e-6
    fd = [(float(f(x + h * e)) - float(f(x - h * e))) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


def test_while_loop_predicate_must_be_boolean():
    # A float predicate was taken for its truth value: cond_fun returning float32(1.) with an
    # identity body looped forever; JAX requires a boolean scalar.
    with pytest.raises(TypeError, match=r"while_loop: .*boolean scalar.*float32"):
        lax.while_loop(lambda c: np.float32(1.), lambda c: c, np.float32(0.))
    with pytest.raises(TypeError, match=r"while_loop: .*boolean scalar.*Python int"):
        lax.while_loop(lambda c: 1, lambda c: c, 0)
    assert lax.while_loop(lambda c: c < 3, lambda c: c + 1, 0) == 3
    assert lax.while_loop(lambda c: np.bool_(c < 2), lambda c: c + 1, 0) == 2


def test_loop_functions_must_be_callable():
    # fori_loop/while_loop failed with "'int' object is not callable", scan and
    # associative_scan with an error about xs/axis: name the argument that is not callable.
    with pytest.raises(TypeError, match=r"fori_loop: body_fun must be callable, got int"):
        lax.fori_loop(0, 1, 42, 0)
    with pytest.raises(TypeError, match=r"while_loop: cond_fun must be callable"):
        lax.while_loop(42, lambda c: c, 0)
    with pytest.raises(TypeError, match=r"scan: f must be callable, got int"):
        lax.scan(42, 0, np.arange(3))
    with pytest.raises(TypeError, match=r"associative_scan: fn must be callable, got int"):
        lax.associative_scan(42, np.arange(3))


def test_fori_loop_bounds_of_two_dtypes_are_refused():
    # int16 and int32 bounds ran silently (JAX refuses them: which dtype would i have?).
    with pytest.raises(TypeError, match=r"fori_loop: .*lower int16 and upper int32"):
        lax.fori_loop(np.int16(0), np.int32(10), lambda i, c: c, np.float32(7))
    assert lax.fori_loop(np.int32(0), np.int32(3), lambda i, c: c + i, 0) == 3
    assert lax.fori_loop(0, np.int16(3), lambda i, c: c + i, 0) == 3
    with pytest.raises(TypeError, match=r"fori_loop: lower .*integer.*while_loop"):
        lax.fori_loop(1., 3., lambda i, c: c + i, 0.)
