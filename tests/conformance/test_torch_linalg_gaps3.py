"""torch.linalg parity: batched ``lstsq`` (every driver's results, broadcast batches, vector
right-hand sides, complex, rank deficiency) and rectangular ``lu``/``lu_factor``/``lu_unpack``
(real and complex) against torch itself: values, dtypes, shapes, gradients of random weighted
losses against torch's autograd and against float64 central differences (check_grads);
SciPy's rectangular ``lu`` (``permute_l``, ``p_indices``) against SciPy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl

torch = pytest.importorskip("torch")

import gpuad as ad  # noqa: E402
import gpuad.linalg as LA  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.scipy.linalg as gsl  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402

# where gpuad differs from torch on purpose (checked below)
DIFFERENCES = {
    "lstsq gels on rank-deficient input": "the minimum-norm solution (torch's gels assumes full "
                                          "rank and returns an arbitrary one)",
    "lstsq batch broadcasting": "NumPy's rules (torch refuses some broadcastable batches)",
}


def _draw(r, shape, cplx=False):
    a = r.standard_normal(shape)
    return a + 1j * r.standard_normal(shape) if cplx else a


def _np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().resolve_conj().numpy()
    return to_numpy(x)


def _loss_g(outs, ws):
    total = 0.0
    for o, w in zip(outs, ws, strict=True):
        if w is not None:
            total = total + gnp.sum(gnp.real(o * np.conj(w)) if np.iscomplexobj(w) else o * w)
    return total


def _loss_t(outs, ws):
    total = 0.0
    for o, w in zip(outs, ws, strict=True):
        if w is not None:
            tw = torch.tensor(w)
            total = total + ((o * tw.conj()).real.sum() if np.iscomplexobj(w) else (o * tw).sum())
    return total


def agree(fg, ft, *args, grad=(0,), tol=1e-9, fd=True, seed=0):
    """Every output of ``fg`` (gpuad) and ``ft`` (torch) has torch's value, shape and dtype;
    ``grad`` (indices of float outputs) gives the gradient of a weighted loss of those outputs,
    equal to torch's and (``fd``) to central differences."""
    xp = ad.get_backend().xp
    targs = [torch.tensor(a, requires_grad=True) for a in args]
    want = list(ft(*targs))
    got = list(fg(*(xp.asarray(a) for a in args)))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        g, wv = _np(g), _np(w)
        assert g.shape == wv.shape and g.dtype == wv.dtype, (g.shape, wv.shape, g.dtype, wv.dtype)
        np.testing.assert_allclose(g, wv, rtol=tol, atol=tol)
    if not grad:
        return
    r = np.random.default_rng(seed)
    ws = [_draw(r, _np(w).shape, _np(w).dtype.kind == "c") if i in grad else None
          for i, w in enumerate(want)]
    _loss_t(want, ws).backward()
    gg = ad.grad(lambda *a: _loss_g(list(fg(*a)), ws), argnums=tuple(range(len(args))))(
        *(xp.asarray(a) for a in args))
    for g, t in zip(gg, targs, strict=True):
        np.testing.assert_allclose(_np(g), _np(t.grad), rtol=1e-7, atol=1e-7)
    if fd:
        check_grads(lambda *a: _loss_g(list(fg(*a)), ws), args, order=1)


# ---- lstsq --------------------------------------------------------------------------------------

_CASES = [((2, 5, 3), (2, 5, 2)), ((2, 3, 5), (2, 3, 2)), ((5, 3), (5,)), ((2, 5, 3), (2, 5)),
          ((3, 1, 5, 3), (1, 4, 5, 2))]


@pytest.mark.parametrize("driver", ["gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("shapes", _CASES)
@pytest.mark.parametrize("cplx", [False, True])
def test_lstsq_results(backend, driver, shapes, cplx):
    sa, sb = shapes
    r = np.random.default_rng(hash((driver, sa, cplx)) % 2**32)
    a, b = _draw(r, sa, cplx), _draw(r, sb, cplx)
    if len(sa) == 4:  # torch refuses to broadcast these batches: compare matrix by matrix
        got = LA.lstsq(ad.get_backend().xp.asarray(a), ad.get_backend().xp.asarray(b),
                       driver=driver)
        for i in range(3):
            for j in range(4):
                want = torch.linalg.lstsq(torch.tensor(a[i, 0]), torch.tensor(b[0, j]),
                                          driver=driver)
                np.testing.assert_allclose(_np(got.solution)[i, j], _np(want.solution),
                                           atol=1e-10)
        return
    grads = (0, 1) if sa[-2] > sa[-1] and driver != "gelsy" else (0,)
    agree(lambda a, b: LA.lstsq(a, b, driver=driver),
          lambda a, b: torch.linalg.lstsq(a, b, driver=driver), a, b, grad=grads,
          fd=driver == "gelsd")


def test_lstsq_rank_deficient_and_rcond(backend):
    r = np.random.default_rng(1)
    a, b = r.standard_normal((2, 5, 3)), r.standard_normal((2, 5, 2))
    a[0, :, 2] = a[0, :, 1]  # rank 2: no residuals, minimum-norm solution
    for driver in ("gelsy", "gelsd", "gelss"):
        agree(lambda a, b: LA.lstsq(a, b, driver=driver),
              lambda a, b: torch.linalg.lstsq(a, b, driver=driver), a, b, fd=False)
    a2 = r.standard_normal((2, 5, 3))
    for rc in (0.3, 0.6):  # the cut through nonzero singular values: rank and solution
        agree(lambda a, b: LA.lstsq(a, b, rcond=rc, driver="gelsd")[2:],
              lambda a, b: torch.linalg.lstsq(a, b, rcond=rc, driver="gelsd")[2:], a2, b,
              grad=())
    xp = ad.get_backend().xp
    with pytest.raises(RuntimeError, match="driver"):
        LA.lstsq(xp.asarray(a2), xp.asarray(b), driver="gesv")
    with pytest.raises(RuntimeError, match="incompatible"):
        LA.lstsq(xp.asarray(a2), xp.asarray(b[:, :4]))


# ---- rectangular LU -------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 3), (2, 3, 4)])
@pytest.mark.parametrize("cplx", [False, True])
def test_lu_rectangular(backend, shape, cplx):
    a = _draw(np.random.default_rng(hash((shape, cplx)) % 2**32), shape, cplx)
    agree(LA.lu, torch.linalg.lu, a, grad=(1, 2))
    agree(LA.lu_factor, torch.linalg.lu_factor, a, grad=(0,), fd=False)
    agree(lambda x: LA.lu_unpack(*LA.lu_factor(x)),
          lambda x: torch.lu_unpack(*torch.linalg.lu_factor(x)), a, grad=(1, 2), fd=False)
    if len(shape) == 2:
        for kw in ({}, {"permute_l": True}, {"p_indices": True}):
            for g, w in zip(gsl.lu(a, **kw), sl.lu(a, **kw), strict=True):
                g = to_numpy(g)
                assert g.shape == w.shape and g.dtype == w.dtype
                np.testing.assert_allclose(g, w, atol=1e-12)
        check_grads(lambda x: gsl.lu(x, permute_l=True), (a,), order=1)


def test_differences_listed():
    assert len(DIFFERENCES) == 2
