"""``gpuad.lax``'s convolutions, windowed reductions and associative scan against
``jax.lax``'s in float64: values and vector-Jacobian products with respect to every input
over a table of strides, paddings (strings, pairs, negative pairs), dilations, groups and
layouts in 0 to 3 spatial dimensions; central differences where JAX has no gradient; the
errors for bad arguments; and a small JAX program (a CNN trained by SGD) run by both.

Each case is written once against a namespace ``L`` (``L.lax``, ``L.np`` and the reducers
``L.add``, ``L.max``, ``L.min``, ``L.mul``) and run with gpuad's and JAX's. JAX computes every
case of a table in one compiled call (compiling them one by one would take seconds).
"""

from __future__ import annotations

import functools
import operator
import types
from collections.abc import Iterable

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax
from gpuad.testing import check_grads

G = types.SimpleNamespace(
    lax=lax,
    np=gnp,
    add=gnp.add,
    max=gnp.maximum,
    min=gnp.minimum,
    mul=gnp.multiply,
    value_and_grad=ad.value_and_grad,
)


@functools.cache
def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return types.SimpleNamespace(
        lax=jax.lax,
        np=jax.numpy,
        add=jax.lax.add,
        max=jax.lax.max,
        min=jax.lax.min,
        mul=jax.lax.mul,
        value_and_grad=jax.value_and_grad,
        jit=jax.jit,
        vjp=jax.vjp,
        config=jax.config,
    )


@pytest.fixture(scope="module", autouse=True)
def _quick_xla():
    """XLA compiles JAX's side of these tiny cases without most optimisations (a third of
    the compile time; the values are the same)."""
    try:
        config = _jax().config
    except pytest.skip.Exception:
        yield
        return
    before = config.read("jax_disable_most_optimizations")
    config.update("jax_disable_most_optimizations", True)
    yield
    config.update("jax_disable_most_optimizations", before)


def _cotangent(shape):
    return np.cos(0.7 * np.arange(int(np.prod(shape))) + 0.3).reshape(shape)


def _jax_table(cases: dict, grads: Iterable[str] | None = None) -> dict:
    """JAX's value for every ``name: (program, args)`` and, for the names in ``grads`` (all by
    default), its vjp of ``_cotangent``: all in one compiled call."""
    J = _jax()
    fns = {name: program(J) for name, (program, _) in cases.items()}
    with_grads = set(cases if grads is None else grads)

    def run(all_args):
        out = {}
        for name, args in all_args.items():
            if name in with_grads:
                y, back = J.vjp(fns[name], *args)
                out[name] = (y, back(_cotangent(y.shape)))
            else:
                out[name] = (fns[name](*args), None)
        return out

    res = J.jit(run)({name: args for name, (_, args) in cases.items()})
    return {
        k: (np.asarray(y), None if gs is None else [np.asarray(g) for g in gs])
        for k, (y, gs) in res.items()
    }


def _check(cases, table, name, linear=True):
    """gpuad's value and vjp against JAX's. Where JAX's vjp was not computed: for a function
    ``linear`` in each argument (a convolution) exactly, ``<ct, f(.., v, ..)> ==
    <vjp_i(ct), v>`` for a random direction ``v`` of argument ``i``; else by central
    differences."""
    program, args = cases[name]
    f = program(G)
    want, want_grads = table[name]
    got = to_numpy(f(*args))
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    ct = _cotangent(want.shape)
    _, back = ad.vjp(f, *args)
    grads = back(ct)
    if want_grads is not None:
        for i, (a, b) in enumerate(zip(grads, want_grads, strict=True)):
            np.testing.assert_allclose(
                to_numpy(a), b, rtol=1e-10, atol=1e-12, err_msg=f"{name}: argument {i}"
            )
        return
    if not linear:
        check_grads(f, args, order=1, modes=("rev",))
        return
    rng = np.random.default_rng(7)
    for i, g in enumerate(grads):
        v = rng.normal(size=np.shape(args[i]))
        moved = list(args)
        moved[i] = v
        lhs = float(np.vdot(ct, to_numpy(f(*moved))))
        rhs = float(np.vdot(to_numpy(g), v))
        assert abs(lhs - rhs) <= 1e-10 * (1 + abs(lhs)), (name, i, lhs, rhs)


