"""Random calls of the functions gpuad.numpy shares with jax.numpy, for the keyword fuzzer
(tests/conformance/test_jax_numpy_kwargs_fuzz.py).

``SPECS`` maps a case name (``"name"`` or ``"name#variant"``) to a drawer: ``draw(d)`` takes a
:class:`Draw` and returns ``(args, kwargs)``; the call is ``<module>.<name>(*args, **kwargs)``
unless ``CALLS`` holds ``(m, *args, **kwargs) -> result`` for the case (``m`` is gpuad.numpy,
jax.numpy or numpy). Arrays among the arguments are host NumPy arrays drawn with random
layouts (reversed strides, transposed, every other element); floating ones are the inputs the
fuzzer differentiates.
"""

from __future__ import annotations

import random

import numpy as np


class Draw:
    """Random shapes, axes, keywords and arrays for one case."""

    def __init__(self, seed: int):
        self.r = random.Random(seed)
        self.g = np.random.default_rng(seed)

    # ---- plain choices
    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def coin(self, p: float = 0.5) -> bool:
        return self.r.random() < p

    def shape(self, lo: int = 0, hi: int = 3, zero: float = 0.08, dmax: int = 4) -> tuple:
        nd = self.r.randint(lo, hi)
        return tuple(0 if self.coin(zero) else self.r.randint(1, dmax) for _ in range(nd))

    def axis(self, nd: int, none: bool = True, tup: bool = True):
        """None, an int (maybe negative) or an out-of-order tuple of distinct axes."""
        if nd == 0 or (none and self.coin(0.25)):
            return None if none else (0 if nd else None)
        if tup and self.coin(0.3):
            k = self.r.randint(1, nd)
            axes = self.r.sample(range(nd), k)
            return tuple(a - nd if self.coin(0.3) else a for a in axes)
        a = self.r.randrange(nd)
        return a - nd if self.coin(0.4) else a

    def int_axis(self, nd: int) -> int:
        a = self.r.randrange(max(nd, 1))
        return a - max(nd, 1) if self.coin(0.4) else a

    def bshapes(self, n: int, lo: int = 0, hi: int = 3) -> list:
        """``n`` shapes that broadcast together (dropped leading dims, size-1 dims)."""
        base = self.shape(lo, hi)
        out = []
        for _ in range(n):
            s = list(base[self.r.randint(0, len(base)) if self.coin(0.3) else 0:])
            s = [1 if self.coin(0.25) else k for k in s]
            out.append(tuple(s))
        return out

    # ---- arrays
    def layout(self, a: np.ndarray) -> np.ndarray:
        """The same values in a random memory layout."""
        k = self.r.random()
        if a.ndim == 0 or a.size == 0 or k < 0.4:
            return a
        if k < 0.6:
            return a[::-1].copy()[::-1]
        if k < 0.8 and a.ndim >= 2:
            return np.ascontiguousarray(np.swapaxes(a, 0, -1)).swapaxes(0, -1)
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        big[..., ::2] = a
        return big[..., ::2]

    def f(self, shape, lo: float = -2.0, hi: float = 2.0) -> np.ndarray:
        return self.layout(self.g.uniform(lo, hi, shape))

    def c(self, shape, lo: float = -2.0, hi: float = 2.0) -> np.ndarray:
        return self.layout(self.g.uniform(lo, hi, shape) + 1j * self.g.uniform(lo, hi, shape))

    def i(self, shape, lo: int = -4, hi: int = 5) -> np.ndarray:
        return self.layout(self.g.integers(lo, hi, shape))

    def b(self, shape, p: float = 0.5) -> np.ndarray:
        return self.layout(self.g.random(shape) < p)

    def special(self, a: np.ndarray, p: float = 0.2) -> np.ndarray:
        """``a`` with some entries NaN, +inf or -inf."""
        a = np.array(a)
        if a.size:
            m = self.g.random(a.shape) < p
            a[m] = self.g.choice([np.nan, np.nan, np.inf, -np.inf], int(m.sum()))
        return self.layout(a)

    def x(self, shape, kinds: str = "f", lo: float = -2.0, hi: float = 2.0) -> np.ndarray:
        """An array of a kind drawn from ``kinds`` (f float, c complex, i int, b bool)."""
        k = self.pick(kinds)
        if k == "c":
            return self.c(shape, lo, hi)
        if k == "i":
            return self.i(shape, int(np.floor(lo)), int(np.ceil(hi)) + 1)
        if k == "b":
            return self.b(shape)
        return self.f(shape, lo, hi)

    def sorted1d(self, n: int, lo: float = -2.0, hi: float = 2.0) -> np.ndarray:
        return self.layout(np.sort(self.g.uniform(lo, hi, n)))


SPECS: dict = {}
CALLS: dict = {}
# cases whose inputs include NaN/inf on purpose: gradients compared where both are finite
SPECIAL_INPUTS: set = set()


def spec(*names, call=None, special=False):
    def deco(fn):
        for n in names:
            SPECS[n] = fn
            if call is not None:
                CALLS[n] = call
            if special:
                SPECIAL_INPUTS.add(n)
        return fn
    return deco


# ---------------------------------------------------------------- unary elementwise

_UNARY_R = ["sin", "cos", "arctan", "atan", "sinh", "cosh", "tanh", "exp", "expm1", "exp2",
            "cbrt", "negative", "positive", "square", "sign", "abs", "absolute", "fabs",
            "deg2rad", "degrees", "rad2deg", "radians", "sinc", "i0", "real", "imag", "conj",
            "conjugate", "angle", "arcsinh", "asinh", "ceil", "floor", "trunc", "rint",
            "signbit", "spacing", "logical_not"]
_UNARY_DOMAIN = {"tan": (-1.2, 1.2), "arcsin": (-0.95, 0.95), "arccos": (-0.95, 0.95),
                 "arctanh": (-0.95, 0.95), "asin": (-0.95, 0.95), "acos": (-0.95, 0.95),
                 "atanh": (-0.95, 0.95), "log": (0.1, 3.0), "log2": (0.1, 3.0),
                 "log10": (0.1, 3.0), "log1p": (-0.5, 3.0), "sqrt": (0.1, 3.0),
                 "arccosh": (1.1, 3.0), "acosh": (1.1, 3.0), "reciprocal": (0.3, 2.0)}
# holomorphic (or complex-defined) ones get complex inputs too
_COMPLEX_OK = {"sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "expm1", "log", "log2",
               "log10", "log1p", "sqrt", "square", "reciprocal", "negative", "positive",
               "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "abs",
               "absolute", "real", "imag", "conj", "conjugate", "angle", "sign", "exp2"}
_FLOAT_ONLY = {"cbrt", "fabs", "deg2rad", "degrees", "rad2deg", "radians", "i0", "spacing",
               "signbit", "arctan", "atan", "sinc", "rint", "exp2"}


def _unary(name):
    lo, hi = _UNARY_DOMAIN.get(name, (-2.0, 2.0))
    kinds = "fffib"
    if name in _COMPLEX_OK:
        kinds += "cc"
    if name in ("reciprocal",):
        kinds = "ffcc"
    if name in ("arccosh", "acosh", "log", "log2", "log10", "sqrt", "log1p"):
        kinds = "fffic" if name in _COMPLEX_OK else "fffi"

    def draw(d):
        return (d.x(d.shape(), kinds, lo, hi),), {}
    return draw


