"""Draws through ``gpuad.random`` (keyed, implicitly reparameterised) for the distributions
whose samples are gamma draws: the key comes from ``gpuad.numpy.random``'s generator, so
``gnp.random.seed(s)`` makes these draws reproducible like every other one."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as gnp
from .._raw import data
from ..backends import get_backend


def draw_key() -> Any:
    """A fresh ``gpuad.random`` key, drawn from ``gnp.random``'s generator (62 bits a word)."""
    w = gnp.random.randint(0, 2**31, size=4)
    w = np.asarray(w.get() if hasattr(w, "get") else w).astype(np.uint64)
    words = np.array([(w[0] << 31) | w[1], (w[2] << 31) | w[3]], dtype=np.uint64)
    return get_backend().xp.asarray(words)


def float_dtype(*params: Any) -> str:
    """The floating dtype the parameters promote to (float32 parameters draw float32)."""
    return str(np.result_type(*(data(p).dtype for p in params)))
