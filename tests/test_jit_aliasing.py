"""Outputs of gpuad.jit that share memory behave as eager's: views of the arguments are views
(one version counter, recorded as views), the argument returned is the argument, read-only
outputs stay read-only; while tracing, CuPy and DLPack cannot read a traced Tensor's memory.

Each case runs the function eagerly and compiled (the traced call and two replays) and
compares what a caller can see: values, gradients through writes into the output, the version
error eager raises, and which objects share memory.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

X = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])


def _xp():
    return ad.get_backend().xp


def _t(values=X, requires_grad=False):
    return ad.tensor(_xp().asarray(np.array(values, dtype=np.float64)),
                     requires_grad=requires_grad)


VIEWS = {
    "slice": lambda a: a[1:6:2],
    "reshape": lambda a: a.reshape(2, 3),
    "transpose": lambda a: a.reshape(2, 3).T,
    "identity": lambda a: a,
}


def _calls(f):
    """The eager function and the compiled one's three calls (trace, replay, replay)."""
    return [("eager", f)] + [(f"jit call {k}", g) for g in [ad.jit(f)] for k in range(3)]


def _write_then_backward(f, g):
    """A gradient through the argument's earlier use, a write into the output of ``g``, then
    the backward: the gradient, or the error's type and message."""
    w = _t(requires_grad=True)
    x = _t()
    z = gnp.sum(w * x)  # saves x
    y = g(x)
    y[(0,) * y.ndim] = 10.0
    try:
        z.backward()
    except Exception as e:  # noqa: BLE001 (eager's error, whatever it is, is the reference)
        return type(e).__name__, str(e).split(":")[0]
    return to_numpy(w.grad).tolist(), to_numpy(x).tolist()


@pytest.mark.parametrize("name", list(VIEWS))
def test_view_of_an_argument_is_a_view_as_eagerly(backend, name):
    f = VIEWS[name]
    outcomes = []
    for label, g in _calls(f):
        x = _t()
        y = g(x)
        assert (y is x) == (name == "identity"), label
        assert y._ver is x._ver, label  # one version counter, as eagerly
        v0 = x._version
        y[(0,) * y.ndim] = -7.0
        assert x._version == v0 + 1, label
        outcomes.append((to_numpy(x).tolist(), to_numpy(y).tolist()))
    assert all(o == outcomes[0] for o in outcomes), outcomes
    # a write into the output after the argument was saved: eager's version error, each time
    results = [_write_then_backward(f, g) for _, g in _calls(f)]
    assert results[0][0] == "GradError" or results[0][0] == "RuntimeError", results[0]
    assert all(r == results[0] for r in results), results


@pytest.mark.parametrize("name", ["slice", "identity"])
def test_write_into_view_of_differentiated_argument(backend, name):
    """x requires grad: the output is recorded as a view of x (eager refuses a write into a
    view of a leaf; through a non-leaf argument the write is differentiated exactly)."""
    f = VIEWS[name]

    def run(g):
        x = _t(requires_grad=True)
        y = g(x)
        try:
            y[(0,) * y.ndim] = 9.0
        except Exception as e:  # noqa: BLE001
            return type(e).__name__
        return "written"

    results = [run(g) for _, g in _calls(f)]
    assert results == ["GradError"] * 4, results

    def through_nonleaf(g):
        x = _t(requires_grad=True)
        u = _t(requires_grad=True)
        h = x * 1.0
        y = g(h)
        y[(1,) * y.ndim] = u[2] * 3.0
        loss = gnp.sum(h * x) + gnp.sum(y ** 2)
        loss.backward()
        return to_numpy(x.grad).tolist(), to_numpy(u.grad).tolist()

    results = [through_nonleaf(g) for _, g in _calls(f)]
    assert all(np.allclose(r, results[0]) for r in results), results

    # the same loss as a function, against float64 central differences
    def loss(x, u):
        h = x * 1.0
        y = ad.jit(f)(h)
        y[(1,) * y.ndim] = u[2] * 3.0
        return gnp.sum(h * x) + gnp.sum(y ** 2)

    check_grads(loss, (_t(), _t(X[::-1].copy())), order=1, modes=("rev",))


