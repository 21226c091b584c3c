"""``gpuad.lax``'s structural operations with RANDOM parameters against ``jax.lax`` (float64).

``test_jax_lax_ops.py`` and ``test_jax_lax_conv.py`` hold hand-picked cases; here a fixed seed
draws the parameters: convolution layouts, strides, paddings (strings, pairs, negative pairs),
dilations and groups, ``conv_transpose``'s options, ``dot_general``'s dimension numbers in any
order, gather/scatter dimension numbers (batching dimensions included), modes and index hints,
``conv_general_dilated_patches``, convolutions with an empty output, ``reduce_window``'s
monoids, strides, paddings and dilations, ``pad`` configurations, slices
with out-of-range starts, sorting with several keys, the cumulative ops, ``top_k``, ``argmax``,
``reduce_precision``, ``clamp``, ``select_n``, ``iota``, ``collapse``, ``split`` and the shape
ops. Every case is compared, leaf by leaf, in up to six ways: its value; the gradient of
``sum(out * c)`` (``jax.grad``); a Jacobian-vector product (``jax.jvp``); ``vmap`` over random
axes of a random subset of the arguments; in some cases the gradient through that ``vmap``; for
windowed max/min reductions the JVP of the gradient (select_and_scatter_add's derivative).
``gpuad.jit`` of the value and of the gradient, traced on one draw and replayed on another,
must give the eager numbers.

A stage that JAX refuses (a derivative it does not define) is compared with central
differences instead; a case whose parameters JAX refuses is dropped. gpuad must give the same
numbers or raise an error that ``KNOWN_REFUSALS`` lists. JAX computes a chunk of cases in one
compiled call. ``GPUAD_LAX_FUZZ_CASES`` (default 120) and ``GPUAD_LAX_FUZZ_SEED`` run a deeper
or a different search.
"""

from __future__ import annotations

import functools
import os
import re
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax

jax = pytest.importorskip("jax")

N_CASES = int(os.environ.get("GPUAD_LAX_FUZZ_CASES", "120"))
SEED = int(os.environ.get("GPUAD_LAX_FUZZ_SEED", "0"))
CHUNK = 24  # cases JAX compiles in one call

G = types.SimpleNamespace(lax=lax, np=gnp, grad=ad.grad, jvp=ad.jvp, vmap=ad.vmap)


@functools.cache
def _J():
    return types.SimpleNamespace(
        lax=jax.lax, np=jax.numpy, grad=jax.grad, jvp=jax.jvp, vmap=jax.vmap
    )


@pytest.fixture(scope="module", autouse=True)
def _x64():
    """float64 in JAX for this module only, and XLA's quick compile of these tiny programs."""
    before = jax.config.read("jax_enable_x64"), jax.config.read("jax_disable_most_optimizations")
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_disable_most_optimizations", True)
    yield
    jax.config.update("jax_enable_x64", before[0])
    jax.config.update("jax_disable_most_optimizations", before[1])


# gpuad errors that are a clear refusal of something it does not provide (op, message regex)
KNOWN_REFUSALS: list[tuple[str, str]] = [
    # JAX gives an empty result where negative padding crops past a whole dimension
    ("reduce_window", r"crops more than the whole dimension"),
    # gpuad.jit of a multiply/min/max scatter by traced indices needs unique_indices=True
    *[(op, r"TracerError: .*whose repeats set the number of rounds")
      for op in ("scatter_mul", "scatter_min", "scatter_max", "scatter_apply")],
    # distinct start indices promised unique whose windows overlap: a false promise, which
    # gpuad checks (JAX's result is then unspecified)
    *[(op, r"unique_indices=True was passed but .* repeat a position")
      for op in ("scatter_mul", "scatter_min", "scatter_max", "scatter_apply")],
]


@dataclass
class Case:
    """``fn(L, *args)``; ``sample(rng)`` draws another set of arguments of the same shapes
    (for ``vmap``); ``diff`` are the positions differentiated."""

    op: str
    desc: str
    fn: Callable
    sample: Callable
    diff: tuple = ()
    jvp: bool = True
    hvp: bool = False
    smooth: bool = True  # central differences are valid at the drawn point
    jax_derivative: bool = True  # False: JAX's is known wrong here, central differences instead
    finite_ref: bool = True  # a non-finite JAX derivative means JAX has none (else compare it)
    args: list = field(default_factory=list)
    vmap_axes: tuple | None = None
    vmap_args: list | None = None
    args2: list | None = None  # a second draw, for gpuad.jit's replay
    vmap_vjp: bool = False  # also the gradient through vmap (JAX's costliest compile)


# ---- drawing helpers ----------------------------------------------------------------------------


def _floats(r, shape):
    return r.standard_normal(shape)


def _ints(r, shape, lo=-3, hi=4, dtype=np.int32):
    return r.integers(lo, hi, shape).astype(dtype)


def _pick(r, seq):
    return seq[int(r.integers(len(seq)))]


def _subset(r, seq, k):
    return [seq[i] for i in sorted(r.choice(len(seq), size=k, replace=False))]


def _perm(r, seq):
    return [seq[i] for i in r.permutation(len(seq))]


def _maybe(r, p=0.5):
    return bool(r.random() < p)


# ---- convolutions -------------------------------------------------------------------------------

_SPATIAL = "HWDXY"


def _layout(r, nd, first: str, as_string: bool):
    """A random layout of ``first`` (``'NC'`` or ``'OI'``) and ``nd`` spatial letters."""
    letters = list(first) + list(_SPATIAL[:nd])
    return "".join(_perm(r, letters)) if as_string else letters


def _conv_dn(r, nd):
    """(dimension_numbers for L, lhs perm (N, C, *sp), rhs perm (O, I, *sp), out perm)."""
    style = _pick(r, ["none", "string", "string", "dn"])
    if style == "none":
        ident = tuple(range(nd + 2))
        return None, ident, ident, ident
    if style == "string":
        lhs, rhs, out = (_layout(r, nd, f, True) for f in ("NC", "OI", "NC"))
        # lax orders the spatial dims as the rhs spec names them
        sp = [c for c in rhs if c in _SPATIAL]
        lp = (lhs.index("N"), lhs.index("C"), *[lhs.index(c) for c in sp])
        rp = (rhs.index("O"), rhs.index("I"), *[rhs.index(c) for c in sp])
        op = (out.index("N"), out.index("C"), *[out.index(c) for c in sp])
        return (lhs, rhs, out), lp, rp, op
    perms = tuple(tuple(int(i) for i in r.permutation(nd + 2)) for _ in range(3))
    return ("dn", perms), *perms


def _dn_for(L, dn):
    if isinstance(dn, tuple) and dn and dn[0] == "dn":
        return L.lax.ConvDimensionNumbers(*dn[1])
    return dn


def _place(shape_by_role, perm):
    """A shape whose axis ``perm[k]`` has the size of role ``k``."""
    out = [0] * len(perm)
    for k, p in enumerate(perm):
        out[p] = shape_by_role[k]
    return tuple(out)


