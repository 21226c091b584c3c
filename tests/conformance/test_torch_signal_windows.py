"""gpuad.scipy.signal.windows against torch.signal.windows over many lengths, both sym
settings, float32 and float64, and the parameters of each window (the OpInfo oracle runs
torch's own samples)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gpuad.scipy.signal import windows as W  # noqa: E402

PARAMS = {
    "bartlett": [{}], "blackman": [{}], "cosine": [{}], "hamming": [{}], "hann": [{}],
    "nuttall": [{}],
    "exponential": [{}, {"tau": 0.5}, {"tau": 43.5}, {"center": 4, "tau": 2.5},
                    {"center": 0.3}, {"center": -2.0, "tau": 7.0}],
    "gaussian": [{}, {"std": 0.1}, {"std": 1.92}, {"std": 4.5}, {"std": 100.0}],
    "general_cosine": [{"a": [0.5, 0.5]}, {"a": [0.46, 0.23, 0.31]}, {"a": [0.5]},
                       {"a": [0.2] * 5}, {"a": (0.1, 0.8, 0.05, 0.05)}],
    "general_hamming": [{}, {"alpha": 0.6}, {"alpha": 0.1}, {"alpha": 1.0}],
    "kaiser": [{}, {"beta": 0.0}, {"beta": 2.0}, {"beta": 41.2}, {"beta": 100.0},
               {"beta": 600.0}],
}
LENGTHS = [0, 1, 2, 3, 4, 5, 8, 17, 64, 257]


@pytest.mark.parametrize("name", sorted(PARAMS))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_windows_match_torch(name, dtype):
    tdt = getattr(torch, dtype)
    for kw, M, sym in itertools.product(PARAMS[name], LENGTHS, (True, False)):
        if "center" in kw and sym:
            continue
        if name == "kaiser" and dtype == "float32" and kw.get("beta", 12.0) > 88 and M > 1:
            continue  # torch's I0(beta) overflows float32 (NaN); gpuad computes in float64
        want = getattr(torch.signal.windows, name)(M, sym=sym, dtype=tdt, **kw).numpy()
        got = np.asarray(getattr(W, name)(M, sym=sym, dtype=tdt, **kw))
        assert got.dtype == want.dtype and got.shape == want.shape, (kw, M, sym)
        tol = 1e-13 if dtype == "float64" else 2e-6
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=f"{kw} M={M} {sym}")


@pytest.mark.parametrize("call", [
    lambda m: m.hann(-1), lambda m: m.gaussian(5, std=0.0), lambda m: m.exponential(5, tau=0.0),
    lambda m: m.exponential(5, center=1.0, sym=True), lambda m: m.kaiser(5, beta=-1.0),
    lambda m: m.general_cosine(5, a=[]), lambda m: m.bartlett(5, dtype=torch.int64)])
def test_bad_arguments_raise_where_torch_does(call):
    with pytest.raises(ValueError):
        call(torch.signal.windows)
    with pytest.raises(ValueError):
        call(W)
