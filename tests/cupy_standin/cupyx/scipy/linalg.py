"""``cupyx.scipy.linalg`` of the stand-in: only the functions CuPy's module has, as SciPy's on
unwrapped arrays. ``expm`` takes one 2-D matrix, as CuPy's does (no stacks)."""

import scipy.linalg as _linalg
from cupy._core import ndarray as _ndarray
from cupy._namespace import function as _function

# the part of CuPy's cupyx.scipy.linalg that has a SciPy function of the same name
_NAMES = {"expm", "solve_triangular", "lu_factor", "lu_solve", "lu", "block_diag", "tri",
          "tril", "triu", "toeplitz", "circulant", "hankel", "hadamard", "leslie", "kron",
          "khatri_rao", "companion", "helmert", "hilbert", "dft", "fiedler",
          "fiedler_companion", "convolution_matrix", "bandwidth"}


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
