"""Random calls of the functions gpuad.scipy shares with jax.scipy, for the keyword fuzzer
(tests/conformance/test_jax_scipy_kwargs_fuzz.py).

``SPECS`` maps a case name (``"special.gammaln"``, ``"linalg.eigh#generalized"``: the dotted
path below ``scipy``, then an optional variant) to a drawer ``draw(d) -> (args, kwargs)``
taking a :class:`Draw` (the one of the jax.numpy fuzzer). The call is
``<scipy module>.<path>(*args, **kwargs)`` unless ``CALLS`` holds ``(m, *args, **kwargs)``
for the case, where ``m.sp`` is the SciPy-like module (gpuad.scipy, jax.scipy or scipy) and
``m.np`` its NumPy (to put results in a form both sides define alike: eigenvector signs,
the unspecified triangle of ``cho_factor``). ``EDGE`` holds the cases whose inputs are domain
boundaries on purpose (0, 1, poles, inf, nan): there gradients are compared where both sides
are finite, the values everywhere.
"""

from __future__ import annotations

import numpy as np
from _jnp_kwargs_specs import Draw

__all__ = ["CALLS", "EDGE", "SPECS", "Draw"]

SPECS: dict = {}
CALLS: dict = {}
EDGE: set = set()


def spec(*names, call=None, edge=False):
    def deco(fn):
        for n in names:
            SPECS[n] = fn
            if call is not None:
                CALLS[n] = call
            if edge:
                EDGE.add(n)
        return fn
    return deco


def _f32(d, arrays, p=0.12):
    """The floating arrays all cast to float32 with probability ``p`` (a dtype check)."""
    if not d.coin(p):
        return arrays
    return [a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
            for a in arrays]


def _edge(d, a, values, p=0.35):
    """``a`` with some entries replaced by the boundary ``values``."""
    a = np.array(a, dtype=np.float64)
    if a.size:
        m = d.g.random(a.shape) < p
        a[m] = d.g.choice(np.asarray(values, dtype=np.float64), int(m.sum()))
    return d.layout(a)


# ---------------------------------------------------------------- special: elementwise

# name -> (interval of the arguments, one per argument; "i" marks an integer argument,
# boundary values for the edge variant, one list per argument)
_INF, _NAN = np.inf, np.nan
_SPECIAL = {
    "gammaln": ([(-3.5, 5.0)], [[0.0, -1.0, -2.0, _INF, -_INF, _NAN, 1e-300]]),
    "gamma": ([(-3.5, 5.0)], [[0.0, -1.0, -2.0, _INF, 171.7, 172.0]]),
    "gammasgn": ([(-3.5, 5.0)], [[0.0, -1.0, -2.5, _INF]]),
    "digamma": ([(-3.5, 5.0)], [[0.0, -1.0, -2.0, _INF, 1e-8]]),
    "erf": ([(-3.0, 3.0)], [[_INF, -_INF, 0.0, _NAN, 30.0]]),
    "erfc": ([(-3.0, 5.0)], [[_INF, -_INF, 0.0, 30.0]]),
    "erfcx": ([(-2.0, 8.0)], [[_INF, -_INF, 0.0, 1e5, -30.0]]),
    "erfinv": ([(-0.95, 0.95)], [[-1.0, 1.0, 0.0, 1.5, -1.5]]),
    "ndtr": ([(-5.0, 5.0)], [[_INF, -_INF, 0.0, -40.0]]),
    "log_ndtr": ([(-25.0, 6.0)], [[_INF, -_INF, 0.0, -40.0, 40.0, -1e5]]),
    "ndtri": ([(0.02, 0.98)], [[0.0, 1.0, -0.5, 1.5, 1e-300]]),
    "expit": ([(-6.0, 6.0)], [[_INF, -_INF, 800.0, -800.0]]),
    "logit": ([(0.02, 0.98)], [[0.0, 1.0, -0.5, 1.5]]),
    "i0": ([(-4.0, 4.0)], [[0.0, _INF, -_INF, 800.0]]),
    "i0e": ([(-4.0, 4.0)], [[0.0, _INF, -_INF, 800.0]]),
    "i1": ([(-4.0, 4.0)], [[0.0, _INF, -_INF, 800.0]]),
    "i1e": ([(-4.0, 4.0)], [[0.0, _INF, -_INF, 800.0]]),
    "entr": ([(0.05, 3.0)], [[0.0, -1.0, _INF]]),
    "spence": ([(0.05, 3.0)], [[0.0, 1.0, -1.0, _INF]]),
    "exp1": ([(0.05, 4.0)], [[0.0, -1.0, _INF, 800.0]]),
    "expi": ([(-4.0, 4.0)], [[0.0, _INF, -_INF, 800.0]]),
    "xlogy": ([(-2.0, 2.0), (0.05, 3.0)], [[0.0], [0.0, -1.0, _INF]]),
    "xlog1py": ([(-2.0, 2.0), (-0.9, 3.0)], [[0.0], [-1.0, -2.0, 0.0, _INF]]),
    "rel_entr": ([(0.05, 3.0), (0.05, 3.0)], [[0.0, -1.0], [0.0, -1.0]]),
    "kl_div": ([(0.05, 3.0), (0.05, 3.0)], [[0.0, -1.0], [0.0, -1.0]]),
    "beta": ([(0.2, 4.0), (0.2, 4.0)], [[0.0, -1.0, _INF], [0.0, -0.5]]),
    "betaln": ([(0.2, 4.0), (0.2, 4.0)], [[0.0, -1.0, _INF], [0.0, -0.5]]),
    "poch": ([(0.2, 4.0), (-1.5, 3.0)], [[0.0, -1.0], [0.0, -2.0]]),
    "gammainc": ([(0.2, 4.0), (0.05, 5.0)], [[0.0, -1.0, _INF], [0.0, -1.0, _INF]]),
    "gammaincc": ([(0.2, 4.0), (0.05, 5.0)], [[0.0, -1.0, _INF], [0.0, -1.0, _INF]]),
    "zeta": ([(1.1, 5.0), (0.2, 4.0)], [[1.0, 0.5, _INF], [0.0, -1.0, -1.5]]),
    "betainc": ([(0.3, 4.0), (0.3, 4.0), (0.02, 0.98)],
                [[0.0, -1.0], [0.0, -1.0], [0.0, 1.0, -0.5, 1.5]]),
    "hyp1f1": ([(0.5, 4.0), (0.5, 4.0), (-2.0, 3.0)], [[0.0], [0.0, -1.0], [0.0]]),
    "polygamma": (["i", (0.2, 5.0)], [[0], [0.0, -1.0, _INF]]),
    "expn": (["i", (0.1, 4.0)], [[0], [0.0, -1.0, _INF]]),
}


