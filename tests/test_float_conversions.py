"""Conversions of a recorded Tensor to a Python number.

``float(t)``, ``complex(t)``, ``numpy.float64(t)``, ``t.item()`` and formatting are explicit
detaches: the number is a constant, as in PyTorch. A function written in C that converts its
argument with ``float()`` itself (``math.sin``, ``math.fsum``, ``cmath.exp``, ``numpy.fromiter``,
``array.array``, the ``statistics`` module) would silently compute a constant from a value
being differentiated: it raises ``TypeError`` naming the function and the gpuad function to use.
"""

from __future__ import annotations

import array
import cmath
import functools
import math
import operator
import re
import statistics

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

X = np.array([0.3, 0.7, 1.1])


def _xp(a):
    return ad.get_backend().xp.asarray(a)


def _text(info) -> str:
    # NumPy reports a failed float() inside np.fromiter as "setting an array element with a
    # sequence", raised from gpuad's error
    e = info.value
    return str(e) + " " + str(e.__cause__ or "")


# name in the message -> f(v), v of shape (3,); each converts a 0-d recorded Tensor
REFUSED = {
    "math.sin": lambda v: math.sin(gnp.sum(v)) * gnp.sum(v),
    "math.exp": lambda v: math.exp(v[0]) * gnp.sum(v),
    "math.sqrt": lambda v: math.sqrt(v[0]) * gnp.sum(v),
    "math.log": lambda v: math.log(v[0]) * gnp.sum(v),
    "math.pow": lambda v: math.pow(v[0], 2) * gnp.sum(v),
    "math.hypot": lambda v: math.hypot(v[0], 1.0) * gnp.sum(v),
    "math.atan2": lambda v: math.atan2(v[0], 1.0) * gnp.sum(v),
    "cmath.exp": lambda v: cmath.exp(v[0]).real * gnp.sum(v),
    "math.fsum": lambda v: math.fsum([v[0], v[1]]) * gnp.sum(v),
    "numpy.fromiter": lambda v: gnp.sum(v * np.fromiter(v, dtype=float)),
    "array.array": lambda v: array.array("d", [v[0], v[1]])[0] * gnp.sum(v),
    "statistics.fmean": lambda v: statistics.fmean([v[0], v[1]]) * gnp.sum(v),
    "statistics.NormalDist": lambda v: statistics.NormalDist(v[0], 1.0).pdf(0.5) * gnp.sum(v),
    "math.exp (given to sorted)": lambda v: sorted([v[0], v[1]], key=math.exp)[0] * gnp.sum(v),
    "math.sin (given to map)": lambda v: sum(list(map(math.sin, [v[0], v[1]]))) * gnp.sum(v),
    "math.sin (through functools.partial)":
        lambda v: functools.partial(math.sin)(v[0]) * gnp.sum(v),
}


def _fill(v):
    a = np.zeros(3)
    a.fill(v[0])
    return gnp.sum(v * a)


def _setitem(v):
    a = np.zeros(3)
    operator.setitem(a, 0, v[0])
    return gnp.sum(v * a)


def _in_comprehension(v):
    return sum([math.cos(u) for u in v]) * gnp.sum(v)


def _in_loop(v):
    s = 0.0
    for y in map(math.exp, [v[0]]):
        s += y
    return s * gnp.sum(v)


REFUSED["math.cos (in a list comprehension)"] = _in_comprehension
REFUSED["math.hypot (given to functools.reduce)"] = \
    lambda v: functools.reduce(math.hypot, [v[0], v[1]]) * gnp.sum(v)
REFUSED["numpy.ndarray.fill (written in C)"] = _fill  # other C functions: refused as well
REFUSED["operator.setitem (written in C)"] = _setitem
REFUSED["math.exp (map in a for loop)"] = _in_loop


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_silent_conversions_raise_naming_the_function(backend, name):
    fn = name.split(" ")[0]
    with pytest.raises((TypeError, ValueError)) as info:
        ad.grad(REFUSED[name])(_xp(X))
    msg = _text(info)
    assert re.search(re.escape(fn) + r"( \(written in C\))? converts its argument to a "
                     r"Python number", msg), msg
    assert "shape ()" in msg and "requires grad" in msg and "gpuad.stop_gradient(t)" in msg
    # the recorded ops before the failure are still usable
    g = ad.grad(lambda v: gnp.sum(gnp.sin(v)))(_xp(X))
    np.testing.assert_allclose(to_numpy(g), np.cos(X), rtol=1e-14)


