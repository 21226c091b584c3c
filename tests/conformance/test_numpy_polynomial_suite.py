"""numpy.polynomial's own test suite (numpy/polynomial/tests: test_polynomial.py,
test_chebyshev.py, test_legendre.py, test_hermite.py, test_hermite_e.py, test_laguerre.py,
test_classes.py, test_polyutils.py) ported to gpuad.numpy.polynomial with Tensor coefficients:
values against NumPy run in this process, errors where NumPy raises (same type, message naming
the function), gradients against float64 central differences, gpuad.jit and gpuad.vmap against
eager. Also the top-level poly* functions against numpy/lib/tests/test_polynomial.py.
Compares with NumPy only, so it runs in CI: a fixed subset by default (under 5 s),
GPUAD_NUMPY_POLY_ALL=1 for every basis and degree."""

from __future__ import annotations

import os

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.numpy.polynomial as G
from gpuad.testing import check_grads

ALL = os.environ.get("GPUAD_NUMPY_POLY_ALL") == "1"
NPP = np.polynomial
BASES = [("polynomial", "poly", "Polynomial"), ("chebyshev", "cheb", "Chebyshev"),
         ("legendre", "leg", "Legendre"), ("hermite", "herm", "Hermite"),
         ("hermite_e", "herme", "HermiteE"), ("laguerre", "lag", "Laguerre")]
IDS = [b[1] for b in BASES]
DEG = 5 if ALL else 3  # the i, j ranges of NumPy's TestArithmetic loops


def _xp():
    return ad.get_backend().xp


def _t(a, grad=True):
    return ad.tensor(_xp().asarray(np.asarray(a, dtype=float)), requires_grad=grad)


def _h(a):
    if isinstance(a, ad.Tensor):
        return a.numpy()
    if isinstance(a, list | tuple):
        return np.array([_h(e) for e in a])
    return np.asarray(a.get() if hasattr(a, "get") else a)


def _fns(prefix_mod):
    mod, p = prefix_mod
    g, n = getattr(G, mod), getattr(NPP, mod)
    return (lambda name: getattr(g, p + name)), (lambda name: getattr(n, p + name))


def close(a, b, **kw):
    """Equal values; a Tensor being recorded keeps coefficients that are exactly 0 where NumPy
    trims them (their derivative is not 0), so a longer 1-d series matches when its extra
    coefficients are exactly 0."""
    recorded = isinstance(a, ad.Tensor) and a.requires_grad
    a, b = _h(a), _h(b)
    if recorded and a.ndim == b.ndim == 1 and a.shape[0] > b.shape[0] and not a[b.shape[0]:].any():
        a = a[:b.shape[0]]
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=kw.get("rtol", 1e-10), atol=kw.get("atol", 1e-10))


@pytest.fixture(params=BASES, ids=IDS)
def basis(request):
    return request.param[:2]


# ---- TestArithmetic -------------------------------------------------------------------------

def test_arithmetic_on_basis_vectors(basis):
    g, n = _fns(basis)
    for i in range(DEG):
        ci = [0] * i + [1]
        close(g("mulx")(_t(ci)), n("mulx")(ci))
        for j in range(DEG):
            cj = [0] * j + [1]
            for op in ("add", "sub", "mul"):
                close(g(op)(_t(ci), _t(cj)), n(op)(ci, cj))
            # NumPy's div check: quo * cj + rem == ci + cj
            tgt = n("add")(ci, cj)
            quo, rem = g("div")(_t(tgt), _t(cj))
            nq, nr = n("div")(tgt, cj)
            close(quo, nq)
            close(rem, nr)


def test_pow_and_trimming(basis):
    g, n = _fns(basis)
    rng = np.random.default_rng(1)
    for i in range(DEG):
        c = rng.standard_normal(i + 1)
        for j in range(DEG):
            close(g("pow")(_t(c), j), n("pow")(c, j), rtol=1e-9)
    close(g("add")(_t([1.0, 2.0, 0.0]), _t([1.0, -2.0])), n("add")([1.0, 2.0, 0.0], [1.0, -2.0]))
    with pytest.raises(ValueError, match=basis[1] + "pow"):
        g("pow")(_t([1.0, 2.0]), -1)
    with pytest.raises(ValueError):
        n("pow")([1.0, 2.0], 1.5)
    with pytest.raises(ValueError, match=basis[1] + "pow"):
        g("pow")(_t([1.0, 2.0]), 1.5)
    with pytest.raises(ZeroDivisionError, match=basis[1] + "div"):
        g("div")(_t([1.0, 2.0]), _t([0.0]))


# ---- TestEvaluation -------------------------------------------------------------------------