def _special(name, edge):
    ranges, bounds = _SPECIAL[name]

    def draw(d):
        shapes = d.bshapes(len(ranges))
        out = []
        for k, (r, s) in enumerate(zip(ranges, shapes, strict=True)):
            if r == "i":
                hi = 4 if name == "polygamma" else 5
                out.append(d.i(s, 0 if name == "polygamma" else 1, hi))
            elif d.coin(0.1) and r[0] > -1 and r[1] >= 2:  # integer input: promoted to float
                out.append(d.i(s, max(int(np.ceil(r[0])), 1), int(r[1])))
            elif edge:
                out.append(_edge(d, d.g.uniform(*r, s), bounds[k]))
            else:
                out.append(d.f(s, *r))
        return tuple(_f32(d, out, 0 if edge else 0.12)), {}
    return draw


for _n in _SPECIAL:
    SPECS[f"special.{_n}"] = _special(_n, False)
    SPECS[f"special.{_n}#edge"] = _special(_n, True)
    EDGE.add(f"special.{_n}#edge")


@spec("special.erf#complex")
def _(d):
    return (d.c(d.shape(), -1.5, 1.5),), {}


@spec("special.multigammaln")
def _(d):
    dd = d.r.randint(1, 4)
    a = d.f(d.shape(), 0.5 * (dd - 1) + 0.1, 5.0)
    return (a, dd), {}


def _where(d, shape):
    w = d.b(shape, 0.7)
    return w


@spec("special.logsumexp")
def _(d):
    shape = d.shape(0, 3)
    kw = {}
    if d.coin(0.7):
        kw["axis"] = d.axis(len(shape))
    if d.coin(0.3):
        kw["keepdims"] = True
    sign = d.coin(0.35)
    if sign:
        kw["return_sign"] = True
    a = d.f(shape, -3, 3)
    if d.coin(0.5):
        bs = d.bshapes(1, 0, len(shape))[0]
        bs = tuple(1 if d.coin(0.3) else n for n in shape[len(shape) - len(bs):])
        kw["b"] = d.f(bs, -1.0 if sign else 0.1, 2.0)
    if d.coin(0.1):
        a = a.astype(np.float32)
    return (a,), kw