for _n in _UNARY_R + list(_UNARY_DOMAIN):
    SPECS[_n] = _unary(_n)


@spec("isfinite", "isinf", "isnan", "isneginf", "isposinf", special=True)
def _(d):
    return (d.special(d.x(d.shape(), "ffc")),), {}


@spec("nan_to_num", special=True)
def _(d):
    kw = {}
    for k in ("nan", "posinf", "neginf"):
        if d.coin(0.4):
            kw[k] = d.pick([0.0, 1.5, -3.0])
    return (d.special(d.x(d.shape(), "fffc")),), kw


@spec("round", "around")
def _(d):
    x = d.x(d.shape(), "fffic", -50, 50)
    return (x,), ({"decimals": d.pick([0, 1, 2, -1])} if d.coin(0.7) else {})


@spec("frexp", "modf")
def _(d):
    return (d.f(d.shape(), -8, 8),), {}


@spec("invert", "bitwise_not", "bitwise_invert", "bitwise_count")
def _(d):
    return (d.x(d.shape(), "iib"),), {}


# ---------------------------------------------------------------- binary elementwise

_BIN = {"add": "fic", "subtract": "fic", "multiply": "ficb", "divide": "fc", "true_divide": "fc",
        "floor_divide": "fi", "power": "fc", "pow": "fc", "float_power": "f", "mod": "fi",
        "remainder": "fi", "fmod": "fi", "divmod": "f", "arctan2": "f", "atan2": "f",
        "hypot": "f", "logaddexp": "f", "logaddexp2": "f", "maximum": "fi", "minimum": "fi",
        "fmax": "f", "fmin": "f", "copysign": "f", "nextafter": "f", "heaviside": "f",
        "equal": "fib", "not_equal": "fib", "less": "fi", "less_equal": "fi", "greater": "fi",
        "greater_equal": "fi", "logical_and": "fb", "logical_or": "fb", "logical_xor": "fb"}
_BIN_INT = ["bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm", "left_shift",
            "right_shift", "bitwise_left_shift", "bitwise_right_shift"]


def _binary(name, kinds):
    def draw(d):
        s1, s2 = d.bshapes(2)
        k = d.pick(kinds)
        if name in ("divide", "true_divide", "mod", "remainder", "fmod", "floor_divide",
                    "divmod"):
            a = d.x(s1, k)
            b = d.x(s2, k, 1.0, 2.0)
            if k in "fi" and b.size and d.coin(0.5):
                b = b * np.where(d.g.random(b.shape) < 0.5, -1, 1).astype(b.dtype)
            return (a, b), {}
        if name in ("power", "pow", "float_power"):
            a = d.x(s1, k, 0.3, 2.0)
            return (a, d.x(s2, k, -2.0, 2.0)), {}
        if name in ("fmax", "fmin", "maximum", "minimum") and d.coin(0.3):
            return (d.special(d.f(s1)), d.special(d.f(s2))), {}
        return (d.x(s1, k), d.x(s2, k)), {}
    return draw


for _n, _k in _BIN.items():
    SPECS[_n] = _binary(_n, _k)
SPECIAL_INPUTS |= {"fmax", "fmin", "maximum", "minimum"}


def _binint(name):
    def draw(d):
        s1, s2 = d.bshapes(2)
        if "shift" in name:
            return (d.i(s1, -20, 20), d.i(s2, 0, 5)), {}
        return (d.i(s1, -12, 13), d.i(s2, -12, 13)), {}
    return draw


for _n in _BIN_INT:
    SPECS[_n] = _binint(_n)


@spec("ldexp")
def _(d):
    s1, s2 = d.bshapes(2)
    return (d.f(s1), d.i(s2, -3, 4)), {}


@spec("isclose", "allclose")
def _(d):
    s1, s2 = d.bshapes(2)
    a = d.special(d.f(s1), 0.1)
    b = np.where(d.g.random(np.broadcast_shapes(s1, s2)) < 0.5, a + 1e-7, a)
    b = np.ascontiguousarray(np.broadcast_to(b, np.broadcast_shapes(s1, s2)))
    kw = {}
    if d.coin(0.5):
        kw["rtol"] = d.pick([1e-5, 1e-9, 0.0])
    if d.coin(0.5):
        kw["atol"] = d.pick([1e-8, 1e-6, 0.0])
    if d.coin(0.5):
        kw["equal_nan"] = d.coin()
    return (a, b), kw


@spec("array_equal", "array_equiv")
def _(d):
    s = d.shape()
    a = d.special(d.i(s).astype(float), 0.1)
    b = a.copy() if d.coin(0.6) else d.i(s).astype(float)
    kw = {"equal_nan": d.coin()} if d.coin(0.5) else {}
    return (a, b), kw


# ---------------------------------------------------------------- reductions

def _where_mask(d, shape):
    s = tuple(1 if d.coin(0.3) else k for k in shape)
    return d.b(s, 0.7)


@spec("sum", "prod", "mean")
def _(d):
    s = d.shape(0, 3)
    x = d.x(s, "ffffcib")
    kw = {}
    if d.coin(0.7):
        kw["axis"] = d.axis(len(s))
    if d.coin(0.4):
        kw["keepdims"] = d.coin()
    if d.coin(0.3):
        kw["dtype"] = d.pick([np.float64, np.complex128] if x.dtype.kind != "c"
                             else [np.complex128])
    if d.coin(0.3):
        kw["where"] = _where_mask(d, s)
    return (x,), kw


@spec("sum#initial", "prod#initial", call=lambda m, x, **k: (
    m.sum(x, **k) if "sum" in k.pop("_which") else m.prod(x, **k)))
def _(d):
    s = d.shape(0, 3)
    kw = {"_which": d.pick(["sum", "prod"]), "initial": d.pick([0.5, -1.0, 2.0])}
    if d.coin(0.7):
        kw["axis"] = d.axis(len(s))
    if d.coin(0.4):
        kw["where"] = _where_mask(d, s)
    kw["keepdims"] = d.coin()
    return (d.f(s),), kw


@spec("max", "min", "amax", "amin")
def _(d):
    s = d.shape(0, 3)
    x = d.x(s, "fffib")
    kw = {}
    if d.coin(0.7):
        kw["axis"] = d.axis(len(s))
    if d.coin(0.4):
        kw["keepdims"] = d.coin()
    if d.coin(0.4) or 0 in s:
        kw["initial"] = d.pick([-1.0, 0.5, 3.0]) if x.dtype.kind == "f" else d.pick([-1, 2])
        if x.dtype.kind == "b":
            kw["initial"] = True
        if d.coin(0.5):
            kw["where"] = _where_mask(d, s)
    return (x,), kw


@spec("all", "any")
def _(d):
    s = d.shape(0, 3)
    kw = {}
    if d.coin(0.7):
        kw["axis"] = d.axis(len(s))
    if d.coin(0.4):
        kw["keepdims"] = d.coin()
    if d.coin(0.3):
        kw["where"] = _where_mask(d, s)
    return (d.x(s, "fbbi", -1, 1),), kw


@spec("var", "std")
def _(d):
    s = d.shape(0, 3)
    x = d.x(s, "ffffci")
    kw = {}
    if d.coin(0.7):
        kw["axis"] = d.axis(len(s))
    if d.coin(0.4):
        kw["keepdims"] = d.coin()
    if d.coin(0.5):
        kw["ddof"] = d.pick([0, 1, 2])
    if d.coin(0.2):
        kw["where"] = _where_mask(d, s)
    return (x,), kw


