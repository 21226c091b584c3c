"""The refusal of complex input by the activations that compare their input with thresholds
(``relu``, ``elu``, ``hardtanh``, ``hardswish``, ...): NumPy would order complex numbers
lexicographically and give a meaningless result; torch refuses them too."""

from __future__ import annotations

from typing import Any

from .._raw import data


def real_input(name: str, x: Any) -> Any:
    """``data(x)``, after refusing a complex ``x`` with a ``TypeError`` naming ``name``.

    Example: ``raw = real_input("elu", x)``
    """
    raw = data(x)
    if isinstance(raw, complex) or getattr(getattr(raw, "dtype", None), "kind", "") == "c":
        raise TypeError(
            f"{name}: complex input is not supported: it compares the input with thresholds, "
            f"which complex numbers do not have (torch refuses it too); apply it to gnp.real(x) "
            f"and gnp.imag(x) separately if that is what you mean")
    return raw
