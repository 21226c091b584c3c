"""Regressions found by the port of torch's test_unary_ufuncs.py / test_binary_ufuncs.py
(tests/conformance/test_torch_ufunc_gaps.py)."""

import numpy as np
import pytest

import gpuad as ad


class _Unknown:
    pass


class _Reflecting:
    def __rmatmul__(self, other):
        return "rmatmul"

    def __rsub__(self, other):
        return "rsub"

    def __rlshift__(self, other):
        return "rlshift"


@pytest.mark.parametrize(
    "op",
    [
        "__add__",
        "__rpow__",
        "__matmul__",
        "__rmatmul__",
        "__iadd__",
        "__ilshift__",
        "__mod__",
        "__xor__",
    ],
)
def test_an_operand_of_unknown_type_gives_not_implemented(op):
    """A Tensor operator raised its own TypeError for an object it cannot convert, so the
    object's reflected method never ran (torch returns NotImplemented)."""
    for dt in (np.float64, np.int64):
        assert getattr(ad.tensor(np.zeros(3, dt)), op)(_Unknown()) is NotImplemented


def test_reflected_methods_of_a_user_class_run():
    t = ad.tensor(np.zeros(3))
    assert t @ _Reflecting() == "rmatmul"
    assert ad.tensor(np.zeros(3, np.int64)) << _Reflecting() == "rlshift"
    with pytest.raises(TypeError, match="unsupported operand"):
        t + _Unknown()
    with pytest.raises(TypeError, match="unsupported operand"):
        t -= _Unknown()
    with pytest.raises(TypeError):  # a builtin gpuad cannot convert keeps gpuad's error (JAX's)
        t.__add__({1: 2})
    # the operands gpuad converts still compute, and wrong ones still raise its own errors
    np.testing.assert_array_equal((t + [1.0, 2.0, 3.0]).numpy(), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="shapes"):
        t + np.ones(4)
