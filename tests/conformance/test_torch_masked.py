"""``gpuad.masked`` against ``torch.masked`` where torch's OpInfo samples rarely go: slices with
every element masked out (identity, -inf or NaN results), masked-out infinities and NaNs in
the input, broadcast and non-bool masks, and the derivatives there (a cotangent on every output,
the non-finite ones included). Values to 1e-12, gradients to 1e-10, NaNs in the same places;
dtypes as torch's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import gpuad as ad  # noqa: E402
import gpuad.masked as M  # noqa: E402

X = np.random.default_rng(5).standard_normal((3, 4, 5))
MASKS = {
    "empty_slices": np.random.default_rng(6).uniform(size=(3, 4, 5)) < 0.3,
    "broadcast": np.array([[[1], [0], [1], [1]]], dtype=bool),  # (1, 4, 1): rows 1 empty
    "integers": np.random.default_rng(7).integers(0, 3, (4, 5)),  # nonzero is masked in
    "nothing": np.zeros((3, 4, 5), dtype=bool),
}

CALLS = {  # name -> (args after the input, keywords)
    "sum": ((2,), {}), "prod": (((0, 2),), {"keepdim": True}), "amax": ((2,), {}),
    "amin": ((-1,), {}), "argmax": ((2,), {}), "argmin": ((1,), {"keepdim": True}),
    "mean": ((2,), {}), "median": ((2,), {}), "logsumexp": (((1, 2),), {}),
    "norm": ((2.0, 2), {}), "var": ((2,), {}), "std": ((2,), {"correction": 0}),
    "softmax": ((2,), {}), "log_softmax": ((2,), {}), "softmin": ((1,), {}),
    "cumsum": ((2,), {}), "cumprod": ((1,), {}),
}
NORMS = (1, 3.0, np.inf, -np.inf, 0)


def _cases():
    for name in CALLS:
        for mk in MASKS:
            yield pytest.param(name, CALLS[name], mk, id=f"{name}-{mk}")
    for p in NORMS:
        for mk in ("empty_slices", "nothing"):
            yield pytest.param("norm", ((p, 2), {}), mk, id=f"norm{p}-{mk}")
            yield pytest.param("normalize", ((p, 2), {}), mk, id=f"normalize{p}-{mk}")


def _same(g, t, rtol, what):
    g, t = np.asarray(g), t.detach().numpy()
    assert g.shape == t.shape, f"{what}: shape {g.shape}, torch's {t.shape}"
    np.testing.assert_allclose(g, t, rtol=rtol, atol=rtol, equal_nan=True, err_msg=what)


@pytest.mark.parametrize("name,call,mask_kind", list(_cases()))
@pytest.mark.parametrize("with_inf", [False, True])
def test_matches_torch_masked(name, call, mask_kind, with_inf):
    args, kw = call
    x = X.copy()
    mask = MASKS[mask_kind]
    if with_inf:  # masked-out infinities and NaNs must not reach the result or the gradient
        out = ~np.broadcast_to(mask != 0, x.shape)
        x[out] = np.resize([np.inf, -np.inf, np.nan], int(out.sum()))
    differentiable = name not in ("argmax", "argmin")
    tx = torch.tensor(x, requires_grad=differentiable)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tout = getattr(torch.masked, name)(tx, *args, mask=torch.tensor(mask), **kw)
        gx = ad.tensor(x, requires_grad=differentiable)
        gout = getattr(M, name)(gx, *args, mask=mask, **kw)
    assert np.dtype(str(tout.dtype).removeprefix("torch.")) == gout.dtype
    _same(np.asarray(gout.numpy()), tout, 1e-12, "value")
    if not differentiable:
        return
    keep = np.broadcast_to(mask != 0, x.shape)
    if with_inf:
        # torch's var and std take NaN derivatives from masked-out infinities (a zero
        # cotangent times 2 * (inf - mean), summed into the mean's); gpuad's are those of the
        # same function at finite values there, which torch gives where it has those
        tx = torch.tensor(np.where(keep, x, 0.5), requires_grad=True)
        tout = getattr(torch.masked, name)(tx, *args, mask=torch.tensor(mask), **kw)
    c = np.random.default_rng(0).standard_normal(tuple(tout.shape))
    (tg,) = torch.autograd.grad((tout * torch.tensor(c)).sum(), [tx], allow_unused=True)
    if tg is None:  # ord 0: a count, with no path from the input in torch; a constant in gpuad
        assert not gout.requires_grad
        return
    gg = ad.autograd.grad((gout * ad.tensor(c)).sum(), [gx])[0].numpy()
    # gpuad's derivative is 0 at every masked-out element; torch's is NaN at those of a slice
    # whose var or std is NaN (deviations from a NaN mean, times a zero cotangent, summed
    # back into the mean): elsewhere they agree
    assert (gg[~keep] == 0).all(), gg[~keep]
    _same(np.where(keep, gg, 0), torch.where(torch.tensor(keep), tg, 0), 1e-10, "gradient")


def test_logaddexp_matches_torch_masked():
    y = np.random.default_rng(8).standard_normal(X.shape)
    ma, mb = MASKS["empty_slices"], MASKS["broadcast"]
    tx, ty = (torch.tensor(a, requires_grad=True) for a in (X, y))
    tout = torch.masked._ops.logaddexp(tx, ty, input_mask=torch.tensor(ma),
                                       other_mask=torch.tensor(mb))
    gx, gy = (ad.tensor(a, requires_grad=True) for a in (X, y))
    gout = M.logaddexp(gx, gy, input_mask=ma, other_mask=mb)
    _same(gout.numpy(), tout, 1e-12, "value")
    c = np.random.default_rng(1).standard_normal(X.shape)
    tg = torch.autograd.grad((tout * torch.tensor(c)).sum(), [tx, ty])
    gg = ad.autograd.grad((gout * ad.tensor(c)).sum(), [gx, gy])
    for a, b in zip(gg, tg, strict=True):
        _same(a.numpy(), b, 1e-10, "gradient")
