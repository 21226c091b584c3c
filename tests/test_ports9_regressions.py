"""What the ninth round of ported programs (tests/conformance/test_ports_programs_round9*.py)
found: llama2.c's ``Transformer`` registers its rotary tables with
``register_buffer(name, t, persistent=False)``, which gpuad's ``Module`` did not take (a
``TypeError``); such buffers are now listed by ``named_buffers`` but left out of
``state_dict`` and of what ``load_state_dict`` expects, as torch's."""

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