def _normal(seed, *shapes):
    rng = np.random.default_rng(seed)
    return tuple(rng.normal(size=s) for s in shapes)


# ---- conv_general_dilated and its wrappers -------------------------------------------------------

NHWC = ("NHWC", "HWIO", "NHWC")


def _cgd(**kw):
    def program(L):
        dn = kw.get("dimension_numbers")
        if isinstance(dn, list):  # ConvDimensionNumbers of the namespace's own type
            kw2 = dict(kw, dimension_numbers=L.lax.ConvDimensionNumbers(*dn))
        else:
            kw2 = kw
        return lambda a, b: L.lax.conv_general_dilated(a, b, **kw2)

    return program


CONV = {
    "1d_stride": (_cgd(window_strides=(2,), padding="VALID"), _normal(0, (2, 3, 7), (4, 3, 3))),
    "1d_same_rhs_dil": (
        _cgd(window_strides=(1,), padding="SAME", rhs_dilation=(2,)),
        _normal(1, (2, 3, 7), (4, 3, 3)),
    ),
    "1d_groups_neg_pad": (
        _cgd(window_strides=(1,), padding=[(2, -1)], feature_group_count=2),
        _normal(2, (1, 4, 6), (6, 2, 2)),
    ),
    "1d_batch_groups": (
        _cgd(window_strides=(2,), padding="SAME", batch_group_count=2),
        _normal(3, (4, 2, 5), (6, 2, 3)),
    ),
    "2d_same_lower": (
        _cgd(window_strides=(2, 3), padding="SAME_LOWER"),
        _normal(4, (2, 3, 7, 6), (4, 3, 3, 2)),
    ),
    "2d_neg_pads": (
        _cgd(window_strides=(1, 2), padding=[(1, -1), (-2, 2)]),
        _normal(5, (2, 3, 5, 6), (4, 3, 2, 3)),
    ),
    "2d_lhs_rhs_dil": (
        _cgd(
            window_strides=(1, 1),
            padding=[(2, 1), (1, 1)],
            lhs_dilation=(2, 1),
            rhs_dilation=(1, 2),
        ),
        _normal(6, (1, 2, 4, 5), (3, 2, 3, 2)),
    ),
    "2d_nhwc": (
        _cgd(window_strides=(2, 1), padding="SAME", dimension_numbers=NHWC),
        _normal(7, (2, 6, 5, 3), (3, 2, 3, 4)),
    ),
    "2d_odd_layout_groups": (
        _cgd(
            window_strides=(1, 2),
            padding="VALID",
            feature_group_count=2,
            dimension_numbers=("NWHC", "WHIO", "CNHW"),
        ),
        _normal(8, (2, 4, 5, 6), (2, 2, 3, 4)),
    ),
    "2d_dimension_numbers_tuple": (
        _cgd(
            window_strides=(1, 1),
            padding="SAME",
            dimension_numbers=[(3, 0, 1, 2), (1, 0, 2, 3), (0, 1, 2, 3)],
        ),
        _normal(9, (3, 5, 4, 2), (3, 4, 2, 2)),
    ),
    "3d": (
        _cgd(window_strides=(1, 2, 1), padding=[(1, 0), (0, 1), (1, 1)], rhs_dilation=(1, 1, 2)),
        _normal(10, (1, 2, 4, 3, 5), (2, 2, 2, 2, 2)),
    ),
    "0d": (_cgd(window_strides=(), padding="VALID"), _normal(11, (3, 4), (5, 4))),
    "conv_with_general_padding": (
        lambda L: (
            lambda a, b: L.lax.conv_with_general_padding(
                a, b, (1, 1), [(1, 0), (-1, 2)], (1, 2), (2, 1)
            )
        ),
        _normal(13, (2, 3, 6, 5), (4, 3, 3, 2)),
    ),
    # conv_transpose: NHWC/HWIO by default (TensorFlow's layout)
    "transpose_same": (
        lambda L: lambda a, b: L.lax.conv_transpose(a, b, (2, 1), "SAME"),
        _normal(14, (2, 4, 3, 3), (3, 2, 3, 4)),
    ),
    "transpose_valid_dil": (
        lambda L: lambda a, b: L.lax.conv_transpose(a, b, (2, 1), "VALID", rhs_dilation=(1, 2)),
        _normal(15, (2, 4, 3, 3), (3, 2, 3, 4)),
    ),
    "transpose_pairs": (
        lambda L: lambda a, b: L.lax.conv_transpose(a, b, (2, 1), [(1, 2), (0, 1)]),
        _normal(16, (2, 4, 3, 3), (3, 2, 3, 4)),
    ),
    "transpose_kernel": (
        lambda L: lambda a, b: L.lax.conv_transpose(a, b, (2, 1), "SAME", transpose_kernel=True),
        _normal(17, (2, 4, 3, 3), (3, 2, 4, 3)),
    ),
    "transpose_consistent_padding": (
        lambda L: (
            lambda a, b: L.lax.conv_transpose(
                a, b, (2, 1), [(1, 0), (0, 1)], use_consistent_padding=True
            )
        ),
        _normal(18, (2, 4, 3, 3), (3, 2, 3, 4)),
    ),
    "transpose_1d": (
        lambda L: lambda a, b: L.lax.conv_transpose(a, b, (3,), "SAME"),
        _normal(19, (2, 4, 3), (3, 3, 2)),
    ),
}


