"""A compiled function's outputs are arrays or Tensors as the eager call's are (docs/jit.md):
a transform's result (``grad``, ``vjp``, ``vmap``, ...) is a backend array eagerly, and stays one
under jit, also when Tensors are among the arguments; what is computed from Tensor arguments is
a Tensor; what is computed from array arguments and transform results alone is an array."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import TracerError
from gpuad.tree import tree_flatten


def _loss(w, x):
    return gnp.sum(gnp.tanh(x @ w) ** 2)


def _kinds(out):
    leaves, _ = tree_flatten(out)
    return [type(v).__name__ if isinstance(v, ad.Tensor) else "array"
            if hasattr(v, "shape") else type(v).__name__ for v in leaves]


CASES = {
    "grad": ad.grad(_loss),
    "grad_argnums": ad.grad(_loss, argnums=(0, 1)),
    "value_and_grad": ad.value_and_grad(_loss),
    "grad_times_two": lambda w, x: ad.grad(_loss)(w, x) * 2.0,
    "grad_plus_w": lambda w, x: ad.grad(_loss)(w, x) + w,
    "grad_and_w_squared": lambda w, x: (ad.grad(_loss)(w, x), w * w),
    "grad_row": lambda w, x: ad.grad(_loss)(w, x)[1:],
    "grad_step": lambda w, x: w - 0.1 * ad.grad(_loss)(w, x),
    "vjp": lambda w, x: ad.vjp(lambda v: gnp.sin(x @ v), w)[1](gnp.ones((4, 2))),
    "vmap": lambda w, x: ad.vmap(lambda r: gnp.sin(r @ w))(x),
    "jvp": lambda w, x: ad.jvp(lambda v: gnp.sin(x @ v), (w,), (gnp.ones_like(w),)),
    "plain_ops": lambda w, x: (gnp.sin(w), x.T @ x, gnp.exp(x) + w[0, 0]),
    "dict": lambda w, x: {"g": ad.grad(_loss)(w, x), "s": gnp.sum(w)},
}


@pytest.mark.parametrize("kind", ["tensors", "arrays", "mixed", "mixed_other"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_output_kinds_match_eager(backend, name, kind):
    xp = ad.get_backend().xp
    rng = np.random.default_rng(0)
    w0, x0 = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    w = ad.tensor(xp.asarray(w0)) if kind in ("tensors", "mixed") else xp.asarray(w0)
    x = ad.tensor(xp.asarray(x0)) if kind in ("tensors", "mixed_other") else xp.asarray(x0)
    f = CASES[name]
    eager = f(w, x)
    jf = ad.jit(f)
    for _ in range(3):  # the trace, the replay after it, and one more replay
        got = jf(w, x)
        assert _kinds(got) == _kinds(eager), name
        for a, b in zip(tree_flatten(got)[0], tree_flatten(eager)[0], strict=True):
            np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-12, atol=1e-12)


def test_tensor_made_inside_from_array_arguments_is_a_tensor(backend):
    xp = ad.get_backend().xp
    x = xp.asarray(np.arange(3.0))

    def f(x):
        return ad.tensor(xp.ones(3)) * x

    assert isinstance(f(x), ad.Tensor)
    assert isinstance(ad.jit(f)(x), ad.Tensor)
    assert isinstance(ad.jit(f)(x), ad.Tensor)


OPS = {
    "array": lambda x: gnp.array(x),
    "asarray": lambda x: gnp.asarray(x) * 2.0,
    "copy": lambda x: gnp.copy(x),
    "zeros_like": lambda x: gnp.zeros_like(x) + x,
    "ones_like": lambda x: gnp.ones_like(x),
    "astype": lambda x: x.astype(np.float32),
    "stack": lambda x: gnp.stack([x, x]),
    "concatenate": lambda x: gnp.concatenate([x, gnp.sin(x)]),
    "reshape": lambda x: x.reshape(-1),
    "where": lambda x: gnp.where(x > 0, x, 0.0),
    "compare": lambda x: x > 0,
    "argmax": lambda x: gnp.argmax(x, axis=1),
    "setitem": lambda x: _setitem(x),
    "setitem_tensor": lambda x: _setitem(x, ad.tensor),
    "iadd": lambda x: _iadd(x),
    "sort": lambda x: gnp.sort(x, axis=0),
    "einsum": lambda x: gnp.einsum("ij,kj->ik", x, x),
    "linalg": lambda x: gnp.linalg.norm(x, axis=1),
    "identity": lambda x: x,
    "closure_array": lambda x: x * _C_ARRAY[0],
    "closure_tensor": lambda x: x * _C_TENSOR[0],
    "tuple": lambda x: (x, x.T, gnp.sum(x)),
}


_C_ARRAY: list = [None]
_C_TENSOR: list = [None]


def _setitem(x, wrap=lambda a: a):
    y = wrap(gnp.zeros_like(x))
    y[0] = x[1]
    return y


def _iadd(x):
    y = x * 1.0
    y += 1.0
    return y


@pytest.mark.parametrize("tensor", [False, True])
@pytest.mark.parametrize("name", sorted(OPS))
def test_op_result_kinds_match_eager(backend, name, tensor):
    xp = ad.get_backend().xp
    x = xp.asarray(np.random.default_rng(1).standard_normal((4, 3)))
    if tensor:
        x = ad.tensor(x)
    _C_ARRAY[0] = xp.asarray(np.arange(3.0))
    _C_TENSOR[0] = ad.tensor(xp.asarray(np.arange(3.0)))
    f = OPS[name]
    if name == "setitem":  # a traced value written into a NumPy array: not recorded
        f(x)
        with pytest.raises(TracerError, match="write"):
            ad.jit(f)(x)
        return
    eager = f(x)
    jf = ad.jit(f)
    for _ in range(3):
        got = jf(x)
        assert _kinds(got) == _kinds(eager), name
        for a, b in zip(tree_flatten(got)[0], tree_flatten(eager)[0], strict=True):
            np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
