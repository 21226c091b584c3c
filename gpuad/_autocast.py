"""``torch.autocast``: operations run in float16 or float32 by torch's CUDA autocast lists.

Inside ``with autocast("cuda"):`` each function on torch's lower-precision list (matmul,
linear, conv*, bmm, addmm, einsum, ...) casts its floating inputs to float16, each one on the
float32 list (exp, log, pow, sum, softmax, the losses, the norms, ...) casts them to float32,
each one on the promote list (dot, cross, atan2, addcmul, tensordot, ...) casts them to the
widest of them; float64 inputs are never cast, as in torch. Every other gpuad function runs in
its inputs' dtypes, as one torch operation (the operations it is built of are not cast).
The casts are recorded: a float32 leaf gets a float32 gradient through the cast's adjoint.

The functions on the lists are wrapped when gpuad (and gpuad.nn) is imported, in every gpuad
module that holds them; the other public functions of gpuad.numpy, gpuad.nn.functional and
Tensor become single operations when the first autocast block opens.
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
import types
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

_DEVICE_TYPES = ("cuda", "cpu")
_F16 = np.dtype(np.float16)
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_BF16 = "bfloat16"  # torch's CPU default, which NumPy (so gpuad) lacks


class _Local(threading.local):
    def __init__(self) -> None:
        self.enabled = dict.fromkeys(_DEVICE_TYPES, False)
        self.dtype: dict[str, Any] = {"cuda": _F16, "cpu": _BF16}
        self.cache = True
        self.nesting = 0
        #: the dtype lower-precision ops cast to now, or None where no autocast is enabled
        self.active: np.dtype | None = None
        #: inside a wrapped function: the operations it is built of are not cast again
        self.inside = False


_local = _Local()
#: how many autocast blocks are open in all threads: while none is, wrappers call through
_open = [0]
_lock = threading.RLock()  # (_install imports gpuad.nn, whose import calls install_listed)
_installed = [False]


def _active(st: _Local) -> np.dtype | None:
    for dev in _DEVICE_TYPES:  # "cuda" first where both are enabled
        if st.enabled[dev]:
            return st.dtype[dev]
    return None


def _bf16_error(where: str) -> TypeError:
    return TypeError(
        f"{where}: gpuad has no bfloat16 dtype (NumPy and CuPy lack it), which is torch's "
        f"default autocast dtype on the CPU; pass dtype=torch.float16 (or numpy.float16), "
        f"e.g. autocast('cpu', dtype=torch.float16)")


def _dtype_of(dtype: Any, where: str) -> Any:
    s = str(dtype)
    if s.startswith("torch."):
        s = s[6:]
        dtype = {"half": "float16", "float": "float32", "double": "float64"}.get(s, s)
    if s == _BF16:
        return _BF16
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: dtype must be a dtype such as torch.float16, "
                        f"got {dtype!r}") from None


def _check_device(device_type: Any, where: str) -> str:
    if not isinstance(device_type, str):
        raise ValueError(f"{where}: expected `device_type` of type `str`, got: "
                         f"`{type(device_type)}`")
    if device_type not in _DEVICE_TYPES:
        raise RuntimeError(f"{where}: unsupported autocast device_type {device_type!r}; "
                           f"gpuad takes 'cuda' and 'cpu' (either casts on any backend)")
    return device_type


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """``torch.is_autocast_enabled(device_type)``: whether autocast is on for ``device_type``
    (``"cuda"`` when not given, as torch)."""
    dev = _check_device("cuda" if device_type is None else device_type, "is_autocast_enabled")
    return _local.enabled[dev]


def get_autocast_dtype(device_type: str) -> np.dtype:
    """``torch.get_autocast_dtype(device_type)``: the dtype autocast for ``device_type`` casts
    to (float16 for ``"cuda"``; ``"cpu"``'s default, bfloat16, raises: gpuad lacks it)."""
    dev = _check_device(device_type, "get_autocast_dtype")
    dt = _local.dtype[dev]
    if dt == _BF16:
        raise _bf16_error("get_autocast_dtype")
    return dt


def is_autocast_available(device_type: str) -> bool:
    """``torch.amp.is_autocast_available``: True for ``"cuda"`` and ``"cpu"``."""
    return device_type in _DEVICE_TYPES


class autocast:
    """``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)`` as a block
    or decorator; see the module docstring for what is cast. ``device_type`` is ``"cuda"`` or
    ``"cpu"`` and either casts on every backend (torch's CUDA lists for both); ``dtype`` must be
    float16 (bfloat16, torch's CPU default, raises ``TypeError``: gpuad has none; other dtypes
    warn and disable the block, as torch). ``cache_enabled`` changes nothing (gpuad does not
    cache the casts of weights; values and gradients are the same).

    Example: ``with gpuad.autocast("cuda"): loss = F.mse_loss(model(x), y)``
    """

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        self.device = _check_device(device_type, "autocast")
        self._enabled = bool(enabled)
        self._cache_enabled = True if cache_enabled is None else bool(cache_enabled)
        dt = _local.dtype[self.device] if dtype is None else _dtype_of(dtype, "autocast")
        if self._enabled and dt == _BF16:
            raise _bf16_error("autocast")
        if self._enabled and dt != _F16:
            warnings.warn(
                f"In {self.device} autocast, but the target dtype {dt} is not supported "
                f"(gpuad's autocast takes float16). Disabling autocast.", UserWarning,
                stacklevel=2)
            self._enabled = False
        self.fast_dtype = dt

    def __enter__(self) -> autocast:
        st = _local
        if self._enabled and not _installed[0]:
            _install()
        self._prev = (st.enabled[self.device], st.dtype[self.device], st.cache, st.inside)
        with _lock:
            _open[0] += 1
        st.enabled[self.device] = self._enabled
        st.dtype[self.device] = self.fast_dtype
        st.cache = self._cache_enabled
        st.inside = False  # a block opened inside a wrapped function (autograd.Function)
        st.nesting += 1
        st.active = _active(st)
        return self

    def __exit__(self, *exc: Any) -> bool:
        st = _local
        st.enabled[self.device], st.dtype[self.device], st.cache, st.inside = self._prev
        st.nesting -= 1
        st.active = _active(st)
        with _lock:
            _open[0] -= 1
        return False

    def __call__(self, func: Callable) -> Callable:
        args = (self.device, self.fast_dtype, self._enabled, self._cache_enabled)

        @functools.wraps(func)
        def run(*a: Any, **k: Any) -> Any:
            with autocast(*args):
                return func(*a, **k)

        return run


# ---- casting --------------------------------------------------------------------------------

def _eligible(x: Any) -> bool:
    dt = getattr(x, "dtype", None)
    return isinstance(dt, np.dtype) and dt.kind == "f" and dt != _F64 and \
        hasattr(x, "shape") and hasattr(x, "astype")


def _cast(x: Any, dt: np.dtype) -> Any:
    if _eligible(x):
        return x if x.dtype == dt else x.astype(dt)
    if type(x) in (list, tuple):
        return type(x)(_cast(v, dt) for v in x)
    return x


def _widest(args: tuple, kwargs: dict, low: np.dtype) -> np.dtype | None:
    found = None
    for v in (*args, *kwargs.values()):
        vals = v if type(v) in (list, tuple) else (v,)
        for u in vals:
            if _eligible(u):
                if u.dtype == _F32 or found == _F32:
                    return _F32
                found = low if u.dtype == low else _F32
    return found


def _cast_all(args: tuple, kwargs: dict, dt: np.dtype) -> tuple[tuple, dict]:
    return (tuple(_cast(a, dt) for a in args),
            {k: _cast(v, dt) for k, v in kwargs.items()})


_BCE_MSG = (
    "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast: "
    "the float16 probabilities of a sigmoid lose the values near 0 and 1 their logarithms "
    "need. Use binary_cross_entropy_with_logits (nn.BCEWithLogitsLoss) on the logits, which "
    "is safe to autocast, or compute the loss outside the autocast block")


def _wrap(f: Callable, policy: str) -> Callable:
    """``f`` with the cast of ``policy``: "low", "fp32", "promote", "keep" (none; the body is
    not cast) or "ban" (raises while autocast is on)."""

    @functools.wraps(f)
    def w(*args: Any, **kwargs: Any) -> Any:
        if not _open[0]:
            return f(*args, **kwargs)
        st = _local
        low = st.active
        if low is None or st.inside:
            return f(*args, **kwargs)
        if policy == "low":
            args, kwargs = _cast_all(args, kwargs, low)
        elif policy == "fp32":
            if kwargs.get("dtype") is None:  # an explicit dtype= is kept (as torch's)
                args, kwargs = _cast_all(args, kwargs, _F32)
        elif policy == "promote":
            dt = _widest(args, kwargs, low)
            if dt is not None:
                args, kwargs = _cast_all(args, kwargs, dt)
        elif policy == "ban":
            raise RuntimeError(f"{f.__name__}: {_BCE_MSG}")
        st.inside = True
        try:
            return f(*args, **kwargs)
        finally:
            st.inside = False

    w.__gpuad_autocast__ = policy
    return w


# ---- the lists (torch's CUDA autocast lists, by gpuad name) --------------------------------

_LOW_GNP = "matmul einsum"
_LOW_T = "__matmul__ __rmatmul__ matmul mm mv bmm addmm addmv addr addbmm baddbmm"
_LOW_F = ("conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d prelu linear "
          "scaled_dot_product_attention")
_FP32_GNP = ("arccos acos arcsin asin cosh exp expm1 log log10 log2 log1p reciprocal sinh tan "
             "power pow sum prod cumsum cumprod logsumexp")
_FP32_T = ("acos asin arccos arcsin cosh erfinv exp expm1 log log10 log2 log1p reciprocal rsqrt "
           "sinh tan pow __pow__ __rpow__ __rtruediv__ softmax log_softmax prod cumprod cumsum "
           "sum norm renorm logsumexp dist")
_FP32_F = ("softplus layer_norm group_norm cosine_similarity poisson_nll_loss "
           "cosine_embedding_loss nll_loss hinge_embedding_loss kl_div l1_loss smooth_l1_loss "
           "huber_loss mse_loss margin_ranking_loss multilabel_margin_loss soft_margin_loss "
           "triplet_margin_loss multi_margin_loss binary_cross_entropy_with_logits "
           "cross_entropy pdist cdist logsumexp softmax log_softmax softmin interpolate upsample "
           "upsample_nearest upsample_bilinear normalize gaussian_nll_loss")
_PROMOTE_GNP = "arctan2 atan2 cross dot vdot tensordot"
_PROMOTE_T = "addcdiv addcmul atan2 arctan2 cross dot vdot index_put scatter_add"
_PROMOTE_F = "bilinear grid_sample"
_LOW_LINALG = "multi_dot vecdot"
_FP32_LINALG = "norm vector_norm matrix_norm"
#: not wrapped as one operation: torch builds the first of listed operations, each of them
#: cast; the others call the user's functions, whose operations autocast must reach
_UNWRAPPED_F = {"multi_head_attention_forward", "apply_along_axis", "apply_over_axes",
                "piecewise", "fromfunction", "frompyfunc", "triplet_margin_with_distance_loss"}


def _policies(low: str, fp32: str, promote: str, ban: str = "") -> dict[str, str]:
    out = {}
    for names, pol in ((low, "low"), (fp32, "fp32"), (promote, "promote"), (ban, "ban")):
        out.update(dict.fromkeys(names.split(), pol))
    return out


def _wrap_namespace(mod: Any, table: dict[str, str], keep_all: bool,
                    originals: dict[int, Callable]) -> None:
    """Wrappers for ``mod``'s functions named in ``table`` (with ``keep_all``, for all its
    public functions, "keep" where unnamed), into ``originals`` (id of each -> wrapper)."""
    names = [n for n in vars(mod) if not n.startswith("_")] if keep_all else list(table)
    for n in names:
        f = vars(mod).get(n)
        if not isinstance(f, types.FunctionType) or hasattr(f, "__gpuad_autocast__"):
            continue
        if not f.__module__.startswith("gpuad") or n in _UNWRAPPED_F or \
                (keep_all and n not in table and _pure_tensor_api(n)):
            continue
        originals.setdefault(id(f), _wrap(f, table.get(n, "keep")))


def _pure_tensor_api(n: str) -> bool:
    return n in _NOT_WRAPPED_T


#: Tensor methods that are casts, conversions or autograd bookkeeping: never wrapped
_NOT_WRAPPED_T = {"astype", "to", "type", "float", "half", "double", "numpy", "item", "tolist",
                  "backward", "detach", "requires_grad_", "register_hook", "retain_grad",
                  "type_as"}


def _rebind(originals: dict[int, Callable]) -> None:
    """Put each wrapper in place of its function in every gpuad module that holds it."""
    for name, mod in list(sys.modules.items()):
        if mod is None or not (name == "gpuad" or name.startswith("gpuad.")):
            continue
        d = vars(mod)
        for k, v in list(d.items()):
            if v.__class__ is types.FunctionType:
                w = originals.get(id(v))
                if w is not None and w.__wrapped__ is v:
                    d[k] = w
            elif isinstance(v, type) and v.__module__ == name:
                for ck, cv in list(vars(v).items()):  # (nn.Conv2d._fn = conv2d, ...)
                    if cv.__class__ is types.FunctionType:
                        w = originals.get(id(cv))
                        if w is not None and w.__wrapped__ is cv:
                            setattr(v, ck, w)


def _wrap_tensor(table: dict[str, str], keep_all: bool) -> None:
    from .tensor import Tensor

    names = dir(Tensor) if keep_all else list(table)
    for n in names:
        if n.startswith("_") and n not in table or n in _NOT_WRAPPED_T:
            continue
        f = inspect.getattr_static(Tensor, n, None)
        if isinstance(f, types.FunctionType) and not hasattr(f, "__gpuad_autocast__"):
            setattr(Tensor, n, _wrap(f, table.get(n, "keep")))


_GNP = _policies(_LOW_GNP, _FP32_GNP, _PROMOTE_GNP)
_F = _policies(_LOW_F, _FP32_F, _PROMOTE_F, "binary_cross_entropy")
_LIN = _policies(_LOW_LINALG, _FP32_LINALG, "")
_T = _policies(_LOW_T, _FP32_T, _PROMOTE_T)


def install_listed(*mods: str) -> None:
    """Wrap the functions on the lists, in ``mods`` (gpuad.numpy and the Tensor methods at
    ``import gpuad``; gpuad.nn.functional and gpuad.linalg once imported)."""
    with _lock:
        originals: dict[int, Callable] = {}
        for name in mods:
            if name == "tensor":
                _wrap_tensor(_T, False)
                continue
            mod = sys.modules[name]
            table = {"gpuad.numpy": _GNP, "gpuad.numpy.linalg": _LIN, "gpuad.linalg": _LIN,
                     "gpuad.nn.functional": _F}[name]
            _wrap_namespace(mod, table, False, originals)
        _rebind(originals)


def _install() -> None:
    """At the first autocast block: every other public function of gpuad.numpy,
    gpuad.nn.functional and Tensor becomes one operation ("keep": its body is not cast)."""
    with _lock:
        if _installed[0]:
            return
        import gpuad.nn.functional as F
        import gpuad.numpy as gnp

        originals: dict[int, Callable] = {}
        _wrap_namespace(gnp, _GNP, True, originals)
        _wrap_namespace(F, _F, True, originals)
        _rebind(originals)
        _wrap_tensor(_T, True)
        _installed[0] = True


def _key() -> tuple:
    """The autocast state a gpuad.jit trace depends on (part of its cache key)."""
    st = _local
    return (st.active, st.inside) if _open[0] else (None, False)


def bind_state(f: Callable) -> Callable:
    """``f``, run later (a checkpointed block recomputed in backward) under the autocast state
    open now, as torch's checkpoint does; ``f`` itself while no autocast was ever used."""
    if not _installed[0]:
        return f
    st = _local
    state = (dict(st.enabled), dict(st.dtype), st.cache, st.inside)

    @functools.wraps(f)
    def run(*args: Any, **kwargs: Any) -> Any:
        prev = (st.enabled, st.dtype, st.cache, st.inside)
        with _lock:
            _open[0] += 1
        st.enabled, st.dtype, st.cache, st.inside = dict(state[0]), dict(state[1]), *state[2:]
        st.active = _active(st)
        try:
            return f(*args, **kwargs)
        finally:
            st.enabled, st.dtype, st.cache, st.inside = prev
            st.active = _active(st)
            with _lock:
                _open[0] -= 1

    return run


def custom_fwd(fwd: Callable | None = None, *, device_type: str,
               cast_inputs: Any = None) -> Callable:
    """``torch.amp.custom_fwd``: decorate an ``autograd.Function``'s ``forward(ctx, ...)``.
    With ``cast_inputs`` (a dtype), inside an enabled autocast block its floating arguments
    (float64 excepted) are cast to it and it runs with autocast off; otherwise it runs as
    called, noting the state for :func:`custom_bwd`."""
    dev = _check_device(device_type, "custom_fwd")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=dev, cast_inputs=cast_inputs)
    dt = None if cast_inputs is None else _dtype_of(cast_inputs, "custom_fwd")
    if dt == _BF16:
        raise _bf16_error("custom_fwd")

    @functools.wraps(fwd)
    def run(*args: Any, **kwargs: Any) -> Any:
        ctx = args[0]
        ctx._fwd_used_autocast = _local.enabled[dev]
        ctx._dtype = _local.dtype[dev]
        if dt is None or not ctx._fwd_used_autocast:
            return fwd(*args, **kwargs)
        ctx._fwd_used_autocast = False
        with autocast(dev, enabled=False):
            return fwd(ctx, *_cast(args[1:], dt), **{k: _cast(v, dt) for k, v in kwargs.items()})

    return run


def custom_bwd(bwd: Callable | None = None, *, device_type: str) -> Callable:
    """``torch.amp.custom_bwd``: the decorated ``backward(ctx, ...)`` runs under the autocast
    state its :func:`custom_fwd` forward ran in."""
    dev = _check_device(device_type, "custom_bwd")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=dev)

    @functools.wraps(bwd)
    def run(*args: Any, **kwargs: Any) -> Any:
        ctx = args[0]
        with autocast(dev, dtype=ctx._dtype, enabled=ctx._fwd_used_autocast):
            return bwd(*args, **kwargs)

    return run
