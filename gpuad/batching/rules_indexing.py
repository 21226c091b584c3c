"""Batching rules of indexing: scatter and index_update (index in the parameters), and the
primitives whose index arrays are arguments (gpuad/prims/dynindex.py), which is how an index
computed per example gets into a batched program.

One gather (or scatter) serves the whole batch: the batch axis of the data is indexed by an
``arange`` that broadcasts against the (batched) index arrays. NumPy then puts the broadcast
index dimensions first whenever the advanced indices of one example did not start at its first
axis; :func:`_layout` says how to move them back to where one example has them.
"""

from __future__ import annotations

import numpy as _np

from .. import _links
from .._raw import _xp
from ..prims.dynindex import Slot, fill, scatter_index, take_index, update_index
from ..prims.indexing import _is_basic, getitem_, index_update_, scatter
from . import batch_size, loop_rule, register
from .rules import _front, _nd

_R = None  # gpuad.numpy's functions
_links.need("ops", globals(), "_R")


def _example_shape(a, d):
    s = tuple(_R.shape(a))
    return s if d is None else s[:d] + s[d + 1:]


def _layout(template, ashapes, total):
    """For one example's index: the permutation taking the batched gather's result (``total``
    dims: batch, broadcast index dims, then the other dims in order) to the batch followed by
    one example's layout (None: the same)."""
    adv = [k for k, e in enumerate(template) if isinstance(e, Slot | int)]
    if not adv or adv[0] == 0 or adv[-1] - adv[0] + 1 != len(adv):
        return None
    nb = len(_np.broadcast_shapes(*ashapes)) if ashapes else 0
    k = adv[0]  # slices and newaxes before the (adjacent) advanced indices: one dim each
    return ([0] + list(range(nb + 1, nb + 1 + k)) + list(range(1, nb + 1))
            + list(range(nb + 1 + k, total)))


def _batch_index(x, dx, template, arrays, adims, b):
    """``x`` with its batch first (broadcast when not batched), the template and arrays that
    index the whole batch (an ``arange`` over it first), and one example's index array
    shapes (for :func:`_layout`)."""
    if dx is None:
        x = _R.broadcast_to(_R.expand_dims(x, 0), (b,) + tuple(_R.shape(x)))
    else:
        x = _front(x, dx)
    ashapes = [_example_shape(a, d) for a, d in zip(arrays, adims, strict=True)]
    m = max((len(s) for s in ashapes), default=0)
    new = []
    for a, d, s in zip(arrays, adims, ashapes, strict=True):
        if d is not None:
            a = _R.reshape(_front(a, d), (b,) + (1,) * (m - len(s)) + s)
        new.append(a)
    xp = _xp(x)
    new.append(xp.arange(b).reshape((b,) + (1,) * m))
    return x, (Slot(len(arrays)),) + tuple(template), new, ashapes


def _to_gather_layout(v, perm):
    """A batch-first value in one example's layout, in the batched gather's layout."""
    return v if perm is None else _R.transpose(v, tuple(int(i) for i in _np.argsort(perm)))


def _take_rule(args, dims, params):
    x, *arrays = args
    dx, *adims = dims
    b = batch_size(args, dims)
    x, tmpl, arrs, ashapes = _batch_index(x, dx, params["template"], arrays, adims, b)
    out = take_index(x, *arrs, template=tmpl, shape=(b,) + tuple(params["shape"]))
    perm = _layout(params["template"], ashapes, _R.ndim(out))
    return (out if perm is None else _R.transpose(out, tuple(perm))), 0


def _selection_shape(shape_, template, ashapes):
    """One example's ``x[index]`` shape, from shapes alone."""
    probe = _np.broadcast_to(_np.zeros((), bool), shape_)
    zeros = [_np.broadcast_to(_np.zeros((), _np.intp), s) for s in ashapes]
    return probe[fill(template, zeros)].shape