@spec("argmax", "argmin")
def _(d):
    s = d.shape(0, 3)
    s = tuple(max(k, 1) for k in s)
    kw = {}
    if d.coin(0.7) and s:
        kw["axis"] = d.int_axis(len(s))
    if d.coin(0.4):
        kw["keepdims"] = d.coin()
    return (d.x(s, "fffib"),), kw


@spec("ptp", "count_nonzero")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(0, 3))
    kw = {}
    if d.coin(0.7):
        kw["axis"] = d.axis(len(s))
    if d.coin(0.4):
        kw["keepdims"] = d.coin()
    return (d.x(s, "ffib", -1, 1),), kw


@spec("nansum", "nanprod", "nanmean", "nanmax", "nanmin", "nanvar", "nanstd", special=True)
def _(d):
    s = d.shape(0, 3)
    x = d.special(d.f(s), 0.25)
    x = np.where(np.isinf(x), np.nan, x) if d.coin(0.7) else x
    kw = {}
    if d.coin(0.7):
        kw["axis"] = d.axis(len(s))
    if d.coin(0.4):
        kw["keepdims"] = d.coin()
    return (d.layout(x),), kw


@spec("nanvar#ddof", "nanstd#ddof", special=True,
      call=lambda m, x, **k: getattr(m, k.pop("_w"))(x, **k))
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 3))
    x = np.where(d.g.random(s) < 0.2, np.nan, d.g.uniform(-2, 2, s))
    kw = {"_w": d.pick(["nanvar", "nanstd"]), "ddof": d.pick([0, 1, 2])}
    if d.coin(0.7):
        kw["axis"] = d.axis(len(s))
    kw["keepdims"] = d.coin()
    return (d.layout(x),), kw


@spec("nanargmax", "nanargmin", special=True)
def _(d):
    s = tuple(max(k, 1) for k in d.shape(0, 3))
    x = np.array(d.f(s))
    if x.size > 1:
        x.flat[0] = np.nan
    kw = {}
    if d.coin(0.6) and s:
        kw["axis"] = d.int_axis(len(s))
        x = np.array(d.f(s))
    if d.coin(0.3):
        kw["keepdims"] = d.coin()
    return (d.layout(x),), kw


@spec("cumsum", "cumprod", "nancumsum", "nancumprod")
def _(d):
    s = d.shape(0, 3)
    x = d.x(s, "ffffcib")
    kw = {}
    if d.coin(0.7) and s:
        kw["axis"] = d.int_axis(len(s))
    if d.coin(0.3):
        kw["dtype"] = d.pick([np.float64, np.complex128] if x.dtype.kind != "c"
                             else [np.complex128])
    return (x,), kw


@spec("nancumsum#nan", "nancumprod#nan", special=True,
      call=lambda m, x, **k: getattr(m, k.pop("_w"))(x, **k))
def _(d):
    s = d.shape(1, 3)
    x = np.where(d.g.random(s) < 0.25, np.nan, d.g.uniform(-2, 2, s))
    kw = {"_w": d.pick(["nancumsum", "nancumprod"])}
    if d.coin(0.7):
        kw["axis"] = d.int_axis(len(s))
    return (d.layout(x),), kw


@spec("cumulative_sum", "cumulative_prod")
def _(d):
    s = d.shape(1, 3)
    kw = {}
    if len(s) > 1 or d.coin(0.5):
        kw["axis"] = d.int_axis(len(s))
    if d.coin(0.5):
        kw["include_initial"] = d.coin()
    if d.coin(0.2):
        kw["dtype"] = np.complex128
    return (d.x(s, "fffib"),), kw


@spec("median")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(0, 3))
    kw = {}
    if d.coin(0.7):
        kw["axis"] = d.axis(len(s))
    if d.coin(0.4):
        kw["keepdims"] = d.coin()
    return (d.x(s, "fffi"),), kw


@spec("nanmedian", special=True)
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 3))
    x = np.where(d.g.random(s) < 0.2, np.nan, d.g.uniform(-2, 2, s))
    kw = {}
    if d.coin(0.7):
        kw["axis"] = d.axis(len(s))
    if d.coin(0.4):
        kw["keepdims"] = d.coin()
    return (d.layout(x),), kw


_METHODS = ["linear", "lower", "higher", "midpoint", "nearest"]


def _quant(name, nan):
    scale = 100.0 if "percentile" in name else 1.0

    def draw(d):
        s = tuple(max(k, 1) for k in d.shape(1, 3))
        x = d.g.uniform(-2, 2, s)
        if nan:
            x = np.where(d.g.random(s) < 0.2, np.nan, x)
        q = (d.g.uniform(0, 1) if d.coin() else d.g.uniform(0, 1, d.r.randint(1, 3))) * scale
        kw = {}
        if d.coin(0.7):
            kw["axis"] = d.axis(len(s))
        if d.coin(0.4):
            kw["keepdims"] = d.coin()
        if d.coin(0.6):
            kw["method"] = d.pick(_METHODS)
        return (d.layout(x), q), kw
    return draw


for _n in ("quantile", "percentile", "nanquantile", "nanpercentile"):
    SPECS[_n] = _quant(_n, _n.startswith("nan"))
SPECIAL_INPUTS |= {"nanquantile", "nanpercentile"}


@spec("average")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(0, 3))
    kw = {}
    x = d.x(s, "fffi")
    if d.coin(0.7) and s:
        ax = d.axis(len(s), none=False, tup=False)
        kw["axis"] = ax
        if d.coin(0.6):
            kw["weights"] = d.f((s[ax],), 0.2, 2.0) if d.coin() else d.f(s, 0.2, 2.0)
    elif d.coin(0.6):
        kw["weights"] = d.f(s, 0.2, 2.0)
        if d.coin(0.5) and s:
            kw["axis"] = d.axis(len(s), none=False)
    if d.coin(0.3):
        kw["returned"] = True
    if d.coin(0.3):
        kw["keepdims"] = d.coin()
    return (x,), kw


# ---------------------------------------------------------------- shapes and indexing

@spec("reshape")
def _(d):
    s = d.shape(0, 3)
    n = int(np.prod(s))
    opts = [(n,), (-1,), (1, n), (n, 1), (-1, 1)]
    if n % 2 == 0 and n:
        opts.append((2, -1))
    kw = {"order": d.pick(["C", "F"])} if d.coin(0.3) else {}
    return (d.x(s, "ffc"), d.pick(opts)), kw


@spec("ravel")
def _(d):
    return (d.x(d.shape(0, 3), "ffc"),), ({"order": d.pick(["C", "F"])} if d.coin(0.4) else {})


@spec("transpose", "permute_dims")
def _(d):
    s = d.shape(0, 4)
    ax = tuple(d.r.sample(range(len(s)), len(s)))
    if d.coin(0.3):
        ax = tuple(a - len(s) if d.coin() else a for a in ax)
    return (d.x(s, "ffc"), ax), {}


@spec("swapaxes")
def _(d):
    s = d.shape(1, 4)
    return (d.f(s), d.int_axis(len(s)), d.int_axis(len(s))), {}


