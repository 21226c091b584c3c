"""PyTorch's own tests of NumPy interoperation, complex tensors and general Tensor behaviour,
ported: test/test_numpy_interop.py, test/test_complex.py and the parts of test/test_torch.py
about what gpuad's Tensor implements (``new_*``, ``clone``, ``copy_``, ``masked_fill``,
``where``, ``item``/``tolist``, type conversions, construction from lists and arrays, the
Python protocols, writes with Tensors, cumulative ops, complex views).

Each case runs the same program on gpuad and on torch in float64 and compares values, dtypes
and the gradients ``.backward()`` leaves, or checks that both raise. Where gpuad keeps NumPy's
documented choice (float64 by default, NumPy 2's promotion, ``.numpy()`` as an explicit
detach), the case says so and checks NumPy's answer instead. NumPy's own functions called on
Tensors must record (exact gradients) or raise: never a silent constant.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(20261202)

_TD = {
    np.float64: torch.float64,
    np.float32: torch.float32,
    np.float16: torch.float16,
    np.int64: torch.int64,
    np.int32: torch.int32,
    np.int16: torch.int16,
    np.int8: torch.int8,
    np.uint8: torch.uint8,
    np.bool_: torch.bool,
    np.complex64: torch.complex64,
    np.complex128: torch.complex128,
}


def _np_dtype(tdt) -> np.dtype:
    return torch.empty(0, dtype=tdt).numpy().dtype


def _same(og, ot, tol=1e-12):
    """gpuad's result ``og`` equals torch's ``ot``: dtype, shape and values (NaN where NaN)."""
    ot = ot.detach().resolve_conj().resolve_neg() if isinstance(ot, torch.Tensor) else ot
    a = og.numpy() if isinstance(og, ad.Tensor) else np.asarray(og)
    b = ot.numpy() if isinstance(ot, torch.Tensor) else np.asarray(ot)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol, equal_nan=True)


def _run(fn, *arrays, tol=1e-12, grad=True):
    """``fn(xs, lib)`` on gpuad Tensors (lib = gnp) and torch tensors (lib = torch) holding
    ``arrays``; compares results and the gradients of <W, result> (|.| for complex)."""
    req = [grad and np.asarray(a).dtype.kind in "fc" for a in arrays]
    gs = [ad.tensor(np.array(a), requires_grad=r) for a, r in zip(arrays, req, strict=True)]
    ts = [torch.tensor(np.array(a), requires_grad=r) for a, r in zip(arrays, req, strict=True)]
    og, ot = fn(gs, gnp), fn(ts, torch)
    _same(og, ot, tol)
    if not grad or not ot.requires_grad:
        return og, ot
    w = RNG.standard_normal(tuple(ot.shape))
    if ot.is_complex():
        lg, lt = (og * ad.tensor(w)).abs().sum(), (ot * torch.tensor(w)).abs().sum()
    else:
        lg, lt = (og * ad.tensor(w)).sum(), (ot * torch.tensor(w)).sum()
    lg.backward()
    lt.backward()
    for g, t in zip(gs, ts, strict=True):
        if t.grad is None:
            assert g.grad is None or not np.any(g.grad.numpy())
        else:
            np.testing.assert_allclose(
                g.grad.numpy(), t.grad.resolve_conj().numpy(), rtol=tol, atol=tol
            )
    return og, ot


_ANY = (RuntimeError, TypeError, ValueError, IndexError, NotImplementedError)


def _raises_both(fg, ft, gerr=(TypeError, ValueError, RuntimeError, IndexError), match=None):
    with pytest.raises(_ANY):
        ft()
    with pytest.raises(gerr, match=match):
        fg()


@pytest.fixture
def f64_default():
    """torch with float64 as its default dtype: gpuad's (NumPy's) default."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


# ================================ test_numpy_interop.py =====================================
_INT_FLOAT = [np.uint8, np.int8, np.int16, np.int32, np.float16, np.float32, np.float64, np.int64]


def _castable(shape, dt):
    if np.dtype(dt).kind == "f":
        return RNG.uniform(-100, 100, shape).astype(dt)
    info = np.iinfo(dt)
    return RNG.integers(max(info.min, -(10**6)), min(info.max, 10**6), shape).astype(dt)


@pytest.mark.parametrize("dt", _INT_FLOAT, ids=lambda d: np.dtype(d).name)
def test_to_numpy(dt):
    base = _castable((10, 6), dt)
    layouts = {
        "1d": lambda a: a[:, 0].copy(),
        "1d offset": lambda a: a.reshape(-1)[5:15],
        "empty": lambda a: a[:0],
        "2d": lambda a: a,
        "2d offset": lambda a: a[3:6],
        "t()": lambda a: a.T,
        "holes": lambda a: a[2:7, 1:4].T,
    }
    for name, lay in layouts.items():
        a = lay(base)
        g, t = ad.tensor(a), torch.from_numpy(np.ascontiguousarray(a))
        if name in ("t()", "holes"):
            g, t = ad.tensor(lay(base).T).t(), torch.from_numpy(lay(base).T.copy()).t()
        y = g.numpy()
        assert isinstance(y, np.ndarray) and y.dtype == t.numpy().dtype, name
        np.testing.assert_array_equal(y, t.numpy())
        for i in range(min(len(g), 3)):
            assert np.array_equal(g[i].numpy(), t[i].numpy())
    # writeable, and the same memory (NumPy backend), also through t()
    g = ad.tensor(_castable((3, 4), dt))
    y = g.numpy()
    y[0][1] = 3
    assert g[0][1].item() == 3
    y = g.t().numpy()
    y[0][1] = 5
    assert g[1][0].item() == 5


def test_to_numpy_bool():
    for v in ([True, False], [True]):
        g, t = ad.tensor(v), torch.tensor(v)
        y = g.numpy()
        assert y.dtype == np.bool_ == t.numpy().dtype
        assert [bool(g[i]) for i in range(len(g))] == [bool(t[i]) for i in range(len(t))]


def test_to_numpy_requires_grad():
    """torch's ``x.numpy()`` refuses a tensor that requires grad; gpuad's is the explicit
    detach (docs/porting.md), and the implicit conversions raise in both."""
    data = [[1 + 2j, -2 + 3j], [-1 - 2j, 3 - 2j]]
    g, t = ad.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    with pytest.raises(RuntimeError):
        t.numpy()
    np.testing.assert_array_equal(g.numpy(), t.detach().numpy())
    np.testing.assert_array_equal(t.numpy(force=True), g.numpy())
    _raises_both(lambda: np.asarray(g), lambda: np.asarray(t), TypeError, "requires grad")
    np.testing.assert_array_equal(g.conj().numpy(), t.conj().resolve_conj().detach().numpy())


_FROM_NUMPY = [
    np.double,
    np.float64,
    np.float16,
    np.complex64,
    np.complex128,
    np.int64,
    np.int32,
    np.int16,
    np.int8,
    np.uint8,
    np.longlong,
    np.bool_,
]


@pytest.mark.parametrize("dt", _FROM_NUMPY, ids=lambda d: np.dtype(d).name)
def test_from_numpy(dt):
    a = np.array([1, 2, 3, 4], dtype=dt)
    g, t = ad.tensor(a), torch.from_numpy(a)
    assert g.dtype == t.numpy().dtype
    for i in range(len(a)):
        assert g[i].item() == t[i].item() == a[i]
    if np.dtype(dt).kind != "c":
        a2 = a % 2
        np.testing.assert_array_equal(ad.tensor(a2).numpy(), torch.from_numpy(a2).numpy())


def test_from_numpy_layouts_and_refusals():
    x = np.linspace(1, 125, 125).reshape(5, 5, 5)
    for v in (
        x[1],
        x[:, 1],
        np.linspace(1, 25, 25).reshape(5, 5).T,
        np.zeros((0, 2)),
        np.zeros((2, 0)),
    ):
        np.testing.assert_array_equal(ad.tensor(v).numpy(), torch.from_numpy(v).numpy())
        assert ad.tensor(v).shape == tuple(torch.from_numpy(v).shape)
    # strings and bytes are no numbers
    for bad in (np.array(["foo", "bar"]), np.array(b"value")):
        _raises_both(lambda: ad.tensor(bad), lambda: torch.from_numpy(bad), TypeError)
    # strides that are not multiples of the element size
    x = np.lib.stride_tricks.as_strided(np.array([3.0, 5.0, 8.0]), (3,), (3,))
    _raises_both(lambda: ad.tensor(x), lambda: torch.from_numpy(x), ValueError, "strides")


def test_ctor_with_invalid_numpy_array_sequence():
    r = RNG.random
    cases = [
        [r((3, 3)), r((3, 0))],
        [[r((3, 3)), r((3, 2))]],
        [[r((3, 3)), r((3, 3))], [r((3, 3)), r((3, 2))]],
        [[1, 2, 3], r((2,))],
    ]
    for c in cases:
        _raises_both(lambda: ad.tensor(c), lambda: torch.tensor(c), ValueError)