def _batched_value(v, dv, b, sel):
    """``v`` broadcast to ``(b,) + sel`` (its batch axis first)."""
    if dv is None:
        return _R.broadcast_to(v, (b,) + tuple(sel))
    v = _front(v, dv)
    k = len(sel) - _nd(v, 0)
    if k > 0:
        s = tuple(_R.shape(v))
        v = _R.reshape(v, s[:1] + (1,) * k + s[1:])
    return _R.broadcast_to(v, (b,) + tuple(sel))


def _scatter_rule(args, dims, params):
    g, *arrays = args
    dg, *adims = dims
    b = batch_size(args, dims)
    ashapes = [_example_shape(a, d) for a, d in zip(arrays, adims, strict=True)]
    sel = _selection_shape(params["shape"], params["template"], ashapes)
    g = _batched_value(g, dg, b, sel)
    _, tmpl, arrs, _ = _batch_index(g, 0, params["template"], arrays, adims, b)
    g = _to_gather_layout(g, _layout(params["template"], ashapes, len(sel) + 1))
    return scatter_index(g, *arrs, template=tmpl, shape=(b,) + tuple(params["shape"])), 0


def _update_rule(args, dims, params):
    x, v, *arrays = args
    dx, dv, *adims = dims
    b = batch_size(args, dims)
    shape_ = _example_shape(x, dx)
    ashapes = [_example_shape(a, d) for a, d in zip(arrays, adims, strict=True)]
    sel = _selection_shape(shape_, params["template"], ashapes)
    x, tmpl, arrs, _ = _batch_index(x, dx, params["template"], arrays, adims, b)
    v = _to_gather_layout(_batched_value(v, dv, b, sel),
                          _layout(params["template"], ashapes, len(sel) + 1))
    return update_index(x, v, *arrs, template=tmpl), 0


register("take_index", _take_rule)
register("scatter_index", _scatter_rule)
register("update_index", _update_rule)


# ---- the index in the parameters (the same for every example) ---------------------------------

def _as_template(index, nd):
    """``index`` (normalized, one example's) as a template and arrays, or None for what the
    loop handles (a Python bool)."""
    from ..prims.dynindex import split_index

    if any(i is True or i is False for i in index):
        return None
    return split_index(index, nd, "index")


def _param_scatter(args, dims, params):
    (g,), (dg,) = args, dims
    b = batch_size(args, dims)
    index, shape_ = tuple(params["index"]), tuple(params["shape"])
    if params["basic"]:
        sel = _selection_shape(shape_, index, [])
        g = _batched_value(g, dg, b, sel)
        return scatter(g, index=(slice(None),) + index, shape=(b,) + shape_, basic=True), 0
    split = _as_template(index, len(shape_))
    if split is None:
        return loop_rule(scatter.rule)(args, dims, params)
    tmpl, arrays = split
    return _scatter_rule([g] + arrays, [dg] + [None] * len(arrays),
                         {"template": tmpl, "shape": shape_})


def _param_update(args, dims, params):
    (x, v), (dx, dv) = args, dims
    b = batch_size(args, dims)
    index = tuple(params["index"])
    shape_ = _example_shape(x, dx)
    if _is_basic(index):
        sel = _selection_shape(shape_, index, [])
        if dx is None:
            x = _R.broadcast_to(_R.expand_dims(x, 0), (b,) + shape_)
        else:
            x = _front(x, dx)
        v = _batched_value(v, dv, b, sel)
        return index_update_(x, v, index=(slice(None),) + index), 0
    split = _as_template(index, len(shape_))
    if split is None:
        return loop_rule(index_update_.rule)(args, dims, params)
    tmpl, arrays = split
    return _update_rule([x, v] + arrays, [dx, dv] + [None] * len(arrays), {"template": tmpl})


register("scatter", _param_scatter)
register("index_update", _param_update)
_ = getitem_  # the rule of getitem itself is in rules.py
