"""PyTorch's scatter/gather tests (``test/test_scatter_gather.py``), its segment reduction
tests (``test/test_segment_reductions.py``) and the ``index_*`` method tests of
``test/test_torch.py`` run on gpuad's torch-style Tensor methods and compared with torch on the
same inputs: values, dtypes and shapes (float64, float32, complex128, integer and bool dtypes
where torch takes them), errors, and gradients of the first and second order (against torch's
and against float64 central differences, ``gpuad.testing.check_grads``).

The inputs aim at the places where a gradient is easily wrong without a sign: repeated
indices, ties in ``amax``/``amin``, ``include_self=False``, zeros in ``prod``, NaN and inf, empty
indices, negative dims, 0-d tensors, transposed and strided sources and indices, in-place
forms on views of tensors that require grad (version counters), and indices out of range,
which must raise.

Where gpuad gives another value than torch on purpose, the case is in ``DIFFERENCES`` with its
reason and gpuad's value is checked against a reference built otherwise (torch on an equivalent
program, a NumPy computation, or central differences). Where torch refuses a call and gpuad
computes a defined value, the case is in ``GPUAD_COMPUTES`` and its value checked; everything
torch refuses otherwise must raise in gpuad too (``TORCH_ERRORS``). ``torch.segment_reduce``
has no gpuad counterpart: its tests run on ``gpuad.ops.segment_*`` (JAX's segment functions).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import ops
from gpuad.autograd import grad as ggrad
from gpuad.testing import check_grads

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.filterwarnings("ignore:index_reduce.. is in beta"),
              pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter"),
              pytest.mark.filterwarnings("ignore:masked_scatter_ received a mask")]

REDUCES = ("sum", "prod", "mean", "amax", "amin")

# What gpuad does otherwise than torch, on purpose; each is checked below against a reference.
DIFFERENCES = {
    "repeated targets of a plain write": (
        "scatter, index_copy, index_put and put without accumulate keep the last value written "
        "to a repeated target and give the gradient to it alone, the derivative of that value "
        "(central differences agree); torch leaves the order open and gives every duplicate "
        "the gradient, which no order of writes has"),
    "excluded self equal to an extreme": (
        "scatter_reduce/index_reduce amax/amin with include_self=False: torch counts the "
        "excluded self among the ties when it happens to equal the result (its gradients then "
        "sum to less than one); gpuad splits among the elements that take part only, which is "
        "torch's own value for a self that cannot tie (filled with -inf/+inf first)"),
    "prod through NaN or inf": (
        "scatter_reduce/index_reduce prod: gpuad's gradient of a factor is the product of the "
        "others (the product rule), finite where that product is; torch divides the result by "
        "the factor and gives NaN for every factor of a target whose product is NaN or inf"),
    "derivatives torch does not define": (
        "scatter(reduce='add'/'multiply') has no derivative in torch, prod's second "
        "derivative with several zeros at one target raises there, and scatter_reduce/"
        "index_reduce prod have no forward-mode rule (a dual tensor gets no tangent, "
        "torch.func.jvp returns zeros); gpuad's are checked against central differences"),
}

# torch refuses these; gpuad computes the value of the natural reading (checked below).
GPUAD_COMPUTES = {
    "index_reduce of a 0-d tensor with a one-entry 1-d source": "the 0-d source's value",
    "take_along_dim(dim=None) with an index in [-n, 0)": "counted from the end, as with a dim",
    "an int32 index in index_copy and index_fill": "the same as an int64 index (torch's "
                                                   "index_add and index_select take it too)",
    "an in-place write whose source is the tensor itself (x.index_add_(0, i, x))": (
        "the source read before the write, the out-of-place result written back"),
}

# torch computes these; gpuad refuses with an error that says what to write.
GPUAD_REFUSES = {
    "scatter_reduce(reduce='max'/'min')": "undocumented aliases in torch; gpuad takes the "
                                          "documented 'amax'/'amin' only",
    "take_along_dim with an index out of range": "torch's CPU kernel reads past the dim "
                                                 "without a check",
    "index_add of an integer tensor with a float alpha": "torch truncates alpha (1.5 adds "
                                                         "the source once); torch's add refuses",
}


def _xp():
    return ad.get_backend().xp


def _tt(a, grad=False):
    return torch.tensor(np.asarray(a), requires_grad=grad)


def _gt(a, grad=False):
    return ad.tensor(_xp().asarray(np.asarray(a)), requires_grad=grad)


def _np(a):
    if a is None:
        return None
    if isinstance(a, torch.Tensor):
        return a.detach().numpy()
    return to_numpy(a)


def _same(got, want, what, tol=1e-12):
    g, w = _np(got), _np(want)
    assert g.shape == w.shape, f"{what}: shape {g.shape}, torch {w.shape}"
    assert g.dtype == w.dtype, f"{what}: dtype {g.dtype}, torch {w.dtype}"
    if w.dtype.kind in "fc":
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(g, w, err_msg=what)


def _tol(dt):
    return 1e-5 if np.dtype(dt) in (np.float32, np.complex64) else 1e-12


def _grads(out, leaves, w, lib, create_graph):
    if lib == "torch":
        return torch.autograd.grad(out, leaves, _tt(w), create_graph=create_graph,
                                   allow_unused=True)
    return ggrad(out, leaves, _gt(w), create_graph=create_graph, allow_unused=True)


def _second(grads, leaves, vs, lib):
    """The gradient of ``sum(grad_i * v_i)``: second derivatives along ``vs``."""
    terms = [(g * (_tt(v) if lib == "torch" else _gt(v))).sum()
             for g, v in zip(grads, vs, strict=True) if g is not None and g.requires_grad]
    if not terms:
        return [None] * len(leaves)
    s = terms[0]
    for t in terms[1:]:
        s = s + t
    if lib == "torch":
        return torch.autograd.grad(s, leaves, allow_unused=True)
    return ggrad(s, leaves, allow_unused=True)


def _zeros_if_none(g, like):
    return np.zeros(np.shape(like)) if g is None else _np(g)


def compare(name, fn, floats, ints=(), *, order=2, fd=True, ref=None, seed=0):
    """``fn(*tensors, *indices)`` in torch and gpuad on the same inputs: the values, dtypes and
    shapes; the gradients of every float input (and the second derivatives, where torch
    defines them); central differences of gpuad's up to ``order``. ``ref``, a torch function
    of the same inputs, gives the gradients gpuad must have where it differs from ``fn`` in
    torch on purpose (``DIFFERENCES``)."""
    rng = np.random.default_rng(seed)
    floats = [np.asarray(a) for a in floats]
    tl = [_tt(a, True) for a in floats]
    gl = [_gt(a, True) for a in floats]
    ti = [_tt(i) for i in ints]
    gi = [_gt(i) for i in ints]
    tout = fn(*tl, *ti)
    gout = fn(*gl, *gi)
    tol = _tol(_np(tout).dtype)
    _same(gout, tout, f"{name}: value", tol)
    if not floats or _np(tout).dtype.kind not in "fc" or not _np(tout).size:
        return
    w = rng.standard_normal(tuple(tout.shape))
    if _np(tout).dtype.kind == "c":
        w = w + 1j * rng.standard_normal(w.shape)
    if ref is not None:
        tl2 = [_tt(a, True) for a in floats]
        rout = ref(*tl2, *ti)
        _same(gout, rout, f"{name}: value of the reference", tol)
        tl, tout = tl2, rout
    second = order > 1 and _np(tout).dtype.kind == "f"
    tg = _grads(tout, tl, w, "torch", second)
    gg = _grads(gout, gl, w, "gpuad", second)
    for k, (a, b) in enumerate(zip(tg, gg, strict=True)):
        _same(_zeros_if_none(b, floats[k]).astype(floats[k].dtype),
              _zeros_if_none(a, floats[k]).astype(floats[k].dtype), f"{name}: gradient {k}", tol)
    if second:
        vs = [rng.standard_normal(a.shape) for a in floats]
        try:
            t2 = _second(tg, tl, vs, "torch")
        except RuntimeError as e:  # prod with several zeros at a target: torch refuses
            assert "Double backward is unsupported" in str(e), e
            t2 = None
        g2 = _second(gg, gl, vs, "gpuad")
        if t2 is not None:
            for k, (a, b) in enumerate(zip(t2, g2, strict=True)):
                _same(_zeros_if_none(b, floats[k]), _zeros_if_none(a, floats[k]),
                      f"{name}: second derivative {k}", 1e-9)
    if fd and all(a.dtype == np.float64 for a in floats):
        def f(*xs):
            return fn(*[x if isinstance(x, ad.Tensor) else _gt(x) for x in xs], *gi)

        check_grads(f, floats, order=order)


# ---- test_scatter_gather.py: _test_scatter_base and the gather tests ------------------------
def _fill_indices(rng, idx_shape, dim, dim_size, unique):
    """An index of ``idx_shape`` along ``dim`` whose rows are distinct (``unique``) or drawn
    with repeats, each entry in ``[0, dim_size)`` (torch's ``_fill_indices``)."""
    idx = np.empty(idx_shape, np.int64)
    moved = np.moveaxis(idx, dim, -1)
    for pos in np.ndindex(moved.shape[:-1]):
        k = moved.shape[-1]
        moved[pos] = (rng.permutation(dim_size)[:k] if unique
                      else rng.integers(0, dim_size, k))
    return idx


def _make(rng, shape, dt):
    dt = np.dtype(dt)
    if dt.kind == "b":
        return rng.random(shape) > 0.5
    if dt.kind in "iu":
        return rng.integers(-3 if dt.kind == "i" else 0, 6, shape).astype(dt)
    a = rng.uniform(-5, 5, shape)
    if dt.kind == "c":
        a = a + 1j * rng.uniform(-5, 5, shape)
    return a.astype(dt)


def _scatter_base(rng, method, dt, *, is_scalar=False, reduction=None, unique=True,
                  include_self=True):
    m, n, o = rng.integers(3, 6, 3)
    elems = int(rng.integers(1, 4))
    dim = int(rng.integers(0, 3))
    idx_size = [m, n, o]
    idx_size[dim] = elems
    idx = _fill_indices(rng, tuple(idx_size), dim, [m, n, o][dim], unique)
    src = (float(rng.random()) if is_scalar
           else _make(rng, tuple(s + int(rng.integers(1, 3)) for s in idx_size), dt))
    base = _make(rng, (m, n, o), dt)

    def call(b, s, i):
        kw = {} if reduction is None else {"reduce": reduction}
        if method == "scatter_reduce_":
            kw["include_self"] = include_self
        return getattr(b.clone(), method)(dim, i, s, **kw)

    ts = src if is_scalar else _tt(src)
    gs = src if is_scalar else _gt(src)
    want = call(_tt(base), ts, _tt(idx))
    got = call(_gt(base), gs, _gt(idx))
    _same(got, want, f"{method} {reduction} {dt} include_self={include_self}", _tol(dt))
    # an empty index writes nothing, whatever the shapes
    dst, s2 = _make(rng, (2, 2), dt), _make(rng, (2, 2), dt)
    e = np.zeros(0, np.int64)
    kw = {} if reduction is None else {"reduce": reduction}
    _same(getattr(_gt(dst).clone(), method)(0, _gt(e), _gt(s2), **kw), dst, f"{method}: empty")


def test_scatter_base_values(backend):
    rng = np.random.default_rng(0)
    for dt in (np.float32, np.float64, np.complex128):
        for _ in range(2):
            _scatter_base(rng, "scatter_", dt)
            _scatter_base(rng, "scatter_", dt, is_scalar=True)
            _scatter_base(rng, "scatter_add_", dt)
            for red in ("add", "multiply"):
                _scatter_base(rng, "scatter_", dt, reduction=red, unique=False)
                _scatter_base(rng, "scatter_", dt, is_scalar=True, reduction=red)
    dtypes = {"sum": (np.float32, np.float64, np.int64, np.int32, np.int16, np.uint8,
                      np.complex128),
              "prod": (np.float32, np.float64, np.int64, np.int32, np.bool_, np.complex128),
              "mean": (np.float32, np.float64, np.int64, np.int32, np.int8, np.complex128),
              "amax": (np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_),
              "amin": (np.float32, np.float64, np.int64, np.int16, np.bool_)}
    for red, dts in dtypes.items():
        for dt in dts:
            for inc in (True, False):
                _scatter_base(rng, "scatter_reduce_", dt, reduction=red, unique=False,
                              include_self=inc)


@pytest.mark.parametrize("red", ["amax", "amin"])
def test_scatter_reduce_nan_inf_propagation(backend, red):
    # test_scatter_reduce_amax/amin's NaN and inf cases, with their gradients (NaN where the
    # result is NaN, as torch's)
    big = np.inf if red == "amax" else -np.inf
    src = np.array([1, np.nan, -big, -big, 2 if red == "amax" else -2, big])
    for inc in (True, False):
        compare(f"{red} NaN/inf include_self={inc}",
                lambda x, s, i, inc=inc: x.scatter_reduce(0, i, s, red, include_self=inc),
                [np.zeros(3), src], [np.array([0, 0, 1, 1, 2, 2])], order=1, fd=False)


def test_gathers(backend):
    rng = np.random.default_rng(1)
    for dt in (np.float32, np.float64, np.complex128, np.int64):
        m, n, o = rng.integers(3, 7, 3)
        for dim in (0, 1, 2, -1, -3):
            shape = [m, n, o]
            shape[dim] = int(rng.integers(1, [m, n, o][dim] + 1))
            idx = _fill_indices(rng, tuple(shape), dim % 3, [m, n, o][dim], True)
            src = _make(rng, (m, n, o), dt)
            _same(_gt(src).gather(dim, _gt(idx)), _tt(src).gather(dim, _tt(idx)),
                  f"gather {dt} dim={dim}")
    # test_gather_bool, and gather of torch.max's indices
    b = np.array([[False, True], [True, True]])
    _same(_gt(b).gather(1, _gt(np.array([[0, 0], [1, 0]]))),
          _tt(b).gather(1, _tt(np.array([[0, 0], [1, 0]]))), "gather bool")
    x = rng.standard_normal((3, 4, 5))
    v, i = _gt(x).max(dim=2, keepdim=True)
    _same(_gt(x).gather(2, i), v, "gather of max's indices")
    # test_gather_backward_with_empty_index_tensor (sparse_grad: a dense gradient in gpuad)
    for shape in ((3, 0), (0,)):
        compare(f"gather empty index {shape}", lambda a, i: a.gather(-1, i),
                [rng.standard_normal((10, 5))], [np.zeros(shape, np.int64)])
    g = _gt(rng.standard_normal((10, 5)), True)
    g.gather(-1, _gt(np.zeros((3, 0), np.int64)), sparse_grad=True).sum().backward()
    np.testing.assert_array_equal(to_numpy(g.grad), np.zeros((10, 5)))
    i = rng.integers(0, 5, (10, 2))
    t = _tt(to_numpy(g), True)
    t.gather(1, _tt(i), sparse_grad=True).sum().backward()
    g.grad = None
    g.gather(1, _gt(i), sparse_grad=True).sum().backward()
    _same(g.grad, t.grad.to_dense(), "gather sparse_grad")
    # test_gather_large's checks, small: strided and offset sources, an expanded index,
    # against indexing with the index vector (also counted from the end)
    src = rng.standard_normal((7, 9))
    strided = _gt(np.repeat(src, 2, axis=1))[:, ::2]
    for dim in (0, 1):
        ind0 = rng.integers(0, src.shape[dim], 5)
        shp = [1, 1]
        shp[dim] = 5
        out = list(src.shape)
        out[dim] = 5
        ind = _gt(ind0).reshape(shp)
        ind = gnp.broadcast_to(ind, tuple(out))
        want = src[ind0] if dim == 0 else src[:, ind0]
        for s in (_gt(src), strided):
            _same(s.gather(dim, ind), want, f"gather expanded index dim={dim}")
        neg = ind0 - src.shape[dim]
        _same(_gt(src)[_gt(neg)] if dim == 0 else _gt(src)[:, _gt(neg)], want, "negative")
    # test_gather_expanded_index / test_scatter_expanded_index: a broadcast (stride 0) index
    # gives what its contiguous copy gives, for every reduce
    for size in ([12, 5], [12, 1], [12, 3, 4]):
        inp = rng.standard_normal(size)
        i1 = rng.integers(0, size[0], (20,) + (1,) * (len(size) - 1))
        i1[(i1 > 1) & (i1 < 4)] = 0
        exp_shape = (20, *size[1:])
        ie = gnp.broadcast_to(_gt(i1), exp_shape)
        ic = np.broadcast_to(i1, exp_shape).copy()
        s = rng.standard_normal(exp_shape)
        _same(_gt(inp).scatter_add(0, ie, _gt(s)), _tt(inp).scatter_add(0, _tt(ic), _tt(s)),
              "scatter_add expanded index")
        for red in REDUCES:
            for inc in (True, False):
                _same(_gt(inp).scatter_reduce(0, ie, _gt(s), red, include_self=inc),
                      _tt(inp).scatter_reduce(0, _tt(ic), _tt(s), red, include_self=inc),
                      f"scatter_reduce {red} expanded index")
        _same(_gt(inp).gather(0, ie[: size[0]]), _tt(inp).gather(0, _tt(ic[: size[0]])),
              "gather expanded index")
    # test_scatter_add_mult_index_base: every entry to one target
    z = np.zeros((6, 8))
    _same(_gt(z).scatter_add(0, _gt(np.zeros((6, 8), np.int64)), _gt(np.ones((6, 8))))[0],
          np.full(8, 6.0), "scatter_add one target")


# ---- gradients ------------------------------------------------------------------------------
def _tie_case(seed):
    """Integer-valued data: ties among the values scattered to one target, zeros (prod),
    repeated targets, and a self that can equal a result."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, (3, 4, 5)).astype(float)
    src = rng.integers(-2, 3, (3, 6, 5)).astype(float)
    idx = rng.integers(0, 4, (3, 6, 5))
    return x, src, idx


def _excluded_self_ref(red, d):
    """torch's scatter_reduce of a self that takes no part at the targets (filled with
    -inf/+inf there): the derivative gpuad gives with include_self=False."""
    fill = -np.inf if red == "amax" else np.inf

    def ref(x, s, i):
        return x.scatter(d, i, fill).scatter_reduce(d, i, s, red, include_self=True)

    return ref


@pytest.mark.parametrize("red", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_gradients(backend, red, include_self):
    x, src, idx = _tie_case(0)
    ref = _excluded_self_ref(red, 1) if red in ("amax", "amin") and not include_self else None
    ties = red in ("amax", "amin")
    # dims 1 and -2, and the same through transposed views of self, src and index
    for d in (1, -2):
        compare(f"scatter_reduce {red} dim={d}",
                lambda a, s, i, d=d: a.scatter_reduce(d, i, s, red, include_self=include_self),
                [x, src], [idx], ref=ref, fd=False)
    compare(f"scatter_reduce {red} transposed views",
            lambda a, s, i: a.swapaxes(0, 1).scatter_reduce(
                0, i.swapaxes(0, 1), s.swapaxes(0, 1), red, include_self=include_self),
            [x, src], [idx], fd=False,
            ref=None if ref is None else lambda a, s, i: _excluded_self_ref(red, 0)(
                a.swapaxes(0, 1), s.swapaxes(0, 1), i.swapaxes(0, 1)))
    # continuous values: central differences (no ties; prod to the second order)
    rng = np.random.default_rng(1)
    xc, sc = rng.standard_normal((2, 3)), rng.standard_normal((3, 3))
    ic = rng.integers(0, 2, (3, 3))
    compare(f"scatter_reduce {red} continuous",
            lambda a, s, i: a.scatter_reduce(0, i, s, red, include_self=include_self),
            [xc, sc], [ic], order=2 if red in ("prod", "mean") else 1, fd=True)
    # float32, a 0-d tensor (with a 0-d and a 1-d index), negative dims
    compare(f"scatter_reduce {red} float32",
            lambda a, s, i: a.scatter_reduce(-1, i, s, red, include_self=include_self),
            [x.astype(np.float32), src[:, :4].astype(np.float32)], [idx[:, :4]], fd=False,
            ref=None if ref is None else _excluded_self_ref(red, -1), order=1)
    for s0, i0 in ((np.array(1.5), np.array(0)), (np.array([1.5, -2.0]), np.array([0, 0]))):
        compare(f"scatter_reduce {red} 0-d self",
                lambda a, s, i: a.scatter_reduce(0, i, s, red, include_self=include_self),
                [np.array(0.5), s0], [i0], fd=not ties, order=1)


def test_scatter_reduce_excluded_self_equal_to_the_result(backend):
    # DIFFERENCES["excluded self equal to an extreme"]: out[0] = max(src[0], src[1]) = src[0],
    # a unique maximum, while the excluded self[0] equals it by chance
    for red, sign in (("amax", 1), ("amin", -1)):
        s, v = sign * np.array([3.0, 5.0]), sign * np.array([3.0, 1.0])
        g = ad.grad(lambda x, y, red=red: gnp.sum(x.scatter_reduce(
            0, _gt(np.array([0, 0])), y, red, include_self=False)), argnums=(0, 1))(
            _gt(s), _gt(v))
        np.testing.assert_array_equal(to_numpy(g[1]), [1.0, 0.0])
        np.testing.assert_array_equal(to_numpy(g[0]), [0.0, 1.0])
        ts, tv = _tt(s, True), _tt(v, True)
        ts.scatter_reduce(0, _tt(np.array([0, 0])), tv, red, include_self=False).sum().backward()
        assert tv.grad[0] == 0.5  # torch's, counting the excluded self


def test_prod_through_nan_and_inf(backend):
    # DIFFERENCES["prod through NaN or inf"]: each factor's gradient is the product of the
    # others (computed here with NumPy), where torch gives NaN
    x = np.array([0.0, 2.0, 3.0])
    src = np.array([1.0, np.nan, -np.inf, -np.inf, 2.0, np.inf])
    idx = np.array([0, 0, 1, 1, 2, 2])
    for inc in (True, False):
        gs = _gt(src, True)
        out = _gt(x).scatter_reduce(0, _gt(idx), gs, "prod", include_self=inc)
        out.sum().backward()
        want = []
        with np.errstate(invalid="ignore"):
            for j in range(len(src)):
                others = [src[k] for k in range(len(src)) if idx[k] == idx[j] and k != j]
                want.append(np.prod(others + ([x[idx[j]]] if inc else [])))
        np.testing.assert_array_equal(to_numpy(gs.grad), want)


def test_scatter_and_index_writes_gradients(backend):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4, 5))
    src = rng.standard_normal((3, 6, 5))
    for d in (0, 1, 2, -1):
        shape = [3, 4, 5]
        shape[d] = 2
        uniq = _fill_indices(rng, tuple(shape), d % 3, x.shape[d], True)
        s = src[tuple(slice(0, n) for n in shape)]
        compare(f"gather dim={d}", lambda a, i, d=d: a.gather(d, i), [x], [uniq])
        compare(f"scatter dim={d}", lambda a, b, i, d=d: a.scatter(d, i, b), [x, s], [uniq])
        compare(f"scatter value dim={d}", lambda a, i, d=d: a.scatter(d, i, -1.5), [x], [uniq])
        compare(f"scatter_ dim={d}", lambda a, b, i, d=d: (a * 1).scatter_(d, i, b), [x, s],
                [uniq])
    rep = rng.integers(0, 4, (3, 6, 5))
    compare("gather repeats", lambda a, i: a.gather(1, i), [x], [rep])
    compare("scatter_add repeats", lambda a, b, i: a.scatter_add(1, i, b), [x, src], [rep])
    compare("scatter_add_ repeats", lambda a, b, i: (a * 1).scatter_add_(1, i, b), [x, src],
            [rep])
    sq = rng.standard_normal((5, 5))
    compare("scatter_add transposed src and index",
            lambda a, b, i: a.scatter_add(0, i.swapaxes(0, 1), b.swapaxes(0, 1)),
            [sq, rng.standard_normal((5, 5))], [rng.integers(0, 5, (5, 5))])
    compare("gather transposed index", lambda a, i: a.gather(0, i.swapaxes(0, 1)), [sq],
            [rng.integers(0, 5, (5, 5))])
    compare("gather smaller index", lambda a, i: a.gather(1, i), [x],
            [rng.integers(0, 4, (2, 6, 3))])
    for shapes in (((), (), ()), ((), (1,), (1,))):
        compare(f"scatter_add 0-d {shapes}", lambda a, b, i: a.scatter_add(0, i, b),
                [np.full(shapes[0], 1.0), np.full(shapes[1], 2.0)], [np.zeros(shapes[2], int)])
        compare(f"gather 0-d {shapes}", lambda a, i: a.gather(0, i), [np.full(shapes[0], 2.5)],
                [np.zeros(shapes[2], int)])
    compare("scatter_add 0-d repeats", lambda a, b, i: a.scatter_add(0, i, b),
            [np.array(1.0), np.array([2.0, 3.0])], [np.array([0, 0])])
    # DIFFERENCES["derivatives torch does not define"]: scatter with reduce=, by differences
    z = x.copy()
    z[0, 1, 2] = 0.0
    for red in ("add", "multiply"):
        f = (lambda red: lambda a, b: a.scatter(1, _gt(rep), b, reduce=red))(red)
        check_grads(lambda a, b, f=f: f(_gt(a) if not isinstance(a, ad.Tensor) else a, b),
                    (z, src), order=2)
        _same(f(_gt(z), _gt(src)), _tt(z).scatter(1, _tt(rep), _tt(src), reduce=red),
              f"scatter reduce={red}")


@pytest.mark.parametrize("d", [0, 1, -1, -2])
def test_index_method_gradients(backend, d):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5, 3))
    ii = np.array([0, 3, 3, 1, 0, 3]) % x.shape[d]
    sshape = list(x.shape)
    sshape[d] = len(ii)
    s = rng.standard_normal(sshape)
    compare("index_add", lambda a, b, i: a.index_add(d, i, b), [x, s], [ii])
    compare("index_add alpha", lambda a, b, i: a.index_add(d, i, b, alpha=-2.5), [x, s], [ii])
    compare("index_add_", lambda a, b, i: (a * 1).index_add_(d, i, b), [x, s], [ii])
    compare("index_select", lambda a, i: a.index_select(d, i), [x], [ii])
    compare("index_fill", lambda a, i: a.index_fill(d, i, -1.5), [x], [ii])
    compare("index_fill tensor value", lambda a, v, i: a.index_fill(d, i, v), [x, np.array(2.0)],
            [ii])
    compare("index_fill negative", lambda a, i: a.index_fill(d, i, 0.0), [x], [ii - x.shape[d]])
    uniq = np.array([2, 0])
    su = s[tuple(slice(0, 2) if k == d % 3 else slice(None) for k in range(3))]
    compare("index_copy", lambda a, b, i: a.index_copy(d, i, b), [x, su], [uniq])
    compare("index_copy_", lambda a, b, i: (a * 1).index_copy_(d, i, b), [x, su], [uniq])
    xi = rng.integers(-2, 3, x.shape) + 0.5
    si = rng.integers(-2, 3, sshape).astype(float)
    for red in ("prod", "mean", "amax", "amin"):
        for inc in (True, False):
            ref = None
            if red in ("amax", "amin") and not inc:
                fill = -np.inf if red == "amax" else np.inf
                ref = (lambda fill, red: lambda a, b, i: a.index_fill(d, i, fill).index_reduce(
                    d, i, b, red, include_self=True))(fill, red)
            compare(f"index_reduce {red} include_self={inc}",
                    lambda a, b, i, red=red, inc=inc: a.index_reduce(d, i, b, red,
                                                                      include_self=inc),
                    [xi, si], [ii], fd=False, ref=ref)
            compare(f"index_reduce {red} include_self={inc} continuous",
                    lambda a, b, i, red=red, inc=inc: a.index_reduce(d, i, b, red,
                                                                      include_self=inc),
                    [x, s], [ii], fd=True, order=2 if red in ("prod", "mean") else 1)


def test_index_methods_on_0d_and_empty(backend):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 5, 3))
    e = np.zeros(0, np.int64)
    compare("index_add 0-d", lambda a, b, i: a.index_add(0, i, b),
            [np.array(1.0), np.array(2.0)], [np.array([0])])
    compare("index_copy 0-d", lambda a, b, i: a.index_copy(0, i, b),
            [np.array(1.0), np.array(2.0)], [np.array(0)])
    compare("index_fill 0-d", lambda a, i: a.index_fill(-1, i, 2.0), [np.array(1.0)],
            [np.array([0])])
    compare("index_select 0-d", lambda a, i: a.index_select(0, i), [np.array(1.0)],
            [np.array([0])])
    for red in ("prod", "mean", "amax", "amin"):
        compare(f"index_reduce 0-d {red}", lambda a, b, i, red=red: a.index_reduce(0, i, b, red),
                [np.array(1.5), np.array(2.0)], [np.array(0)], fd=False)
        compare(f"index_reduce empty {red}", lambda a, b, i, red=red: a.index_reduce(0, i, b, red),
                [x, np.zeros((0, 5, 3))], [e])
    compare("index_add empty", lambda a, b, i: a.index_add(0, i, b), [x, np.zeros((0, 5, 3))], [e])
    compare("index_copy empty", lambda a, b, i: a.index_copy(0, i, b), [x, np.zeros((0, 5, 3))],
            [e])
    compare("index_select empty", lambda a, i: a.index_select(1, i), [x], [e])
    compare("index_fill empty", lambda a, i: a.index_fill(1, i, 2.0), [x], [e])
    compare("index_fill of a transposed view", lambda a, i: a.swapaxes(0, 2).index_fill(1, i, 0.),
            [x], [np.array([4, 1, 4])])
    compare("index_add of a transposed source",
            lambda a, b, i: a.index_add(1, i, b.swapaxes(0, 1)),
            [x, rng.standard_normal((3, 4, 3))], [np.array([4, 1, 4])])


def test_index_methods_integer_dtypes(backend):
    # test_index_add_all_dtypes / test_index_reduce / test_index_copy / test_index_fill:
    # integer tensors, int32 and int64 indices, non-contiguous (strided) tensors
    rng = np.random.default_rng(5)
    for dt in (np.int64, np.int32, np.int16, np.uint8, np.float32):
        big = _make(rng, (6, 8, 5), dt)
        dest = big[::2, ::2]  # (3, 4, 5), strided
        for idt in (np.int32, np.int64):
            for dim in range(3):
                n_src = int(rng.integers(0, 6))
                idx = rng.integers(0, dest.shape[dim], n_src).astype(idt)
                sshape = list(dest.shape)
                sshape[dim] = n_src
                src = _make(rng, tuple(sshape), dt)
                calls = {
                    "index_add": lambda a, b, i, dim=dim: a.index_add(dim, i, b, alpha=2),
                    "index_select": lambda a, b, i, dim=dim: a.index_select(dim, i),
                    "index_fill": lambda a, b, i, dim=dim: a.index_fill(dim, i.long(), 3)
                    if isinstance(i, torch.Tensor) else a.index_fill(dim, i, 3),
                }
                calls.update({f"index_reduce {r} {inc}": (
                    lambda a, b, i, r=r, inc=inc, dim=dim: a.index_reduce(
                        dim, i, b, r, include_self=inc))
                    for r in ("prod", "mean", "amax", "amin") for inc in (True, False)})
                tdest = _tt(big)[::2, ::2]
                gdest = _gt(big)[::2, ::2]
                for name, f in calls.items():
                    _same(f(gdest, _gt(src), _gt(idx)), f(tdest, _tt(src), _tt(idx)),
                          f"{name} {dt} dim={dim} index {idt}", _tol(dt))


# ---- masked_scatter, masked_fill, put, take, take_along_dim ---------------------------------
def test_masked_put_take_gradients(backend):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 4))
    m = rng.random((3, 4)) > 0.5
    compare("masked_scatter", lambda a, s, k: a.masked_scatter(k, s), [x, rng.standard_normal(
        (3, 5))], [m])
    compare("masked_scatter exact source", lambda a, s, k: a.masked_scatter(k, s),
            [x, rng.standard_normal(int(m.sum()))], [m])
    compare("masked_scatter broadcast mask", lambda a, s, k: a.masked_scatter(k, s),
            [x, rng.standard_normal(12)], [np.array([True, False, True, True])])
    compare("masked_scatter broadcast self", lambda a, s, k: a.masked_scatter(k, s),
            [rng.standard_normal(4), rng.standard_normal(12)], [m])
    compare("masked_scatter all false", lambda a, s, k: a.masked_scatter(k, s),
            [x, np.zeros(0)], [np.zeros((3, 4), bool)])
    compare("masked_scatter transposed source", lambda a, s, k: a.masked_scatter(
        k, s.swapaxes(0, 1)), [x, rng.standard_normal((4, 3))], [m])
    compare("masked_scatter_", lambda a, s, k: (a * 1).masked_scatter_(k, s),
            [x, rng.standard_normal((3, 5))], [m])
    compare("masked_scatter 0-d", lambda a, s, k: a.masked_scatter(k, s),
            [np.array(1.0), rng.standard_normal(3)], [np.array(True)])
    compare("masked_fill", lambda a, k: a.masked_fill(k, 2.0), [x], [m])
    compare("masked_fill 0-d tensor", lambda a, v, k: a.masked_fill(k, v), [x, np.array(3.)], [m])
    compare("masked_fill_ 0-d tensor", lambda a, v, k: (a * 1).masked_fill_(k, v),
            [x, np.array(3.0)], [m])
    compare("masked_fill broadcast", lambda a, v, k: a.masked_fill(k, v),
            [rng.standard_normal(4), np.array(3.0)], [m])
    compare("take", lambda a, i: a.take(i), [x], [np.array([[0, 11], [-1, 5]])])
    compare("take repeats", lambda a, i: a.take(i), [x], [np.array([3, 3, -9, 3])])
    compare("take 0-d", lambda a, i: a.take(i), [np.array(2.0)], [np.array(0)])
    compare("take empty", lambda a, i: a.take(i), [x], [np.zeros((2, 0), np.int64)])
    compare("take of a transposed view", lambda a, i: a.swapaxes(0, 1).take(i), [x],
            [np.array([1, 2, 5])])
    compare("put", lambda a, s, i: a.put(i, s), [x, rng.standard_normal(3)],
            [np.array([0, -1, 5])])
    compare("put accumulate repeats", lambda a, s, i: a.put(i, s, accumulate=True),
            [x, rng.standard_normal(4)], [np.array([0, -1, 11, 0])])
    compare("put_ accumulate", lambda a, s, i: (a * 1).put_(i, s, accumulate=True),
            [x, rng.standard_normal(4)], [np.array([0, -1, 11, 0])])
    compare("put 2-d index", lambda a, s, i: a.put(i, s, accumulate=True),
            [x, rng.standard_normal((2, 2))], [np.array([[0, 1], [1, 2]])])
    compare("put of a transposed view", lambda a, s, i: a.swapaxes(0, 1).put(i, s),
            [x, rng.standard_normal(2)], [np.array([1, 4])])
    compare("put empty", lambda a, s, i: a.put(i, s), [x, np.zeros(0)], [np.zeros(0, np.int64)])
    compare("take_along_dim", lambda a, i: a.take_along_dim(i, dim=-1), [x],
            [np.array([[0, -1], [1, 1], [3, -4]])])
    compare("take_along_dim broadcast", lambda a, i: a.take_along_dim(i, dim=1), [x],
            [np.array([[0, -1, 2, 2, 2]])])


def test_repeated_targets_of_plain_writes(backend):
    # DIFFERENCES["repeated targets of a plain write"]: the same values as torch, the gradient
    # to the last write only (central differences agree with it); with unique targets the
    # gradients are torch's (compared above)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 4))
    s = rng.standard_normal((3, 3))
    cases = {
        "scatter": (lambda a, b, i: a.scatter(1, i, b), np.array([[0, 2, 0]] * 3)),
        "index_copy": (lambda a, b, i: a.index_copy(1, i, b), np.array([0, 2, 0])),
        "put": (lambda a, b, i: a.put(i, b[0]), np.array([0, -1, 0])),
        "index_put": (lambda a, b, i: a[0].index_put((i,), b[0]), np.array([0, 2, 0])),
    }
    for name, (f, idx) in cases.items():
        want = f(_tt(x), _tt(s), _tt(idx))
        gx, gs = _gt(x, True), _gt(s, True)
        out = f(gx, gs, _gt(idx))
        _same(out, want, f"{name}: value")
        check_grads(lambda a, b, f=f, idx=idx: f(a if isinstance(a, ad.Tensor) else _gt(a), b,
                                                   _gt(idx)), (x, s), order=2)
        out.sum().backward()
        tx, ts = _tt(x, True), _tt(s, True)
        f(tx, ts, _tt(idx)).sum().backward()
        assert to_numpy(gs.grad).sum() < ts.grad.numpy().sum()  # torch's counts every duplicate


def test_forward_mode(backend):
    """``gpuad.jvp`` against ``torch.func.jvp`` on the tie data (prod: central differences,
    ``DIFFERENCES["derivatives torch does not define"]``)."""
    x, src, idx = _tie_case(1)
    rng = np.random.default_rng(10)
    ii = np.array([0, 3, 3, 1, 0, 3])
    cases = {f"scatter_reduce {r} {inc}": (
        lambda a, b, i, r=r, inc=inc: a.scatter_reduce(1, i, b, r, include_self=inc), idx)
        for r in REDUCES for inc in (True, False)}
    cases.update({
        "gather": (lambda a, b, i: a.gather(1, i[:, :4]), idx),
        "scatter_add": (lambda a, b, i: a.scatter_add(1, i, b), idx),
        "index_add": (lambda a, b, i: a.index_add(1, i, b), ii),
        "index_reduce amax": (lambda a, b, i: a.index_reduce(1, i, b, "amax"), ii),
        "index_reduce mean": (lambda a, b, i: a.index_reduce(1, i, b, "mean",
                                                             include_self=False), ii),
        "masked_scatter": (lambda a, b, i: a.masked_scatter(i, b), x > 0),
        "put": (lambda a, b, i: a.put(i, b[0, 0], accumulate=True), ii[:5]),
    })
    tx, ts = rng.standard_normal(x.shape), rng.standard_normal(src.shape)
    for name, (f, i) in cases.items():
        gi, ti = _gt(i), _tt(i)

        def gf(a, b, f=f, gi=gi):
            return f(*(v if isinstance(v, ad.Tensor) else _gt(v) for v in (a, b)), gi)

        out, tan = ad.jvp(gf, (x, src), (tx, ts))
        if "prod" in name or "index_reduce" in name:  # no forward mode in torch
            smooth = (rng.standard_normal(x.shape), rng.standard_normal(src.shape))
            check_grads(gf, smooth, order=1, modes=("fwd",))
            continue
        tf = f
        if "scatter_reduce am" in name and name.endswith("False"):
            tf = (lambda r: lambda a, b, i: _excluded_self_ref(r, 1)(a, b, i))(name.split()[1])
        tout, ttan = torch.func.jvp(lambda a, b, tf=tf, ti=ti: tf(a, b, ti), (_tt(x), _tt(src)),
                                    (_tt(tx), _tt(ts)))
        _same(out, tout, f"{name}: jvp value")
        _same(tan, ttan, f"{name}: jvp tangent")


# ---- in-place forms, views and version counters ---------------------------------------------
def _run_both(f):
    """``f(lib)`` on torch and gpuad: both raise, or both give the same arrays."""
    res = []
    for lib in ("torch", "gpuad"):
        try:
            res.append(("ok", f(lib)))
        except (RuntimeError, ad.GradError, ValueError, TypeError, IndexError) as e:
            res.append(("raises", e))
    return res


def _inplace_cases():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 4))
    s34, s24, s5, s3 = (rng.standard_normal(k) for k in ((3, 4), (2, 4), 5, 3))

    def T(lib, a, grad=False):
        return _tt(a, grad) if lib == "torch" else _gt(a, grad)

    def g(t):
        return np.zeros(()) if t.grad is None else _np(t.grad)

    def reduce_on_view(lib):
        a, s = T(lib, x, True), T(lib, np.arange(4.0).reshape(1, 4) + 0.5, True)
        b = a * 2
        b[1:].scatter_reduce_(0, T(lib, np.array([[0, 1, 1, 0]])), s, "amax",
                              include_self=False)
        (b * b).sum().backward()
        return g(a), g(s), _np(b)

    def index_add_transposed_view(lib):
        a, s = T(lib, x, True), T(lib, s24, True)
        b = a * 1
        b.swapaxes(0, 1).index_add_(1, T(lib, np.array([2, 2])), s.swapaxes(0, 1), alpha=3)
        (b ** 2).sum().backward()
        return g(a), g(s)

    def view_read_after_index_copy(lib):
        a, s = T(lib, x, True), T(lib, s24, True)
        b = a * 1
        r = b[0]
        b.index_copy_(0, T(lib, np.array([0, 2])), s)
        (r * 3).sum().backward()
        return g(a), g(s), _np(r)

    def index_put_then_index_reduce(lib):
        a, s = T(lib, x, True), T(lib, s24, True)
        b = a * 1
        b.index_put_((T(lib, np.array([0, 0])),), s, accumulate=True)
        b.index_reduce_(0, T(lib, np.array([1, 1])), s, "mean", include_self=False)
        (b ** 2).sum().backward()
        return g(a), g(s)

    def masked_scatter_strided_view(lib):
        a, s = T(lib, x, True), T(lib, s5, True)
        b = a * 1
        b[:, 1:3].masked_scatter_(T(lib, np.array([[True, False], [True, True], [False, True]])),
                                  s)
        (b ** 2).sum().backward()
        return g(a), g(s)

    def put_step_view(lib):
        a, s = T(lib, x, True), T(lib, s3, True)
        b = a * 1
        b[::2].put_(T(lib, np.array([0, 7, 0])), s, accumulate=True)
        (b ** 2).sum().backward()
        return g(a), g(s)

    def index_fill_step_view(lib):
        a = T(lib, x, True)
        b = a * 1
        b[:, ::2].index_fill_(1, T(lib, np.array([1])), 2.0)
        (b ** 2).sum().backward()
        return (g(a),)

    def leaf(method):
        def f(lib):
            a = T(lib, x, True)
            getattr(a, method)(0, T(lib, np.array([[0, 1, 2, 0]])), T(lib, np.ones((1, 4))))
        return f

    def view_of_leaf(lib):
        T(lib, x, True)[1:].scatter_reduce_(0, T(lib, np.array([[0, 1, 1, 0]])),
                                           T(lib, np.ones((1, 4))), "amax")

    def saved_output_written(lib):
        a = T(lib, x, True)
        b = a.exp()
        b.index_fill_(1, T(lib, np.array([0])), 0.0)
        b.sum().backward()

    def saved_input_written(lib):
        a = T(lib, x, True)
        b = a * 1
        c = b.sin()
        b.scatter_(1, T(lib, np.array([[0], [1], [2]])), 5.0)
        c.sum().backward()

    def saved_src_written(lib):
        a, s = T(lib, x, True), T(lib, s34, True)
        s2 = s * 1
        c = a.scatter_reduce(1, T(lib, np.zeros((3, 4), np.int64)), s2, "amax")
        s2.add_(1)
        c.sum().backward()

    def amax_then_put(lib):
        a = T(lib, x, True)
        b = a * 1
        c = b.amax(dim=1)
        b.put_(T(lib, np.array([0])), T(lib, np.array([9.0])))
        c.sum().backward()

    same = {"scatter_reduce_ on a view of a non-leaf": reduce_on_view,
            "index_add_ through a transposed view": index_add_transposed_view,
            "a view read after index_copy_ on its base": view_read_after_index_copy,
            "index_put_ then index_reduce_": index_put_then_index_reduce,
            "masked_scatter_ on a strided view": masked_scatter_strided_view,
            "put_ on a step view": put_step_view,
            "index_fill_ on a step view": index_fill_step_view}
    raise_ = {"index_add_ on a leaf": leaf("index_add_"),
              "scatter_add_ on a leaf": leaf("scatter_add_"),
              "scatter_reduce_ on a view of a leaf": view_of_leaf,
              "index_fill_ of a saved output (exp)": saved_output_written,
              "scatter_ of a saved input (sin)": saved_input_written,
              "add_ to a saved src (scatter_reduce amax)": saved_src_written,
              "put_ to a saved input (amax)": amax_then_put}
    return same, raise_


def test_in_place_forms_and_versions(backend):
    same, raise_ = _inplace_cases()
    for name, f in same.items():
        (ts, tr), (gs, gr) = _run_both(f)
        assert ts == gs == "ok", (name, tr, gr)
        for a, b in zip(tr, gr, strict=True):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12, err_msg=name)
    for name, f in raise_.items():
        (ts, tr), (gs, gr) = _run_both(f)
        assert ts == gs == "raises", (name, tr, gr)


def test_gradients_torch_refuses_after_a_write(backend):
    # torch saves more than its backward reads and refuses these; gpuad's gradient is the one
    # without the write (it saved nothing the write changed)
    rng = np.random.default_rng(9)
    x, s = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    zero = np.zeros((3, 4), np.int64)

    def run(lib, write):
        a = _tt(x, True) if lib == "torch" else _gt(x, True)
        sv = _tt(s, True) if lib == "torch" else _gt(s, True)
        b = a * 1
        c = b.gather(1, (_tt if lib == "torch" else _gt)(zero[:, :1])).sum() + b.scatter_reduce(
            1, (_tt if lib == "torch" else _gt)(zero), sv, "prod").sum()
        if write:
            b.mul_(2)
        c.backward()
        return _np(a.grad), _np(sv.grad)

    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        run("torch", True)
    for a, b in zip(run("torch", False), run("gpuad", True), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12)


# ---- errors ---------------------------------------------------------------------------------
def _i(lib, a):
    return _tt(np.asarray(a)) if lib == "torch" else _gt(np.asarray(a))


def _f(lib, a, dt=np.float64):
    return _i(lib, np.asarray(a, dt))


TORCH_ERRORS = {
    "gather: index out of range": lambda L: _f(L, np.zeros((3, 4))).gather(1, _i(L, [[4]])),
    "gather: negative index": lambda L: _f(L, np.zeros((3, 4))).gather(1, _i(L, [[-1]])),
    "gather: float index": lambda L: _f(L, np.zeros((3, 4))).gather(1, _f(L, [[0.0]])),
    "gather: index of other dims": lambda L: _f(L, np.zeros((3, 4))).gather(1, _i(L, [0])),
    "gather: index larger than self": lambda L: _f(L, np.zeros((3, 4))).gather(
        1, _i(L, np.zeros((4, 1), int))),
    "gather: dim out of range": lambda L: _f(L, np.zeros((3, 4))).gather(2, _i(L, [[0]])),
    "scatter: index out of range": lambda L: _f(L, np.zeros((3, 4))).scatter(
        1, _i(L, [[4]]), 1.0),
    "scatter_add: negative index": lambda L: _f(L, np.zeros((3, 4))).scatter_add(
        1, _i(L, [[-1]]), _f(L, [[1.0]])),
    "scatter_add: src smaller than index": lambda L: _f(L, np.zeros((3, 4))).scatter_add(
        1, _i(L, np.zeros((3, 3), int)), _f(L, np.ones((3, 2)))),
    "scatter_add: src of another dtype": lambda L: _f(L, np.zeros((3, 4))).scatter_add(
        1, _i(L, [[0]]), _f(L, [[1.0]], np.float32)),
    "scatter: float src into an int tensor": lambda L: _i(L, np.zeros((3, 4), int)).scatter(
        1, _i(L, [[0]]), _f(L, [[0.5]])),
    "scatter: reduce='mean'": lambda L: _f(L, np.zeros((3, 4))).scatter(
        1, _i(L, [[0]]), _f(L, [[1.0]]), reduce="mean"),
    "scatter_reduce: index out of range": lambda L: _f(L, np.zeros(3)).scatter_reduce(
        0, _i(L, [3]), _f(L, [1.0]), "amax"),
    "scatter_reduce: src of another dtype": lambda L: _f(L, np.zeros(3)).scatter_reduce(
        0, _i(L, [0]), _f(L, [1.0], np.float32), "sum"),
    "scatter_reduce: mean of booleans": lambda L: _i(L, np.zeros(3, bool)).scatter_reduce(
        0, _i(L, [0]), _i(L, np.ones(1, bool)), "mean"),
    "scatter_reduce: amax of complex values": lambda L: _f(L, np.zeros(3), complex)
    .scatter_reduce(0, _i(L, [0]), _f(L, [1.0], complex), "amax"),
    "index_add: index out of range": lambda L: _f(L, np.zeros((3, 2))).index_add(
        0, _i(L, [3]), _f(L, np.ones((1, 2)))),
    "index_add: negative index": lambda L: _f(L, np.zeros((3, 2))).index_add(
        0, _i(L, [-1]), _f(L, np.ones((1, 2)))),
    "index_add: source broadcast": lambda L: _f(L, np.zeros((3, 2))).index_add(
        0, _i(L, [0, 1]), _f(L, np.ones((1, 2)))),
    "index_add: source broadcast in another dim": lambda L: _f(L, np.zeros((3, 2))).index_add(
        0, _i(L, [0, 1]), _f(L, np.ones((2, 1)))),
    "index_add: source of lower rank": lambda L: _f(L, np.zeros((3, 2))).index_add(
        0, _i(L, [0]), _f(L, np.ones(2))),
    "index_add: 2-d index": lambda L: _f(L, np.zeros((3, 2))).index_add(
        0, _i(L, [[0, 1]]), _f(L, np.ones((2, 2)))),
    "index_add: float source into an int tensor": lambda L: _i(L, np.zeros((3, 2), int))
    .index_add(0, _i(L, [0]), _f(L, np.full((1, 2), 0.5))),
    "index_add: float index": lambda L: _f(L, np.zeros((3, 2))).index_add(
        0, _f(L, [0.0]), _f(L, np.ones((1, 2)))),
    "index_copy: index out of range": lambda L: _f(L, np.zeros((3, 5))).index_copy(
        1, _i(L, [5]), _f(L, np.zeros((3, 1)))),
    "index_copy: negative index": lambda L: _f(L, np.zeros((3, 5))).index_copy(
        1, _i(L, [-1]), _f(L, np.zeros((3, 1)))),
    "index_copy: source broadcast": lambda L: _f(L, np.zeros((3, 5))).index_copy(
        1, _i(L, [0, 1]), _f(L, np.zeros((3, 1)))),
    "index_copy: source of another dtype": lambda L: _f(L, np.zeros((3, 5))).index_copy(
        1, _i(L, [0]), _f(L, np.zeros((3, 1)), np.float32)),
    "index_fill: index past -n": lambda L: _f(L, np.zeros((3, 5))).index_fill(
        1, _i(L, [-6]), 1.0),
    "index_fill: value of one dim": lambda L: _f(L, np.zeros((3, 5))).index_fill(
        1, _i(L, [0]), _f(L, [1.0])),
    "index_select: negative index": lambda L: _f(L, np.zeros((3, 5))).index_select(
        1, _i(L, [-1])),
    "index_select: 2-d index": lambda L: _f(L, np.zeros((3, 5))).index_select(
        1, _i(L, [[0, 1]])),
    "index_reduce: reduce='sum'": lambda L: _f(L, np.zeros((3, 2))).index_reduce(
        0, _i(L, [0]), _f(L, np.ones((1, 2))), "sum"),
    "index_reduce: index out of range": lambda L: _f(L, np.zeros((3, 2))).index_reduce(
        0, _i(L, [3]), _f(L, np.ones((1, 2))), "amax"),
    "index_reduce: source broadcast": lambda L: _f(L, np.zeros((4, 5, 3))).index_reduce(
        0, _i(L, [0, 1]), _f(L, np.ones((2, 1, 3))), "amax"),
    "masked_scatter: source too short": lambda L: _f(L, np.zeros(4)).masked_scatter(
        _i(L, [True, True, True, False]), _f(L, [1.0, 2.0])),
    "masked_scatter: integer mask": lambda L: _f(L, np.zeros(4)).masked_scatter(
        _i(L, np.ones(4, np.uint8)), _f(L, np.ones(4))),
    "masked_scatter: source of another dtype": lambda L: _f(L, np.zeros(4)).masked_scatter(
        _i(L, np.ones(4, bool)), _f(L, np.ones(4), np.float32)),
    "masked_scatter_: mask larger than self": lambda L: (_f(L, np.zeros(4)) * 1)
    .masked_scatter_(_i(L, np.ones((3, 4), bool)), _f(L, np.ones(12))),
    "masked_fill: integer mask": lambda L: _f(L, np.zeros(4)).masked_fill(
        _i(L, np.ones(4, np.uint8)), 1.0),
    "masked_fill_: mask larger than self": lambda L: (_f(L, np.zeros(4)) * 1).masked_fill_(
        _i(L, np.ones((3, 4), bool)), 1.0),
    "take: index out of range": lambda L: _f(L, np.zeros((3, 4))).take(_i(L, [12])),
    "take: index past -n": lambda L: _f(L, np.zeros((3, 4))).take(_i(L, [-13])),
    "put: index out of range": lambda L: _f(L, np.zeros((3, 4))).put(_i(L, [12]), _f(L, [1.0])),
    "put: index past -n": lambda L: _f(L, np.zeros((3, 4))).put(_i(L, [-13]), _f(L, [1.0])),
    "put: source of another size": lambda L: _f(L, np.zeros((3, 4))).put(
        _i(L, [0, 1]), _f(L, np.ones(5))),
    "put: source of another dtype": lambda L: _f(L, np.zeros((3, 4))).put(
        _i(L, [0]), _f(L, [1.0], np.float32)),
    "index_put: values of another dtype": lambda L: _f(L, np.zeros((3, 4))).index_put(
        (_i(L, [0]),), _f(L, np.ones(4), np.float32)),
    "take_along_dim: index of other dims": lambda L: _f(L, np.zeros((3, 4))).take_along_dim(
        _i(L, [0]), dim=1),
    "take_along_dim: dim out of range": lambda L: _f(L, np.zeros((3, 4))).take_along_dim(
        _i(L, [[0]]), dim=2),
    "take_along_dim: 0-d tensor along dim 0": lambda L: _f(L, np.array(1.0)).take_along_dim(
        _i(L, np.array(0)), 0),
    "scatter_add: index larger than self": lambda L: _f(L, np.zeros((3, 4))).scatter_add(
        1, _i(L, np.zeros((4, 1), int)), _f(L, np.ones((4, 1)))),
}


@pytest.mark.parametrize("name", sorted(TORCH_ERRORS))
def test_torch_errors_are_errors(backend, name):
    f = TORCH_ERRORS[name]
    with pytest.raises((RuntimeError, IndexError, ValueError, TypeError, NotImplementedError)):
        f("torch")
    with pytest.raises((IndexError, ValueError, TypeError, RuntimeError)) as info:
        f("gpuad")
    assert "Tensor." in str(info.value) or "out of bounds" in str(info.value), info.value


def test_gpuad_computes_where_torch_refuses(backend):
    """``GPUAD_COMPUTES``: the values of the natural readings."""
    with pytest.raises(RuntimeError):
        _tt(np.array(1.5)).index_reduce(0, _tt(np.array([0])), _tt(np.array([2.0])), "amax")
    _same(_gt(np.array(1.5)).index_reduce(0, _gt(np.array([0])), _gt(np.array([2.0])), "amax"),
          _tt(np.array(1.5)).index_reduce(0, _tt(np.array(0)), _tt(np.array(2.0)), "amax"),
          "index_reduce 0-d")
    x, m = np.arange(4.0), np.array([True, False, True, False])
    for lib in (_tt, _gt):  # a (1,) value: both refuse (gpuad broadcast it before)
        with pytest.raises(RuntimeError):
            lib(x).masked_fill(lib(m), lib(np.array([7.0])))
    x2 = np.arange(12.0).reshape(3, 4)
    with pytest.raises(RuntimeError):
        _tt(x2).take_along_dim(_tt(np.array([-12])))
    _same(_gt(x2).take_along_dim(_gt(np.array([-12, -1]))), np.array([0.0, 11.0]),
          "take_along_dim flattened, from the end")
    i32 = np.array([2, 0], np.int32)
    with pytest.raises((RuntimeError, IndexError)):
        _tt(x2).index_copy(1, _tt(i32), _tt(x2[:, :2]))
    with pytest.raises((RuntimeError, IndexError)):
        _tt(x2).index_fill(1, _tt(i32), 0.0)
    i64 = _tt(i32.astype(np.int64))
    _same(_gt(x2).index_copy(1, _gt(i32), _gt(x2[:, :2])), _tt(x2).index_copy(1, i64,
                                                                              _tt(x2[:, :2])),
          "index_copy int32 index")
    _same(_gt(x2).index_fill(1, _gt(i32), 0.0), _tt(x2).index_fill(1, i64, 0.0),
          "index_fill int32 index")
    tb = _tt(x2) * 1
    with pytest.raises(RuntimeError, match="single memory location"):
        tb.index_add_(0, _tt(np.array([0, 0, 2])), tb)
    i = np.array([0, 0, 2])

    def aliased(a):
        b = (a if isinstance(a, ad.Tensor) else _gt(a)) * 1
        return b.index_add_(0, _gt(i), b)

    _same(aliased(_gt(x2)), _tt(x2).index_add(0, _tt(i), _tt(x2)), "index_add_ of itself")
    check_grads(aliased, (x2,), order=2)


def test_gpuad_refuses_where_torch_computes(backend):
    """``GPUAD_REFUSES``: torch computes, gpuad raises and says what to write."""
    x = np.zeros(3)
    for red in ("max", "min"):
        _tt(x).scatter_reduce(0, _tt(np.array([0])), _tt(np.array([1.0])), red)
        with pytest.raises(ValueError, match="amax"):
            _gt(x).scatter_reduce(0, _gt(np.array([0])), _gt(np.array([1.0])), red)
    with pytest.raises(IndexError, match="out of range"):
        _gt(np.zeros((3, 4))).take_along_dim(_gt(np.array([[4]])), dim=1)
    xi, si = np.zeros((3, 2), np.int64), np.full((1, 2), 3)
    _same(_tt(xi).index_add(0, _tt(np.array([0])), _tt(si), alpha=1.5)[0], si[0],
          "torch's index_add with alpha=1.5")
    with pytest.raises(TypeError, match="alpha"):
        _gt(xi).index_add(0, _gt(np.array([0])), _gt(si), alpha=1.5)
    assert len(GPUAD_REFUSES) == 3


def test_out_of_range_never_writes(backend):
    # an index out of range raises before anything is written, and the tensor keeps its
    # values and version (torch may write the entries in range first)
    for call in (lambda t: t.scatter_(0, _gt(np.array([0, 3])), 1.0),
                 lambda t: t.index_add_(0, _gt(np.array([0, 3])), _gt(np.ones(2))),
                 lambda t: t.index_fill_(0, _gt(np.array([0, 3])), 1.0),
                 lambda t: t.put_(_gt(np.array([0, 3])), _gt(np.ones(2))),
                 lambda t: t.scatter_reduce_(0, _gt(np.array([0, 3])), _gt(np.ones(2)), "amax"),
                 lambda t: t.index_reduce_(0, _gt(np.array([0, 3])), _gt(np.ones(2)), "prod"),
                 lambda t: t.index_copy_(0, _gt(np.array([0, 3])), _gt(np.ones(2))),
                 lambda t: t.index_put_((_gt(np.array([0, 3])),), _gt(np.ones(2)))):
        t = _gt(np.zeros(3))
        v = t._version
        with pytest.raises(IndexError, match="out of range"):
            call(t)
        assert t._version == v
        np.testing.assert_array_equal(to_numpy(t), np.zeros(3))


# ---- test_segment_reductions.py on gpuad.ops.segment_* ------------------------------------
SEGMENT = {"sum": ops.segment_sum, "prod": ops.segment_prod, "max": ops.segment_max,
           "min": ops.segment_min}
NAN_SEGMENT = ("gpuad.ops.segment_max/min follow jax.ops: a segment whose result is NaN gives "
               "every element a zero derivative (JAX's value); torch.segment_reduce gives the "
               "NaN element 1")


def _segment(red, data, lengths, initial):
    """torch.segment_reduce(data, red, lengths=, axis=0, initial=) with gpuad.ops: each
    segment also takes the initial value (a row appended to it); mean as torch computes it."""
    k = len(lengths)
    ids = np.repeat(np.arange(k), lengths)
    if red == "mean":  # torch's: (sum + initial) / length, NaN for an empty segment
        n = np.asarray(lengths, float).reshape((-1,) + (1,) * (data.ndim - 1))
        s = (_segment("sum", data, lengths, None) + (initial or 0)) / _gt(np.maximum(n, 1))
        if initial is not None:
            return s
        return gnp.where(_gt(np.broadcast_to(n == 0, tuple(s.shape))), np.nan, s)
    if initial is not None:
        data = gnp.concatenate([data, gnp.full((k, *data.shape[1:]), float(initial))])
        ids = np.concatenate([ids, np.arange(k)])
    return SEGMENT[red](data, _gt(ids), k)


def _segment_case(red, data, lengths, initial, *, backward=True, nan_rows=()):
    data = np.asarray(data, float)
    td = _tt(data, True)
    tout = torch.segment_reduce(td, red, lengths=_tt(np.asarray(lengths)), axis=0,
                                initial=initial)
    gd = _gt(data, True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gout = _segment(red, gd, lengths, initial)
    _same(gout, tout, f"segment {red} initial={initial}")
    if not backward:
        return
    tout.sum().backward()
    gout.sum().backward()
    want = td.grad.numpy().copy()
    got = to_numpy(gd.grad)
    for r in nan_rows:  # NAN_SEGMENT: JAX's zero derivatives there
        sl = slice(int(np.sum(lengths[:r])), int(np.sum(lengths[:r + 1])))
        assert (got[sl][np.isnan(data[sl]) | ~np.isnan(data[sl])] == 0).all()
        want[sl] = got[sl]
    np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True, err_msg=red)
    if initial is not None and not np.isnan(data).any():
        check_grads(lambda x: _segment(red, x, lengths, initial), (data,), order=1)


def test_segment_reductions(backend):
    lengths = np.array([1, 2, 3, 0])
    data = np.array([1, np.nan, 3, 4, 5, 5.0])  # test_simple_1d
    data_2d = np.array([[1, 1], [np.nan, 1], [3, np.nan], [4, 1], [3, 2], [2, 3.0]])
    for red in ("max", "mean", "min", "sum", "prod"):
        for initial in (0, None):
            init = initial
            if initial is not None and red == "min":
                init = 1000
            if initial is not None and red == "prod":
                init = 2
            nan_rows = (1,) if red in ("max", "min") else ()
            _segment_case(red, data, lengths, init, backward=initial is not None,
                          nan_rows=nan_rows)
            # test_multi_d_simple: NaN in each column of the second and third segments
            _segment_case(red, data_2d, lengths, init, backward=False)
    # test_pytorch_scatter_test_cases (the cases reduced along dim 0), with differences
    src = np.array([1, 2, 3, 4, 5, 6.0])
    src_2d = np.array([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12.0]])
    indptr = np.array([0, 2, 5, 5, 6])
    for red in ("sum", "prod", "mean", "min", "max"):
        for d in (src, src_2d):
            _segment_case(red, d, np.diff(indptr), None, backward=False)
            init = {"min": 1000, "max": -1000}.get(red, 1)
            _segment_case(red, d, np.diff(indptr), init)
    # test_multi_d: zero-length segments first and last, (5, 2, 5) data
    d3 = np.arange(50.0).reshape(5, 2, 5)
    for red, init in (("max", 0), ("mean", 0), ("min", 1000), ("sum", 0), ("prod", 1)):
        _segment_case(red, d3, np.array([0, 2, 3, 0]), init, backward=False)
    assert NAN_SEGMENT
