"""Parameters and optimiser state in one ``.npz`` file, written by rank 0, readable anywhere.

Keys: ``param/<name>`` for each parameter, ``optim/<i>/<key>`` for each array (or number) of
the optimiser's per-parameter state, ``optim_step``, and ``optim_groups`` (every parameter
group's hyperparameters, as JSON text; files written before it hold one ``optim_lr``). Plain
NumPy: a file written by a job of any size loads into one process (``np.load`` shows its
contents).
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .._state import no_grad
from ._launch import get_comm, is_initialized

__all__ = ["save", "load"]


def _named(model: Any) -> list[tuple[str, Any]]:
    if hasattr(model, "named_parameters"):
        return list(model.named_parameters())
    if isinstance(model, dict):
        return [(str(k), v) for k, v in model.items()]
    return [(str(i), p) for i, p in enumerate(model)]


def _host(a: Any) -> np.ndarray:
    a = getattr(a, "data", a) if not isinstance(a, np.ndarray) else a
    return a.get() if hasattr(a, "get") else np.asarray(a)


def save(path: str | os.PathLike, model: Any, optimizer: Any = None, *, root: int = 0) -> None:
    """Write ``model``'s parameters (a DataParallel, Module, list or dict of Tensors) and the
    optimiser's state to ``path`` (``.npz``) from rank ``root``; the other ranks wait until
    the file is complete (every rank calls ``save``).

    Example: ``dist.save("ckpt.npz", model, opt)``
    """
    rank = get_comm().rank if is_initialized() else 0
    if rank == root:
        out: dict[str, np.ndarray] = {}
        for name, p in _named(model):
            out[f"param/{name}"] = _host(p)
        if optimizer is not None:
            out["optim_step"] = np.asarray(optimizer.step_count)
            out["optim_groups"] = np.asarray(json.dumps(
                [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups]))
            for i, st in enumerate(optimizer.state):
                for k, v in st.items():
                    out[f"optim/{i}/{k}"] = _host(v)
        tmp = f"{os.fspath(path)}.tmp{os.getpid()}.npz"
        np.savez(tmp, **out)
        os.replace(tmp, path)  # readers never see a half-written file
    if is_initialized():
        get_comm().barrier()


def load(path: str | os.PathLike, model: Any, optimizer: Any = None) -> None:
    """Read a file written by :func:`save` into ``model``'s parameters (in place) and the
    optimiser's state. Works in one process or on every rank of a job.

    Example: ``dist.load("ckpt.npz", model, opt)``
    """
    named = _named(model)
    with np.load(path) as f:
        keys = set(f.files)
        missing = [n for n, _ in named if f"param/{n}" not in keys]
        if missing:
            raise KeyError(f"load: {path} has no parameter {missing[0]!r} (it holds "
                           f"{sorted(k[6:] for k in keys if k.startswith('param/'))[:8]})")
        with no_grad():
            for n, p in named:
                v = f[f"param/{n}"]
                if tuple(v.shape) != tuple(p.shape):
                    raise ValueError(f"load: parameter {n!r} has shape {tuple(v.shape)} in "
                                     f"{path} but {tuple(p.shape)} in the model")
                p.data[...] = _on(p.data, v)
                p._ver[0] += 1
                p._seen = p._ver[0]
        if optimizer is not None:
            if "optim_step" not in keys:
                raise KeyError(f"load: {path} holds no optimiser state")
            optimizer.step_count = int(f["optim_step"])
            if "optim_groups" in keys:
                _set_groups(optimizer, json.loads(str(f["optim_groups"])), path)
            else:
                optimizer.lr = float(f["optim_lr"])
            for i, p in enumerate(optimizer.params):
                st: dict = {}
                prefix = f"optim/{i}/"
                for k in keys:
                    if k.startswith(prefix):
                        v = f[k]
                        st[k[len(prefix):]] = v.item() if v.ndim == 0 and \
                            v.dtype.kind in "iub" else _on(p.data, v)
                optimizer.state[i] = st


def _set_groups(optimizer: Any, saved: list[dict], path: Any) -> None:
    """Each group's hyperparameters from a file (JSON turned tuples such as Adam's betas into
    lists: they become tuples again where the optimiser holds one)."""
    groups = optimizer.param_groups
    if len(saved) != len(groups):
        raise ValueError(f"load: {path} holds {len(saved)} parameter groups, the optimiser "
                         f"{type(optimizer).__name__} has {len(groups)}")
    for g, hp in zip(groups, saved, strict=True):
        for k, v in hp.items():
            g[k] = tuple(v) if isinstance(g.get(k), tuple) and isinstance(v, list) else v


def _on(like: Any, v: np.ndarray) -> Any:
    from .._raw import _xp

    return _xp(like).asarray(v)
