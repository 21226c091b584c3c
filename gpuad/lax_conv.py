"""Convolutions, windowed reductions and associative scans with ``jax.lax``'s names.

``conv_general_dilated`` (and its wrappers ``conv``, ``conv_with_general_padding`` and
``conv_transpose``) takes JAX's arguments: padding as ``'SAME'``/``'VALID'``/``'SAME_LOWER'`` or
(low, high) pairs (negative ones crop), input (``lhs_dilation``) and kernel (``rhs_dilation``)
dilation, layouts as strings (``('NHWC', 'HWIO', 'NHWC')``) or ``ConvDimensionNumbers``, and
feature or batch groups. Each one moves its operands to the (N, C, *spatial) layout, spreads
and pads the input, and runs gpuad's convolution (``gpuad.nn.functional.conv2d``'s im2col and
batched matmul), so every backend computes it and differentiates it to any order.
``reduce_window`` reduces windows with ``lax.add``, ``lax.max``, ``lax.min`` or ``lax.mul`` (or
``gnp.add``, ``gnp.maximum``, ``gnp.minimum``, ``gnp.multiply``; a max or min sends its adjoint
to the first extreme element of each window, as JAX), and
``associative_scan`` runs JAX's parallel-prefix recursion over a pytree.

Example::

    import gpuad.numpy as gnp
    from gpuad import lax
    y = lax.conv_general_dilated(x, w, (1, 1), "SAME",
                                 dimension_numbers=("NHWC", "HWIO", "NHWC"))
    pooled = lax.reduce_window(y, -gnp.inf, gnp.maximum, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
"""

from __future__ import annotations

import itertools
import operator
import sys
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from . import numpy as gnp
from . import rules as _r
from ._raw import data
from .tensor import Tensor
from .tree import tree_flatten, tree_unflatten

__all__ = [
    "ConvDimensionNumbers",
    "conv_dimension_numbers",
    "conv_general_permutations",
    "padtype_to_pads",
    "conv_general_dilated",
    "conv_general_dilated_patches",
    "conv",
    "conv_with_general_padding",
    "conv_transpose",
    "reduce_window",
    "associative_scan",
]

Array = Any
Padding = str | Sequence[tuple[int, int]]


class ConvDimensionNumbers(NamedTuple):
    """Where each operand keeps its batch/feature and spatial axes, as ``jax.lax``'s: each
    field lists the axes of (N, C, *spatial) for ``lhs_spec`` and ``out_spec``, of
    (O, I, *spatial) for ``rhs_spec``.

    Example: ``ConvDimensionNumbers((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))`` is NHWC/HWIO.
    """

    lhs_spec: tuple[int, ...]
    rhs_spec: tuple[int, ...]
    out_spec: tuple[int, ...]


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(_r.shape(x))


def _array(x: Any) -> Array:
    return x if hasattr(x, "shape") and hasattr(x, "dtype") else gnp.asarray(x)


def _ints(op: str, name: str, v: Any, n: int, default: int = 1) -> tuple[int, ...]:
    """``v`` as ``n`` ints (``None``: ``default`` each), checked to be >= 1."""
    if v is None:
        return (default,) * n
    try:
        t = tuple(operator.index(u) for u in v)
    except TypeError:
        raise TypeError(f"{op}: {name} must be a sequence of {n} ints, got {v!r}") from None
    if len(t) != n:
        raise ValueError(
            f"{op}: {name} must have {n} entries (one per spatial or window "
            f"dimension), got {len(t)}: {v!r}"
        )
    if min(t, default=1) < 1:
        raise ValueError(f"{op}: {name} must be >= 1, got {t}")
    return t


# ---- dimension numbers and padding ------------------------------------------------------------


