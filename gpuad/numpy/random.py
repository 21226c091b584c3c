"""``numpy.random`` on the active backend (NumPy's or CuPy's generator), differentiable.

The module functions (``seed``, ``rand``, ``randn``, ``random``, ``uniform``, ``normal``,
``randint``, ``choice``, ``permutation``, ``laplace``, ...) draw from one global generator per
backend; :class:`RandomState` and :func:`default_rng` (a :class:`Generator`) are independent
generators with NumPy's method names.

Location-scale samplers are differentiable in their location and scale by reparameterisation:
``normal(loc, scale)`` is ``loc + scale * z`` for a standard normal draw ``z`` (a constant), so
``grad`` of ``sum(normal(mu, 1e-12))`` with respect to ``mu`` is ones. The same holds for
``uniform(low, high)``, ``laplace``, ``logistic``, ``gumbel``, ``exponential(scale)``,
``rayleigh(scale)``, ``gamma(shape, scale)`` (in ``scale``) and ``lognormal(mean, sigma)``.
The other samplers (``beta``, ``dirichlet``, ``poisson``, ``binomial``, the ``shape`` of
``gamma``, ...) raise a clear error when a parameter is being differentiated. With constant
parameters every sampler returns exactly what NumPy's generator returns for the same seed.

``gpuad.checkpoint`` replays the same draws when it recomputes a block: the module functions
draw, in the block's first run, from the global generator as they would outside a checkpoint,
and in a recomputation from a copy of its state at the block's start (NumPy backend; on CuPy,
whose generator cannot save its state, from a generator seeded per block); a
:class:`RandomState` or :class:`Generator` object used inside the block is rewound to its
state at the block's first draw and set back afterwards (NumPy backend; on a backend whose
generators cannot save their state, drawing from such an object inside a checkpointed block
raises).
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as _np

from .. import rules as _r
from ..backends import get_backend
from ..tensor import Tensor

_gens: dict[str, Any] = {}


class _Local(threading.local):
    def __init__(self) -> None:
        self.override: list[list[Any]] = []  # [backend name, seed, generator or None]
        self.blocks: list[dict] = []  # the checkpointed blocks being run, outermost first


_local = _Local()


def _gen(user_draw: bool = True):
    if user_draw:
        _vmap_check("draw")
    be = get_backend()
    for entry in reversed(_local.override):
        if entry[0] == be.name:
            if entry[2] is None:  # made on first draw: seeding costs ~0.1 ms; most blocks draw none
                snap = getattr(entry[1], "snapshot", None)
                if snap is None:
                    entry[2] = be.xp.random.RandomState(entry[1])
                else:  # a recomputation: the generator as the block's first run found it
                    entry[2] = be.xp.random.RandomState(0)
                    entry[2].set_state(snap)
            return entry[2]
    g = _gens.get(be.name)
    if g is None:
        g = _gens[be.name] = be.xp.random.RandomState()
    return g


def seed(s: int | None = None) -> None:
    """Seed the active backend's generator. Example: ``gnp.random.seed(0)``"""
    _gens[get_backend().name] = get_backend().xp.random.RandomState(s)


# ---- parameters ------------------------------------------------------------------------------


def _tracked(a) -> bool:
    return isinstance(a, Tensor) and (a.requires_grad or bool(a._tan))


def _raw(a):
    return a.data if isinstance(a, Tensor) else a


def _shape_of(size, params) -> tuple[int, ...]:
    pshape = _np.broadcast_shapes(*(_r.shape(p) for p in params))
    if size is None:
        return pshape
    size = (int(size),) if isinstance(size, int | _np.integer) else tuple(int(s) for s in size)
    if _np.broadcast_shapes(size, pshape) != size:
        raise ValueError(f"size {size} does not match the parameter shapes {pshape}")
    return size


def _no_grad_params(name: str, **params):
    for k, v in params.items():
        if _tracked(v):
            raise NotImplementedError(
                f"random.{name}: cannot differentiate with respect to {k!r}: the sampler has "
                f"no reparameterisation in gpuad. Pass a constant (gpuad.stop_gradient({k})), "
                f"or use a location-scale sampler (normal, uniform, laplace, logistic, gumbel, "
                f"exponential, lognormal) whose parameters are differentiable")
    return {k: _raw(v) for k, v in params.items()}


# ---- the samplers, shared by the module, RandomState and Generator -------------------------