@spec("moveaxis")
def _(d):
    s = d.shape(1, 4)
    k = d.r.randint(1, len(s))
    src = tuple(d.r.sample(range(len(s)), k))
    dst = tuple(a - len(s) if d.coin(0.3) else a for a in d.r.sample(range(len(s)), k))
    if k == 1 and d.coin():
        src, dst = src[0], dst[0]
    return (d.f(s), src, dst), {}


@spec("rollaxis")
def _(d):
    s = d.shape(1, 4)
    return (d.f(s), d.int_axis(len(s))), ({"start": d.r.randint(0, len(s))} if d.coin() else {})


@spec("expand_dims")
def _(d):
    s = d.shape(0, 3)
    k = d.r.randint(1, 2)
    out_nd = len(s) + k
    ax = tuple(a - out_nd if d.coin(0.3) else a for a in d.r.sample(range(out_nd), k))
    return (d.f(s), ax if len(ax) > 1 or d.coin() else ax[0]), {}


@spec("squeeze")
def _(d):
    s = tuple(1 if d.coin(0.5) else k for k in d.shape(0, 4))
    ones = [i for i, k in enumerate(s) if k == 1]
    kw = {}
    if ones and d.coin(0.6):
        pick = d.r.sample(ones, d.r.randint(1, len(ones)))
        kw["axis"] = tuple(pick) if len(pick) > 1 or d.coin() else pick[0]
    return (d.x(s, "ffc"),), kw


@spec("flip")
def _(d):
    s = d.shape(0, 3)
    return (d.x(s, "ffci"),), ({"axis": d.axis(len(s))} if d.coin(0.7) else {})


@spec("fliplr", "flipud")
def _(d):
    return (d.f(d.shape(2, 3)),), {}


@spec("rot90")
def _(d):
    s = d.shape(2, 3)
    kw = {}
    if d.coin(0.7):
        kw["k"] = d.r.randint(-3, 4)
    if d.coin(0.5):
        a, b = d.r.sample(range(len(s)), 2)
        kw["axes"] = (a, b - len(s) if d.coin(0.3) else b)
    return (d.f(s),), kw


@spec("roll")
def _(d):
    s = d.shape(0, 3)
    kw = {}
    if d.coin(0.6) and s:
        ax = d.axis(len(s), none=False)
        kw["axis"] = ax
        sh = (tuple(d.r.randint(-5, 5) for _ in ax) if isinstance(ax, tuple)
              else d.r.randint(-5, 5))
    else:
        sh = d.r.randint(-5, 5)
    return (d.x(s, "ffci"), sh), kw


@spec("tile")
def _(d):
    s = d.shape(0, 3)
    reps = tuple(d.r.randint(0, 3) if d.coin(0.2) else d.r.randint(1, 3)
                 for _ in range(d.r.randint(1, 3)))
    return (d.f(s), reps if len(reps) > 1 or d.coin() else reps[0]), {}


@spec("repeat")
def _(d):
    s = d.shape(0, 3)
    kw = {}
    if d.coin(0.6) and s:
        ax = d.int_axis(len(s))
        kw["axis"] = ax
        rep = d.i((s[ax],), 0, 3) if d.coin() else d.r.randint(0, 3)
    else:
        rep = d.r.randint(0, 3)
    return (d.f(s), rep), kw


def _joinable(d, n, nd_lo=1, nd_hi=3):
    s = d.shape(nd_lo, nd_hi)
    ax = d.int_axis(len(s))
    shapes = []
    for _ in range(n):
        t = list(s)
        t[ax] = d.r.randint(0, 3)
        shapes.append(tuple(t))
    return shapes, ax


@spec("concatenate", "concat")
def _(d):
    shapes, ax = _joinable(d, d.r.randint(1, 3))
    kw = {"axis": ax} if d.coin(0.8) else {}
    if d.coin(0.1):
        kw["axis"] = None
    k = d.pick("fc")
    return ([d.x(s, k) for s in shapes],), kw


@spec("stack")
def _(d):
    s = d.shape(0, 3)
    n = d.r.randint(1, 3)
    kw = {"axis": d.r.randint(-len(s) - 1, len(s))} if d.coin(0.8) else {}
    return ([d.f(s) for _ in range(n)],), kw


@spec("hstack", "vstack", "dstack", "column_stack")
def _(d):
    s = d.shape(0, 2)
    n = d.r.randint(1, 3)
    return ([d.f(s) for _ in range(n)],), {}


@spec("split", "array_split")
def _(d):
    s = d.shape(1, 3)
    ax = d.int_axis(len(s))
    n = s[ax]
    if d.coin(0.5):
        idx = sorted(d.r.randint(0, n + 1) for _ in range(d.r.randint(0, 2)))
        ind = idx
    else:
        divs = [k for k in range(1, 5) if n % k == 0] or [1]
        ind = d.pick(divs)
    return (d.f(s), ind), ({"axis": ax} if d.coin(0.8) else {})


@spec("hsplit", "vsplit", "dsplit")
def _(d):
    s = d.shape(3, 3)
    return (d.f(s), [1]), {}


@spec("unstack")
def _(d):
    s = d.shape(1, 3)
    return (d.f(s),), ({"axis": d.int_axis(len(s))} if d.coin(0.7) else {})


@spec("atleast_1d", "atleast_2d", "atleast_3d")
def _(d):
    return tuple(d.f(d.shape(0, 3)) for _ in range(d.r.randint(1, 2))), {}


@spec("broadcast_to")
def _(d):
    s1, s2 = d.bshapes(2)
    target = np.broadcast_shapes(s1, s2)
    return (d.f(s1), target), {}


@spec("broadcast_arrays")
def _(d):
    shapes = d.bshapes(d.r.randint(1, 3))
    return tuple(d.f(s) for s in shapes), {}


@spec("matrix_transpose")
def _(d):
    return (d.x(d.shape(2, 4), "fc"),), {}


_PAD_MODES = ["constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp", "maximum",
              "minimum", "mean", "median"]


@spec("pad")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(0, 3))
    mode = d.pick(_PAD_MODES)
    hi = 4 if mode in ("constant", "edge", "linear_ramp", "wrap", "reflect", "symmetric") else 2
    form = d.r.randint(0, 2)
    if form == 0 or not s:
        pw = d.r.randint(0, hi)
    elif form == 1:
        pw = (d.r.randint(0, hi), d.r.randint(0, hi))
    else:
        pw = tuple((d.r.randint(0, hi), d.r.randint(0, hi)) for _ in s)
    kw = {}
    if mode != "constant" or d.coin(0.8):
        kw["mode"] = mode
    if mode == "constant" and d.coin(0.5):
        kw["constant_values"] = d.pick([1.5, (0.5, -1.0)])
    if mode == "linear_ramp" and d.coin(0.6):
        kw["end_values"] = d.pick([2.0, (0.5, -1.0)])
    if mode in ("maximum", "minimum", "mean", "median") and d.coin(0.5):
        kw["stat_length"] = d.pick([1, 2, (1, 2)])
    if mode in ("reflect", "symmetric") and d.coin(0.4):
        kw["reflect_type"] = "odd"
    return (d.f(s), pw), kw


@spec("take")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(0, 3))
    kw = {}
    if d.coin(0.7) and s:
        ax = d.int_axis(len(s))
        kw["axis"] = ax
        n = s[ax]
    else:
        n = int(np.prod(s))
    ishape = d.shape(0, 2)
    if d.coin(0.4):
        kw["mode"] = d.pick(["clip", "wrap"])
        idx = d.i(ishape, -2 * n, 2 * n)
    else:
        idx = d.i(ishape, -n, n)
    return (d.x(s, "ffci"), idx), kw


