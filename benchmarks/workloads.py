"""The four workloads, gpuad's implementation of each, and the drivers that run every framework
on the same data.

Math shared by every framework (see :mod:`benchmarks.peers` for the peers):

- seed: ``f(x1, x2) = x1 * x2 + sin(x1)`` on float64 scalars, gradient in both arguments.
- chain: ``n_ops`` elementwise ops cycling through ``sin, *0.9, tanh, +0.1`` on a float32
  vector, then ``sum``; gradient in ``x``.
- mlp: 4 dense layers ``width -> width`` (ReLU between them), mean-squared error against a
  target, one SGD step (value, gradient of all weights and biases, update); float32.
- jac: ``f(x) = sin(A @ tanh(x))``, ``A`` of shape (m, n), float64; Jacobian by reverse mode
  (one vjp per output) and forward mode (one jvp per input).
- hess: ``f(x) = sum(sin(A @ tanh(x)))``, ``A`` of shape (n, n), float64; the full (n, n)
  Hessian (gpuad.hessian, torch.func.hessian, jax.hessian: forward over reverse, vectorised).
- pex: per-example gradients of a 3-layer tanh MLP (``d_in -> hidden -> hidden -> d_out``,
  squared error per example) for a batch, float32: ``vmap(grad(loss), in_axes=(None, 0, 0))``.
- rnn: ``h <- tanh(h @ W + x_t)`` for ``steps`` steps, loss ``sum(h_T ** 2)``, gradient in
  ``(W, h0)``; float32; without checkpointing, checkpointing every step, and every k steps.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from . import programs
from .common import CupyPeak, measure, traced_peak

CHAIN_OPS = ("sin", "mul", "tanh", "add")


# ---- configurations -------------------------------------------------------------------------

def config(backend: str, quick: bool) -> dict[str, Any]:
    gpu = backend == "cupy"
    if quick:
        return {
            "chain_sizes": [1_000, 10_000], "chain_ops": 16,
            "mlp": [(256, 256)] if not gpu else [(256, 256), (1024, 256)],
            "jac": [(100, 10), (10, 100)],
            "hess": [20],
            "pex": {"batch": 16, "d_in": 16, "hidden": 32, "d_out": 4},
            "rnn": {"steps": 64, "batch": 16, "hidden": 64},
            "repeats": 3, "budget_s": 1.0,
        }
    return {
        "chain_sizes": ([10 ** k for k in range(3, 9)] if gpu
                        else [10 ** k for k in range(3, 8)]),
        "chain_ops": 16,
        "mlp": ([(w, b) for w in (256, 1024, 4096) for b in (256, 1024)] if gpu
                else [(256, 256), (1024, 256)]),
        "jac": [(1000, 10), (10, 1000)],
        "hess": [100, 1000],
        "pex": {"batch": 256, "d_in": 64, "hidden": 128, "d_out": 10},
        "rnn": {"steps": 1000, "batch": 32, "hidden": 256},
        "repeats": 5, "budget_s": 6.0,
    }


# ---- gpuad ----------------------------------------------------------------------------------

class Gpuad:
    """gpuad's implementation of every workload."""

    name = "gpuad"

    def __init__(self, backend: str) -> None:
        import gpuad as ad
        import gpuad.numpy as gnp

        self.ad, self.gnp = ad, gnp
        ad.set_backend(backend)
        self.be = ad.get_backend()
        self.version = ad.__version__
        self.device = backend
        self.notes: list[str] = []

    def arr(self, a: np.ndarray):
        return self.be.asarray(a)

    def sync(self, out: Any) -> None:
        self.be.synchronize()

    def peak_bytes(self, fn) -> tuple[int, str] | None:
        if self.be.name == "numpy":
            return traced_peak(fn), "tracemalloc"
        try:
            return CupyPeak().run(fn, self.sync), "cupy pool hook"
        except Exception:  # noqa: BLE001
            return None

    # workloads
    def seed(self, x1, x2):
        gnp = self.gnp
        f = lambda a, b: a * b + gnp.sin(a)
        vg = self.ad.value_and_grad(f, argnums=(0, 1))
        x1, x2 = self.arr(x1), self.arr(x2)
        return {"fwd": lambda: f(x1, x2), "vg": lambda: vg(x1, x2)}

    def chain(self, x, n_ops: int):
        ad = self.ad
        f = functools.partial(programs.chain, n_ops=n_ops)
        vg = ad.value_and_grad(f)
        x = self.arr(x)

        def record():
            with ad.enable_grad():
                return f(ad.tensor(x, requires_grad=True))

        return {"fwd": lambda: f(x), "vg": lambda: vg(x), "fwd_record": record}

    def mlp(self, params, X, Y, lr: float):
        X, Y = self.arr(X), self.arr(Y)
        ps = [(self.arr(W), self.arr(b)) for W, b in params]
        vg = self.ad.value_and_grad(programs.mlp_loss)

        def step():  # in-place update, as torch's p.sub_(lr * g)
            v, g = vg(ps, X, Y)
            for (W, b), (gW, gb) in zip(ps, g, strict=True):
                W -= lr * gW
                b -= lr * gb
            return v

        return step

    def jac(self, A, x):
        gnp, ad = self.gnp, self.ad
        A, x = self.arr(A), self.arr(x)
        f = lambda v: gnp.sin(A @ gnp.tanh(v))
        jr, jf = ad.jacrev(f), ad.jacfwd(f)
        return {"jacrev": lambda: jr(x), "jacfwd": lambda: jf(x)}

    def hess(self, A, x):
        gnp, ad = self.gnp, self.ad
        A, x = self.arr(A), self.arr(x)
        h = ad.hessian(lambda v: gnp.sum(gnp.sin(A @ gnp.tanh(v))))
        return lambda: h(x)

    def pex(self, params, X, Y):
        gnp, ad = self.gnp, self.ad
        ps = [(self.arr(W), self.arr(b)) for W, b in params]
        X, Y = self.arr(X), self.arr(Y)

        def loss(ps, x, y):
            (W1, b1), (W2, b2), (W3, b3) = ps
            h = gnp.tanh(x @ W1 + b1)
            h = gnp.tanh(h @ W2 + b2)
            d = h @ W3 + b3 - y
            return 0.5 * gnp.sum(d * d)

        per_example = ad.vmap(ad.grad(loss), in_axes=(None, 0, 0))
        return lambda: per_example(ps, X, Y)

    def rnn(self, W, h0, xs, k: int):
        gnp, ad = self.gnp, self.ad
        W, h0, xs = self.arr(W), self.arr(h0), self.arr(xs)
        steps = xs.shape[0]

        def block(h, W, xb):
            for t in range(xb.shape[0]):
                h = gnp.tanh(h @ W + xb[t])
            return h

        # the block takes its start index, not a slice of xs: xs is data, not an activation,
        # and a slice passed as an argument would be saved by every checkpoint
        ck = ad.checkpoint(lambda h, W, s: block(h, W, xs[s:s + k]))

        def loss(W, h):
            if k <= 0:
                h = block(h, W, xs)
            else:
                for s in range(0, steps, k):
                    h = ck(h, W, s)
            return gnp.sum(h * h)

        vg = ad.value_and_grad(loss, argnums=(0, 1))
        fn = lambda: vg(W, h0)

        def saved():
            tape = ad.make_tape(loss, W, h0)
            uniq: dict[int, int] = {}
            for node in tape.steps:
                for s in node.saved or ():
                    if s is not None and hasattr(s[0], "nbytes"):
                        uniq[id(s[0])] = int(s[0].nbytes)
            return {"tape_saved_bytes": tape.saved_bytes(),
                    "tape_saved_unique_bytes": sum(uniq.values())}

        fn.saved_info = saved
        return fn