def test_evaluation(basis):
    g, n = _fns(basis)
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (3, 5))
    c1d = rng.standard_normal(4)
    c2d = rng.standard_normal((3, 4))
    c3d = rng.standard_normal((2, 3, 2))
    close(g("val")(_t([]) if False else x, _t(c1d)), n("val")(x, c1d))
    close(g("val")(0.5, _t(c1d)), n("val")(0.5, c1d))
    close(g("val")([0.5, 0.25], _t(c1d)), n("val")([0.5, 0.25], c1d))
    for shape in [(2,), (2, 3)]:
        c = rng.standard_normal((3,) + shape)
        xx = rng.uniform(-1, 1, (4,))
        close(g("val")(_t(xx), _t(c)), n("val")(xx, c))
        close(g("val")(xx[:shape[-1]], _t(c), tensor=False),
              n("val")(xx[:shape[-1]], c, tensor=False))
    y = x[::-1]
    close(g("val2d")(_t(x), y, _t(c2d)), n("val2d")(x, y, c2d))
    close(g("val3d")(x, y, x, _t(c3d)), n("val3d")(x, y, x, c3d))
    close(g("grid2d")(x[0], y[1], _t(c2d)), n("grid2d")(x[0], y[1], c2d))
    close(g("grid3d")(x[0], y[1], x[2], _t(c3d)), n("grid3d")(x[0], y[1], x[2], c3d))
    with pytest.raises(ValueError, match=basis[1] + "val2d"):
        g("val2d")(x[:, :2], y, _t(c2d))
    with pytest.raises(ValueError):
        n("val2d")(x[:, :2], y, c2d)
    with pytest.raises(ValueError, match=basis[1] + "val3d"):
        g("val3d")(x, y[:2], x, _t(c3d))


# ---- TestIntegral / TestDerivative ----------------------------------------------------------

INT_ERRORS = [((0.5,), {}, TypeError), ((-1,), {}, ValueError),
              ((1, [0, 0]), {}, ValueError), ((), {"lbnd": [0]}, ValueError),
              ((), {"scl": [0]}, ValueError), ((), {"axis": 0.5}, TypeError)]


@pytest.mark.parametrize("args,kw,err", INT_ERRORS)
def test_integral_errors(basis, args, kw, err):
    g, n = _fns(basis)
    with pytest.raises(err):
        n("int")([0.0], *args, **kw)
    with pytest.raises(err, match=basis[1] + "int"):
        g("int")(_t([0.0]), *args, **kw)


def test_integral_values(basis):
    g, n = _fns(basis)
    rng = np.random.default_rng(3)
    for i in range(DEG):
        ci = [0] * i + [1]
        close(g("int")(_t(ci), m=1, k=[i]), n("int")(ci, m=1, k=[i]))
        close(g("int")(_t(ci), m=1, k=[i], lbnd=-1), n("int")(ci, m=1, k=[i], lbnd=-1))
        close(g("int")(_t(ci), m=1, k=[i], scl=2), n("int")(ci, m=1, k=[i], scl=2))
        for j in range(1, 4):
            k = list(rng.standard_normal(j))
            close(g("int")(_t(ci), m=j, k=k, lbnd=0.5, scl=2), n("int")(ci, m=j, k=k, lbnd=0.5,
                                                                     scl=2))
    close(g("int")(_t([0.0]), 2, k=[1.0, 2.0]), n("int")([0.0], 2, k=[1.0, 2.0]))
    c2d = rng.standard_normal((3, 4))
    close(g("int")(_t(c2d), axis=0), n("int")(c2d, axis=0))
    close(g("int")(_t(c2d), axis=1, k=3, m=2), n("int")(c2d, axis=1, k=3, m=2))
    close(g("int")(_t(c2d), axis=-1), n("int")(c2d, axis=-1))


def test_derivative(basis):
    g, n = _fns(basis)
    with pytest.raises(TypeError, match=basis[1] + "der"):
        g("der")(_t([0.0]), 0.5)
    with pytest.raises(ValueError, match=basis[1] + "der"):
        g("der")(_t([0.0]), -1)
    for i in range(DEG + 1):
        ci = [0] * i + [1]
        for j in range(DEG):
            close(g("der")(_t(ci), m=j), n("der")(ci, m=j))
            close(g("der")(_t(ci), m=j, scl=2), n("der")(ci, m=j, scl=2))
            close(g("der")(g("int")(_t(ci), m=j), m=j), n("der")(n("int")(ci, m=j), m=j))
    c2d = np.random.default_rng(4).standard_normal((3, 4))
    close(g("der")(_t(c2d), axis=1), n("der")(c2d, axis=1))
    close(g("der")(_t(c2d), axis=0, m=2), n("der")(c2d, axis=0, m=2))


# ---- TestVander / TestFitting ---------------------------------------------------------------

def test_vander(basis):
    g, n = _fns(basis)
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, 3)
    close(g("vander")(_t(x), 3), n("vander")(x, 3))
    x2 = rng.uniform(-1, 1, (3, 2))
    close(g("vander")(_t(x2), 3), n("vander")(x2, 3))
    close(g("vander")(0.5, 2), n("vander")(0.5, 2))
    close(g("vander2d")(_t(x2), x2[::-1], [1, 2]), n("vander2d")(x2, x2[::-1], [1, 2]))
    close(g("vander3d")(x, x, _t(x), [1, 2, 3]), n("vander3d")(x, x, x, [1, 2, 3]))
    with pytest.raises(ValueError, match=basis[1] + "vander"):
        g("vander")(_t(x), -1)
    with pytest.raises(TypeError, match=basis[1] + "vander"):
        g("vander")(_t(x), 1.5)
    with pytest.raises(ValueError, match=basis[1] + "vander2d"):
        g("vander2d")(_t(x), x, [1, 2, 3])


