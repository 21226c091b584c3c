"""``cupy.random`` of the stand-in: NumPy's legacy generator; CuPy's ``dtype=`` arguments are
honoured by casting the float64 draws."""

from __future__ import annotations

import numpy as _numpy

from . import _capture
from ._core import unwrap, wrap


def _drawing(fn):
    def draw(*args, dtype=None, **kwargs):
        _capture.refuse("cuRAND")
        r = fn(*unwrap(args), **{k: unwrap(v) for k, v in kwargs.items()})
        r = _numpy.asarray(r)
        if dtype is not None:
            r = r.astype(dtype, copy=False)
        return wrap(r)

    draw.__name__ = getattr(fn, "__name__", "draw")
    return draw


class RandomState:
    """``cupy.random.RandomState(seed)``: draws are NumPy's, on the stand-in's arrays."""

    def __init__(self, seed=None, method=None):
        self._rs = _numpy.random.RandomState(seed)

    def seed(self, seed=None):
        self._rs.seed(seed)

    def rand(self, *size, dtype=float):
        _capture.refuse("cuRAND")
        return wrap(self._rs.random_sample(size).astype(dtype))

    def randn(self, *size, dtype=float):
        _capture.refuse("cuRAND")
        return wrap(self._rs.standard_normal(size).astype(dtype))

    def randint(self, low, high=None, size=None, dtype="l"):
        _capture.refuse("cuRAND")
        return wrap(_numpy.asarray(self._rs.randint(low, high, size, dtype=dtype)))

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return _drawing(getattr(self._rs, name))


class Generator:
    def __init__(self, seed=None):
        self._g = _numpy.random.default_rng(seed)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return _drawing(getattr(self._g, name))


def default_rng(seed=None):
    return Generator(seed)


_global = RandomState()


def seed(seed=None):
    _global.seed(seed)


def get_random_state():
    return _global


def rand(*size, dtype=float):
    return _global.rand(*size, dtype=dtype)


def randn(*size, dtype=float):
    return _global.randn(*size, dtype=dtype)


def randint(low, high=None, size=None, dtype="l"):
    return _global.randint(low, high, size, dtype)


def __getattr__(name):
    if name.startswith("_"):
        raise AttributeError(name)
    return getattr(_global, name)
