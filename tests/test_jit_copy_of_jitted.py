"""``copy.copy`` and ``copy.deepcopy`` of a compiled function behave as for a Python function
(the same object), so objects holding one (a model with a compiled method) can be deep-copied;
a compiled bound method follows the copied instance."""

from __future__ import annotations

import copy

import numpy as np
from conftest import to_numpy

import gpuad as ad


def test_copies_of_a_compiled_function_are_itself(backend):
    f = ad.jit(lambda x: x * 2, static_argnums=())
    assert copy.copy(f) is f and copy.deepcopy(f) is f
    x = ad.get_backend().xp.asarray(np.ones(2))
    np.testing.assert_array_equal(to_numpy(copy.deepcopy({"f": f})["f"](x)), [2.0, 2.0])


def test_deep_copy_of_an_object_holding_its_compiled_method(backend):
    class Model:
        def __init__(self):
            self.c = 2.0
            self.forward = ad.jit(self.apply)

        def apply(self, x):
            return x * self.c

    m = Model()
    x = ad.get_backend().xp.asarray(np.ones(1))
    m.forward(x)
    m2 = copy.deepcopy(m)
    m2.c = 5.0
    assert m2.forward.f.__self__ is m2
    assert to_numpy(m.forward(x))[0] == 2.0 and to_numpy(m2.forward(x))[0] == 5.0
