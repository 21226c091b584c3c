"""Scheduler hyperparameters given as Tensors are copied when the scheduler is made (torch
clones them): writing into the caller's tensor afterwards changes neither the groups'
entries nor the schedule. (Before, CyclicLR and OneCycleLR kept the caller's tensor for
``max_momentum``/``base_momentum``/``max_lr``, so the momentum cycle silently followed it;
and CyclicLR set a float group ``lr`` to its ``base_lr`` tensor itself, which the next steps
then overwrote in place, so the cycle stuck at ``max_lr`` -- torch's behaviour too.)"""

from __future__ import annotations

import numpy as np

import gpuad as ad
from gpuad import optim
from gpuad.optim import lr_scheduler as S
from gpuad.optim import swa_utils as U


def _t(v):
    return ad.tensor(ad.get_backend().xp.asarray(v, dtype=np.float64))


def _opt(**kw):
    p = ad.tensor(ad.get_backend().xp.asarray([1.0, 2.0]), requires_grad=True)
    return optim.SGD([p], lr=0.1, **kw)


def _run(make, values, n=6):
    """The rates and momenta of ``n`` steps; the Tensors among ``values`` are halved in
    place after the scheduler is made."""
    opt = _opt(momentum=0.9)
    sched = make(opt, *values)
    for t in values:
        if not isinstance(t, ad.Tensor):
            continue
        with ad.no_grad():
            t[...] = t * 0.5
    out = []
    for _ in range(n):
        opt.step()
        sched.step()
        g = opt.param_groups[0]
        out.append((float(g["lr"]), float(g["momentum"]),
                    *(float(g[k]) for k in ("max_momentum", "base_momentum", "swa_lr")
                      if k in g)))
    return out


def test_tensor_hyperparameters_are_copied(backend):
    makers = [
        lambda o, lo, hi, bm, mm: S.CyclicLR(o, base_lr=lo, max_lr=hi, base_momentum=bm,
                                             max_momentum=mm, step_size_up=2),
        lambda o, hi, bm, mm: S.OneCycleLR(o, max_lr=hi, total_steps=8, base_momentum=bm,
                                           max_momentum=mm),
        lambda o, swa: U.SWALR(o, swa_lr=swa, anneal_epochs=3),
    ]
    args = [(0.1, 0.2, 0.8, 0.9), (0.3, 0.85, 0.95), (0.05,)]
    for make, vals in zip(makers, args, strict=True):
        floats = _run(make, vals)
        tensors = _run(make, [_t(v) for v in vals])
        np.testing.assert_allclose(tensors, floats, rtol=1e-15)
