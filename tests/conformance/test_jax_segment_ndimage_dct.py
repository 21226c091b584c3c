"""gpuad.ops (segment_sum/prod/max/min), gpuad.scipy.ndimage.map_coordinates,
gpuad.scipy.interpolate.RegularGridInterpolator and gpuad.scipy.fft (dct, idct, dctn, idctn)
against JAX itself in float64: values to 1e-10 and vector-Jacobian products on random
cotangents, over random shapes, modes and arguments (ids out of range, ties, points on grid
lines and outside the grid, half-integer coordinates).

segment_prod is differentiated by JAX only with unique ids; with repeated ids its derivative is
compared with JAX's derivative of the same products written densely (jnp.prod of a mask).
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import jax.scipy.fft as jfft  # noqa: E402
import jax.scipy.interpolate as jinterp  # noqa: E402
import jax.scipy.ndimage as jndi  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.ops as gops  # noqa: E402
from gpuad.scipy import fft as gfft  # noqa: E402
from gpuad.scipy import interpolate as ginterp  # noqa: E402
from gpuad.scipy import ndimage as gndi  # noqa: E402

TOL = dict(rtol=1e-10, atol=1e-10)


def host(a):
    a = a.numpy() if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def close(a, b, what):
    np.testing.assert_allclose(host(a), np.asarray(b), err_msg=what, equal_nan=True, **TOL)


def compare_vjp(gf, jf, args, rng, what, argnums=None):
    """Values of ``gf`` and ``jf`` on ``args``, and their vjps on one random cotangent."""
    argnums = range(len(args)) if argnums is None else argnums
    fixed = list(args)

    def part(f):
        def g(*d):
            full = list(fixed)
            for k, v in zip(argnums, d, strict=True):
                full[k] = v
            return f(*full)
        return g

    diff = [args[k] for k in argnums]
    gout, gvjp = ad.vjp(part(gf), *diff)
    jout, jvjp = jax.vjp(part(jf), *[jax.tree.map(jnp.asarray, a) for a in diff])
    close(gout, jout, f"{what}: value")
    ct = rng.standard_normal(np.shape(jout))
    if np.iscomplexobj(np.asarray(jout)):
        ct = ct + 1j * rng.standard_normal(np.shape(jout))
    got, want = gvjp(ct), jvjp(jnp.asarray(ct))
    for k, (a, b) in enumerate(zip(got, want, strict=True)):
        # (complex inputs only meet real-linear maps with real coefficients here, where
        # gpuad's and JAX's cotangent conventions agree)
        for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
            close(x, y, f"{what}: vjp of argument {list(argnums)[k]}")


# ---- segment_sum / segment_prod / segment_max / segment_min ----

def _segment_case(rng):
    # few distinct shapes: JAX compiles each op once per shape
    n = [1, 6, 9][rng.integers(3)]
    trail = [(), (3, 2)][rng.integers(2)]
    s = [1, 4][rng.integers(2)]
    ids = rng.integers(-2, s + 2, n)
    data = rng.choice([-1.5, 0.0, 0.5, 2.0], size=(n,) + trail)  # ties, zeros
    data = data + (rng.uniform(size=data.shape) < 0.5) * rng.standard_normal(data.shape)
    mode = [None, "clip", "drop", "promise_in_bounds"][rng.integers(4)]
    if mode == "promise_in_bounds":
        ids = np.clip(ids, 0, s - 1)
    bucket = [None, None, 2, 3][rng.integers(4)]
    return data, ids, s, mode, bucket


@pytest.mark.parametrize("kind", ["sum", "max", "min", "prod"])
def test_segment_against_jax(kind):
    rng = np.random.default_rng(["sum", "max", "min", "prod"].index(kind))
    gfn, jfn = getattr(gops, f"segment_{kind}"), getattr(jax.ops, f"segment_{kind}")
    for trial in range(6):
        data, ids, s, mode, bucket = _segment_case(rng)
        what = f"segment_{kind} trial {trial} ids={ids} s={s} mode={mode} bucket={bucket}"
        kw = dict(num_segments=s, mode=mode, bucket_size=bucket)
        if kind != "prod":
            # JAX's scatter-max derivative counts the ties with the ids dropped, not clamped
            # (an id clamped into a segment makes it divide by zero): clamp them beforehand
            jids, jkw = (np.clip(ids, 0, s - 1), {**kw, "mode": None}) if mode == "clip" else \
                (ids, kw)
            compare_vjp(lambda d: gfn(d, ids, **kw), lambda d: jfn(d, jids, **jkw), (data,),
                        rng, what)
            continue
        close(gfn(data, ids, **kw), jfn(data, ids, **kw), what)
        ext = np.clip(ids, 0, s - 1) if mode == "clip" else ids
        mask = (ext[None, :] == np.arange(s)[:, None]).reshape((s, -1) + (1,) * (data.ndim - 1))

        def dense(d, mask=mask):
            return jnp.prod(jnp.where(mask, d[None], 1.0), axis=1)

        compare_vjp(lambda d: gfn(d, ids, **kw), dense, (data,), rng, what)
        perm = rng.permutation(s)[: min(s, len(ids))]
        uniq = dict(num_segments=s, unique_indices=True)
        compare_vjp(lambda d: gfn(d, perm, **uniq), lambda d: jfn(d, perm, **uniq),
                    (data[: len(perm)],), rng, what + " unique")


def test_segment_bool_data_as_jax():
    flags, ids = np.array([True, False, True, True, False]), np.array([0, 0, 1, 2, 4])
    for kind in ("sum", "prod", "max", "min"):
        gfn, jfn = getattr(gops, f"segment_{kind}"), getattr(jax.ops, f"segment_{kind}")
        try:
            want = np.asarray(jfn(jnp.asarray(flags), jnp.asarray(ids), 5))
        except TypeError:
            with pytest.raises(TypeError, match=f"segment_{kind}: data of dtype bool"):
                gfn(flags, ids, 5)
            continue
        got = gfn(flags, ids, 5)
        got = np.asarray(got.get() if hasattr(got, "get") else got)
        assert got.dtype == want.dtype, kind
        np.testing.assert_array_equal(got, want, err_msg=kind)


def test_segment_defaults_jit_and_errors():
    rng = np.random.default_rng(7)
    data, ids = rng.standard_normal((6, 2)), np.array([3, 0, 0, 5, -1, 3])
    for kind in ("sum", "prod", "max", "min"):
        close(getattr(gops, f"segment_{kind}")(data, ids),
              getattr(jax.ops, f"segment_{kind}")(data, ids), f"segment_{kind} default")
    gj = ad.jit(lambda d, i: gops.segment_max(d, i, num_segments=4))
    jj = jax.jit(lambda d, i: jax.ops.segment_max(d, i, num_segments=4))
    close(gj(data, ids), jj(data, ids), "segment_max under jit")
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(jax.ops.segment_sum)(data, ids)
    from gpuad.jit.trace import TracerError

    with pytest.raises(TracerError, match="segment_sum: num_segments=None"):
        ad.jit(gops.segment_sum)(data, ids)
    z = np.array([1 + 2j, 1 + 3j, 5j, 2 - 1j, 2 - 1j, np.inf])  # lexicographic order, ties
    zi = np.array([0, 0, 0, 1, 1, 3])
    for kind in ("max", "min"):
        compare_vjp(lambda d, k=kind: getattr(gops, f"segment_{k}")(d, zi, 4),
                    lambda d, k=kind: getattr(jax.ops, f"segment_{k}")(d, zi, 4), (z,), rng,
                    f"complex segment_{kind}")
    ints = np.array([4, -3, 7], dtype=np.int32)
    for kind in ("max", "min"):
        close(getattr(gops, f"segment_{kind}")(ints, np.array([0, 0, 2]), 4),
              getattr(jax.ops, f"segment_{kind}")(ints, np.array([0, 0, 2]), 4),
              f"segment_{kind} integer identity")


# ---- map_coordinates ----

def test_map_coordinates_against_jax():
    rng = np.random.default_rng(11)
    modes = ["constant", "nearest", "wrap", "mirror", "reflect"]
    cases = [((3, 4), order, mode) for order in (0, 1) for mode in modes]
    cases += [((5,), 1, modes[rng.integers(5)]), ((1, 3, 2), 1, modes[rng.integers(5)])]
    cval = 0.625  # one value: JAX compiles once per cval (a static argument)
    for trial, (shape, order, mode) in enumerate(cases):
        x = rng.standard_normal(shape)
        coords = []
        for size in shape:
            c = rng.uniform(-2.5, size + 1.5, (2, 3))
            c = np.where(rng.uniform(size=c.shape) < 0.3, np.round(2 * c) / 2, c)  # halves
            coords.append(c)
        what = f"map_coordinates trial {trial} shape={shape} order={order} mode={mode}"
        # JAX takes cval as a static argument (no derivative): gpuad's is checked in
        # tests/test_jax_segment_ndimage_dct.py
        compare_vjp(lambda a, c: gndi.map_coordinates(a, list(c), order, mode, cval),
                    lambda a, c: jndi.map_coordinates(a, list(c), order, mode, cval),
                    (x, tuple(coords)), rng, what)
    img = np.arange(12, dtype=np.int32).reshape(3, 4)
    c = [np.array([0.5, 1.5, 2.2]), np.array([1.5, 0.5, 3.7])]
    close(gndi.map_coordinates(img, c, 1), jndi.map_coordinates(img, c, 1), "integer input")


# ---- RegularGridInterpolator ----

def test_regular_grid_interpolator_against_jax():
    rng = np.random.default_rng(12)
    for trial in range(8):
        nd = int(rng.integers(1, 4))
        grid = tuple(np.sort(rng.choice(np.arange(-4.0, 6.0, 0.5), 3 + j % 2, replace=False))
                     for j in range(nd))
        extra = [(), (2,)][rng.integers(2)]
        values = rng.standard_normal(tuple(len(g) for g in grid) + extra)
        m = 5
        xi = np.stack([rng.uniform(g[0] - 1, g[-1] + 1, m) for g in grid], axis=-1)
        on = rng.uniform(size=xi.shape) < 0.3  # some coordinates on grid lines
        xi = np.where(on, np.stack([rng.choice(g, m) for g in grid], axis=-1), xi)
        method = ["linear", "nearest"][rng.integers(2)]
        fill = [np.nan, None, 0.75][rng.integers(3)]
        what = f"RegularGridInterpolator trial {trial} {method} fill={fill}"
        if fill is None or np.isnan(fill):
            compare_vjp(
                lambda g, v, p: ginterp.RegularGridInterpolator(g, v, method, False, fill)(p),
                lambda g, v, p: jinterp.RegularGridInterpolator(g, v, method, False, fill)(p),
                (grid, values, xi), rng, what)
        else:
            compare_vjp(
                lambda g, v, p, f: ginterp.RegularGridInterpolator(g, v, method, False, f)(p),
                lambda g, v, p, f: jinterp.RegularGridInterpolator(g, v, method, False, f)(p),
                (grid, values, xi, fill), rng, what)


# ---- dct / idct / dctn / idctn ----

def test_dct_against_jax():
    rng = np.random.default_rng(13)
    for trial in range(5):
        nd = int(rng.integers(1, 4))
        shape = ((5,), (3, 4), (2, 3, 4))[nd - 1]
        x = rng.standard_normal(shape)
        if rng.uniform() < 0.2:
            x = x + 1j * rng.standard_normal(shape)
        norm = [None, "ortho", "backward"][rng.integers(3)]
        axis = int(rng.integers(-nd, nd))
        n = [None, int(rng.integers(1, 8))][rng.integers(2)]
        for name in ("dct", "idct"):
            gf, jf = getattr(gfft, name), getattr(jfft, name)
            compare_vjp(lambda a: gf(a, n=n, axis=axis, norm=norm),
                        lambda a: jf(a, n=n, axis=axis, norm=norm), (x,), rng,
                        f"{name} trial {trial} shape={shape} n={n} axis={axis} norm={norm}")
        k = int(rng.integers(1, nd + 1))
        axes = [None, tuple(int(a) for a in rng.permutation(nd)[:k])][rng.integers(2)]
        s = [None, tuple(int(v) for v in rng.integers(1, 7, k))][rng.integers(2)]
        if axes is None and s is not None and rng.uniform() < 0.5:
            axes = None  # the last len(s) axes
        for name in ("dctn", "idctn"):
            gf, jf = getattr(gfft, name), getattr(jfft, name)
            compare_vjp(lambda a: gf(a, s=s, axes=axes, norm=norm),
                        lambda a: jf(a, s=s, axes=axes, norm=norm), (x,), rng,
                        f"{name} trial {trial} shape={shape} s={s} axes={axes} norm={norm}")
