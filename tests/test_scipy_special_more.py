"""The functions gpuad.scipy.special takes from jax.scipy.special (loggamma, factorial, comb,
boxcox, boxcox1p, bernoulli, bessel_jn, dawsn, sici, fresnel, owens_t, hyp2f1): values against
SciPy and JAX's semantics, derivatives against float64 central differences.
tests/conformance/test_jax_scipy_special_more.py compares them with JAX itself."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as ss
from diff_specs.scipy import cupy_lacks

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.special as sps
from gpuad.testing import check_grads

RNG = np.random.default_rng(3)
X = np.sign(RNG.standard_normal(5)) * RNG.uniform(0.3, 4.0, 5)
POS = RNG.uniform(0.3, 4.0, 5)


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a) if isinstance(a, np.ndarray) else a


def _lacking(backend, name, call) -> bool:
    missing = cupy_lacks(name) if backend == "cupy" else None
    if missing:
        with pytest.raises(NotImplementedError, match=f"{missing}: cupyx.scipy.special has no"):
            call()
    return bool(missing)


CASES = [  # name, gpuad call, SciPy reference, arguments (all differentiated)
    ("loggamma", sps.loggamma, ss.loggamma, (POS,)),
    ("factorial", sps.factorial, lambda n: ss.factorial(n, exact=False), (POS,)),
    ("comb", sps.comb, lambda n, k: ss.comb(n, k), (POS + 4, POS)),
    ("boxcox", sps.boxcox, ss.boxcox, (POS, X / 4)),
    ("boxcox1p", sps.boxcox1p, ss.boxcox1p, (POS - 0.2, X / 4)),
    ("dawsn", sps.dawsn, ss.dawsn, (X,)),
    ("sici", lambda x: sps.sici(x)[0], lambda x: ss.sici(x)[0], (X,)),
    ("sici", lambda x: sps.sici(x)[1], lambda x: ss.sici(np.abs(x))[1], (X,)),
    ("fresnel", lambda x: sps.fresnel(x)[0], lambda x: ss.fresnel(x)[0], (X,)),
    ("fresnel", lambda x: sps.fresnel(x)[1], lambda x: ss.fresnel(x)[1], (X,)),
    ("owens_t", sps.owens_t, ss.owens_t, (X, X[::-1])),
    ("hyp2f1", lambda x: sps.hyp2f1(1.0, 1.5, 2.5, x), lambda x: ss.hyp2f1(1.0, 1.5, 2.5, x),
     (X / 5,)),
    ("bessel_jn", lambda z: sps.bessel_jn(z, v=3),
     lambda z: np.stack([ss.jv(k, z) for k in range(4)]), (X,)),
]


@pytest.mark.parametrize("name,f,ref,args", CASES, ids=[c[0] for c in CASES])
def test_values_and_derivatives(backend, name, f, ref, args):
    if _lacking(backend, name, lambda: f(*[dev(a) for a in args])):
        return
    np.testing.assert_allclose(host(f(*[dev(a) for a in args])), ref(*args), rtol=1e-12,
                               atol=1e-15)
    check_grads(f, tuple(dev(a) for a in args), order=2, modes=("rev", "fwd"))


def test_jax_semantics_at_the_edges(backend):
    assert np.isnan(host(sps.loggamma(dev(np.array([0.0, -1.5]))))).all()
    np.testing.assert_allclose(host(sps.factorial(dev(np.array([-1.0, 0.0, 4.0])))),
                               [0.0, 1.0, 24.0], rtol=1e-14)
    np.testing.assert_allclose(host(sps.comb(dev(np.array([5.0, 3.0, -1.0])),
                                             dev(np.array([6.0, 0.0, 0.0])))), [0.0, 1.0, 0.0])
    np.testing.assert_allclose(host(sps.comb(4.0, 2.0, repetition=True)), 10.0)
    np.testing.assert_allclose(host(sps.boxcox(dev(np.array([2.0])), 0.0)), np.log(2.0))
    with pytest.raises(NotImplementedError, match="exact=True"):
        sps.factorial(3, exact=True)
    np.testing.assert_allclose(host(sps.bernoulli(8)), ss.bernoulli(8), rtol=1e-15)
    assert host(sps.bernoulli(0)).tolist() == [1.0]
    with pytest.raises(ValueError, match="non-negative"):
        sps.bernoulli(-1)
    if not _lacking(backend, "sici", lambda: sps.sici(dev(np.array([1.0])))):
        si, ci = sps.sici(dev(np.array([0.0, -np.inf])))
        assert host(si).tolist() == [0.0, -np.pi / 2]
        assert host(ci)[0] == -np.inf and np.isnan(host(ci)[1])


@pytest.mark.parametrize("arg", ["a", "b", "c"])
def test_hyp2f1_parameters_raise(backend, arg):
    if _lacking(backend, "hyp2f1", lambda: sps.hyp2f1(1.0, 1.5, 2.5, dev(X / 5))):
        return
    args = {"a": 1.0, "b": 1.5, "c": 2.5}

    def f(v):
        return gnp.sum(sps.hyp2f1(**{**args, arg: v}, x=dev(X / 5)))

    with pytest.raises(ad.MissingRuleError, match=f"hyp2f1: cannot differentiate with respect "
                                                  f"to {arg}"):
        ad.grad(f)(dev(np.full(5, args[arg])))
