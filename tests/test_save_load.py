"""gpuad.save and gpuad.load on each backend: nested containers of Tensors, Parameters,
NumPy and backend arrays and numbers come back equal, of the same kinds, on the right backend
and with shared objects still shared; the weights-only loader refuses other pickled types;
a model and an Adam optimizer restored from a checkpoint continue training bitwise as the
uninterrupted run, including a port of a torch training script that resumes mid-training.
"""

from __future__ import annotations

import collections
import io
import os
import pickle

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.utils.data import DataLoader, TensorDataset


class _Opaque:
    pass


class _Shell:
    def __reduce__(self):
        return (os.system, ("echo should-not-run",))


def _roundtrip(obj, **kw):
    buf = io.BytesIO()
    ad.save(obj, buf)
    buf.seek(0)
    return ad.load(buf, **kw)


def test_nested_containers_round_trip(backend, tmp_path):
    be = ad.get_backend()
    dev = be.asarray(np.arange(6.0).reshape(2, 3))
    t = ad.tensor(np.ones(3), requires_grad=True)
    obj = {
        "host": [
            np.arange(4, dtype=np.int32),
            np.ones((2, 0)),
            np.eye(3)[:, ::2],
            np.array(True),
            np.array([1 + 2j], dtype=np.complex64),
        ],
        "dev": (dev, dev),
        "t": t,
        "t_again": t,
        "const": ad.tensor([2.0]),
        "p": nn.Parameter(np.zeros(2)),
        "frozen": nn.Parameter(np.zeros(1), requires_grad=False),
        "nums": {1: 2.5, "s": "x", "b": b"y", "n": None, "c": 1j, "set": {1, 2}},
        "od": collections.OrderedDict(a=np.float32(1.5)),
        "dt": np.dtype("float16"),
    }
    ad.save(obj, tmp_path / "ckpt.pt")
    out = ad.load(str(tmp_path / "ckpt.pt"))
    for got, want in zip(out["host"], obj["host"], strict=True):
        assert type(got) is np.ndarray and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    assert type(out["dev"][0]) is be.array_type and out["dev"][0] is out["dev"][1]
    np.testing.assert_array_equal(to_numpy(out["dev"][0]), to_numpy(dev))
    assert type(out["t"]) is ad.Tensor and out["t"].requires_grad and out["t"] is out["t_again"]
    assert type(out["t"].data) is be.array_type
    assert not out["const"].requires_grad
    assert type(out["p"]) is nn.Parameter and out["p"].requires_grad
    assert type(out["frozen"]) is nn.Parameter and not out["frozen"].requires_grad
    assert out["nums"] == obj["nums"]
    assert type(out["od"]) is collections.OrderedDict
    assert type(out["od"]["a"]) is np.float32 and out["od"]["a"] == 1.5
    assert out["dt"] == np.float16
    host = ad.load(tmp_path / "ckpt.pt", map_location="cpu")
    assert type(host["dev"][0]) is np.ndarray and type(host["t"].data) is np.ndarray


def test_weights_only_refuses_other_types(backend):
    with pytest.raises(pickle.UnpicklingError, match="_Opaque.*weights_only=False"):
        _roundtrip({"x": _Opaque()})
    assert type(_roundtrip([_Opaque()], weights_only=False)[0]) is _Opaque
    with pytest.raises(pickle.UnpicklingError, match="system"):
        ad.load(io.BytesIO(pickle.dumps(_Shell())))
    with pytest.raises(pickle.UnpicklingError, match="not written by gpuad.save"):
        ad.load(io.BytesIO(pickle.dumps({"a": 1})))
    with pytest.raises(pickle.UnpicklingError, match="torch.load"):
        ad.load(io.BytesIO(b"PK\x03\x04rest of a zip"))
    with pytest.raises(TypeError, match="dtype object"):
        ad.save(np.array([None]), io.BytesIO())
    with pytest.raises(ValueError, match="map_location"):
        _roundtrip(1.0, map_location="tpu")
    with pytest.raises(TypeError, match="path or a binary file"):
        ad.load(3)


def _train(model, opt, x, y, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()


def _model(seed):
    gnp.random.seed(seed)
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))


def test_model_and_adam_resume_bitwise(backend, tmp_path):
    x, y = gnp.asarray(np.linspace(-1, 1, 15).reshape(5, 3)), gnp.asarray(np.ones((5, 1)))
    ref = _model(0)
    ref_opt = optim.Adam(ref.parameters(), lr=0.05)
    _train(ref, ref_opt, x, y, 6)

    first = _model(0)
    opt = optim.Adam(first.parameters(), lr=0.05)
    _train(first, opt, x, y, 3)
    ad.save({"model": first.state_dict(), "opt": opt.state_dict()}, tmp_path / "c.pt")
    resumed = _model(1)  # other weights, fresh optimizer: all of it comes from the file
    ropt = optim.Adam(resumed.parameters(), lr=0.05)
    ckpt = ad.load(tmp_path / "c.pt")
    resumed.load_state_dict(ckpt["model"])
    ropt.load_state_dict(ckpt["opt"])
    _train(resumed, ropt, x, y, 3)
    for a, b in zip(resumed.parameters(), ref.parameters(), strict=True):
        assert np.array_equal(to_numpy(a), to_numpy(b))


# The torch script this ports (TensorDataset, a shuffling DataLoader, a checkpoint after an
# epoch, a second process resuming from it):
#
#   g = torch.Generator().manual_seed(0)
#   loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True, generator=g)
#   model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
#   opt = torch.optim.Adam(model.parameters(), lr=0.05)
#   if resume:
#       ckpt = torch.load(path)
#       model.load_state_dict(ckpt["model"]); opt.load_state_dict(ckpt["opt"])
#       g.set_state(ckpt["rng"]); start = ckpt["epoch"] + 1
#   for epoch in range(start, epochs):
#       for xb, yb in loader:
#           opt.zero_grad(); F.mse_loss(model(xb), yb).backward(); opt.step()
#       if epoch == stop_after:
#           torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
#                       "rng": g.get_state(), "epoch": epoch}, path); break
def _script(path, epochs, stop_after=None, resume=False, init_seed=0):
    rows = np.linspace(-1, 1, 30).reshape(10, 3)
    x, y = ad.tensor(rows), ad.tensor(np.sin(rows.sum(1, keepdims=True)))
    g = np.random.default_rng(0)
    loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True, generator=g)
    model = _model(init_seed)
    opt = optim.Adam(model.parameters(), lr=0.05)
    start = 0
    if resume:
        ckpt = ad.load(path)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["opt"])
        g.bit_generator.state = ckpt["rng"]
        start = ckpt["epoch"] + 1
    for epoch in range(start, epochs):
        for xb, yb in loader:
            opt.zero_grad()
            F.mse_loss(model(xb), yb).backward()
            opt.step()
        if epoch == stop_after:
            ad.save(
                {
                    "model": model.state_dict(),
                    "opt": opt.state_dict(),
                    "rng": g.bit_generator.state,
                    "epoch": epoch,
                },
                path,
            )
            break
    return [to_numpy(p) for p in model.parameters()]


def test_ported_torch_script_resumes_as_the_uninterrupted_run(backend, tmp_path):
    path = tmp_path / "resume.pt"
    whole = _script(path, epochs=4)
    _script(path, epochs=4, stop_after=1)
    resumed = _script(path, epochs=4, resume=True, init_seed=1)
    for a, b in zip(resumed, whole, strict=True):
        assert np.array_equal(a, b)
    halfway = _script(path, epochs=2)
    assert not np.array_equal(halfway[0], whole[0])  # the resumed epochs did train
