"""Eager recording of four frequent calls without the layers of the general path.

``t[i]`` and ``t[a:b]`` (a Python int or slice), ``t.reshape(...)``, ``gnp.sum`` of a whole
Tensor and ``gnp.dot`` of two 1-D/2-D Tensors make the NumPy call themselves and record the
step that :func:`gpuad.engine.apply1`/:func:`~gpuad.engine.apply2` record for the same call:
the same rule, parameters, saved values, version counter and view links (a Python call costs
about as much as a small NumPy op here, so each records inline, in one function). Every other
case goes the general way, which gives its own result and error text: tracing, vmap,
forward-mode tangents, a view written through its base, no input that requires grad, grad
mode off, anomaly mode, a result that is not float32/float64, a replaced or fused forward, an
error from NumPy.

The parameter dicts of getitem with an int index, of reshape and of a whole sum are shared by
the steps with the same index and shapes (steps never write their parameters): building one
costs more than the rest of a step's bookkeeping.

This module defines ``Tensor.__getitem__`` and ``Tensor.reshape`` (installed on the class
below); ``gnp.sum`` and ``gnp.dot`` (gpuad/numpy/_more_sig.py, _more_names.py) record inline
with the names defined here.

Example::

    x = gpuad.tensor(np.arange(4.0), requires_grad=True)
    y = x[2]  # getitem with index (2,), shape (4,): a 0-d copy, recorded here
"""

from __future__ import annotations

import numpy as _np

from . import _links, _state
from . import engine as _eng
from . import rules as _rules
from .backends import _by_array_type
from .engine import Node, apply1, edge_of
from .prims import indexing as _indexing
from .prims import linalg as _linalg
from .prims import reductions as _reductions
from .prims import shapes as _shapes
from .prims.indexing import host_slice
from .tensor import ElementCopy, Tensor, mark_element

_R = None  # the op namespace (Tensor's own link): the general indexing
_links.need("ops", globals(), "_R")
_ndarray = _np.ndarray
_new = object.__new__
_asarray = _np.asarray
_add_reduce = _np.add.reduce
_REAL = _np.dtype(_np.float64)
_F32 = _np.dtype(_np.float32)
_local = _state.local
_nograd = _state.nograd
_flags = _state.flags
_hooks_open = _state.saved_hooks_open  # saved_tensors_hooks open: the general path
_next_seq = _state.seq.__next__
_EMPTY = _eng._EMPTY
_ONE_ARG = 1 | 1 << 48  # the keys of Primitive._cache: one argument that requires grad
_TWO_ARGS = (None, 1 | 2 << 48, 2 | 2 << 48, 3 | 2 << 48)  # two, by mask

GETITEM = _indexing.getitem_.rule
_BOUND = (int, type(None))  # slice bounds taken as they are
RESHAPE = _shapes.reshape_.rule
SUM = _reductions._sum.rule
MATMUL = _linalg.matmul.rule
# the NumPy forms these paths stand for: a rule whose forward is replaced drops its form
GETITEM_NP = GETITEM.np_params_fn
RESHAPE_NP = RESHAPE.np_params_fn
SUM_NP = SUM.np_params_fn
MATMUL_NP = MATMUL.np_fn
try:  # out=...: a full reduction's 0-d array, not a NumPy scalar to convert (NumPy 2)
    _add_reduce(_np.zeros(1), out=...)
    SUM_OUT = True
except TypeError:
    SUM_OUT = False

np_backend = None  # the NumPy backend once loaded (backends.load keeps its one instance)

#: shared parameter dicts: (int index, shape) and (shape, keepdims=False) -> the step's params;
#: (reshape's arguments, old shape) -> (params, its view step ((rule, params),))
GETITEM_PARAMS: dict = {}
SUM_PARAMS: dict = {}
RESHAPE_PARAMS: dict = {}
_CACHE_MAX = 4096


def numpy_backend():
    """The NumPy backend if loaded (it is once any op ran), else None."""
    global np_backend
    np_backend = _by_array_type.get(_ndarray)
    return np_backend


def keep_params(cache: dict, key, params: dict) -> dict:
    """``params`` stored for ``key`` (the cache emptied first once full)."""
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = params
    return params