class GpuadJit(Gpuad):
    """gpuad with every workload compiled by ``gpuad.jit`` (traced on the first call, which
    the warmup calls absorb; its cost is recorded in ``trace_s``)."""

    name = "gpuad-jit"

    def __init__(self, backend: str) -> None:
        super().__init__(backend)
        self.trace_s: dict[str, float] = {}
        self.capture_s: dict[str, float] = {}  # GPU: the third call's time (graph capture)
        self.compiled: dict[str, dict] = {}  # GPU: steps and CUDA-graph state per function

    fuse = True

    def _jit(self, what: str, fn, *args):
        """``ad.jit(fn)``, with the first (tracing) call timed and its result returned."""
        import time

        j = self.ad.jit(fn, fuse=self.fuse)
        t0 = time.perf_counter()
        self.sync(j(*args))
        self.trace_s[what] = time.perf_counter() - t0
        if self.be.name != "numpy":  # the third call captures the CUDA graph: say if it did
            self.sync(j(*args))
            t0 = time.perf_counter()
            self.sync(j(*args))
            self.capture_s[what] = time.perf_counter() - t0
            entries = j.cache_info()["entries"]
            keep = ("steps", "graph", "captures", "recaptures", "graphs", "uncaptured",
                    "matmuls_in_graph", "cublas_graph")
            self.compiled[what] = {k: v for k, v in (entries[0] if entries else {}).items()
                                   if k in keep}
        return j

    def seed(self, x1, x2):
        gnp = self.gnp
        f = lambda a, b: a * b + gnp.sin(a)
        x1, x2 = self.arr(x1), self.arr(x2)
        jf = self._jit("seed fwd", f, x1, x2)
        jv = self._jit("seed vg", self.ad.value_and_grad(f, argnums=(0, 1)), x1, x2)
        return {"fwd": lambda: jf(x1, x2), "vg": lambda: jv(x1, x2)}

    def chain(self, x, n_ops: int):
        ad = self.ad
        f = functools.partial(programs.chain, n_ops=n_ops)
        x = self.arr(x)
        n = x.shape[0]
        jf = self._jit(f"chain fwd n={n}", f, x)
        jv = self._jit(f"chain vg n={n}", ad.value_and_grad(f), x)
        return {"fwd": lambda: jf(x), "vg": lambda: jv(x)}

    def mlp(self, params, X, Y, lr: float):
        ad = self.ad
        X, Y = self.arr(X), self.arr(Y)
        ps = [(ad.Tensor(self.arr(W)), ad.Tensor(self.arr(b))) for W, b in params]
        step = programs.sgd_step(ps, lr)  # the whole step, update included, is one program
        j = self._jit(f"mlp w={X.shape[1]} b={X.shape[0]}", step, X, Y)
        return lambda: j(X, Y)

    def jac(self, A, x):
        gnp, ad = self.gnp, self.ad
        A, x = self.arr(A), self.arr(x)
        f = lambda v: gnp.sin(A @ gnp.tanh(v))
        shp = f"n={A.shape[1]} m={A.shape[0]}"
        jr = self._jit(f"jacrev {shp}", ad.jacrev(f), x)
        jf = self._jit(f"jacfwd {shp}", ad.jacfwd(f), x)
        return {"jacrev": lambda: jr(x), "jacfwd": lambda: jf(x)}

    def rnn(self, W, h0, xs, k: int):
        fn = super().rnn(W, h0, xs, k)
        W, h0 = self.arr(W), self.arr(h0)
        vg = self._find_vg(fn)
        j = self._jit(f"rnn k={k}", vg, W, h0)
        out = lambda: j(W, h0)
        out.saved_info = fn.saved_info
        return out

    @staticmethod
    def _find_vg(fn):
        for cell in fn.__closure__ or ():
            c = cell.cell_contents
            if callable(c) and getattr(c, "__name__", "") == "loss":
                return c
        raise RuntimeError("rnn: the value_and_grad function was not found")


