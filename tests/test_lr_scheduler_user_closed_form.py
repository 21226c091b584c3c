"""A user's scheduler that defines its closed form under torch's name, ``_get_closed_form_lr``
(as one ported from torch does), gets it for ``step(epoch)`` (before, gpuad looked only for
its own ``_closed_form_lr`` and silently applied the recursion at the given epoch)."""

from __future__ import annotations

import warnings

import numpy as np

import gpuad as ad
from gpuad import optim
from gpuad.optim import lr_scheduler as S


class Halving(S.LRScheduler):
    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % 2:
            return [g["lr"] for g in self.optimizer.param_groups]
        return [g["lr"] * 0.5 for g in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [b * 0.5 ** (self.last_epoch // 2) for b in self.base_lrs]


def test_torch_named_closed_form_is_used(backend):
    p = ad.tensor(ad.get_backend().xp.asarray([1.0]), requires_grad=True)
    opt = optim.SGD([{"params": [p]}, {"params": [], "lr": 0.4}], lr=0.1)
    s = Halving(opt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecated epoch argument
        for e in (9, 2, 7, 0):
            opt.step()
            s.step(e)
            np.testing.assert_allclose(s.get_last_lr(), [0.1 * 0.5 ** (e // 2),
                                                         0.4 * 0.5 ** (e // 2)], rtol=1e-15)
