"""``gpuad.numpy.lib``: NumPy's ``numpy.lib`` submodules gpuad has (``stride_tricks``)."""

from . import stride_tricks  # noqa: F401


def __getattr__(name: str):
    raise AttributeError(f"module 'gpuad.numpy.lib' has no attribute {name!r} (of numpy.lib, "
                         f"gpuad has stride_tricks)")
