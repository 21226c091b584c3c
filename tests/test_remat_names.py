"""Saving policies of gpuad.checkpoint / remat and gpuad.checkpoint_name (JAX's named remat):
the values a policy saves are kept by the forward and not computed again by backward (counted
through a custom primitive's forward), and results and gradients are the same as without a
policy (bitwise), and as central differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

P = ad.checkpoint_policies
R = np.random.default_rng(5)
W = R.standard_normal((4, 4)) / 2
X = R.standard_normal((3, 4))
CALLS = [0]


def _fwd(a):
    CALLS[0] += 1
    return ad.get_backend().xp.tanh(a)


_tanh = ad.custom_op(_fwd, lambda s, g: (g * (1 - s["ans"] ** 2),), save=("ans",),
                     composite=gnp.tanh, name="counted_tanh")


def _block(h):
    w = ad.get_backend().xp.asarray(W)
    h1 = ad.checkpoint_name(_tanh(h @ w), "h1")
    h2 = ad.checkpoint_name(gnp.sin(h1) @ w, "h2")
    return gnp.cos(h2) * h1


def _loss(f):
    return lambda x: gnp.sum(f(x))


def _x():
    return ad.get_backend().xp.asarray(X)


@pytest.mark.parametrize("policy,calls", [
    (None, 2), (P.nothing_saveable, 2), (P.save_only_these_names("h1"), 1),
    (P.save_only_these_names("h2"), 2), (P.save_any_names_but_these("h1"), 2),
    (P.save_any_names_but_these("other"), 1), (P.everything_saveable, 1),
    (P.dots_saveable, 2), (P.save_from_both_policies(P.dots_saveable,
                                                     P.save_only_these_names("h1")), 1),
])
def test_saved_names_are_not_computed_again(backend, policy, calls):
    # every policy acted as nothing_saveable: the block's tanh ran again in backward (2 calls)
    want = ad.grad(_loss(_block))(_x())
    CALLS[0] = 0
    got = ad.grad(_loss(ad.checkpoint(_block, policy=policy)))(_x())
    assert CALLS[0] == calls
    np.testing.assert_array_equal(to_numpy(got), to_numpy(want))
    # the gradient itself, against float64 central differences along a direction
    v = R.standard_normal(X.shape)
    f = _loss(_block)
    xp = ad.get_backend().xp
    fd = (float(to_numpy(f(xp.asarray(X + 1e-6 * v)))) -
          float(to_numpy(f(xp.asarray(X - 1e-6 * v))))) / 2e-6
    np.testing.assert_allclose(np.sum(to_numpy(got) * v), fd, rtol=1e-7)


def test_remat_and_ad_checkpoint_names(backend):
    want = to_numpy(ad.grad(_loss(_block))(_x()))
    pol = ad.ad_checkpoint.checkpoint_policies.save_only_these_names("h1")
    for f in (ad.remat(_block, policy=pol), ad.remat(policy=pol)(_block),
              ad.ad_checkpoint.checkpoint(_block, policy=pol, prevent_cse=False)):
        CALLS[0] = 0
        np.testing.assert_array_equal(to_numpy(ad.grad(_loss(f))(_x())), want)
        assert CALLS[0] == 1
    assert ad.ad_checkpoint.checkpoint_name is ad.checkpoint_name
    x = _x()
    assert ad.checkpoint_name(x, "x") is x  # outside a checkpoint: the value itself
    with pytest.raises(TypeError, match="policy must be a function"):
        ad.checkpoint(_block, policy="h1")


def test_a_saved_value_is_used_once_and_never_stale(backend):
    f = ad.checkpoint(_block, policy=P.everything_saveable)
    want = to_numpy(ad.grad(_loss(_block))(_x()))
    x = ad.tensor(_x(), requires_grad=True)
    CALLS[0] = 0
    y = _loss(f)(x)
    y.backward(retain_graph=True)
    g1 = to_numpy(x.grad).copy()
    x.grad = None
    y.backward()  # the saved copies were used: this backward computes them again
    assert CALLS[0] == 2
    np.testing.assert_array_equal(g1, want)
    np.testing.assert_array_equal(to_numpy(x.grad), want)

    def writes(h):  # the block writes into an array after a policy saved it
        a = _block(h) * 1.0
        a += 0.5
        b = gnp.exp(a) + 0.0
        b[0] = 2.0
        return b * a

    want = to_numpy(ad.grad(_loss(writes))(_x()))
    got = ad.grad(_loss(ad.checkpoint(writes, policy=P.everything_saveable)))(_x())
    np.testing.assert_array_equal(to_numpy(got), want)

    def named_after_a_write(h):  # the named value is no longer its primitive's result
        a = h @ ad.get_backend().xp.asarray(W)
        a += 1.0
        a = ad.checkpoint_name(a, "a")
        return gnp.sin(a) * h

    # (saving the written value as the matmul's result gave a gradient off by 2.3)
    want = to_numpy(ad.grad(_loss(named_after_a_write))(_x()))
    got = ad.grad(_loss(ad.checkpoint(named_after_a_write, policy=P.save_only_these_names(
        "a"))))(_x())
    np.testing.assert_array_equal(to_numpy(got), want)


def test_policies_under_other_transforms(backend):
    pol = P.save_from_both_policies(P.dots_saveable, P.save_only_these_names("h1"))
    f, f0 = ad.checkpoint(_block, policy=pol), ad.checkpoint(_block)
    x = _x()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the counted primitive has no batching rule)
        for t, a in ((ad.hessian, x[0]), (ad.jacfwd, x[0]), (lambda g: ad.vmap(ad.grad(g)), x)):
            np.testing.assert_allclose(to_numpy(t(_loss(f))(a)), to_numpy(t(_loss(f0))(a)),
                                       rtol=1e-12, atol=1e-14)
    def plain(h):  # (the counted primitive's vjp computes on raw arrays: not under jit)
        h1 = ad.checkpoint_name(gnp.tanh(h @ ad.get_backend().xp.asarray(W)), "h1")
        return gnp.sin(h1) * h

    g = ad.jit(ad.grad(_loss(ad.checkpoint(plain, policy=pol))))  # (the policy is not used)
    for a in (x, x + 1):
        np.testing.assert_allclose(to_numpy(g(a)), to_numpy(ad.grad(_loss(plain))(a)),
                                   rtol=1e-12)
