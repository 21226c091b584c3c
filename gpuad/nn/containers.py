"""Containers of ``torch.nn``: ``Identity``, ``ModuleList``, ``ModuleDict``, ``ParameterList``
and ``ParameterDict``.

Their entries are attributes of the container named by index or key, so ``parameters()``,
``state_dict()`` (names such as ``blocks.0.weight`` or ``scales.a``, as torch's),
``functional_call``, optimisers and ``gpuad.jit`` see them as they see any attribute.

Example::

    class Net(nn.Module):
        def __init__(self):
            self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
            self.heads = nn.ModuleDict({"a": nn.Linear(4, 1), "b": nn.Linear(4, 2)})
        def forward(self, x, head):
            for block in self.blocks:
                x = F.relu(block(x))
            return self.heads[head](x)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..tensor import Tensor
from .modules import Module, Parameter, _is_parameter

__all__ = ["Identity", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


class Identity(Module):
    """Returns its input; any constructor arguments are ignored, as torch.

    Example: ``model.head = nn.Identity()`` drops a layer while keeping the structure.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def forward(self, input: Any) -> Any:
        return input


class DataParallel(Module):
    """torch's single-process ``nn.DataParallel(module, device_ids, output_device, dim)`` on
    one device: gpuad's arrays live on the active backend's one device, where torch's wrapper
    calls ``module`` itself, so this calls it (the wrapped module is ``.module``, and the
    ``state_dict`` keys start with ``module.``, as torch's). More than one device in
    ``device_ids`` raises: data parallelism over processes is ``gpuad.distributed.DataParallel``.

    Example: ``net = nn.DataParallel(model); loss = net(x).sum()``
    """

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None,
                 dim: int = 0) -> None:
        ids = [] if device_ids is None else list(device_ids)
        if len(ids) > 1:
            raise NotImplementedError(
                f"nn.DataParallel: device_ids={ids} spans {len(ids)} devices; gpuad runs on "
                f"the active backend's one device. For data parallelism over processes, one "
                f"per device, use gpuad.distributed.DataParallel")
        self.module = module
        self.device_ids, self.output_device, self.dim = ids, output_device, dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)


# ---- lists ------------------------------------------------------------------------------------


class _List(Module):
    """Entries stored as attributes "0", "1", ... (in order, so parameters are listed in it)."""

    def _entry(self, value: Any) -> Any:
        raise NotImplementedError

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        if values is not None:
            self.extend(values)

    def _values(self) -> list[Any]:
        d = vars(self)
        return [d[str(i)] for i in range(len(self))]

    def _store(self, values: list[Any]) -> None:
        d = vars(self)
        for i in range(len(self)):
            del d[str(i)]
        for i, v in enumerate(values):
            d[str(i)] = v

    def _index(self, i: int) -> int:
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"{type(self).__name__}: index {i} is out of range for {n} entries")
        return i % n

    def __len__(self) -> int:
        d, n = vars(self), 0
        while str(n) in d:
            n += 1
        return n

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values())

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return type(self)(self._values()[i])
        return vars(self)[str(self._index(i))]

    def __setitem__(self, i: int, value: Any) -> None:
        vars(self)[str(self._index(i))] = self._entry(value)

    def __delitem__(self, i: int | slice) -> None:
        values = self._values()
        del values[i if isinstance(i, slice) else self._index(i)]
        self._store(values)

    def append(self, value: Any) -> _List:
        """Add ``value`` at the end; returns self."""
        vars(self)[str(len(self))] = self._entry(value)
        return self

    def extend(self, values: Iterable[Any]) -> _List:
        """Add every entry of ``values`` at the end; returns self."""
        for v in values:
            self.append(v)
        return self

    def insert(self, index: int, value: Any) -> None:
        """Insert ``value`` before position ``index``."""
        values = self._values()
        values.insert(index, self._entry(value))
        self._store(values)

    def pop(self, index: int = -1) -> Any:
        """Remove and return the entry at ``index``."""
        v = self[index]
        del self[index]
        return v

    def __iadd__(self, values: Iterable[Any]) -> _List:
        return self.extend(values)

    def __add__(self, other: Iterable[Any]) -> _List:
        return type(self)(self._values() + list(other))

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]