@spec("take_along_axis")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 3))
    ax = d.int_axis(len(s))
    ishape = list(s)
    ishape[ax] = d.r.randint(0, 4)
    idx = d.i(tuple(ishape), -s[ax], s[ax])
    return (d.f(s), idx), {"axis": ax}


@spec("diagonal")
def _(d):
    s = d.shape(2, 4)
    kw = {}
    if d.coin(0.6):
        kw["offset"] = d.r.randint(-3, 3)
    if d.coin(0.5):
        a, b = d.r.sample(range(len(s)), 2)
        kw["axis1"], kw["axis2"] = a, b - len(s) if d.coin(0.3) else b
    return (d.x(s, "ffc"),), kw


@spec("trace")
def _(d):
    s = d.shape(2, 4)
    kw = {}
    if d.coin(0.6):
        kw["offset"] = d.r.randint(-3, 3)
    if d.coin(0.5):
        a, b = d.r.sample(range(len(s)), 2)
        kw["axis1"], kw["axis2"] = a, b
    x = d.x(s, "ffci")
    if d.coin(0.2):
        kw["dtype"] = np.complex128
    return (x,), kw


@spec("diag")
def _(d):
    s = d.shape(1, 2)
    return (d.x(s, "ffc"),), ({"k": d.r.randint(-3, 3)} if d.coin(0.7) else {})


@spec("diagflat")
def _(d):
    return (d.f(d.shape(0, 2)),), ({"k": d.r.randint(-3, 3)} if d.coin(0.7) else {})


@spec("tril", "triu")
def _(d):
    return (d.x(d.shape(2, 3), "ffci"),), ({"k": d.r.randint(-3, 3)} if d.coin(0.7) else {})


@spec("tri")
def _(d):
    kw = {}
    if d.coin(0.5):
        kw["M"] = d.r.randint(0, 4)
    if d.coin(0.6):
        kw["k"] = d.r.randint(-3, 3)
    if d.coin(0.3):
        kw["dtype"] = d.pick([np.float64, np.int64, np.bool_])
    return (d.r.randint(0, 4),), kw


@spec("eye")
def _(d):
    kw = {}
    if d.coin(0.5):
        kw["M"] = d.r.randint(0, 4)
    if d.coin(0.6):
        kw["k"] = d.r.randint(-3, 3)
    if d.coin(0.3):
        kw["dtype"] = d.pick([np.float64, np.int64, np.complex128])
    return (d.r.randint(0, 4),), kw


@spec("append")
def _(d):
    if d.coin(0.4):
        return (d.f(d.shape(0, 3)), d.f(d.shape(0, 2))), {}
    shapes, ax = _joinable(d, 2)
    return (d.f(shapes[0]), d.f(shapes[1])), {"axis": ax}


@spec("insert")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 3))
    ax = d.int_axis(len(s))
    n = s[ax]
    obj = d.r.randint(-n, n) if d.coin() else sorted(d.r.randint(0, n) for _ in range(2))
    vshape = list(s)
    vshape[ax] = 1
    vals = d.f(tuple(vshape)) if d.coin(0.6) else d.pick([0.5, -2.0])
    return (d.f(s), obj, vals), {"axis": ax}


@spec("delete")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 3))
    ax = d.int_axis(len(s))
    n = s[ax]
    obj = d.r.randint(-n, n - 1) if d.coin() else sorted(set(d.r.randint(0, n - 1)
                                                             for _ in range(2)))
    return (d.f(s), obj), {"axis": ax}


@spec("resize")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 2))
    new = d.shape(1, 2)
    return (d.f(s), new), {}


@spec("trim_zeros")
def _(d):
    x = d.f((d.r.randint(0, 7),))
    x = np.where(d.g.random(x.shape) < 0.5, 0.0, x)
    return (x,), ({"trim": d.pick(["f", "b", "fb"])} if d.coin(0.6) else {})


@spec("compress")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 3))
    kw = {}
    if d.coin(0.7):
        ax = d.int_axis(len(s))
        kw["axis"] = ax
        n = s[ax]
    else:
        n = int(np.prod(s))
    cond = d.b((d.r.randint(0, n),))
    return (cond, d.f(s)), kw


@spec("extract")
def _(d):
    s = d.shape(0, 3)
    return (d.b(s), d.f(s)), {}


@spec("where")
def _(d):
    s1, s2, s3 = d.bshapes(3)
    k = d.pick("ffci")
    return (d.b(s1), d.x(s2, k), d.x(s3, k)), {}


@spec("select")
def _(d):
    shapes = d.bshapes(4)
    n = d.r.randint(1, 2)
    conds = [d.b(shapes[0]) for _ in range(n)]
    choices = [d.f(shapes[1 + j]) for j in range(n)]
    kw = {"default": d.pick([0.5, -1.0])} if d.coin(0.5) else {}
    return (conds, choices), kw


@spec("choose")
def _(d):
    s1, s2, s3 = d.bshapes(3)
    n = 2
    kw = {}
    if d.coin(0.4):
        kw["mode"] = d.pick(["clip", "wrap"])
        idx = d.i(s1, -2, 4)
    else:
        idx = d.i(s1, 0, n)
    return (idx, [d.f(s2), d.f(s3)]), kw


@spec("clip")
def _(d):
    s1, s2, s3 = d.bshapes(3)
    kw = {}
    if d.coin(0.8):
        kw["min"] = d.f(s2, -2, 0) if d.coin() else -0.5
    if d.coin(0.8) or not kw:
        kw["max"] = d.f(s3, 0, 2) if d.coin() else 0.7
    return (d.x(s1, "fffi"),), kw


@spec("sort")
def _(d):
    s = d.shape(0, 3)
    kw = {}
    if d.coin(0.7):
        kw["axis"] = None if (d.coin(0.2) or not s) else d.int_axis(len(s))
    if d.coin(0.3):
        kw["stable"] = True
    return (d.x(s, "fffib"),), kw


@spec("argsort")
def _(d):
    s = d.shape(0, 3)
    kw = {}
    if d.coin(0.7):
        kw["axis"] = None if (d.coin(0.2) or not s) else d.int_axis(len(s))
    if d.coin(0.3):
        kw["stable"] = True
    x = d.x(s, "ffi", -30, 30) if d.coin() else d.f(s)
    if x.dtype.kind == "i":  # ties: only the stable order is defined
        kw["stable"] = True
    return (x,), kw


@spec("partition", call=lambda m, a, kth, axis: (
    m.sort(m.partition(a, kth, axis=axis), axis=axis), m.take(m.partition(a, kth, axis=axis),
                                                            kth, axis=axis)))
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 3))
    ax = d.int_axis(len(s))
    return (d.f(s), d.r.randrange(s[ax]), ax), {}


@spec("argpartition", call=lambda m, a, kth, axis: m.take_along_axis(
    a, m.take(m.argpartition(a, kth, axis=axis), np.array([kth]), axis=axis), axis=axis))
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 3))
    ax = d.int_axis(len(s))
    return (d.f(s), d.r.randrange(s[ax]), ax), {}


