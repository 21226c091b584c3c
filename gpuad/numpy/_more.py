"""The NumPy functions beyond the core set, by family; ``gpuad.numpy`` re-exports them.

- :mod:`._more_math`: elementwise functions (fmin, fmax, copysign, fmod, modf, ...) and the
  integer/boolean helpers (searchsorted, isposinf, ...);
- :mod:`._more_shape`: joining, splitting and rearranging (r_, c_, block, kron, ...);
- :mod:`._more_stats`: nan-reductions, quantiles, cov, interp, convolve, gradient, ...;
- :mod:`._more_sig`: NumPy's full signatures for reductions, sort, einsum, cross, full;
- :mod:`._more_names`: NumPy's parameter names and options for the core array functions;
- :mod:`._more_array`: the Array API names (unstack, unique_*, ...) and the rest a Tensor meets;
- :mod:`._more_api`: NumPy 2's other names (acos, concat, bitwise_*, cumulative_sum, vecdot, ...),
  the index helpers and the in-place writers (put, place, putmask, fill_diagonal, copyto);
- :mod:`._more_poly`: polynomials (polyval, polyfit, roots, ...);
- :mod:`._more_select`: delete, insert, compress, choose, resize, apply_along_axis, set ops;
- :mod:`._more_hist`: bincount and the histograms;
- :mod:`._more_dtypes`: dtype names and queries, mgrid/ogrid/s_, printing, array conversions;
- :mod:`._more_vectorize`: vectorize (over gpuad.vmap), fromfunction;
- :mod:`._ufunc`: the ufunc objects (gnp.add.reduce, .accumulate, .outer, .at, .reduceat) and
  frompyfunc;
- :mod:`._more_ints`: digitize, isin, lexsort, (un)ravel indices, (un)packbits, windows;
- :mod:`._more_torch`: torch's combinations, bucketize, and searchsorted with torch's arguments;
- :mod:`._stride`: sliding_window_view (and as_strided, refused on Tensors).
"""

from __future__ import annotations

from ..rules import remainder
from . import deg2rad as radians
from . import rad2deg as degrees
from ._more_api import *  # noqa: F403
from ._more_api import __all__ as _api_all
from ._more_array import *  # noqa: F403
from ._more_array import __all__ as _array_all
from ._more_dtypes import *  # noqa: F403
from ._more_dtypes import __all__ as _dtypes_all
from ._more_hist import *  # noqa: F403
from ._more_hist import __all__ as _hist_all
from ._more_ints import *  # noqa: F403
from ._more_ints import __all__ as _ints_all
from ._more_math import *  # noqa: F403
from ._more_math import __all__ as _math_all
from ._more_names import *  # noqa: F403
from ._more_names import __all__ as _names_all
from ._more_poly import *  # noqa: F403
from ._more_poly import __all__ as _poly_all
from ._more_select import *  # noqa: F403
from ._more_select import __all__ as _select_all
from ._more_shape import *  # noqa: F403
from ._more_shape import __all__ as _shape_all
from ._more_sig import *  # noqa: F403
from ._more_sig import __all__ as _sig_all
from ._more_stats import *  # noqa: F403
from ._more_stats import __all__ as _stats_all
from ._more_torch import *  # noqa: F403  (after _more_math: its searchsorted wraps that one)
from ._more_torch import __all__ as _torch_all
from ._more_vectorize import *  # noqa: F403
from ._more_vectorize import __all__ as _vectorize_all
from ._stride import *  # noqa: F403
from ._stride import __all__ as _stride_all

__all__ = ["remainder", "degrees", "radians", *_math_all, *_names_all, *_shape_all, *_sig_all,
           *_stats_all, *_array_all, *_api_all, *_poly_all, *_select_all, *_hist_all,
           *_dtypes_all, *_vectorize_all, *_ints_all, *_stride_all,
           *[n for n in _torch_all if n not in _math_all]]