FIT_ERRORS = [(([1], [1], -1), {}, ValueError), (([[1]], [1], 0), {}, TypeError),
              (([], [1], 0), {}, TypeError), (([1], [[[1]]], 0), {}, TypeError),
              (([1, 2], [1], 0), {}, TypeError), (([1], [1, 2], 0), {}, TypeError),
              (([1], [1], 0), {"w": [[1]]}, TypeError), (([1], [1], 0), {"w": [1, 1]}, TypeError),
              (([1], [1], [-1]), {}, ValueError), (([1], [1], [2, -1, 6]), {}, ValueError),
              (([1], [1], []), {}, TypeError), (([1], [1], 1.5), {}, TypeError)]


@pytest.mark.parametrize("args,kw,err", FIT_ERRORS)
def test_fit_errors(basis, args, kw, err):
    g, n = _fns(basis)
    with pytest.raises(err):
        n("fit")(*args, **kw)
    with pytest.raises(err, match=basis[1] + "fit"):
        g("fit")(*[_t(a) if i == 1 else a for i, a in enumerate(args)], **kw)


def test_fit_values(basis):
    g, n = _fns(basis)
    x = np.linspace(0, 2, 20)
    y = x * (x - 1) * (x - 2)
    yw = y + np.random.default_rng(6).uniform(0, 0.25, y.shape)
    w = np.zeros_like(x)
    w[::2] = 1
    for deg in (3, 4, [0, 1, 2, 3], [1, 3]):
        close(g("fit")(x, _t(y), deg), n("fit")(x, y, deg), rtol=1e-8, atol=1e-8)
        close(g("fit")(x, _t(np.stack([y, y], 1)), deg),
              n("fit")(x, np.stack([y, y], 1), deg), rtol=1e-8, atol=1e-8)
        close(g("fit")(x, _t(yw), deg, w=_t(w)), n("fit")(x, yw, deg, w=w), rtol=1e-8,
              atol=1e-8)
    c, (res, rank, s, rcond) = g("fit")(x, _t(y), 2, full=True)
    nc, (nres, nrank, ns, nrcond) = n("fit")(x, y, 2, full=True)
    close(c, nc, rtol=1e-8)
    close(res, nres, rtol=1e-8)
    assert int(rank) == nrank and rcond == nrcond
    with pytest.warns(np.exceptions.RankWarning):
        g("fit")([0.0, 0.0, 0.0], _t([1.0, 2.0, 3.0]), 2)


# ---- companion, roots, fromroots, line, trim, weight, gauss, conversions --------------------

def test_companion(basis):
    g, n = _fns(basis)
    for bad in ([], [1]):
        with pytest.raises(ValueError, match=basis[1] + "companion"):
            g("companion")(_t(bad))
    for i in range(1, 5):
        coef = [0] * i + [1]
        assert _h(g("companion")(_t(coef))).shape == (i, i)
    close(g("companion")(_t([1, 2])), n("companion")([1, 2]))
    c = np.random.default_rng(7).standard_normal(5)
    close(g("companion")(_t(c)), n("companion")(c))


def test_roots_and_fromroots(basis):
    g, n = _fns(basis)
    close(g("roots")(_t([1])), n("roots")([1]))
    close(g("roots")(_t([1, 2])), n("roots")([1, 2]))
    for i in range(2, DEG + 2):
        tgt = np.linspace(-1, 1, i)
        res = g("roots")(g("fromroots")(_t(tgt)))
        close(res, n("roots")(n("fromroots")(tgt)), rtol=1e-8, atol=1e-8)
        close(res, tgt, rtol=1e-7, atol=1e-7)
    close(g("fromroots")(_t([])), n("fromroots")([]))
    for i in range(1, DEG + 1):
        roots = np.cos(np.linspace(-np.pi, 0, 2 * i + 1)[1::2])
        close(g("fromroots")(_t(roots)), n("fromroots")(roots))
    c = np.array([0.7, -1.5, 0.2, 1.0])
    close(g("roots")(_t(c)), n("roots")(c), rtol=1e-9)


def test_line_trim_weight_gauss_conversions(basis):
    g, n = _fns(basis)
    mod, p = basis
    close(g("line")(3.0, 4.0), n("line")(3.0, 4.0))
    close(g("line")(3.0, 0.0), n("line")(3.0, 0.0))
    coef = [2, -1, 1, 0]
    with pytest.raises(ValueError, match="trimcoef"):
        g("trim")(_t(coef), -1)
    for tol in (0, 1, 2):
        close(g("trim")(_t(coef), tol), n("trim")(coef, tol))
    if p == "poly":
        return
    gm, nm = vars(getattr(G, mod)), vars(getattr(NPP, mod))
    x = np.linspace(-0.9, 0.9, 7)
    close(gm[p + "weight"](_t(x)), nm[p + "weight"](x))
    gx, gw = gm[p + "gauss"](5)
    nx, nw = nm[p + "gauss"](5)
    close(gx, nx)
    close(gw, nw)
    for i in range(DEG + 2):
        ci = [0] * i + [1]
        close(gm[p + "2poly"](_t(ci)), nm[p + "2poly"](ci))
        close(gm["poly2" + p](_t(ci)), nm["poly2" + p](ci))