@spec("special.logsumexp#where")
def _(d):
    shape = d.shape(1, 3)
    kw = {"where": _where(d, shape)}
    if d.coin(0.7):
        kw["axis"] = d.axis(len(shape))
    if d.coin(0.3):
        kw["keepdims"] = True
    if d.coin(0.3):
        kw["return_sign"] = True
    if d.coin(0.4):
        kw["b"] = d.f(shape, -1.0 if kw.get("return_sign") else 0.1, 2.0)
    return (d.f(shape, -3, 3),), kw


@spec("special.logsumexp#edge", edge=True)
def _(d):
    shape = d.shape(1, 3)
    kw = {"axis": d.axis(len(shape))}
    if d.coin(0.5):
        kw["b"] = _edge(d, d.g.uniform(0.1, 2.0, shape), [0.0, -1.0])
        kw["return_sign"] = d.coin(0.5)
    return (_edge(d, d.g.uniform(-3, 3, shape), [_INF, -_INF, _NAN, 800.0]),), kw


@spec("special.softmax", "special.log_softmax")
def _(d):
    shape = d.shape(0, 3)
    kw = {"axis": d.axis(len(shape))} if d.coin(0.8) else {}
    return tuple(_f32(d, [d.f(shape, -4, 4)])), kw


@spec("special.softmax#edge", "special.log_softmax#edge", edge=True)
def _(d):
    shape = d.shape(1, 3)
    return (_edge(d, d.g.uniform(-3, 3, shape), [-_INF, _INF, 800.0], 0.2),), {
        "axis": d.axis(len(shape))}


# ---------------------------------------------------------------- stats

