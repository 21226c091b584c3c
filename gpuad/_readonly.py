"""Read-only Tensors: NumPy's ``writeable=False`` on every backend.

NumPy's ``imag`` of a real array is a new array of zeros that refuses writes (a write through
it could not reach the real array it came from). A Tensor made like that carries a
:class:`ReadOnlyVersion` as its version counter; its views share the counter, so they refuse
writes too (a view of a read-only NumPy array is read-only), while copies get a counter of
their own. CuPy has no read-only arrays: the flag lives on the Tensor so both backends refuse.
"""

from __future__ import annotations

from typing import Any


class ReadOnlyVersion(list):
    """The version counter of a buffer that may not be written; ``why`` says where it came
    from, for the error."""

    __slots__ = ("why", "advice")

    def __init__(self, ver: list, why: str, advice: str | None = None):
        super().__init__(ver)
        self.why = why
        self.advice = advice


def mark(t: Any, why: str, advice: str | None = None) -> Any:
    """Make the Tensor ``t`` (just made, no views yet) refuse in-place writes; returns ``t``.

    ``advice``, when given, is the whole explanation in the error (else the imaginary part's).
    Example: ``mark(result, "imag of a real Tensor")``
    """
    t._ver = ReadOnlyVersion(t._ver, why, advice)
    t._seen = t._ver[0]
    return t


def refuse_write(t: Any) -> None:
    """Raise for an in-place write into the read-only Tensor ``t`` (as NumPy does)."""
    if t._ver.advice is not None:
        raise ValueError(f"assignment destination is read-only: this Tensor of shape {t.shape} "
                         f"is (a view of) the {t._ver.why}; {t._ver.advice}")
    raise ValueError(
        f"assignment destination is read-only: this Tensor of shape {t.shape} is (a view of) "
        f"the {t._ver.why}, a new array of zeros as in NumPy, not a view of the real Tensor, "
        f"so a write into it could not change anything. Build a complex Tensor for an "
        f"imaginary part (z = x + 1j * y, or x.astype(complex) then z.imag[...] = y), or "
        f"write into a copy (t.copy())"
    )