@pytest.mark.parametrize(
    "dt",
    [np.double, np.float64, np.float16, np.int64, np.int32, np.int16, np.uint8, np.bool_],
    ids=lambda d: np.dtype(d).name,
)
def test_ctor_with_numpy_scalar(dt):
    g, t = ad.tensor(dt(42)), torch.tensor(dt(42))
    assert g.item() == t.item() == dt(42)
    assert g.dtype == t.numpy().dtype and g.shape == ()


def test_numpy_index():
    a = RNG.standard_normal((5, 5))
    g, t = ad.tensor(a), torch.tensor(a)
    for idx in np.array([0, 1, 2], dtype=np.int32):
        _same(g[idx], t[idx])
        _same(g[idx], t[int(idx)])
    for n in (2, 8):
        i = np.zeros((n, n, n), dtype=np.int32)
        i[: n // 2] = 1
        b = RNG.standard_normal((n, n, n))
        assert ad.tensor(b)[i == 1].size == torch.tensor(b)[i == 1].numel() == np.sum(i)


_IFACE = [np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.uint8]


@pytest.mark.parametrize("dt", _IFACE, ids=lambda d: np.dtype(d).name)
def test_numpy_array_interface(dt):
    vals = [1, 2, 3, 4] if np.dtype(dt).kind == "u" else [1, -2, 3, -4]
    g, t = ad.tensor(np.array(vals, dt)), torch.tensor(np.array(vals, dt))
    a = np.asarray(g)
    assert isinstance(a, np.ndarray) and a.dtype == dt == np.asarray(t).dtype
    np.testing.assert_array_equal(a, np.asarray(t))
    # ufuncs give Tensors (torch's __array_wrap__), same dtype
    r = np.abs(g)
    assert isinstance(r, ad.Tensor) and r.dtype == np.abs(t).numpy().dtype
    np.testing.assert_array_equal(r.numpy(), np.abs(t).numpy())
    for d in _IFACE:  # __array__ with a dtype
        x = ad.tensor(np.array([1, -2, 3, -4], np.int32))
        xt = torch.tensor([1, -2, 3, -4], dtype=torch.int32)
        np.testing.assert_array_equal(np.asarray(x, dtype=d), np.asarray(xt, dtype=d))
    if np.dtype(dt).kind == "f" and dt != np.float16:
        for f in ("sin", "sqrt", "ceil"):
            x = ad.tensor(np.array([1, 2, 3, 4], dt))
            xt = torch.tensor(np.array([1, 2, 3, 4], dt))
            rg, rt = getattr(np, f)(x), getattr(np, f)(xt)
            assert isinstance(rg, ad.Tensor)
            _same(rg, rt, 1e-6)
    x = ad.tensor(np.array([1, 2, 3, 4], dt))
    geq = np.greater_equal(x, 2)
    assert isinstance(geq, ad.Tensor) and geq.dtype == np.bool_  # torch: uint8 (its legacy)
    np.testing.assert_array_equal(geq.numpy(), np.greater_equal(np.array([1, 2, 3, 4], dt), 2))


@pytest.mark.parametrize(
    "sc",
    [np.float32, np.float64, np.int32, np.int64, np.int16, np.uint8],
    ids=lambda d: np.dtype(d).name,
)
@pytest.mark.parametrize("tdt", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_multiplication_numpy_scalar(sc, tdt):
    """A NumPy scalar times a Tensor (either side) is a Tensor that requires grad with the
    exact gradient; its dtype is NumPy 2's promotion (torch keeps the tensor's: they agree
    except for float32 with a 64-bit or int32 scalar, a documented difference)."""
    s = sc(2.0)
    for order in (0, 1):
        g = ad.tensor(np.ones(2, tdt), requires_grad=True)
        t = torch.ones(2, dtype=_TD[tdt], requires_grad=True)
        rg, rt = (g * s, t * s) if order == 0 else (s * g, s * t)
        assert isinstance(rg, ad.Tensor) and rg.requires_grad and rt.requires_grad
        assert rg.dtype == np.result_type(np.ones(2, tdt), s)
        if rg.dtype == tdt:
            assert rg.dtype == rt.numpy(force=True).dtype
        rg.sum().backward()
        rt.sum().backward()
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy())


def test_parse_numpy_int():
    for nt in (np.int16, np.int8, np.uint8, np.int32, np.int64):
        v = np.array([3], dtype=nt)[0]
        _same(ad.tensor(np.ones(5)).diag(v), torch.ones(5, dtype=torch.float64).diag(v))
        _same(
            ad.tensor(np.ones((2, 2, 2, 2))).mean(v),
            torch.ones((2, 2, 2, 2), dtype=torch.float64).mean(v),
        )
        g, t = ad.tensor(np.array([2], np.int32)), torch.tensor([2], dtype=torch.int32)
        g[0] = v
        t[0] = v
        _same(g, t)
        g, t = ad.tensor(np.array([3], nt)), torch.from_numpy(np.array([3], nt))
        assert (g + v).dtype == (v + g).dtype == (t + v).numpy().dtype == nt


@pytest.mark.parametrize(
    "dt",
    [
        np.float64,
        np.float32,
        np.float16,
        np.int64,
        np.int32,
        np.int8,
        np.uint8,
        np.bool_,
        np.complex64,
        np.complex128,
    ],
    ids=lambda d: np.dtype(d).name,
)
def test_numpy_scalar_cmp(dt):
    if np.dtype(dt).kind == "c":
        vals = (complex(1, 3), [complex(1, 3), 0, 2j], [[complex(3, 1), 0], [-1j, 5]])
    else:
        vals = (3, [1, 0, -3], [[3, 0, -1], [3, 5, 4]])
    for v in vals:
        a = np.array(v).astype(dt)
        g, t = ad.tensor(a), torch.from_numpy(a.copy())
        for x, y in (
            (g.reshape(-1)[0], a.reshape(-1)[0]),
            (g.reshape(-1)[0], a.reshape(-1)[0].item()),
        ):
            assert bool(x == y) and bool(y == x)
            assert bool(t.flatten()[0] == y) or dt == np.complex64  # torch's issue 43579


@pytest.mark.parametrize(
    "dt",
    [np.float64, np.float32, np.int64, np.int8, np.bool_, np.complex128],
    ids=lambda d: np.dtype(d).name,
)
def test___eq__(dt):
    a = RNG.integers(-9, 9, (5, 7)).astype(dt)
    g, t = ad.tensor(a.copy()), torch.from_numpy(a.copy())
    b = a.copy()
    _same(g == b, t == b)
    _same(b == g, b == t)
    assert isinstance(b == g, ad.Tensor)
    b[1, 3] = not b[1, 3] if dt == np.bool_ else b[1, 3] + 1
    _same(g == b, t == b)
    _same(b == g, b == t)
    assert not bool((g == b)[1, 3]) and bool((g == b).sum() == 34)


def test_empty_tensors_interop():
    x = ad.tensor(np.float16(0.5))
    y = ad.tensor(RNG.random(0).astype(np.float16))
    xt, yt = (
        torch.tensor(0.5, dtype=torch.float16),
        torch.tensor(RNG.random(0), dtype=torch.float16),
    )
    assert gnp.true_divide(x, y).shape == tuple(torch.true_divide(xt, yt).shape) == (0,)
    assert (x * y).shape == (0,)
    assert x.div(y, rounding_mode="floor").shape == (0,)


def test_numpy_unresizable():
    x = np.zeros((2, 2))
    y = ad.tensor(x)  # noqa: F841  (shares x's memory)
    with pytest.raises(ValueError):
        x.resize((5, 5))
    w = ad.tensor(RNG.standard_normal((5, 5))).numpy()
    z = ad.tensor(w)  # noqa: F841
    with pytest.raises(ValueError):
        w.resize((10, 10))


def test_numpy_non_writeable():
    """torch warns and shares the read-only array; gpuad shares it too: reads work, a write
    raises (never a silent copy)."""
    arr = np.zeros(5)
    arr.flags["WRITEABLE"] = False
    with pytest.warns(UserWarning):
        torch.from_numpy(arr)
    g = ad.tensor(arr)
    _same(g + 1, torch.ones(5, dtype=torch.float64))
    with pytest.raises(ValueError, match="read-only"):
        g.add_(1)
    assert not arr.any()


# ---- NumPy's functions on Tensors: recorded exactly, or an error ---------------------------
A34 = RNG.standard_normal((3, 4))
B34 = RNG.standard_normal((3, 4))
V4 = RNG.standard_normal(4)
NP_CALLS = {
    # name: (numpy on gpuad Tensors, torch counterpart, arrays)
    "np.sin": (lambda x: np.sin(x[0]), lambda x: torch.sin(x[0]), (A34,)),
    "np.exp": (lambda x: np.exp(x[0]), lambda x: torch.exp(x[0]), (A34,)),
    "np.tanh": (lambda x: np.tanh(x[0]), lambda x: torch.tanh(x[0]), (A34,)),
    "np.sqrt abs": (lambda x: np.sqrt(np.abs(x[0])), lambda x: x[0].abs().sqrt(), (A34,)),
    "np.power": (lambda x: np.power(x[0], 3), lambda x: x[0] ** 3, (A34,)),
    "np.maximum": (
        lambda x: np.maximum(x[0], x[1]),
        lambda x: torch.maximum(x[0], x[1]),
        (A34, B34),
    ),
    "np.hypot": (lambda x: np.hypot(x[0], x[1]), lambda x: torch.hypot(x[0], x[1]), (A34, B34)),
    "np.arctan2": (lambda x: np.arctan2(x[0], x[1]), lambda x: torch.atan2(x[0], x[1]), (A34, B34)),
    "np.sum": (lambda x: np.sum(x[0]), lambda x: x[0].sum(), (A34,)),
    "np.sum axis": (lambda x: np.sum(x[0], axis=1), lambda x: x[0].sum(1), (A34,)),
    "np.sum keepdims": (
        lambda x: np.sum(x[0], axis=0, keepdims=True),
        lambda x: x[0].sum(0, keepdim=True),
        (A34,),
    ),
    "np.mean": (lambda x: np.mean(x[0], axis=0), lambda x: x[0].mean(0), (A34,)),
    "np.prod": (lambda x: np.prod(x[0], axis=1), lambda x: x[0].prod(1), (A34,)),
    "np.std": (lambda x: np.std(x[0], axis=1), lambda x: x[0].std(1, correction=0), (A34,)),
    "np.var ddof": (lambda x: np.var(x[0], ddof=1), lambda x: x[0].var(), (A34,)),
    "np.max": (lambda x: np.max(x[0], axis=0), lambda x: x[0].amax(0), (A34,)),
    "np.cumsum": (lambda x: np.cumsum(x[0], axis=1), lambda x: x[0].cumsum(1), (A34,)),
    "np.cumprod": (lambda x: np.cumprod(x[0], axis=0), lambda x: x[0].cumprod(0), (A34,)),
    "np.concatenate list": (
        lambda x: np.concatenate([x[0], x[1]]),
        lambda x: torch.cat([x[0], x[1]]),
        (A34, B34),
    ),
    "np.concatenate axis": (
        lambda x: np.concatenate([x[0], x[1], x[0]], axis=1),
        lambda x: torch.cat([x[0], x[1], x[0]], 1),
        (A34, B34),
    ),
    "np.concatenate ndarray": (
        lambda x: np.concatenate([x[0], B34]),
        lambda x: torch.cat([x[0], torch.tensor(B34)]),
        (A34,),
    ),
    "np.stack": (
        lambda x: np.stack([x[0], x[1]], axis=1),
        lambda x: torch.stack([x[0], x[1]], 1),
        (A34, B34),
    ),
    "np.hstack": (
        lambda x: np.hstack([x[0], x[1]]),
        lambda x: torch.hstack([x[0], x[1]]),
        (A34, B34),
    ),
    "np.vstack": (
        lambda x: np.vstack([x[0], x[1]]),
        lambda x: torch.vstack([x[0], x[1]]),
        (A34, B34),
    ),
    "np.dot": (lambda x: np.dot(x[0], x[1]), lambda x: x[0] @ x[1], (A34, V4)),
    "np.matmul": (lambda x: np.matmul(x[0], x[1].T), lambda x: x[0] @ x[1].T, (A34, B34)),
    "np.einsum": (
        lambda x: np.einsum("ij,ij->i", x[0], x[1]),
        lambda x: torch.einsum("ij,ij->i", x[0], x[1]),
        (A34, B34),
    ),
    "np.outer": (lambda x: np.outer(x[0], x[0]), lambda x: torch.outer(x[0], x[0]), (V4,)),
    "np.where": (
        lambda x: np.where(x[0] > 0, x[0], x[1]),
        lambda x: torch.where(x[0] > 0, x[0], x[1]),
        (A34, B34),
    ),
    "np.clip": (lambda x: np.clip(x[0], -0.5, 0.5), lambda x: x[0].clamp(-0.5, 0.5), (A34,)),
    "np.linalg.norm": (lambda x: np.linalg.norm(x[0]), lambda x: torch.linalg.norm(x[0]), (A34,)),
    "np.sort": (lambda x: np.sort(x[0], axis=1), lambda x: x[0].sort(1).values, (A34,)),
    "np.transpose": (lambda x: np.transpose(x[0]), lambda x: x[0].T, (A34,)),
    "np.reshape": (lambda x: np.reshape(x[0], (2, 6)), lambda x: x[0].reshape(2, 6), (A34,)),
    "np.flip": (lambda x: np.flip(x[0], 1), lambda x: x[0].flip(1), (A34,)),
    "np.diff": (lambda x: np.diff(x[0], axis=1), lambda x: x[0].diff(dim=1), (A34,)),
    "np.trace": (lambda x: np.trace(x[0]), lambda x: x[0].trace(), (A34,)),
    "np.add.reduce": (lambda x: np.add.reduce(x[0], axis=1), lambda x: x[0].sum(1), (A34,)),
    "np.multiply.outer": (
        lambda x: np.multiply.outer(x[0], x[0]),
        lambda x: torch.outer(x[0], x[0]),
        (V4,),
    ),
    "np.add.accumulate": (
        lambda x: np.add.accumulate(x[0], axis=0),
        lambda x: x[0].cumsum(0),
        (A34,),
    ),
    "np.real complex": (
        lambda x: np.real(x[0] * (1 + 2j)),
        lambda x: (x[0] * (1 + 2j)).real,
        (A34,),
    ),
    "np.abs complex": (
        lambda x: np.abs(x[0] + 1j * x[1]),
        lambda x: torch.complex(x[0], x[1]).abs(),
        (A34, B34),
    ),
    "np.angle": (
        lambda x: np.angle(x[0] + 1j * x[1]),
        lambda x: torch.complex(x[0], x[1]).angle(),
        (A34, B34),
    ),
    "ndarray * Tensor": (lambda x: B34 * x[0], lambda x: torch.tensor(B34) * x[0], (A34,)),
    "ndarray - Tensor": (lambda x: B34 - x[0], lambda x: torch.tensor(B34) - x[0], (A34,)),
    "ndarray / Tensor": (lambda x: B34 / x[0], lambda x: torch.tensor(B34) / x[0], (A34,)),
    "ndarray ** Tensor": (
        lambda x: np.abs(B34) ** x[0],
        lambda x: torch.tensor(np.abs(B34)) ** x[0],
        (A34,),
    ),
    "ndarray @ Tensor": (lambda x: B34 @ x[0], lambda x: torch.tensor(B34) @ x[0], (V4,)),
    "Tensor @ ndarray": (lambda x: x[0] @ V4, lambda x: x[0] @ torch.tensor(V4), (A34,)),
    "Tensor * ndarray": (lambda x: x[0] * B34, lambda x: x[0] * torch.tensor(B34), (A34,)),
    "Tensor > ndarray mask": (
        lambda x: x[0] * (x[0] > B34),
        lambda x: x[0] * (x[0] > torch.tensor(B34)),
        (A34,),
    ),
    "np.float64 * Tensor": (
        lambda x: np.float64(2.5) * x[0],
        lambda x: np.float64(2.5) * x[0],
        (A34,),
    ),
    "Tensor + np.int64": (lambda x: x[0] + np.int64(3), lambda x: x[0] + np.int64(3), (A34,)),
    "np.float64 ** Tensor": (
        lambda x: np.float64(2.0) ** x[0],
        lambda x: np.float64(2.0) ** x[0],
        (A34,),
    ),
    "Tensor / np.float64": (
        lambda x: x[0] / np.float64(3.0),
        lambda x: x[0] / np.float64(3.0),
        (A34,),
    ),
    "builtin sum": (lambda x: sum(x[0]), lambda x: sum(x[0]), (A34,)),
    "gnp.array list of 0-d": (
        lambda x: gnp.array([x[0][0, 0], x[0][1, 1] * 2]),
        lambda x: torch.stack([x[0][0, 0], x[0][1, 1] * 2]),
        (A34,),
    ),
    "iteration": (
        lambda x: np.stack([r * (i + 1) for i, r in enumerate(x[0])]),
        lambda x: torch.stack([r * (i + 1) for i, r in enumerate(x[0])]),
        (A34,),
    ),
}


@pytest.mark.parametrize("name", list(NP_CALLS))
def test_numpy_functions_on_tensors(name):
    fg, ft, arrays = NP_CALLS[name]
    og, _ = _run(lambda xs, M: (fg if M is gnp else ft)(xs), *arrays)
    assert isinstance(og, ad.Tensor) and og.requires_grad


def _x():
    return ad.tensor(A34.copy(), requires_grad=True)


def _xt():
    return torch.tensor(A34.copy(), requires_grad=True)


NP_REFUSED = {
    # where NumPy would make a constant of a Tensor being differentiated: gpuad raises
    "np.asarray": (lambda x: np.asarray(x), lambda x: np.asarray(x)),
    "np.array": (lambda x: np.array(x), lambda x: np.array(x)),
    "np.array of Tensors": (lambda x: np.array([x[0], x[1]]), lambda x: np.array([x[0], x[1]])),
    "np.sum of a list": (lambda x: np.sum([x[0], x[1]]), lambda x: np.sum([x[0], x[1]])),
    "np.max of 0-d list": (
        lambda x: np.max([x[0, 0], x[1, 1]]),
        lambda x: np.max([x[0, 0], x[1, 1]]),
    ),
    "np.exp of a list": (
        lambda x: np.exp([x[0, 0], x[1, 1]]),
        lambda x: np.exp([x[0, 0], x[1, 1]]),
    ),
    "np.fromiter": (lambda x: np.fromiter(x[0], float), None),
    "np.copyto ndarray": (
        lambda x: np.copyto(np.zeros((3, 4)), x),
        lambda x: np.copyto(np.zeros((3, 4)), x),
    ),
    "ufunc out=ndarray": (
        lambda x: np.sin(x, out=np.zeros((3, 4))),
        lambda x: np.sin(x, out=np.zeros((3, 4))),
    ),
    "ndarray -= Tensor": (lambda x: np.zeros((3, 4)).__isub__(x), None),
    "ndarray[i] = Tensor": (
        lambda x: np.zeros((3, 4)).__setitem__(0, x[0]),
        lambda x: np.zeros((3, 4)).__setitem__(0, x[0]),
    ),
    "math.exp": (lambda x: math.exp(x[0, 0]), None),
    "np.float64(t) of several elements": (lambda x: np.float64(x), lambda x: np.float64(x)),
    "np.float32(t) of several elements": (lambda x: np.float32(x[0]), lambda x: np.float32(x[0])),
    "Fraction * Tensor": (lambda x: Fraction(1, 2) * x, lambda x: Fraction(1, 2) * x),
    "object ndarray + Tensor": (lambda x: np.ones((3, 4), dtype=object) + x, None),
    "gpuad.tensor of a list": (lambda x: ad.tensor([x[0, 0], x[0, 1]]), None),
    "new_tensor of a Tensor": (lambda x: x.new_tensor(x), None),
}


@pytest.mark.parametrize("name", list(NP_REFUSED))
def test_numpy_functions_refused(name):
    """Conversions of a Tensor being differentiated raise in gpuad (never a silent constant);
    torch raises too wherever it calls ``.numpy()`` (its ``math.exp``, ``torch.tensor`` of a
    list and ``new_tensor`` detach silently or with a warning)."""
    fg, ft = NP_REFUSED[name]
    if ft is not None:
        with pytest.raises(_ANY):
            ft(_xt())
    with pytest.raises((TypeError, ValueError)) as e:
        fg(_x())
    msg = str(e.value) + str(e.value.__cause__ or "")
    assert "grad" in msg or "derivative" in msg, msg
    if "list" in name or "of Tensors" in name:
        assert "gnp.stack" in msg or "gpuad.numpy.stack" in msg, msg


def test_numpy_functions_without_grad_give_values():
    """The same calls on Tensors that do not require grad give NumPy's values."""
    g, t = ad.tensor(A34.copy()), torch.tensor(A34.copy())
    np.testing.assert_array_equal(np.asarray(g), np.asarray(t))
    np.testing.assert_array_equal(np.array([g[0], g[1]]), np.array([t[0], t[1]]))
    assert np.sum([g[0], g[1]]) == pytest.approx(np.sum([t[0], t[1]]))
    np.testing.assert_array_equal(np.fromiter(g[0], float), np.fromiter(t[0], float))


# ================================ test_complex.py ===========================================
@pytest.mark.parametrize("dt", [np.complex64, np.complex128], ids=lambda d: np.dtype(d).name)
def test_complex_to_list(dt):
    assert (
        ad.tensor(np.zeros((2, 2), dt)).tolist()
        == [[0j, 0j], [0j, 0j]]
        == torch.zeros((2, 2), dtype=_TD[dt]).tolist()
    )
    v = [[1 + 2j, -3.5j], [0.25, -1 + 0j]]
    assert ad.tensor(np.array(v, dt)).tolist() == torch.tensor(v, dtype=_TD[dt]).tolist()
    assert all(type(e) is complex for e in ad.tensor(np.array(v, dt)).tolist()[0])


def test_complex_dtype_inference(f64_default):
    _same(ad.tensor([3.0, 3.0 + 5.0j]), torch.tensor([3.0, 3.0 + 5.0j]))
    assert ad.tensor([3.0, 3.0 + 5.0j]).dtype == np.complex128


_NAN = float("nan")
_EQ_A = [
    -0.0610 - 2.1172j,
    5.1576 + 5.4775j,
    complex(2.8871, _NAN),
    -6.6545 - 3.7655j,
    -2.7036 - 1.4470j,
    0.3712 + 7.989j,
    -0.0610 - 2.1172j,
    5.1576 + 5.4775j,
    complex(_NAN, -3.2650),
    -6.6545 - 3.7655j,
    -2.7036 - 1.4470j,
    0.3712 + 7.989j,
]
_EQ_B = [
    -6.1278 - 8.5019j,
    0.5886 + 8.8816j,
    complex(2.8871, _NAN),
    6.3505 + 2.2683j,
    0.3712 + 7.9659j,
    0.3712 + 7.989j,
    -6.1278 - 2.1172j,
    5.1576 + 8.8816j,
    complex(_NAN, -3.2650),
    6.3505 + 2.2683j,
    0.3712 + 7.9659j,
    0.3712 + 7.989j,
]


@pytest.mark.parametrize("dt", [np.complex64, np.complex128], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", ["eq", "ne"])
def test_complex_eq_ne(dt, op):
    pairs = [
        ([_EQ_A[0]], [_EQ_B[0]]),
        ([_EQ_A[0]], [-6.1278 - 2.1172j]),
        ([_EQ_A[0]], [-0.0610 - 8.5019j]),
        (_EQ_A, _EQ_B),
    ]
    uf = {"eq": np.equal, "ne": np.not_equal}[op]
    for a, b in pairs:
        for x, y in ((a, b), (a, a)):
            g = (ad.tensor(np.array(x, dt)), ad.tensor(np.array(y, dt)))
            t = (torch.tensor(x, dtype=_TD[dt]), torch.tensor(y, dtype=_TD[dt]))
            _same(getattr(g[0], op)(g[1]), getattr(torch, op)(*t))
            _same(
                g[0] == g[1] if op == "eq" else g[0] != g[1],
                t[0] == t[1] if op == "eq" else t[0] != t[1],
            )
            outg = ad.tensor(np.full(len(x), 2 + 2j, dt))
            outt = torch.full_like(t[1], complex(2, 2))
            uf(g[0], g[1], out=outg)
            getattr(torch, op)(*t, out=outt)
            _same(outg, outt)


C34 = A34 + 1j * B34


def _setreal(z, M):
    y = z * 1
    y.real = z.imag * 3
    return y


def _setimag(z, M):
    y = z * 1
    y.imag = z.real**2
    return y


def _setimag_number(z, M):
    y = z * 1
    y.imag = 0.5
    return y


def _write_real_view(z, M):
    y = z * 1
    r = y.real
    r[0] = z.imag[1]
    return y


def _add_to_imag_view(z, M):
    y = z * 1
    y.imag.add_(z.real)
    return y


COMPLEX = {
    "real": (lambda z, M: z.real, C34),
    "imag": (lambda z, M: z.imag, C34),
    "conj": (lambda z, M: z.conj() * (1 + 2j), C34),
    "conj_physical": (lambda z, M: z.conj_physical() * (1 + 2j), C34),
    "angle": (lambda z, M: z.angle(), C34),
    "abs": (lambda z, M: z.abs(), C34),
    "abs()": (lambda z, M: abs(z), C34),
    "sgn": (lambda z, M: z.sgn(), C34),
    "real setter": (_setreal, C34),
    "imag setter": (_setimag, C34),
    "imag setter number": (_setimag_number, C34),
    "write through .real": (_write_real_view, C34),
    "add_ through .imag": (_add_to_imag_view, C34),
    "real of real": (lambda z, M: z.real * 2, A34),
    "conj of real": (lambda z, M: z.conj() * 2, A34),
    "angle of real": (lambda z, M: z.angle(), np.array([-1.0, 2.0, -3.0])),
    "abs of real": (lambda z, M: z.abs(), A34),
    "double() of complex": (lambda z, M: z.double(), C34),
    "to(float64) of complex": (lambda z, M: z.to(M.float64), C34),
    "cfloat": (lambda z, M: z.cdouble() * (2 - 1j), A34),
    "exp": (lambda z, M: z.exp(), C34),
    "reciprocal": (lambda z, M: z.reciprocal(), C34),
    "cumsum": (lambda z, M: z.cumsum(dim=1), C34),
    "cumprod": (lambda z, M: z.cumprod(dim=0), C34),
    "complex(re, im)": (
        lambda z, M: (z[0] + 1j * z[1]) if M is gnp else torch.complex(z[0], z[1]),
        A34[:2],
    ),
    "polar(r, theta)": (
        lambda z, M: (abs(z[0]) * gnp.exp(1j * z[1])) if M is gnp else torch.polar(abs(z[0]), z[1]),
        A34[:2],
    ),
    "view_as_real": (
        lambda z, M: gnp.stack([z.real, z.imag], -1) if M is gnp else torch.view_as_real(z),
        C34,
    ),
    "view_as_complex": (
        lambda z, M: (z[..., 0] + 1j * z[..., 1]) if M is gnp else torch.view_as_complex(z),
        RNG.standard_normal((3, 2)),
    ),
}


def _write_real_of_transpose(z, M):
    y = z * 1
    y.t().real[1] = z.imag[:, 0] * 2
    return y


def _copy_into_row_imag(z, M):
    y = z * 1
    y[0].imag.copy_(z.real[1])
    return y


def _mul_real_view(z, M):
    y = z * 1
    y.real.mul_(z.imag[0])
    return y


def _read_real_after_write(z, M):
    y = z * 1
    r = y.real
    y.copy_(y * 1j)
    return r * z.imag


def _set_both_parts(z, M):
    y = z * 1
    y.imag = z.real[0] * 2
    y.real = z.imag[1] ** 2
    return y


COMPLEX.update({
    "write .real of .t()": (_write_real_of_transpose, C34[:, :2]),
    "copy_ into a row's .imag": (_copy_into_row_imag, C34),
    "mul_ through .real": (_mul_real_view, C34),
    ".real read after a write": (_read_real_after_write, C34),
    "set .imag then .real": (_set_both_parts, C34),
})


@pytest.mark.parametrize("name", list(COMPLEX))
def test_complex_views_and_functions(name):
    fn, a = COMPLEX[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # complex -> real casts warn in both
        _run(lambda xs, M: fn(xs[0], M), a)


def test_complex_imag_of_real():
    """torch refuses ``.imag`` of a real tensor; gpuad keeps NumPy's (zeros, a constant)."""
    with pytest.raises(RuntimeError):
        _ = torch.tensor(A34).imag
    np.testing.assert_array_equal(ad.tensor(A34).imag.numpy(), np.zeros_like(A34))


_PROMOTE = [
    (np.float32, np.complex64),
    (np.float64, np.complex64),
    (np.float32, np.complex128),
    (np.float16, np.complex64),
    (np.bool_, np.complex64),
    (np.complex64, np.complex128),
    (np.int64, np.complex64),
    (np.int8, np.complex128),
]


@pytest.mark.parametrize("a,b", _PROMOTE, ids=lambda d: np.dtype(d).name)
def test_complex_promotion(a, b):
    """Tensor-with-tensor promotion is NumPy's, which is torch's except that an integer with
    complex64 gives complex128 in NumPy (torch: complex64)."""
    for op in ("__add__", "__mul__") + (("__sub__",) if a != np.bool_ else ()):
        rg = getattr(ad.tensor(np.ones(2, a)), op)(ad.tensor(np.ones(2, b)))
        rt = getattr(torch.from_numpy(np.ones(2, a)), op)(torch.from_numpy(np.ones(2, b)))
        assert rg.dtype == np.result_type(a, b)
        if np.dtype(a).kind != "i":
            assert rg.dtype == rt.numpy().dtype
    f = ad.tensor(np.ones(2, np.float32))
    assert (f * 1j).dtype == np.complex64 == (torch.ones(2) * 1j).numpy().dtype
    assert (ad.tensor(np.ones(2, np.complex64)) * 2.0).dtype == np.complex64


@pytest.mark.parametrize("op", ["lt", "max", "sort", "cummax", "logcumsumexp"])
def test_complex_without_order(op):
    """torch refuses orders on complex tensors; gpuad's torch-style calls refuse too, NumPy's
    own functions keep NumPy's lexicographic order."""
    z = C34
    calls = {
        "lt": (None, lambda t: t < t),
        "max": (None, lambda t: t.max()),
        "sort": (lambda t: t.sort(dim=1), lambda t: t.sort(dim=1)),
        "cummax": (lambda t: t.cummax(1), lambda t: t.cummax(1)),
        "logcumsumexp": (lambda t: t.logcumsumexp(1), None),
    }
    fg, ft = calls[op]
    if ft is not None:
        with pytest.raises((RuntimeError, NotImplementedError)):
            ft(torch.tensor(z))
    if fg is not None and op != "sort":
        with pytest.raises(TypeError, match="complex"):
            fg(ad.tensor(z))


# ================================ test_torch.py: Tensor behaviour ===========================
@pytest.mark.parametrize(
    "dt",
    [np.float64, np.float32, np.int64, np.int32, np.bool_, np.complex128],
    ids=lambda d: np.dtype(d).name,
)
def test_new_methods(dt):
    g = ad.tensor(np.ones((2, 3), dt))
    t = torch.from_numpy(np.ones((2, 3), dt))
    _same(g.new_zeros(4, 5), t.new_zeros(4, 5))
    _same(g.new_zeros((4, 5)), t.new_zeros((4, 5)))
    _same(g.new_ones([2]), t.new_ones([2]))
    _same(g.new_full((2, 2), 1), t.new_full((2, 2), 1))
    assert g.new_empty(3, 2).shape == tuple(t.new_empty(3, 2).shape) == (3, 2)
    assert g.new_empty(3).dtype == t.new_empty(3).numpy().dtype
    _same(g.new_tensor([1, 0, 1]), t.new_tensor([1, 0, 1]))
    for d in (torch.float32, torch.int16, torch.complex64):
        _same(g.new_zeros(2, dtype=d), t.new_zeros(2, dtype=d))
        _same(g.new_tensor([1, 2], dtype=d), t.new_tensor([1, 2], dtype=d))
    src = ad.tensor(np.arange(3).astype(dt))
    r = g.new_tensor(src)  # a copy, not a view
    if dt != np.bool_:
        src[0] = 7
        assert r[0].item() != 7


def test_new_methods_requires_grad():
    g = ad.tensor(np.ones(2))
    for r in (
        g.new_zeros(2, requires_grad=True),
        g.new_ones(3, requires_grad=True),
        g.new_full((2,), 0.5, requires_grad=True),
        g.new_tensor([1.0], requires_grad=True),
    ):
        assert r.requires_grad and r.is_leaf
        (r * 2).sum().backward()
        np.testing.assert_array_equal(r.grad.numpy(), np.full(r.shape, 2.0))
    _raises_both(
        lambda: ad.tensor([1]).new_zeros(2, requires_grad=True),
        lambda: torch.tensor([1]).new_zeros(2, requires_grad=True),
    )


@pytest.mark.parametrize(
    "value,dt",
    [
        (1j, np.float64),
        (float("nan"), np.int64),
        (float("inf"), np.int32),
        (300, np.uint8),
        (200, np.int8),
        (1e40, np.float32),
    ],
    ids=["complex>f8", "nan>i8", "inf>i4", "300>u1", "200>i1", "1e40>f4"],
)
def test_fill_values_out_of_dtype_refused(value, dt):
    """A number the tensor's dtype cannot hold raises in torch; NumPy's cast changed it silently
    (the imaginary part dropped, NaN as INT64_MIN, 300 as 44 in uint8)."""
    mask = [True, False]
    g, t = ad.tensor(np.zeros(2, dt)), torch.from_numpy(np.zeros(2, dt))
    gm, tm = ad.tensor(mask), torch.tensor(mask)
    _raises_both(lambda: g.masked_fill(gm, value), lambda: t.masked_fill(tm, value))
    _raises_both(
        lambda: ad.tensor(np.zeros(2, dt)).masked_fill_(gm, value),
        lambda: torch.from_numpy(np.zeros(2, dt)).masked_fill_(tm, value),
    )
    _raises_both(lambda: g.new_full((2,), value), lambda: t.new_full((2,), value))
    _raises_both(lambda: g.fill_(value), lambda: t.fill_(value))
    assert not g.numpy().any()


@pytest.mark.parametrize(
    "value,dt",
    [
        (-1, np.uint8),
        (255, np.uint8),
        (-128, np.int8),
        (2.7, np.int64),
        (1 + 0j, np.float64),
        (True, np.float32),
        (float("inf"), np.float32),
        (np.float32(2.5), np.int8),
    ],
)
def test_fill_values_torch_takes(value, dt):
    mask = [True, False]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(
            ad.tensor(np.zeros(2, dt)).masked_fill(ad.tensor(mask), value),
            torch.from_numpy(np.zeros(2, dt)).masked_fill(torch.tensor(mask), value),
        )
        _same(
            ad.tensor(np.zeros(2, dt)).fill_(value), torch.from_numpy(np.zeros(2, dt)).fill_(value)
        )
        _same(
            ad.tensor(np.zeros(2, dt)).new_full((3,), value),
            torch.from_numpy(np.zeros(2, dt)).new_full((3,), value),
        )


def test_clone():
    a = RNG.standard_normal((3, 4))
    _run(lambda x, M: x[0].clone() * 2, a)
    _run(lambda x, M: x[0].t().clone(), a)
    _run(lambda x, M: x[0][1, 2].clone(), a)
    for dt in (np.float32, np.int64, np.bool_, np.complex64):
        g = ad.tensor(np.ones(3, dt))
        c = g.clone()
        assert c.dtype == dt and c._data is not g._data
        c[0] = 0
        assert g[0].item() == 1


COPY_CASES = {
    "same shape": ((3, 4), (3, 4)),
    "broadcast row": ((3, 4), (4,)),
    "broadcast col": ((3, 4), (3, 1)),
    "broadcast 0-d": ((3, 4), ()),
    "expand dims": ((2, 3, 4), (3, 4)),
}


@pytest.mark.parametrize("name", list(COPY_CASES))
def test_copy_broadcast_and_grad(name):
    ds, ss = COPY_CASES[name]

    def f(x, M):
        y = x[0] * 1
        y.copy_(x[1] * 3)
        return y * x[0]  # x[0] reaches the result only through the second factor

    _run(f, RNG.standard_normal(ds), RNG.standard_normal(ss))


_COPY_DT = [
    np.float64,
    np.float32,
    np.float16,
    np.int64,
    np.int32,
    np.uint8,
    np.bool_,
    np.complex64,
    np.complex128,
]


@pytest.mark.parametrize("src", _COPY_DT, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("dst", _COPY_DT, ids=lambda d: np.dtype(d).name)
def test_copy_dtypes(src, dst):
    a = np.array([-2.7, -0.5, 0.0, 0.5, 1.5, 3.9]) + (
        1j * np.array([1, 0, 2, 0, 0, -1]) if np.dtype(src).kind == "c" else 0
    )
    if np.dtype(src).kind == "u":
        a = np.abs(a.real)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = a.astype(src)
        if np.dtype(dst).kind == "u" and np.dtype(src).kind in "fc":
            a = np.abs(a)  # negative floats into unsigned: undefined in C, in both
        g = ad.tensor(np.zeros(6, dst)).copy_(ad.tensor(a))
        t = torch.from_numpy(np.zeros(6, dst)).copy_(torch.from_numpy(a))
    _same(g, t)


def test_copy_grad_casts():
    def f64_to_f32(x, M):
        y = (x[0] * 1).float()
        y.copy_(x[1])
        return y.double()

    _run(f64_to_f32, A34, V4, tol=1e-6)

    def complex_into_real(x, M):
        y = x[0] * 1
        y.copy_(x[1] * (1 + 2j))
        return y

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _run(complex_into_real, A34, B34)

    def real_into_complex(x, M):
        y = x[0] * (1 - 1j)
        y.copy_(x[1])
        return y

    _run(real_into_complex, A34, B34)


def test_copy_errors():
    _raises_both(
        lambda: ad.tensor(np.zeros(3)).copy_(ad.tensor(np.zeros(4))),
        lambda: torch.zeros(3).copy_(torch.zeros(4)),
    )
    _raises_both(
        lambda: ad.tensor(np.zeros(3)).copy_(ad.tensor(np.zeros((2, 3)))),
        lambda: torch.zeros(3).copy_(torch.zeros(2, 3)),
    )
    _raises_both(
        lambda: ad.tensor(np.zeros(3), requires_grad=True).copy_(ad.tensor(np.ones(3))),
        lambda: torch.zeros(3, requires_grad=True).copy_(torch.ones(3)),
    )


@pytest.mark.parametrize(
    "dt",
    [np.float64, np.float32, np.int64, np.uint8, np.bool_, np.complex128],
    ids=lambda d: np.dtype(d).name,
)
def test_masked_fill_dtypes(dt):
    a = RNG.integers(0, 5, (3, 4)).astype(dt)
    m = RNG.random((3, 4)) > 0.5
    for v in (1, True, 0):
        _same(
            ad.tensor(a).masked_fill(ad.tensor(m), v),
            torch.from_numpy(a).masked_fill(torch.tensor(m), v),
        )
        _same(
            ad.tensor(a.copy()).masked_fill_(ad.tensor(m), v),
            torch.from_numpy(a.copy()).masked_fill_(torch.tensor(m), v),
        )
    mb = m[0]  # broadcast a row mask
    _same(
        ad.tensor(a).masked_fill(ad.tensor(mb), 1),
        torch.from_numpy(a).masked_fill(torch.tensor(mb), 1),
    )
    # a mask of more dims: out of place broadcasts, in place raises
    mm = RNG.random((2, 3, 4)) > 0.5
    _same(
        ad.tensor(a).masked_fill(ad.tensor(mm), 1),
        torch.from_numpy(a).masked_fill(torch.tensor(mm), 1),
    )
    _raises_both(
        lambda: ad.tensor(a.copy()).masked_fill_(ad.tensor(mm), 1),
        lambda: torch.from_numpy(a.copy()).masked_fill_(torch.tensor(mm), 1),
    )


def test_masked_fill_grads():
    m = A34 > 0
    _run(lambda x, M: x[0].masked_fill(x[0] > 0, 0.5) * 2, A34)
    _run(lambda x, M: x[0].masked_fill(x[0] > 0, x[1][2]), A34, V4)  # a 0-d Tensor value

    def inplace(x, M):
        y = x[0] * 1
        y.masked_fill_(x[0] > 0, x[1].sum())
        return y

    _run(inplace, A34, V4)
    _run(
        lambda x, M: x[0].masked_fill(torch.tensor(m[0]) if M is torch else ad.tensor(m[0]), -1.0),
        A34,
    )


_MF_SAMPLES = [((5, 5), (5, 5), 10), ((5, 5), (5, 5), "t"), ((5, 5), (5,), 10), ((), (), 10),
               ((), (), "t"), ((5, 5), (), 10), ((5, 5), (), "t"), ((), (5,), 10)]


@pytest.mark.parametrize("xs,ms,v", _MF_SAMPLES, ids=str)
def test_masked_fill_opinfo_samples(xs, ms, v):
    """torch's OpInfo samples for masked_fill: masks of fewer, equal and more dims, 0-d
    tensors, a number or a 0-d tensor value (which gets its gradient)."""
    m = RNG.standard_normal(ms) > 0
    arrays = (RNG.standard_normal(xs),) + ((np.array(0.7),) if v == "t" else ())

    def f(x, M):
        mask = ad.tensor(m) if M is gnp else torch.tensor(m)
        return x[0].masked_fill(mask, x[1] if v == "t" else v)

    _run(f, *arrays)


def test_masked_fill_errors():
    m = [True, False, True]
    _raises_both(
        lambda: ad.tensor(np.zeros(3)).masked_fill(ad.tensor([1.0, 0, 1]), 0.5),
        lambda: torch.zeros(3).masked_fill(torch.tensor([1.0, 0, 1]), 0.5),
        TypeError,
    )
    _raises_both(
        lambda: ad.tensor(np.zeros(3)).masked_fill(ad.tensor(m), ad.tensor([0.5])),
        lambda: torch.zeros(3).masked_fill(torch.tensor(m), torch.tensor([0.5])),
        RuntimeError,
        "0-d",
    )
    _raises_both(
        lambda: ad.tensor(np.zeros(3)).masked_fill(ad.tensor(m), ad.tensor(1j)),
        lambda: torch.zeros(3).masked_fill(torch.tensor(m), torch.tensor(1j)),
        TypeError,
        "complex",
    )
    _raises_both(
        lambda: ad.tensor(np.zeros(3)).masked_fill(ad.tensor([True, False]), 1.0),
        lambda: torch.zeros(3).masked_fill(torch.tensor([True, False]), 1.0),
        ValueError,
    )
    _raises_both(
        lambda: ad.tensor(np.zeros(3)).fill_(ad.tensor([3.0])),
        lambda: torch.zeros(3).fill_(torch.tensor([3.0])),
        RuntimeError,
    )


def test_where():
    _run(lambda x, M: x[0].where(x[0] > 0, x[1]), A34, B34)
    _run(lambda x, M: M.where(x[0] > 0, x[0], x[1] * 2), A34, B34)
    _run(lambda x, M: M.where(x[0] > 0, x[0], x[1]), A34, V4)  # broadcast
    _run(lambda x, M: M.where(x[0] > 0, x[0], 0.0), A34.astype(np.float32))
    _run(lambda x, M: M.where(x[0] > 0, 1.0, x[0]), A34.astype(np.float32))
    _run(lambda x, M: x[0].where(x[0] > 0, 0.0), A34.astype(np.float32))
    c = A34 > 0
    gi, ti = gnp.where(ad.tensor(c)), torch.where(torch.tensor(c))
    for a, b in zip(gi, ti, strict=True):
        np.testing.assert_array_equal(np.asarray(a), b.numpy())
    _raises_both(
        lambda: ad.tensor([1.0, 2.0]).where(ad.tensor([1.0, 0.0]), 0.0),
        lambda: torch.tensor([1.0, 2.0]).where(torch.tensor([1.0, 0.0]), 0.0),
        TypeError,
        "boolean",
    )


@pytest.mark.parametrize(
    "dt",
    [np.float64, np.float32, np.int64, np.int8, np.bool_, np.complex128],
    ids=lambda d: np.dtype(d).name,
)
def test_item_tolist(dt):
    a = RNG.integers(-3, 3, (2, 3)).astype(dt)
    g, t = ad.tensor(a), torch.from_numpy(a)
    assert g.tolist() == t.tolist()
    assert [type(e) for e in g.tolist()[0]] == [type(e) for e in t.tolist()[0]]
    for i in range(2):
        for j in range(3):
            assert g[i, j].item() == t[i, j].item()
            assert type(g[i, j].item()) is type(t[i, j].item())
    assert ad.tensor(a[:1, :1]).item() == torch.from_numpy(a[:1, :1].copy()).item()
    assert ad.tensor(a[0, 0]).tolist() == torch.from_numpy(a[0, 0:1].copy())[0].tolist()
    _raises_both(lambda: g.item(), lambda: t.item(), ValueError)


CASTS = [
    "double",
    "float",
    "half",
    "int",
    "long",
    "short",
    "char",
    "byte",
    "bool",
    "cfloat",
    "cdouble",
]


@pytest.mark.parametrize("name", CASTS)
def test_type_conversions(name):
    a = np.array([[-2.7, -0.5, 0.0], [0.5, 1.5, 3.9]])
    if name == "byte":
        a = np.abs(a)
    g, t = ad.tensor(a), torch.tensor(a)
    _same(getattr(g, name)(), getattr(t, name)(), 1e-3)
    if name in ("double", "float", "half", "cfloat", "cdouble"):
        tol = 1e-12 if name in ("double", "cdouble") else 1e-2
        _run(
            lambda x, M: (
                getattr(x[0], name)().double()
                if name not in ("cfloat", "cdouble")
                else getattr(x[0], name)() * (1 + 1j)
            ),
            a,
            tol=tol,
        )
    elif name != "bool":
        gr = ad.tensor(a, requires_grad=True)
        r = getattr(gr, name)()
        assert not r.requires_grad  # an integer result: a constant, as torch's
    assert getattr(g, name)() is not g or name == "double"


@pytest.mark.parametrize("tp", ["IntTensor", "FloatTensor", "DoubleTensor", "LongTensor",
                                "ByteTensor", "BoolTensor", "HalfTensor", "ShortTensor"])
def test_type_of_tensor_classes(tp):
    a = np.array([-1.5, 0.0, 2.5])
    if tp == "ByteTensor":
        a = np.abs(a)
    cls = getattr(torch, tp)
    _same(ad.tensor(a).type(cls), torch.tensor(a).type(cls))
    _same(ad.tensor(a).type(f"torch.{tp}"), torch.tensor(a).type(f"torch.{tp}"))
    with pytest.raises(RuntimeError, match="device"):
        ad.tensor(a).type(getattr(torch.cuda, tp))


@pytest.mark.parametrize("dt", list(_TD), ids=lambda d: np.dtype(d).name)
def test_dtype_predicates(dt):
    g, t = ad.tensor(np.zeros(2, dt)), torch.from_numpy(np.zeros(2, dt))
    assert g.is_signed() == t.is_signed()
    assert g.is_floating_point() == t.is_floating_point()
    assert g.is_complex() == t.is_complex()
    assert g.element_size() == t.element_size()


def test_dtype_comparisons_trap():
    """A documented trap (docs/porting.md): gpuad's dtypes are NumPy's, so comparing them with
    torch's dtypes is False; compare with NumPy's."""
    g, t = ad.tensor(np.ones(2, np.float32)), torch.ones(2)
    assert t.dtype == torch.float32 and not (g.dtype == torch.float32)
    assert g.dtype == np.float32 == t.numpy().dtype


def test_to_and_type():
    a = A34
    g, t = ad.tensor(a), torch.tensor(a)
    for d in (torch.float32, torch.int32, torch.complex128, torch.bool):
        _same(g.to(d), t.to(d), 1e-6)
        _same(g.to(dtype=d), t.to(dtype=d), 1e-6)
        _same(g.type(d), t.type(d), 1e-6)
        _same(g.to("cpu", d), t.to("cpu", d), 1e-6)
    _same(g.to(ad.tensor(np.ones(1, np.float32))), t.to(torch.ones(1)), 1e-6)
    _same(g.type("torch.FloatTensor"), t.type("torch.FloatTensor"), 1e-6)
    _same(g.type_as(ad.tensor(np.ones(1, np.int16))), t.type_as(torch.ones(1, dtype=torch.int16)))
    assert g.to(torch.float64) is g and t.to(torch.float64) is t
    assert g.to(torch.float64, copy=True) is not g
    assert g.type() == "float64"  # NumPy's name (torch: "torch.DoubleTensor"), documented
    _run(lambda x, M: x[0].to(M.float32).to(M.float64) * 3, a, tol=1e-6)
    _run(lambda x, M: x[0].type(M.float32).double(), a, tol=1e-6)


@pytest.mark.parametrize(
    "v",
    [
        [True, False],
        [1, 2],
        [1, 2.0],
        [1, 2j],
        [True, 2],
        [True, 2.5],
        [[1, 2], [3, 4]],
        [],
        [[]],
        [[1.5], [2.5]],
        [[True], [0]],
        [np.int32(1), 2],
        [np.float64(1.5), 2],
        3,
        2.5,
        True,
        1j,
        [[[1, 2]], [[3, 4]]],
    ],
    ids=repr,
)
def test_tensor_from_python(v, f64_default):
    _same(ad.tensor(v), torch.tensor(v))


def test_tensor_from_python_dtype_argument(f64_default):
    for d in (torch.float32, torch.int16, torch.complex64, torch.bool, np.float32, "float32"):
        td = d if isinstance(d, torch.dtype) else _TD[np.dtype(d).type]
        _same(ad.tensor([1, 0, 2], dtype=d), torch.tensor([1, 0, 2], dtype=td))
    _raises_both(lambda: ad.tensor([[1, 2], [3]]), lambda: torch.tensor([[1, 2], [3]]), ValueError)
    _raises_both(lambda: ad.tensor(None), lambda: torch.tensor(None), TypeError)
    _raises_both(lambda: ad.tensor(["a", "b"]), lambda: torch.tensor(["a", "b"]), TypeError)
    _raises_both(
        lambda: ad.tensor([1, 2], requires_grad=True),
        lambda: torch.tensor([1, 2], requires_grad=True),
        TypeError,
    )


def test_tensor_from_zero_dim_tensors(f64_default):
    """Lists of 0-d Tensors: values copied (a constant, no Tensor requires grad); with one that
    requires grad gpuad raises and ``gnp.stack`` records."""
    for vals in ([1.0, 2.0], [1, 2], [True, False], [1 + 1j, 2.0]):
        gs = [ad.tensor(v) for v in vals]
        ts = [torch.tensor(v) for v in vals]
        _same(ad.tensor(gs), torch.tensor(ts))
        _same(ad.tensor([gs, gs]), torch.tensor([ts, ts]))
    _same(
        ad.tensor([ad.tensor(np.float32(1.5)), ad.tensor(np.float32(2))]),
        torch.tensor(
            [torch.tensor(1.5, dtype=torch.float32), torch.tensor(2.0, dtype=torch.float32)]
        ),
    )
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="gnp.stack"):
        ad.tensor([x[0], x[1] * 2])
    with ad.no_grad():
        _same(ad.tensor([x[0], x[1] * 2]), torch.tensor([1.0, 4.0]))
    y = gnp.stack([x[0], x[1] * 2])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0])


def test_scalar_conversions():
    for v in ([0.0], [[2.5]], 2.5, [-2.7], 0, [True], [3]):
        g = ad.tensor(v)
        t = torch.tensor(v, dtype=torch.float64 if g.dtype == np.float64 else None)
        assert bool(g) == bool(t)
        assert int(g) == int(t)
        assert float(g) == float(t)
    for v in ([1.0, 2.0], np.zeros(0), [[1, 2]]):
        g, t = ad.tensor(v), torch.tensor(v)
        _raises_both(lambda: bool(g), lambda: bool(t), ValueError)
        _raises_both(lambda: int(g), lambda: int(t), TypeError)
        _raises_both(lambda: float(g), lambda: float(t), TypeError)
    _raises_both(lambda: float(ad.tensor(1 + 2j)), lambda: float(torch.tensor(1 + 2j)), TypeError)
    _raises_both(lambda: int(ad.tensor(1 + 2j)), lambda: int(torch.tensor(1 + 2j)), TypeError)
    _raises_both(
        lambda: int(ad.tensor(float("nan"))), lambda: int(torch.tensor(float("nan"))), ValueError
    )
    assert complex(ad.tensor([1 + 2j])) == complex(torch.tensor([1 + 2j])) == 1 + 2j
    # __index__: integer 0-d tensors index Python sequences and make ranges
    seq = [10, 20, 30]
    assert seq[ad.tensor(1)] == seq[torch.tensor(1)] == 20
    assert list(range(ad.tensor(3))) == list(range(torch.tensor(3)))
    _raises_both(lambda: seq[ad.tensor(1.0)], lambda: seq[torch.tensor(1.0)], TypeError)
    _raises_both(lambda: seq[ad.tensor([1, 2])], lambda: seq[torch.tensor([1, 2])], TypeError)


def test_scalar_conversion_detaches():
    """``float(t)``, ``int(t)``, ``t.item()`` are explicit constants in both."""
    g, t = ad.tensor([1.5], requires_grad=True), torch.tensor([1.5], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert float(g) == float(t) == g.item() == 1.5
        assert int(g) == int(t) == 1


def test_len_iter_contains():
    a = RNG.standard_normal((4, 2))
    g, t = ad.tensor(a), torch.tensor(a)
    assert len(g) == len(t) == 4
    _raises_both(lambda: len(ad.tensor(1.0)), lambda: len(torch.tensor(1.0)), TypeError, "0-d")
    _raises_both(
        lambda: iter(ad.tensor(1.0)),
        lambda: iter(torch.tensor(1.0)),
        TypeError,
        "iteration over a 0-d tensor",
    )
    rows = list(g)
    assert len(rows) == 4 and all(isinstance(r, ad.Tensor) for r in rows)
    for r, s in zip(g, t, strict=True):
        _same(r, s)
    _run(lambda x, M: sum(r * (i + 1.0) for i, r in enumerate(x[0])), a)
    assert list(ad.tensor(np.zeros((0, 3)))) == list(torch.zeros((0, 3))) == []
    v = [1.0, 2.0, float("nan")]
    g, t = ad.tensor(v), torch.tensor(v)
    for item in (2.0, 5, 2, ad.tensor(2.0), float("nan")):
        ti = torch.tensor(2.0) if isinstance(item, ad.Tensor) else item
        assert (item in g) == (ti in t)
    assert (ad.tensor([2.0, 3.0]) in ad.tensor([[1.0, 2.0]])) == (
        torch.tensor([2.0, 3.0]) in torch.tensor([[1.0, 2.0]])
    )
    _raises_both(lambda: "a" in g, lambda: "a" in t, TypeError)


SETITEM = {
    "row": (lambda y, v, M: y.__setitem__(1, v[0]), (4,)),
    "column": (lambda y, v, M: y.__setitem__((slice(None), 2), v[:3]), (4,)),
    "scalar Tensor": (lambda y, v, M: y.__setitem__((1, 2), v[0]), (4,)),
    "mask": (lambda y, v, M: y.__setitem__(y > 0, v[0]), (4,)),
    "mask values": (lambda y, v, M: y.__setitem__(y > 0, (v[0] * y[y > 0]) ** 2), (4,)),
    "int Tensor index": (
        lambda y, v, M: y.__setitem__(
            ad.tensor(np.array([0, 2])) if M is gnp else torch.tensor([0, 2]), v
        ),
        (4,),
    ),
    "bool Tensor index": (
        lambda y, v, M: y.__setitem__(
            ad.tensor(np.array([True, False, True]))
            if M is gnp
            else torch.tensor([True, False, True]),
            v,
        ),
        (4,),
    ),
    "slice broadcast": (lambda y, v, M: y.__setitem__((slice(0, 2), slice(1, 3)), v[1:3]), (4,)),
    "ellipsis": (lambda y, v, M: y.__setitem__(Ellipsis, v), (4,)),
}


@pytest.mark.parametrize("name", list(SETITEM))
def test_setitem_with_tensors(name):
    fn, vshape = SETITEM[name]

    def f(x, M):
        y = x[0] * 1
        fn(y, x[1], M)
        return y * x[0]

    _run(f, A34, RNG.standard_normal(vshape))


def test_setitem_values_of_other_dtype():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dst, src in (
            (np.int64, [1.7, -2.2, 3.9]),
            (np.float32, [1.0, 2.0, 3.0]),
            (np.float64, [1 + 2j, 2, 3]),
        ):
            g, t = ad.tensor(np.zeros((2, 3), dst)), torch.from_numpy(np.zeros((2, 3), dst))
            g[0] = ad.tensor(np.array(src))
            t[0] = torch.tensor(np.array(src))
            _same(g, t)
    _raises_both(
        lambda: ad.tensor(np.zeros(3)).__setitem__(0, 1j),
        lambda: torch.zeros(3).__setitem__(0, 1j),
        TypeError,
    )


# ---- cumulative ops -------------------------------------------------------------------------
CUM = {
    "cumsum": (lambda x, d: x.cumsum(dim=d), True),
    "cumsum pos": (lambda x, d: x.cumsum(d), True),
    "cumprod": (lambda x, d: x.cumprod(dim=d), True),
    "cumprod pos": (lambda x, d: x.cumprod(d), True),
    "cummax": (lambda x, d: x.cummax(d)[0], False),
    "cummin": (lambda x, d: x.cummin(dim=d)[0], False),
    "cummax idx": (lambda x, d: x.cummax(d)[1], False),
    "cummin idx": (lambda x, d: x.cummin(d)[1], False),
    "logcumsumexp": (lambda x, d: x.logcumsumexp(d), False),
    "logcumsumexp kw": (lambda x, d: x.logcumsumexp(dim=d), False),
}
_TIES = np.array([[1.0, 3, 3, 2, 3], [2, 2, 1, 1, 5], [0, 0, 0, 0, 0]])
_ZEROS = np.array([[0.5, 0, 2, -1, 3], [2, 0, 0, 1, 5], [-1.5, 2, 3, 0, 0.5]])
_CUM_DATA = {
    "random": RNG.standard_normal((3, 5)),
    "ties": _TIES,
    "zeros": _ZEROS,
    "3-d": RNG.standard_normal((2, 3, 4)),
}


@pytest.mark.parametrize("data", list(_CUM_DATA))
@pytest.mark.parametrize("name", list(CUM))
def test_cumulative_ops(name, data):
    fn, _ = CUM[name]
    a = _CUM_DATA[data]
    for d in range(-a.ndim, a.ndim):
        _run(lambda x, M: fn(x[0], d), a, grad="idx" not in name)


@pytest.mark.parametrize("name", list(CUM))
def test_cumulative_ops_edges(name):
    """0-d, empty, float32, NaN, integer and boolean inputs, dims out of range. A positional
    ``cumsum(d)``/``cumprod(d)`` is NumPy's (docs/porting.md): one element in one dim for a
    0-d tensor, NumPy's integer dtypes (uint64 for uint8); ``dim=`` is torch's."""
    fn, ints = CUM[name]
    numpy_form = name.endswith(" pos")
    if numpy_form:
        assert fn(ad.tensor(2.5), 0).shape == (1,)
    else:
        _run(lambda x, M: fn(x[0], 0), np.array(2.5))  # 0-d
        _run(lambda x, M: fn(x[0], -1), np.array(2.5))
    _run(lambda x, M: fn(x[0], 0), np.zeros((0, 3)))
    _run(lambda x, M: fn(x[0], 1), np.zeros((0, 3)))
    _run(lambda x, M: fn(x[0], 1), A34.astype(np.float32), tol=1e-5)
    _run(lambda x, M: fn(x[0], 0), np.array([1.0, np.nan, 3.0, 0.0, -np.inf]), grad=False)
    for dt in (np.int64, np.int32, np.bool_, np.uint8):
        a = RNG.integers(0, 3, (3, 4)).astype(dt)
        if numpy_form:
            ref = getattr(np, name.split()[0])(a, 1)
            np.testing.assert_array_equal(fn(ad.tensor(a), 1).numpy(), ref)
            assert fn(ad.tensor(a), 1).dtype == ref.dtype
        elif ints or "cumm" in name:
            _same(fn(ad.tensor(a), 1), fn(torch.from_numpy(a), 1))
    _raises_both(
        lambda: fn(ad.tensor(A34), 2),
        lambda: fn(torch.tensor(A34), 2),
        (IndexError, np.exceptions.AxisError),
    )
    _raises_both(
        lambda: fn(ad.tensor(A34), -3),
        lambda: fn(torch.tensor(A34), -3),
        (IndexError, np.exceptions.AxisError),
    )


def test_cumulative_dtype_argument():
    a = np.array([[1, 2, 3], [4, 5, 6]], np.int32)
    for d in (torch.float32, torch.float64, torch.int64):
        _same(ad.tensor(a).cumsum(dim=1, dtype=d), torch.from_numpy(a).cumsum(dim=1, dtype=d))
        _same(ad.tensor(a).cumprod(dim=0, dtype=d), torch.from_numpy(a).cumprod(dim=0, dtype=d))


def test_logcumsumexp_extremes():
    """Neither overflow nor underflow; at -inf entries gpuad's slope is the exact one (torch's
    backward gives NaN there)."""
    for a in (
        [1e308, 1e308, -1e308],
        [-1e308, -1e308, 5.0],
        [-np.inf, -np.inf, 1.0],
        [1000.0, -1000.0, 1000.0],
    ):
        _run(lambda x, M: x[0].logcumsumexp(0), np.array(a), grad=False)
    x = ad.tensor([-np.inf, 0.0, 1.0], requires_grad=True)
    x.logcumsumexp(0).sum().backward()
    e = math.exp(1.0)
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1 + 1 / (1 + e), e / (1 + e)])
