"""The Primitive object: its slots, the one vjp form prim() builds, abstract evaluation."""

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import rules
from gpuad.prims.core import Primitive


def test_every_primitive_has_the_engine_forms():
    assert rules.PRIMITIVES is rules.RULES
    for name, p in rules.PRIMITIVES.items():
        assert isinstance(p, Primitive), name
        assert callable(p.impl) and callable(p.vjp) and callable(p.jvp), name
        assert p.batch is None or callable(p.batch), name


def test_the_short_forms_become_one_vjp_form():
    g = np.array([1.0, 2.0])
    x, y = np.array([3.0, 4.0]), np.array([5.0, 6.0])
    mul = rules.RULES["multiply"]  # a formula per argument
    gx, gy = mul.vjp(g, x * y, (x, y), {}, [True, True])
    np.testing.assert_allclose(gx, g * y)
    np.testing.assert_allclose(gy, g * x)
    assert mul.vjp(g, x * y, (x, y), {}, [False, True])[0] is None
    cat = rules.RULES["concatenate"]  # one formula for any number of arguments
    parts = cat.vjp(np.arange(5.0), None, (x, np.zeros(3)), {"axis": 0, "sizes": (2, 3)},
                    [True, True])
    np.testing.assert_allclose(parts[0], [0.0, 1.0])
    np.testing.assert_allclose(parts[1], [2.0, 3.0, 4.0])


def test_a_missing_formula_names_the_argument():
    xent = rules.RULES["softmax_cross_entropy"]
    with pytest.raises(rules.MissingRuleError, match="no vjp rule for argument 1"):
        xent.vjp(np.ones(2), np.ones(2), (np.zeros((2, 3)), np.zeros(2, int)), {},
                 [False, True])


@pytest.mark.parametrize("name, shapes, dtypes", [
    ("add", [(3, 1), (4,)], [np.float32, np.float64]),
    ("multiply", [(2, 3), ()], [np.float32, np.float32]),
    ("sin", [(5,)], [np.int64]),
    ("divide", [(2, 1), (1, 2)], [np.int32, np.int32]),
    ("where", [(2, 1), (3,), (1,)], [np.bool_, np.float32, np.float64]),
    ("maximum", [(4, 1, 2), (3, 1)], [np.float32, np.int64]),
])
def test_abstract_evaluation_matches_the_forward(name, shapes, dtypes):
    p = rules.RULES[name]
    xs = [np.ones(s, d) for s, d in zip(shapes, dtypes, strict=True)]
    out = np.asarray(p.impl(np, *xs))
    assert p.abstract_eval(shapes, dtypes, {}) == (out.shape, out.dtype)


def test_explicit_saves_override_the_inference():
    def vjp(g, ans, inputs, params, need):
        return [g * 2 if n else None for n in need]

    p = Primitive("twice_for_test", impl=lambda xp, x: 2 * x, vjp=vjp,
                  saves=lambda mask, nargs: ())
    x = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = ad.engine.apply(p, (x,))
    assert y._node.saved == [None, None]
    gnp.sum(y).backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