# JAX's vjp for these (compiling every case's would take seconds); the others' vjps are
# checked by linearity in each argument
CONV_JAX_GRADS = ["1d_batch_groups", "2d_lhs_rhs_dil", "2d_odd_layout_groups"]


@pytest.fixture(scope="module")
def conv_table():
    return _jax_table(CONV, CONV_JAX_GRADS)


@pytest.mark.parametrize("name", list(CONV))
def test_conv_matches_jax(conv_table, backend, name):
    _check(CONV, conv_table, name)


def test_conv_central_differences(backend):
    """Second order, both modes, through lhs and rhs dilation, groups and negative padding."""
    x, w = _normal(20, (1, 4, 5), (4, 2, 2))

    def f(a, b):
        return lax.conv_general_dilated(
            a, b, (2,), [(1, -1)], lhs_dilation=(2,), rhs_dilation=(2,), feature_group_count=2
        )

    check_grads(f, (x, w), order=2, modes=("fwd", "rev"))


def test_dimension_numbers_and_pads():
    J = _jax()
    for dn in [None, NHWC, ("NCHW", "OIHW", "NHWC"), ("NWHC", "WHIO", "CNHW")]:
        got = lax.conv_dimension_numbers((2, 3, 4, 5), (3, 3, 3, 3), dn)
        assert tuple(got) == tuple(J.lax.conv_dimension_numbers((2, 3, 4, 5), (3, 3, 3, 3), dn))
    assert lax.conv_general_permutations(NHWC) == J.lax.conv_general_permutations(NHWC)
    for args in [((7, 6), (3, 4), (2, 3)), ((5,), (1,), (4,)), ((4, 4), (5, 2), (1, 1))]:
        for kind in ["VALID", "SAME", "SAME_LOWER"]:
            want = [tuple(p) for p in J.lax.padtype_to_pads(*args, kind)]
            assert lax.padtype_to_pads(*args, kind) == want


@pytest.mark.parametrize(
    "lhs_shape,rhs_shape,kw,err,words",
    [
        ((2, 3, 5), (4, 2, 3), dict(), ValueError, "input features"),
        ((2, 3, 5), (4, 3, 3, 1), dict(), ValueError, "same number"),
        ((2, 3, 5), (4, 3, 3), dict(padding=[(1, 1), (0, 0)]), ValueError, r"1 \(low, high\)"),
        ((2, 3, 5), (4, 3, 3), dict(window_strides=(1, 1)), ValueError, "window_strides"),
        ((2, 3, 5), (4, 3, 3), dict(padding="SAME", lhs_dilation=(2,)), ValueError, "lhs_dilation"),
        ((2, 3, 5), (4, 3, 3), dict(padding=[(-4, -2)]), ValueError, "crops"),
        (
            (2, 4, 5),
            (4, 2, 3),
            dict(feature_group_count=2, batch_group_count=2),
            ValueError,
            "at most one",
        ),
        ((3, 2, 5), (4, 2, 3), dict(batch_group_count=2), ValueError, "batch size 3"),
        ((2, 3, 5), (4, 3, 3), dict(padding="FULL"), ValueError, "SAME_LOWER"),
        ((2, 3, 5), (4, 3, 3), dict(dimension_numbers=("NCH", "OIW", "NCW")), TypeError, "spatial"),
    ],
)
def test_conv_errors(lhs_shape, rhs_shape, kw, err, words):
    x, w = np.ones(lhs_shape), np.ones(rhs_shape)
    kw = {"window_strides": (1,), "padding": "VALID", **kw}
    with pytest.raises(err, match=words):
        lax.conv_general_dilated(x, w, **kw)


