"""Branches of an optimizer turned on or off between steps (SGD's momentum and Nesterov,
Adam's ``amsgrad``, RMSprop's ``centered`` and momentum), as torch.optim handles them: a buffer
made at a parameter's first step by the rule itself (SGD's momentum buffer is the gradient) or
kept from an earlier period is used as torch uses it; a buffer torch would look up and not find
(``amsgrad``, ``centered`` or RMSprop's momentum turned on after the first step: torch raises
``KeyError``) raises :class:`gpuad.optim.MissingStateError` before anything is updated. Eager
steps and compiled training steps alike, compared with torch where it is installed."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import optim

R = np.random.default_rng(5)
W0 = R.normal(size=3)
XS = [R.normal(size=3) for _ in range(8)]


def _loss(w, x, lib):
    return ((w * x - 1.0) ** 2).sum() + lib.sin(w).sum()


class _Gpuad:
    def __init__(self, name, kw, compiled):
        self.w = ad.tensor(ad.get_backend().xp.asarray(W0.copy()), requires_grad=True)
        self.opt = getattr(optim, name)([self.w], **kw)

        def step(x):
            self.opt.zero_grad()
            loss = _loss(self.w, x, gnp)
            loss.backward()
            self.opt.step()
            return loss

        self.step = ad.jit(step) if compiled else step

    def __call__(self, k):
        self.step(ad.get_backend().xp.asarray(XS[k]))

    def set(self, key, value):
        self.opt.param_groups[0][key] = value

    def value(self):
        return to_numpy(self.w)


class _Torch:
    def __init__(self, name, kw):
        self.torch = pytest.importorskip("torch")
        self.w = self.torch.tensor(W0.copy(), requires_grad=True)
        self.opt = getattr(self.torch.optim, name)([self.w], **kw)

    def __call__(self, k):
        self.opt.zero_grad()
        _loss(self.w, self.torch.tensor(XS[k]), self.torch).backward()
        self.opt.step()

    def set(self, key, value):
        self.opt.param_groups[0][key] = value

    def value(self):
        return self.w.detach().numpy()


# (optimizer, keywords, {call: [(key, value), ...]}): toggles torch follows without an error
FOLLOWED = {
    # momentum turned on (its buffer starts from the gradient), Nesterov on and off, momentum
    # off and on again (the buffer kept from the first period continues)
    "sgd": ("SGD", {"lr": 0.05}, {1: [("momentum", 0.9)], 2: [("nesterov", True)],
                                  3: [("nesterov", False), ("momentum", 0.0)],
                                  4: [("momentum", 0.9)]}),
    "adam_amsgrad_off_on": ("Adam", {"lr": 0.05, "amsgrad": True}, {2: [("amsgrad", False)],
                                                                   4: [("amsgrad", True)]}),
    "adam_amsgrad_before_any_step": ("Adam", {"lr": 0.05}, {0: [("amsgrad", True)]}),
    "rmsprop_off_on": ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5},
                       {2: [("centered", False), ("momentum", 0.0)],
                        4: [("centered", True), ("momentum", 0.7)]}),
}


@pytest.mark.parametrize("case", FOLLOWED)
def test_toggled_branches_follow_torch(backend, case):
    # a compiled training step (traced again at each toggle), its eager twin and torch
    name, kw, toggles = FOLLOWED[case]
    ours = _Gpuad(name, kw, True)
    try:
        ref = _Torch(name, kw)
    except pytest.skip.Exception:
        ref = None
    eager = _Gpuad(name, kw, False)
    for k in range(6):
        for key, value in toggles.get(k, ()):
            for r in (ours, ref, eager):
                if r is not None:
                    r.set(key, value)
        for r in (ours, ref, eager):
            if r is not None:
                r(k)
        if ref is not None:
            np.testing.assert_allclose(ours.value(), ref.value(), rtol=1e-10, atol=1e-12,
                                       err_msg=f"step {k}")
        np.testing.assert_array_equal(ours.value(), eager.value())  # compiled is eager


# toggles after the first step that torch refuses (KeyError: the buffer it looks up)
REFUSED = {
    "adam_amsgrad_on": ("Adam", {"lr": 0.05}, "amsgrad", True, "vmax", "v", "max_exp_avg_sq"),
    "rmsprop_centered_on": ("RMSprop", {"lr": 0.01}, "centered", True, "grad_avg", None,
                            "grad_avg"),
    "rmsprop_momentum_on": ("RMSprop", {"lr": 0.01}, "momentum", 0.9, "momentum_buffer", None,
                            "momentum_buffer"),
}


def _state(o):
    st = o.opt.state[0]
    return (o.value().copy(), o.opt.step_count,
            {k: to_numpy(v).copy() if hasattr(v, "shape") else v for k, v in st.items()})


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("case", REFUSED)
def test_buffer_torch_would_not_find_raises_and_changes_nothing(backend, case, compiled):
    name, kw, key, value, buf, like, torch_key = REFUSED[case]
    ours = _Gpuad(name, kw, compiled)
    ref = None
    try:
        ref = _Torch(name, kw)
    except pytest.skip.Exception:
        pass
    for k in range(2):
        ours(k)
        if ref is not None:
            ref(k)
    ours.set(key, value)
    before = _state(ours)
    with pytest.raises(optim.MissingStateError, match=f"{key} is on") as e:
        ours(2)
    assert isinstance(e.value, KeyError)
    assert f"KeyError('{torch_key}')" in str(e.value) and f"[{buf!r}]" in str(e.value)
    after = _state(ours)
    np.testing.assert_array_equal(after[0], before[0])
    assert after[1] == before[1] and sorted(after[2]) == sorted(before[2])
    for k2, v in before[2].items():
        np.testing.assert_array_equal(after[2][k2], v)
    if ref is not None:
        ref.set(key, value)
        with pytest.raises(KeyError, match=torch_key):
            ref(2)
    # the way on the message gives: the buffer set explicitly, as one would in torch
    st = ours.opt.state[0]
    start = st[like].copy() if like else st["square_avg"] * 0
    st[buf] = start
    if ref is not None:
        tst = ref.opt.state[ref.w]
        tst[torch_key] = (tst["exp_avg_sq"].clone() if like else
                          ref.torch.zeros_like(tst["square_avg"]))
    for k in range(2, 5):
        ours(k)
        if ref is not None:
            ref(k)
            np.testing.assert_allclose(ours.value(), ref.value(), rtol=1e-10, atol=1e-12)
    assert ours.opt.step_count == 5