@spec("lexsort")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 2))
    keys = tuple(d.i(s, 0, 3) for _ in range(d.r.randint(1, 3)))
    return (keys,), ({"axis": d.int_axis(len(s))} if d.coin(0.5) else {})


@spec("searchsorted")
def _(d):
    n = d.r.randint(0, 6)
    a = np.round(d.sorted1d(n), 1)
    v = np.round(d.f(d.shape(0, 2)), 1)
    kw = {}
    if d.coin(0.6):
        kw["side"] = d.pick(["left", "right"])
    if d.coin(0.3):
        a = d.g.permutation(a)
        kw["sorter"] = np.argsort(a, kind="stable")
    return (a, v), kw


@spec("digitize")
def _(d):
    n = d.r.randint(1, 6)
    bins = np.round(d.sorted1d(n), 1)
    if d.coin(0.3):
        bins = bins[::-1]
    x = np.round(d.f(d.shape(0, 2)), 1)
    return (x, bins), ({"right": d.coin()} if d.coin(0.6) else {})


@spec("diff")
def _(d):
    s = d.shape(1, 3)
    kw = {}
    ax = d.int_axis(len(s))
    if d.coin(0.7):
        kw["axis"] = ax
    else:
        ax = -1
    if d.coin(0.6):
        kw["n"] = d.r.randint(0, 3)
    for k in ("prepend", "append"):
        if d.coin(0.3):
            if d.coin():
                kw[k] = d.pick([0.5, -1.0])
            else:
                t = list(s)
                t[ax] = d.r.randint(0, 2)
                kw[k] = d.f(tuple(t))
    return (d.x(s, "fffib"),), kw


@spec("ediff1d")
def _(d):
    kw = {}
    if d.coin(0.4):
        kw["to_begin"] = d.pick([0.5, d.f((2,))])
    if d.coin(0.4):
        kw["to_end"] = d.pick([-1.0, d.f((1,))])
    return (d.f(d.shape(0, 2)),), kw


@spec("gradient")
def _(d):
    s = tuple(max(k, 3) for k in d.shape(1, 2))
    kw = {}
    args = [d.f(s)]
    if d.coin(0.5):
        kw["axis"] = d.int_axis(len(s))
    if d.coin(0.4) and "axis" in kw:
        args.append(d.pick([0.5, 2.0]))
    if d.coin(0.3):
        kw["edge_order"] = d.pick([1, 2])
    return tuple(args), kw


@spec("interp")
def _(d):
    n = d.r.randint(1, 5)
    xp = d.layout(np.sort(d.g.uniform(-2, 2, n)))
    fp = d.x((n,), "ffc")
    x = d.f(d.shape(0, 2), -2.5, 2.5)
    kw = {}
    if d.coin(0.3):
        kw["left"] = d.pick([-5.0, 0.5])
    if d.coin(0.3):
        kw["right"] = d.pick([7.0, -0.5])
    if d.coin(0.2):
        kw = {"period": d.pick([1.5, 3.0])}
        xp = d.layout(d.g.uniform(-2, 2, n))
    return (x, xp, fp), kw


def _sample(d):
    """Two or more distinct points: one point alone sits on the middle edge of its range,
    where JAX's edges and NumPy's may round to different bins."""
    return d.f((d.r.randint(2, 3), d.r.randint(1, 3)) if d.coin(0.3) else (d.r.randint(2, 6),))


@spec("histogram")
def _(d):
    x = _sample(d)
    kw = {}
    r = d.r.random()
    if r < 0.4:
        kw["bins"] = d.r.randint(1, 5)
    elif r < 0.7:
        kw["bins"] = d.sorted1d(d.r.randint(2, 5), -2.5, 2.5)
    if d.coin(0.3) and not isinstance(kw.get("bins"), np.ndarray):
        kw["range"] = (-1.0, 1.5)
    if d.coin(0.4):
        kw["weights"] = d.f(x.shape, 0.1, 2.0)
    if d.coin(0.4):
        kw["density"] = d.coin()
    return (x,), kw


@spec("histogram_bin_edges")
def _(d):
    x = _sample(d)
    kw = {"bins": d.r.randint(1, 5)} if d.coin(0.6) else {}
    if d.coin(0.3):
        kw["range"] = (-1.0, 1.5)
    return (x,), kw


@spec("histogram2d")
def _(d):
    n = d.r.randint(2, 6)
    kw = {}
    if d.coin(0.6):
        kw["bins"] = d.pick([2, 3, (2, 3)])
    if d.coin(0.4):
        kw["weights"] = d.f((n,), 0.1, 2)
    if d.coin(0.3):
        kw["density"] = d.coin()
    return (d.f((n,)), d.f((n,))), kw


@spec("bincount")
def _(d):
    x = d.i((d.r.randint(0, 6),), 0, 5)
    kw = {}
    if d.coin(0.5):
        kw["weights"] = d.f(x.shape)
    if d.coin(0.6) or not x.size:
        kw["minlength"] = d.r.randint(1, 7)
    return (x,), kw


@spec("meshgrid")
def _(d):
    n = d.r.randint(1, 3)
    kw = {}
    if d.coin(0.6):
        kw["indexing"] = d.pick(["xy", "ij"])
    if d.coin(0.4):
        kw["sparse"] = d.coin()
    return tuple(d.x((d.r.randint(0, 4),), "ffc") for _ in range(n)), kw


@spec("indices")
def _(d):
    kw = {"sparse": d.coin()} if d.coin(0.4) else {}
    return (d.shape(0, 3),), kw


@spec("linspace", "logspace", "geomspace")
def _(d):
    s1, s2 = d.bshapes(2, 0, 1)
    a, b = d.f(s1, 0.2, 2.0), d.f(s2, 0.2, 2.0)
    if d.coin(0.3):
        a, b = float(d.g.uniform(0.2, 2)), b
    kw = {"num": d.r.randint(0, 6)} if d.coin(0.8) else {}
    if d.coin(0.4):
        kw["endpoint"] = d.coin()
    if d.coin(0.3) and (np.ndim(a) or np.ndim(b)):
        kw["axis"] = d.pick([0, -1])
    return (a, b), kw


@spec("linspace#retstep", call=lambda m, a, b, **k: m.linspace(a, b, retstep=True, **k))
def _(d):
    kw = {"num": d.r.randint(2, 6), "endpoint": d.coin()}
    return (d.f(d.shape(0, 1)), d.f(())), kw


@spec("logspace#base", call=lambda m, a, b, **k: m.logspace(a, b, **k))
def _(d):
    return (d.f(d.shape(0, 1)), d.f(())), {"num": d.r.randint(1, 5), "base": d.pick([2.0, 3.5])}


@spec("vander")
def _(d):
    kw = {}
    if d.coin(0.6):
        kw["N"] = d.r.randint(0, 5)
    if d.coin(0.5):
        kw["increasing"] = d.coin()
    return (d.x((d.r.randint(0, 4),), "ffc"),), kw


@spec("unique")
def _(d):
    x = d.x(d.shape(0, 2), "fi", -3, 3)
    x = np.round(x) if x.dtype.kind == "f" else x
    kw = {}
    for k in ("return_index", "return_inverse", "return_counts"):
        if d.coin(0.3):
            kw[k] = True
    return (x,), kw


@spec("unique_values", "unique_counts", "unique_inverse", "unique_all")
def _(d):
    x = np.round(d.f(d.shape(0, 2), -3, 3))
    return (x,), {}


