"""gpuad.numpy.fft.hfft2, hfftn, ihfft2, ihfftn against torch.fft: values and gradients of a
real loss, for real and complex input (torch's convention for complex gradients is gpuad's,
docs/semantics.md), over sizes that crop and pad, every norm and several axes."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402

F = gnp.fft

CASES = [
    ("hfftn", {}, "c", (2, 3, 4)),
    ("hfftn", {"s": (3, 6), "axes": (0, 2), "norm": "ortho"}, "c", (2, 3, 4)),
    ("hfftn", {"s": (4, 5), "norm": "forward"}, "c", (3, 3)),
    ("hfftn", {"s": (2, 9), "axes": (1, 0)}, "r", (3, 4)),
    ("hfftn", {"axes": (0,)}, "c", (4, 2)),
    ("hfftn", {"axes": (0, 1, 2)}, "c", (3, 2, 5)),
    ("hfft2", {}, "c", (3, 4)),
    ("hfft2", {"s": (2, 7), "norm": "ortho"}, "c", (2, 3, 4)),
    ("ihfftn", {}, "r", (2, 3, 4)),
    ("ihfftn", {"s": (4, 5), "axes": (2, 1), "norm": "ortho"}, "r", (2, 3, 4)),
    ("ihfftn", {"axes": (0,), "norm": "forward"}, "r", (5, 2)),
    ("ihfft2", {}, "r", (3, 5)),
    ("ihfft2", {"s": (2, 6), "norm": "forward"}, "r", (3, 4)),
]


def _torch(name, a, kw):
    kw = dict(kw)
    if "axes" in kw:
        kw["dim"] = kw.pop("axes")
    elif "s" in kw and name.endswith("n"):
        kw["dim"] = tuple(range(-len(kw["s"]), 0))
    return getattr(torch.fft, name)(a, **kw)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_values_and_gradients_match_torch(case):
    name, kw, kind, shape = case
    rng = np.random.default_rng(len(shape) + len(kw))
    a = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if kind == "c" else 0)
    at = torch.tensor(a, requires_grad=True)
    yt = _torch(name, at, kw)
    w = rng.standard_normal(tuple(yt.shape)) + (
        1j * rng.standard_normal(tuple(yt.shape)) if yt.is_complex() else 0)
    ((yt * torch.tensor(w).conj()).real.sum() + (yt.abs() ** 3).sum()).backward()

    def loss(u):
        y = getattr(F, name)(u, **kw)
        return gnp.sum(gnp.real(y * np.conj(w))) + gnp.sum(gnp.abs(y) ** 3)

    y = np.asarray(getattr(F, name)(a, **kw))
    np.testing.assert_allclose(y, yt.detach().resolve_conj().numpy(), rtol=1e-12, atol=1e-12)
    g = np.asarray(ad.grad(loss)(a))
    assert g.dtype == a.dtype
    np.testing.assert_allclose(g, at.grad.resolve_conj().numpy(), rtol=1e-10, atol=1e-10)