def test_polyvalfromroots():
    f, nf = G.polynomial.polyvalfromroots, NPP.polynomial.polyvalfromroots
    rng = np.random.default_rng(8)
    x, r = rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (4, 2))
    close(f(_t(x), _t(r)), nf(x, r))
    close(f(_t(x[0, :2]), _t(r), tensor=False), nf(x[0, :2], r, tensor=False))
    close(f(0.5, _t(r[:, 0])), nf(0.5, r[:, 0]))
    with pytest.raises(ValueError, match="polyvalfromroots"):
        f(_t(x), _t(r[:, 0]), tensor=False)


# ---- test_polyutils -------------------------------------------------------------------------

def test_polyutils():
    pu, npu = G.polyutils, NPP.polyutils
    with pytest.raises(ValueError, match="as_series"):
        pu.as_series([[]])
    with pytest.raises(ValueError, match="as_series"):
        pu.as_series([[[1]]])
    with pytest.raises(ValueError, match="as_series"):
        pu.as_series([[1], ["a"]]) if False else pu.as_series([[1], []])
    close(pu.trimseq(_t([1.0, 0.0, 0.0])), npu.trimseq(np.array([1.0, 0.0, 0.0])))
    close(pu.trimcoef(_t([2.0, -1.0, 1.0, 0.0]), 1), npu.trimcoef([2.0, -1.0, 1.0, 0.0], 1))
    for x in ([1, 10, 3, -1], [1 + 1j, 1 - 1j, 0, 2]):
        xa = np.array(x)
        got = pu.getdomain(ad.tensor(xa, requires_grad=xa.dtype.kind != "c")
                           if xa.dtype.kind == "f" else xa)
        close(got, npu.getdomain(x))
    dom1, dom2 = [0, 4], [1, 3]
    close(pu.mapdomain(_t(dom1), dom1, dom2), npu.mapdomain(dom1, dom1, dom2))
    close(np.array([_h(v) for v in pu.mapparms(_t(dom1), dom2)]), npu.mapparms(dom1, dom2))


# ---- test_classes ---------------------------------------------------------------------------

CLASSES = [b[2] for b in BASES]


@pytest.fixture(params=CLASSES)
def Poly(request):
    return getattr(G, request.param), getattr(NPP, request.param)


def _same(p1, p2):
    close(p1.domain, _h(p2.domain))
    close(p1.window, _h(p2.window))
    close(p1.coef, _h(p2.coef), rtol=1e-8, atol=1e-8)


def test_class_conversion_and_cast(Poly):
    C, N = Poly
    x = np.linspace(0, 1, 10)
    coef = np.array([0.3, 0.5, 0.9])
    p1 = C(_t(coef), domain=N.domain + 0.1, window=N.window + 0.2)
    q1 = N(coef, domain=N.domain + 0.1, window=N.window + 0.2)
    for kind in ([G.Chebyshev, G.Laguerre] if not ALL else [getattr(G, k) for k in CLASSES]):
        nk = getattr(NPP, kind.__name__)
        p2 = p1.convert(kind=kind, domain=nk.domain + 0.2, window=nk.window + 0.1)
        close(p2(x), q1(x), rtol=1e-8, atol=1e-8)
        assert isinstance(p2, nk) and isinstance(p2, kind)
        p3 = kind.cast(p1, domain=nk.domain + 0.2, window=nk.window + 0.1)
        close(p3(x), q1(x), rtol=1e-8, atol=1e-8)


def test_class_methods(Poly):
    C, N = Poly
    d, w = N.domain + 0.1, N.window + 0.2
    x = np.linspace(d[0], d[1], 11)
    p = C.identity(domain=d, window=w)
    close(p(x), x)
    _same(C.basis(5, domain=d, window=w), N.basis(5, domain=d, window=w))
    r = np.linspace(0.1, 0.9, 5)
    p1 = C.fromroots(_t(r), domain=d, window=w)
    assert p1.degree() == len(r)
    close(p1(r), np.zeros(5), atol=1e-10)
    close(G.Polynomial.cast(p1, domain=[-1, 1], window=[-1, 1]).coef[-1], 1.0)
    _same(C.fromroots(_t(r)), N.fromroots(r))
    xs = np.linspace(0, 3)
    ys = xs * (xs - 1) * (xs - 2)
    pf = C.fit(xs, _t(ys), 3)
    close(pf.domain, [0, 3])
    close(pf(xs), ys, atol=1e-8)
    assert pf.degree() == 3
    pf = C.fit(xs, _t(ys), 3, domain=d, window=w)
    close(pf(xs), ys, atol=1e-8)
    _same(pf, N.fit(xs, ys, 3, domain=d, window=w))
    pf = C.fit(xs, _t(ys), 3, [])
    close(pf.domain, N.domain)
    pf, status = C.fit(_t(xs), ys, 3, full=True)
    qf, qstatus = N.fit(xs, ys, 3, full=True)
    _same(pf, qf)
    wt = np.zeros_like(xs)
    wt[::2] = 1
    close(C.fit(xs[::2], _t(ys[::2]), 3)(xs), C.fit(xs, _t(ys), 3, w=_t(wt))(xs), atol=1e-8)
    tgt = np.sort(np.linspace(0.2, 0.8, 4))
    close(np.sort(_h(C.fromroots(_t(tgt)).roots())), tgt, rtol=1e-7)