class GpuadJitNoFuse(GpuadJit):
    """``gpuad-jit`` with fusion of elementwise steps turned off (``jit(fuse=False)``)."""

    name = "gpuad-jit-nofuse"
    fuse = False


# ---- drivers --------------------------------------------------------------------------------

def _try(fw, what: str, notes: list[str], build, *args):
    try:
        return build(*args)
    except Exception as e:  # noqa: BLE001
        notes.append(f"{fw.name}: {what} failed to build: {type(e).__name__}: {str(e)[:200]}")
        return None


def _time(fw, fn, notes, what, cfg):
    if fn is None:
        return None
    try:
        return measure(fn, fw.sync, repeats=cfg["repeats"], budget_s=cfg["budget_s"])
    except Exception as e:  # noqa: BLE001
        notes.append(f"{fw.name}: {what} failed: {type(e).__name__}: {str(e)[:200]}")
        return None


def _max_abs_diff(a, b) -> float | None:
    try:
        return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))
    except Exception:  # noqa: BLE001
        return None


def run_seed(fws, cfg, notes, log):
    x1, x2 = np.array(2.0), np.array(5.0)
    out = {"dtype": "float64", "shape": [], "n_ops": 3, "frameworks": {}}
    for fw in fws:
        fns = _try(fw, "seed", notes, fw.seed, x1, x2)
        if fns is None:
            continue
        r = {k: _time(fw, fns[k], notes, f"seed {k}", cfg) for k in ("fwd", "vg")}
        if r["fwd"] and r["vg"]:
            r["ratio_vg_fwd"] = r["vg"]["median_s"] / r["fwd"]["median_s"]
            r["host_us_per_op_vg"] = r["vg"]["median_s"] / 3 * 1e6
        out["frameworks"][fw.name] = r
        log(f"  seed  {fw.name:10s} vg {_us(r['vg'])}")
    return out


