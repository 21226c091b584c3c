"""``gpuad.numpy.lib.stride_tricks``: ``sliding_window_view`` (recorded) and ``as_strided``
(refused on Tensors, with what to use instead)."""

from .._stride import as_strided, sliding_window_view  # noqa: F401
