"""The forward-mode tangent of a ``custom_vjp`` output: there is none (the function has only a
reverse rule), so the tangent is a marker that raises as soon as anything reads it. An output
that never reaches the differentiated result is then no error, as in JAX."""

from __future__ import annotations

from typing import Any


class NoTangent:
    """Stands for the unavailable tangent of an output of the ``custom_vjp`` function
    ``name``; its shape and dtype are the output's, every other use raises ``GradError``."""

    __slots__ = ("name", "shape", "dtype")
    __array_priority__ = 1e9

    def __init__(self, name: str, shape: tuple, dtype: Any):
        self.name, self.shape, self.dtype = name, tuple(shape), dtype

    def error(self, where: str = "") -> Exception:
        from .engine import GradError

        at = f" (a value of shape {self.shape} computed from it reaches " \
            f"{where or 'the result'})"
        return GradError(
            f"custom_vjp {self.name}: forward mode (jvp/jacfwd/linearize) needs the tangent of "
            f"this function's output, and a function with only a custom vjp has none{at}; "
            f"define it with custom_jvp instead, or differentiate in reverse mode (grad/vjp)")

    def _refuse(self, *args: Any, **kwargs: Any):
        raise self.error()

    __array__ = __array_ufunc__ = __array_function__ = __getitem__ = __iter__ = _refuse
    __len__ = __bool__ = __float__ = __int__ = __index__ = __neg__ = __pos__ = _refuse
    __abs__ = __invert__ = __matmul__ = __rmatmul__ = __pow__ = __rpow__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _refuse
    __lt__ = __le__ = __gt__ = __ge__ = _refuse

    def __getattr__(self, name: str):
        raise self.error()

    def __repr__(self) -> str:
        return f"NoTangent({self.name}, shape={self.shape})"


def first(values) -> NoTangent | None:
    """The first :class:`NoTangent` among ``values`` (None when there is none)."""
    return next((v for v in values if isinstance(v, NoTangent)), None)
