"""``gpuad.save`` and ``gpuad.load``: checkpoints of state dicts, optimizer state dicts and
nested containers of Tensors, arrays and numbers, with ``torch.save``/``torch.load``'s calls.

The file is a pickle in which every array is stored as host bytes (dtype, shape, data): NumPy
arrays come back as NumPy arrays, CuPy arrays on the active backend, Tensors as Tensors (or
``nn.Parameter`` s) with their ``requires_grad``, on the active backend. An array or Tensor
reached twice is stored once and comes back as one object (views of one buffer are stored
separately). ``load(..., weights_only=True)``, the default as in torch, unpickles nothing but
these and plain containers (dict, list, tuple, set, OrderedDict) of numbers, strings, bytes
and None, and raises ``pickle.UnpicklingError`` naming any other type.

Example::

    gpuad.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3}, "ckpt.pt")
    ckpt = gpuad.load("ckpt.pt")
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["opt"])
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
from typing import IO, Any

import numpy as np

from .backends import Backend, backend_of_type, get_backend, use_backend
from .tensor import Tensor

_FORMAT = "gpuad.save"
_VERSION = 1
# the globals a weights-only load may resolve: containers and numbers pickle writes by name
_SAFE_GLOBALS = {
    ("collections", "OrderedDict"),
    ("builtins", "complex"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "bytearray"),
    ("builtins", "slice"),
    ("builtins", "range"),
}

FileLike = str | os.PathLike | IO[bytes]


def _encode(a: np.ndarray, who: str) -> tuple[str, tuple[int, ...], bytes]:
    if a.dtype.kind in "OV":
        raise TypeError(
            f"{who}: arrays of dtype {a.dtype} cannot be saved (only numeric, "
            f"bool, string and datetime dtypes)"
        )
    return a.dtype.str, tuple(a.shape), np.ascontiguousarray(a).tobytes()


def _decode(dtype: str, shape: tuple[int, ...], data: bytes) -> np.ndarray:
    return np.frombuffer(bytearray(data), dtype=np.dtype(dtype)).reshape(shape)


def _parameter_type() -> type:
    from .nn.modules import Parameter

    return Parameter


class _Pickler(pickle.Pickler):
    """Writes arrays, NumPy scalars, dtypes and Tensors as persistent ids of host bytes."""

    def __init__(self, f: IO[bytes], protocol: int) -> None:
        super().__init__(f, protocol=protocol)
        self._keys: dict[int, int] = {}

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, np.dtype):
            return ("dtype", obj.str)
        if isinstance(obj, np.generic):
            return ("scalar", *_encode(np.asarray(obj), "save"))
        if isinstance(obj, Tensor):
            kind = "parameter" if isinstance(obj, _parameter_type()) else "tensor"
        elif isinstance(obj, np.ndarray):
            kind = "ndarray"
        else:
            be = backend_of_type(type(obj))
            if be is None or be.name == "numpy":
                return None
            kind = "device"
        key = self._keys.get(id(obj))
        if key is not None:
            return ("ref", key)
        key = self._keys[id(obj)] = len(self._keys)
        if kind == "ndarray":
            return (kind, key, *_encode(obj, "save"))
        if kind == "device":
            return (kind, key, *_encode(backend_of_type(type(obj)).to_host(obj), "save"))
        data = obj.data
        host = data if isinstance(data, np.ndarray) else backend_of_type(type(data)).to_host(data)
        return (kind, key, *_encode(host, "save"), bool(obj.requires_grad))


class _Unpickler(pickle.Unpickler):
    def __init__(self, f: IO[bytes], weights_only: bool) -> None:
        super().__init__(f)
        self._weights_only = weights_only
        self._objs: dict[int, Any] = {}

    def find_class(self, module: str, name: str) -> Any:
        if not self._weights_only or (module, name) in _SAFE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"gpuad.load(weights_only=True): the file holds a {module}.{name}, which a "
            f"weights-only load does not unpickle (only Tensors, arrays, numbers, strings and "
            f"plain containers). If you trust the file, pass weights_only=False"
        )

    def persistent_load(self, pid: Any) -> Any:
        kind = pid[0]
        if kind == "dtype":
            return np.dtype(pid[1])
        if kind == "scalar":
            return _decode(*pid[1:4])[()]
        if kind == "ref":
            return self._objs[pid[1]]
        key, host = pid[1], _decode(*pid[2:5])
        if kind == "ndarray":
            obj = host
        else:
            data = get_backend().asarray(host)
            if kind == "device":
                obj = data
            elif kind == "parameter":
                obj = _parameter_type()(data, requires_grad=pid[5])
            else:
                obj = Tensor(data, requires_grad=pid[5])
        self._objs[key] = obj
        return obj


def save(obj: Any, f: FileLike, pickle_protocol: int = 4) -> None:
    """Write ``obj`` (a state dict, an optimizer state dict, nested containers of Tensors,
    arrays and numbers) to the path or binary file ``f``.

    Example: ``gpuad.save(model.state_dict(), "model.pt")``
    """
    with _opened(f, "wb") as fh:
        _Pickler(fh, pickle_protocol).dump((_FORMAT, _VERSION, obj))


def load(f: FileLike, map_location: Any = None, weights_only: bool = True) -> Any:
    """Read what :func:`save` wrote to the path or binary file ``f``.

    ``map_location``: ``None`` puts CuPy arrays and Tensors on the active backend (NumPy
    arrays stay NumPy arrays); ``"cpu"``/``"numpy"`` or ``"cuda"``/``"cuda:N"``/``"cupy"`` (or
    a backend) put them on that backend instead. ``weights_only=True`` refuses every pickled
    type but Tensors, arrays, numbers, strings and plain containers, with
    ``pickle.UnpicklingError``; ``weights_only=False`` unpickles anything (trusted files only).

    Example: ``model.load_state_dict(gpuad.load("model.pt"))``
    """
    target = _target(map_location)
    with _opened(f, "rb") as fh:
        head = fh.read(4)
        if head.startswith(b"PK\x03\x04"):
            raise pickle.UnpicklingError(
                "gpuad.load: this is a zip archive (torch.save's format), not a gpuad.save "
                "file; read it with torch.load and pass the arrays (t.numpy()) to gpuad"
            )
        if fh.seekable():
            fh.seek(-len(head), os.SEEK_CUR)
        else:
            fh = io.BytesIO(head + fh.read())
        scope = contextlib.nullcontext() if target is None else use_backend(target.name)
        with scope:
            out = _Unpickler(fh, weights_only).load()
    if not (isinstance(out, tuple) and len(out) == 3 and out[0] == _FORMAT):
        raise pickle.UnpicklingError("gpuad.load: the file was not written by gpuad.save")
    if out[1] > _VERSION:
        raise pickle.UnpicklingError(
            f"gpuad.load: the file has format version {out[1]}; this gpuad reads up to {_VERSION}"
        )
    return out[2]


def _target(map_location: Any) -> Backend | None:
    from .backends import load as load_backend

    if map_location is None or isinstance(map_location, Backend):
        return map_location
    if isinstance(map_location, str):
        name = map_location.split(":")[0]
        if name in ("cpu", "numpy"):
            return load_backend("numpy")
        if name in ("cuda", "cupy", "gpu"):
            return load_backend("cupy")
    raise ValueError(
        f"gpuad.load: map_location must be None, 'cpu', 'numpy', 'cuda', "
        f"'cuda:N', 'cupy' or a gpuad backend; got {map_location!r}"
    )


@contextlib.contextmanager
def _opened(f: FileLike, mode: str):
    if isinstance(f, (str, os.PathLike)):
        with open(f, mode) as fh:
            yield fh
    elif ("w" in mode and hasattr(f, "write")) or ("r" in mode and hasattr(f, "read")):
        yield f
    else:
        raise TypeError(
            f"gpuad.{'save' if 'w' in mode else 'load'}: f must be a path or a "
            f"binary file object; got {type(f).__name__}"
        )


__all__ = ["save", "load"]
