"""More of ``torch.nn.Module``'s methods on :class:`gpuad.nn.Module`: the tree (``children``,
``named_children``, ``named_modules``, ``apply``) and the dtype casts (``to``, ``float``,
``double``, ``half``, ``cpu``, ``cuda``), with torch's names, orders and results.

Example::

    model.apply(init_weights)          # children first, then the model; returns the model
    model.double()                     # every floating parameter and buffer to float64
    [n for n, _ in model.named_modules()]   # ['', '0', '1', '1.0', ...]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import numpy as _np

from .._state import no_grad
from ..tensor import Tensor


class ModuleMethods:
    """The methods below, mixed into :class:`gpuad.nn.Module`."""

    def named_children(self) -> Iterator[tuple[str, Any]]:
        """(name, module) for each direct submodule, each once, in definition order.

        Example: ``dict(model.named_children())["encoder"]``
        """
        seen: set[int] = set()
        for name, v in self._members():
            if _is_module(v) and id(v) not in seen:
                seen.add(id(v))
                yield name, v

    @property
    def _parameters(self) -> Mapping[str, Any]:
        """This module's own parameters by name (torch's internal dict, which ported code
        reads: ``module._parameters["weight"]``); read-only, assign the attribute instead."""
        return MappingProxyType({n: v for n, v in self._members() if not _is_module(v)})

    def children(self) -> Iterator[Any]:
        """Each direct submodule once. Example: ``list(model.children())``"""
        for _, m in self.named_children():
            yield m

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every registered buffer (BatchNorm's running statistics), each once; with
        ``recurse=False`` this module's own only. Example: ``list(model.buffers())``"""
        for name, b in self.named_buffers():
            if recurse or "." not in name:
                yield b

    def register_parameter(self, name: str, param: Any) -> None:
        """Hold ``param`` (a Parameter, or ``None``) under ``name``, as assigning the
        attribute does. Example: ``self.register_parameter("scale", nn.Parameter(w))``"""
        if "." in name or not name:
            raise KeyError(f"register_parameter: the name {name!r} must be non-empty and "
                           f"hold no '.'")
        if param is not None and not isinstance(param, Tensor):
            raise TypeError(f"register_parameter: {name} must be a Parameter or None, got "
                            f"{type(param).__name__}")
        setattr(self, name, param)

    def get_submodule(self, target: str) -> Any:
        """The submodule at the dotted path ``target`` (``""``: this module), as torch's;
        a missing step raises ``AttributeError`` naming it.

        Example: ``model.get_submodule("encoder.layers.0")``
        """
        m = self
        for step in target.split(".") if target else ():
            nxt = dict(m.named_children()).get(step)
            if nxt is None:
                raise AttributeError(f"get_submodule: {type(m).__name__} has no submodule "
                                     f"{step!r} (path {target!r})")
            m = nxt
        return m

    def get_parameter(self, target: str) -> Any:
        """The parameter at the dotted path ``target``, as torch's.
        Example: ``model.get_parameter("fc.weight")``"""
        mod, _, name = target.rpartition(".")
        own = dict(self.get_submodule(mod)._parameters)
        if name not in own:
            raise AttributeError(f"get_parameter: no parameter {target!r}")
        return own[name]

    def get_buffer(self, target: str) -> Any:
        """The buffer at the dotted path ``target``, as torch's.
        Example: ``model.get_buffer("bn.running_mean")``"""
        mod, _, name = target.rpartition(".")
        m = self.get_submodule(mod)
        if name not in m.__dict__.get("_buffer_names", ()):
            raise AttributeError(f"get_buffer: no buffer {target!r}")
        return getattr(m, name)

    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Any]]:
        """(dotted name, module) for this module (named ``prefix``, ``""`` by default) and
        every submodule, depth first; a shared module once (or under each of its names with
        ``remove_duplicate=False``), as torch's.

        Example: ``[n for n, _ in model.named_modules()]``
        """
        visited = (set() if memo is None else memo) if remove_duplicate else None
        if visited is not None and id(self) in visited:
            return
        start = prefix + "." if prefix else ""
        for name, m in self._named_modules(start, visited):
            yield name[:-1] if name else prefix, m

    def apply(self, fn: Callable[[Any], Any]) -> Any:
        """Call ``fn`` on every submodule (children first, each subtree in order) and then on
        this module, as torch's ``apply``; returns this module.

        Example::

            def init(m):
                if isinstance(m, nn.Linear):
                    nn.init.zeros_(m.bias)
            model.apply(init)
        """
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Any:
        """Set ``requires_grad`` of every parameter (a frozen one is skipped by optimisers
        while it has no gradient), as torch's; returns this module.

        Example: ``backbone.requires_grad_(False)``
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    # ---- casts ---------------------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> Any:
        """torch's ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)``:
        floating-point and complex parameters and buffers cast to ``dtype`` in place (each
        keeps its identity, so an optimiser holding it still steps it; its version is bumped
        and its ``.grad`` cast too); integer buffers are kept. The device must be the
        tensors' own (a Tensor stays on its backend). Returns this module.

        Example: ``model.to(torch.float64)``, ``model.to("cpu", gnp.float32)``
        """
        from .._torch_args import _dtype
        from .._torch_methods import _device, _is_device

        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"Module.to got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            elif _is_device(a):
                device = a
            elif not isinstance(a, bool):  # to(device, dtype, non_blocking)
                dtype = a
        if device is not None:
            for t in self._tensors():
                _device(t, device, "to (in Module.to)")
        if dtype is None:
            return self
        dt = _np.dtype(_dtype(dtype))
        if dt.kind not in "fc":
            raise TypeError(
                f"Module.to only takes floating-point or complex dtypes, got {dt}; integer "
                f"parameters cannot be trained"
            )
        return self._cast(dt, "fc")

    def float(self) -> Any:
        """Floating-point parameters and buffers to float32 (in place). Example:
        ``model.float()``"""
        return self._cast(_np.dtype(_np.float32), "f")

    def double(self) -> Any:
        """Floating-point parameters and buffers to float64 (in place). Example:
        ``model.double()``"""
        return self._cast(_np.dtype(_np.float64), "f")

    def half(self) -> Any:
        """Floating-point parameters and buffers to float16 (in place). Example:
        ``model.half()``"""
        return self._cast(_np.dtype(_np.float16), "f")

    def bfloat16(self) -> Any:
        """torch's ``Module.bfloat16()``: raises (NumPy and CuPy have no bfloat16 dtype)."""
        raise TypeError(f"{type(self).__name__}.bfloat16(): gpuad has no bfloat16 dtype (NumPy "
                        f"and CuPy lack one); use .half() (float16) or .float()")

    def share_memory(self) -> Any:
        """torch's ``Module.share_memory()`` (Hogwild training across processes): raises, as
        gpuad's arrays are not in shared memory and other processes would train copies."""
        raise NotImplementedError(
            f"{type(self).__name__}.share_memory(): gpuad cannot put parameters in shared "
            f"memory for multiprocessing (each process would update its own copy); train in "
            f"one process, or average the processes' parameters yourself")

    def compile(self, *args: Any, **kwargs: Any) -> None:
        """torch's ``Module.compile()``: does nothing (the values are the same uncompiled);
        use ``gpuad.jit`` on a training step to compile it. Example: ``model.compile()``"""
        return None

    def cpu(self) -> Any:
        """This module, whose tensors are on the CPU (NumPy backend); others raise."""
        return self.to("cpu")

    def cuda(self, device: Any = None) -> Any:
        """This module, whose tensors are on the GPU (CuPy backend); others raise."""
        return self.to("cuda")

    def _tensors(self) -> list:
        """Each parameter and buffer once (a tied one once)."""
        out, seen = [], set()
        for _, t in (*self.named_parameters(), *self.named_buffers()):
            if id(t) not in seen:
                seen.add(id(t))
                out.append(t)
        return out

    def _cast(self, dt, kinds: str) -> Any:
        """Every parameter and buffer of a kind in ``kinds`` cast to ``dt`` through ``.data``
        (a version bump: a graph recorded before refuses to backward); ``.grad`` too."""
        with no_grad():
            for t in self._tensors():
                if t.dtype.kind in kinds and t.dtype != dt:
                    t.data = t.data.astype(dt)
                    g = t.grad
                    if isinstance(g, Tensor) and g.dtype != dt:
                        g.data = g.data.astype(dt)
        return self


def _is_module(v: Any) -> bool:
    from .modules import Module

    return isinstance(v, Module)