def _us(r) -> str:
    return "n/a" if not r else f"{r['median_s'] * 1e6:10.1f} us"


def run_chain(fws, cfg, notes, log):
    n_ops = cfg["chain_ops"]
    out = {"dtype": "float32", "n_ops": n_ops, "ops": list(CHAIN_OPS), "sizes": {},
           "bytes_model": "forward: 2 * n_ops * n * 4 bytes (read + write per op); "
                          "value_and_grad: forward + 3 * n_ops * n * 4 (adjoint reads saved "
                          "value and incoming gradient, writes outgoing gradient)"}
    rng = np.random.default_rng(0)
    for n in cfg["chain_sizes"]:
        x = rng.standard_normal(n).astype(np.float32)
        row = {}
        for fw in fws:
            fns = _try(fw, f"chain n={n}", notes, fw.chain, x, n_ops)
            if fns is None:
                continue
            r = {k: _time(fw, fns[k], notes, f"chain {k} n={n}", cfg) for k in fns}
            if r.get("fwd") and r.get("vg"):
                tf, tv = r["fwd"]["median_s"], r["vg"]["median_s"]
                r["ratio_vg_fwd"] = tv / tf
                r["host_us_per_op_fwd"] = tf / (n_ops + 1) * 1e6
                r["host_us_per_op_vg"] = tv / (n_ops + 1) * 1e6
                r["fwd_GBps"] = 2 * n_ops * n * 4 / tf / 1e9
                r["vg_GBps"] = 5 * n_ops * n * 4 / tv / 1e9
            row[fw.name] = r
            log(f"  chain n={n:<9d} {fw.name:10s} fwd {_us(r.get('fwd'))}  vg {_us(r.get('vg'))}")
        out["sizes"][str(n)] = row
    return out


def _mlp_data(width: int, batch: int, depth: int = 4):
    rng = np.random.default_rng(1)
    params = [((rng.standard_normal((width, width)) / math.sqrt(width)).astype(np.float32),
               (rng.standard_normal(width) * 0.01).astype(np.float32)) for _ in range(depth)]
    X = rng.standard_normal((batch, width)).astype(np.float32)
    Y = rng.standard_normal((batch, width)).astype(np.float32)
    return params, X, Y


def run_mlp(fws, cfg, notes, log):
    out = {"dtype": "float32", "depth": 4, "activation": "relu", "loss": "mse", "lr": 1e-3,
           "configs": {}}
    for width, batch in cfg["mlp"]:
        params, X, Y = _mlp_data(width, batch)
        row = {}
        for fw in fws:
            step = _try(fw, f"mlp w={width}", notes, fw.mlp, params, X, Y, 1e-3)
            if step is None:
                continue
            r = {"step": _time(fw, step, notes, f"mlp w={width} b={batch}", cfg)}
            _memory(fw, step, r, notes)
            row[fw.name] = r
            log(f"  mlp w={width:<5d} b={batch:<5d} {fw.name:10s} step {_us(r['step'])}")
        flops = 4 * 3 * 2 * batch * width * width
        for r in row.values():
            if r["step"]:
                r["GFLOPs"] = flops / r["step"]["median_s"] / 1e9
        out["configs"][f"w{width}_b{batch}"] = {"width": width, "batch": batch,
                                               "frameworks": row}
    return out


def _memory(fw, fn, r, notes):
    try:
        m = fw.peak_bytes(fn)
    except Exception as e:  # noqa: BLE001
        notes.append(f"{fw.name}: memory measurement failed: {type(e).__name__}: {e}")
        m = None
    if m is not None:
        r["peak_bytes"], r["peak_method"] = m
    extra = getattr(fn, "xla_temp_bytes", None)
    if extra is not None:
        r["xla_temp_bytes"] = extra
    info = getattr(fn, "saved_info", None)
    if info is not None:
        try:
            r.update(info())
        except Exception as e:  # noqa: BLE001
            notes.append(f"{fw.name}: saved-bytes measurement failed: {type(e).__name__}: {e}")


