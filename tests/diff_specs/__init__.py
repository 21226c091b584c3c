"""Derivative specifications for the walk over every public function (test_differentiable_all).

Each module in this package covers one area and defines two names:

- ``SPECS``: a list of :class:`Spec`, at least one for every public float-to-float function of
  that area, checked for first and second derivatives in both modes against float64 finite
  differences;
- ``EXEMPT``: ``{"gpuad.numpy.floor": "piecewise constant: zero derivative almost everywhere"}``,
  the functions that are not differentiated, each with its reason.

A public function of ``gpuad.numpy``, ``gpuad.numpy.linalg``, ``gpuad.numpy.fft``,
``gpuad.scipy.*``, ``gpuad.nn.functional``, ``gpuad.linalg``, ``gpuad.masked`` or ``gpuad.ops``
found in neither fails the walk.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Spec:
    """``fn(*args(rng))`` is checked with ``gpuad.testing.check_grads``.

    ``name`` is the public, fully qualified name (``"gpuad.numpy.linalg.svd"``); ``fn`` takes the
    float arguments being differentiated and closes over everything else (axes, integer
    arguments, flags); ``args`` draws float64 inputs inside the function's domain, away from
    kinks. ``xfail`` marks a known failure (the walk expects it to fail, strictly, so a fix
    shows up as a failure that asks to remove the mark).
    """

    name: str
    fn: Callable[..., Any]
    args: Callable[[np.random.Generator], tuple]
    order: int = 2
    modes: tuple[str, ...] = ("fwd", "rev")
    rtol: float = 1e-5
    atol: float = 1e-6
    xfail: str | None = None  # a known wrong or missing derivative: the reason (strict xfail)


def collect() -> tuple[list[Spec], dict[str, str]]:
    """Every ``SPECS`` and ``EXEMPT`` of the modules in this package, merged."""
    specs: list[Spec] = []
    exempt: dict[str, str] = {}
    for info in pkgutil.iter_modules(__path__):
        mod = importlib.import_module(f"{__name__}.{info.name}")
        specs.extend(getattr(mod, "SPECS", []))
        exempt.update(getattr(mod, "EXEMPT", {}))
    return specs, exempt
