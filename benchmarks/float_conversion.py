"""Cost of ``float(t)`` on a Tensor that requires grad, the common ``float(loss)`` of a training
loop after ``backward``: gpuad with and without the check that names C functions converting a
recorded Tensor (``math.sin(t)``; gpuad/_float_callers.py), an untracked Tensor, and PyTorch's
``float(loss)`` when torch is installed.

    python benchmarks/float_conversion.py

All figures come from this one process, the variants alternating so that load from other jobs
falls on each alike; each is the fastest of ``--repeats`` repeats of ``--calls`` calls.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import timeit
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import gpuad as ad  # noqa: E402
from gpuad import _numpy_protocol as _P  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args(argv)
    x = ad.tensor(np.arange(3.0), requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    const = ad.tensor(np.array(5.0))
    variants = {}

    def loop_loss():
        for _ in range(args.calls):
            float(loss)

    def loop_const():
        for _ in range(args.calls):
            float(const)

    real = _P._check_float_caller
    off = lambda t, f: None  # noqa: E731
    runs = [("float(loss), checked", loop_loss, real), ("float(loss), no check", loop_loss, off),
            ("float(untracked)", loop_const, real)]
    if importlib.util.find_spec("torch") is not None:
        import torch

        warnings.filterwarnings("ignore", "Converting a tensor with requires_grad")
        v = torch.arange(3.0, dtype=torch.float64, requires_grad=True)
        tloss = (v * v).sum()
        tloss.backward()

        def loop_torch():
            for _ in range(args.calls):
                float(tloss)
        runs.append(("torch float(loss)", loop_torch, real))
    for _ in range(args.repeats):
        for name, fn, check in runs:
            _P._check_float_caller = check
            t = timeit.timeit(fn, number=1) / args.calls * 1e6
            variants[name] = min(variants.get(name, t), t)
    _P._check_float_caller = real
    for name, us in variants.items():
        print(f"{name:24s} {us:7.3f} us per call")
    extra = variants["float(loss), checked"] - variants["float(loss), no check"]
    print(f"the check adds {extra:.3f} us per float(loss)")


if __name__ == "__main__":
    main()
