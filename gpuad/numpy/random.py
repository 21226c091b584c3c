"""``numpy.random`` on the active backend (NumPy's or CuPy's generator).

``seed``, ``rand``, ``randn``, ``random``, ``uniform``, ``normal``, ``randint``, ``choice``,
``permutation``. ``gpuad.checkpoint`` replays the same draws when it recomputes a block.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from ..backends import get_backend

_gens: dict[str, Any] = {}


class _Local(threading.local):
    def __init__(self) -> None:
        self.override: list[list[Any]] = []  # [backend name, seed, generator or None]


_local = _Local()


def _gen():
    be = get_backend()
    for entry in reversed(_local.override):
        if entry[0] == be.name:
            if entry[2] is None:  # made on first draw: seeding costs ~0.1 ms; most blocks draw none
                entry[2] = be.xp.random.RandomState(entry[1])
            return entry[2]
    g = _gens.get(be.name)
    if g is None:
        g = _gens[be.name] = be.xp.random.RandomState()
    return g


def seed(s: int | None = None) -> None:
    """Seed the active backend's generator. Example: ``gnp.random.seed(0)``"""
    _gens[get_backend().name] = get_backend().xp.random.RandomState(s)


def rand(*shape):
    return _gen().rand(*shape)


def randn(*shape):
    return _gen().randn(*shape)


def random(size=None):
    return _gen().random_sample(size)


random_sample = random


def uniform(low=0.0, high=1.0, size=None):
    return _gen().uniform(low, high, size)


def normal(loc=0.0, scale=1.0, size=None):
    return _gen().normal(loc, scale, size)


def randint(low, high=None, size=None, dtype=int):
    return _gen().randint(low, high, size, dtype)


def choice(a, size=None, replace=True, p=None):
    return _gen().choice(a, size, replace, p)


def permutation(x):
    return _gen().permutation(x)


def draw_seed() -> int:
    """A fresh seed drawn from the active generator (used to replay a block's randomness)."""
    # int() of the 0-d draw: numpy.asarray of a CuPy array is a TypeError (no implicit copy)
    return int(_gen().randint(0, 2**31 - 1))


@contextlib.contextmanager
def seeded(s: int) -> Iterator[None]:
    """Draw from a generator seeded with ``s`` inside the block, then resume the global one."""
    be = get_backend()
    _local.override.append([be.name, s, None])
    try:
        yield
    finally:
        _local.override.pop()