@pytest.mark.parametrize("name", ["math.sin", "math.fsum", "array.array"])
def test_forward_mode_tangents_also_refused(backend, name):
    with pytest.raises((TypeError, ValueError)) as info:
        ad.jvp(REFUSED[name], (_xp(X),), (_xp(np.ones(3)),))
    msg = _text(info)
    assert name in msg and "carries forward-mode tangents" in msg, msg


def test_message_names_the_gpuad_function(backend):
    x = ad.tensor(_xp(X), requires_grad=True)
    s = gnp.sum(x)
    for f, instead in ((math.sin, "gpuad.numpy.sin"), (math.atan, "gpuad.numpy.arctan"),
                       (math.lgamma, "gpuad.scipy.special.gammaln"),
                       (math.fabs, "gpuad.numpy.abs")):
        with pytest.raises(TypeError, match=instead.replace(".", r"\.")):
            f(s)
    with pytest.raises(TypeError, match=r"math\.fsum .*gpuad\.numpy\.sum\(gnp\.stack"):
        math.fsum([x[0], x[1]])


def test_the_documented_silent_cases_are_refused(backend):
    # the derivative of sin was missing; the fromiter one came out [0, 1, 2] instead of [0, 2, 4]
    with pytest.raises(TypeError, match=r"math\.sin"):
        ad.grad(lambda x: math.sin(x.sum()) * x.sum())(_xp(np.arange(3.0)))
    with pytest.raises(ValueError) as info:
        ad.grad(lambda x: (x * np.fromiter(x, dtype=float)).sum())(_xp(np.arange(3.0)))
    assert "numpy.fromiter" in _text(info)
    with pytest.raises(TypeError, match=r"math\.fsum"):
        ad.grad(lambda x: math.fsum([x[0], x[1]]) * x.sum())(_xp(np.arange(3.0)))


# ---- what stays allowed ------------------------------------------------------------------------

