"""What the ninth round of ported programs (tests/conformance/test_ports_programs_round9*.py)
found: llama2.c's ``Transformer`` registers its rotary tables with
``register_buffer(name, t, persistent=False)``, which gpuad's ``Module`` did not take (a
``TypeError``); such buffers are now listed by ``named_buffers`` but left out of
``state_dict`` and of what ``load_state_dict`` expects, as torch's. karpathy's
ng-video-lecture ``gpt.py`` creates its arrays with ``device=``; NumPy 2's creation
functions take ``device=`` (``"cpu"``), but gpuad's ``zeros``, ``ones``, ``empty``, their
``_like`` forms, ``eye``, ``linspace`` and ``asarray`` raised ``TypeError`` and
``full``/``full_like`` swallowed any device silently (``arange`` passed it to the backend).
Each now takes ``device=None``, ``"cpu"`` or the backend's own device and raises
``ValueError`` naming any other."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn


class _Rope(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2, bias=False)
        self.register_buffer("table", gnp.arange(4.0), persistent=False)
        self.register_buffer("count", gnp.zeros((1,)))

    def forward(self, x):
        return self.lin(x) * self.table[:2]


def test_non_persistent_buffer(backend):
    m = _Rope()
    assert sorted(dict(m.named_buffers())) == ["count", "table"]
    sd = m.state_dict()
    assert sorted(sd) == ["count", "lin.weight"]
    # loading a state without the table is complete (strict) and leaves the table alone
    other = _Rope()
    other.table = ad.tensor(gnp.full((4,), 7.0))
    res = other.load_state_dict(sd)
    assert list(res.missing_keys) == [] and list(res.unexpected_keys) == []
    np.testing.assert_array_equal(to_numpy(other.table), np.full(4, 7.0))
    np.testing.assert_array_equal(to_numpy(other.lin.weight), to_numpy(m.lin.weight))
    # giving the table is an unexpected key (gpuad's KeyError for torch's RuntimeError)
    with pytest.raises(KeyError, match="unexpected keys \\['table'\\]"):
        other.load_state_dict({**sd, "table": gnp.zeros((4,))})
    # registering the name again as persistent puts it back into the state
    m.register_buffer("table", gnp.ones((4,)))
    assert sorted(m.state_dict()) == ["count", "lin.weight", "table"]
    # the module still runs and differentiates with the buffer
    m.register_buffer("table", gnp.arange(4.0), persistent=False)
    x = ad.tensor(gnp.asarray(np.array([[1.0, 2.0]])))
    m(x).sum().backward()
    w = to_numpy(m.lin.weight)
    np.testing.assert_allclose(to_numpy(m.lin.weight.grad), np.array([[0.0, 0.0], [1.0, 2.0]]))
    assert w.shape == (2, 2)


_CREATORS = [
    ("zeros", lambda d: gnp.zeros((2, 3), device=d), np.zeros((2, 3))),
    ("ones", lambda d: gnp.ones((2,), dtype=np.int64, device=d), np.ones(2, dtype=np.int64)),
    ("empty", lambda d: gnp.empty((0, 2), device=d), np.empty((0, 2))),
    ("zeros_like", lambda d: gnp.zeros_like(gnp.ones((2,)), device=d), np.zeros(2)),
    ("ones_like", lambda d: gnp.ones_like(gnp.zeros((3,)), device=d), np.ones(3)),
    ("empty_like", lambda d: gnp.empty_like(gnp.zeros((0,)), device=d), np.empty(0)),
    ("eye", lambda d: gnp.eye(2, 3, 1, device=d), np.eye(2, 3, 1)),
    ("full", lambda d: gnp.full((2,), 1.5, device=d), np.full(2, 1.5)),
    ("full_like", lambda d: gnp.full_like(gnp.zeros((2,)), 2.0, device=d), np.full(2, 2.0)),
    ("linspace", lambda d: gnp.linspace(0.0, 1.0, 5, device=d), np.linspace(0, 1, 5)),
    ("arange", lambda d: gnp.arange(1, 7, 2, device=d), np.arange(1, 7, 2)),
    ("asarray", lambda d: gnp.asarray([1.0, 2.0], device=d), np.array([1.0, 2.0])),
]


@pytest.mark.parametrize("name, make, want", _CREATORS, ids=[c[0] for c in _CREATORS])
def test_creation_device_keyword(backend, name, make, want):
    here = gnp.zeros((0,))
    own = getattr(here, "device", "cpu")  # the backend's device (NumPy 2: "cpu")
    for device in (None, "cpu", own):
        got = make(device)
        assert got.shape == want.shape and got.dtype == want.dtype
        if name not in ("empty", "empty_like"):
            np.testing.assert_array_equal(to_numpy(got), want)
    with pytest.raises(ValueError, match=f"{name}: device='cuda:7' is not supported"):
        make("cuda:7")


def test_creation_device_keyword_program(backend):
    # gpt.py's shape: positions made with device=, used as an index and in a Tensor sum
    w = ad.tensor(gnp.asarray(np.arange(12.0).reshape(4, 3)), requires_grad=True)
    pos = gnp.arange(3, device="cpu")
    out = (w[pos] * gnp.ones((3, 3), device="cpu")).sum()
    out.backward()
    want = np.zeros((4, 3))
    want[:3] = 1.0
    np.testing.assert_array_equal(to_numpy(w.grad), want)