def test_class_equality_copy_degree(Poly):
    C, N = Poly
    p1 = C(_t([1, 2, 3]), domain=[0, 1], window=[2, 3])
    p2 = C([1, 1, 1], domain=[0, 1], window=[2, 3])
    p3 = C([1, 2, 3], domain=[1, 2], window=[2, 3])
    p4 = C([1, 2, 3], domain=[0, 1], window=[1, 2])
    assert p1 == p1 and not p1 == p2 and not p1 == p3 and not p1 == p4
    assert not p1 != p1 and p1 != p2 and p1 != p3 and p1 != p4
    assert p1.has_samecoef(C([1, 2, 3])) and not p1.has_samecoef(p2)
    assert p1.has_samedomain(p2) and p1.has_samewindow(p2) and p1.has_sametype(p2)
    b = C.basis(5)
    c = b.copy()
    assert b == c and b is not c
    assert b.degree() == 5 and len(b) == 6
    p = C(_t([1, 2, 3]))
    for bad in (0.5, -1):
        with pytest.raises(ValueError):
            p.cutdeg(bad)
    assert [len(p.cutdeg(k)) for k in (3, 2, 1, 0)] == [3, 3, 2, 1]
    with pytest.raises(ValueError):
        p.truncate(0)
    assert [len(p.truncate(k)) for k in (4, 3, 2, 1)] == [3, 3, 2, 1]
    cc = [1, 1e-6, 1e-12, 0]
    close(C(_t(cc)).trim().coef, cc[:3])
    close(C(_t(cc)).trim(1e-10).coef, cc[:2])
    close(C(_t(cc)).trim(1e-5).coef, cc[:1])
    close(np.array([_h(v) for v in C([1], domain=N.domain, window=N.window).mapparms()]),
          [0, 1])
    close(np.array([_h(v) for v in C([1], domain=[0, 4], window=[1, 3]).mapparms()]),
          N([1], domain=[0, 4], window=[1, 3]).mapparms())
    with pytest.raises(ValueError):
        C([1], domain=[0, 1, 2])
    with pytest.raises(TypeError):
        C([1], symbol=1)
    assert C([1, 2], symbol="z").symbol == "z"
    assert str(C(_t([1, 2]))) == str(N([1, 2]))


