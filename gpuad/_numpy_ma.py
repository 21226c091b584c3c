"""``numpy.ma`` on Tensors: NumPy's masked arrays read an argument's values through
``numpy.ma.getdata``, which takes ``a._data`` where there is one, and a Tensor keeps its
buffer there: ``numpy.ma.exp(t)``, ``numpy.ma.where(c, t, 0)`` or ``numpy.ma.concatenate([t])``
would silently compute on the values of a Tensor being recorded. :func:`guard` wraps
``getdata`` in numpy.ma's modules so that such a Tensor raises an error naming the numpy.ma
function called and what to write with gpuad instead; every other argument goes straight to
NumPy's own ``getdata``."""

from __future__ import annotations

import functools
import sys


def guard() -> None:
    """Wrap ``numpy.ma``'s ``getdata`` (once; importing numpy.ma here costs about 10 ms)."""
    import numpy.ma
    import numpy.ma.core
    import numpy.ma.extras

    orig = numpy.ma.core.getdata
    if getattr(orig, "_gpuad_guard", False):
        return
    from . import _numpy_protocol as _p
    from .tensor import Tensor

    @functools.wraps(orig)
    def getdata(a, subok=True):
        if isinstance(a, Tensor) and _p.recording(a):
            via = _p._numpy_caller(sys._getframe(1), ("numpy.ma", "getdata"))
            if via is None:  # a method (MaskedArray.__add__: m + t) or a helper
                f = sys._getframe(1)
                while f.f_back is not None and _p._in_numpy(f.f_back):
                    f = f.f_back
                raise TypeError(
                    f"numpy.ma ({f.f_code.co_qualname}) read the values of a Tensor of shape "
                    f"{a.shape} that {_p._what(a)}, which would silently drop its gradient; "
                    f"{_p._MA_ADVICE}, or pass t.numpy() for a constant result")
            raise TypeError(via(a))  # names the numpy.ma function called
        return orig(a, subok)

    getdata._gpuad_guard = True
    for mod in (numpy.ma.core, numpy.ma.extras, numpy.ma):
        if getattr(mod, "getdata", None) is orig:
            mod.getdata = getdata