def test_outputs_viewing_one_another_share_a_version_counter(backend):
    def f(a):
        b = a * 2.0
        return b, b[1:], b  # a view of an output, and the same value twice

    for label, g in _calls(f):
        b, v, b2 = g(_t())
        assert b2 is b, label
        assert v._ver is b._ver, label
        w = _t(requires_grad=True)
        z = gnp.sum(w * b)
        v[0] = -1.0  # changes b: the saved b is stale
        with pytest.raises(Exception, match="version|modified|in-place|inplace"):
            z.backward()
        assert to_numpy(b).tolist()[1] == -1.0, label


def test_hidden_base_views_are_independent_copies(backend):
    """Two views of a buffer the function does not return: copies (no shared memory with
    independent version counters)."""
    def f(a):
        b = a * 2.0
        return b[:3], b[1:]

    g = ad.jit(f)
    for _ in range(3):
        p, q = g(_t())
        w = _t(X[:3], requires_grad=True)
        z = gnp.sum(w * p)
        q[0] = 100.0
        z.backward()
        assert to_numpy(w.grad).tolist() == [2.0, 4.0, 6.0]
        assert to_numpy(p).tolist() == [2.0, 4.0, 6.0]


def test_value_and_grad_and_donated_and_vmap(backend):
    def loss(a):
        return gnp.sum(a ** 2), a[0:2]

    vg = ad.value_and_grad(loss, has_aux=True)
    ref = vg(_t())
    g = ad.jit(vg)
    for _ in range(3):
        (v, aux), gr = g(_t())
        assert np.allclose(to_numpy(v), to_numpy(ref[0][0]))
        assert np.allclose(to_numpy(aux), to_numpy(ref[0][1]))
        assert np.allclose(to_numpy(gr), 2 * X)

    # donated argument: the view of it is a view of the caller's Tensor
    d = ad.jit(lambda a: (gnp.sin(a) * 2.0, a[1:3]), donate_argnums=0)
    for _ in range(3):
        x = _t()
        s, y = d(x)
        assert np.allclose(to_numpy(s), 2 * np.sin(X))
        assert to_numpy(y).tolist() == [2.0, 3.0]
        assert y._ver is x._ver

    # jit(vmap): values as eager; a batched view made by vmap's axis moves is no silent alias
    vf = ad.vmap(lambda a: a[0:2])
    jf = ad.jit(vf)
    for _ in range(3):
        xb = ad.tensor(_xp().asarray(np.arange(6.0).reshape(2, 3)))
        e = vf(xb)
        y = jf(xb)
        assert to_numpy(y).tolist() == to_numpy(e).tolist()


def test_readonly_output_stays_readonly(backend):
    f = ad.jit(lambda a: (a.imag, a.imag[1:]))
    for _ in range(3):
        im, part = f(_t())
        for y in (im, part):
            with pytest.raises(ValueError, match="read-only"):
                y[0] = 1.0
        assert to_numpy(im).tolist() == [0.0] * 6


def test_view_of_a_closed_over_tensor(backend):
    p = _t()
    f = ad.jit(lambda a: (a * p, p[2:]))
    for _ in range(3):
        _, y = f(_t())
        assert y._ver is p._ver
    y[0] = 33.0
    assert to_numpy(p)[2] == 33.0


def _cupy_exports():
    import cupy

    def write(t):
        a = cupy.zeros(6)
        a[...] = t
        return gnp.sum(t) + a

    def iadd(t):
        a = cupy.zeros(6)
        a += t
        return gnp.sum(t) + a

    return {"a[...] = t": write, "a += t": iadd,
            "cupy.from_dlpack(t)": lambda t: cupy.from_dlpack(t) * 2.0,
            "cupy.asarray(t)": lambda t: cupy.asarray(t) * 2.0}


@pytest.mark.parametrize("name", ["a[...] = t", "a += t", "cupy.from_dlpack(t)",
                                  "cupy.asarray(t)"])
