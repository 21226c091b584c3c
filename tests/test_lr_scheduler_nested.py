"""A SequentialLR whose first scheduler is itself a SequentialLR or a ChainedScheduler gives the
rates that scheduler gives on its own (before, being wrapped stepped it once more when made:
a two-level schedule ran an epoch ahead, silently, as torch's still does); a composite after
a milestone and a resumed ``last_epoch`` raise instead of giving wrong rates."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpuad as ad
from gpuad import optim
from gpuad.optim import lr_scheduler as S


def _opt():
    p = ad.tensor(ad.get_backend().xp.asarray([1.0, -2.0]), requires_grad=True)
    return optim.SGD([p], lr=0.1)


def _rates(sched, opt, n=6):
    out = []
    for _ in range(n):
        out.append(float(sched.get_last_lr()[0]))
        opt.step()
        sched.step()
    return out


MAKERS = [
    lambda o: S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=2),
                                 S.ConstantLR(o, factor=0.2, total_iters=10)], [2]),
    lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=2),
                                  S.ExponentialLR(o, gamma=0.9)], optimizer=o),
]


@pytest.mark.parametrize("k", range(len(MAKERS)))
def test_wrapping_a_composite_changes_nothing(backend, k):
    make = MAKERS[k]
    o = _opt()
    direct = _rates(make(o), o)
    # the rules written out: 0.1 * factors, epoch by epoch
    want = ([0.05, 0.05, 0.02, 0.02, 0.02, 0.02] if k == 0 else
            [0.1 * 0.9 ** e * (0.5 if e < 2 else 1.0) for e in range(6)])
    np.testing.assert_allclose(direct, want, rtol=1e-13)
    o = _opt()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no step before optimizer.step() was taken
        wrapped = S.SequentialLR(o, [make(o)], milestones=[])
        np.testing.assert_allclose(_rates(wrapped, o), want, rtol=1e-13)


def test_composite_later_or_resumed_raises():
    o = _opt()
    with pytest.raises(NotImplementedError, match="scheduler 1 is a SequentialLR"):
        S.SequentialLR(o, [S.ConstantLR(o, 0.5, 2), MAKERS[0](o)], [2])
    for g in o.param_groups:
        g["initial_lr"] = 0.1
    with pytest.raises(ValueError, match="last_epoch=4"):
        S.SequentialLR(o, [S.ConstantLR(o, 0.1, 20), S.ExponentialLR(o, 0.9)], [3],
                       last_epoch=4)
