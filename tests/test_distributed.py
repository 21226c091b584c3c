"""gpuad.distributed: collectives, DataParallel, sharding, checkpoints, failures.

The multi-process checks run ``mpiexec -n 2`` and ``-n 3`` on tests/mpi/*.py (skipped with a
reason where mpi4py or mpiexec is missing: ``pip install 'gpuad[distributed]'``). The NCCL
communicator runs here on a fake NCCL (threads as ranks, NumPy buffers), which checks its stream
and group logic without a GPU. The rest runs in this process on the group of one.
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import numpy as np
import pytest

import gpuad as ad
import gpuad.distributed as dist
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.distributed._comm import SingleProcess
from gpuad.distributed._nccl import NCCLComm
from gpuad.testing import _host, check_grads

ROOT = Path(__file__).resolve().parent.parent
MPI_DIR = Path(__file__).resolve().parent / "mpi"


# ---- running mpiexec ----------------------------------------------------------------------

@functools.cache
def _mpiexec() -> list[str] | None:
    exe = Path(sys.executable).parent / "mpiexec"
    found = str(exe) if exe.exists() else shutil.which("mpiexec")
    if found is None:
        return None
    try:
        info = subprocess.run([found, "--version"], capture_output=True, text=True,
                              timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    if "HYDRA" in info:  # MPICH: start the ranks as local processes (no ssh, any user)
        return [found, "-launcher", "fork"]
    if "Open MPI" in info or "OpenRTE" in info:  # containers often run as root, on few cores
        return [found, "--allow-run-as-root", "--oversubscribe"]
    return [found]


def run_mpi(n: int, script: str, *args: str, timeout: float = 60.0):
    pytest.importorskip("mpi4py", reason="mpi4py is not installed: pip install "
                                         "'gpuad[distributed]' to run the MPI tests")
    cmd = _mpiexec()
    if cmd is None:
        pytest.skip("no mpiexec found (the mpich wheel provides one: pip install mpich)")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("GPUAD_DIST_TIMEOUT", None)
    t0 = time.monotonic()
    try:
        res = subprocess.run(cmd + ["-n", str(n), sys.executable, str(MPI_DIR / script), *args],
                             capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"mpiexec -n {n} {script} {args} hung for {timeout} s:\n"
                             f"{e.stdout}\n{e.stderr}") from e
    return res, time.monotonic() - t0


@pytest.mark.parametrize("n, bucket_mb", [(2, "0.0003"), (3, "0.0005")])
def test_mpi_data_parallel_equals_one_process(tmp_path, n, bucket_mb):
    res, _ = run_mpi(n, "checks.py", str(tmp_path), bucket_mb)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    for r in range(n):
        assert f"rank {r}: all checks passed" in res.stdout, out
    # the checkpoint rank 0 wrote reads in this one process
    with np.load(tmp_path / "ckpt.npz") as f:
        assert "param/0.weight" in f.files and "optim_step" in f.files
        assert int(f["optim_step"]) == 3


def test_mpi_rank_that_raises_ends_the_job():
    res, took = run_mpi(2, "failures.py", "raise", timeout=40)
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert "rank 1 of 2 failed" in out and "rank 1 fails on purpose" in out, out
    assert "backward done" not in out, out


def test_mpi_stalled_rank_times_out_with_a_clear_error():
    res, took = run_mpi(2, "failures.py", "stall", timeout=40)
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert "DistributedTimeoutError" in out and "rank 0 of 2 waited 2 s" in out, out
    assert "all-reduce of gradient bucket" in out, out
    assert took < 35, out  # not the 60 s the stalled rank sleeps


def test_mpi_mismatched_shapes_are_refused():
    res, _ = run_mpi(2, "failures.py", "shapes", timeout=40)
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert "DistributedError" in out and "(9, 4)" in out and "(8, 4)" in out, out
    assert "backward done" not in out, out


def test_mpi_example_matches_the_single_process_example():
    res, _ = run_mpi(2, "../../examples/train_mlp_distributed.py", "--quick", "--backend",
                     "numpy", timeout=120)
    out = res.stdout + res.stderr
    assert res.returncode == 0 and "ranks: 2 (mpi)" in out, out
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    single = subprocess.run([sys.executable, str(ROOT / "examples" / "train_mlp.py"), "--quick",
                             "--backend", "numpy"], capture_output=True, text=True,
                            timeout=120, env=env, cwd=ROOT).stdout

    def acc(text):
        return [ln for ln in text.splitlines() if ln.startswith(("train accuracy",
                                                                 "test accuracy"))]
    # each step is the same full-batch step, so the accuracies are the same
    assert acc(res.stdout) == acc(single) and len(acc(single)) == 2, out + single


def test_benchmark_script_runs_quick(tmp_path):
    pytest.importorskip("mpi4py", reason="mpi4py is not installed: pip install "
                                         "'gpuad[distributed]' to run the MPI tests")
    if _mpiexec() is None:
        pytest.skip("no mpiexec found (the mpich wheel provides one: pip install mpich)")
    md = tmp_path / "d.md"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "distributed.py"), "--quick",
                        "--no-torch", "--md", str(md)], capture_output=True, text=True,
                       timeout=180, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    text = md.read_text()
    assert "weak-scaling efficiency" in text and "time in the wrapper's own code" in text


# ---- one process -----------------------------------------------------------------------------

def test_collectives_on_one_rank_are_identities_and_differentiable(backend):
    comm = SingleProcess()
    x = ad.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    check_grads(lambda x: dist.all_reduce(x * x, comm=comm), (x,), order=2)
    check_grads(lambda x: dist.all_gather(gnp.sin(x), comm=comm), (x,), order=1)
    check_grads(lambda x: dist.broadcast(x, comm=comm), (x,), order=1)
    check_grads(lambda x: dist.reduce_scatter(x[None], comm=comm), (x,), order=1)
    raw = dist.all_reduce(x.data, comm=comm)
    assert raw is not x.data and np.array_equal(_host(raw), np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match="op must be one of"):
        dist.all_reduce(x, "median", comm=comm)
    with pytest.raises(ValueError, match="first axis must have one entry per rank"):
        dist.reduce_scatter(ad.tensor(np.ones((2, 3))), comm=comm)


def test_data_parallel_one_rank_matches_plain_backward():
    gnp.random.seed(0)
    model = nn.MLP([3, 5, 2])
    ref = nn.MLP([3, 5, 2])
    for a, b in zip(ref.parameters(), model.parameters(), strict=True):
        a.data[...] = b.data
    dp = dist.DataParallel(model, bucket_mb=1e-4, comm=SingleProcess())
    try:
        x = np.random.default_rng(1).standard_normal((4, 3))
        gnp.sum(dp(x) ** 2).backward()
        gnp.sum(ref(x) ** 2).backward()
        for a, b in zip(ref.parameters(), dp.parameters(), strict=True):
            np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-13)
        # a backward that does not reach the parameters is left alone
        other = ad.tensor(np.ones(2), requires_grad=True)
        gnp.sum(other * 3).backward()
        assert np.array_equal(other.grad.numpy(), [3.0, 3.0])
        with pytest.raises(dist.DistributedError, match="create_graph"):
            gnp.sum(dp(x) ** 2).backward(create_graph=True)
    finally:
        dp.close()


def test_data_parallel_rejects_bad_input():
    comm = SingleProcess()
    with pytest.raises(ValueError, match="no parameters"):
        dist.DataParallel([], comm=comm)
    with pytest.raises(ValueError, match="bucket_mb"):
        dist.DataParallel([ad.tensor([1.0], requires_grad=True)], bucket_mb=0, comm=comm)
    w = ad.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="same Tensor"):
        dist.DataParallel({"a": w, "b": w}, comm=comm)
    y = ad.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(TypeError, match="not a leaf"):
        dist.DataParallel([y], comm=comm)


def test_sharded_sampler_partitions_and_reshuffles():
    n, w = 23, 3
    for drop_last in (True, False):
        parts = [dist.ShardedSampler(n, seed=4, rank=r, world_size=w, drop_last=drop_last)
                 for r in range(w)]
        e0 = [p.indices(0) for p in parts]
        assert all(len(e) == len(parts[0]) for e in e0)
        flat = np.concatenate(e0)
        if drop_last:
            assert len(set(flat.tolist())) == len(flat) == (n // w) * w
        else:
            assert set(flat.tolist()) == set(range(n)) and len(flat) == 8 * w
        assert not np.array_equal(parts[0].indices(0), parts[0].indices(1))
        again = dist.ShardedSampler(n, seed=4, rank=1, world_size=w, drop_last=drop_last)
        assert np.array_equal(again.indices(5), parts[1].indices(5))
    with pytest.raises(ValueError, match="rank 3"):
        dist.ShardedSampler(10, rank=3, world_size=3)


def test_save_load_round_trip_in_one_process(tmp_path):
    gnp.random.seed(0)
    model = nn.MLP([3, 4, 2])
    opt = optim.Adam(model.parameters(), lr=0.1)
    x = np.ones((2, 3))
    gnp.sum(model(x) ** 2).backward()
    opt.step()
    dist.save(tmp_path / "c.npz", model, opt)
    other = nn.MLP([3, 4, 2])
    opt2 = optim.Adam(other.parameters(), lr=0.5)
    dist.load(tmp_path / "c.npz", other, opt2)
    for a, b in zip(model.parameters(), other.parameters(), strict=True):
        assert np.array_equal(a.numpy(), b.numpy())
    assert opt2.step_count == 1 and opt2.lr == 0.1 and opt2.state[0]["t"] == 1
    assert np.array_equal(np.asarray(opt2.state[0]["v"]), np.asarray(opt.state[0]["v"]))
    with pytest.raises(ValueError, match="has shape"):
        dist.load(tmp_path / "c.npz", nn.MLP([3, 5, 2]))


def test_save_load_keeps_every_parameter_group(tmp_path):
    """Groups with their own lr and betas come back as saved (a single lr could not hold
    them); a file with another number of groups is refused."""
    gnp.random.seed(1)
    model = nn.MLP([3, 4, 2])
    ps = list(model.parameters())
    opt = optim.Adam([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.02, "betas": (0.5, 0.6)}],
                     lr=0.1)
    gnp.sum(model(np.ones((2, 3))) ** 2).backward()
    opt.step()
    dist.save(tmp_path / "g.npz", model, opt)
    other = nn.MLP([3, 4, 2])
    qs = list(other.parameters())
    opt2 = optim.Adam([{"params": qs[:2]}, {"params": qs[2:]}], lr=0.7)
    dist.load(tmp_path / "g.npz", other, opt2)
    assert [g["lr"] for g in opt2.param_groups] == [0.1, 0.02]
    assert opt2.param_groups[1]["betas"] == (0.5, 0.6)
    assert opt2.param_groups[0]["betas"] == opt.param_groups[0]["betas"]
    with pytest.raises(ValueError, match="2 parameter groups"):
        dist.load(tmp_path / "g.npz", other, optim.Adam(other.parameters(), lr=0.1))


def test_init_single_process_and_errors(monkeypatch):
    for var in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK",
                "RANK", "WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(dist.DistributedError, match="init"):
        dist.rank()
    comm = dist.init()
    try:
        assert comm.name == "single" and dist.rank() == 0 and dist.world_size() == 1
        with pytest.raises(dist.DistributedError, match="already set up"):
            dist.init()
    finally:
        dist.shutdown()
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(dist.DistributedError, match="mpiexec"):
        dist.init()
    assert not dist.is_initialized()


# ---- NCCL on a fake NCCL -----------------------------------------------------------------------

class FakeNCCL:
    """Enough of cupy.cuda.nccl and cupy for NCCLComm, over NumPy buffers in one process:
    ranks are threads, a collective meets the other ranks' calls at a barrier. Every stream,
    event and NCCL call is logged per rank, to check the order NCCL's rules ask for."""

    def __init__(self, size: int, finish_events: bool = True):
        self.size = size
        self.barrier = threading.Barrier(size, timeout=20)
        self.slots: list = [None] * size
        self.log: dict[int, list] = {r: [] for r in range(size)}
        self.local = threading.local()
        self.finish_events = finish_events
        self.aborted: set[int] = set()
        for n in ("FLOAT16", "FLOAT32", "FLOAT64", "INT8", "UINT8", "INT32", "INT64",
                  "UINT32", "UINT64"):
            setattr(self, f"NCCL_{n}", n.lower())
        for n in ("SUM", "PROD", "MAX", "MIN"):
            setattr(self, f"NCCL_{n}", n.lower())
        fake = self

        class Stream:
            count = 0

            def __init__(self, non_blocking=False, name=None):
                Stream.count += 1
                self.ptr = Stream.count
                self.name = name or f"side{self.ptr}"

            def wait_event(self, ev):
                fake.note("wait", self.name, ev.id)

        class Event:
            count = 0

            def __init__(self, disable_timing=False):
                Event.count += 1
                self.id = Event.count
                self.recorded = False

            def record(self, stream):
                self.recorded = True
                fake.note("record", stream.name, self.id)

            @property
            def done(self):
                return self.recorded and fake.finish_events

        class Comm:
            def __init__(self, size, uid, rank):
                assert uid == "uid" and size == fake.size
                fake.local.rank = rank
                self.rank = rank

            def _exchange(self, arr):
                fake.slots[self.rank] = arr.copy()
                fake.barrier.wait()
                every = np.stack(fake.slots)
                fake.barrier.wait()
                return every

            def allReduce(self, s, r, n, t, op, stream):
                fake.note("allReduce", stream, n)
                a = _at(s, n, t)
                every = self._exchange(a)
                _at(r, n, t)[...] = getattr(np, {"sum": "sum", "prod": "prod", "max": "max",
                                                 "min": "min"}[op])(every, 0)

            def broadcast(self, s, r, n, t, root, stream):
                fake.note("broadcast", stream, n)
                _at(r, n, t)[...] = self._exchange(_at(s, n, t))[root]

            def reduce(self, s, r, n, t, op, root, stream):
                fake.note("reduce", stream, n)
                total = self._exchange(_at(s, n, t)).sum(0)
                if self.rank == root:
                    _at(r, n, t)[...] = total

            def allGather(self, s, r, n, t, stream):
                fake.note("allGather", stream, n)
                _at(r, n * fake.size, t)[...] = self._exchange(_at(s, n, t)).ravel()

            def reduceScatter(self, s, r, n, t, op, stream):
                fake.note("reduceScatter", stream, n)
                every = self._exchange(_at(s, n * fake.size, t)).reshape(fake.size, fake.size, n)
                _at(r, n, t)[...] = every[:, self.rank].sum(0)

            def abort(self):
                fake.aborted.add(self.rank)

            def destroy(self):
                pass

        self.NcclCommunicator = Comm
        current = Stream(name="current")
        self.cupy = types.SimpleNamespace(
            cuda=types.SimpleNamespace(Stream=Stream, Event=Event, Device=lambda i: types.
                                       SimpleNamespace(use=lambda: None),
                                       get_current_stream=lambda: current,
                                       runtime=types.SimpleNamespace(getDeviceCount=lambda: 1)),
            empty=np.empty, zeros=np.zeros, ascontiguousarray=np.ascontiguousarray,
            asarray=np.asarray, asnumpy=np.asarray, float32=np.float32)

    def note(self, *what):
        self.log[self.local.rank].append(what)

    def groupStart(self):
        self.note("groupStart")

    def groupEnd(self):
        self.note("groupEnd")

    def comm(self, rank: int, timeout: float = 20.0) -> NCCLComm:
        self.local.rank = rank
        return NCCLComm(rank, self.size, "uid", device=0, timeout=timeout, cupy=self.cupy,
                        nccl=self, ptr=lambda a: a.__array_interface__["data"][0])


