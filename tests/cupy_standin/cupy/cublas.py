"""``cupy.cublas.gemm`` of the stand-in: ``out = alpha * op(a) @ op(b) + beta * out``."""

from __future__ import annotations

from . import _capture
from ._core import ndarray, wrap

_OPS = {"N": 0, "n": 0, 0: 0, "T": 1, "t": 1, 1: 1, "H": 2, "h": 2, 2: 2}


def _op(a, trans):
    kind = _OPS[trans]
    if kind == 0:
        return a
    return a.T if kind == 1 else a.conj().T


def gemm(transa, transb, a, b, out=None, alpha=1.0, beta=0.0):
    """As CuPy's: 2-D arrays of one dtype; ``out`` (when given) is overwritten with
    ``alpha * op(a) @ op(b) + beta * out`` and returned. Refused while a stream captures,
    as CuPy refuses cuBLAS calls then."""
    _capture.refuse("cuBLAS")
    for name, x in (("a", a), ("b", b), ("out", out)):
        if x is not None and type(x) is not ndarray:
            raise TypeError(f"cublas.gemm: {name} must be a cupy.ndarray, got {type(x)}")
        if x is not None and x.ndim != 2:
            raise ValueError(f"cublas.gemm: {name} must be 2-D, got shape {x.shape}")
    if a.dtype != b.dtype or (out is not None and out.dtype != a.dtype):
        raise TypeError("cublas.gemm: a, b and out must share one dtype")
    if a.dtype.char not in "fdFD":
        raise TypeError(f"cublas.gemm: unsupported dtype {a.dtype}")
    opa, opb = _op(a._a, transa), _op(b._a, transb)
    if opa.shape[1] != opb.shape[0]:
        raise ValueError(f"cublas.gemm: shapes {opa.shape} and {opb.shape} do not align")
    prod = opa @ opb
    if out is None:
        return wrap(alpha * prod if alpha != 1.0 else prod)
    if out.shape != prod.shape:
        raise ValueError(f"cublas.gemm: out has shape {out.shape}, expected {prod.shape}")
    if beta == 0.0:
        out._a[...] = alpha * prod
    else:
        out._a[...] = alpha * prod + beta * out._a
    return out
