"""Host cost per call of NumPy's own functions on Tensors against the gpuad.numpy path.

    python benchmarks/dispatch.py                          # this tree only
    python benchmarks/dispatch.py --baseline /path/to/other/checkout   # and another gpuad
    python benchmarks/dispatch.py --torch        # and the same calls in PyTorch eager

Each tree is timed in its own interpreter (``PYTHONPATH`` pointing at it), alternating between
trees for several rounds; every figure is the fastest of 25 timed repeats over all rounds (the
figure least disturbed by other load), in microseconds per call on a 10-element float64 Tensor
that requires grad, so recording is included; "+bwd" rows add the backward of the (summed)
result, leaf gradients cleared first. ``numpy.sin(t)`` goes
through ``Tensor.__array_ufunc__``, ``numpy.sum(t)`` through ``Tensor.__array_function__``; on a
gpuad without them NumPy converts the Tensor instead (no recording: the figure is marked).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r'''
import json, sys, time
import numpy as np
import gpuad as ad
import gpuad.numpy as gnp

t = ad.tensor(np.linspace(0.1, 1.0, 10), requires_grad=True)
u = ad.tensor(np.linspace(1.0, 2.0, 10), requires_grad=True)
c = np.linspace(2.0, 3.0, 10)
protocol = hasattr(ad.Tensor, "__array_ufunc__")
cases = {
    "gnp.sin(t)": lambda: gnp.sin(t),
    "numpy.sin(t)": lambda: np.sin(t),
    "t + u": lambda: t + u,
    "numpy.add(t, u)": lambda: np.add(t, u),
    "ndarray * t": lambda: c * t,
    "gnp.sum(t)": lambda: gnp.sum(t),
    "t.sum()": lambda: t.sum(),
    "numpy.sum(t)": lambda: np.sum(t),
    "gnp.mean(t)": lambda: gnp.mean(t),
    "gnp.dot(t, u)": lambda: gnp.dot(t, u),
    "numpy.dot(t, u)": lambda: np.dot(t, u),
    "t[3]": lambda: t[3],
    "t.reshape(2, 5)": lambda: t.reshape(2, 5),
}
if protocol:
    cases["gnp.sum([t[0], t[1]])"] = lambda: gnp.sum([t[0], t[1]])


def _bwd(fn):
    def run():
        t.grad = u.grad = None
        r = fn()
        (r if r.ndim == 0 else gnp.sum(r)).backward()
    return run


for name in BWD:
    if name in cases:
        cases[name + " +bwd"] = _bwd(cases[name])
number = int(sys.argv[1])
out = {}
for name, fn in cases.items():
    try:
        fn()
    except Exception:
        continue
    samples = []
    for _ in range(25):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - t0) / number * 1e6)
    out[name] = min(samples)
print(json.dumps({"protocol": protocol, "us": out}))
'''


# the same calls on torch tensors that require grad (PyTorch eager, one intra-op thread); a
# call with no torch counterpart (NumPy's own functions on a Tensor) is left out
TORCH_CHILD = r'''
import json, sys, time
import numpy as np
import torch

torch.set_num_threads(1)
t = torch.tensor(np.linspace(0.1, 1.0, 10), requires_grad=True)
u = torch.tensor(np.linspace(1.0, 2.0, 10), requires_grad=True)
c = torch.tensor(np.linspace(2.0, 3.0, 10))
cases = {
    "gnp.sin(t)": lambda: torch.sin(t),
    "t + u": lambda: t + u,
    "ndarray * t": lambda: c * t,
    "gnp.sum(t)": lambda: torch.sum(t),
    "t.sum()": lambda: t.sum(),
    "gnp.mean(t)": lambda: torch.mean(t),
    "gnp.dot(t, u)": lambda: torch.dot(t, u),
    "t[3]": lambda: t[3],
    "t.reshape(2, 5)": lambda: t.reshape(2, 5),
    "gnp.sum([t[0], t[1]])": lambda: torch.sum(torch.stack([t[0], t[1]])),
}


def _bwd(fn):
    def run():
        t.grad = u.grad = None
        r = fn()
        (r if r.ndim == 0 else r.sum()).backward()
    return run


for name in BWD:
    cases[name + " +bwd"] = _bwd(cases[name])
number = int(sys.argv[1])
out = {}
for name, fn in cases.items():
    fn()
    samples = []
    for _ in range(25):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - t0) / number * 1e6)
    out[name] = min(samples)
print(json.dumps({"protocol": True, "us": out}))
'''
# calls also timed with the backward of their (summed) result, leaf gradients cleared first
BWD = ("gnp.sin(t)", "t + u", "gnp.sum(t)", "gnp.dot(t, u)", "t[3]", "t.reshape(2, 5)")


def _run(tree: Path, number: int, child: str = CHILD) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    code = f"BWD = {BWD!r}\n" + child
    r = subprocess.run([sys.executable, "-c", code, str(number)], env=env, cwd=str(tree),
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, default=None,
                    help="another gpuad checkout to time in the same run")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--number", type=int, default=300, help="calls per timed repeat")
    ap.add_argument("--torch", action="store_true",
                    help="add a column: the same calls in PyTorch eager (requires_grad)")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    ap.add_argument("--md", type=Path, default=None, help="write the table here")
    args = ap.parse_args(argv)
    trees = {"this tree": ROOT}
    if args.baseline is not None:
        trees["baseline"] = args.baseline.resolve()
    children = {k: CHILD for k in trees}
    if args.torch:
        trees["torch"] = ROOT
        children["torch"] = TORCH_CHILD
    best: dict[str, dict[str, float]] = {k: {} for k in trees}
    protocol: dict[str, bool] = {}
    for _ in range(args.rounds):
        for label, tree in trees.items():
            res = _run(tree, args.number, children[label])
            protocol[label] = res["protocol"]
            for name, us in res["us"].items():
                best[label][name] = min(us, best[label].get(name, float("inf")))
    names = list(best["this tree"])
    lines = ["| call | " + " | ".join(f"{k} (us)" for k in trees) + " |",
             "|---" * (len(trees) + 1) + "|"]
    for n in names:
        cells = []
        for label in trees:
            v = best[label].get(n)
            mark = "" if protocol[label] or not n.startswith("numpy.") else " (not recorded)"
            cells.append("-" if v is None else f"{v:.2f}{mark}")
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    if args.torch:
        lines[0] += " this tree / torch |"
        lines[1] += "---|"
        for k, n in enumerate(names):
            g, tt = best["this tree"].get(n), best["torch"].get(n)
            lines[k + 2] += f" {g / tt:.2f} |" if g is not None and tt is not None else " - |"
    print("\n".join(lines))
    if args.md is not None:
        args.md.write_text("\n".join(lines) + "\n")
    result = {"trees": {k: str(v) for k, v in trees.items()}, "us_per_call": best,
              "protocol": protocol}
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
