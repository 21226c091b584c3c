"""``torch.amp.GradScaler``: dynamic loss scaling with torch's update rule and checks."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

import numpy as np


class OptState(enum.Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh() -> dict[str, Any]:
    return {"stage": OptState.READY, "found_inf": None}


def _f32(v: float) -> float:
    """``v`` rounded to float32, the dtype torch keeps the scale in (inf past its range)."""
    with np.errstate(over="ignore"):
        return float(np.float32(v))


class GradScaler:
    """``torch.amp.GradScaler(device="cuda", init_scale=2.**16, growth_factor=2.,
    backoff_factor=.5, growth_interval=2000, enabled=True)``: ``scale(outputs)`` multiplies a
    Tensor (or nested lists and tuples of them) by the scale; ``unscale_(opt)`` divides the
    gradients of ``opt``'s parameters by it in place and notes whether any holds an inf or
    NaN; ``step(opt)`` unscales (unless done) and calls ``opt.step()`` only when none did,
    returning its result; ``update()`` halves the scale after a skipped step and doubles it
    after ``growth_interval`` steps in a row without one (torch's rule, the scale in float32).
    ``enabled=False`` passes everything through. ``device`` is only recorded: the scaler
    works on every backend (torch's ``"cuda"`` scaler disables itself without CUDA).

    Example: ``scaler.scale(loss).backward(); scaler.step(opt); scaler.update()``
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        if not isinstance(device, str):
            raise TypeError(
                f"GradScaler: device must be a string such as 'cuda', got {device!r}; "
                f"torch.cuda.amp.GradScaler's first argument is init_scale, torch.amp's is "
                f"the device: pass init_scale={device!r} by keyword")
        self._device = device
        self._enabled = enabled
        if enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale = init_scale
        self._scale: float | None = None  # set by the first scale(), as torch's
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        self._init_growth_tracker = 0
        self._growth_tracker: int | None = None
        self._per_optimizer_states: dict[int, dict[str, Any]] = {}

    def _state(self, optimizer: Any) -> dict[str, Any]:
        return self._per_optimizer_states.setdefault(id(optimizer), _fresh())

    def _check_scale(self, funcname: str) -> None:
        if self._scale is None:
            raise AssertionError(
                f"Attempted {funcname} but _scale is None.  This may indicate your script did "
                f"not use scaler.scale(loss or outputs) earlier in the iteration.")

    def _lazy_init(self) -> None:
        if self._scale is None:
            self._scale = _f32(self._init_scale)
            self._growth_tracker = self._init_growth_tracker

    # ---- the iteration ----------------------------------------------------------------------
    def scale(self, outputs: Any) -> Any:
        """``outputs`` times the scale: a Tensor, or lists and tuples of them (their structure
        kept; other iterables give an iterator, as torch's). Returned unchanged when disabled."""
        if not self._enabled:
            return outputs
        from .tensor import Tensor

        def apply(v: Any) -> Any:
            if isinstance(v, Tensor):
                self._lazy_init()
                # torch's scale is a 0-d float32 tensor: it keeps a float16 output float16,
                # but makes a 0-d float16 one float32 (two 0-d operands promote as usual)
                s = np.asarray(np.float32(self._scale)) if v.ndim == 0 else self._scale
                return v * s
            if isinstance(v, Iterable) and not isinstance(v, (str, bytes)):
                it = map(apply, v)
                return type(v)(it) if isinstance(v, (list, tuple)) else it
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply(outputs)

    def _unscale_grads(self, optimizer: Any, inv_scale: float,
                       allow_fp16: bool) -> float | None:
        """1.0 where a gradient holds an inf or NaN, else 0.0; None where no parameter has a
        gradient (no check recorded, as torch's)."""
        from . import numpy as gnp
        from ._state import no_grad

        found = 0.0
        grads = []
        for group in optimizer.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if not allow_fp16 and g.dtype == np.float16:
                    raise ValueError("Attempting to unscale FP16 gradients.")
                grads.append(g)
        if not grads:
            return None
        with no_grad():
            for g in grads:
                if not bool(gnp.all(gnp.isfinite(g))):
                    found = 1.0
                if inv_scale != 1.0:
                    # the float32 reciprocal times each gradient, in the gradient's dtype
                    g[...] = g * inv_scale
        return found

    def unscale_(self, optimizer: Any) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place, noting
        whether any holds an inf or NaN (once per optimizer and iteration, as torch)."""
        if not self._enabled:
            return
        self._check_scale("unscale_")
        st = self._state(optimizer)
        if st["stage"] is OptState.UNSCALED:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update().")
        if st["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv = _f32(1.0 / self._scale)  # (torch: the reciprocal in float64, then float32)
        st["found_inf"] = self._unscale_grads(optimizer, inv, False)
        st["stage"] = OptState.UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``unscale_(optimizer)`` unless done, then ``optimizer.step(*args, **kwargs)`` unless
        a gradient holds an inf or NaN; returns its result (None where skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError(
                "Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale("step")
        st = self._state(optimizer)
        if st["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if st["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if st["found_inf"] is None:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        ret = None
        if not st["found_inf"]:
            ret = optimizer.step(*args, **kwargs)
        st["stage"] = OptState.STEPPED
        return ret

    def update(self, new_scale: Any = None) -> None:
        """Set the next iteration's scale: ``new_scale`` if given (a float or a one-element
        Tensor that does not require grad), else torch's rule from this iteration's checks."""
        if not self._enabled:
            return
        self._check_scale("update")
        if new_scale is not None:
            if isinstance(new_scale, (float, int)) and not isinstance(new_scale, bool):
                self._scale = _f32(new_scale)
            else:
                reason = ("new_scale should be a float or a 1-element Tensor with "
                          "requires_grad=False.")
                shape = getattr(new_scale, "shape", None)
                if shape is None or int(np.prod(shape)) != 1 or \
                        getattr(new_scale, "requires_grad", False):
                    raise AssertionError(reason)
                self._scale = _f32(float(new_scale.reshape(())))
        else:
            found = [s["found_inf"] for s in self._per_optimizer_states.values()
                     if s["found_inf"] is not None]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            if sum(found):
                self._scale = _f32(self._scale * self._backoff_factor)
                self._growth_tracker = 0
            else:
                n = self._growth_tracker + 1
                if n == self._growth_interval:
                    grown = _f32(self._scale * self._growth_factor)
                    if np.isfinite(grown):
                        self._scale = grown
                    n = 0
                self._growth_tracker = n
        self._per_optimizer_states = {}

    # ---- accessors --------------------------------------------------------------------------
    def get_scale(self) -> float:
        """The current scale (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None \
            else self._growth_tracker

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """torch's five entries (``scale``, ``growth_factor``, ``backoff_factor``,
        ``growth_interval``, ``_growth_tracker``); empty when disabled."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale = _f32(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker = state_dict["_growth_tracker"]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if self._enabled:
            if self._per_optimizer_states:
                raise AssertionError(
                    "A GradScaler instance may only be pickled at the beginning of an "
                    "iteration, or at the end after scaler.update().")
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