def run_jac(fws, cfg, notes, log):
    out = {"dtype": "float64", "f": "sin(A @ tanh(x))", "shapes": {}}
    ref = None
    for n, m in cfg["jac"]:
        rng = np.random.default_rng(2)
        A = rng.standard_normal((m, n)) / math.sqrt(n)
        x = rng.standard_normal(n)
        ref = np.cos(A @ np.tanh(x))[:, None] * A * (1 - np.tanh(x) ** 2)[None, :]
        row = {}
        for fw in fws:
            fns = _try(fw, f"jac n={n} m={m}", notes, fw.jac, A, x)
            if fns is None:
                continue
            r = {}
            for k in ("jacrev", "jacfwd"):
                fn = fns.get(k)
                if fn is None:
                    continue
                try:
                    err = _max_abs_diff(_host(fn()), ref)
                except Exception as e:  # noqa: BLE001
                    notes.append(f"{fw.name}: {k} n={n} m={m} failed: {type(e).__name__}: {e}")
                    continue
                r[k] = _time(fw, fn, notes, f"{k} n={n} m={m}", cfg)
                if r[k] is not None:
                    r[k]["max_abs_err"] = err
            row[fw.name] = r
            log(f"  jac n={n:<5d} m={m:<5d} {fw.name:10s} rev {_us(r.get('jacrev'))}"
                f"  fwd {_us(r.get('jacfwd'))}")
        out["shapes"][f"n{n}_m{m}"] = {"n": n, "m": m, "frameworks": row}
    return out


def hess_reference(A, x):
    """The Hessian of ``sum(sin(A @ tanh(x)))``, in closed form."""
    t = np.tanh(x)
    u = A @ t
    d1 = 1 - t ** 2
    g = A.T @ np.cos(u)
    return (d1[:, None] * (A.T @ (-np.sin(u)[:, None] * A)) * d1[None, :]
            + np.diag(-2 * t * d1 * g))


def run_hess(fws, cfg, notes, log):
    out = {"dtype": "float64", "f": "sum(sin(A @ tanh(x))), A of shape (n, n)", "sizes": {}}
    for n in cfg["hess"]:
        rng = np.random.default_rng(4)
        A = rng.standard_normal((n, n)) / math.sqrt(n)
        x = rng.standard_normal(n)
        ref = hess_reference(A, x)
        row = {}
        for fw in fws:
            if not hasattr(fw, "hess"):
                continue
            fn = _try(fw, f"hessian n={n}", notes, fw.hess, A, x)
            if fn is None:
                continue
            try:
                err = _max_abs_diff(_host(fn()), ref)
            except Exception as e:  # noqa: BLE001
                notes.append(f"{fw.name}: hessian n={n} failed: {type(e).__name__}: {e}")
                continue
            r = {"hessian": _time(fw, fn, notes, f"hessian n={n}", cfg)}
            if r["hessian"] is not None:
                r["hessian"]["max_abs_err"] = err
            row[fw.name] = r
            log(f"  hessian n={n:<5d} {fw.name:10s} {_us(r['hessian'])}")
        out["sizes"][str(n)] = {"n": n, "frameworks": row}
    return out


def pex_data(batch: int, d_in: int, hidden: int, d_out: int):
    rng = np.random.default_rng(5)
    dims = [d_in, hidden, hidden, d_out]
    params = [((rng.standard_normal((a, b)) / math.sqrt(a)).astype(np.float32),
               (rng.standard_normal(b) * 0.1).astype(np.float32))
              for a, b in zip(dims[:-1], dims[1:], strict=True)]
    X = rng.standard_normal((batch, d_in)).astype(np.float32)
    Y = rng.standard_normal((batch, d_out)).astype(np.float32)
    return params, X, Y