def test_conv_kernel_larger_than_input_is_empty():
    J = _jax()
    x, w = np.ones((2, 3, 5)), np.ones((4, 3, 7))
    for s in (1, 2):
        want = J.lax.conv_general_dilated(x, w, (s,), "VALID")
        got = lax.conv_general_dilated(x, w, (s,), "VALID")
        assert np.shape(got) == want.shape == (2, 4, 0)


# ---- reduce_window ---------------------------------------------------------------------------

WINDOWS = [
    dict(window_dimensions=(2, 3), window_strides=(1, 2), padding="VALID"),
    dict(window_dimensions=(3, 2), window_strides=(2, 1), padding="SAME"),
    dict(window_dimensions=(2, 2), window_strides=(2, 2), padding="SAME_LOWER"),
    dict(window_dimensions=(2, 2), padding=[(1, 0), (0, 2)], base_dilation=(2, 1)),
]
# JAX's max and min have no vjp with negative padding: add only here (the max's values in
# test_reduce_window_where_jax_has_no_gradient)
NEGATIVE = [(1, -1), (-1, 2)]
_IDENTITY = {"add": 0.0, "max": -np.inf, "min": np.inf}


def _rw(kind, kw):
    return lambda L: lambda a: L.lax.reduce_window(a, _IDENTITY[kind], getattr(L, kind), **kw)


REDUCE = {
    f"{kind}_{i}": (_rw(kind, WINDOWS[i]), _normal(30 + i, (5, 6)))
    for kind, i in [("add", 3), ("max", 0), ("max", 1), ("max", 3), ("min", 2)]
}
REDUCE["add_negative_padding"] = (
    _rw("add", dict(window_dimensions=(1, 3), padding=NEGATIVE)),
    _normal(35, (5, 6)),
)
# ties: the adjoint goes to the first maximum of a window in row-major order, padding
# included (a window whose first maximum is -inf padding sends nothing back), as XLA's
REDUCE["max_ties"] = (
    lambda L: lambda a: L.lax.reduce_window(a, -np.inf, L.max, (2, 3), (1, 2), ((0, 1), (1, 1))),
    (np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [-np.inf, -np.inf, 1.0, 1.0, 0.0]]),),
)
REDUCE["min_ties_3d"] = (
    lambda L: lambda a: L.lax.reduce_window(a, np.inf, L.min, (2, 1, 2), (1, 1, 2), "SAME"),
    (np.round(np.random.default_rng(40).normal(size=(3, 2, 4))),),
)


@pytest.fixture(scope="module")
def reduce_table():
    return _jax_table(REDUCE)


@pytest.mark.parametrize("name", list(REDUCE))
def test_reduce_window_matches_jax(reduce_table, backend, name):
    _check(REDUCE, reduce_table, name)


def test_reduce_window_accepts_jax_reducers():
    J = _jax()
    x = _normal(41, (4, 5))[0]
    for g, j in [(gnp.maximum, J.lax.max), (operator.add, J.lax.add), (np.minimum, J.lax.min)]:
        a = to_numpy(lax.reduce_window(x, 0.0, g, (2, 2), (1, 1), "SAME"))
        b = to_numpy(lax.reduce_window(x, 0.0, j, (2, 2), (1, 1), "SAME"))
        np.testing.assert_array_equal(a, b)