# f(s) of a 0-d recorded Tensor s, with the number expected from the value 1.8
ALLOWED = {
    "float": (lambda s: float(s), 1.8),
    "complex": (lambda s: complex(s), 1.8 + 0j),
    "numpy.float64": (lambda s: np.float64(s), 1.8),
    "numpy.float32": (lambda s: np.float32(s), np.float32(1.8)),
    "numpy.complex128": (lambda s: np.complex128(s), np.complex128(1.8)),
    "item": (lambda s: s.item(), 1.8),
    "%-format": (lambda s: "%.3f" % s, "1.800"),  # noqa: UP031 (what is tested)
    "f-string of float": (lambda s: f"{float(s):.2f}", "1.80"),
    "math.floor": (lambda s: math.floor(s), 1),
    "math.ceil": (lambda s: math.ceil(s), 2),
    "math.isnan": (lambda s: math.isnan(s), False),
    "math.isinf": (lambda s: math.isinf(s), False),
    "math.isfinite": (lambda s: math.isfinite(s), True),
    "math.isclose": (lambda s: math.isclose(s, 1.8), True),
    "math of float()": (lambda s: math.exp(float(s)), math.exp(1.8)),
    "math of stop_gradient": (lambda s: math.exp(ad.stop_gradient(s)), math.exp(1.8)),
    "map(float)": (lambda s: list(map(float, [s, s])), [1.8, 1.8]),
    "sorted(key=float)": (lambda s: float(sorted([s, s * 2.0], key=float)[1]), 3.6),
    "reduce over map(float)":
        (lambda s: functools.reduce(operator.add, map(float, [s, s])), 3.6),
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_explicit_conversions_give_the_number(backend, name):
    f, want = ALLOWED[name]
    if backend == "cupy" and name in ("numpy.float32", "numpy.complex128"):
        # these read the Tensor through __array__, which copies no device array implicitly
        with pytest.raises(TypeError, match="GPU tensor"):
            f(gnp.sum(ad.tensor(_xp(X), requires_grad=True)))
        return
    got = []

    def loss(v):
        got.append(f(gnp.sum(v)))
        return gnp.sum(v * v)

    g = ad.grad(loss)(_xp(np.array([0.5, 1.3])))
    np.testing.assert_allclose(to_numpy(g), [1.0, 2.6], rtol=1e-14)
    assert type(got[0]) is type(want) or (isinstance(got[0], np.float64) and type(want) is float)
    if isinstance(want, str):
        assert got[0] == want
    else:
        np.testing.assert_allclose(got[0], want, rtol=1e-15)


def test_printing_before_and_after_backward(backend, capsys):
    x = ad.tensor(_xp(X), requires_grad=True)
    loss = gnp.sum(x * x)
    want = float(np.sum(X * X))
    for when in ("before", "after"):
        print(loss, f"{loss}", "%.4f" % loss, "loss %s" % (loss,), float(loss))  # noqa: UP031
        assert f"{want:.4f}" in capsys.readouterr().out
        assert float(loss) == pytest.approx(want, rel=1e-15)
        if when == "before":
            loss.backward()


def test_format_spec_formats_a_0d_tensor_as_its_number(backend):
    x = ad.tensor(_xp(X), requires_grad=True)
    loss = gnp.sum(x * x)
    want = float(np.sum(X * X))
    assert f"{loss:.4f}" == f"{want:.4f}" and format(loss, "10.2e") == format(want, "10.2e")
    assert f"{ad.tensor(_xp(np.array(7))):>4d}" == "   7"
    assert f"{x}" == str(x)
    with pytest.raises(TypeError, match=r"'\.2f' for a Tensor of shape \(3,\)"):
        f"{x:.2f}"
    loss.backward()  # formatting recorded nothing
    np.testing.assert_allclose(to_numpy(x.grad), 2 * X, rtol=1e-15)


def test_complex_of_a_0d_tensor_and_cmath_of_a_recorded_one(backend):
    z = ad.tensor(_xp(np.array(1.0 + 2.0j)), requires_grad=True)
    w = z * z
    assert complex(w) == (1.0 + 2.0j) ** 2 and complex(ad.tensor(_xp(np.array(1.5)))) == 1.5
    with pytest.raises(TypeError, match="cmath.exp converts its argument"):
        cmath.exp(w)
    assert cmath.exp(complex(w)) == cmath.exp((1.0 + 2.0j) ** 2)
    with pytest.raises(ad.jit.TracerError, match=r"complex\(\) of a traced value"):
        ad.jit(lambda x: x * complex(gnp.sum(x)).real)(_xp(X))


def test_untracked_and_no_grad_values_convert_freely(backend):
    s = gnp.sum(ad.tensor(_xp(X)))
    assert math.sin(s) == pytest.approx(math.sin(X.sum()), rel=1e-15)
    assert math.fsum([s, s]) == pytest.approx(2 * X.sum(), rel=1e-15)
    x = ad.tensor(_xp(X), requires_grad=True)
    with ad.no_grad():
        t = gnp.sum(x)
        assert math.exp(t) == pytest.approx(math.exp(X.sum()), rel=1e-15)
        assert list(array.array("d", [t])) == pytest.approx([X.sum()], rel=1e-15)


def test_explicit_constant_is_held_fixed(backend):
    # the documented meaning of float(): a constant; d/dv of sum(v*v) * c is 2 v c
    def f(v):
        c = float(gnp.sum(v)) + np.float64(gnp.max(v)) + math.exp(float(gnp.min(v)))
        return gnp.sum(v * v) * c

    c = X.sum() + X.max() + math.exp(X.min())
    np.testing.assert_allclose(to_numpy(ad.grad(f)(_xp(X))), 2 * X * c, rtol=1e-14)


def test_exact_patterns_match_finite_differences(backend):
    # functions that compute with Tensor operators (math.prod, statistics.median, sorted by
    # value) are recorded; piecewise constant host values (floor, a branch) hold locally
    check_grads(lambda v: math.prod([v[0], v[1], v[2]]) * v, (X,), order=2,
                modes=("fwd", "rev"))
    check_grads(lambda v: statistics.median([v[0], v[1] * 2.0, v[2]]) * v, (X,), order=2,
                modes=("fwd", "rev"))
    check_grads(lambda v: sorted([v[0] * v[1], v[2]], key=float)[0] * v, (X,), order=2,
                modes=("fwd", "rev"))
    check_grads(lambda v: v * (math.floor(gnp.sum(v)) + 1.0), (X,), order=2,
                modes=("fwd", "rev"))
    check_grads(lambda v: gnp.sin(v) if float(gnp.sum(v)) > 0 else v, (X,), order=2,
                modes=("fwd", "rev"))
    check_grads(lambda v: v * (0.0 if math.isnan(gnp.sum(v)) else 2.0), (X,), order=2,
                modes=("fwd", "rev"))


def test_jit_and_vmap_keep_their_own_errors(backend):
    f = lambda v: math.sin(gnp.sum(v)) * v  # noqa: E731
    with pytest.raises(RuntimeError, match=r"jit: float\(\) of a traced value"):
        ad.jit(f)(_xp(X))
    with pytest.raises(TypeError, match="inside gpuad.vmap a value differs"):
        ad.vmap(f)(_xp(np.ones((2, 3))))
