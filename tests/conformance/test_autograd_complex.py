"""HIPS autograd's ``tests/test_complex.py``, run against gpuad.

``real`` keeps the type of its argument's gradient (real for a real input, complex for a
complex one); ``angle`` and ``abs`` of real and complex scalars, and their gradients, are
checked with ``gpuad.testing.check_grads`` to second order in both modes, as autograd checks
them. gpuad's gradients follow PyTorch's convention (``dL/dx + i dL/dy``, docs/semantics.md
"Complex numbers") and autograd's are their conjugates, so nothing is compared with autograd's
numbers: central differences in the real and imaginary directions check both conventions'
functions alike. The gradient functions (``grad(f)``) are checked as functions in their own
right, which is convention-independent too (a conjugate is a real-linear map).
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

BOTH = ("fwd", "rev")
_RS = np.random.RandomState(1)


def _check(f, x, order=2):
    check_grads(f, (x,), order=order, modes=BOTH)


@pytest.mark.parametrize("fn", ["real", "real_if_close"])
def test_real_type(backend, fn):
    f = getattr(gnp, fn)
    df = ad.grad(lambda x: gnp.sum(f(x)))
    assert np.isrealobj(df(2.0))
    assert float(df(2.0)) == 1.0
    # real_if_close keeps a complex value whose imaginary part is not near 0 (1j): then the
    # loss is complex and grad raises; at 1 + 0j it takes the real part
    g = df(1.0j if fn == "real" else 1.0 + 0j)
    assert np.iscomplexobj(g)
    assert complex(g) == 1.0  # the loss grows along the real axis only
    if fn == "real_if_close":
        with pytest.raises(TypeError, match="complex"):
            df(1.0j)


@pytest.mark.parametrize("x", [_RS.rand(), _RS.rand() + 1j * _RS.rand()],
                         ids=["real", "complex"])
def test_angle(backend, x):
    _check(gnp.angle, x)
    _check(ad.grad(gnp.angle), x)


@pytest.mark.parametrize("x,x2", [(1.1, 2.1), (1.1 + 1.2j, 1.1 + 1.3j)],
                         ids=["real", "complex"])
def test_abs(backend, x, x2):
    _check(gnp.abs, x)
    _check(ad.grad(gnp.abs), x2)


def test_grad_values_in_gpuads_convention(backend):
    """The numbers themselves, for the record: grad |z| = z / |z| and grad angle(z) =
    i z / |z|**2 (autograd returns their conjugates)."""
    z = 1.1 + 1.2j
    np.testing.assert_allclose(complex(ad.grad(gnp.abs)(z)), z / abs(z))
    np.testing.assert_allclose(complex(ad.grad(gnp.angle)(z)), 1j * z / abs(z) ** 2)
    assert float(ad.grad(gnp.angle)(0.7)) == 0.0
