"""Failure cases, one per run: ``mpiexec -n 2 python tests/mpi/failures.py MODE``.

- ``raise``: rank 1 raises before its backward; the job must end (not hang), naming rank 1.
- ``stall``: rank 1 stops taking part without an error (it sleeps); rank 0 must raise a
  timeout error naming the bucket it waited for, within the 2 s limit.
- ``shapes``: rank 1 builds a wider model; every rank must refuse it at DataParallel(...).
"""

from __future__ import annotations

import sys
import time

import numpy as np

import gpuad.distributed as dist
import gpuad.numpy as gnp
from gpuad import nn

mode = sys.argv[1]
dist.init("mpi", timeout=2.0)
R = dist.rank()
width = 9 if (mode == "shapes" and R == 1) else 8
model = dist.DataParallel(nn.MLP([4, width, 2]), bucket_mb=0.0001)
x = np.ones((3, 4))
if mode == "raise" and R == 1:
    raise RuntimeError("rank 1 fails on purpose")
if mode == "stall" and R == 1:
    time.sleep(60)
gnp.sum(model(x) ** 2).backward()
print(f"rank {R}: backward done", flush=True)