@spec("union1d", "intersect1d", "setdiff1d", "setxor1d")
def _(d):
    return (d.i(d.shape(0, 2), -4, 5), d.i(d.shape(0, 2), -4, 5)), {}


@spec("isin")
def _(d):
    kw = {"invert": d.coin()} if d.coin(0.4) else {}
    return (d.i(d.shape(0, 2), -4, 5), d.i(d.shape(0, 2), -4, 5)), kw


@spec("nonzero", "flatnonzero", "argwhere")
def _(d):
    return (d.x(d.shape(0, 3), "fib", -1, 1),), {}


@spec("tril_indices", "triu_indices")
def _(d):
    n = d.r.randint(0, 4)
    kw = {}
    if d.coin(0.5):
        kw["k"] = d.r.randint(-2, 2)
    if d.coin(0.5):
        kw["m"] = d.r.randint(0, 4)
    return (n,), kw


@spec("diag_indices")
def _(d):
    return (d.r.randint(0, 4),), ({"ndim": d.r.randint(1, 3)} if d.coin() else {})


@spec("unravel_index")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 3))
    return (d.i(d.shape(0, 2), 0, int(np.prod(s))), s), {}


@spec("ravel_multi_index")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 3))
    ishape = d.shape(0, 2)
    kw = {}
    if d.coin(0.4):
        kw["mode"] = d.pick(["clip", "wrap"])
        idx = tuple(d.i(ishape, -3, n + 3) for n in s)
    else:
        idx = tuple(d.i(ishape, 0, n) for n in s)
    if d.coin(0.3):
        kw["order"] = "F"
    return (idx, s), kw


@spec("sort_complex")
def _(d):
    return (d.c((d.r.randint(0, 5),)),), {}


def _fill_diagonal(m, a, v):
    if m.__name__.startswith("jax"):
        return m.fill_diagonal(a, v, inplace=False)
    b = m.array(a, copy=True)  # NumPy and gpuad.numpy write in place
    m.fill_diagonal(b, v)
    return b


@spec("fill_diagonal", call=_fill_diagonal)
def _(d):
    s = d.pick([(3, 3), (2, 4), (4, 2), (2, 2, 2)])
    return (d.f(s), d.pick([0.5, -1.0])), {}


# ---------------------------------------------------------------- products

@spec("dot", "inner", "outer", "vdot", "kron")
def _(d):
    k = d.pick("ffc")
    s1 = d.shape(0, 2)
    if d.coin(0.6) and s1:
        s2 = (s1[-1],) + d.shape(0, 1)
        if d.coin(0.5):
            s2 = d.shape(0, 1) + (s1[-1],)
    else:
        s2 = d.shape(0, 2)
    return (d.x(s1, k), d.x(s2, k)), {}


@spec("matmul")
def _(d):
    k = d.pick("ffcfi")
    b1, b2 = d.bshapes(2, 0, 2)
    m, n, p = d.r.randint(1, 3), d.r.randint(0, 3), d.r.randint(1, 3)
    s1 = (n,) if d.coin(0.2) else b1 + (m, n)
    s2 = (n,) if d.coin(0.2) else b2 + (n, p)
    return (d.x(s1, k), d.x(s2, k)), {}


@spec("matvec", call=lambda m, a, b: m.matvec(a, b))
@spec("vecmat", call=lambda m, a, b: m.vecmat(b, m.matrix_transpose(a)))
def _(d):
    k = d.pick("ffc")
    b1, b2 = d.bshapes(2, 0, 2)
    m, n = d.r.randint(1, 3), d.r.randint(0, 3)
    return (d.x(b1 + (m, n), k), d.x(b2 + (n,), k)), {}


@spec("vecdot")
def _(d):
    k = d.pick("ffc")
    s1, s2 = d.bshapes(2, 1, 3)
    n = d.r.randint(0, 3)
    s1, s2 = s1 + (n,), s2 + (n,)
    kw = {"axis": d.pick([-1, len(s1) - 1])} if d.coin(0.3) else {}
    if len(s1) != len(s2):
        kw = {}
    return (d.x(s1, k), d.x(s2, k)), kw


@spec("tensordot")
def _(d):
    k = d.pick("ffc")
    sa = d.shape(1, 3)
    nc = d.r.randint(0, len(sa))
    if d.coin(0.5):
        sb = sa[len(sa) - nc:] + d.shape(0, 1)
        axes = nc
    else:
        ax_a = d.r.sample(range(len(sa)), nc)
        rest = d.shape(0, 1)
        sb_l = [sa[a] for a in ax_a] + list(rest)
        perm = d.r.sample(range(len(sb_l)), len(sb_l))
        sb = tuple(sb_l[p] for p in perm)
        ax_b = [perm.index(j) for j in range(nc)]
        axes = (ax_a, ax_b)
    return (d.x(sa, k), d.x(sb, k)), ({"axes": axes} if axes != 2 or d.coin() else {})


_EINSUM = [("ij,jk->ik", [(2, 3), (3, 2)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
           ("ij->", [(2, 3)]), ("i,i", [(3,), (3,)]), ("i,j->ij", [(2,), (3,)]),
           ("...ij,...jk->...ik", [(2, 2, 3), (3, 2)]), ("bij,bjk->bki", [(2, 2, 3), (2, 3, 1)]),
           ("ij,ij->j", [(2, 3), (2, 3)]), ("ijk->kji", [(2, 3, 1)]), ("i,i,i->", [(3,)] * 3),
           ("ji", [(2, 3)]), ("iij->j", [(2, 2, 3)]), ("ij,kj->ikj", [(2, 0), (3, 0)])]


@spec("einsum", call=lambda m, sub, *ops: m.einsum(sub, *ops))
def _(d):
    sub, shapes = d.pick(_EINSUM)
    k = d.pick("ffc")
    return (sub,) + tuple(d.x(s, k) for s in shapes), {}


@spec("cross")
def _(d):
    b1, b2 = d.bshapes(2, 0, 2)
    n1, n2 = d.pick([3, 3, 2]), d.pick([3, 3, 2])
    kw = {}
    a, b = d.f(b1 + (n1,)), d.f(b2 + (n2,))
    if d.coin(0.3) and a.ndim >= 2:
        a = np.moveaxis(a, -1, 0)
        kw["axisa"] = 0
    if d.coin(0.3) and n1 == 3 or n2 == 3:
        out_nd = max(a.ndim, b.ndim) if (n1 == 3 or n2 == 3) else max(a.ndim, b.ndim) - 1
        if out_nd > 1 and d.coin():
            kw["axisc"] = 0
    return (a, b), kw


@spec("convolve", "correlate")
def _(d):
    k = d.pick("ffc")
    kv = k if d.coin(0.6) else d.pick("fc")  # a real and a complex sequence too
    a, v = d.x((d.r.randint(1, 6),), k), d.x((d.r.randint(1, 4),), kv)
    return (a, v), ({"mode": d.pick(["full", "same", "valid"])} if d.coin(0.7) else {})


@spec("trapezoid")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 3))
    kw = {}
    ax = -1
    if d.coin(0.5):
        ax = d.int_axis(len(s))
        kw["axis"] = ax
    r = d.r.random()
    if r < 0.3:
        kw["dx"] = d.pick([0.5, 2.0])
    elif r < 0.6:
        kw["x"] = d.sorted1d(s[ax])
    return (d.x(s, "ffc"),), kw


