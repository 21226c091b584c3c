"""``cupyx.scipy.linalg`` of the stand-in: only the functions CuPy's module has, as SciPy's on
unwrapped arrays. ``expm`` takes one 2-D matrix, as CuPy's does (no stacks)."""

import scipy.linalg as _linalg
from cupy._core import ndarray as _ndarray
from cupy._namespace import function as _function

# CuPy's cupyx.scipy.linalg (its current reference page), each a SciPy function of that name
_NAMES = {"expm", "solve_triangular", "khatri_rao", "bandwidth", "lu", "lu_factor", "lu_solve",
          "block_diag", "circulant", "companion", "convolution_matrix", "dft", "fiedler",
          "fiedler_companion", "hadamard", "hankel", "helmert", "hilbert", "leslie", "toeplitz"}


def expm(a):
    if type(a) is not _ndarray:
        raise TypeError(f"cupyx.scipy.linalg.expm: a must be a cupy.ndarray, got {type(a)}")
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"expected a square matrix, got shape {a.shape}")
    return _function(_linalg, "cupyx.scipy.linalg", "expm")(a)


def __getattr__(name):
    f = _function(_linalg, "cupyx.scipy.linalg", name) if name in _NAMES else None
    if f is None:
        raise AttributeError(f"module 'cupyx.scipy.linalg' (stand-in) has no attribute {name!r}")
    globals()[name] = f
    return f
