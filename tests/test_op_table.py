"""The op table as a whole: every primitive, wherever it is declared, is one Primitive object
registered under its name, with an impl, and a vjp unless it is non-differentiable."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.prims import registry
from gpuad.prims.core import Primitive

RULES = registry.load_all()


def test_slot_table_lists_every_primitive_and_each_is_complete():
    table = registry.slot_table()
    print("\n".join(table))  # the table, for whoever reads the log (pytest -s)
    assert len(table) == len(RULES) + 1
    incomplete = []
    for name, p in RULES.items():
        assert isinstance(p, Primitive), name
        assert p.name == name, (name, p.name)
        s = registry.slots(p)
        if not s["impl"] or not (s["vjp"] or p.nondiff):
            incomplete.append(name)
        if p.nondiff:
            assert not s["vjp"] and not s["jvp"], f"{name}: nondiff with derivative formulas"
    assert not incomplete, f"primitives without impl, or without vjp and not nondiff: " \
                           f"{incomplete}"


def _declared_ops(module):
    for value in vars(module).values():
        rule = getattr(value, "rule", None)
        if callable(value) and isinstance(rule, Primitive):
            yield value.__name__, rule
        elif isinstance(value, Primitive):
            yield value.name, value


@pytest.mark.parametrize("module", [*registry.DECLARING_MODULES, *registry.SCIPY_MODULES,
                                    "gpuad.prims.elementwise",
                                    "gpuad.prims.reductions", "gpuad.prims.shapes",
                                    "gpuad.prims.linalg", "gpuad.prims.indexing",
                                    "gpuad.prims.losses", "gpuad.prims.nondiff"])
def test_every_declared_primitive_is_the_registered_object(module):
    """The op functions and Primitive objects a module defines are the table's own objects."""
    mod = importlib.import_module(module)
    found = list(_declared_ops(mod))
    for _, rule in found:
        if rule.cx_variant:
            continue
        assert RULES.get(rule.name) is rule, f"{module}: {rule.name} is not the registered one"


def test_the_registered_modules_are_all_that_declare_primitives():
    """Every module of gpuad that holds a registered primitive is named in DECLARING_MODULES
    (or is one of gpuad/prims), so walking the table from a fresh import sees all of them."""
    owners = set()
    for name, mod in list(sys.modules.items()):
        if not name.startswith("gpuad") or mod is None:
            continue
        for _, rule in _declared_ops(mod):
            if RULES.get(rule.name) is rule:
                owners.add(name)
    # gpuad.rules and gpuad.numpy re-export the family modules' ops
    listed = {*registry.DECLARING_MODULES, *registry.SCIPY_MODULES, "gpuad.numpy",
              "gpuad.scipy.special", "gpuad.nn.functional", "gpuad.numpy.linalg"}
    unlisted = {o for o in owners - listed if not o.startswith("gpuad.prims.")}
    for o in sorted(unlisted):
        mod = sys.modules[o]
        # a module that only imports ops declared elsewhere is fine
        own = [r for n, r in _declared_ops(mod)
               if getattr(sys.modules.get(getattr(r.impl, "__module__", "")), "__name__", "")
               == o]
        assert not own, f"{o} declares {[r.name for r in own]}: add it to DECLARING_MODULES"


def test_transforms_record_their_registered_primitives():
    """checkpoint, custom_vjp and custom_jvp record one table primitive each (the user's
    functions travel in the step's params), and its impl recomputes the step's output."""
    w = ad.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)

    @ad.custom_vjp
    def f(x, scale):
        return gnp.sin(x) * scale

    f.defvjp(lambda x, scale: (f(x, scale), (x, scale)),
             lambda res, g: (g * gnp.cos(res[0]) * res[1], None))

    @ad.custom_jvp
    def h(x):
        return gnp.exp(x)

    h.defjvp(lambda p, t: (h(*p), t[0] * gnp.exp(p[0])))

    block = ad.checkpoint(lambda x: gnp.tanh(x * w))
    for fn, name in ((lambda x: f(x, 3.0), "custom_vjp"), (h, "custom_jvp"),
                     (block, "checkpoint")):
        x = ad.tensor(np.array([0.1, 0.2, 0.3]), requires_grad=True)
        y = fn(x)
        node = y._node
        assert node.rule is RULES[name], (name, node.rule)
        inputs = [np.array([0.1, 0.2, 0.3])] if name != "checkpoint" else [x.data]
        again = node.rule.impl(np, *inputs, **node.params)
        np.testing.assert_allclose(again, y.data, rtol=1e-15, err_msg=name)
        gnp.sum(y).backward()
        assert x.grad is not None


def test_user_ops_never_replace_table_entries():
    """custom_op makes a Primitive of the user's own, outside the table: its name may be a
    built-in's without replacing it."""
    before = RULES["square"]
    op = ad.custom_op(lambda x: x * x, lambda saved, g: (2 * saved["inputs"][0] * g,),
                      name="square")
    assert isinstance(op.rule, Primitive) and op.rule is not before
    assert RULES["square"] is before
    x = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    gnp.sum(op(x)).backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_register_refuses_a_second_primitive_of_a_name():
    from gpuad.prims.core import register

    with pytest.raises(ValueError, match="'sin' is registered already"):
        register(Primitive("sin", impl=lambda xp, x: x))
    assert register(RULES["sin"]) is RULES["sin"]