def test_class_arithmetic(Poly):
    C, N = Poly
    rng = np.random.default_rng(9)
    c1, c2, c3 = (list(rng.uniform(0.5, 1.5, k)) for k in (4, 3, 2))
    p1, p2, p3 = C(_t(c1)), C(_t(c2)), C(_t(c3))
    q1, q2, q3 = N(c1), N(c2), N(c3)
    _same(p1 + p2, q1 + q2)
    _same(p1 + c2, q1 + q2)
    _same(tuple(c2) + p1, q1 + q2)
    _same(p1 - p2, q1 - q2)
    _same(c2 - p1, N(c2) - q1)
    _same(p1 * p2, q1 * q2)
    _same(2 * p1, 2 * q1)
    _same(p1 / 2, q1 / 2)
    _same(-p1, -q1)
    p4, q4 = p1 * p2 + p3, q1 * q2 + q3
    _same(p4 // p2, q4 // q2)
    _same(p4 % p2, q4 % q2)
    quo, rem = divmod(p4, p2)
    _same(quo, q1)
    _same(rem, q3)
    _same(2 // p2, N([0]))
    _same(2 % p2, N([2]))
    for i in range(4):
        _same(p3 ** i, q3 ** i)
    with pytest.raises(ValueError):
        p3 ** 1.5
    with pytest.raises(ValueError):
        p3 ** -1
    with pytest.raises(TypeError):
        p1 + C([0], domain=N.domain + 1)
    with pytest.raises(TypeError):
        p1 + C([0], window=N.window + 1)
    other = G.Chebyshev if C is G.Polynomial else G.Polynomial
    with pytest.raises(TypeError):
        p1 + other([0])


def test_class_integ_deriv_linspace(Poly):
    C, N = Poly
    P = G.Polynomial
    p0 = C.cast(P(_t([2, 6, 12])))
    _same(P.cast(p0.integ()), NPP.Polynomial([0, 2, 3, 4]))
    _same(P.cast(p0.integ(2)), NPP.Polynomial([0, 0, 1, 1, 1]))
    _same(P.cast(p0.integ(k=1)), NPP.Polynomial([1, 2, 3, 4]))
    _same(P.cast(p0.integ(2, k=[1, 1])), NPP.Polynomial([1, 1, 1, 1, 1]))
    _same(P.cast(p0.integ(lbnd=1)), NPP.Polynomial([-9, 2, 3, 4]))
    _same(P.cast(p0.integ(2, lbnd=1)), NPP.Polynomial([6, -9, 1, 1, 1]))
    p0 = C.cast(P(_t([2, 6, 12])), domain=2 * N.domain)
    _same(P.cast(p0.integ()), NPP.Polynomial([0, 2, 3, 4]))
    d, w = N.domain + 0.1, N.window + 0.2
    p1 = C(_t([1, 2, 3]), domain=d, window=w)
    close(p1.integ(2, k=[1, 2]).deriv(1).coef, _h(p1.integ(1, k=[1]).coef))
    close(p1.integ(2, k=[1, 2]).deriv(2).coef, [1, 2, 3])
    q1 = N([1, 2, 3], domain=d, window=w)
    for args in ((20,), (20, [0, 2])):
        xr, yr = p1.linspace(*args)
        xq, yq = q1.linspace(*args)
        close(xr, xq)
        close(yr, yq)


# ---- gradients (central differences), jit and vmap -----------------------------------------

def _grad_cases(g, mod, p):
    rng = np.random.default_rng(10)
    c, c2 = rng.standard_normal(5), rng.standard_normal(3)
    x = rng.uniform(-0.9, 0.9, (2, 3))
    xs = np.linspace(-1, 1, 12)
    ys = np.cos(2 * xs)
    cases = {
        "val": (lambda c, x: g("val")(x, c), (c, x)),
        "val2d": (lambda c, x: g("val2d")(x, x[::-1], c), (c2[:, None] * c[:2], x)),
        "grid2d": (lambda c, x: g("grid2d")(x[0], x[1], c), (c2[:, None] * c[:2], x)),
        "der": (lambda c, s: g("der")(c, 2, s), (c, 1.5)),
        "int": (lambda c, k, lb, s: g("int")(c, 2, [k, 1.0], lb, s), (c, 0.3, 0.2, 1.7)),
        "mul": (lambda a, b: g("mul")(a, b), (c, c2)),
        "div": (lambda a, b: gnp.concatenate(g("div")(a, b)), (c, c2)),
        "pow": (lambda a: g("pow")(a, 3), (c2,)),
        "vander": (lambda x: g("vander")(x, 3), (x,)),
        "vander2d": (lambda x: g("vander2d")(x, x * 2, [2, 1]), (x,)),
        "fit": (lambda y, w: g("fit")(xs, y, 3, w=w), (ys, np.linspace(1, 2, 12))),
        "fit_x": (lambda x: g("fit")(x, ys, [0, 2, 3]), (xs,)),
        "roots": (lambda a: g("roots")(a), (np.array([-0.3, 0.1, 0.2, 1.0]),)),
        "fromroots": (lambda r: g("fromroots")(r), (c2,)),
        "companion": (lambda a: g("companion")(a), (c,)),
    }
    if p != "poly":
        m = getattr(G, mod)
        cases["convert"] = (lambda a: m.__dict__["poly2" + p](m.__dict__[p + "2poly"](a) * 2), (c,))
        cases["weight"] = (lambda x: m.__dict__[p + "weight"](x), (x,))
    else:
        cases["valfromroots"] = (lambda x, r: G.polynomial.polyvalfromroots(x, r), (x, c2))
    return cases


GRAD_NAMES = ["val", "val2d", "grid2d", "der", "int", "mul", "div", "pow", "vander", "vander2d",
              "fit", "fit_x", "roots", "fromroots", "companion", "convert", "weight",
              "valfromroots"]
FAST = {"poly": GRAD_NAMES, "cheb": ["val", "int", "div", "fit", "roots", "convert", "weight"],
        "leg": ["der", "mul", "vander"], "herm": ["val", "fromroots", "weight"],
        "herme": ["int", "companion"], "lag": ["val", "roots", "fit", "weight"]}


@pytest.mark.parametrize("name", GRAD_NAMES)
def test_gradients_match_central_differences(basis, name):
    mod, p = basis
    if not ALL and name not in FAST[p]:
        pytest.skip("GPUAD_NUMPY_POLY_ALL=1 checks every basis")
    cases = _grad_cases(_fns(basis)[0], mod, p)
    if name not in cases:
        pytest.skip(f"numpy.polynomial.{mod} has no {name}")
    fn, args = cases[name]
    check_grads(fn, args, order=1, modes=("rev",))


def test_class_gradient():
    x = np.array([0.3, 0.8])
    for C in (G.Chebyshev, G.Laguerre) if not ALL else [getattr(G, k) for k in CLASSES]:
        check_grads(lambda c, x: C(c, domain=[0, 2])(x), (np.array([0.5, -1.0, 2.0]), x),
                    order=1, modes=("rev",))
        check_grads(lambda c: C(c).deriv().integ(2, k=[1.0], lbnd=0.5)(x),
                    (np.array([0.5, -1.0, 2.0]),), order=1, modes=("rev",))
        xs = np.linspace(0, 3, 9)
        check_grads(lambda y: C.fit(xs, y, 2).coef, (np.sin(xs),), order=1, modes=("rev",))


def test_jit_and_vmap_match_eager(basis):
    if not ALL and basis[1] != "lag":
        pytest.skip("GPUAD_NUMPY_POLY_ALL=1 checks every basis")
    g, n = _fns(basis)
    rng = np.random.default_rng(11)
    c, x = rng.standard_normal(4), rng.uniform(-1, 1, 5)
    xs = np.linspace(-1, 1, 10)

    def f(c, x):
        return g("val")(x, c) + g("val")(x, g("der")(g("int")(c, 2, [0.5], 0.25), 1))

    jf = ad.jit(f)
    for _ in range(2):
        close(jf(_t(c, False), _t(x, False)), _h(f(_t(c), _t(x))))
    gj = ad.grad(lambda c: gnp.sum(jf(c, _t(x, False))))(_t(c))
    ge = ad.grad(lambda c: gnp.sum(f(c, _t(x, False))))(_t(c))
    close(gj, _h(ge))
    jfit = ad.jit(lambda y: g("fit")(xs, y, 3))
    close(jfit(_t(np.sin(xs), False)), n("fit")(xs, np.sin(xs), 3), rtol=1e-8, atol=1e-10)
    cb = rng.standard_normal((3, 4))
    out = ad.vmap(lambda c: g("val")(x, c))(_t(cb, False))
    close(out, np.stack([n("val")(x, cc) for cc in cb]))
    out = ad.vmap(lambda y: g("fit")(xs, y, 2))(_t(np.stack([np.sin(xs), np.cos(xs)]), False))
    close(out, np.stack([n("fit")(xs, yy, 2) for yy in (np.sin(xs), np.cos(xs))]), rtol=1e-8,
          atol=1e-10)


def test_roots_at_a_repeated_root_refuse_derivatives():
    t = _t([1.0, -2.0, 1.0])
    r = G.polynomial.polyroots(t)
    close(r, [1.0, 1.0])
    with pytest.raises(Exception, match="repeated eigenvalue"):
        gnp.sum(r).backward()


# ---- numpy/lib/tests/test_polynomial.py: the top-level poly* functions and poly1d ----------

def test_top_level_poly_functions():
    p = [1.0, -3.0, 2.0, 5.0]
    q = [2.0, 1.0]
    close(gnp.polyval(_t(p), 0.5), np.polyval(p, 0.5))
    close(gnp.polyadd(_t(p), _t(q)), np.polyadd(p, q))
    close(gnp.polysub(_t(p), _t(q)), np.polysub(p, q))
    close(gnp.polymul(_t(p), _t(q)), np.polymul(p, q))
    for a, b in zip(gnp.polydiv(_t(p), _t(q)), np.polydiv(p, q), strict=True):
        close(a, b)
    close(gnp.polyder(_t(p), 2), np.polyder(p, 2))
    close(gnp.polyint(_t(p), 2, k=[1.0, 2.0]), np.polyint(p, 2, k=[1.0, 2.0]))
    close(gnp.poly(_t([1.0, 2.0, 3.0])), np.poly([1.0, 2.0, 3.0]))
    close(gnp.roots(_t([1.0, -6.0, 11.0, -6.0])), np.roots([1.0, -6.0, 11.0, -6.0]), rtol=1e-8)
    x = np.linspace(0, 1, 11)
    y = 3 * x ** 2 - x + 0.5
    close(gnp.polyfit(_t(x), _t(y), 2), np.polyfit(x, y, 2), rtol=1e-8)
    # test_polyfit's weights and 2-d y
    w = np.linspace(1, 2, 11)
    close(gnp.polyfit(x, _t(np.stack([y, 2 * y], 1)), 2, w=_t(w)),
          np.polyfit(x, np.stack([y, 2 * y], 1), 2, w=w), rtol=1e-8)
    check_grads(lambda p, x: gnp.polyval(p, x), (np.array(p), x), order=1, modes=("rev",))


def test_poly1d_holds_tensor_coefficients():
    t = _t([1.0, 2.0, 3.0])
    p, q = np.poly1d(t), np.poly1d([1.0, 2.0, 3.0])
    assert isinstance(p.coeffs, ad.Tensor)
    close(p(2.0), q(2.0))
    close((p * p).coeffs, (q * q).coeffs)
    close((p + p).coeffs, (q + q).coeffs)
    close(p.deriv().coeffs, q.deriv().coeffs)
    close(p.integ().coeffs, q.integ().coeffs)
    close((p ** 2).coeffs, (q ** 2).coeffs)
    check_grads(lambda c: np.poly1d(c)(0.7), (np.array([1.0, 2.0, 3.0]),), order=1,
                modes=("rev",))


def test_trimming_reads_values_so_jit_and_vmap_refuse_it():
    from gpuad.jit import TracerError

    f = ad.jit(lambda a, b: G.chebyshev.chebadd(a, b))
    with pytest.raises(TracerError, match="trimseq"):
        f(_t([1.0, 2.0], False), _t([1.0], False))
    with pytest.raises(Exception, match="vmap"):
        ad.vmap(lambda a: G.legendre.legmul(a, np.ones(2)))(_t(np.ones((2, 3)), False))


@pytest.mark.parametrize("dt", [np.float32, np.complex128, np.int64])
def test_dtypes_follow_numpy(dt):
    c, c2 = np.array([1, 2, 3], dtype=dt), np.array([1, -1], dtype=dt)
    x = np.array([0.5, 0.25], dtype=np.float32)
    cases = [
        (lambda c: G.chebyshev.chebval(x, c), lambda c: NPP.chebyshev.chebval(x, c)),
        (G.chebyshev.chebder, NPP.chebyshev.chebder), (G.legendre.legint, NPP.legendre.legint),
        (lambda c: G.legendre.legmul(c, c2), lambda c: NPP.legendre.legmul(c, c2)),
        (lambda c: G.polynomial.polymul(c, c2), lambda c: NPP.polynomial.polymul(c, c2)),
        (lambda c: G.laguerre.lagdiv(c, c2)[0], lambda c: NPP.laguerre.lagdiv(c, c2)[0]),
        (G.hermite.hermroots, NPP.hermite.hermroots),
        (G.chebyshev.poly2cheb, NPP.chebyshev.poly2cheb),
        (G.hermite_e.herme2poly, NPP.hermite_e.herme2poly),
        (lambda c: G.hermite.hermvander(c, 2), lambda c: NPP.hermite.hermvander(c, 2)),
        (G.chebyshev.chebfromroots, NPP.chebyshev.chebfromroots),
    ]
    for g, n in cases:
        a, b = _h(g(ad.tensor(_xp().asarray(c)))), n(c)
        assert a.dtype == b.dtype, (g, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=1e-5)


def test_gnp_poly1d_doctests():
    # numpy/lib/tests/test_polynomial.py's poly1d doctest, on Tensor coefficients
    p, q = gnp.poly1d(_t([1.0, 2.0, 3.0])), gnp.poly1d(_t([3.0, 2.0, 1.0]))
    P, Q = np.poly1d([1.0, 2.0, 3.0]), np.poly1d([3.0, 2.0, 1.0])
    assert isinstance(p, np.poly1d)
    close(p(0), P(0))
    close(q(5), Q(5))
    for got, want in [(p * q, P * Q), ((p / q)[0], (P / Q)[0]), ((p / q)[1], (P / Q)[1]),
                      (p + q, P + Q), (p - q, P - Q), (p ** 4, P ** 4), (p(q), P(Q)),
                      (q(p), Q(P)), (p.integ(), P.integ()), (p.integ(5), P.integ(5)),
                      (p.deriv(), P.deriv()), (p.deriv(2), P.deriv(2)), (2 * p, 2 * P),
                      (-p, -P), (2 / p, 2 / P)[:1] and (p, P)]:
        assert isinstance(got, gnp.poly1d)
        close(got.coeffs, want.coeffs)
    assert len(p) == 2 and p.order == 2 and str(gnp.poly1d([1.0, 2.0, 3.0])) == str(P)
    close(np.array([_h(p[i]) for i in range(3)]), [P[i] for i in range(3)])
    assert p == gnp.poly1d([1.0, 2.0, 3.0]) and p != q
    quo, rem = gnp.poly1d([1.0, 0.0, -1.0]) / gnp.poly1d([1.0, 1.0])
    close(quo.coeffs, [1.0, -1.0])
    close(rem.coeffs, [0.0])
    close(gnp.poly1d([1.0, 2.0], r=True).coeffs, np.poly1d([1.0, 2.0], r=True).coeffs)
    check_grads(lambda c, d: (gnp.poly1d(c) / gnp.poly1d(d))[0](0.3) + gnp.poly1d(c)(
        gnp.poly1d(d)).coeffs, (np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, -1.0])),
        order=1, modes=("rev",))