@spec("polyval")
def _(d):
    return (d.x((d.r.randint(0, 4),), "ffc"), d.f(d.shape(0, 2))), {}


@spec("polyadd", "polysub", "polymul")
def _(d):
    return (d.f((d.r.randint(1, 4),)), d.f((d.r.randint(1, 4),))), {}


@spec("polyder")
def _(d):
    return (d.f((d.r.randint(1, 5),)),), ({"m": d.r.randint(0, 3)} if d.coin(0.6) else {})


@spec("polyint")
def _(d):
    kw = {}
    if d.coin(0.6):
        kw["m"] = d.r.randint(0, 3)
    if d.coin(0.4):
        kw["k"] = d.pick([0.5, -1.0])
    return (d.f((d.r.randint(1, 5),)),), kw


@spec("polyfit")
def _(d):
    n = d.r.randint(4, 7)
    deg = d.r.randint(0, 2)
    kw = {}
    if d.coin(0.3):
        kw["w"] = d.f((n,), 0.5, 2.0)
    return (d.sorted1d(n), d.f((n,)), deg), kw


@spec("roots")
def _(d):
    return (d.f((d.r.randint(2, 4),)),), {}


@spec("cov")
def _(d):
    nv, no = d.r.randint(1, 3), d.r.randint(3, 5)
    kw = {}
    rowvar = d.coin(0.7)
    if not rowvar:
        kw["rowvar"] = False
    x = d.x((nv, no) if rowvar else (no, nv), "ffc")
    if d.coin(0.3):
        kw["y"] = d.x((1, no) if rowvar else (no, 1), "ffc")
    if d.coin(0.3):
        kw["bias"] = d.coin()
    elif d.coin(0.3):
        kw["ddof"] = d.pick([0, 2])
    if d.coin(0.3):
        kw["aweights"] = d.f((no,), 0.3, 2)
    if d.coin(0.2):
        kw["fweights"] = d.i((no,), 1, 3)
    return (x,), kw


@spec("corrcoef")
def _(d):
    nv, no = d.r.randint(2, 3), d.r.randint(3, 5)
    rowvar = d.coin(0.7)
    x = d.x((nv, no) if rowvar else (no, nv), "ffc")
    return (x,), ({} if rowvar else {"rowvar": False})


@spec("unwrap")
def _(d):
    s = d.shape(1, 2)
    kw = {}
    if d.coin(0.5):
        kw["axis"] = d.int_axis(len(s))
    if d.coin(0.3):
        kw["discont"] = d.pick([2.0, 4.0])
    if d.coin(0.3):
        kw["period"] = d.pick([3.0, 5.0])
    return (d.f(s, -6, 6),), kw


@spec("apply_along_axis", call=lambda m, a, axis: m.apply_along_axis(
    lambda v: m.sum(v * v) + v[0], axis, a))
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 3))
    return (d.f(s), d.int_axis(len(s))), {}


# ---------------------------------------------------------------- linalg and fft

@spec("linalg.norm")
def _(d):
    kw = {}
    if d.coin(0.5):
        s = tuple(max(k, 1) for k in d.shape(1, 1))
        if d.coin(0.7):
            kw["ord"] = d.pick([None, np.inf, -np.inf, 0, 1, -1, 2, -2, 3, 0.5])
        if d.coin(0.3):
            kw["axis"] = 0
    else:
        s = tuple(max(k, 1) for k in d.shape(2, 3))
        if d.coin(0.7):
            kw["ord"] = d.pick([None, "fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2])
        if len(s) > 2 or d.coin(0.3):
            a, b = d.r.sample(range(len(s)), 2)
            kw["axis"] = (a, b - len(s) if d.coin(0.3) else b)
    if d.coin(0.3):
        kw["keepdims"] = True
    return (d.x(s, "fffc"),), kw


@spec("fft.fft", "fft.ifft", "fft.rfft", "fft.hfft")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 2))
    kw = {}
    if d.coin(0.4):
        kw["n"] = d.r.randint(1, 6)
    if d.coin(0.4):
        kw["axis"] = d.int_axis(len(s))
    if d.coin(0.4):
        kw["norm"] = d.pick(["backward", "ortho", "forward"])
    return (d.x(s, "ffc"),), kw


@spec("fft.irfft")
def _(d):
    s = tuple(max(k, 2) for k in d.shape(1, 2))
    kw = {}
    if d.coin(0.4):
        kw["n"] = d.r.randint(2, 6)
    if d.coin(0.4):
        kw["axis"] = d.int_axis(len(s))
    if d.coin(0.4):
        kw["norm"] = d.pick(["backward", "ortho", "forward"])
    return (d.c(s),), kw


@spec("fft.fftn", "fft.ifftn", "fft.rfftn")
def _(d):
    s = tuple(max(k, 1) for k in d.shape(1, 3))
    kw = {}
    if d.coin(0.5):
        k = d.r.randint(1, len(s))
        kw["axes"] = tuple(d.r.sample(range(len(s)), k))
        if d.coin(0.4):
            kw["s"] = tuple(d.r.randint(1, 4) for _ in range(k))
    if d.coin(0.4):
        kw["norm"] = d.pick(["backward", "ortho", "forward"])
    return (d.x(s, "ffc"),), kw


@spec("fft.fftshift", "fft.ifftshift")
def _(d):
    s = d.shape(1, 3)
    return (d.f(s),), ({"axes": d.axis(len(s))} if d.coin(0.6) else {})


# ---------------------------------------------------------------- creation

@spec("arange")
def _(d):
    r = d.r.random()
    if r < 0.3:
        args = (d.r.randint(0, 6),)
    elif r < 0.6:
        args = (d.r.randint(-3, 3), d.r.randint(-3, 6))
    else:
        args = (d.pick([-2.5, 0.0, 1.0]), d.pick([3.0, 4.5]), d.pick([0.5, 1.5, 1.0]))
    kw = {"dtype": d.pick([np.float64, np.int64, np.complex128])} if d.coin(0.3) else {}
    return args, kw


@spec("full")
def _(d):
    s = d.shape(0, 3)
    fill = d.f(tuple(s[len(s) - d.r.randint(0, len(s)):])) if d.coin(0.6) else d.pick([1.5, 2])
    kw = {"dtype": d.pick([np.float64, np.complex128])} if d.coin(0.3) else {}
    return (s, fill), kw


@spec("full_like")
def _(d):
    s = d.shape(0, 3)
    fill = d.f(()) if d.coin(0.5) else d.pick([1.5, 2])
    kw = {}
    if d.coin(0.3):
        kw["dtype"] = d.pick([np.float64, np.complex128, np.int64])
    if d.coin(0.3):
        kw["shape"] = d.shape(0, 2)
    return (d.x(s, "fi"), fill), kw


@spec("zeros_like", "ones_like")
def _(d):
    kw = {}
    if d.coin(0.3):
        kw["dtype"] = d.pick([np.float64, np.complex128, np.int64, np.bool_])
    return (d.x(d.shape(0, 3), "ffcib"),), kw


@spec("identity")
def _(d):
    return (d.r.randint(0, 4),), ({"dtype": d.pick([np.int64, np.bool_])} if d.coin() else {})


@spec("copy")
def _(d):
    return (d.x(d.shape(0, 3), "ffcib"),), {}
