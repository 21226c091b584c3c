"""Results of eager transforms never share an argument's memory past its version counter.

``vmap``'s outputs and ``value_and_grad``'s aux were views of the arguments' arrays without
their version counters: a write into them changed the argument silently, and a step that had
saved the argument then backwarded with the written value. Each case writes into the result
and compares the argument, its version and later gradients with the same program written
without the transform; a gradient returned by ``grad`` is a real array or read-only (a write
into one element never writes all).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def _xp():
    return ad.get_backend().xp


def _t(values=X, requires_grad=False):
    return ad.tensor(_xp().asarray(np.array(values, dtype=np.float64)),
                     requires_grad=requires_grad)


def _shares(a, b) -> bool:
    a = a._data if isinstance(a, ad.Tensor) else a
    b = b._data if isinstance(b, ad.Tensor) else b
    return bool(_xp().may_share_memory(a, b))


def _stacked(x):
    # vmap(lambda a: a[0:2])(x) written without the transform
    return gnp.stack([x[i, 0:2] for i in range(x.shape[0])])


@pytest.mark.parametrize("transform", [
    lambda x: ad.vmap(lambda a: a[0:2])(x),
    lambda x: ad.vmap(lambda a: a[0:2], chunk_size=5)(x),
    lambda x: ad.vmap(ad.vmap(lambda a: a), in_axes=1, out_axes=1)(x)[:, 0:2],
    _stacked,
], ids=["vmap", "chunked", "nested", "eager"])
def test_vmap_output_written_leaves_saved_argument(backend, transform):
    x = _t(requires_grad=True)
    z = gnp.sum(x * x)  # saves x
    y = transform(x)
    assert not _shares(y, x)
    y[0, 0] = 5.0
    loss = gnp.sum(y * y)
    assert to_numpy(x).tolist() == X.tolist() and x._ver[0] == 0
    z.backward()
    assert np.allclose(to_numpy(x.grad), 2 * X)  # was 10 at [0, 0]: the written value
    x.grad = None
    loss.backward()
    want = 2 * X * (np.arange(3) < 2)
    want[0, 0] = 0.0  # overwritten
    assert np.allclose(to_numpy(x.grad), want)


def test_vmap_of_raw_and_untracked_arguments(backend):
    raw = _xp().asarray(X.copy())
    y = ad.vmap(lambda a: a[0:2])(raw)
    assert not _shares(y, raw)
    y[0, 0] = 5.0
    assert to_numpy(raw).tolist() == X.tolist()

    # a Tensor that another step saved: batched and unbatched (out_axes=None) outputs
    x, w = _t(), _t(np.ones_like(X), requires_grad=True)
    z = gnp.sum(w * x)
    y = ad.vmap(lambda a: a[1:])(x)
    s = ad.vmap(lambda a, b: b[1:], in_axes=(0, None), out_axes=None)(x, x)
    for out in (y, s):
        assert not _shares(out, x)
        out[0] = 7.0
    assert to_numpy(x).tolist() == X.tolist() and x._ver[0] == 0
    z.backward()
    assert np.allclose(to_numpy(w.grad), X)

    # an unbatched output that is the argument Tensor itself stays it
    xb = _t(requires_grad=True)
    assert ad.vmap(lambda a, b: b, in_axes=(0, None), out_axes=None)(xb, xb) is xb


def test_vmap_output_written_check_grads(backend):
    def f(a):
        y = ad.vmap(lambda r: r[0:2])(a)
        y[0, 0] = a[1, 2] * 3.0
        return gnp.sum(gnp.sin(y) * a[:, 1:3])

    def ref(a):
        y = _stacked(a)
        y[0, 0] = a[1, 2] * 3.0
        return gnp.sum(gnp.sin(y) * a[:, 1:3])

    x = _xp().asarray(X.copy())
    assert np.allclose(to_numpy(ad.grad(f)(x)), to_numpy(ad.grad(ref)(x)))
    assert to_numpy(x).tolist() == X.tolist()
    check_grads(f, (x,), order=1, modes=("rev",))


def test_value_and_grad_aux_untracked_argument(backend):
    x, w = _t(), _t(np.ones_like(X), requires_grad=True)
    z = gnp.sum(w * x)
    (v, aux), g = ad.value_and_grad(lambda a: (gnp.sum(a * a), a[1:]), has_aux=True)(x)
    assert np.allclose(to_numpy(g), 2 * X) and np.isclose(float(to_numpy(v)), (X * X).sum())
    assert not _shares(aux, x)
    aux[0, 0] = 100.0
    assert to_numpy(x).tolist() == X.tolist() and x._ver[0] == 0
    z.backward()
    assert np.allclose(to_numpy(w.grad), X)


def test_value_and_grad_aux_tracked_argument_is_a_view(backend):
    # x tracked outside: the aux is eager's view of x (one version counter), so a write
    # through it makes the step that saved x refuse to backward, as eagerly
    x = _t(requires_grad=True)
    z = gnp.sum(x * x)
    (_, aux), _ = ad.value_and_grad(lambda a: (gnp.sum(a * a), a[1:]), has_aux=True)(x)
    assert aux._ver is x._ver
    with ad.no_grad():
        aux[0, 0] = 100.0
    assert x._ver[0] == 1
    with pytest.raises(ad.GradError, match="modified in place"):
        z.backward()


@pytest.mark.parametrize("how", ["grad", "backward"])
def test_gradient_of_sum_is_a_real_array(backend, how):
    if how == "grad":
        g = ad.grad(lambda a: gnp.sum(a))(_xp().asarray(X.copy()))
    else:
        x = _t(requires_grad=True)
        gnp.sum(x).backward()
        g = x.grad
    if not getattr(getattr(g, "flags", None), "writeable", True):  # NumPy: read-only
        with pytest.raises(ValueError, match="read-only"):
            g[0, 0] = 5.0
        g = g.copy()
    g[0, 0] = 5.0
    want = np.ones_like(X)
    want[0, 0] = 5.0
    assert to_numpy(g).tolist() == want.tolist()


def test_vjp_and_jvp_outputs_untracked_argument(backend):
    x, w = _t(), _t(np.ones_like(X), requires_grad=True)
    z = gnp.sum(w * x)
    out, back, aux = ad.vjp(lambda a: (a[0:1], a[1:]), x, has_aux=True)
    p, t = ad.jvp(lambda a: a[:, 1:], (x,), (_xp().ones(X.shape),))
    for r in (out, aux, p):
        assert not _shares(r, x)
        r[0, 0] = 100.0
    assert to_numpy(x).tolist() == X.tolist() and x._ver[0] == 0
    assert np.allclose(to_numpy(back(_xp().ones((1, 3)))[0]), [[1, 1, 1], [0, 0, 0]])
    assert np.allclose(to_numpy(t), 1.0)
    z.backward()
    assert np.allclose(to_numpy(w.grad), X)