def test_reduce_window_where_jax_has_no_gradient(backend):
    """lax.mul, a window dilation of a max, and an init_value that is not the identity: values
    as JAX's, gradients (JAX has none) by central differences, init_value included."""
    J = _jax()
    x = np.random.default_rng(6).uniform(0.5, 1.5, size=(4, 5))
    cases = [
        (1.0, "mul", dict(padding=[(1, 1), (0, 1)])),
        (-np.inf, "max", dict(padding="SAME", window_strides=(1, 1), window_dilation=(2, 1))),
        (0.5, "add", dict(padding=[(1, 0), (1, 1)], base_dilation=(1, 2))),
        (1.2, "max", dict(padding="VALID")),
        (2.0, "mul", dict(padding="VALID", window_strides=(2, 1))),
        (-np.inf, "max", dict(padding=[(1, -1), (-1, 1)], window_strides=(1, 1))),
    ]
    wants = J.jit(
        lambda x: [J.lax.reduce_window(x, i, getattr(J, k), (2, 2), **kw) for i, k, kw in cases]
    )(x)
    for (init, kind, kw), want in zip(cases, wants, strict=True):

        def f(a, i, kind=kind, kw=kw):
            return lax.reduce_window(a, i, getattr(G, kind), (2, 2), **kw)

        np.testing.assert_allclose(to_numpy(f(x, init)), np.asarray(want), rtol=1e-12)
        if np.isfinite(init):
            check_grads(f, (x, init), order=1, modes=("rev",))
        else:
            check_grads(lambda a, f=f, init=init: f(a, init), (x,), order=1, modes=("rev",))


def test_reduce_window_integers_and_errors():
    J = _jax()
    xi = np.arange(12, dtype=np.int32).reshape(3, 4)
    for kind, init in [("add", 0), ("max", np.iinfo(np.int32).min)]:
        got = to_numpy(
            lax.reduce_window(xi, np.int32(init), getattr(G, kind), (2, 2), (1, 1), "SAME")
        )
        want = np.asarray(
            J.lax.reduce_window(xi, np.int32(init), getattr(J, kind), (2, 2), (1, 1), "SAME")
        )
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    x = np.ones((3, 4))
    with pytest.raises(NotImplementedError, match="lax.add, lax.max, lax.min or lax.mul"):
        lax.reduce_window(x, 0.0, lambda a, b: a - b, (2, 2))
    with pytest.raises(ValueError, match="window_dimensions must have 2"):
        lax.reduce_window(x, 0.0, gnp.add, (2,))
    with pytest.raises(ValueError, match="init_value must be a scalar"):
        lax.reduce_window(x, np.zeros(2), gnp.add, (2, 2))
    with pytest.raises(TypeError, match="dtype float32"):
        lax.reduce_window(x, np.float32(0), gnp.add, (2, 2))
    with pytest.raises(NotImplementedError, match="one array operand"):
        lax.reduce_window((x, x), (0.0, 0.0), gnp.add, (2, 2))


# ---- associative_scan ------------------------------------------------------------------------


def _affine_scan(reverse, axis):
    """Composing affine maps ``x -> a x + b`` (a pytree combination), then a nonlinearity."""

    def program(L):
        def compose(p, q):
            return {"a": q["a"] * p["a"], "b": q["a"] * p["b"] + q["b"]}

        def f(a, b):
            out = L.lax.associative_scan(compose, {"a": a, "b": b}, reverse=reverse, axis=axis)
            return L.np.sin(out["a"]) + out["b"] ** 2

        return f

    return program


SCAN = {
    "matmul_7_reverse": (
        lambda L: lambda m: L.lax.associative_scan(L.np.matmul, m, reverse=True),
        _normal(50, (7, 2, 2)),
    ),
    "affine_6": (_affine_scan(False, -1), _normal(53, (3, 6), (3, 6))),
}


@pytest.fixture(scope="module")
def scan_table():
    return _jax_table(SCAN, ["matmul_7_reverse"])


@pytest.mark.parametrize("name", list(SCAN))
def test_associative_scan_matches_jax(scan_table, backend, name):
    _check(SCAN, scan_table, name, linear=False)


def test_conv_transpose_and_layout_errors():
    x, w = np.ones((1, 4, 2)), np.ones((2, 2, 3))
    with pytest.raises(ValueError, match="'SAME', 'VALID' or"):
        lax.conv_transpose(x, w, (2,), "SAME_LOWER")
    bad = lax.ConvDimensionNumbers((0, 1, 2, 3), (0, 1, 2), (0, 1, 2))
    with pytest.raises(ValueError, match="not permutations"):
        lax.conv_general_dilated(
            np.ones((1, 2, 3)), np.ones((1, 2, 2)), (1,), "VALID", dimension_numbers=bad
        )


