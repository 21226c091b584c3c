"""``vectorize`` (NumPy's and ``jax.numpy``'s, built on :func:`gpuad.vmap` so derivatives flow
through it), the call of ``frompyfunc``'s ufunc (``_ufunc.py``) and ``fromfunction``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection
from typing import Any

import numpy as _np

from .. import rules as _r
from ..rules import ndim, shape
from ..tensor import Tensor

_DIM = r"\w+"
_CORE = rf"\((?:{_DIM}(?:,{_DIM})*)?\)"
_ARGS = rf"{_CORE}(?:,{_CORE})*"
_SIGNATURE = re.compile(rf"^{_ARGS}->{_ARGS}$")


def _parse_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """``"(m,n),(n)->(m)"`` -> ``([("m", "n"), ("n",)], [("m",)])``."""
    s = re.sub(r"\s+", "", signature)
    if not _SIGNATURE.match(s):
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r} (expected "
                         f"something like '(m,n),(n)->(m)')")
    ins, outs = s.split("->")
    return ([tuple(re.findall(_DIM, c)) for c in re.findall(_CORE, ins)],
            [tuple(re.findall(_DIM, c)) for c in re.findall(_CORE, outs)])


def _as_arg(a: Any) -> Any:
    if isinstance(a, Tensor):
        return a
    from . import asarray

    return asarray(a)


class vectorize:
    """A function of scalars (or, with ``signature``, of arrays with the named core
    dimensions) applied over the broadcast leading dimensions of its arguments, as
    ``numpy.vectorize`` and ``jax.numpy.vectorize``. It runs as one batched call through
    :func:`gpuad.vmap`, so it is recorded, differentiable and compiles under ``gpuad.jit``.

    ``excluded``: positions or keyword names passed through unchanged. ``otypes``: the output
    dtypes (a cast). Without ``signature`` the function may return arrays, whose dimensions
    follow the broadcast ones (as in ``jax.numpy``).

    Example::

        dist = gnp.vectorize(lambda a, b: gnp.sqrt(gnp.sum((a - b) ** 2)),
                             signature="(n),(n)->()")
        dist(points, center)  # (k, n), (n,) -> (k,)
    """

    def __init__(self, pyfunc: Callable, otypes: Any = None, doc: str | None = None,
                 excluded: Collection[int | str] | None = None, cache: bool = False,
                 signature: str | None = None):
        if not callable(pyfunc):
            raise TypeError(f"vectorize: pyfunc must be callable, got {type(pyfunc).__name__}")
        excluded = frozenset(excluded or ())
        for e in excluded:
            if not isinstance(e, int | str) or isinstance(e, bool):
                raise TypeError(f"vectorize: excluded must hold ints and strings, not {e!r}")
            if isinstance(e, int) and e < 0:
                raise ValueError(f"vectorize: excluded={set(excluded)!r} has a negative index")
        if isinstance(otypes, str):
            otypes = list(otypes)
        self.pyfunc = pyfunc
        self.excluded = excluded
        self.signature = signature
        self.otypes = None if otypes is None else [_np.dtype(t) for t in otypes]
        self._core = None if signature is None else _parse_signature(signature)
        functools.update_wrapper(self, pyfunc, updated=())
        if doc is not None:
            self.__doc__ = doc

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        func = self.pyfunc
        static_pos = {i: a for i, a in enumerate(args) if i in self.excluded}
        static_kw = {k: v for k, v in kwargs.items() if k in self.excluded}
        dyn = [a for i, a in enumerate(args) if i not in self.excluded]
        dyn_kw = [k for k in kwargs if k not in self.excluded]
        if dyn_kw and self._core is not None:
            raise TypeError(f"vectorize: keyword arguments {', '.join(dyn_kw)} with a "
                            f"signature: pass them positionally, or list them in excluded")
        n_pos = len(dyn)
        dyn += [kwargs[k] for k in dyn_kw]
        if self._core is None:
            in_core, out_core = [()] * len(dyn), None
        else:
            in_core, out_core = self._core
            if len(in_core) != len(dyn):
                raise TypeError(f"vectorize: signature {self.signature!r} takes "
                                f"{len(in_core)} array arguments, got {len(dyn)}")
        nones = {i for i, a in enumerate(dyn) if a is None}  # passed through, as jax.numpy
        if any(in_core[i] for i in nones):
            raise ValueError(f"vectorize: None given for an argument with core dimensions "
                             f"(signature {self.signature!r})")
        live = [i for i in range(len(dyn)) if i not in nones]

        def call(*vals):
            full = list(dyn)
            for i, v in zip(live, vals, strict=True):
                full[i] = v
            pos, it = [], iter(full[:n_pos])
            for i in range(len(args)):
                pos.append(static_pos[i] if i in static_pos else next(it))
            kw = dict(zip(dyn_kw, full[n_pos:], strict=True))
            return func(*pos, **kw, **static_kw)

        vals = [_as_arg(dyn[i]) for i in live]
        cores = [in_core[i] for i in live]
        sizes: dict[str, int] = {}
        batch_shapes = []
        for v, cd in zip(vals, cores, strict=True):
            nd = ndim(v)
            if nd < len(cd):
                raise ValueError(f"vectorize: an input of shape {shape(v)} has fewer than "
                                 f"the {len(cd)} core dimensions {cd} of signature "
                                 f"{self.signature!r}")
            for name, size in zip(cd, shape(v)[nd - len(cd):], strict=True):
                if sizes.setdefault(name, size) != size:
                    raise ValueError(f"vectorize: core dimension {name!r} has sizes "
                                     f"{sizes[name]} and {size} (signature "
                                     f"{self.signature!r})")
            batch_shapes.append(tuple(shape(v)[:nd - len(cd)]))
        try:
            bshape = _np.broadcast_shapes(*batch_shapes)
        except ValueError:
            raise ValueError(f"vectorize: the leading (non-core) shapes {batch_shapes} do "
                             f"not broadcast together") from None

        def checked(*vs):
            out = call(*vs)
            if out_core is not None:
                outs = out if isinstance(out, tuple) else (out,)
                if len(outs) != len(out_core) or (len(out_core) > 1) != isinstance(out, tuple):
                    raise ValueError(f"vectorize: the function returned {len(outs)} output(s), "
                                     f"signature {self.signature!r} names {len(out_core)}")
                for o, cd in zip(outs, out_core, strict=True):
                    if ndim(o) != len(cd):
                        raise ValueError(f"vectorize: an output of shape {shape(o)} does not "
                                         f"have the core dimensions {cd} of signature "
                                         f"{self.signature!r}")
                    for name, size in zip(cd, shape(o), strict=True):
                        if sizes.setdefault(name, size) != size:
                            raise ValueError(f"vectorize: output core dimension {name!r} "
                                             f"has size {size}, the inputs give "
                                             f"{sizes[name]}")
            return out

        from ..batching.api import vmap

        squeezed, filled = [], []
        for v, b in zip(vals, batch_shapes, strict=True):
            filled.append((1,) * (len(bshape) - len(b)) + b)
            if 1 in b:
                v = _r.reshape(v, tuple(s for s in b if s != 1) + tuple(shape(v)[len(b):]))
            squeezed.append(v)
        fn, expand = checked, []
        for axis in reversed(range(len(bshape))):
            in_axes = tuple(None if f[axis] == 1 else 0 for f in filled)
            if all(a is None for a in in_axes):
                expand.append(axis)
            else:
                fn = vmap(fn, in_axes)
        out = fn(*squeezed)
        return self._finish(out, sorted(expand))

    def _finish(self, out, expand):
        outs = out if isinstance(out, tuple) else (out,)
        if self.otypes is not None:
            if len(self.otypes) != len(outs):
                raise ValueError(f"vectorize: otypes has {len(self.otypes)} entries, the "
                                 f"function returned {len(outs)} output(s)")
            outs = tuple(o if _np.dtype(o.dtype) == t else _r.astype(o, t)
                         for o, t in zip(map(_as_arg, outs), self.otypes, strict=True))
        if expand:
            outs = tuple(_r.reshape(o, _expanded(shape(o), expand)) for o in map(_as_arg, outs))
        return outs if isinstance(out, tuple) else outs[0]


def _expanded(shp: tuple, axes: list[int]) -> tuple:
    s = list(shp)
    for a in axes:
        s.insert(a, 1)
    return tuple(s)


def _frompyfunc_call(func: Callable, nin: int, nout: int) -> vectorize:
    """The call of :func:`gpuad.numpy.frompyfunc`'s ufunc: ``func`` of ``nin`` scalars
    returning ``nout`` values, broadcast over arrays by :class:`vectorize`."""
    if nin < 1 or nout < 1:
        raise ValueError(f"frompyfunc: nin and nout must be at least 1, got {nin}, {nout}")

    def counted(*args):
        if len(args) != nin:
            raise TypeError(f"frompyfunc: the function takes {nin} arguments, got {len(args)}")
        out = func(*args)
        if nout > 1 and (not isinstance(out, tuple) or len(out) != nout):
            raise ValueError(f"frompyfunc: the function must return a tuple of {nout} values")
        return out

    functools.update_wrapper(counted, func)
    return vectorize(counted)


def fromfunction(function: Callable, shape: Any, *, dtype: Any = float, like=None,
                 **kwargs: Any) -> Any:
    """``function(*index_grids, **kwargs)``: called once on the index grids of ``shape`` (as
    ``numpy.fromfunction``); differentiable in the Tensors it closes over.

    Example: ``gnp.fromfunction(lambda i, j: w[0] * i + j, (2, 3))``"""
    grids = _r._xp(None).indices(tuple(shape) if not isinstance(shape, int) else (shape,),
                                 dtype=dtype)
    return function(*grids, **kwargs)


__all__ = ["vectorize", "fromfunction"]
