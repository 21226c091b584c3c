"""What the tracer alone must get right (``jit(..., check=False)`` and training steps, which
skip the post-trace check): deep copies of traced Tensors, writes into container arguments,
and library code that reads traced values into Python numbers. Each replay either computes
the call's own value or the trace raises."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import flushes_float32_subnormals, to_numpy

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.linalg as sla
from gpuad.jit import TracerError
from gpuad.scipy.stats import multivariate_normal as mvn


def _a(v, dtype=None):
    return ad.get_backend().xp.asarray(np.asarray(v, dtype))


def _replays(f, first, second):
    """The compiled result (check=False) of ``second`` after tracing on ``first``, and f's
    eager result on ``second``."""
    j = ad.jit(f, check=False)
    j(*first)
    got = j(*second)
    ref = f(*[ad.Tensor(x) for x in second])
    return to_numpy(got), to_numpy(ref)


@pytest.mark.parametrize("how", ["deepcopy", "copy", "deepcopy_tree"])
def test_copy_of_a_traced_tensor_is_each_calls(backend, how):
    def f(x):
        if how == "deepcopy_tree":
            d = copy.deepcopy({"a": x, "b": [x * 2.0]})
            y = d["a"] + d["b"][0]
        else:
            y = getattr(copy, how)(x * 1.0)
        y[0] = 5.0  # a write into the copy is the copy's, as eagerly
        return gnp.sin(y) + x

    got, ref = _replays(f, (_a([0.0, 1.0, 2.0]),), (_a([3.0, -1.0, 0.5]),))
    np.testing.assert_allclose(got, ref, rtol=1e-12)


def test_deepcopy_keeps_leaves_and_derivatives(backend):
    w = ad.Tensor(_a([0.5, -1.0, 2.0]))

    def loss(x):
        y = copy.deepcopy(x * x)  # a value with a history: same derivatives as x * x
        return gnp.sum(y * w)

    j = ad.jit(ad.grad(loss), check=False)
    j(_a([1.0, 2.0, 3.0]))
    x = ad.Tensor(_a([-2.0, 0.5, 4.0]), requires_grad=True)
    loss(x).backward()
    np.testing.assert_allclose(to_numpy(j(x.data)), to_numpy(x.grad))
    np.testing.assert_allclose(to_numpy(x.grad), [-2.0, -1.0, 16.0])

    w.requires_grad = True

    @ad.jit
    def leaf_copy(x):
        p = copy.deepcopy(w)  # a closed-over leaf: copied from its value at each call
        with ad.no_grad():
            return p * x, p.requires_grad

    x = _a([1.0, 1.0, 1.0])
    leaf_copy(x)
    with ad.no_grad():
        w.data[...] = _a([3.0, 4.0, 5.0])
    out, rg = leaf_copy(x)
    np.testing.assert_allclose(to_numpy(out), [3.0, 4.0, 5.0])
    assert rg is True


@pytest.mark.parametrize("check", [True, False])
@pytest.mark.parametrize("write", ["dict_set", "list_append", "list_set", "kw_dict_pop"])
def test_writes_into_container_arguments_raise(backend, write, check):
    def f(d, lst, opts=None):
        if write == "dict_set":
            d["y"] = d["x"] * 2.0
        elif write == "list_append":
            lst.append(lst[0] * 2.0)
        elif write == "list_set":
            lst[0] = lst[0] + 1.0
        else:
            opts.pop("scale")
        return d["x"] + lst[0]

    x = _a([1.0, 2.0])
    d, lst, opts = {"x": x}, [x], {"scale": x}
    with pytest.raises(TracerError, match="changed the (dict|list) it received as"):
        ad.jit(f, check=check)(d, lst, opts=opts)
    assert list(d) == ["x"] and len(lst) == 1 and list(opts) == ["scale"]


def test_container_arguments_read_or_written_through_in_place(backend):
    @ad.jit
    def f(d, lst):
        d["x"] += 1.0  # in place on the Tensor: the dict still holds the same object
        return d["x"] * lst[0]

    x, y = _a([1.0, 2.0]), _a([3.0, 4.0])
    np.testing.assert_allclose(to_numpy(f({"x": x}, [y])), [6.0, 12.0])
    np.testing.assert_allclose(to_numpy(f({"x": x}, [y])), [9.0, 16.0])


@pytest.mark.parametrize("spacing", [[0.0, 1.0, 3.0, 4.0], 2.0])
def test_gradient_with_a_traced_spacing_raises(backend, spacing):
    f = ad.jit(lambda y, h: gnp.gradient(y, h), check=False)
    with pytest.raises(TracerError, match="gradient"):
        f(_a([1.0, 4.0, 9.0, 16.0]), _a(spacing))


def test_gradient_with_python_spacing_compiles(backend):
    f = ad.jit(lambda y: gnp.gradient(y, [0.0, 1.0, 3.0, 4.0]), check=False)
    y = _a([1.0, 4.0, 9.0, 16.0])
    f(y)
    np.testing.assert_allclose(to_numpy(f(y * 2.0)),
                               np.gradient(np.array([2.0, 8.0, 18.0, 32.0]),
                                           [0.0, 1.0, 3.0, 4.0]))


def test_pinv_cut_off_and_rank_are_each_calls(backend):
    a1, a2 = _a(np.diag([1.0, 0.01])), _a(np.diag([10.0, 0.1]))  # atol cuts 0.01, not 0.1
    got, ref = _replays(lambda a: sla.pinv(a, atol=0.05), (a1,), (a2,))
    np.testing.assert_allclose(got, ref)
    np.testing.assert_allclose(got, np.diag([0.1, 10.0]))
    j = ad.jit(lambda a: sla.pinv(a, atol=0.05, return_rank=True)[1], check=False)
    assert int(to_numpy(j(a1))) == 1
    assert int(to_numpy(j(a2))) == 2


def test_vmapped_pinv_with_atol_raises(backend):
    b = _a(np.stack([np.diag([1.0, 0.01])] * 2))
    f = ad.jit(lambda b: ad.vmap(lambda a: sla.pinv(a, atol=0.05))(b), check=False)
    with pytest.raises(TracerError, match="pinv"):
        f(b)


def test_singular_multivariate_normal_raises(backend):
    f = ad.jit(lambda x, c: mvn.logpdf(x, np.zeros(2), c, allow_singular=True), check=False)
    with pytest.raises(TracerError, match="cov.s eigenvalues"):
        f(_a([0.3, -0.2]), _a([[1.0, 0.0], [0.0, 0.0]]))


def test_linspace_zero_step_branch_is_each_calls(backend):
    # float32 steps of a tiny span underflow to zero: NumPy then scales before multiplying
    f = lambda a, b: gnp.linspace(a, b, 4, endpoint=False)  # noqa: E731
    z = _a(0.0, np.float32)
    tiny = _a(np.float32(1.4e-45))
    got, ref = _replays(f, (z, _a(1.0, np.float32)), (z, tiny))
    if not flushes_float32_subnormals(backend):  # (a GPU's kernels read 1.4e-45 as 0)
        np.testing.assert_array_equal(got, np.linspace(np.float32(0), np.float32(1.4e-45), 4,
                                                       endpoint=False))
    np.testing.assert_array_equal(got, ref)


def test_vmapped_geomspace_checks_each_call(backend):
    # (graph=False: on a CUDA graph a failed check raises at the next call, test_jit_graph)
    f = ad.jit(lambda a, b: ad.vmap(lambda s, t: gnp.geomspace(s, t, 3))(a, b), check=False,
               graph=False)
    f(_a([1.0, 2.0]), _a([4.0, 8.0]))
    with pytest.raises(ValueError, match="cannot include zero"):
        f(_a([0.0, 2.0]), _a([4.0, 8.0]))
    with pytest.raises(ValueError, match="same sign"):
        f(_a([-1.0, 2.0]), _a([4.0, 8.0]))


def test_derivative_branch_on_values_is_checked(backend):
    # eigh's adjoint skips the eigenvector part where its cotangent is zero (a[0, 0] == 0 here)
    def h(a):
        return gnp.sum(gnp.linalg.eigh(a)[1][:, 0] ** 3 * a[0, 0])

    j = ad.jit(ad.grad(h), check=False)
    j(_a([[0.0, 0.0], [0.0, 2.0]]))
    other = _a([[1.0, 0.3], [0.3, 2.0]])  # the other branch: traced again (test_jit_guards)
    np.testing.assert_allclose(to_numpy(j(other)), to_numpy(ad.grad(h)(other)), rtol=1e-12)
    assert j.cache_info()["branch_retraces"] == 1


@pytest.mark.parametrize("name", ["allclose", "array_equal"])
def test_library_truth_values_of_traced_arrays_raise(backend, name):
    f = ad.jit(lambda a, b: getattr(gnp, name)(a, b), check=False)
    with pytest.raises(TracerError, match=name):
        f(_a([1.0, 2.0]), _a([1.0, 2.0]))


def test_repeat_with_traced_counts_raises(backend):
    f = ad.jit(lambda x, r: gnp.repeat(x, r), check=False)
    with pytest.raises(TracerError, match="repeat"):
        f(_a([0.0, 1.0, 2.0]), _a([1, 2, 1]))


@pytest.mark.parametrize("name", ["mean", "var", "std"])
def test_where_count_is_each_calls(backend, name):
    # the number of selected entries follows the values (a NumPy scalar count was frozen)
    f = lambda a: getattr(gnp, name)(a, where=a > 0)  # noqa: E731
    got, ref = _replays(f, (_a([1.0, 2.0, -1.0, 3.0]),), (_a([1.0, -2.0, -1.0, 3.0]),))
    np.testing.assert_allclose(got, ref)
    np.testing.assert_allclose(got, getattr(np, name)(np.array([1.0, 3.0])))
