"""torch.special's functions that SciPy spells otherwise or lacks: the orthogonal polynomials
(``chebyshev_polynomial_t(x, n)`` and the others) and ``airy_ai(x)``, with torch's names,
arguments and values (docs/porting.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..rules import data as _data
from ._orthopoly import FAMILIES, result_dtype
from ._special_rules import airy_ai as _airy_ai
from ._special_rules import orthopoly as _orthopoly

_WHAT = {
    "chebyshev_polynomial_t": "the Chebyshev polynomial of the first kind T_n(x)",
    "chebyshev_polynomial_u": "the Chebyshev polynomial of the second kind U_n(x)",
    "chebyshev_polynomial_v": "the Chebyshev polynomial of the third kind V_n(x)",
    "chebyshev_polynomial_w": "the Chebyshev polynomial of the fourth kind W_n(x)",
    "shifted_chebyshev_polynomial_t": "the shifted Chebyshev polynomial T_n(2x - 1)",
    "shifted_chebyshev_polynomial_u": "the shifted Chebyshev polynomial U_n(2x - 1)",
    "shifted_chebyshev_polynomial_v": "the shifted Chebyshev polynomial V_n(2x - 1)",
    "shifted_chebyshev_polynomial_w": "the shifted Chebyshev polynomial W_n(2x - 1)",
    "hermite_polynomial_h": "the physicists' Hermite polynomial H_n(x)",
    "hermite_polynomial_he": "the probabilists' Hermite polynomial He_n(x)",
    "laguerre_polynomial_l": "the Laguerre polynomial L_n(x)",
    "legendre_polynomial_p": "the Legendre polynomial P_n(x)",
}


def _data_dtype(v):
    d = _data(v)
    return d.dtype if hasattr(d, "dtype") else d


def _polynomial(kind: str) -> Callable:
    def f(input: Any, n: Any) -> Any:
        result_dtype(_data_dtype(input), _data_dtype(n), kind)  # complex ones raise here
        return _orthopoly(input, n, kind=kind, k=0)

    f.__name__ = f.__qualname__ = kind
    f.__doc__ = (
        f"``torch.special.{kind}(input, n)``: {_WHAT[kind]}, elementwise (broadcast). The "
        f"degree n is read as torch reads it (truncated toward zero; a negative one gives 0); "
        f"differentiable in x to any order, not in n. Example: ``sps.{kind}(x, 3)``")
    return f


chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t")
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u")
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v")
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w")
shifted_chebyshev_polynomial_t = _polynomial("shifted_chebyshev_polynomial_t")
shifted_chebyshev_polynomial_u = _polynomial("shifted_chebyshev_polynomial_u")
shifted_chebyshev_polynomial_v = _polynomial("shifted_chebyshev_polynomial_v")
shifted_chebyshev_polynomial_w = _polynomial("shifted_chebyshev_polynomial_w")
hermite_polynomial_h = _polynomial("hermite_polynomial_h")
hermite_polynomial_he = _polynomial("hermite_polynomial_he")
laguerre_polynomial_l = _polynomial("laguerre_polynomial_l")
legendre_polynomial_p = _polynomial("legendre_polynomial_p")
assert set(FAMILIES) == set(_WHAT)


def airy_ai(input: Any) -> Any:
    """``torch.special.airy_ai(input)`` (``scipy.special.airy(x)[0]``): the Airy function
    Ai(x), differentiable to any order (Ai' from ``scipy.special.airy``, Ai'' = x Ai); on
    CuPy, which has no airy, from gpuad/scipy/_airy.py.

    Example: ``sps.airy_ai(x)``
    """
    return _airy_ai(input)


airy_ai.rule = _airy_ai.rule  # type: ignore[attr-defined]  # the primitive it applies


POLYNOMIALS = list(_WHAT)
