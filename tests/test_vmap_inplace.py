"""In-place writes inside vmap: into batched copies, through views, with batched indices and
augmented assignment, against the loop over examples; the writes that are refused say what to
write instead."""

from __future__ import annotations

import numpy as np
import pytest
from vmap_loop import check_vmap

import gpuad as ad
import gpuad.numpy as gnp

R = np.random.default_rng(5)
X = R.normal(size=(4, 3, 2))


def _set_first(x):
    y = x.copy()
    y[0] = gnp.sum(x, axis=0)
    return y * x


def _set_at_argmax(x):
    y = x * 2.0
    y[gnp.argmax(x[:, 0])] = gnp.sin(x[0])
    return y


def _through_a_view(x):
    y = x.copy()
    r = y[1]
    r[0] = 5.0 * x[0, 1]
    return y + r[1]


def _view_sees_the_write(x):
    y = x * 1.0
    r = y[0:2]
    y[0, 1] = x[2, 0] ** 2
    return r * 3.0


def _augmented(x):
    y = x * 2.0
    y += gnp.sin(x)
    y[1:] *= x[:-1]
    return y


def _out_argument(x):
    y = x.copy()
    gnp.add(x, gnp.cos(x), out=y)
    return y * x


@pytest.mark.parametrize("f", [_set_first, _set_at_argmax, _through_a_view,
                               _view_sees_the_write, _augmented, _out_argument])
def test_writes_match_the_loop(backend, f):
    check_vmap(f, (X,), 0)
    check_vmap(f, (X,), 2, diff=(), nested=True)


def test_write_with_a_shared_value(backend):
    w = R.normal(size=(2,))
    check_vmap(lambda x, w: _set_first(x) + 0.0 * w, (X, w), (0, None))

    def f(x, w):
        y = x.copy()
        y[2] = w  # the same value written into every example
        return y

    check_vmap(f, (X, w), (1, None))


def test_a_saved_value_overwritten_refuses_to_backward(backend):
    def f(x):
        y = x.copy()
        z = y * y  # saves y
        y[0] = 0.0
        return gnp.sum(z)

    with pytest.raises(ad.GradError, match="modified in place"):
        ad.grad(f)(gnp.asarray(X[0]))  # as in eager mode
    with pytest.raises(ad.GradError, match="modified in place"):
        ad.vmap(ad.grad(f))(gnp.asarray(X))


def test_refused_writes_name_the_alternative(backend):
    xs = gnp.asarray(X)

    def into_argument(x):
        x[0] = 1.0
        return x

    with pytest.raises(TypeError, match="argument of the vmapped function"):
        ad.vmap(into_argument)(xs)
    with pytest.raises(TypeError, match="argument of the vmapped function"):
        ad.vmap(lambda x: into_argument(x[1]))(xs)
    with pytest.raises(TypeError, match="argument of the vmapped function"):
        ad.vmap(lambda x: into_argument(x.detach()))(xs)
    np.testing.assert_array_equal(xs if isinstance(xs, np.ndarray) else xs.get(), X)

    def into_shared_tensor(x):
        out = ad.tensor(np.zeros(2))
        out[...] = x[0]
        return out

    with pytest.raises(TypeError, match="index_update"):
        ad.vmap(into_shared_tensor)(xs)

    def into_numpy_buffer(x):
        out = gnp.zeros(2)
        out[:] = x[0]
        return out

    with pytest.raises(TypeError, match="index_update"):
        ad.vmap(into_numpy_buffer)(xs)
    # the functional form the errors name
    check_vmap(lambda x: gnp.index_update(gnp.zeros((3, 2)), 1, x[0] * x[2]), (X,), 0)


def test_put_along_axis(backend):
    idx = R.integers(0, 2, size=(4, 3, 1))

    def f(x, i):
        y = x * 1.0
        gnp.put_along_axis(y, i, x[:, :1] * 3.0, axis=1)
        return y

    check_vmap(f, (X, idx), 0)
