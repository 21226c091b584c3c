"""Compile a function once per signature and replay it: ``gpuad.jit`` (docs/jit.md).

- :mod:`gpuad.jit.trace`: records every backend call of one eager run into a program;
- :mod:`gpuad.jit.program`: that program (variables, steps, the Wengert list);
- :mod:`gpuad.jit.passes`: dead steps, constant folding, CSE, the memory plan;
- :mod:`gpuad.jit.replay`: the flat replay function, and CUDA-graph capture on the GPU;
- :mod:`gpuad.jit.optstep`: an optimizer step recorded as array steps, its per-call numbers
  in device slots;
- :mod:`gpuad.jit.random`: random numbers from an explicit key.

Example::

    step = gpuad.jit(gpuad.value_and_grad(loss))
    value, g = step(w, x)
"""

from __future__ import annotations

import sys as _sys
import types as _types

from . import random
from .api import Jitted, jit
from .caches import clear_caches
from .outer import JitFallbackWarning
from .program import Program
from .replay import StaleCaptureError
from .scalar_retrace import RetraceWarning
from .stages import Compiled, Lowered, Traced
from .trace import TracerError

__all__ = ["jit", "Jitted", "Program", "TracerError", "StaleCaptureError", "JitFallbackWarning",
           "RetraceWarning", "random"]
# ahead-of-time stages and cache control, with JAX's names (jax.stages, jax.clear_caches)
__all__ += ["clear_caches", "Lowered", "Compiled", "Traced"]


class _CallableModule(_types.ModuleType):
    """``gpuad.jit`` is this package and, called, the ``jit`` function itself."""

    def __call__(self, *args, **kwargs):
        return jit(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