def test_associative_scan_short_and_wrappers():
    """One element is returned as it is; ``lax.conv`` is ``conv_general_dilated`` with its
    defaults; ``preferred_element_type`` is the type computed in."""
    m = _normal(55, (1, 2, 2))[0]
    np.testing.assert_array_equal(to_numpy(lax.associative_scan(gnp.matmul, m)), m)
    x, w = _normal(56, (2, 3, 6, 5), (4, 3, 3, 2))
    np.testing.assert_array_equal(
        to_numpy(lax.conv(x, w, (2, 1), "SAME")),
        to_numpy(lax.conv_general_dilated(x, w, (2, 1), "SAME")),
    )
    # float32 operands computed and returned in float64, as JAX's preferred_element_type
    x32, w32 = gnp.asarray(x.astype(np.float32)), gnp.asarray(w.astype(np.float32))
    y = lax.conv(x32, w32, (1, 1), "VALID", preferred_element_type=np.float64)
    assert y.dtype == np.float64
    want = lax.conv(x.astype(np.float32).astype(np.float64), w.astype(np.float32), (1, 1), "VALID")
    np.testing.assert_allclose(to_numpy(y), to_numpy(want), rtol=1e-14)


def test_associative_scan_errors():
    with pytest.raises(ValueError, match="same length along axis 0"):
        lax.associative_scan(gnp.add, (np.ones(3), np.ones(4)))
    with pytest.raises(ValueError, match="out of range"):
        lax.associative_scan(gnp.add, np.ones(3), axis=1)
    with pytest.raises(TypeError, match="structure"):
        lax.associative_scan(lambda p, q: p[0] + q[0], (np.ones(3), np.ones(3)))


# ---- a JAX program: a small CNN (conv, max pool, dense) trained by SGD on random data --------


def cnn_init(seed=60):
    rng = np.random.default_rng(seed)
    return {
        "w1": 0.3 * rng.normal(size=(3, 3, 1, 4)),  # HWIO
        "b1": np.zeros(4),
        "w2": 0.3 * rng.normal(size=(2, 2, 4, 6)),
        "w3": 0.3 * rng.normal(size=(6 * 2 * 2, 3)),
    }


def cnn_loss(L, params, images, labels):
    dn = L.lax.conv_dimension_numbers(images.shape, params["w1"].shape, NHWC)
    h = L.lax.conv_general_dilated(images, params["w1"], (1, 1), "SAME", dimension_numbers=dn)
    h = L.np.maximum(h + params["b1"], 0.0)
    h = L.lax.reduce_window(h, -L.np.inf, L.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    h = L.lax.conv_general_dilated(
        h, params["w2"], (2, 2), [(1, 0), (1, 0)], rhs_dilation=(1, 1), dimension_numbers=dn
    )
    h = L.np.tanh(h).reshape(h.shape[0], -1)
    logits = h @ params["w3"]
    logp = logits - L.np.log(L.np.sum(L.np.exp(logits), axis=1, keepdims=True))
    return -L.np.mean(L.np.sum(logp * labels, axis=1))


def cnn_step(L, params, images, labels, lr=0.5):
    loss, g = L.value_and_grad(lambda p: cnn_loss(L, p, images, labels))(params)
    return loss, {k: params[k] - lr * g[k] for k in params}


def test_cnn_program_matches_jax(backend):
    """Three SGD steps: the losses step by step and the final parameters agree."""
    rng = np.random.default_rng(61)
    images = rng.normal(size=(4, 6, 6, 1))
    labels = np.eye(3)[rng.integers(0, 3, size=4)]
    J = _jax()
    jax_step = J.jit(lambda p: cnn_step(J, p, images, labels))
    want = cnn_init()
    params = ad.tree_map(gnp.asarray, want)  # on the backend's device
    x, y = gnp.asarray(images), gnp.asarray(labels)
    losses = []
    for _ in range(3):
        loss, params = cnn_step(G, params, x, y)
        want_loss, want = jax_step(want)
        np.testing.assert_allclose(float(loss), float(want_loss), rtol=1e-10)
        losses.append(float(loss))
    for k in params:
        np.testing.assert_allclose(to_numpy(params[k]), np.asarray(want[k]), rtol=1e-9, atol=1e-12)
    assert losses[-1] < losses[0]