def conv_general_permutations(
    dimension_numbers: tuple[str, str, str],
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """The axis permutations of string layouts: the positions of (N, C, *spatial) in the
    input and output specs and of (O, I, *spatial) in the kernel spec, spatial axes in the
    order of the kernel spec (as ``jax.lax.conv_general_permutations``).

    Example: ``conv_general_permutations(("NHWC", "HWIO", "NHWC"))`` is
    ``((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))``.
    """
    specs = tuple(dimension_numbers)
    pairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for i, (spec, (a, b)) in enumerate(zip(specs, pairs, strict=True)):
        if spec.count(a) != 1 or spec.count(b) != 1:
            raise TypeError(
                f"convolution dimension_numbers[{i}] must contain {a!r} and {b!r} "
                f"exactly once, got {spec!r}"
            )
        if len(set(spec)) != len(spec):
            raise TypeError(
                f"convolution dimension_numbers[{i}] has a repeated character: {spec!r}"
            )
    spatial = [set(s) - set(p) for s, p in zip(specs, pairs, strict=True)]
    if not spatial[0] == spatial[1] == spatial[2]:
        raise TypeError(
            f"convolution dimension_numbers must name the same spatial dimensions "
            f"in all three specs, got {specs}"
        )
    rhs = specs[1]
    order = [c for c in rhs if c not in "OI"]
    return tuple(
        (spec.index(a), spec.index(b)) + tuple(spec.index(c) for c in order)
        for spec, (a, b) in zip(specs, pairs, strict=True)
    )


def conv_dimension_numbers(
    lhs_shape: Sequence[int], rhs_shape: Sequence[int], dimension_numbers: Any
) -> ConvDimensionNumbers:
    """``dimension_numbers`` (``None``: NCHW/OIHW/NCHW, three layout strings, or a
    ``ConvDimensionNumbers``) as a ``ConvDimensionNumbers`` for operands of these shapes.

    Example: ``conv_dimension_numbers((2, 8, 8, 3), (3, 3, 3, 4), ("NHWC", "HWIO", "NHWC"))``
    """
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    if len(lhs_shape) != len(rhs_shape):
        raise TypeError(
            f"convolution: lhs and rhs must have the same number of dimensions, "
            f"got shapes {tuple(lhs_shape)} and {tuple(rhs_shape)}"
        )
    nd = len(lhs_shape)
    if dimension_numbers is None:
        iota = tuple(range(nd))
        return ConvDimensionNumbers(iota, iota, iota)
    if not isinstance(dimension_numbers, tuple | list) or len(dimension_numbers) != 3:
        raise TypeError(
            f"convolution: dimension_numbers must be None, three layout strings or "
            f"a ConvDimensionNumbers, got {dimension_numbers!r}"
        )
    if all(isinstance(s, str) for s in dimension_numbers):
        for i, s in enumerate(dimension_numbers):
            if len(s) != nd:
                raise TypeError(
                    f"convolution: dimension_numbers[{i}] = {s!r} must have one "
                    f"character per dimension of lhs and rhs (shapes "
                    f"{tuple(lhs_shape)} and {tuple(rhs_shape)})"
                )
        return ConvDimensionNumbers(*conv_general_permutations(tuple(dimension_numbers)))
    perms = tuple(tuple(int(i) for i in p) for p in dimension_numbers)
    if any(sorted(p) != list(range(nd)) for p in perms):
        raise TypeError(
            f"convolution: dimension_numbers {dimension_numbers!r} must be "
            f"permutations of range({nd})"
        )
    return ConvDimensionNumbers(*perms)


def padtype_to_pads(
    in_shape: Sequence[int],
    window_shape: Sequence[int],
    window_strides: Sequence[int],
    padding: str,
) -> list[tuple[int, int]]:
    """(low, high) padding per dimension for ``'VALID'`` (none), ``'SAME'`` (output size
    ``ceil(in / stride)``, the odd one high) or ``'SAME_LOWER'`` (the odd one low), as
    ``jax.lax.padtype_to_pads``.

    Example: ``padtype_to_pads((5,), (3,), (2,), "SAME") == [(1, 1)]``
    """
    kind = padding.upper() if isinstance(padding, str) else padding
    if kind == "VALID":
        return [(0, 0)] * len(in_shape)
    if kind not in ("SAME", "SAME_LOWER"):
        raise ValueError(
            f"padding must be 'VALID', 'SAME', 'SAME_LOWER' or (low, high) pairs, got {padding!r}"
        )
    pads = []
    for n, w, s in zip(in_shape, window_shape, window_strides, strict=True):
        out = -(-int(n) // int(s))
        total = max((out - 1) * int(s) + int(w) - int(n), 0)
        small = total // 2
        pads.append((small, total - small) if kind == "SAME" else (total - small, small))
    return pads


def _pairs(op: str, padding: Any, n: int) -> list[tuple[int, int]]:
    try:
        pads = [(operator.index(lo), operator.index(hi)) for lo, hi in padding]
    except (TypeError, ValueError):
        raise ValueError(
            f"{op}: padding must be a string or a sequence of (low, high) int "
            f"pairs, got {padding!r}"
        ) from None
    if len(pads) != n:
        raise ValueError(f"{op}: padding needs {n} (low, high) pairs, got {len(pads)}")
    return pads


def _dilate(x: Array, axis: int, factor: int, fill: Any = 0) -> Array:
    """``factor - 1`` copies of ``fill`` between neighbours along ``axis``."""
    sh = _shape(x)
    if factor == 1 or sh[axis] == 0:
        return x
    y = gnp.expand_dims(x, axis + 1)
    width = [(0, 0)] * (len(sh) + 1)
    width[axis + 1] = (0, factor - 1)
    y = gnp.pad(y, width, constant_values=fill)
    y = gnp.reshape(y, sh[:axis] + (sh[axis] * factor,) + sh[axis + 1 :])
    return gnp.getitem(y, (slice(None),) * axis + (slice(0, (sh[axis] - 1) * factor + 1),))


def _pad(op: str, x: Array, pads: Sequence[tuple[int, int]], first: int, fill: Any = 0) -> Array:
    """``x`` padded (``fill``) or cropped (negative pads) along the axes from ``first`` on."""
    sh = _shape(x)
    for i, (lo, hi) in enumerate(pads):
        if sh[first + i] + lo + hi < 0:
            raise ValueError(
                f"{op}: padding {tuple(pads)} crops more than the whole dimension "
                f"of size {sh[first + i]} (of the dilated operand's shape {sh})"
            )
    if any(lo > 0 or hi > 0 for lo, hi in pads):
        width = [(0, 0)] * first + [(max(lo, 0), max(hi, 0)) for lo, hi in pads]
        x = gnp.pad(x, width, constant_values=fill)
    if any(lo < 0 or hi < 0 for lo, hi in pads):
        sh = _shape(x)
        x = gnp.getitem(
            x,
            (slice(None),) * first
            + tuple(
                slice(max(-lo, 0), sh[first + i] - max(-hi, 0)) for i, (lo, hi) in enumerate(pads)
            ),
        )
    return x


# ---- convolutions ------------------------------------------------------------------------------


def conv_general_dilated(
    lhs: Array,
    rhs: Array,
    window_strides: Sequence[int],
    padding: Padding,
    lhs_dilation: Sequence[int] | None = None,
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Any = None,
    feature_group_count: int = 1,
    batch_group_count: int = 1,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Array:
    """N-d cross-correlation with strides, padding, dilations, layouts and groups, as
    ``jax.lax.conv_general_dilated``. ``lhs_dilation`` > 1 makes a transposed convolution
    (string padding is then refused, as in JAX); ``precision`` changes nothing here and
    ``preferred_element_type`` is the type computed in and returned.

    Example: ``conv_general_dilated(x, w, (2, 2), [(1, 1), (0, -1)], rhs_dilation=(1, 2))``
    """
    op = "conv_general_dilated"
    lhs, rhs = _array(lhs), _array(rhs)
    ls, rs = _shape(lhs), _shape(rhs)
    if len(ls) != len(rs) or len(ls) < 2:
        raise ValueError(
            f"{op}: lhs and rhs must have the same number (>= 2) of dimensions, "
            f"got shapes {ls} and {rs}"
        )
    dn = conv_dimension_numbers(ls, rs, dimension_numbers)
    nd = len(ls) - 2
    if any(sorted(spec) != list(range(nd + 2)) for spec in dn):
        raise ValueError(
            f"{op}: dimension_numbers {tuple(dn)} are not permutations of the "
            f"{nd + 2} axes of lhs and rhs (shapes {ls} and {rs})"
        )
    strides = _ints(op, "window_strides", window_strides, nd)
    ldil = _ints(op, "lhs_dilation", lhs_dilation, nd)
    rdil = _ints(op, "rhs_dilation", rhs_dilation, nd)
    n, c, sp = ls[dn.lhs_spec[0]], ls[dn.lhs_spec[1]], tuple(ls[i] for i in dn.lhs_spec[2:])
    o, i_, k = rs[dn.rhs_spec[0]], rs[dn.rhs_spec[1]], tuple(rs[i] for i in dn.rhs_spec[2:])
    fg, bg = feature_group_count, batch_group_count
    for name, g in (("feature_group_count", fg), ("batch_group_count", bg)):
        if not isinstance(g, int) or isinstance(g, bool) or g < 1:
            raise ValueError(f"{op}: {name} must be a positive int, got {g!r}")
    if fg > 1 and bg > 1:
        raise ValueError(
            f"{op}: at most one of feature_group_count ({fg}) and "
            f"batch_group_count ({bg}) may exceed 1"
        )
    if c % fg or c // fg != i_:
        raise ValueError(
            f"{op}: lhs has {c} features (shape {ls}); with feature_group_count="
            f"{fg} the rhs (shape {rs}) must have {c}/{fg} input features, has {i_}"
        )
    if o % (fg * bg):
        raise ValueError(
            f"{op}: the rhs's {o} output features (shape {rs}) must be a multiple "
            f"of the group count {fg * bg}"
        )
    if n % bg:
        raise ValueError(
            f"{op}: batch_group_count={bg} must divide the lhs batch size {n} (shape {ls})"
        )
    if isinstance(padding, str):
        if any(d != 1 for d in ldil):
            raise ValueError(
                f"{op}: string padding {padding!r} with lhs_dilation {ldil} is "
                f"ambiguous; give (low, high) pairs or use conv_transpose"
            )
        eff = [(kk - 1) * d + 1 for kk, d in zip(k, rdil, strict=True)]
        pads = padtype_to_pads(sp, eff, strides, padding)
    else:
        pads = _pairs(op, padding, nd)
    # every check before the first operation, so that bad arguments record nothing
    full = [
        (m - 1) * d + 1 + lo + hi if m else lo + hi
        for m, d, (lo, hi) in zip(sp, ldil, pads, strict=True)
    ]
    if min(full, default=0) < 0:
        raise ValueError(
            f"{op}: padding {tuple(pads)} crops more than the whole (dilated) "
            f"input {sp} (lhs shape {ls})"
        )
    # a kernel larger than the padded input gives an empty output dimension (as in JAX): the
    # input is padded to one window there and the output sliced to length 0, so that the
    # result stays a recorded function of lhs and rhs (zero derivatives, vmap, jit)
    short = [max((kk - 1) * d + 1 - f, 0) for f, kk, d in zip(full, k, rdil, strict=True)]
    pads = [(lo, hi + e) for (lo, hi), e in zip(pads, short, strict=True)]

    if preferred_element_type is not None:  # compute (accumulate) in that type
        pt = np.dtype(preferred_element_type)
        lhs = lhs if np.dtype(lhs.dtype) == pt else gnp.astype(lhs, pt)
        rhs = rhs if np.dtype(rhs.dtype) == pt else gnp.astype(rhs, pt)
    x = lhs if dn.lhs_spec == tuple(range(nd + 2)) else gnp.transpose(lhs, dn.lhs_spec)
    w = rhs if dn.rhs_spec == tuple(range(nd + 2)) else gnp.transpose(rhs, dn.rhs_spec)
    if nd == 0:  # a matrix product: give both a spatial axis of length 1
        x, w = gnp.expand_dims(x, 2), gnp.expand_dims(w, 2)
        strides, rdil, pads = (1,), (1,), [(0, 0)]
    if bg > 1:  # batch (B, N/B) as features (N/B, B*C), one feature group per batch group
        xs = _shape(x)
        x = gnp.reshape(x, (bg, n // bg) + xs[1:])
        x = gnp.reshape(gnp.swapaxes(x, 0, 1), (n // bg, bg * c) + xs[2:])
    for ax, d in enumerate(ldil, start=2):
        x = _dilate(x, ax, d)
    x = _pad(op, x, pads, 2)
    from .nn.conv import _conv  # gpuad.nn loads on first use, not with gpuad

    y = _conv(op, max(nd, 1), x, w, None, strides, 0, rdil, fg * bg)
    if nd == 0:
        y = gnp.squeeze(y, 2)
    if any(short):
        y = y[(slice(None),) * 2 + tuple(slice(0, 0 if e else None) for e in short)]
    if dn.out_spec != tuple(range(nd + 2)):
        y = gnp.transpose(y, tuple(int(a) for a in np.argsort(dn.out_spec)))
    return y


def conv_general_dilated_patches(
    lhs: Array,
    filter_shape: Sequence[int],
    window_strides: Sequence[int],
    padding: Padding,
    lhs_dilation: Sequence[int] | None = None,
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Any = None,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Array:
    """The patches ``conv_general_dilated`` would multiply by its kernel, as
    ``jax.lax.conv_general_dilated_patches``: the output's feature dimension holds each
    patch flattened, input feature major, then the spatial positions of ``filter_shape`` (in
    the rhs layout's spatial order). It is a convolution with an identity kernel, one feature
    group per input feature.

    Example: ``conv_general_dilated_patches(x, (3, 3), (1, 1), "SAME")`` (NCHW: ``C*9`` features)
    """
    op = "conv_general_dilated_patches"
    lhs = _array(lhs)
    ls = _shape(lhs)
    fs = tuple(operator.index(f) for f in filter_shape)
    if len(fs) != len(ls) - 2:
        raise ValueError(
            f"{op}: filter_shape {fs} must have one size per spatial dimension of lhs "
            f"(shape {ls})"
        )
    dn = conv_dimension_numbers(ls, (1, 1) + fs, dimension_numbers)
    c = ls[dn.lhs_spec[1]]
    size = int(np.prod(fs, dtype=np.int64))
    eye = np.broadcast_to(np.eye(size, dtype=np.dtype(lhs.dtype)), (c, size, size))
    rhs = np.moveaxis(eye.reshape((c * size, 1) + fs), (0, 1), dn.rhs_spec[:2])
    return conv_general_dilated(
        lhs, gnp.asarray(np.ascontiguousarray(rhs)), window_strides, padding, lhs_dilation,
        rhs_dilation, dn,
        feature_group_count=c, precision=precision,
        preferred_element_type=preferred_element_type,
    )


def conv(
    lhs: Array,
    rhs: Array,
    window_strides: Sequence[int],
    padding: str,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Array:
    """Convolution in NCHW/OIHW layout with strides and padding, as ``jax.lax.conv``.

    Example: ``conv(x, w, (1, 1), "SAME")``
    """
    return conv_general_dilated(
        lhs,
        rhs,
        window_strides,
        padding,
        precision=precision,
        preferred_element_type=preferred_element_type,
    )


def conv_with_general_padding(
    lhs: Array,
    rhs: Array,
    window_strides: Sequence[int],
    padding: Padding,
    lhs_dilation: Sequence[int] | None,
    rhs_dilation: Sequence[int] | None,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Array:
    """NCHW/OIHW convolution with padding pairs and dilations, as
    ``jax.lax.conv_with_general_padding``.

    Example: ``conv_with_general_padding(x, w, (1, 1), [(1, 0), (0, 1)], None, (2, 2))``
    """
    return conv_general_dilated(
        lhs,
        rhs,
        window_strides,
        padding,
        lhs_dilation,
        rhs_dilation,
        precision=precision,
        preferred_element_type=preferred_element_type,
    )


def _transpose_pads(k: int, s: int, padding: Any) -> tuple[int, int]:
    """Padding of the stride-``s`` spread input that makes the transposed convolution of a
    forward one with kernel ``k`` and this ``padding``."""
    if padding == "SAME":
        total = k + s - 2
        lo = k - 1 if s > k - 1 else -(-total // 2)
    elif padding == "VALID":
        total = k + s - 2 + max(k - s, 0)
        lo = k - 1
    else:  # the forward convolution's (low, high)
        lo, total = k - padding[0] - 1, 2 * k - padding[0] - padding[1] - 2
    return lo, total - lo


_TRANSPOSE_LAYOUTS = {
    2: ("NC", "IO", "NC"),
    3: ("NHC", "HIO", "NHC"),
    4: ("NHWC", "HWIO", "NHWC"),
    5: ("NHWDC", "HWDIO", "NHWDC"),
}


def conv_transpose(
    lhs: Array,
    rhs: Array,
    strides: Sequence[int],
    padding: Padding,
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Any = None,
    transpose_kernel: bool = False,
    precision: Any = None,
    preferred_element_type: Any = None,
    use_consistent_padding: bool = False,
) -> Array:
    """Transposed (fractionally strided) convolution, as ``jax.lax.conv_transpose``: the
    input is spread by ``strides``; ``'SAME'``/``'VALID'`` are the forward convolution's
    padding, pairs are the transposed one's own (the forward one's with
    ``use_consistent_padding``); default layouts are TensorFlow's (NHWC/HWIO);
    ``transpose_kernel`` flips the kernel in space and swaps its I and O axes.

    Example: ``conv_transpose(x, w, (2, 2), "SAME")`` doubles the spatial size.
    """
    op = "conv_transpose"
    lhs, rhs = _array(lhs), _array(rhs)
    ls, rs = _shape(lhs), _shape(rhs)
    if len(ls) != len(rs) or len(ls) < 2:
        raise ValueError(
            f"{op}: lhs and rhs must have the same number (>= 2) of dimensions, "
            f"got shapes {ls} and {rs}"
        )
    if dimension_numbers is None:
        if len(ls) not in _TRANSPOSE_LAYOUTS:
            raise ValueError(
                f"{op}: no default dimension_numbers for {len(ls)}-d operands; pass them"
            )
        dimension_numbers = _TRANSPOSE_LAYOUTS[len(ls)]
    dn = conv_dimension_numbers(ls, rs, dimension_numbers)
    nd = len(ls) - 2
    strides = _ints(op, "strides", strides, nd)
    rdil = _ints(op, "rhs_dilation", rhs_dilation, nd)
    k = [(rs[a] - 1) * d + 1 for a, d in zip(dn.rhs_spec[2:], rdil, strict=True)]
    if (
        isinstance(padding, str)
        and padding not in ("SAME", "VALID")
        and max(strides, default=1) > 1
    ):
        raise ValueError(
            f"{op}: padding must be 'SAME', 'VALID' or (low, high) pairs, got {padding!r}"
        )
    if use_consistent_padding or padding in ("SAME", "VALID"):
        each = [padding] * nd if isinstance(padding, str) else _pairs(op, padding, nd)
        pads = [_transpose_pads(kk, s, p) for kk, s, p in zip(k, strides, each, strict=True)]
    else:
        pads = padding
    if transpose_kernel:
        rhs = gnp.flip(rhs, axis=tuple(dn.rhs_spec[2:]))
        rhs = gnp.swapaxes(rhs, dn.rhs_spec[0], dn.rhs_spec[1])
    return conv_general_dilated(
        lhs,
        rhs,
        (1,) * nd,
        pads,
        strides,
        rdil,
        dn,
        precision=precision,
        preferred_element_type=preferred_element_type,
    )


# ---- windowed reductions -----------------------------------------------------------------------


def _reducer(fn: Callable, dtype: np.dtype) -> str:
    """Which of add, max, min, mul ``fn`` is: by identity for gpuad's, NumPy's, ``operator``'s
    and ``lax``'s functions, else by running it on a few values of ``dtype`` (as
    ``lax.reduce`` does: ``lambda a, b: a + b`` is addition; of booleans ``and`` is min and
    ``or`` max)."""
    table: list[tuple[Any, str]] = [
        (gnp.add, "add"),
        (gnp.maximum, "max"),
        (gnp.minimum, "min"),
        (gnp.multiply, "mul"),
        (np.add, "add"),
        (np.maximum, "max"),
        (np.minimum, "min"),
        (np.multiply, "mul"),
        (operator.add, "add"),
        (operator.mul, "mul"),
    ]
    for mod in ("gpuad.lax", "jax.lax"):
        m = sys.modules.get(mod)
        if m is not None:
            table += [(getattr(m, name, None), name) for name in ("add", "max", "min", "mul")]
    for f, kind in table:
        if f is not None and fn is f:
            return kind
    from ._lax_reductions import _monoid

    found = _monoid(fn, dtype)
    if found is not None:
        return {"and": "min", "or": "max"}.get(found, found)
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    raise NotImplementedError(
        f"reduce_window: computation {name!r} is not supported; use lax.add, lax.max, lax.min "
        f"or lax.mul (or gnp.add, gnp.maximum, gnp.minimum, gnp.multiply, operator.add, "
        f"operator.mul)"
    )


def _identity(kind: str, dtype: np.dtype) -> Any:
    if kind == "add":
        return dtype.type(0)
    if kind == "mul":
        return dtype.type(1)
    if dtype.kind in "fc":  # complex: +-inf + 0j, as lax (values compare lexicographically)
        return dtype.type(-np.inf if kind == "max" else np.inf)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return dtype.type(info.min if kind == "max" else info.max)
    if dtype.kind == "b":
        return np.bool_(kind == "min")
    raise TypeError(f"reduce_window: lax.{kind} needs a real operand, got dtype {dtype}")


def _pick(kind: str, win: Array) -> Array:
    """The max (min) over the last axis of ``win``; its adjoint goes to the first such
    element of each window, padding included (as XLA's select-and-scatter: a window whose
    winner is padding sends nothing back)."""
    arg = gnp.argmax if kind == "max" else gnp.argmin
    idx = arg(data(win), axis=-1)  # the first extreme one, or the first NaN
    return gnp.squeeze(gnp.take_along_axis(win, gnp.expand_dims(idx, -1), -1), -1)


def reduce_window(
    operand: Array,
    init_value: Any,
    computation: Callable,
    window_dimensions: Sequence[int],
    window_strides: Sequence[int] | None = None,
    padding: Padding = "VALID",
    base_dilation: Sequence[int] | None = None,
    window_dilation: Sequence[int] | None = None,
) -> Array:
    """Reduce every window of ``operand`` with ``computation`` (``lax.add``, ``lax.max``,
    ``lax.min`` or ``lax.mul``), starting from ``init_value``, as ``jax.lax.reduce_window``:
    padding and the holes of ``base_dilation`` contribute nothing; string padding is
    computed from the operand's shape and the dilated window. Differentiable in ``operand``
    (a max or min sends its adjoint to the first extreme element of a window, as JAX) and in
    ``init_value``.

    Example: ``reduce_window(x, -gnp.inf, gnp.maximum, (1, 3, 3, 1), (1, 2, 2, 1), "SAME")``
    """
    op = "reduce_window"
    if isinstance(operand, tuple | list | dict):
        raise NotImplementedError(
            f"{op}: one array operand only (JAX's variadic form with a "
            f"pytree of operands is not supported)"
        )
    x = _array(operand)
    sh = _shape(x)
    dtype = np.dtype(x.dtype)
    kind = _reducer(computation, dtype)
    nd = len(sh)
    window = _ints(op, "window_dimensions", window_dimensions, nd)
    strides = _ints(op, "window_strides", window_strides, nd)
    bdil = _ints(op, "base_dilation", base_dilation, nd)
    wdil = _ints(op, "window_dilation", window_dilation, nd)
    eff = tuple((w - 1) * d + 1 for w, d in zip(window, wdil, strict=True))
    if isinstance(padding, str):
        pads = padtype_to_pads(sh, eff, strides, padding)
    else:
        pads = _pairs(op, padding, nd)
    if _shape(init_value) != ():
        raise ValueError(f"{op}: init_value must be a scalar, got shape {_shape(init_value)}")
    if hasattr(init_value, "dtype") and np.dtype(init_value.dtype) != dtype:
        raise TypeError(
            f"{op}: init_value has dtype {np.dtype(init_value.dtype)} but the "
            f"operand has {dtype}; cast one of them"
        )
    ident = _identity(kind, dtype)

    for ax, d in enumerate(bdil):
        x = _dilate(x, ax, d, ident)
    x = _pad(op, x, pads, 0, ident)
    full = _shape(x)
    out = [max((f - e) // s + 1, 0) for f, e, s in zip(full, eff, strides, strict=True)]
    offsets = list(itertools.product(*(range(w) for w in window)))
    slices = [
        tuple(
            slice(j * d, j * d + s * (m - 1) + 1 if m else j * d, s)
            for j, d, s, m in zip(off, wdil, strides, out, strict=True)
        )
        for off in offsets
    ]
    win = gnp.stack([gnp.getitem(x, sl) for sl in slices], axis=-1)
    if kind == "add":
        y = gnp.sum(win, axis=-1)
    elif kind == "mul":
        y = gnp.prod(win, axis=-1)
    else:
        y = _pick(kind, win)
    if isinstance(init_value, Tensor) or not bool(init_value == ident):
        init = init_value if hasattr(init_value, "dtype") else dtype.type(init_value)
        combine = {"add": gnp.add, "mul": gnp.multiply, "max": gnp.maximum, "min": gnp.minimum}[
            kind
        ]
        y = combine(init, y)
    if np.dtype(y.dtype) != dtype:  # NumPy sums small integers in a wider type
        y = gnp.astype(y, dtype)
    return y


# ---- associative scan --------------------------------------------------------------------------


def _slice(x: Array, axis: int, start: int, stop: int | None, step: int = 1) -> Array:
    return gnp.getitem(x, (slice(None),) * axis + (slice(start, stop, step),))


def _interleave(even: Array, odd: Array, axis: int) -> Array:
    """``even[0], odd[0], even[1], odd[1], ...`` along ``axis`` (``even`` may be one longer)."""
    ne, no = _shape(even)[axis], _shape(odd)[axis]
    head = even if ne == no else _slice(even, axis, 0, no)
    both = gnp.stack([head, odd], axis=axis + 1)
    sh = _shape(head)
    y = gnp.reshape(both, sh[:axis] + (2 * no,) + sh[axis + 1 :])
    return y if ne == no else gnp.concatenate([y, _slice(even, axis, no, None)], axis=axis)


def associative_scan(fn: Callable, elems: Any, reverse: bool = False, axis: int = 0) -> Any:
    """Inclusive scan of the pytree ``elems`` along ``axis`` with the associative, vectorised
    ``fn(a, b)`` (``a`` the earlier part), as ``jax.lax.associative_scan``: result ``i`` is
    ``fn`` folded over elements ``0..i`` (``reverse``: over ``i..n-1``, the later one first),
    computed with JAX's parallel-prefix recursion (about ``2 log2 n`` calls of ``fn``).

    Example: ``associative_scan(gnp.add, x)`` is ``gnp.cumsum(x, axis=0)``.
    """
    op = "associative_scan"
    if not callable(fn):
        raise TypeError(f"{op}: fn must be callable, got {type(fn).__name__}")
    leaves, tdef = tree_flatten(elems)
    if not leaves:
        raise ValueError(f"{op}: elems must hold at least one array")
    leaves = [_array(x) for x in leaves]
    nd = len(_shape(leaves[0]))
    ax = axis + nd if axis < 0 else axis
    if not 0 <= ax < nd:
        raise ValueError(
            f"{op}: axis {axis} is out of range for elems of shape {_shape(leaves[0])}"
        )
    lengths = {_shape(x)[ax] if len(_shape(x)) > ax else None for x in leaves}
    if len(lengths) != 1:
        raise ValueError(
            f"{op}: every array in elems needs the same length along axis {axis}, "
            f"got shapes {[_shape(x) for x in leaves]}"
        )

    def combine(a: list, b: list) -> list:
        m = _shape(a[0])[ax]
        res, rdef = tree_flatten(fn(tree_unflatten(tdef, a), tree_unflatten(tdef, b)))
        if rdef != tdef:
            raise TypeError(f"{op}: fn must return the structure of elems ({tdef}), got {rdef}")
        for r in res:
            if len(_shape(r)) <= ax or _shape(r)[ax] != m:
                raise ValueError(
                    f"{op}: fn applied to slices of length {m} along axis {axis} "
                    f"returned shape {_shape(r)}; it must work elementwise on "
                    f"stacked elements"
                )
        return res

    def scan(xs: list) -> list:
        n = _shape(xs[0])[ax]
        if n < 2:
            return xs
        odd = scan(
            combine(
                [_slice(x, ax, 0, n - 1, 2) for x in xs], [_slice(x, ax, 1, None, 2) for x in xs]
            )
        )
        rest = (n - 1) // 2  # the even positions after 0: combine(prefix at 2i+1, x[2i+2])
        firsts = [_slice(x, ax, 0, 1) for x in xs]
        if rest:
            later = combine(
                [_slice(o, ax, 0, rest) for o in odd], [_slice(x, ax, 2, None, 2) for x in xs]
            )
            even = [gnp.concatenate([f, r], axis=ax) for f, r in zip(firsts, later, strict=True)]
        else:
            even = firsts
        return [_interleave(e, o, ax) for e, o in zip(even, odd, strict=True)]

    if reverse:
        leaves = [gnp.flip(x, axis=ax) for x in leaves]
    out = scan(leaves)
    if reverse:
        out = [gnp.flip(x, axis=ax) for x in out]
    return tree_unflatten(tdef, out)