class ModuleList(_List):
    """Modules in a list, registered as submodules ``"0"``, ``"1"``, ...; indexing, slicing,
    ``append``, ``extend``, ``insert``, ``pop``, ``del`` as a list. It has no ``forward``.

    Example: ``self.layers = nn.ModuleList(nn.Linear(8, 8) for _ in range(4))``
    """

    def _entry(self, value: Any) -> Module:
        if not isinstance(value, Module):
            raise TypeError(
                f"ModuleList: entries must be Modules, got {type(value).__name__} "
                f"(wrap a function in a Module, or use nn.Sequential)"
            )
        return value


def _as_parameter(owner: str, value: Any) -> Any:
    """A Tensor that ``parameters()`` lists: a Parameter or leaf Tensor requiring grad as it
    is, any other Tensor or array wrapped in a new Parameter (torch wraps every Tensor)."""
    if _is_parameter(value):
        return value
    if (
        isinstance(value, Tensor)
        or hasattr(value, "__array_interface__")
        or hasattr(value, "__cuda_array_interface__")
    ):
        return Parameter(value)
    raise TypeError(
        f"{owner}: entries must be Tensors or arrays (made Parameters), got {type(value).__name__}"
    )


class ParameterList(_List):
    """Parameters in a list, registered as ``"0"``, ``"1"``, ...; a Tensor that is not yet a
    parameter (or a raw array) is wrapped in a ``Parameter``.

    Example: ``self.scales = nn.ParameterList(gnp.ones((4,)) for _ in range(3))``
    """

    def _entry(self, value: Any) -> Any:
        return _as_parameter("ParameterList", value)


# ---- dicts ------------------------------------------------------------------------------------


class _Dict(Module):
    """Entries stored as attributes named by their keys, in insertion order."""

    def _entry(self, value: Any) -> Any:
        raise NotImplementedError

    def __init__(self, values: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        if values is not None:
            self.update(values)

    def _check_key(self, key: Any) -> str:
        name = type(self).__name__
        if not isinstance(key, str):
            raise TypeError(f"{name}: keys must be strings, got {type(key).__name__}")
        if not key or "." in key:
            raise KeyError(f"{name}: a key must be a non-empty string without '.', got {key!r}")
        if hasattr(type(self), key):
            raise KeyError(
                f"{name}: key {key!r} is the name of an attribute of {name}; choose another"
            )
        return key

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return [k for k in vars(self) if not hasattr(type(self), k)]

    def values(self) -> list[Any]:
        """The entries, in insertion order."""
        d = vars(self)
        return [d[k] for k in self.keys()]

    def items(self) -> list[tuple[str, Any]]:
        """(key, entry) pairs, in insertion order."""
        d = vars(self)
        return [(k, d[k]) for k in self.keys()]

    def __len__(self) -> int:
        return len(self.keys())

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self.keys()

    def __getitem__(self, key: str) -> Any:
        if key not in self:
            raise KeyError(key)
        return vars(self)[key]

    def __setitem__(self, key: str, value: Any) -> None:
        vars(self)[self._check_key(key)] = self._entry(value)

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        del vars(self)[key]

    def pop(self, key: str) -> Any:
        """Remove and return the entry under ``key``."""
        v = self[key]
        del self[key]
        return v

    def clear(self) -> None:
        """Remove every entry."""
        for k in self.keys():
            del vars(self)[k]

    def update(self, values: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add or replace entries from a mapping or from (key, value) pairs."""
        pairs = values.items() if isinstance(values, Mapping | _Dict) else values
        for k, v in pairs:
            self[k] = v


class ModuleDict(_Dict):
    """Modules by string key, registered as submodules under their keys (``heads.a.weight``);
    ``[]``, ``in``, ``keys``, ``values``, ``items``, ``update``, ``pop`` as a dict, insertion
    order kept. Keys may not contain '.' nor name an attribute of the class (``forward``).

    Example: ``self.heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "box": nn.Linear(8, 4)})``
    """

    def _entry(self, value: Any) -> Module:
        if not isinstance(value, Module):
            raise TypeError(f"ModuleDict: entries must be Modules, got {type(value).__name__}")
        return value


class ParameterDict(_Dict):
    """Parameters by string key (``scales.a``); a Tensor that is not yet a parameter (or a raw
    array) is wrapped in a ``Parameter``.

    Example: ``self.scales = nn.ParameterDict({"a": gnp.ones((3,))})``
    """

    def _entry(self, value: Any) -> Any:
        return _as_parameter("ParameterDict", value)