def test_cupy_cannot_read_a_traced_tensor(backend, name):
    if backend != "cupy":
        pytest.skip("CuPy's import of device memory")
    from gpuad.jit.trace import TracerError

    f = ad.jit(_cupy_exports()[name], check=False)
    with pytest.raises(TracerError, match="traced value"):
        f(_t())
    # a CuPy array plus a traced Tensor defers to the Tensor: recorded
    import cupy

    c = cupy.asarray(X)
    g = ad.jit(lambda t: c + t, check=False)
    for k in range(3):
        assert to_numpy(g(_t(X * k))).tolist() == (X + X * k).tolist()


def test_numpy_from_dlpack_of_a_traced_tensor_raises(backend):
    if backend != "numpy":
        pytest.skip("NumPy imports host memory only")
    from gpuad.jit.trace import TracerError

    f = ad.jit(lambda t: np.from_dlpack(t) * 2.0, check=False)
    with pytest.raises(TracerError, match="DLPack"):
        f(_t())


def test_returned_grad_is_the_parameters_grad(backend):
    p = _t(X[:3], requires_grad=True)

    def step(x):
        p.grad = None
        loss = gnp.sum(p * x)
        loss.backward()
        return loss, p.grad, p.grad[0:2]

    f = ad.jit(step)
    for k in range(1, 4):
        _, g, g2 = f(_t(np.ones(3) * k))
        assert g is p.grad
        assert g2._ver is p.grad._ver
        assert to_numpy(g2).tolist() == [float(k)] * 2


def test_write_into_argument_after_differentiated_call(backend):
    """grad from outside: the compiled backward computes the function again from its
    arguments, so a write into an argument after the call (directly or through an output that
    is a view of it) raises eager's saved-value error rather than reading the new values;
    without a write, the gradient is eager's."""
    def f(a):
        return a[0:2], gnp.exp(a) * 1.0

    def run(g, write):
        x = _t(X[:3] / 4, requires_grad=True)
        h = x * 1.5
        v, s = g(h)
        if write == "view":
            v[1] = v[0] * 4.0
        elif write == "argument":
            h[2] = 5.0
        loss = gnp.sum(v ** 2) + gnp.sum(s * x)
        try:
            loss.backward()
        except Exception as e:  # noqa: BLE001
            return type(e).__name__
        return to_numpy(x.grad)

    g = ad.jit(f)
    for write in ("none", "view", "argument"):
        ref = run(f, write)
        for _ in range(3):
            got = run(g, write)
            if isinstance(got, str):
                assert got == "GradError", (write, got)
                assert write != "none"
            else:
                assert np.allclose(got, ref), (write, got, ref)

    def loss(x):
        v, s = ad.jit(f)(x * 1.5)
        return gnp.sum(v ** 2) + gnp.sum(s * x)

    check_grads(loss, (_t(X[:3] / 4),), order=1, modes=("rev",))


def test_gradient_through_vmap_of_a_jitted_view(backend):
    """A jitted function inside vmap, differentiated from outside: its batched view output
    keeps its history (a copy of it is made before the step is recorded, not after)."""
    def f(a):
        return a[0:2], a * 2.0

    def grad_of(g):
        x = ad.tensor(_xp().asarray(np.arange(6.0).reshape(2, 3)), requires_grad=True)
        return to_numpy(ad.grad(lambda x: gnp.sum(ad.vmap(g)(x)[0] ** 2))(x))

    ref = grad_of(f)
    g = ad.jit(f)
    for _ in range(3):
        assert np.allclose(grad_of(g), ref)
    expected = np.zeros((2, 3))  # d/dx sum(x[:, 0:2] ** 2)
    expected[:, :2] = 2 * np.arange(6.0).reshape(2, 3)[:, :2]
    assert np.allclose(ref, expected)


def test_memory_shared_only_after_the_passes_is_copied(backend):
    """CSE merges the two ``a * 2``: the view of the second must not become a view of the
    first output (eagerly they are unrelated)."""
    def f(a):
        return a * 2.0, (a * 2.0)[0:2]

    for label, g in _calls(f):
        p, r = g(_t())
        w = _t(X[:2], requires_grad=True)
        z = gnp.sum(w * r)
        p[0] = 100.0
        z.backward()  # r was not written: no version error, eager's gradient
        assert to_numpy(r).tolist() == [2.0, 4.0], label
        assert to_numpy(w.grad).tolist() == [2.0, 4.0], label
