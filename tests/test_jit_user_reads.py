"""The function's own code reads values into Python while ``gpuad.jit`` traces it
(docs/jit.md, "What raises" and "What is traced"): a value computed from the arguments is
refused with ``TracerError``; a Tensor the function reads without receiving it is read at every
call, so after an in-place change the compiled call gives eager's result (it traces again),
never the value frozen at the first call."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad._value_checks import BranchError
from gpuad.jit import TracerError

_X = np.linspace(0.1, 1.0, 3)

READS = {
    "item": lambda t: t[0].item(),
    "float": lambda t: float(t[0]),
    "int": lambda t: int(t[1]),
    "bool": lambda t: 2.0 if t[0] > 2.5 else 1.0,
    "numpy": lambda t: t.numpy()[0],
    "tolist": lambda t: t.tolist()[1],
    "asarray": lambda t: np.asarray(t)[0],
}


@pytest.mark.parametrize("name", sorted(READS))
def test_closed_over_tensor_read_into_python_follows_its_changes(backend, name):
    if name == "asarray" and backend == "cupy":
        pytest.skip("numpy.asarray of a CuPy array raises eagerly")
    read = READS[name]
    t = ad.tensor(ad.get_backend().xp.asarray(np.array([2.0, 3.0])))
    x = ad.get_backend().xp.asarray(_X)

    def f(x):
        return x * read(t)

    j = ad.jit(f)
    for new in ([2.0, 3.0], [3.0, 5.0], [3.0, 5.0], [1.5, 4.0]):
        t[...] = ad.get_backend().xp.asarray(np.array(new))
        np.testing.assert_allclose(to_numpy(j(x)), to_numpy(f(x)), rtol=1e-15)


@pytest.mark.parametrize("name", sorted(READS))
def test_argument_read_into_python_raises(backend, name):
    read = READS[name]
    x = ad.get_backend().xp.asarray(np.array([2.0, 3.0]))
    with pytest.raises(TracerError, match="depends on the function's arguments"):
        ad.jit(lambda x: x * read(x))(x)


@pytest.mark.parametrize("call", [lambda n: gnp.arange(n[0]), lambda n: gnp.arange(0, 9, n[0]),
                                  lambda n: gnp.arange(gnp.sum(n))])
def test_arange_of_a_traced_bound_raises(backend, call):
    # the bound was read as a number: the program kept the first call's length
    n = ad.get_backend().xp.asarray(np.array([3]))
    with pytest.raises(TracerError, match="arange"):
        ad.jit(lambda n: call(n) * 1.0)(n)


def test_arange_of_a_closed_over_bound_follows_its_changes(backend):
    m = ad.get_backend().xp.asarray(np.array(3))
    f = ad.jit(lambda x: x * gnp.sum(gnp.arange(m)))
    x = ad.get_backend().xp.asarray(np.ones(1))
    assert to_numpy(f(x))[0] == 3.0
    m[...] = 5
    assert to_numpy(f(x))[0] == 10.0


def test_a_read_value_that_changes_every_call_ends_in_an_error_naming_the_read(backend):
    # a parameter the step updates itself: each call traces again (exact), until the
    # signature holds max_variants programs; then the error names the read, and the
    # parameter is left as the calls before made it
    w = ad.tensor(ad.get_backend().xp.asarray(np.ones(2)), requires_grad=True)
    opt = ad.optim.SGD([w], lr=0.1)

    @functools.partial(ad.jit, max_variants=2)
    def step(x):
        opt.zero_grad()
        loss = gnp.sum(w * x) * w[0].item()
        loss.backward()
        opt.step()
        return loss

    x = ad.get_backend().xp.asarray(np.ones(2))
    want = 1.0
    for _ in range(2):
        assert float(to_numpy(step(x))) == pytest.approx(2 * want * want, rel=1e-14)
        want *= 0.9
    with pytest.raises(BranchError, match=r"\.item\(\) of a Tensor the function reads"):
        step(x)
    np.testing.assert_allclose(to_numpy(w.data), [want, want], rtol=1e-14)
