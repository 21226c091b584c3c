"""gpuad.jax_nn activations on complex input give jax.nn's values (the formulas' principal
branches): soft_sign took |z| as a lexicographic +-z (a silent wrong value), and sigmoid,
softplus, silu, log_sigmoid, mish, glu and squareplus raised errors naming logaddexp or hypot.
Derivatives are checked as directional derivatives against central differences."""

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.jax_nn as jnn
import gpuad.numpy as gnp

Z = np.array([-0.3 - 2j, 0.5 + 1j, 2.0 - 0.1j, -3 + 0.5j])


def _sig(z):
    return 1 / (1 + np.exp(-z))


REFERENCE = {
    "sigmoid": _sig,
    "softplus": lambda z: np.log1p(np.exp(z)),
    "log_sigmoid": lambda z: -np.log1p(np.exp(-z)),
    "silu": lambda z: z * _sig(z),
    "mish": lambda z: z * np.tanh(np.log1p(np.exp(z))),
    "soft_sign": lambda z: z / (np.abs(z) + 1),
    "squareplus": lambda z: (z + np.sqrt(z * z + 4)) / 2,
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_complex_values_and_directional_derivatives(backend, name):
    f, ref = getattr(jnn, name), REFERENCE[name]
    np.testing.assert_allclose(to_numpy(f(gnp.asarray(Z))), ref(Z), rtol=1e-12)
    h = 1e-6
    for direction in (1.0, 1j):
        t = np.full_like(Z, direction)
        _, tangent = ad.jvp(f, (gnp.asarray(Z),), (gnp.asarray(t),))
        diff = (ref(Z + h * t) - ref(Z - h * t)) / (2 * h)
        np.testing.assert_allclose(to_numpy(tangent), diff, rtol=1e-6, atol=1e-8)


def test_glu_complex(backend):
    x = np.concatenate([Z, Z[::-1] + 0.1])
    np.testing.assert_allclose(to_numpy(jnn.glu(gnp.asarray(x))), Z * _sig(Z[::-1] + 0.1),
                               rtol=1e-12)