def _at(ptr: int, n: int, typ: str) -> np.ndarray:
    dt = np.dtype(typ)
    buf = (ctypes.c_char * (n * dt.itemsize)).from_address(ptr)
    return np.frombuffer(buf, dt, n)


def _on_ranks(fake: FakeNCCL, body):
    results, errors = [None] * fake.size, []

    def run(r):
        try:
            results[r] = body(fake.comm(r), r)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
            fake.barrier.abort()

    threads = [threading.Thread(target=run, args=(r,)) for r in range(fake.size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]
    return results


def test_nccl_collectives_on_a_fake_nccl():
    fake = FakeNCCL(3)

    def body(comm, r):
        x = np.arange(4.0) + 10 * r
        buf = x.copy()
        comm.all_reduce(buf)
        assert np.array_equal(buf, 3 * np.arange(4.0) + 30)
        buf = x.copy()
        comm.iall_reduce(buf, "mean").wait()
        assert np.allclose(buf, np.arange(4.0) + 10)
        z = (x + 1j * x).astype(np.complex128)
        comm.all_reduce(z)
        assert np.allclose(z, (3 * np.arange(4.0) + 30) * (1 + 1j))
        buf = x.copy()
        comm.broadcast(buf, root=2)
        assert np.array_equal(buf, np.arange(4.0) + 20)
        buf = x.copy()
        comm.reduce(buf, root=1)
        assert r != 1 or np.array_equal(buf, 3 * np.arange(4.0) + 30)
        g = comm.all_gather(x)
        assert g.shape == (3, 4) and np.array_equal(g[2], np.arange(4.0) + 20)
        rs = comm.reduce_scatter(np.stack([x, 2 * x, 3 * x]))
        assert np.array_equal(rs, (r + 1) * (3 * np.arange(4.0) + 30))
        assert comm.all_gather_object({"r": r}) == [{"r": 0}, {"r": 1}, {"r": 2}]
        with pytest.raises(TypeError, match="max of complex"):
            comm.iall_reduce(z, "max")
        # several buckets in one group: events recorded only after groupEnd
        mark = len(fake.log[r])
        a, b = x.copy(), 2 * x
        with comm.launch_group():
            wa, wb = comm.iall_reduce(a), comm.iall_reduce(b)
        wa.wait()
        wb.wait()
        assert np.array_equal(b, 2 * (3 * np.arange(4.0) + 30))
        return fake.log[r][mark:]

    for log in _on_ranks(fake, body):
        kinds = [e[0] for e in log]
        end = kinds.index("groupEnd")
        assert kinds[0] == "groupStart"
        # each collective: an event recorded on the current stream, waited for by the side
        # stream, before the NCCL call on the side stream
        calls = [i for i, k in enumerate(kinds) if k == "allReduce"]
        assert len(calls) == 2 and all(i < end for i in calls)
        for i in calls:
            rec, wait = log[i - 2], log[i - 1]
            assert rec[:2] == ("record", "current") and wait[0] == "wait" and wait[2] == rec[2]
            assert log[i][1] != "current"  # on the side stream
        done = [e for e in log[end:] if e[0] == "record"]
        assert len(done) == 2 and all(e[1] != "current" for e in done)
        waits = [e for e in log[end:] if e[:2] == ("wait", "current")]
        assert [w[2] for w in waits] == [d[2] for d in done]  # current stream waits on them


def test_nccl_timeout_aborts_the_communicator():
    fake = FakeNCCL(2, finish_events=False)

    def body(comm, r):
        with pytest.raises(dist.DistributedTimeoutError, match=f"rank {r} of 2 waited 0.2 s"):
            w = comm.iall_reduce(np.ones(3))
            comm.timeout = 0.2
            w.wait()
        return r in fake.aborted

    assert _on_ranks(fake, body) == [True, True]


def test_data_parallel_over_a_fake_nccl_equals_the_whole_batch():
    fake = FakeNCCL(2)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 3)), rng.integers(0, 2, 8)
    gnp.random.seed(0)
    ref = nn.MLP([3, 4, 2])
    nn.cross_entropy(ref(x), y).backward()
    init = [p.numpy().copy() for p in ref.parameters()]

    def body(comm, r):
        model = nn.MLP([3, 4, 2])
        if r == 0:
            for p, v in zip(model.parameters(), init, strict=True):
                p.data[...] = v
        dp = dist.DataParallel(model, bucket_mb=1e-4, comm=comm)
        part = slice(4 * r, 4 * r + 4)
        nn.cross_entropy(dp(x[part]), y[part]).backward()
        dp.close()
        return [p.grad.numpy() for p in dp.parameters()]

    for grads in _on_ranks(fake, body):
        for g, p in zip(grads, ref.parameters(), strict=True):
            np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_data_parallel_in_a_jitted_step_one_rank():
    """A compiled step records one all-reduce per bucket and equals the eager step; a
    parameter the compiled step's backward does not reach is refused, not skipped."""
    models = []
    for _ in range(2):
        gnp.random.seed(3)
        models.append(nn.MLP([4, 6, 2]))
    dps = [dist.DataParallel(m, bucket_mb=1e-4, comm=SingleProcess()) for m in models]
    opts = [optim.SGD(dp.parameters(), lr=0.1) for dp in dps]
    try:
        def step(k, x):
            opts[k].zero_grad()
            loss = gnp.sum(dps[k](x) ** 2)
            loss.backward()
            opts[k].step()
            return loss

        compiled = ad.jit(lambda x: step(1, x))
        rng = np.random.default_rng(2)
        for _ in range(3):
            x = rng.standard_normal((5, 4))
            np.testing.assert_allclose(compiled(x), step(0, x).numpy(), rtol=1e-13)
            for a, b in zip(dps[0].parameters(), dps[1].parameters(), strict=True):
                np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-13)
        assert str(compiled.lower(x)).count("all_reduce(") == len(dps[1].buckets)
        extra = ad.tensor(np.ones(3), requires_grad=True)
        dp3 = dist.DataParallel([dps[1].parameters()[0], extra], comm=SingleProcess())
        try:
            with pytest.raises(dist.DistributedError, match="no gradient"):
                ad.jit(lambda x: gnp.sum(x @ dp3.parameters()[0].T).backward())(x)
        finally:
            dp3.close()
    finally:
        for dp in dps:
            dp.close()