def tensor_getitem(self, index):
    """``self[index]``: the int and slice cases recorded here, the rest by ``gnp`` indexing."""
    c = index.__class__
    if (c is int or c is slice) and self._bat is None:
        if c is slice and not (index.start.__class__ in _BOUND and index.stop.__class__ in
                               _BOUND and index.step.__class__ in _BOUND):
            index = host_slice(index)  # bounds held in arrays: read now, and held
        d = self._data
        if _eng._trace is None and d.__class__ is _ndarray and self.requires_grad and \
                not self._tan and self._seen == self._ver[0] and self._elem is None and \
                (not _nograd[0] or _local.grad_enabled) and not _flags["anomaly"] and \
                    not _hooks_open[0] and \
                GETITEM.np_params_fn is GETITEM_NP:
            be = np_backend or numpy_backend()
            try:
                out = d[index] if be is not None and not be.fused_fwd else None
            except (IndexError, ValueError, TypeError):
                out = None  # the general path says which index and shape
            k = out.__class__
            if k is _ndarray:  # a view of d exactly when NumPy made one
                b = out.base
                view = b is not None and (b is d or b is d.base)
                if out.dtype is not _REAL and out.dtype is not _F32:
                    out = None
            elif k is _np.float64 or k is _np.float32:  # one element: a 0-d copy
                out = _asarray(out)  # (a scalar's dtype costs more than its class)
                view = False
            else:
                out = None
            if out is not None:
                rule = GETITEM
                if c is int:
                    key = (index, d.shape)
                    params = GETITEM_PARAMS.get(key)
                    if params is None:
                        params = keep_params(GETITEM_PARAMS, key, {
                            "index": (index,), "shape": key[1], "basic": True})
                else:
                    params = {"index": (index,), "shape": d.shape, "basic": True}
                if view:  # (engine.apply1's step from here on)
                    ver = self._ver
                    seen = ver[0]
                else:
                    ver = [0]
                    seen = 0
                slots = rule._cache.get(_ONE_ARG)
                if slots is None:
                    slots = rule.slots_for(1, 1)
                n = self._node
                if n is None:
                    n = edge_of(self)
                saved = [None, None]
                for s in slots:
                    if s:
                        v = self._ver
                        saved[1] = (d, v, v[0], n, self._tan, True)
                    else:
                        saved[0] = (out, ver, seen, None, None, False)
                node = _new(Node)
                node.bat = node.bats = node.where = None
                node.tan = node.rebuild = False
                node.rule = rule
                node.edges = (n,)
                node.saved = saved
                node.params = params
                node.shape = out.shape
                node.dtype = out.dtype
                node.seq = _next_seq()
                t = _new(Tensor)
                t._data = out
                t._bat = t.grad = t._tan = t._base = t._view = t.name = t._elem = None
                t._node = node
                t._ver = ver
                t._seen = seen
                t.requires_grad = True
                if view:
                    if self._base is None:
                        t._base = self
                        t._view = ((rule, params),)
                    else:
                        t._base = self._base
                        t._view = self._view + ((rule, params),) if self._view is not None \
                            else None
                elif out.ndim == 0:
                    t._elem = ElementCopy(self)  # (tensor.mark_element)
                return t
        return mark_element(apply1(GETITEM, self, {"index": (index,), "shape": d.shape,
                                                   "basic": True}), index, self)
    return mark_element(_R.getitem(self, index, checked=True), index, self)


def tensor_reshape(self, *shape, order="C"):
    """``self.reshape(2, 5)`` or ``self.reshape((2, 5))``; ``order="F"`` as ndarray's."""
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = tuple(shape[0])
    if order != "C":
        from .numpy import reshape

        return reshape(self, shape, order=order)
    d = self._data
    if _eng._trace is None and d.__class__ is _ndarray and self._bat is None and \
            self.requires_grad and not self._tan and self._seen == self._ver[0] and \
            self._elem is None and \
            (not _nograd[0] or _local.grad_enabled) and not _flags["anomaly"] and \
                    not _hooks_open[0] and \
            RESHAPE.np_params_fn is RESHAPE_NP:
        be = np_backend or numpy_backend()
        old = d.shape
        try:
            if be is None or be.fused_fwd:
                out = None
            else:
                key = (shape, old)
                known = RESHAPE_PARAMS.get(key)  # (TypeError: an unhashable size)
                if known is not None:
                    for n in shape:  # 2.0 == 2 and True == 1 find the entry of (2, ...)
                        if n.__class__ is not int:
                            known = None
                            break
                if known is None:
                    out = d.reshape(shape)  # (the general path says what is wrong with it)
                    if out.shape == old:
                        out = None  # the Tensor itself (the general path)
                    else:
                        params = {"newshape": out.shape, "oldshape": old}
                        known = (params, ((RESHAPE, params),))
                        for n in shape:
                            if n.__class__ is not int:
                                break  # (a key that holds only ints)
                        else:
                            keep_params(RESHAPE_PARAMS, key, known)
                else:
                    params = known[0]
                    out = d.reshape(params["newshape"])
        except (ValueError, TypeError):
            out = None
        if out is not None and (out.dtype is _REAL or out.dtype is _F32):
            rule = RESHAPE
            b = out.base  # a view of d exactly when NumPy made one (not after a copy)
            view = b is not None and (b is d or b is d.base)
            if view:  # (engine.apply1's step from here on)
                ver = self._ver
                seen = ver[0]
            else:
                ver = [0]
                seen = 0
            slots = rule._cache.get(_ONE_ARG)
            if slots is None:
                slots = rule.slots_for(1, 1)
            n = self._node
            if n is None:
                n = edge_of(self)
            saved = [None, None]
            for s in slots:
                if s:
                    v = self._ver
                    saved[1] = (d, v, v[0], n, self._tan, True)
                else:
                    saved[0] = (out, ver, seen, None, None, False)
            node = _new(Node)
            node.bat = node.bats = node.where = None
            node.tan = node.rebuild = False
            node.rule = rule
            node.edges = (n,)
            node.saved = saved
            node.params = params
            node.shape = params["newshape"]  # (out.shape, made once)
            node.dtype = out.dtype
            node.seq = _next_seq()
            t = _new(Tensor)
            t._data = out
            t._bat = t.grad = t._tan = t._base = t._view = t.name = t._elem = None
            t._node = node
            t._ver = ver
            t._seen = seen
            t.requires_grad = True
            if view:
                if self._base is None:
                    t._base = self
                    t._view = known[1]  # ((rule, params),), made once
                else:
                    t._base = self._base
                    t._view = self._view + known[1] if self._view is not None else None
            return t
    # gnp.reshape's C order, without its other options (a new view where nothing changes)
    return _rules.reshape(self, shape)


Tensor.__getitem__ = tensor_getitem
Tensor.reshape = tensor_reshape