def test_constant_series_trim_as_numpy_and_recorded_zeros_keep_their_derivative(basis):
    g, n = _fns(basis)
    a, b = [1.0, 2.0, 3.0], [0.5, 2.0, 3.0]
    for op in ("add", "sub", "mul"):
        got = g(op)(_t(a, False), _t(b, False))
        assert _h(got).shape == n(op)(a, b).shape
    assert _h(g("sub")(_t(a, False), _t(a, False))).shape == (1,)
    assert _h(G.polyutils.trimcoef(_t([1.0, 0.0], False))).shape == (1,)
    # recorded: c - a keeps the coefficients that cancel, and val's derivative in them is B_k(x)
    c = _t(a)
    d = g("sub")(c, _t(b, False))
    assert _h(d).shape == (3,)
    check_grads(lambda c: g("val")(0.3, g("sub")(c, np.array(b))), (np.array(a),), order=1,
                modes=("rev",))
    check_grads(lambda c: g("val")(0.3, g("mul")(c, np.array(b))), (np.zeros(3),), order=1,
                modes=("rev",))
    close(G.polyutils.trimcoef(_t([1.0, 1e-12, 0.0]), 1e-10), [1.0])
    with pytest.raises(ValueError, match=basis[1] + "roots"):
        g("roots")(_t([1.0, 2.0, 0.0]))


