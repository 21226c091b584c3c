"""Where CuPy (14.2) lacks a NumPy function or refuses an argument NumPy takes, the stand-in
lacks or refuses it too, with CuPy's own error, so gpuad's CuPy path meets it on the CPU.

- ``MISSING``: NumPy names CuPy has no function for (``AttributeError``);
- ``restricted``: CuPy's signatures where they are narrower than NumPy's (``indices`` without
  ``sparse``, ``packbits``/``unpackbits`` without ``axis``, ``roots`` of symmetric companion
  matrices only), and its window functions, which compute in float32;
- ``ufunc_call``: ufunc methods as CuPy's ``ufunc`` has them (``reduce``/``accumulate`` of
  ``add`` and ``multiply`` only, no ``initial``/``where``; ``where=`` is refused by a call);
- ``linalg``: ``eig``/``eigvals`` always give complex arrays (cuSOLVER's ``geev``).
"""

from __future__ import annotations

import numpy

MISSING = frozenset({"geomspace", "spacing"})

# keyword arguments of a ufunc call that CuPy's ufunc.__call__ takes
_CALL_KWARGS = frozenset({"out", "dtype", "casting"})
# ufunc method -> (the ufuncs CuPy has it for, its parameters after the array)
_METHODS = {
    "reduce": ({"add", "multiply"}, ("axis", "dtype", "out", "keepdims")),
    "accumulate": ({"add", "multiply"}, ("axis", "dtype", "out")),
    "reduceat": ({"add"}, ("indices", "axis", "dtype", "out")),
}


def ufunc_call(ufunc, method: str, kwargs: dict) -> None:
    """Raise as CuPy's ``ufunc`` does for ``ufunc.method(..., **kwargs)``."""
    if method == "__call__" or method == "outer":
        extra = {k: v for k, v in kwargs.items() if k not in _CALL_KWARGS}
        if extra:
            raise TypeError(f"Wrong arguments {extra}")
        return
    if method not in _METHODS:
        return
    names, params = _METHODS[method]
    for k in kwargs:
        if k not in params:
            raise TypeError(f"{method}() got an unexpected keyword argument '{k}'")
    if ufunc.__name__ not in names:
        raise NotImplementedError(f"`cupy_{ufunc.__name__}.{method}` is not supported yet")


def checked_ufunc(f):
    """``cupy.<ufunc>(...)`` refusing the keyword arguments CuPy's ufuncs refuse."""
    def g(*args, **kwargs):
        ufunc_call(f.__wrapped_numpy__, "__call__", kwargs)
        from ._operands import kernel_args

        args, kwargs = kernel_args(f.__wrapped_numpy__.nin, args, kwargs)
        return f(*args, **kwargs)

    g.__name__ = g.__qualname__ = f.__name__
    g.__wrapped_numpy__ = f.__wrapped_numpy__
    return g


def restricted(name: str, f):
    """The stand-in function ``f`` (NumPy's ``name``) narrowed to CuPy's signature, or ``f``."""
    if isinstance(getattr(f, "__wrapped_numpy__", None), numpy.ufunc):
        return checked_ufunc(f)
    make = _NARROWER.get(name)
    return f if make is None else make(f)


def _indices(f):
    def indices(dimensions, dtype=int):
        return f(dimensions, dtype=dtype)

    return indices


def _packbits(f):
    def packbits(a, /, axis=None, bitorder="big"):
        if axis is not None:
            raise NotImplementedError("axis option is not supported yet")
        return f(a, bitorder=bitorder)

    return packbits


def _unpackbits(f):
    def unpackbits(a, /, axis=None, bitorder="big"):
        if axis is not None:
            raise NotImplementedError("axis option is not supported yet")
        return f(a, bitorder=bitorder)

    return unpackbits


def _roots(f):
    def roots(p):
        # CuPy takes eigenvalues of the companion matrix with eigvalsh only: of a polynomial of
        # degree 2 or more (its companion matrix is not symmetric) it refuses
        host = p.get() if hasattr(p, "get") else numpy.asarray(p)
        nz = numpy.nonzero(host)[0]
        if nz.size and nz[-1] - nz[0] >= 2:
            raise NotImplementedError("Only complex Hermitian and real symmetric 2d arrays are "
                                      "supported currently")
        return f(p)

    return roots


def _float32_window(name: str):
    """CuPy's window kernels take ``alpha`` (and ``beta``) as float32 and compute in float32."""
    def make(f):
        from ._core import wrap

        def window(M, *beta):
            if M <= 1:
                return f(M, *beta)
            i = numpy.arange(M, dtype=numpy.float32)
            if name == "bartlett":
                alpha = numpy.float32((M - 1) / 2.0)
                return wrap(numpy.where(i < alpha, i / alpha, 2.0 - i / alpha).astype(float))
            if name == "kaiser":
                alpha, b = numpy.float32((M - 1) / 2.0), numpy.float32(beta[0])
                t = (i - alpha) / alpha
                arg = (b * numpy.sqrt(numpy.float32(1) - t * t)).astype(numpy.float32)
                return wrap(numpy.i0(arg) / numpy.i0(b))
            c = numpy.cos(i * numpy.float32(numpy.pi * 2 / (M - 1))).astype(float)
            if name == "blackman":
                c2 = numpy.cos(2 * i * numpy.float32(numpy.pi * 2 / (M - 1))).astype(float)
                return wrap(0.42 - 0.5 * c + 0.08 * c2)
            a0 = {"hamming": 0.54, "hanning": 0.5}[name]
            return wrap(a0 - (1 - a0) * c)

        return window

    return make


_NARROWER = {"indices": _indices, "packbits": _packbits, "unpackbits": _unpackbits,
             "roots": _roots, **{w: _float32_window(w) for w in (
                 "hamming", "hanning", "bartlett", "blackman", "kaiser")}}


def linalg(name: str, f):
    """``cupy.linalg.eig``/``eigvals`` give complex arrays for real input, always."""
    if name not in ("eig", "eigvals"):
        return f

    def g(a):
        r = f(a)
        dt = numpy.result_type(a.dtype, numpy.complex64)
        if name == "eigvals":
            return r.astype(dt)
        return type(r)(*(x.astype(dt) for x in r)) if hasattr(r, "_fields") else tuple(
            x.astype(dt) for x in r)

    g.__name__ = g.__qualname__ = name
    g.__wrapped_numpy__ = f.__wrapped_numpy__
    return g