def _precision(r):
    return _pick(r, [None, None, "highest", "default", ("highest", "high"), "HIGHEST"])


def _prec_for(L, p):
    return L.lax.Precision.HIGHEST if p == "HIGHEST" else p


def gen_conv(r):
    nd = _pick(r, [0, 1, 1, 2, 2, 2, 3])
    fg = bg = 1
    u = r.random()
    if u < 0.25:
        fg = int(r.integers(2, 4))
    elif u < 0.4:
        bg = int(r.integers(2, 4))
    n = bg * int(r.integers(1, 3))
    c = fg * int(r.integers(1, 3))
    o = fg * bg * int(r.integers(1, 3))
    k = [int(r.integers(1, 4)) for _ in range(nd)]
    strides = [int(r.integers(1, 4)) for _ in range(nd)]
    ldil = [1 if _maybe(r, 0.7) else int(r.integers(2, 4)) for _ in range(nd)]
    rdil = [1 if _maybe(r, 0.7) else int(r.integers(2, 4)) for _ in range(nd)]
    sp = [int(r.integers(1, 7)) for _ in range(nd)]
    if all(d == 1 for d in ldil) and _maybe(r, 0.5):
        padding = _pick(r, ["SAME", "VALID", "SAME_LOWER"])
        for i in range(nd):  # the input at least as large as the dilated kernel
            sp[i] = max(sp[i], (k[i] - 1) * rdil[i] + 1)
    else:
        padding = []
        for i in range(nd):
            eff = (k[i] - 1) * rdil[i] + 1
            lo, hi = int(r.integers(-2, 4)), int(r.integers(-2, 4))
            full = (sp[i] - 1) * ldil[i] + 1 + lo + hi
            if full < eff:
                hi += eff - full
            if _maybe(r, 0.06):  # an empty output dimension: the kernel overhangs the
                short = int(r.integers(1, strides[i] + 3))  # padded input
                if eff >= short:
                    hi -= max(full, eff) - eff + short
            padding.append((lo, hi))
    dn, lp, rp, op_ = _conv_dn(r, nd)
    ls = _place((n, c, *sp), lp)
    rs = _place((o, c // fg, *k), rp)
    kw = dict(
        window_strides=strides,
        padding=padding,
        lhs_dilation=None if all(d == 1 for d in ldil) and _maybe(r) else ldil,
        rhs_dilation=None if all(d == 1 for d in rdil) and _maybe(r) else rdil,
        feature_group_count=fg,
        batch_group_count=bg,
        precision=_precision(r),
    )
    f32, ints = _maybe(r, 0.1), _maybe(r, 0.08)
    if f32 or _maybe(r, 0.1):
        kw["preferred_element_type"] = np.float64
    dt = np.float32 if f32 else np.float64
    if ints:
        dt = np.int32
        kw["preferred_element_type"] = _pick(r, [None, np.int32, np.int64])

    def fn(L, a, b):
        return L.lax.conv_general_dilated(a, b, dimension_numbers=_dn_for(L, dn),
                                          **dict(kw, precision=_prec_for(L, kw["precision"])))

    def sample(r):
        if ints:
            return [_ints(r, ls), _ints(r, rs)]
        return [_floats(r, ls).astype(dt), _floats(r, rs).astype(dt)]

    return Case("conv_general_dilated", f"{ls} {rs} dn={dn} {kw} {np.dtype(dt)}", fn, sample,
                () if ints else (0, 1))


def gen_conv_patches(r):
    nd = _pick(r, [1, 2, 2, 3])
    n, c = int(r.integers(1, 3)), int(r.integers(1, 4))
    fs = [int(r.integers(1, 4)) for _ in range(nd)]
    strides = [int(r.integers(1, 3)) for _ in range(nd)]
    ldil = None if _maybe(r, 0.7) else [int(r.integers(1, 3)) for _ in range(nd)]
    rdil = None if _maybe(r, 0.6) else [int(r.integers(1, 3)) for _ in range(nd)]
    sp = [int(r.integers(1, 6)) for _ in range(nd)]
    if ldil is None and _maybe(r, 0.5):
        padding = _pick(r, ["SAME", "VALID"])
        for i in range(nd):
            sp[i] = max(sp[i], (fs[i] - 1) * (rdil[i] if rdil else 1) + 1)
    else:
        padding = []
        for i in range(nd):
            eff = (fs[i] - 1) * (rdil[i] if rdil else 1) + 1
            lo, hi = int(r.integers(-1, 3)), int(r.integers(-1, 3))
            full = (sp[i] - 1) * (ldil[i] if ldil else 1) + 1 + lo + hi
            hi += max(eff - full, 0)
            if _maybe(r, 0.08):  # an empty output dimension
                hi -= max(full, eff) - eff + 1
            padding.append((lo, hi))
    dn, lp, _, _ = _conv_dn(r, nd)
    ls = _place((n, c, *sp), lp)
    kw = dict(window_strides=strides, padding=padding, lhs_dilation=ldil, rhs_dilation=rdil,
              precision=_pick(r, [None, "HIGHEST"]))  # JAX pairs it with DEFAULT
    if _maybe(r, 0.15):
        kw["preferred_element_type"] = np.float64
    dt = np.float32 if _maybe(r, 0.1) else np.float64

    def fn(L, a):
        prec = _prec_for(L, kw["precision"])
        return L.lax.conv_general_dilated_patches(a, tuple(fs), dimension_numbers=_dn_for(L, dn),
                                                  **dict(kw, precision=prec))

    def sample(r):
        return [_floats(r, ls).astype(dt)]

    return Case("conv_general_dilated_patches", f"{ls} fs={fs} dn={dn} {kw} {np.dtype(dt)}",
                fn, sample, (0,))


_TDEFAULT = {1: ("NHC", "HIO", "NHC"), 2: ("NHWC", "HWIO", "NHWC"), 3: ("NHWDC", "HWDIO", "NHWDC")}


def gen_conv_transpose(r):
    nd = _pick(r, [1, 1, 2, 2, 3])
    k = [int(r.integers(1, 4)) for _ in range(nd)]
    strides = [int(r.integers(1, 4)) for _ in range(nd)]
    rdil = None if _maybe(r, 0.6) else [int(r.integers(1, 3)) for _ in range(nd)]
    sp = [int(r.integers(1, 5)) for _ in range(nd)]
    n, c, f = int(r.integers(1, 3)), int(r.integers(1, 3)), int(r.integers(1, 3))
    consistent = _maybe(r, 0.3)
    padding = _pick(r, ["SAME", "VALID", "pairs"])
    if padding == "pairs":
        padding = [(int(r.integers(-1, 3)), int(r.integers(-1, 3))) for _ in range(nd)]
    if _maybe(r, 0.4):
        dn = None
        lhs_s, rhs_s, _ = _TDEFAULT[nd]
    else:
        lhs_s, rhs_s, out_s = (_layout(r, nd, x, True) for x in ("NC", "OI", "NC"))
        dn = (lhs_s, rhs_s, out_s)
    tk = _maybe(r, 0.4)
    sizes_l = {"N": n, "C": c, **dict(zip(_SPATIAL, sp, strict=False))}
    # with transpose_kernel the kernel's O axis meets the input's features
    sizes_r = {"O": c if tk else f, "I": f if tk else c, **dict(zip(_SPATIAL, k, strict=False))}
    ls = tuple(sizes_l[ch] for ch in lhs_s)
    rs = tuple(sizes_r[ch] for ch in rhs_s)
    kw = dict(
        strides=strides,
        padding=padding,
        rhs_dilation=rdil,
        dimension_numbers=dn,
        transpose_kernel=tk,
        use_consistent_padding=consistent,
    )

    def fn(L, a, b):
        return L.lax.conv_transpose(a, b, **kw)

    def sample(r):
        return [_floats(r, ls), _floats(r, rs)]

    return Case("conv_transpose", f"{ls} {rs} {kw}", fn, sample, (0, 1))


# ---- contractions -------------------------------------------------------------------------------


def gen_dot_general(r):
    nb, nc = int(r.integers(0, 3)), int(r.integers(0, 3))
    lf, rf = int(r.integers(0, 3)), int(r.integers(0, 3))
    bs = [int(r.integers(1, 4)) for _ in range(nb)]
    cs = [int(r.integers(1, 4)) for _ in range(nc)]
    lfs = [int(r.integers(1, 4)) for _ in range(lf)]
    rfs = [int(r.integers(1, 4)) for _ in range(rf)]
    lroles = [("b", i) for i in range(nb)] + [("c", i) for i in range(nc)] + [("f", i)
                                                                             for i in range(lf)]
    rroles = [("b", i) for i in range(nb)] + [("c", i) for i in range(nc)] + [("g", i)
                                                                             for i in range(rf)]
    lroles, rroles = _perm(r, lroles), _perm(r, rroles)
    size = {"b": bs, "c": cs, "f": lfs, "g": rfs}
    ls = tuple(size[k][i] for k, i in lroles)
    rs = tuple(size[k][i] for k, i in rroles)
    corder, border = _perm(r, list(range(nc))), _perm(r, list(range(nb)))
    lc = tuple(lroles.index(("c", i)) for i in corder)
    rc = tuple(rroles.index(("c", i)) for i in corder)
    lb = tuple(lroles.index(("b", i)) for i in border)
    rb = tuple(rroles.index(("b", i)) for i in border)
    dn = ((lc, rc), (lb, rb))
    kw = dict(precision=_precision(r))
    dt = np.float64
    u = r.random()
    if u < 0.15:
        dt = np.int32
        kw["preferred_element_type"] = _pick(r, [np.int32, np.int64, np.float64])
    elif u < 0.25:
        dt = np.float32
        kw["preferred_element_type"] = np.float64
    elif u < 0.35:
        kw["preferred_element_type"] = np.float64

    def fn(L, a, b):
        return L.lax.dot_general(a, b, dn, **dict(kw, precision=_prec_for(L, kw["precision"])))

    def sample(r):
        if dt == np.int32:
            return [_ints(r, ls), _ints(r, rs)]
        return [_floats(r, ls).astype(dt), _floats(r, rs).astype(dt)]

    return Case("dot_general", f"{ls} {rs} {dn} {kw}", fn, sample,
                (0, 1) if dt != np.int32 else ())


# ---- gather / scatter ---------------------------------------------------------------------------

_MODES = [None, "clip", "fill", "promise_in_bounds", "CLIP", "FILL_OR_DROP"]


def _mode_for(L, mode):
    if mode == "CLIP":
        return L.lax.GatherScatterMode.CLIP
    if mode == "FILL_OR_DROP":
        return L.lax.GatherScatterMode.FILL_OR_DROP
    return mode


def _index_layout(r, xs, batching: bool):
    """Common draw of gather and scatter: operand batching dims, index map, collapsed dims and
    the batch shape of the indices (with the positions of the batching dims in it)."""
    nd = len(xs)
    dims = list(range(nd))
    obd = _subset(r, dims, int(r.integers(1, min(2, nd) + 1))) if batching and nd else []
    rest = [d for d in dims if d not in obd]
    smap = _perm(r, _subset(r, rest, int(r.integers(0, len(rest) + 1))))
    collapsed = _subset(r, rest, int(r.integers(0, len(rest) + 1)))
    nbatch = max(len(obd), int(r.integers(0, 3)))
    batch_shape = [int(r.integers(1, 4)) for _ in range(nbatch)]
    sibd = _subset(r, list(range(nbatch)), len(obd))
    sibd = _perm(r, sibd)
    for d, p in zip(obd, sibd, strict=True):
        batch_shape[p] = xs[d]
    return obd, sibd, smap, collapsed, batch_shape


def _starts(r, xs, sizes, smap, batch_shape, in_bounds, unique, sorted_):
    """Start indices (batch_shape + (len(smap),)), in bounds or up to 2 out."""
    nb = int(np.prod(batch_shape, dtype=int))
    cols = []
    for d in smap:
        hi = xs[d] - sizes[d]
        lo, top = (0, hi) if in_bounds else (-2, hi + 2)
        cols.append((lo, top))
    if not cols:  # every window at the same start: unique only if there is one
        return None if unique and nb > 1 else np.zeros((*batch_shape, 0), np.int32)
    if unique:  # distinct start tuples (as many as there are windows, if they fit)
        space = [np.arange(lo, top + 1) for lo, top in cols]
        grid = np.stack(np.meshgrid(*space, indexing="ij"), -1).reshape(-1, len(cols))
        if len(grid) < nb:
            return None
        rows = grid[r.choice(len(grid), size=nb, replace=False)]
    else:
        rows = np.stack([r.integers(lo, top + 1, nb) for lo, top in cols], -1)
    if sorted_:
        rows = rows[np.lexsort(rows.T[::-1])]
    return rows.reshape(*batch_shape, len(cols)).astype(_pick(r, [np.int32, np.int64]))


def gen_gather(r):
    nd = int(r.integers(1, 4))
    xs = [int(r.integers(1, 5)) for _ in range(nd)]
    batching = _maybe(r, 0.25)
    obd, sibd, smap, collapsed, batch_shape = _index_layout(r, xs, batching)
    sizes = [1 if (d in collapsed or d in obd) else int(r.integers(0, xs[d] + 1)) for d in
             range(nd)]
    window = [d for d in range(nd) if d not in collapsed and d not in obd]
    out_rank = len(batch_shape) + len(window)
    offset = sorted(_subset(r, list(range(out_rank)), len(window)))
    mode = _pick(r, _MODES)
    unique = _maybe(r, 0.2)
    # unique_indices promises distinct windows after clamping too
    in_bounds = mode in (None, "promise_in_bounds") or unique and mode in ("clip", "CLIP")
    sorted_ = _maybe(r, 0.2) and not obd
    if _starts(r, xs, sizes, smap, batch_shape, in_bounds, unique, sorted_) is None:
        unique = False
    fill = float(r.standard_normal()) if mode == "fill" and _maybe(r) else None
    dn_kw = dict(offset_dims=tuple(offset), collapsed_slice_dims=tuple(collapsed),
                 start_index_map=tuple(smap))
    if obd:
        dn_kw.update(operand_batching_dims=tuple(obd), start_indices_batching_dims=tuple(sibd))
    kw = dict(unique_indices=unique, indices_are_sorted=sorted_)
    if fill is not None:
        kw["fill_value"] = fill
    idt = _pick(r, [np.int32, np.int64])
    ints = _maybe(r, 0.15)
    if ints and fill is not None:
        kw["fill_value"] = int(r.integers(-5, 5))

    def fn(L, x, i):
        dn = L.lax.GatherDimensionNumbers(**dn_kw)
        return L.lax.gather(x, i, dn, tuple(sizes), mode=_mode_for(L, mode), **kw)

    def sample(r):
        i = _starts(r, xs, sizes, smap, batch_shape, in_bounds, unique, sorted_)
        x = _ints(r, tuple(xs), -9, 9) if ints else _floats(r, tuple(xs))
        return [x, i.astype(idt)]

    # an empty start_index_map: JAX's gradient of the vmapped gather is wrong (it reads the
    # batch index as an operand index), so central differences judge the derivatives
    return Case("gather", f"x{tuple(xs)} batch{tuple(batch_shape)} {dn_kw} sizes={sizes} "
                f"mode={mode} {kw} ints={ints}", fn, sample, () if ints else (0,),
                jax_derivative=bool(smap))


_SCATTERS = ["scatter", "scatter_add", "scatter_add", "scatter_mul", "scatter_min", "scatter_max",
             "scatter_sub", "scatter_apply"]
_APPLY = ["sin", "exp", "tanh", "square"]


def gen_scatter(r):
    op = _pick(r, _SCATTERS)
    nd = int(r.integers(1, 4))
    xs = [int(r.integers(1, 5)) for _ in range(nd)]
    batching = _maybe(r, 0.25)
    obd, sibd, smap, inserted, batch_shape = _index_layout(r, xs, batching)
    rest = [d for d in range(nd) if d not in obd]
    if not smap and rest:  # XLA combines colliding windows wrongly with an empty index vector
        smap = [_pick(r, rest)]
    window = [d for d in range(nd) if d not in inserted and d not in obd]
    sizes = [1] * nd
    for d in window:
        sizes[d] = int(r.integers(0, xs[d] + 1))
    u_rank = len(batch_shape) + len(window)
    uwd = sorted(_subset(r, list(range(u_rank)), len(window)))
    us, bi, wi = [], iter(batch_shape), iter(window)
    for p in range(u_rank):
        us.append(sizes[next(wi)] if p in uwd else next(bi))
    mode = _pick(r, _MODES)
    unique = _maybe(r, 0.3)
    in_bounds = mode == "promise_in_bounds" or unique and mode in ("clip", "CLIP")
    sorted_ = _maybe(r, 0.2) and not obd
    if _starts(r, xs, sizes, smap, batch_shape, in_bounds, unique, sorted_) is None:
        unique = False
    dn_kw = dict(update_window_dims=tuple(uwd), inserted_window_dims=tuple(inserted),
                 scatter_dims_to_operand_dims=tuple(smap))
    if obd:
        dn_kw.update(operand_batching_dims=tuple(obd), scatter_indices_batching_dims=tuple(sibd))
    kw = dict(unique_indices=unique, indices_are_sorted=sorted_)
    desc = f"x{tuple(xs)} i{tuple(batch_shape)} u{tuple(us)} {dn_kw} mode={mode} {kw}"
    if op == "scatter_apply":
        fname = _pick(r, _APPLY)

        def fn_apply(L, x, i):
            dn = L.lax.ScatterDimensionNumbers(**dn_kw)
            return L.lax.scatter_apply(x, i, getattr(L.np, fname), dn, update_shape=tuple(us),
                                       mode=_mode_for(L, mode), **kw)

        def sample_apply(r):
            i = _starts(r, xs, sizes, smap, batch_shape, in_bounds, unique, sorted_)
            return [_floats(r, tuple(xs)), i]

        # JAX defines no derivative of scatter_apply: central differences judge gpuad's
        return Case(op, f"{fname} {desc}", fn_apply, sample_apply, (0,), jax_derivative=False)

    def fn(L, x, i, u):
        dn = L.lax.ScatterDimensionNumbers(**dn_kw)
        return getattr(L.lax, op)(x, i, u, dn, mode=_mode_for(L, mode), **kw)

    def sample(r):
        i = _starts(r, xs, sizes, smap, batch_shape, in_bounds, unique, sorted_)
        return [_floats(r, tuple(xs)), i, _floats(r, tuple(us))]

    return Case(op, desc, fn, sample, (0, 2))


# ---- windowed reductions ------------------------------------------------------------------------


def gen_reduce_window(r):
    kind = _pick(r, ["add", "max", "max", "min", "mul"])
    nd = int(r.integers(1, 4))
    xs = tuple(int(r.integers(1, 6)) for _ in range(nd))
    win = [int(r.integers(1, 4)) for _ in range(nd)]
    strides = None if _maybe(r, 0.2) else [int(r.integers(1, 3)) for _ in range(nd)]
    bdil = None if _maybe(r, 0.6) else [int(r.integers(1, 3)) for _ in range(nd)]
    wdil = None if _maybe(r, 0.6) else [int(r.integers(1, 3)) for _ in range(nd)]
    padding = _pick(r, ["VALID", "SAME", "pairs", "pairs"])
    if padding == "pairs":
        padding = [(int(r.integers(-1, 3)), int(r.integers(-1, 3))) for _ in range(nd)]
        if all(w == 1 for w in win):  # XLA's simplifier aborts the process on a 1-element
            padding = [(max(lo, 0), max(hi, 0)) for lo, hi in padding]  # window that crops
    ints = _maybe(r, 0.1)
    dt = np.int32 if ints else np.float64
    ident = {"add": 0, "mul": 1, "max": -np.inf, "min": np.inf}[kind]
    if ints and kind in ("max", "min"):
        ident = np.iinfo(np.int32).min if kind == "max" else np.iinfo(np.int32).max
    init_kind = _pick(r, ["ident", "ident", "value", "array"])
    init = dt(ident) if init_kind == "ident" else dt(r.integers(-2, 3) if ints else
                                                      r.standard_normal())
    # windows with ties (a max or min picks the first; JAX's path for another init_value
    # picks differently, so ties only with the identity)
    x_kind = init_kind == "ident" and _maybe(r, 0.5)

    def fn(L, x, *a):
        comp = {"add": L.lax.add, "max": L.lax.max, "min": L.lax.min, "mul": L.lax.mul}[kind]
        i = a[0] if a else init
        return L.lax.reduce_window(x, i, comp, tuple(win), strides, padding, bdil, wdil)

    def sample(r):
        x = _ints(r, xs) if ints else _floats(r, xs)
        if x_kind and not ints and kind in ("max", "min"):
            x = np.round(x)  # ties
        return [x] + ([np.asarray(init, dt)] if init_kind == "array" else [])

    diff = () if ints else ((0, 1) if init_kind == "array" else (0,))
    return Case("reduce_window",
                f"{kind} x{xs} init={init}({init_kind}) win={win} s={strides} p={padding} "
                f"bd={bdil} wd={wdil} ties={x_kind}", fn, sample, diff,
                hvp=kind in ("max", "min") and not ints, smooth=not x_kind)


# ---- shapes, slices, padding --------------------------------------------------------------------


def _shape(r, lo=1, hi=4, rank=None):
    rank = int(r.integers(1, 4)) if rank is None else rank
    return tuple(int(r.integers(lo, hi + 1)) for _ in range(rank))


def _float_case(op, desc, call, shapes):
    """A case of float arguments of ``shapes``, all differentiated."""

    def sample(r):
        return [_floats(r, s) for s in shapes]

    return Case(op, desc, call, sample, tuple(range(len(shapes))))


def gen_pad(r):
    xs = _shape(r, 0, 4)
    cfg = []
    for n in xs:
        interior = int(r.integers(0, 3))
        full = n + max(n - 1, 0) * interior
        lo = int(r.integers(-3, 4))
        hi = int(r.integers(-3, 4))
        if full + lo + hi < 0:
            hi = -full - lo
        cfg.append((lo, hi, interior))

    def fn(L, x, p):
        return L.lax.pad(x, p, cfg)

    def sample(r):
        return [_floats(r, xs), np.asarray(r.standard_normal())]

    return Case("pad", f"x{xs} {cfg}", fn, sample, (0, 1))


def gen_slice(r):
    xs = _shape(r, 1, 6)
    start = [int(r.integers(0, n + 1)) for n in xs]
    limit = [int(r.integers(s, n + 1)) for s, n in zip(start, xs, strict=True)]
    strides = None if _maybe(r) else [int(r.integers(1, 4)) for _ in xs]
    return _float_case("slice", f"x{xs} {start} {limit} {strides}",
                       lambda L, x: L.lax.slice(x, start, limit, strides), [xs])


def gen_dynamic_slice(r):
    xs = _shape(r, 1, 6)
    sizes = [int(r.integers(0, n + 1)) for n in xs]
    as_args = _maybe(r)
    starts = [int(r.integers(-n - 3, n + 3)) for n in xs]
    idt = _pick(r, [np.int32, np.int64])
    # without negative indices a negative array start clamps to 0 (a negative int raises)
    neg = {} if _maybe(r, 0.7) or not as_args else {
        "allow_negative_indices": _pick(r, [False, [_maybe(r) for _ in xs]])}

    def fn(L, x, *s):
        return L.lax.dynamic_slice(x, list(s) if as_args else starts, sizes, **neg)

    def sample(r):
        st = [idt(r.integers(-n - 3, n + 3)) for n in xs]
        return [_floats(r, xs)] + ([np.asarray(s) for s in st] if as_args else [])

    return Case("dynamic_slice",
                f"x{xs} sizes={sizes} starts={starts if not as_args else 'args'} {neg}",
                fn, sample, (0,))


def gen_dynamic_update_slice(r):
    xs = _shape(r, 1, 6)
    us = tuple(int(r.integers(0, n + 1)) for n in xs)
    as_args = _maybe(r)
    starts = [int(r.integers(-n - 3, n + 3)) for n in xs]
    neg = {} if _maybe(r, 0.7) or not as_args else {
        "allow_negative_indices": _pick(r, [False, [_maybe(r) for _ in xs]])}

    def fn(L, x, u, *s):
        return L.lax.dynamic_update_slice(x, u, list(s) if as_args else starts, **neg)

    def sample(r):
        st = [np.int32(r.integers(-n - 3, n + 3)) for n in xs]
        return [_floats(r, xs), _floats(r, us)] + ([np.asarray(s) for s in st] if as_args else [])

    return Case("dynamic_update_slice",
                f"x{xs} u{us} starts={starts if not as_args else 'args'} {neg}",
                fn, sample, (0, 1))


def gen_shape_op(r):
    which = _pick(r, ["rev", "transpose", "broadcast_in_dim", "squeeze", "expand_dims",
                      "concatenate", "collapse", "split", "reshape"])
    xs = _shape(r, 1, 4)
    nd = len(xs)
    if which == "rev":
        dims = _perm(r, _subset(r, list(range(nd)), int(r.integers(0, nd + 1))))
        return _float_case(which, f"x{xs} {dims}", lambda L, x: L.lax.rev(x, dims), [xs])
    if which == "transpose":
        p = _perm(r, list(range(nd)))
        return _float_case(which, f"x{xs} {p}", lambda L, x: L.lax.transpose(x, p), [xs])
    if which == "broadcast_in_dim":
        out_rank = nd + int(r.integers(0, 3))
        bdims = sorted(_subset(r, list(range(out_rank)), nd))
        shape = [int(r.integers(1, 4)) for _ in range(out_rank)]
        xs = tuple(1 if _maybe(r, 0.3) else shape[d] for d in bdims)
        return _float_case(which, f"x{xs} {shape} {bdims}",
                           lambda L, x: L.lax.broadcast_in_dim(x, shape, bdims), [xs])
    if which == "squeeze":
        xs = tuple(1 if _maybe(r, 0.5) else n for n in xs)
        ones = [d for d, n in enumerate(xs) if n == 1]
        dims = _perm(r, _subset(r, ones, int(r.integers(0, len(ones) + 1))))
        dims = [d - nd if _maybe(r, 0.3) else d for d in dims]
        return _float_case(which, f"x{xs} {dims}", lambda L, x: L.lax.squeeze(x, dims), [xs])
    if which == "expand_dims":
        k = int(r.integers(1, 3))
        dims = _subset(r, list(range(nd + k)), k)
        dims = _perm(r, [d - nd - k if _maybe(r, 0.3) else d for d in dims])
        return _float_case(which, f"x{xs} {dims}", lambda L, x: L.lax.expand_dims(x, dims), [xs])
    if which == "concatenate":
        ax = int(r.integers(0, nd))
        shapes = [tuple(int(r.integers(0, 4)) if d == ax else n for d, n in enumerate(xs))
                  for _ in range(int(r.integers(1, 4)))]
        return _float_case(which, f"{shapes} axis={ax}",
                           lambda L, *a: L.lax.concatenate(a, ax), shapes)
    if which == "collapse":
        start = int(r.integers(0, nd))
        stop = _pick(r, [None, int(r.integers(start, nd + 1))])
        return _float_case(which, f"x{xs} {start}:{stop}",
                           lambda L, x: L.lax.collapse(x, start, stop), [xs])
    if which == "split":
        ax = int(r.integers(0, nd))
        cuts = sorted(r.integers(0, xs[ax] + 1, int(r.integers(0, 3))))
        sizes = np.diff([0, *cuts, xs[ax]]).tolist()
        axis = ax - nd if _maybe(r, 0.3) else ax
        return _float_case(which, f"x{xs} {sizes} axis={axis}",
                           lambda L, x: L.lax.split(x, sizes, axis), [xs])
    perm = _perm(r, list(range(nd)))
    new = [int(np.prod(xs))] if _maybe(r) else [int(np.prod(xs[:1])), int(np.prod(xs[1:]))]
    dims = perm if _maybe(r) else None
    return _float_case("reshape", f"x{xs} {new} {dims}",
                       lambda L, x: L.lax.reshape(x, new, dims), [xs])


# ---- sorting, scans, reductions, elementwise structure ------------------------------------------


def gen_sort(r):
    xs = _shape(r, 1, 5)
    nops = int(r.integers(1, 4))
    num_keys = int(r.integers(1, nops + 1))
    stable = _maybe(r, 0.6)
    dim = int(r.integers(-len(xs), len(xs)))
    # ties only where the order is defined: in a stable sort, or not in the first key
    kinds = [_pick(r, ["int", "int", "nan"]) if (stable or k > 0) and _maybe(r, 0.5) else "float"
             for k in range(nops)]
    single = nops == 1 and _maybe(r)

    def fn(L, *a):
        return L.lax.sort(a[0] if single else a, dimension=dim, is_stable=stable,
                          num_keys=num_keys)

    def draw(r, k):
        if k == "int":
            return _ints(r, xs, -2, 3).astype(np.float64)
        x = _floats(r, xs)
        if k == "nan":  # NaN sorts last (ties among NaNs keep their order)
            x[r.random(xs) < 0.3] = np.nan
        return x

    def sample(r):
        return [draw(r, k) for k in kinds]

    return Case("sort", f"x{xs} ops={kinds} num_keys={num_keys} stable={stable} dim={dim} "
                f"single={single}", fn, sample, tuple(range(nops)),
                smooth=kinds == ["float"] * nops)


def gen_top_k(r):
    xs = _shape(r, 1, 5)
    ints = _maybe(r, 0.3)
    axis = _pick(r, [None, int(r.integers(-len(xs), len(xs)))])
    k = int(r.integers(0, xs[-1 if axis is None else axis] + 1))

    def fn(L, x):
        return L.lax.top_k(x, k) if axis is None else L.lax.top_k(x, k, axis=axis)

    def sample(r):
        return [_ints(r, xs, -2, 3) if ints else _floats(r, xs)]

    return Case("top_k", f"x{xs} k={k} axis={axis} ints={ints}", fn, sample, () if ints else (0,))


def gen_cumulative(r):
    op = _pick(r, ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"])
    xs = _shape(r, 1, 5)
    axis = int(r.integers(0, len(xs)))
    rev = _maybe(r)
    ints = op != "cumlogsumexp" and _maybe(r, 0.2)

    def fn(L, x):
        return getattr(L.lax, op)(x, axis, reverse=rev)

    def sample(r):
        return [_ints(r, xs) if ints else _floats(r, xs)]

    return Case(op, f"x{xs} axis={axis} reverse={rev} ints={ints}", fn, sample,
                () if ints else (0,))


def gen_arg(r):
    op = _pick(r, ["argmax", "argmin"])
    xs = _shape(r, 1, 5)
    axis = int(r.integers(0, len(xs)))
    idt = _pick(r, [np.int32, np.int64, np.uint8, np.int16])
    kind = _pick(r, ["float", "int", "nan"])

    def fn(L, x):
        return getattr(L.lax, op)(x, axis, idt)

    def sample(r):
        if kind == "int":
            return [_ints(r, xs, -2, 3)]
        x = _floats(r, xs)
        if kind == "nan":
            x[r.random(xs) < 0.2] = np.nan
        return [x]

    return Case(op, f"x{xs} axis={axis} {np.dtype(idt)} {kind}", fn, sample, ())


def gen_reduce(r):
    op = _pick(r, ["reduce_sum", "reduce_prod", "reduce_max", "reduce_min"])
    xs = _shape(r, 0, 4)
    axes = _perm(r, _subset(r, list(range(len(xs))), int(r.integers(0, len(xs) + 1))))

    def fn(L, x):
        return getattr(L.lax, op)(x, axes)

    return Case(op, f"x{xs} {axes}", fn, lambda r: [_floats(r, xs)], (0,))


def gen_reduce_precision(r):
    f32 = _maybe(r, 0.3)
    eb = int(r.integers(1, 9 if f32 else 12))
    mb = int(r.integers(0, 24 if f32 else 53))
    xs = _shape(r, 1, 4)
    scale = float(np.exp(r.uniform(-8, 8)))

    def fn(L, x):
        return L.lax.reduce_precision(x, eb, mb)

    def sample(r):
        x = _floats(r, xs) * scale
        return [x.astype(np.float32) if f32 else x]

    return Case("reduce_precision", f"x{xs} eb={eb} mb={mb} f32={f32} scale={scale:.3g}", fn,
                sample, (0,), smooth=False, finite_ref=False)


def gen_clamp(r):
    xs = _shape(r, 1, 4)
    lo_arr, hi_arr = _maybe(r), _maybe(r)
    crossed = _maybe(r, 0.25)  # min > max somewhere: JAX gives max no gradient there

    def fn(L, lo, x, hi):
        return L.lax.clamp(lo, x, hi)

    def sample(r):
        lo = _floats(r, xs if lo_arr else ())
        hi = _floats(r, xs if hi_arr else ())
        if not crossed:
            lo, hi = -np.abs(lo) - 0.2, np.abs(hi) + 0.2
        return [np.asarray(lo), _floats(r, xs), np.asarray(hi)]

    return Case("clamp", f"x{xs} lo_arr={lo_arr} hi_arr={hi_arr} crossed={crossed}", fn, sample,
                (0, 1, 2), jax_derivative=not crossed)


def gen_select_n(r):
    xs = _shape(r, 1, 4)
    n = int(r.integers(1, 5))
    use_bool = n <= 2 and _maybe(r)
    scalar = _maybe(r, 0.3)

    def fn(L, w, *cases):
        return L.lax.select_n(w, *cases)

    def sample(r):
        ws = () if scalar else xs
        w = r.integers(0, 2, ws).astype(bool) if use_bool else r.integers(0, n, ws).astype(
            np.int32)
        return [np.asarray(w)] + [_floats(r, xs) for _ in range(n)]

    return Case("select_n", f"x{xs} n={n} bool={use_bool} scalar={scalar}", fn, sample,
                tuple(range(1, n + 1)))


def gen_iota(r):
    dt = _pick(r, [np.int32, np.int64, np.float32, np.float64, np.uint8, np.int16])
    if _maybe(r, 0.3):
        n = int(r.integers(0, 6))
        return Case("iota", f"{np.dtype(dt)} {n}", lambda L: L.lax.iota(dt, n), lambda r: [], ())
    shape = _shape(r, 1, 4)
    dim = int(r.integers(0, len(shape)))
    return Case("broadcasted_iota", f"{np.dtype(dt)} {shape} {dim}",
                lambda L: L.lax.broadcasted_iota(dt, shape, dim), lambda r: [], ())


FAMILIES: list[tuple[Callable, int]] = [  # (generator, weight)
    (gen_conv, 5),
    (gen_conv_transpose, 3),
    (gen_conv_patches, 2),
    (gen_dot_general, 3),
    (gen_gather, 5),
    (gen_scatter, 5),
    (gen_reduce_window, 4),
    (gen_pad, 2),
    (gen_slice, 1),
    (gen_dynamic_slice, 2),
    (gen_dynamic_update_slice, 2),
    (gen_shape_op, 3),
    (gen_sort, 2),
    (gen_top_k, 1),
    (gen_cumulative, 2),
    (gen_arg, 1),
    (gen_reduce, 1),
    (gen_reduce_precision, 1),
    (gen_clamp, 1),
    (gen_select_n, 1),
    (gen_iota, 1),
]


def _draw(k: int) -> Case:
    r = np.random.default_rng([SEED, k])
    gens = [g for g, w in FAMILIES for _ in range(w)]
    case = gens[int(r.integers(len(gens)))](r)
    case.args = case.sample(r)
    # vmap: a random nonempty subset of the array arguments, each stacked at a random axis
    if case.args:
        batched = [_maybe(r, 0.6) for _ in case.args]
        if not any(batched):
            batched[int(r.integers(len(batched)))] = True
        more = [case.sample(r) for _ in range(2)]
        axes, vargs = [], []
        for i, a in enumerate(case.args):
            if not batched[i]:
                axes.append(None)
                vargs.append(a)
                continue
            ax = int(r.integers(0, np.ndim(a) + 1))
            axes.append(ax)
            vargs.append(np.stack([a] + [m[i] for m in more], axis=ax))
        case.vmap_axes, case.vmap_args = tuple(axes), vargs
        case.args2 = more[0]
        case.vmap_vjp = _maybe(r, 0.4)
    return case


CASES = [_draw(k) for k in range(N_CASES)]


# ---- the stages, written once for both libraries ------------------------------------------------


def _ct(shape, k):
    return np.cos(0.7 * np.arange(int(np.prod(shape))) + 0.3 + k).reshape(shape)


def _is_float(dt) -> bool:
    return np.dtype(dt).kind in "fc"


def _float_leaves(out):
    return [x for x in _flat(out) if _is_float(x.dtype)]


def _flat(out):
    return list(out) if isinstance(out, list | tuple) else [out]


def _loss(M, f):
    def loss(*a):
        total = 0.0
        for k, y in enumerate(_float_leaves(f(*a))):
            total = total + M.np.sum(y * _ct(y.shape, k).astype(y.dtype))
        return total

    return loss


def _tangents(case, args):
    r = np.random.default_rng([SEED, 7, len(args)])
    return tuple(r.standard_normal(np.shape(args[i])).astype(args[i].dtype) for i in case.diff)


def _with(case, args):
    def f(*d):
        full = list(args)
        for i, a in zip(case.diff, d, strict=True):
            full[i] = a
        return full

    return f


def _stages(M, case: Case) -> dict[str, Callable]:
    """name: thunk(args, vargs) computing that stage with the namespace ``M``."""
    f = functools.partial(case.fn, M)
    out = {"value": lambda a, v: _flat(f(*a))}
    if case.diff:
        out["vjp"] = lambda a, v: list(M.grad(_loss(M, f), argnums=case.diff)(*a))

        def sub(a):
            full = _with(case, a)
            return lambda *d: f(*full(*d))

        if case.jvp:
            def jvp(a, v):
                primal, tangent = M.jvp(sub(a), tuple(a[i] for i in case.diff),
                                        _tangents(case, a))
                return [t for p, t in zip(_flat(primal), _flat(tangent), strict=True)
                        if _is_float(p.dtype)]

            out["jvp"] = jvp
        if case.hvp:
            def hvp(a, v):
                g = M.grad(_loss(M, sub(a)), argnums=tuple(range(len(case.diff))))
                return list(M.jvp(g, tuple(a[i] for i in case.diff), _tangents(case, a))[1])

            out["hvp"] = hvp
    if case.vmap_axes is not None:
        vf = M.vmap(f, in_axes=case.vmap_axes)
        out["vmap"] = lambda a, v: _flat(vf(*v))
        if case.diff and case.vmap_vjp:
            out["vmap_vjp"] = lambda a, v: list(M.grad(_loss(M, vf), argnums=case.diff)(*v))
    return out


# ---- JAX's side: a chunk of cases in one compiled call ------------------------------------------


def _jax_run(idx: list, only: str | None = None) -> dict:
    """{case index: {stage: leaves or the exception JAX raised}} in one compiled call."""
    J = _J()
    refused: dict = {}

    def program(all_args):
        res = {}
        for k in idx:
            a, v = all_args[k]
            res[k] = {}
            for name, thunk in _stages(J, CASES[k]).items():
                if only is not None and name != only:
                    continue
                try:
                    res[k][name] = thunk(a, v)
                except Exception as e:  # noqa: BLE001 - JAX's refusal, kept for the report
                    refused[(k, name)] = e
                    if name == "value":
                        break
        return res

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = jax.jit(program)({k: (CASES[k].args, CASES[k].vmap_args or []) for k in idx})
    out = jax.tree_util.tree_map(np.asarray, out)
    for (k, name), e in refused.items():
        out[k][name] = e
    return out


@functools.cache
def _jax_chunk(start: int) -> dict:
    """JAX's stages of CHUNK cases from ``start``; where JAX fails only when compiling (an
    error in a transposition), case by case and then stage by stage."""
    idx = list(range(start, min(start + CHUNK, len(CASES))))
    try:
        return _jax_run(idx)
    except Exception:  # noqa: BLE001
        pass
    out = {}
    for k in idx:
        try:
            out.update(_jax_run([k]))
            continue
        except Exception:  # noqa: BLE001
            pass
        out[k] = {}
        for name in _stages(_J(), CASES[k]):
            try:
                out[k].update(_jax_run([k], name)[k])
            except Exception as e:  # noqa: BLE001
                out[k][name] = e
    return out


# ---- comparison ---------------------------------------------------------------------------------


def _tol(dt, stage):
    if np.dtype(dt) == np.float32:
        return 2e-5
    return 1e-10 if stage in ("value", "vmap") else 1e-8


def _compare(case, stage, got, want):
    got = [np.asarray(to_numpy(g)) for g in got]
    assert len(got) == len(want), (stage, len(got), len(want))
    for j, (g, w) in enumerate(zip(got, want, strict=True)):
        where = f"{case.op} {stage} leaf {j}: {case.desc}"
        assert g.shape == w.shape, f"{where}: shape {g.shape} != JAX's {w.shape}"
        if stage in ("value", "vmap") or stage.startswith("jit"):
            assert g.dtype == w.dtype, f"{where}: dtype {g.dtype} != JAX's {w.dtype}"
        if w.dtype.kind in "biu":
            np.testing.assert_array_equal(g, w, err_msg=where)
        else:
            t = _tol(w.dtype, stage)
            scale = max(1.0, float(np.max(np.abs(w[np.isfinite(w)]), initial=0.0)))
            np.testing.assert_allclose(g, w, rtol=t, atol=t * scale, err_msg=where)


def _host_leaves(out):
    return [np.asarray(to_numpy(x)) for x in _flat(out)]


def _fd(case, stage, got):
    """Where JAX has no (finite) derivative: gpuad's against central differences along a
    random direction (of the loss for a gradient, of every output for a JVP)."""
    f, a = functools.partial(case.fn, G), case.args
    if stage == "vmap_vjp":
        f, a = G.vmap(f, in_axes=case.vmap_axes), case.vmap_args
    r = np.random.default_rng(11)
    dirs = list(_tangents(case, a)) if stage == "jvp" else [
        r.standard_normal(np.shape(a[i])) for i in case.diff]

    def at(t):
        full = list(a)
        for i, d in zip(case.diff, dirs, strict=True):
            full[i] = a[i] + t * d
        return [y for y in _host_leaves(f(*full)) if _is_float(y.dtype)]

    if not all(np.isfinite(y).all() for y in at(0.0)):
        return  # an infinite value (an empty max) has no difference quotient
    h = 1e-6
    fd = [(p - m) / (2 * h) for p, m in zip(at(h), at(-h), strict=True)]
    if stage == "jvp":
        an = _host_leaves(got)
        pairs = list(zip(an, fd, strict=True))
    else:
        lhs = sum(float(np.sum(d * _ct(d.shape, k))) for k, d in enumerate(fd))
        rhs = sum(float(np.sum(g * d)) for g, d in zip(_host_leaves(got), dirs, strict=True))
        pairs = [(np.asarray(rhs), np.asarray(lhs))]
    for g, w in pairs:
        np.testing.assert_allclose(
            g, w, rtol=1e-5, atol=1e-5,
            err_msg=f"{case.op} {stage} (JAX has no finite derivative; central differences): "
                    f"{case.desc}")


def _refusal_ok(case, e: Exception) -> bool:
    msg = f"{type(e).__name__}: {e}"
    return any(op in (case.op, "*") and re.search(rx, msg) for op, rx in KNOWN_REFUSALS)


REPORT: dict = {"jax_refused": {}, "gpuad_refused": {}, "fd": 0}


@pytest.fixture(scope="module", autouse=True)
def _report():
    """With GPUAD_LAX_FUZZ_REPORT=1, what each side refused, printed after the run."""
    yield
    if os.environ.get("GPUAD_LAX_FUZZ_REPORT"):
        import sys

        for k, v in REPORT.items():
            print(f"\n{k}:", file=sys.stderr)
            for item, n in (v.items() if isinstance(v, dict) else [("checks", v)]):
                print(f"  {n:4d}  {item}", file=sys.stderr)


@pytest.mark.parametrize("k", range(len(CASES)))
def test_random_lax_case(k):
    case = CASES[k]
    ref = _jax_chunk(k - k % CHUNK)[k]
    if isinstance(ref.get("value"), Exception):
        try:
            case.fn(G, *case.args)
            accepted = "gpuad computes it"
        except Exception as e:  # noqa: BLE001
            accepted = f"gpuad raises {type(e).__name__}"
        key = (case.op, f"{type(ref['value']).__name__}: {str(ref['value'])[:80]}", accepted)
        REPORT["jax_refused"][key] = REPORT["jax_refused"].get(key, 0) + 1
        pytest.skip(f"JAX refuses the parameters: {ref['value']}")
    for stage, thunk in _stages(G, case).items():
        want = ref.get(stage)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                got = thunk(case.args, case.vmap_args)
        except Exception as e:  # noqa: BLE001
            if not _refusal_ok(case, e):
                raise AssertionError(
                    f"{case.op} {stage}: gpuad raised {type(e).__name__}: {e}"
                    + ("" if isinstance(want, Exception) else " where JAX computes it")
                    + f": {case.desc}"
                ) from e
            key = (case.op, stage)
            REPORT["gpuad_refused"][key] = REPORT["gpuad_refused"].get(key, 0) + 1
            if stage == "value":
                return
            continue
        if isinstance(want, Exception) and stage == "vmap":
            continue  # JAX cannot batch it
        if stage not in ("value", "vmap") and (
            isinstance(want, Exception)
            or not case.jax_derivative
            or case.finite_ref
            and not all(np.isfinite(w).all() for w in want if w.dtype.kind in "fc")
        ):
            if stage != "hvp" and case.smooth:
                _fd(case, stage, got)
                REPORT["fd"] += 1
            continue
        _compare(case, stage, got, want)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NaN sort keys
        _check_jit(case)


def _check_jit(case):
    """gpuad.jit of the value and of the gradient, traced on one draw and replayed on
    another: the eager numbers (compared with JAX's above) on both."""
    f = functools.partial(case.fn, G)
    runs = [("jit", lambda *a: _flat(f(*a)))]
    if case.diff:
        runs.append(("jit_vjp", lambda *a: list(G.grad(_loss(G, f), argnums=case.diff)(*a))))
    draws = [case.args] + ([case.args2] if case.args2 is not None else [])
    for stage, g in runs:
        try:
            wants = [[np.asarray(to_numpy(y)) for y in g(*a)] for a in draws]
        except Exception:  # noqa: BLE001 - refused eagerly too (checked above)
            continue
        jf = ad.jit(g)
        for k, (a, want) in enumerate(zip(draws, wants, strict=True)):
            try:
                got = jf(*a)
            except Exception as e:  # noqa: BLE001
                if not _refusal_ok(case, e):
                    raise AssertionError(
                        f"{case.op} {stage}: gpuad.jit raised {type(e).__name__}: {e} where "
                        f"the eager call computes it: {case.desc}"
                    ) from e
                key = (case.op, stage)
                REPORT["gpuad_refused"][key] = REPORT["gpuad_refused"].get(key, 0) + 1
                break
            _compare(case, stage + (" replay" if k else ""), got, want)