def _vmap_check(method: str) -> None:
    """Inside ``vmap(randomness="error")`` (the default) a draw raises: one draw would be
    shared by every example, which the caller did not ask for."""
    from ..batching.api import randomness

    if randomness() == "error":
        raise ValueError(
            f"random.{method} inside gpuad.vmap: with randomness='error' (the default) random "
            f"draws raise; pass vmap(..., randomness='same') for one draw shared by every "
            f"example, or draw outside vmap and pass the draws in as a batched argument")


class _Sampler:
    """Sampling methods over a backend generator returned by ``_rs()``."""

    _legacy = True  # RandomState's method names (random_sample, randint) vs Generator's

    def _rs(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def _call(self, method: str, *args, **kwargs):
        _vmap_check(method)
        rs = self._rs()
        fn = getattr(rs, method, None)
        if fn is None:
            raise NotImplementedError(
                f"random.{method} is not available on the {get_backend().name} backend's "
                f"{type(rs).__name__}")
        return fn(*args, **kwargs)

    def _loc_scale(self, name, loc, scale, size, base, *base_args):
        """``loc + scale * eps`` with ``eps = base(*base_args, size)`` drawn at the unit
        parameters (the same stream and formula as the generator's own method); with constant
        parameters the generator's own method is called."""
        if not (_tracked(loc) or _tracked(scale)):
            return self._call(name, _raw(loc), _raw(scale), size)
        shp = _shape_of(size, (loc, scale))
        eps = get_backend().xp.asarray(self._call(base, *base_args, size=shp))
        return _r.add(loc, _r.multiply(scale, eps))

    # -- reparameterised location-scale families
    def normal(self, loc=0.0, scale=1.0, size=None):
        """Normal draws ``loc + scale * z``; differentiable in ``loc`` and ``scale``.

        Example: ``gnp.random.normal(mu, sigma, size=(3,))``
        """
        return self._loc_scale("normal", loc, scale, size, "standard_normal")

    def uniform(self, low=0.0, high=1.0, size=None):
        """Uniform draws on [low, high): ``low + (high - low) * u``; differentiable in both.

        Example: ``gnp.random.uniform(a, b, size=5)``
        """
        if not (_tracked(low) or _tracked(high)):
            return self._call("uniform", _raw(low), _raw(high), size)
        shp = _shape_of(size, (low, high))
        u = get_backend().xp.asarray(self._call("uniform", 0.0, 1.0, shp))
        return _r.add(low, _r.multiply(_r.subtract(high, low), u))

    def laplace(self, loc=0.0, scale=1.0, size=None):
        """Laplace draws; differentiable in ``loc`` and ``scale``. Example:
        ``gnp.random.laplace(mu, b)``"""
        return self._loc_scale("laplace", loc, scale, size, "laplace", 0.0, 1.0)

    def logistic(self, loc=0.0, scale=1.0, size=None):
        """Logistic draws; differentiable in ``loc`` and ``scale``. Example:
        ``gnp.random.logistic(mu, s)``"""
        return self._loc_scale("logistic", loc, scale, size, "logistic", 0.0, 1.0)

    def gumbel(self, loc=0.0, scale=1.0, size=None):
        """Gumbel draws; differentiable in ``loc`` and ``scale``. Example:
        ``gnp.random.gumbel(mu, beta)``"""
        return self._loc_scale("gumbel", loc, scale, size, "gumbel", 0.0, 1.0)

    def exponential(self, scale=1.0, size=None):
        """Exponential draws ``scale * e``; differentiable in ``scale``.

        Example: ``gnp.random.exponential(s, size=4)``
        """
        if not _tracked(scale):
            return self._call("exponential", _raw(scale), size)
        shp = _shape_of(size, (scale,))
        e = get_backend().xp.asarray(self._call("standard_exponential", size=shp))
        return _r.multiply(scale, e)

    def rayleigh(self, scale=1.0, size=None):
        """Rayleigh draws; differentiable in ``scale``. Example: ``gnp.random.rayleigh(s)``"""
        if not _tracked(scale):
            return self._call("rayleigh", _raw(scale), size)
        shp = _shape_of(size, (scale,))
        e = get_backend().xp.asarray(self._call("rayleigh", 1.0, shp))
        return _r.multiply(scale, e)

    def lognormal(self, mean=0.0, sigma=1.0, size=None):
        """Log-normal draws ``exp(mean + sigma * z)``; differentiable in both.

        Example: ``gnp.random.lognormal(m, s)``
        """
        if not (_tracked(mean) or _tracked(sigma)):
            return self._call("lognormal", _raw(mean), _raw(sigma), size)
        return _r.exp(self._loc_scale("normal", mean, sigma, size, "standard_normal"))

    def gamma(self, shape, scale=1.0, size=None):
        """Gamma draws ``scale * g(shape)``; differentiable in ``scale`` (not in ``shape``).

        Example: ``gnp.random.gamma(2.0, theta)``
        """
        _no_grad_params("gamma", shape=shape)
        if not _tracked(scale):
            return self._call("gamma", _raw(shape), _raw(scale), size)
        shp = _shape_of(size, (shape, scale))
        g = get_backend().xp.asarray(self._call("standard_gamma", _raw(shape), size=shp))
        return _r.multiply(scale, g)

    # -- parameter-free draws
    def standard_normal(self, size=None, *args, **kwargs):
        """Standard normal draws. Example: ``gnp.random.standard_normal((2, 3))``"""
        return self._call("standard_normal", size, *args, **kwargs)

    def standard_exponential(self, size=None, *args, **kwargs):
        """Standard exponential draws. Example: ``gnp.random.standard_exponential(3)``"""
        return self._call("standard_exponential", size, *args, **kwargs)

    def standard_cauchy(self, size=None):
        """Standard Cauchy draws. Example: ``gnp.random.standard_cauchy(3)``"""
        return self._call("standard_cauchy", size)

    def permutation(self, x, *args, **kwargs):
        """A permuted range or a shuffled copy (a Tensor is permuted differentiably).

        Example: ``gnp.random.permutation(5)``
        """
        if isinstance(x, Tensor):
            n = x.shape[0] if x.ndim else 0
            if x.ndim == 0:
                raise ValueError("permutation: x must be an integer or at least 1-dimensional")
            idx = get_backend().xp.asarray(self._call("permutation", n))
            return _r.getitem(x, idx)
        return self._call("permutation", x, *args, **kwargs)

    def shuffle(self, x, *args, **kwargs) -> None:
        """Shuffle ``x`` in place along its first axis (a Tensor write is recorded).

        Example: ``gnp.random.shuffle(a)``
        """
        if isinstance(x, Tensor):
            n = x.shape[0]
            idx = get_backend().xp.asarray(self._call("permutation", n))
            x[...] = _r.getitem(x, idx)
            return None
        return self._call("shuffle", x, *args, **kwargs)

    def choice(self, a, size=None, replace=True, p=None, *args, **kwargs):
        """Random sample from ``a`` (an int or a 1-D array); Tensor ``a`` is gathered
        differentiably (``p`` is a constant). Example: ``gnp.random.choice(5, 3)``"""
        p = _no_grad_params("choice", p=p)["p"]
        if isinstance(a, Tensor):
            if a.ndim != 1:
                raise ValueError("choice: a must be 1-dimensional or an integer")
            idx = self._call("choice", a.shape[0], size, replace, p, *args, **kwargs)
            return _r.getitem(a, get_backend().xp.asarray(idx))
        return self._call("choice", a, size, replace, p, *args, **kwargs)


def _constant_sampler(name: str, params: tuple[str, ...]):
    def method(self, *args, size=None, **kwargs):
        vals = dict(zip(params, args, strict=False))
        vals.update({k: v for k, v in kwargs.items() if k in params})
        rest = {k: v for k, v in kwargs.items() if k not in params}
        if len(args) > len(params):
            size = args[len(params)]
        raw = _no_grad_params(name, **vals)
        return self._call(name, *[raw[k] for k in params if k in raw], size=size, **rest)

    method.__name__ = name
    method.__doc__ = (f"``numpy.random.{name}``; its parameters ({', '.join(params)}) are "
                      f"constants: differentiating them raises. "
                      f"Example: ``gnp.random.{name}(...)``")
    return method


_CONSTANT = {
    "beta": ("a", "b"), "binomial": ("n", "p"), "chisquare": ("df",), "dirichlet": ("alpha",),
    "f": ("dfnum", "dfden"), "geometric": ("p",), "hypergeometric": ("ngood", "nbad", "nsample"),
    "logseries": ("p",), "multinomial": ("n", "pvals"),
    "multivariate_normal": ("mean", "cov"), "negative_binomial": ("n", "p"),
    "noncentral_chisquare": ("df", "nonc"), "noncentral_f": ("dfnum", "dfden", "nonc"),
    "pareto": ("a",), "poisson": ("lam",), "power": ("a",), "standard_gamma": ("shape",),
    "standard_t": ("df",), "triangular": ("left", "mode", "right"), "vonmises": ("mu", "kappa"),
    "wald": ("mean", "scale"), "weibull": ("a",), "zipf": ("a",),
}
for _name, _params in _CONSTANT.items():
    setattr(_Sampler, _name, _constant_sampler(_name, _params))


class _LegacyMethods(_Sampler):
    """RandomState's own names (``rand``, ``randn``, ``randint``, ``random_sample``)."""

    def rand(self, *shape):
        """Uniform [0, 1) draws of the given shape. Example: ``gnp.random.rand(2, 3)``"""
        return self._call("rand", *shape)

    def randn(self, *shape):
        """Standard normal draws of the given shape. Example: ``gnp.random.randn(4)``"""
        return self._call("randn", *shape)

    def random_sample(self, size=None):
        """Uniform [0, 1) draws. Example: ``gnp.random.random_sample(3)``"""
        return self._call("random_sample", size)

    random = random_sample
    sample = random_sample
    ranf = random_sample

    def randint(self, low, high=None, size=None, dtype=int):
        """Integers in [low, high). Example: ``gnp.random.randint(0, 10, 5)``"""
        return self._call("randint", low, high, size, dtype)

    def random_integers(self, low, high=None, size=None):
        """Integers in [low, high] (NumPy's deprecated name). Example:
        ``gnp.random.random_integers(1, 6)``"""
        if high is None:
            low, high = 1, low
        return self._call("randint", low, high + 1, size)


# ---- replay inside gpuad.checkpoint ----------------------------------------------------------


class _Seed(int):
    """A block's seed, carrying the states of generator objects first drawn from inside it,
    and ``snapshot``: the active generator's state when the block began (None where the
    backend's generator cannot save it, and the block draws from a generator of its own)."""

    states: dict
    recorded: bool
    snapshot: Any


def draw_seed() -> int:
    """What replays a block's randomness: the active generator's state where it can be saved
    (NumPy's: the block's first run draws from that generator, as the same code outside a
    checkpoint does; a recomputation from a copy of the saved state, leaving the generator as
    it is), else a fresh seed drawn from it, for a generator of the block's own."""
    g = _gen(False)
    if isinstance(g, _np.random.RandomState):  # (CuPy's generators keep no state to save)
        s = _Seed(0)
        s.snapshot = g.get_state()
    else:
        # int() of the 0-d draw: numpy.asarray of a CuPy array is a TypeError (no implicit copy)
        s = _Seed(int(g.randint(0, 2**31 - 1)))
        s.snapshot = None
    s.states = {}
    s.recorded = False
    return s


@contextlib.contextmanager
def seeded(s: int) -> Iterator[None]:
    """Draw from a generator seeded with ``s`` inside the block, then resume the global one.

    With a seed from :func:`draw_seed`, generator objects drawn from inside the block are
    recorded the first time and rewound to the recorded state on every later run.
    """
    be = get_backend()
    first = isinstance(s, _Seed) and s.snapshot is not None and not s.recorded
    # (a block's first run with a saved state draws from the active generator itself)
    _local.override.append([be.name, s, _gen(False) if first else None])
    block = {"seed": s, "restore": {}} if isinstance(s, _Seed) else None
    if block is not None:
        _local.blocks.append(block)
    try:
        yield
    finally:
        _local.override.pop()
        if block is not None:
            _local.blocks.pop()
            for obj, state in block["restore"].values():
                obj._set_state(state)
            s.recorded = True


def _before_draw(obj) -> None:
    """Record (first run) or rewind (recomputation) ``obj`` for every enclosing block."""
    for block in _local.blocks:
        s = block["seed"]
        key = id(obj)
        if not s.recorded:
            if key not in s.states:
                s.states[key] = (weakref.ref(obj), obj._get_state())
        elif key not in block["restore"]:
            entry = s.states.get(key)
            if entry is None or entry[0]() is not obj:
                raise RuntimeError(
                    "a random generator object was drawn from while gpuad.checkpoint "
                    "recomputed a block, but not when the block first ran: the recomputation "
                    "would see other random numbers. Draw the same way on every run")
            block["restore"][key] = (obj, obj._get_state())
            obj._set_state(entry[1])


class _Owned(_Sampler):
    """A sampler owning its generator (replayed inside checkpointed blocks)."""

    _gen_obj: Any

    def _rs(self):
        _vmap_check("draw")
        if _local.blocks:
            _before_draw(self)
        return self._gen_obj

    def _get_state(self):
        g = self._gen_obj
        if hasattr(g, "get_state"):
            return g.get_state()
        bg = getattr(g, "bit_generator", None)
        if bg is not None and hasattr(bg, "state"):
            return bg.state
        raise NotImplementedError(
            f"drawing from a {type(self).__name__} inside gpuad.checkpoint needs its state "
            f"saved for the recomputation, which the {self._backend} backend's generator "
            f"cannot do; draw outside the block, or use the gpuad.numpy.random functions "
            f"(replayed by seed)")

    def _set_state(self, state) -> None:
        g = self._gen_obj
        if hasattr(g, "set_state"):
            g.set_state(state)
        else:
            g.bit_generator.state = state


class RandomState(_Owned, _LegacyMethods):
    """An independent generator with ``numpy.random.RandomState``'s methods, on the active
    backend; samplers are differentiable as the module's.

    Example::

        rs = gnp.random.RandomState(0)
        z = rs.normal(mu, 1.0, size=(3,))
    """

    def __init__(self, seed=None):
        be = get_backend()
        self._backend = be.name
        self._gen_obj = be.xp.random.RandomState(seed)

    def seed(self, seed=None) -> None:
        """Re-seed this generator. Example: ``rs.seed(1)``"""
        self._gen_obj.seed(seed)

    def get_state(self):
        """The generator's state (NumPy backend). Example: ``s = rs.get_state()``"""
        return self._get_state()

    def set_state(self, state) -> None:
        """Restore a state from ``get_state``. Example: ``rs.set_state(s)``"""
        self._set_state(state)


class Generator(_Owned):
    """``numpy.random.Generator`` on the active backend (made by :func:`default_rng`);
    samplers are differentiable as the module's.

    Example::

        rng = gnp.random.default_rng(0)
        z = rng.normal(mu, 1.0, size=(3,))
    """

    def __init__(self, gen: Any, backend: str):
        self._gen_obj = gen
        self._backend = backend

    @property
    def bit_generator(self):
        return self._gen_obj.bit_generator

    def random(self, size=None, dtype=_np.float64, out=None):
        """Uniform [0, 1) draws. Example: ``rng.random((2, 2))``"""
        return self._call("random", size, dtype=dtype, out=out) if out is not None else \
            self._call("random", size, dtype=dtype)

    def integers(self, low, high=None, size=None, dtype=_np.int64, endpoint=False):
        """Integers in [low, high) (or [low, high] with ``endpoint``). Example:
        ``rng.integers(0, 10, 5)``"""
        return self._call("integers", low, high, size, dtype=dtype, endpoint=endpoint)

    def permuted(self, x, axis=None, out=None):
        """A copy of ``x`` with each slice along ``axis`` shuffled independently.

        Example: ``rng.permuted(a, axis=1)``
        """
        if isinstance(x, Tensor):
            raise NotImplementedError("permuted: Tensor input is not supported; use "
                                      "permutation")
        return self._call("permuted", x, axis=axis, out=out)

    def spawn(self, n_children: int) -> list[Generator]:
        """Independent child generators. Example: ``a, b = rng.spawn(2)``"""
        return [Generator(g, self._backend) for g in self._gen_obj.spawn(n_children)]


def default_rng(seed=None) -> Generator:
    """A :class:`Generator` on the active backend seeded with ``seed``.

    Example: ``rng = gnp.random.default_rng(0)``
    """
    be = get_backend()
    maker = getattr(be.xp.random, "default_rng", None)
    if maker is None:
        raise NotImplementedError(f"default_rng is not available on the {be.name} backend")
    return Generator(maker(seed), be.name)


class _Global(_LegacyMethods):
    """The module functions: the active backend's global generator."""

    def _rs(self):
        return _gen()


_global = _Global()
_MODULE_NAMES = (
    "rand", "randn", "random", "random_sample", "sample", "ranf", "randint", "random_integers",
    "normal", "uniform", "laplace", "logistic", "gumbel", "exponential", "rayleigh",
    "lognormal", "gamma", "standard_normal", "standard_exponential", "standard_cauchy",
    "permutation", "shuffle", "choice", *_CONSTANT)
for _name in _MODULE_NAMES:
    globals()[_name] = getattr(_global, _name)

__all__ = ["seed", "seeded", "draw_seed", "RandomState", "Generator", "default_rng",
           *_MODULE_NAMES]