_UNIT = (0.02, 0.98)
# distribution -> (the x interval, shape parameter intervals, has loc/scale, functions)
_DISTS = {
    "norm": ((-3.0, 3.0), [], True, ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    "beta": ((0.02, 0.98), [(0.4, 4.0), (0.4, 4.0)], True,
             ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    "gamma": ((0.05, 6.0), [(0.4, 5.0)], True, ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    "chi2": ((0.05, 8.0), [(0.5, 6.0)], True, ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    "t": ((-4.0, 4.0), [(0.5, 8.0)], True, ["logpdf", "pdf"]),
    "poisson": ((0, 8), [(0.2, 6.0)], False, ["logpmf", "pmf", "cdf"]),
}
_DIST_EDGES = {"norm": [_INF, -_INF, 0.0], "beta": [0.0, 1.0, -0.5, 1.5],
               "gamma": [0.0, -1.0, _INF], "chi2": [0.0, -1.0, _INF],
               "t": [_INF, -_INF, 0.0], "poisson": [-1.0, 0.0, 2.5, _INF]}


def _dist(dist, fn, edge):
    xr, params, has_ls, _ = _DISTS[dist]

    def draw(d):
        n = 1 + len(params) + (2 if has_ls else 1)
        shapes = d.bshapes(n)
        if dist == "poisson":
            x = d.i(shapes[0], -1, 9) if d.coin(0.5) else d.f(shapes[0], -1.0, 9.0)
            if d.coin(0.5):
                x = np.round(np.asarray(x, dtype=np.float64))
        else:
            x = d.f(shapes[0], *xr)
        if edge:
            x = _edge(d, x, _DIST_EDGES[dist])
        args = [x] + [d.f(s, *r) for s, r in zip(shapes[1:], params, strict=False)]
        if edge and params:
            args[1] = _edge(d, args[1], [0.0, -1.0], 0.15)
        kw = {}
        loc_s = shapes[1 + len(params)]
        if has_ls:
            scale_s = shapes[2 + len(params)]
            loc = d.f(loc_s, -0.5, 0.5) if dist not in ("beta", "gamma", "chi2") else \
                d.f(loc_s, -0.02, 0.02)
            scale = d.f(scale_s, 0.5, 2.0)
            if edge:
                scale = _edge(d, scale, [0.0, -1.0], 0.15)
            how = d.r.randrange(4)
            if how == 1:
                args.append(loc)
            elif how == 2:
                args += [loc, scale]
            elif how == 3:
                kw = {"scale": scale} if d.coin(0.5) else {"loc": loc, "scale": scale}
        elif d.coin(0.5):
            kw = {"loc": d.i(loc_s, -1, 2)}
        if d.coin(0.08) and params:  # a Python scalar shape parameter
            args[1] = float(d.g.uniform(*params[0]))
        return tuple(_f32(d, args, 0 if edge else 0.1)), kw
    return draw


for _d, (_xr, _p, _ls, _fns) in _DISTS.items():
    for _fn in _fns:
        SPECS[f"stats.{_d}.{_fn}"] = _dist(_d, _fn, False)
        SPECS[f"stats.{_d}.{_fn}#edge"] = _dist(_d, _fn, True)
        EDGE.add(f"stats.{_d}.{_fn}#edge")


@spec("stats.norm.ppf", "stats.norm.isf")
def _(d):
    s = d.bshapes(3)
    q = d.f(s[0], *_UNIT)
    args = [q]
    if d.coin(0.7):
        args += [d.f(s[1], -1, 1), d.f(s[2], 0.5, 2.0)]
    return tuple(_f32(d, args)), {}


@spec("stats.norm.ppf#edge", "stats.norm.isf#edge", edge=True)
def _(d):
    return (_edge(d, d.g.uniform(*_UNIT, d.shape(1, 2)), [0.0, 1.0, -0.5, 1.5]),), {}


@spec("stats.dirichlet.logpdf", "stats.dirichlet.pdf")
def _(d):
    k = d.r.randint(2, 4)
    alpha = d.f((k,), 0.5, 3.0)
    batch = d.shape(0, 2, zero=0.0)
    x = d.g.uniform(0.1, 1.0, (k,) + batch)
    x = x / x.sum(0)
    if d.coin(0.3):  # k - 1 coordinates: the last is implied
        x = x[:-1]
    return (d.layout(x), alpha), {}


@spec("stats.multivariate_normal.logpdf", "stats.multivariate_normal.pdf")
def _(d):
    k = d.r.randint(1, 3)
    m = d.g.standard_normal((k, k))
    cov = m @ m.T + k * np.eye(k)
    x = d.f(d.shape(0, 2, zero=0.0) + (k,))
    mean = d.f((k,))
    return (x, mean, cov), {}


# ---------------------------------------------------------------- linalg


def _mat(d, n, batch=(), kind="gen"):
    a = d.g.standard_normal(batch + (n, n))
    if kind == "spd":
        a = a @ np.swapaxes(a, -1, -2) + n * np.eye(n)
    elif kind == "sym":
        a = a + np.swapaxes(a, -1, -2)
    elif kind == "tri":
        a = a + 3 * np.eye(n) * np.sign(np.diagonal(a, 0, -2, -1)[..., None] + 1e-3)
    elif kind == "near_i":
        a = np.eye(n) + 0.3 * a
    return d.layout(a)


def _triangle_call(lower_pos):
    """Zero the triangle a function leaves unspecified (cho_factor's and lu's packed outputs)."""
    def call(m, *a, **k):
        out = m.sp.linalg.cho_factor(*a, **k)
        c, lower = out
        return m.np.tril(c) if lower else m.np.triu(c)
    return call


@spec("linalg.solve_triangular")
def _(d):
    n = d.r.randint(1, 4)
    a = _mat(d, n, kind="tri")
    b = d.f((n,) if d.coin(0.4) else (n, d.r.randint(1, 3)))
    kw = {}
    if d.coin(0.6):
        kw["trans"] = d.pick([0, 1, 2, "N", "T", "C"])
    if d.coin(0.6):
        kw["lower"] = d.coin()
    if d.coin(0.5):
        kw["unit_diagonal"] = d.coin()
    return tuple(_f32(d, [a, b], 0.08)), kw


@spec("linalg.solve_triangular#complex")
def _(d):
    n = d.r.randint(1, 3)
    a = _mat(d, n, kind="tri") + 1j * d.g.standard_normal((n, n))
    b = d.c((n, 2))
    return (a, b), {"trans": d.pick([0, 1, 2]), "lower": d.coin()}


@spec("linalg.cholesky")
def _(d):
    return (_mat(d, d.r.randint(1, 4), kind="spd"),), ({"lower": d.coin()} if d.coin(0.7)
                                                        else {})


@spec("linalg.cho_factor", call=_triangle_call(None))
def _(d):
    return (_mat(d, d.r.randint(1, 4), kind="spd"),), ({"lower": d.coin()} if d.coin(0.7)
                                                        else {})


def _cho_solve_call(m, a, b, lower=False):
    return m.sp.linalg.cho_solve(m.sp.linalg.cho_factor(a, lower=lower), b)


@spec("linalg.cho_solve", call=_cho_solve_call)
def _(d):
    n = d.r.randint(1, 4)
    b = d.f((n,) if d.coin(0.4) else (n, d.r.randint(1, 3)))
    return (_mat(d, n, kind="spd"), b), {"lower": d.coin()}


def _lu_call(m, a, **k):
    return m.sp.linalg.lu(a, **k)


@spec("linalg.lu")
def _(d):
    n = d.r.randint(1, 4)
    cols = n if d.coin(0.6) else d.r.randint(1, 4)
    a = d.f((n, cols))
    return (a,), ({"permute_l": d.coin()} if d.coin(0.6) else {})


@spec("linalg.lu_factor")
def _(d):
    return (_mat(d, d.r.randint(1, 4)),), {}


def _lu_solve_call(m, a, b, trans=0):
    return m.sp.linalg.lu_solve(m.sp.linalg.lu_factor(a), b, trans=trans)


@spec("linalg.lu_solve", call=_lu_solve_call)
def _(d):
    n = d.r.randint(1, 4)
    b = d.f((n,) if d.coin(0.4) else (n, d.r.randint(1, 3)))
    return (_mat(d, n, kind="tri"), b), ({"trans": d.pick([0, 1, 2])} if d.coin(0.7) else {})


@spec("linalg.det", "linalg.inv")
def _(d):
    batch = () if d.coin(0.6) else (d.r.randint(1, 3),)
    return tuple(_f32(d, [_mat(d, d.r.randint(1, 4), batch, kind="tri")], 0.08)), {}


@spec("linalg.solve")
def _(d):
    n = d.r.randint(1, 4)
    assume = d.pick(["gen", "sym", "her", "pos"]) if d.coin(0.6) else None
    a = _mat(d, n, kind="spd" if assume in ("pos", "sym", "her") else "tri")
    b = d.f((n,) if d.coin(0.4) else (n, d.r.randint(1, 3)))
    kw = {} if assume is None else {"assume_a": assume}
    if assume in ("pos", "sym", "her") and d.coin(0.5):
        kw["lower"] = d.coin()
    return (a, b), kw


def _eigh_call(m, a, b=None, **k):
    out = m.sp.linalg.eigh(a, b, **k)
    if k.get("eigvals_only"):
        return out
    w, v = out
    s = m.np.sign(m.np.sum(v, axis=-2, keepdims=True) + 1e-3)  # a sign convention
    return w, v * s


@spec("linalg.eigh", call=_eigh_call)
def _(d):
    n = d.r.randint(1, 4)
    a = _mat(d, n, kind="sym")
    kw = {}
    if d.coin(0.5):
        kw["lower"] = d.coin()
        if not kw["lower"]:  # the triangle not read must not matter
            a = a + np.tril(d.g.standard_normal((n, n)), -1)
        else:
            a = a + np.triu(d.g.standard_normal((n, n)), 1)
        a = d.layout(a)
    if d.coin(0.4):
        kw["eigvals_only"] = True
    return (a,), kw


@spec("linalg.eigh#generalized", call=_eigh_call)
def _(d):
    n = d.r.randint(1, 3)
    kw = {"eigvals_only": True} if d.coin(0.5) else {}
    if d.coin(0.4):
        kw["type"] = d.pick([1, 2, 3])
    return (_mat(d, n, kind="sym"), _mat(d, n, kind="spd")), kw


def _svd_call(m, a, **k):
    out = m.sp.linalg.svd(a, **k)
    if not k.get("compute_uv", True):
        return out
    u, s, vh = out
    r = min(a.shape[-2:])
    sg = m.np.sign(m.np.sum(u[..., :, :r], axis=-2) + 1e-3)
    # the singular vectors up to sign, reassembled with s
    return s, u[..., :, :r] * sg[..., None, :], vh[..., :r, :] * sg[..., :, None]


@spec("linalg.svd", call=_svd_call)
def _(d):
    a = d.f((d.r.randint(1, 4), d.r.randint(1, 4)))
    kw = {}
    if d.coin(0.5):
        kw["full_matrices"] = d.coin()
    if d.coin(0.3):
        kw["compute_uv"] = False
    return (a,), kw


def _qr_call(m, a, **k):
    out = m.sp.linalg.qr(a, **k)
    if k.get("mode") == "r":
        r = out[0]
        return r * m.np.sign(m.np.diagonal(r)[:, None] + 1e-300)
    q, r = out[0], out[1]
    kk = min(a.shape)
    sg = m.np.sign(m.np.diagonal(r) + 1e-300)
    return (q[:, :kk] * sg[None, :], r[:kk] * sg[:, None]) + tuple(out[2:])


@spec("linalg.qr", call=_qr_call)
def _(d):
    a = d.f((d.r.randint(1, 4), d.r.randint(1, 4)))
    kw = {}
    if d.coin(0.6):
        kw["mode"] = d.pick(["full", "economic", "r"])
    if d.coin(0.2):
        kw["pivoting"] = True
    return (a,), kw


@spec("linalg.polar")
def _(d):
    n = d.r.randint(1, 4)
    a = _mat(d, n, kind="tri") if d.coin(0.6) else d.f((n + d.r.randint(0, 2), n))
    return (a,), ({"side": d.pick(["left", "right"])} if d.coin(0.7) else {})


@spec("linalg.expm")
def _(d):
    n = d.r.randint(1, 4)
    batch = () if d.coin(0.7) else (2,)
    a = d.f(batch + (n, n), -1.0, 1.0)
    kw = {}
    if d.coin(0.3):
        a = d.layout(np.triu(a))
        kw["upper_triangular"] = True
    if d.coin(0.2):
        kw["max_squarings"] = d.pick([8, 16, 32])
    return tuple(_f32(d, [a], 0.08)), kw


@spec("linalg.expm_frechet")
def _(d):
    n = d.r.randint(1, 4)
    kw = {"compute_expm": d.coin()} if d.coin(0.6) else {}
    return (d.f((n, n), -1, 1), d.f((n, n), -1, 1)), kw


@spec("linalg.sqrtm")
def _(d):
    return (_mat(d, d.r.randint(1, 4), kind="near_i"),), {}


@spec("linalg.solve_sylvester")
def _(d):
    n, k = d.r.randint(1, 3), d.r.randint(1, 3)
    a = _mat(d, n, kind="near_i") * 2
    b = _mat(d, k, kind="near_i")
    return (a, b, d.f((n, k))), {}


@spec("linalg.block_diag")
def _(d):
    arrs = []
    for _ in range(d.r.randint(1, 3)):
        nd = d.r.randint(0, 2)
        arrs.append(d.x(tuple(d.r.randint(0 if nd == 2 else 1, 3) for _ in range(nd)), "fffi"))
    return tuple(arrs), {}


@spec("linalg.toeplitz", "linalg.hankel")
def _(d):
    c = d.x((d.r.randint(1, 4),), "fffi")
    if d.coin(0.5):
        return (c, d.x((d.r.randint(1, 4),), "fffi")), {}
    return (c,), {}


@spec("linalg.circulant")
def _(d):
    return (d.x((d.r.randint(1, 4),), "fffi"),), {}


# ---------------------------------------------------------------- signal


@spec("signal.convolve")
def _(d):
    nd = d.r.randint(1, 2)
    s1 = tuple(d.r.randint(1, 5) for _ in range(nd))
    s2 = tuple(d.r.randint(1, 4) for _ in range(nd))
    kw = {}
    mode = d.pick(["full", "same", "valid"]) if d.coin(0.8) else None
    if mode == "valid" and not all(a >= b for a, b in zip(s1, s2, strict=True)):
        s1, s2 = s2, s1
        if not all(a >= b for a, b in zip(s1, s2, strict=True)):
            s2 = s1
    if mode is not None:
        kw["mode"] = mode
    if d.coin(0.5):
        kw["method"] = d.pick(["auto", "direct", "fft"])
    return tuple(_f32(d, [d.x(s1, "fffi"), d.x(s2, "fffi")], 0.08)), kw


@spec("signal.correlate")
def _(d):
    args, kw = SPECS["signal.convolve"](d)
    if d.coin(0.15):
        args = (d.c(args[0].shape), d.c(args[1].shape))
    return args, kw


def _two_d(d):
    s1 = (d.r.randint(1, 5), d.r.randint(1, 5))
    s2 = (d.r.randint(1, 4), d.r.randint(1, 4))
    mode = d.pick(["full", "same", "valid"])
    if mode == "valid" and not (s1[0] >= s2[0] and s1[1] >= s2[1]):
        s2 = (min(s1[0], s2[0]), min(s1[1], s2[1]))
    kw = {"mode": mode} if d.coin(0.8) else {}
    if d.coin(0.2):
        kw["boundary"], kw["fillvalue"] = "fill", 0
    return (d.x(s1, "fffi"), d.x(s2, "fffi")), kw


SPECS["signal.convolve2d"] = SPECS["signal.correlate2d"] = _two_d


@spec("signal.fftconvolve")
def _(d):
    nd = d.r.randint(1, 2)
    s1 = tuple(d.r.randint(1, 5) for _ in range(nd))
    s2 = tuple(d.r.randint(1, 4) for _ in range(nd))
    mode = d.pick(["full", "same", "valid"])
    if mode == "valid":
        s2 = tuple(min(a, b) for a, b in zip(s1, s2, strict=True))
    kw = {"mode": mode}
    if d.coin(0.3):
        kw["axes"] = list(range(nd)) if d.coin() else [-1] * (nd == 1) or [1, 0]
    return (d.f(s1), d.f(s2)), kw


@spec("integrate.trapezoid")
def _(d):
    shape = d.shape(1, 3)
    ax = d.int_axis(len(shape))
    kw = {"axis": ax} if d.coin(0.7) else {}
    y = d.x(shape, "fffi")
    if d.coin(0.4):
        n = shape[ax if kw else -1]
        kw["x"] = d.sorted1d(n) if d.coin(0.6) else d.f(shape)
    elif d.coin(0.4):
        kw["dx"] = d.pick([0.5, 2.0, np.float64(1.5)])
    return (y,), kw


# ---------------------------------------------------------------- linalg: Schur family and
# special matrices (gpuad/linalg_schur.py, gpuad/linalg_special.py)


@spec("linalg.schur")
def _(d):
    n = d.r.randint(1, 4)
    a = d.f(((2,) if d.coin(0.2) else ()) + (n, n))
    return (a,), ({"output": d.pick(["real", "complex"])} if d.coin(0.7) else {})


@spec("linalg.hessenberg")
def _(d):
    n = d.r.randint(1, 4)
    return (d.f(((2,) if d.coin(0.2) else ()) + (n, n)),), ({"calc_q": d.coin()}
                                                             if d.coin(0.7) else {})


def _rsf2csf_args(d):
    import scipy.linalg as sl

    n = d.r.randint(1, 4)
    t, z = sl.schur(d.g.standard_normal((n, n)))
    return (d.layout(t), d.layout(z)), {}


spec("linalg.rsf2csf")(_rsf2csf_args)


def _funm_call(m, a, **k):
    return m.sp.linalg.funm(a, m.np.exp if k.pop("_f", 0) == 0 else m.np.sin, **k)


@spec("linalg.funm", call=_funm_call)
def _(d):
    kw = {"_f": d.pick([0, 1])}
    if d.coin(0.3):
        kw["disp"] = True
    return (d.f((d.r.randint(1, 4),) * 2),), kw


@spec("linalg.eigh_tridiagonal")
def _(d):
    n = d.r.randint(1, 5)
    kw = {"eigvals_only": True}
    if d.coin(0.3) and n > 1:
        lo = d.r.randint(0, n - 1)
        kw.update(select="i", select_range=(lo, d.r.randint(lo, n - 1)))
    return (d.f((n,)), d.f((n - 1,))), kw


@spec("linalg.qr_multiply")
def _(d):
    m, n = d.r.randint(1, 4), d.r.randint(1, 4)
    mode = d.pick(["left", "right"])
    k = min(m, n)
    c = d.f((k,) if d.coin(0.3) else (k, d.r.randint(1, 3))) if mode == "left" else \
        d.f((m,) if d.coin(0.3) else (d.r.randint(1, 3), m))
    kw = {"mode": mode}
    if d.coin(0.3):
        kw["conjugate"] = True
    return (d.f((m, n)), c), kw


@spec("linalg.companion", "linalg.fiedler_companion")
def _(d):
    a = d.f(((2,) if d.coin(0.2) else ()) + (d.r.randint(2, 5),))
    a[..., 0] = np.where(np.abs(a[..., 0]) < 0.3, 1.0, a[..., 0])
    return (a,), {}


@spec("linalg.fiedler")
def _(d):
    a = np.arange(float(d.r.randint(1, 5))) + d.f((1,), -0.3, 0.3)
    return (a,), {}


@spec("linalg.leslie")
def _(d):
    n = d.r.randint(2, 5)
    return (d.f((n,)), d.f((n - 1,))), {}


@spec("linalg.convolution_matrix")
def _(d):
    a = d.f(((2,) if d.coin(0.2) else ()) + (d.r.randint(1, 5),))
    return (a, d.r.randint(1, 5)), ({"mode": d.pick(["full", "same", "valid"])}
                                    if d.coin(0.8) else {})


def _as_float64(fn):
    return lambda m, *a, **k: m.np.asarray(getattr(m.sp.linalg, fn)(*a, **k),
                                           dtype=np.float64)


@spec("linalg.pascal", call=_as_float64("pascal"))
def _(d):
    return (d.r.randint(1, 7),), ({"kind": d.pick(["symmetric", "lower", "upper"])}
                                  if d.coin(0.7) else {})


@spec("linalg.invpascal", call=_as_float64("invpascal"))
def _(d):
    return SPECS["linalg.pascal"](d)


@spec("linalg.hilbert", "linalg.invhilbert")
def _(d):
    return (d.r.randint(1, 7),), {}


@spec("linalg.helmert")
def _(d):
    return (d.r.randint(1, 6),), ({"full": d.coin()} if d.coin(0.7) else {})


@spec("linalg.hadamard")
def _(d):
    return (d.pick([1, 2, 4, 8]),), ({"dtype": d.pick([int, np.float64])} if d.coin(0.5)
                                     else {})


@spec("linalg.dft")
def _(d):
    kw = {"scale": d.pick([None, "sqrtn", "n"])} if d.coin(0.7) else {}
    return (d.r.randint(1, 6),), kw


# ---------------------------------------------------------------- signal: spectral analysis


@spec("signal.detrend")
def _(d):
    shape = d.shape(1, 3, zero=0)
    ax = d.int_axis(len(shape))
    kw = {"axis": ax} if d.coin(0.7) else {}
    n = shape[ax if kw else -1]
    if d.coin(0.7):
        kw["type"] = d.pick(["linear", "constant"])
    if d.coin(0.3) and n > 2:
        kw["bp"] = sorted({d.r.randint(1, n - 1) for _ in range(d.r.randint(1, 2))})
    return (d.f(shape),), kw


def _spectral_kw(d, n):
    """nperseg (at most the signal's length n), noverlap, nfft, window and detrend."""
    kw = {}
    nper = d.r.randint(1, min(n, 8))
    if d.coin(0.8):
        kw["nperseg"] = nper
    else:
        nper = min(n, 256)
    if d.coin(0.4) and nper > 1:
        kw["noverlap"] = d.r.randint(0, nper - 1)
    if d.coin(0.3):
        kw["nfft"] = nper + d.r.randint(0, 3)
    if d.coin(0.3):
        kw["window"] = d.pick(["hann", "boxcar", "hamming"])
    if d.coin(0.3):
        kw["fs"] = d.pick([2.0, 0.5])
    return kw


def _signal_x(d):
    n = d.r.randint(4, 20)
    shape = (d.r.randint(1, 3), n) if d.coin(0.4) else (n,)
    return d.f(shape), n


@spec("signal.stft")
def _(d):
    x, n = _signal_x(d)
    kw = _spectral_kw(d, n)
    if d.coin(0.4):
        kw["boundary"] = d.pick(["zeros", "even", "odd", "constant", None])
    if d.coin(0.3):
        kw["padded"] = d.coin()
    if d.coin(0.3):
        kw["detrend"] = d.pick([False, "constant", "linear"])
    if d.coin(0.2):
        kw["return_onesided"] = False
    return (x,), kw


@spec("signal.welch")
def _(d):
    x, n = _signal_x(d)
    kw = _spectral_kw(d, n)
    if d.coin(0.3):
        kw["detrend"] = d.pick([False, "constant", "linear"])
    if d.coin(0.3):
        kw["scaling"] = d.pick(["density", "spectrum"])
    if d.coin(0.3):
        kw["average"] = d.pick(["mean", "median"])
    if d.coin(0.2):
        kw["return_onesided"] = False
    return (x,), kw


@spec("signal.csd")
def _(d):
    (x,), kw = SPECS["signal.welch"](d)
    return (x, d.f(x.shape)), kw


@spec("signal.istft")
def _(d):
    import scipy.signal as ss

    x, n = _signal_x(d)
    nper = d.r.randint(2, min(n, 8))
    kw = {"nperseg": nper}
    if d.coin(0.4):
        kw["noverlap"] = d.r.randint(1, nper - 1)
    onesided = d.coin(0.8)
    _, _, z = ss.stft(x, nperseg=nper, noverlap=kw.get("noverlap"), return_onesided=onesided)
    if not onesided:
        kw["input_onesided"] = False
    if d.coin(0.2):
        kw["boundary"] = False
    return (d.layout(z),), kw