def pex_reference(params, X, Y):
    """Per-example gradients of the pex loss by hand (float64): [(gW, gb) per layer]."""
    (W1, b1), (W2, b2), (W3, b3) = [(W.astype(np.float64), b.astype(np.float64))
                                    for W, b in params]
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    d3 = h2 @ W3 + b3 - Y
    d2 = (d3 @ W3.T) * (1 - h2 ** 2)
    d1 = (d2 @ W2.T) * (1 - h1 ** 2)
    outer = lambda a, b: np.einsum("bi,bj->bij", a, b)  # noqa: E731
    return [(outer(X, d1), d1), (outer(h1, d2), d2), (outer(h2, d3), d3)]


def _pex_err(got, ref) -> float | None:
    try:
        return max(_max_abs_diff(_host(g), r)
                   for gl, rl in zip(got, ref, strict=True)
                   for g, r in zip(gl, rl, strict=True))
    except Exception:  # noqa: BLE001
        return None


def run_pex(fws, cfg, notes, log):
    c = cfg["pex"]
    params, X, Y = pex_data(c["batch"], c["d_in"], c["hidden"], c["d_out"])
    ref = pex_reference(params, X, Y)
    out = {"dtype": "float32", **c, "activation": "tanh", "loss": "0.5 * squared error",
           "frameworks": {}}
    for fw in fws:
        if not hasattr(fw, "pex"):
            continue
        fn = _try(fw, "per-example gradients", notes, fw.pex, params, X, Y)
        if fn is None:
            continue
        try:
            err = _pex_err(fn(), ref)
        except Exception as e:  # noqa: BLE001
            notes.append(f"{fw.name}: per-example gradients failed: {type(e).__name__}: {e}")
            continue
        r = {"vmap_grad": _time(fw, fn, notes, "per-example gradients", cfg)}
        if r["vmap_grad"] is not None:
            r["vmap_grad"]["max_abs_err"] = err
        out["frameworks"][fw.name] = r
        log(f"  per-example grads batch={c['batch']} {fw.name:10s} {_us(r['vmap_grad'])}")
    return out


def _host(a):
    if hasattr(a, "get"):
        return a.get()
    if hasattr(a, "detach"):
        return a.detach().cpu().numpy()
    if hasattr(a, "data") and not isinstance(a, np.ndarray):
        a = a.data
        return a.get() if hasattr(a, "get") else np.asarray(a)
    return np.asarray(a)


def run_rnn(fws, cfg, notes, log):
    c = cfg["rnn"]
    steps, batch, hidden = c["steps"], c["batch"], c["hidden"]
    k_sqrt = max(1, round(math.sqrt(steps)))
    rng = np.random.default_rng(3)
    W = (rng.standard_normal((hidden, hidden)) / math.sqrt(hidden)).astype(np.float32)
    h0 = rng.standard_normal((batch, hidden)).astype(np.float32)
    xs = (rng.standard_normal((steps, batch, hidden)) * 0.1).astype(np.float32)
    strategies = {"none": 0, "every_step": 1, f"every_{k_sqrt}": k_sqrt}
    out = {"dtype": "float32", "steps": steps, "batch": batch, "hidden": hidden,
           "step_activation_bytes": batch * hidden * 4, "strategies": dict(strategies),
           "frameworks": {}}
    for fw in fws:
        row = {}
        for sname, k in strategies.items():
            fn = _try(fw, f"rnn {sname}", notes, fw.rnn, W, h0, xs, k)
            if fn is None:
                continue
            r = {"vg": _time(fw, fn, notes, f"rnn {sname}", cfg), "k": k}
            _memory(fw, fn, r, notes)
            row[sname] = r
            pk = r.get("peak_bytes")
            log(f"  rnn {sname:12s} {fw.name:10s} vg {_us(r['vg'])}  peak "
                f"{'n/a' if pk is None else f'{pk / 2**20:.1f} MiB'}")
        base = row.get("none")
        for r in row.values():
            if base and r.get("vg") and base.get("vg"):
                r["time_vs_none"] = r["vg"]["median_s"] / base["vg"]["median_s"]
            for key in ("peak_bytes", "xla_temp_bytes", "tape_saved_unique_bytes"):
                if base and r.get(key) and base.get(key):
                    r[f"{key}_reduction"] = base[key] / r[key]
        out["frameworks"][fw.name] = row
    return out


WORKLOADS = {"seed": run_seed, "chain": run_chain, "mlp": run_mlp, "jac": run_jac,
             "hess": run_hess, "pex": run_pex, "rnn": run_rnn}