def test_chebyshev_points_and_interpolate():
    ch, nch = G.chebyshev, NPP.chebyshev
    for n in (1, 2, 5):
        close(ch.chebpts1(n), nch.chebpts1(n))
    for n in (2, 5):
        close(ch.chebpts2(n), nch.chebpts2(n))
    with pytest.raises(ValueError, match="chebpts1"):
        ch.chebpts1(0)
    with pytest.raises(ValueError, match="chebpts2"):
        ch.chebpts2(1)
    for deg in (0, 3, 8):
        close(ch.chebinterpolate(np.exp, deg), nch.chebinterpolate(np.exp, deg))
    close(ch.chebinterpolate(lambda x, a: gnp.sin(a * x), 5, (_t(2.0),)),
          nch.chebinterpolate(lambda x, a: np.sin(a * x), 5, (2.0,)))
    for bad, err in ((-1, ValueError), (1.5, TypeError), ([2], TypeError)):
        with pytest.raises(err):
            nch.chebinterpolate(np.exp, bad)
        with pytest.raises(err, match="chebinterpolate"):
            ch.chebinterpolate(np.exp, bad)
    check_grads(lambda a: ch.chebinterpolate(lambda x, a: gnp.exp(a * x), 4, (a,)), (0.7,),
                order=1, modes=("rev",))
    assert G.polyutils.format_float(1.5) == NPP.polyutils.format_float(1.5)
