"""What the third round of ported programs (tests/conformance/test_ports_programs_round3*.py)
found: checks that need no peer library."""

import numpy as np

import gpuad as ad
import gpuad.numpy as gnp


def _t(a, **kw):
    return ad.tensor(ad.get_backend().xp.asarray(a), **kw)


def test_gradcheck_keeps_a_0d_input_0d(backend):
    # the double-backward tutorial's gradgradcheck(Exp.apply, x) of a 0-d x: the perturbed
    # inputs were 1-d, so the outputs no longer matched the 0-d grad_outputs
    shapes = []

    def f(x):
        shapes.append(x.shape)
        return gnp.exp(x) * x

    x = _t(np.array(0.7), requires_grad=True)
    assert ad.autograd.gradcheck(f, (x,))
    assert ad.autograd.gradgradcheck(f, (x,))
    assert set(shapes) == {()}
