"""Data-parallel training on the CPU: gpuad.distributed (MPI) beside PyTorch DDP (gloo).

Run: ``python benchmarks/distributed.py --md benchmarks/results/distributed.md`` (~2 min on two
cores; ``--quick`` for a smoke run). Needs mpi4py and mpiexec (``pip install
'gpuad[distributed]'``) and, for the peer, torch.

Workload: one SGD step of a depth-4 ReLU MLP (width 1024, float32, MSE loss, batch 256 per
rank: weak scaling), each rank on one core (``OMP_NUM_THREADS=1``). Figures, in one run:

- seconds per step with 1 and 2 ranks for both frameworks, and the weak-scaling efficiency
  ``t(1 rank) / t(2 ranks)`` (1.0 is perfect: the all-reduce is hidden or free);
- the overhead of ``DataParallel`` with one rank: the step of the wrapped model against the
  same step without it, in the same process (and DDP's against plain PyTorch, for reference).

A step's time is the slowest rank's (max over ranks); each figure is the median of several
timed repeats of a few steps each, after warmup steps.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _data(width: int, batch: int, depth: int, rank: int):
    rng = np.random.default_rng(1)
    params = [((rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32),
               (rng.standard_normal(width) * 0.01).astype(np.float32)) for _ in range(depth)]
    rng = np.random.default_rng(100 + rank)
    X = rng.standard_normal((batch, width)).astype(np.float32)
    Y = rng.standard_normal((batch, width)).astype(np.float32)
    return params, X, Y


def _timed(step, steps: int, repeats: int, warmup: int, barrier, slowest) -> list[float]:
    for _ in range(warmup):
        step()
    out = []
    for _ in range(repeats):
        barrier()
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        out.append(slowest(time.perf_counter() - t0) / steps)
    return out


# ---- workers (one process per rank) -----------------------------------------------------------

def worker_gpuad(a) -> None:
    import gpuad as ad
    import gpuad.distributed as dist
    import gpuad.numpy as gnp
    from gpuad.nn.functional import relu

    dist.init("mpi")
    rank, world = dist.rank(), dist.world_size()
    params, X, Y = _data(a.width, a.batch, 4, rank)

    def model(ps):
        h = X
        for i in range(0, len(ps), 2):
            h = h @ ps[i] + ps[i + 1]
            if i < len(ps) - 2:
                h = relu(h)
        d = h - Y
        return gnp.mean(d * d)

    def fresh():
        return [ad.tensor(v.copy(), requires_grad=True) for W, b in params for v in (W, b)]

    def sgd_step(ps):
        def step():
            for p in ps:
                p.grad = None
            model(ps).backward()
            with ad.no_grad():
                for p in ps:
                    p.data -= 1e-3 * p.grad.data
        return step

    def slowest(t):
        return float(dist.all_reduce(np.array([t]), "max")[0])

    res = {"world": world, "comm": dist.get_comm().name}
    plain, wrapped = [], []
    ps_plain, ps_dp = fresh(), fresh()
    for _ in range(a.rounds):  # interleaved, so both see the same machine load
        plain += _timed(sgd_step(ps_plain), a.steps, 1, 1, dist.barrier, slowest)
        dp = dist.DataParallel(ps_dp, bucket_mb=a.bucket_mb)
        wrapped += _timed(sgd_step(ps_dp), a.steps, 1, 1, dist.barrier, slowest)
        events = [e for e in dp.events if e[0] == dp.sweeps]
        dp.close()
    res["own_fraction"] = _own_time(dist, sgd_step(ps_dp), a.bucket_mb, ps_dp)
    res.update(plain_s=statistics.median(plain), dp_s=statistics.median(wrapped),
               plain_rounds=plain, dp_rounds=wrapped,
               buckets=len(dp.buckets),
               launch_steps=[e[3] for e in events if e[1] == "launch"],
               sweep_steps=[e[3] for e in events if e[1] == "sweep_end"][0])
    if rank == 0:
        print("RESULT " + json.dumps(res), flush=True)


def _own_time(dist, step, bucket_mb, ps, steps: int = 10) -> float:
    """The fraction of a step spent in the wrapper's own code (graph walk, bucket copies, the
    wait and write-back), timed at its three entry points from the engine. Less sensitive to
    other load on the machine than the difference of two step times."""
    from gpuad.distributed import data_parallel as m

    spent = [0.0]

    def timed(f):
        def g(*args, **kw):
            t0 = time.perf_counter()
            try:
                return f(*args, **kw)
            finally:
                spent[0] += time.perf_counter() - t0
        return g

    saved = m.DataParallel._watch, m._Sweep.before, m._Sweep.finish
    m.DataParallel._watch = timed(saved[0])
    m._Sweep.before, m._Sweep.finish = timed(saved[1]), timed(saved[2])
    dp = dist.DataParallel(ps, bucket_mb=bucket_mb)
    try:
        step()
        spent[0] = 0.0
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        return spent[0] / (time.perf_counter() - t0)
    finally:
        m.DataParallel._watch, m._Sweep.before, m._Sweep.finish = saved
        dp.close()


def worker_torch(a) -> None:
    import torch
    import torch.distributed as tdist
    from torch.nn.parallel import DistributedDataParallel as DDP

    torch.set_num_threads(1)
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    tdist.init_process_group("gloo", rank=rank, world_size=world)
    params, X, Y = _data(a.width, a.batch, 4, rank)
    X, Y = torch.from_numpy(X), torch.from_numpy(Y)

    def build():
        layers = []
        for i, (W, b) in enumerate(params):
            lin = torch.nn.Linear(a.width, a.width)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(W.T.copy()))
                lin.bias.copy_(torch.from_numpy(b))
            layers.append(lin)
            if i < len(params) - 1:
                layers.append(torch.nn.ReLU())
        return torch.nn.Sequential(*layers)

    def sgd_step(net):
        opt = torch.optim.SGD(net.parameters(), lr=1e-3)

        def step():
            opt.zero_grad(set_to_none=True)
            ((net(X) - Y) ** 2).mean().backward()
            opt.step()
        return step

    def slowest(t):
        v = torch.tensor([t], dtype=torch.float64)
        tdist.all_reduce(v, op=tdist.ReduceOp.MAX)
        return float(v[0])

    plain, wrapped = [], []
    net_plain, net_dp = build(), DDP(build(), bucket_cap_mb=a.bucket_mb)
    for _ in range(a.rounds):
        plain += _timed(sgd_step(net_plain), a.steps, 1, 1, tdist.barrier, slowest)
        wrapped += _timed(sgd_step(net_dp), a.steps, 1, 1, tdist.barrier, slowest)
    if rank == 0:
        print("RESULT " + json.dumps({"world": world, "plain_s": statistics.median(plain),
                                      "dp_s": statistics.median(wrapped),
                                      "plain_rounds": plain, "dp_rounds": wrapped,
                                      "torch": torch.__version__}), flush=True)
    tdist.destroy_process_group()


# ---- driver ------------------------------------------------------------------------------------

def _env() -> dict:
    env = dict(os.environ)
    env.update(ONE_CORE)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(k, None)
    return env


def _worker_args(a) -> list[str]:
    return ["--width", str(a.width), "--batch", str(a.batch), "--steps", str(a.steps),
            "--rounds", str(a.rounds), "--bucket-mb", str(a.bucket_mb)]


def _result(out: str, what: str) -> dict:
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{what} printed no result:\n{out[-3000:]}")


def run_gpuad(a, world: int) -> dict:
    exe = Path(sys.executable).parent / "mpiexec"
    exe = str(exe) if exe.exists() else "mpiexec"
    info = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
    flags = ["-launcher", "fork"] if "HYDRA" in info else \
        ["--allow-run-as-root", "--oversubscribe"] if "Open MPI" in info else []
    cmd = [exe, *flags, "-n", str(world), sys.executable, __file__, "--worker", "gpuad",
           *_worker_args(a)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=1200)
    return _result(r.stdout + r.stderr, f"gpuad with {world} ranks")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_torch(a, world: int) -> dict:
    env = _env()
    env.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()), WORLD_SIZE=str(world))
    procs = []
    for r in range(world):
        procs.append(subprocess.Popen(
            [sys.executable, __file__, "--worker", "torch", *_worker_args(a)],
            env={**env, "RANK": str(r)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True))
    outs = [p.communicate(timeout=1200)[0] for p in procs]
    return _result(outs[0], f"torch DDP with {world} ranks")


def _machine() -> str:
    model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def report(a, res: dict) -> str:
    g1, g2, t1, t2 = res["gpuad1"], res["gpuad2"], res.get("torch1"), res.get("torch2")
    mb = 4 * 4 * (a.width * a.width + a.width) / 1e6
    def ms(r, k):
        return f"{r[k] * 1e3:.1f} ms" if r else "-"

    def eff(f, *rs):
        return f(*rs) if all(rs) else "-"

    rows = [
        f"| step, 1 rank, without the wrapper | {ms(g1, 'plain_s')} | {ms(t1, 'plain_s')} |",
        f"| step, 1 rank, wrapped | {ms(g1, 'dp_s')} | {ms(t1, 'dp_s')} |",
        f"| step, 2 ranks, wrapped | {ms(g2, 'dp_s')} | {ms(t2, 'dp_s')} |",
        f"| step, 2 ranks, without the wrapper (no communication) | {ms(g2, 'plain_s')} | "
        f"{ms(t2, 'plain_s')} |",
        "| weak-scaling efficiency 1 -> 2 ranks: t(1, wrapped) / t(2, wrapped) | "
        + " | ".join(eff(lambda x, y: f"{x['dp_s'] / y['dp_s']:.2f}", x, y)
                     for x, y in ((g1, g2), (t1, t2))) + " |",
        "| communication efficiency, 2 ranks: t(2, unwrapped) / t(2, wrapped) | "
        + " | ".join(eff(lambda x: f"{1 / x['ratio']:.2f}", x) for x in (g2, t2)) + " |",
        "| overhead of the wrapper, 1 rank: t(1, wrapped) / t(1, unwrapped) - 1 | "
        + " | ".join(eff(lambda x: f"{100 * (x['ratio'] - 1):+.1f}%", x) for x in (g1, t1))
        + " |",
    ]
    lines = [
        "# Data-parallel training on the CPU: gpuad.distributed beside PyTorch DDP",
        "",
        f"Machine: {_machine()}; {datetime.date.today().isoformat()}. "
        f"Produced by `python benchmarks/distributed.py --md ...` (one run, both frameworks).",
        "",
        f"Workload: one SGD step of a depth-4 ReLU MLP, width {a.width}, float32, MSE loss, "
        f"batch {a.batch} per rank (weak scaling), one core per rank; {mb:.1f} MB of "
        f"gradients all-reduced per step in buckets of {a.bucket_mb:g} MB. gpuad over MPI "
        f"(mpi4py, MPICH {res.get('mpich', '?')}), PyTorch "
        f"{t1['torch'] if t1 else '(not run)'} DDP "
        f"over gloo. A step's time is the slowest rank's; each time is the median of "
        f"{a.rounds} repeats of {a.steps} steps, the best of {a.trials} trials that alternate "
        f"the frameworks (the machine's cores are shared with other work, which only slows a "
        f"run down: load average {res['load_before'][0]:.1f} before the run, "
        f"{res['load_after'][0]:.1f} after). The two ratios (communication efficiency, "
        f"overhead) compare wrapped and unwrapped steps that alternate in the same processes, "
        f"repeat by repeat, median over all repeats.",
        "",
        "| | gpuad (MPI) | PyTorch DDP (gloo) |",
        "|---|---|---|",
        *rows,
        f"| time in the wrapper's own code, 1 rank (timed at its entry points) | "
        f"{100 * g1['own_fraction']:.1f}% of a step | - |",
        "",
        f"gpuad's step with 2 ranks started its {g2['buckets']} bucket all-reduce(s) at "
        f"reverse-sweep steps {g2['launch_steps']} of {g2['sweep_steps']} (the steps after the "
        f"last launch only hand over the leaf adjoints). On this machine two ranks share two "
        f"cores with other work, so the step without any communication already slows from 1 "
        f"to 2 ranks; the communication efficiency isolates the cost of the all-reduce. See "
        f"docs/distributed.md for the scaling model.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", choices=["gpuad", "torch"], default=None)
    p.add_argument("--width", type=int, default=1024)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--bucket-mb", type=float, default=25.0)
    p.add_argument("--quick", action="store_true", help="width 256, 2 rounds of 2 steps")
    p.add_argument("--trials", type=int, default=3, help="runs of everything; the best counts")
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--md", default=None, help="write the table here")
    p.add_argument("--json", default=None)
    a = p.parse_args()
    if a.worker == "gpuad":
        return worker_gpuad(a)
    if a.worker == "torch":
        return worker_torch(a)
    if a.quick:
        a.width, a.steps, a.rounds, a.trials = 256, 2, 2, 1
    res = {"load_before": os.getloadavg()}
    try:
        from mpi4py import MPI

        res["mpich"] = MPI.Get_library_version().split("\n")[0].split()[-1]
    except ImportError:
        sys.exit("benchmarks/distributed.py needs mpi4py and mpiexec: pip install "
                 "'gpuad[distributed]'")
    trials: dict[str, list] = {}
    for _ in range(a.trials):  # alternating, so both frameworks meet the same machine load
        for w in (1, 2):
            for fw, run in (("gpuad", run_gpuad), ("torch", run_torch)):
                if fw == "torch" and a.no_torch:
                    continue
                r = run(a, w)
                trials.setdefault(f"{fw}{w}", []).append(r)
                print(f"{fw} {w} rank(s): {r}", flush=True)
    for k, rs in trials.items():
        best = dict(rs[0])
        # other work on the machine only ever slows a run down: the fastest trial counts ...
        best["plain_s"] = min(r["plain_s"] for r in rs)
        best["dp_s"] = min(r["dp_s"] for r in rs)
        # ... while a ratio of the wrapped to the unwrapped step is taken round by round (the
        # two alternate in one process, under the same load), the median over all rounds
        best["ratio"] = statistics.median(d / p for r in rs for p, d in
                                          zip(r["plain_rounds"], r["dp_rounds"], strict=True))
        res[k] = best
    res["load_after"] = os.getloadavg()
    res["trials"] = trials
    text = report(a, res)
    print(text)
    if a.md:
        Path(a.md).write_text(text)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
