"""``cupyx.scipy.linalg`` of the stand-in: the functions CuPy 13 documents there, run by
``scipy.linalg`` on unwrapped arrays. Others (``sqrtm``, ``logm``, ``schur``, ...) are missing,
as in CuPy."""

import scipy.linalg as _linalg
from cupy._namespace import function as _function

# the documented list of cupyx.scipy.linalg (CuPy 13)
_CUPY_HAS = frozenset({
    "solve_triangular", "khatri_rao", "bandwidth", "expm", "lu", "lu_factor", "lu_solve",
    "block_diag", "circulant", "companion", "convolution_matrix", "dft", "fiedler",
    "fiedler_companion", "hadamard", "hankel", "helmert", "hilbert", "leslie", "toeplitz",
})


def __getattr__(name):
    f = _function(_linalg, "cupyx.scipy.linalg", name) if name in _CUPY_HAS else None
    if f is None:
        raise AttributeError(f"module 'cupyx.scipy.linalg' (stand-in) has no attribute {name!r}")
    globals()[name] = f
    return f
