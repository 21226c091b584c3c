"""Every live jitted function, weakly held, so that ``gpuad.clear_caches()`` can empty them all
(as ``jax.clear_caches``)."""

from __future__ import annotations

import weakref
from typing import Any

_LIVE: weakref.WeakSet = weakref.WeakSet()


def register(jitted: Any) -> None:
    _LIVE.add(jitted)


def clear_caches() -> None:
    """Forget the compiled programs of every jitted function (each traces again at its next
    call); programs already held by ``lower(...).compile()`` objects keep working.

    Example: ``gpuad.clear_caches()``"""
    for j in list(_LIVE):
        j.clear_cache()
