"""Peer implementations of the workloads: PyTorch eager, JAX eager and jit, HIPS autograd.

Each class mirrors :class:`benchmarks.workloads.Gpuad` (same math, same dtypes, same data).
A peer whose package is not installed is skipped with a note; HIPS autograd is CPU-only.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from typing import Any

import numpy as np

from .common import traced_peak

PEERS = ("torch", "jax", "autograd")


def _version(pkg: str) -> str | None:
    try:
        return importlib.metadata.version(pkg)
    except importlib.metadata.PackageNotFoundError:
        return None


def installed() -> list[str]:
    """The peers importable here."""
    return [p for p in PEERS if importlib.util.find_spec(p) is not None]


def load(names: list[str], backend: str, notes: list[str]) -> list[Any]:
    """Instantiate the requested peers; missing or unusable ones are noted and skipped."""
    out: list[Any] = []
    for name in names:
        if importlib.util.find_spec(name.split("-")[0]) is None:
            notes.append(f"{name}: not installed, skipped (pip install -e '.[bench]')")
            continue
        try:
            if name == "torch":
                out.append(Torch(backend))
            elif name == "jax":
                out.append(Jax(backend, jit=False))
                out.append(Jax(backend, jit=True))
            elif name == "jax-jit":  # jax.jit alone, without the eager column
                out.append(Jax(backend, jit=True))
            elif name == "autograd":
                if backend != "numpy":
                    notes.append("autograd: CPU-only (HIPS autograd runs on NumPy), skipped")
                    continue
                out.append(Autograd())
            else:
                notes.append(f"{name}: unknown peer, skipped")
        except Exception as e:  # noqa: BLE001
            notes.append(f"{name}: could not be set up: {type(e).__name__}: {e}")
    return out


# ---- PyTorch ---------------------------------------------------------------------------------

class Torch:
    name = "torch"

    def __init__(self, backend: str) -> None:
        import torch

        self.t = torch
        self.version = torch.__version__
        cuda = backend == "cupy"
        if cuda and not torch.cuda.is_available():
            raise RuntimeError("no CUDA device visible to torch")
        self.dev = torch.device("cuda" if cuda else "cpu")
        self.device = str(self.dev)
        self.threads = torch.get_num_threads()

    def arr(self, a: np.ndarray, grad: bool = False):
        return self.t.tensor(np.asarray(a), device=self.dev, requires_grad=grad)

    def sync(self, out: Any) -> None:
        if self.dev.type == "cuda":
            self.t.cuda.synchronize()

    def peak_bytes(self, fn):
        if self.dev.type != "cuda":
            return None
        t = self.t
        t.cuda.synchronize()
        base = t.cuda.memory_allocated()
        t.cuda.reset_peak_memory_stats()
        out = fn()
        t.cuda.synchronize()
        del out
        return int(t.cuda.max_memory_allocated() - base), "torch.cuda.max_memory_allocated"

    def seed(self, x1, x2):
        t = self.t
        a, b = self.arr(x1, True), self.arr(x2, True)
        f = lambda a, b: a * b + t.sin(a)

        def fwd():
            with t.no_grad():
                return f(a, b)

        def vg():
            y = f(a, b)
            return y.detach(), t.autograd.grad(y, (a, b))

        return {"fwd": fwd, "vg": vg}

    def chain(self, x, n_ops: int):
        t = self.t
        ops = [t.sin, lambda v: v * 0.9, t.tanh, lambda v: v + 0.1]

        def f(v):
            for i in range(n_ops):
                v = ops[i % 4](v)
            return v.sum()

        xv = self.arr(x, True)

        def fwd():
            with t.no_grad():
                return f(xv)

        def vg():
            y = f(xv)
            return y.detach(), t.autograd.grad(y, xv)[0]

        return {"fwd": fwd, "vg": vg, "fwd_record": lambda: f(xv)}

    def mlp(self, params, X, Y, lr: float):
        t = self.t
        ps = [(self.arr(W, True), self.arr(b, True)) for W, b in params]
        flat = [p for wb in ps for p in wb]
        X, Y = self.arr(X), self.arr(Y)
        n = len(ps)

        def step():
            h = X
            for i, (W, b) in enumerate(ps):
                h = h @ W + b
                if i < n - 1:
                    h = t.relu(h)
            d = h - Y
            loss = (d * d).mean()
            gs = t.autograd.grad(loss, flat)
            with t.no_grad():
                for p, g in zip(flat, gs, strict=True):
                    p.sub_(lr * g)
            return loss.detach()

        return step

    def jac(self, A, x):
        t = self.t
        from torch.func import jacfwd, jacrev

        A, xv = self.arr(A), self.arr(x)
        f = lambda v: t.sin(A @ t.tanh(v))
        jr, jf = jacrev(f), jacfwd(f)
        return {"jacrev": lambda: jr(xv), "jacfwd": lambda: jf(xv)}

    def hess(self, A, x):
        t = self.t
        from torch.func import hessian

        A, xv = self.arr(A), self.arr(x)
        h = hessian(lambda v: t.sin(A @ t.tanh(v)).sum())
        return lambda: h(xv)

    def pex(self, params, X, Y):
        t = self.t
        from torch.func import grad, vmap

        ps = tuple((self.arr(W), self.arr(b)) for W, b in params)
        X, Y = self.arr(X), self.arr(Y)

        def loss(ps, x, y):
            (W1, b1), (W2, b2), (W3, b3) = ps
            h = t.tanh(x @ W1 + b1)
            h = t.tanh(h @ W2 + b2)
            d = h @ W3 + b3 - y
            return 0.5 * (d * d).sum()

        per_example = vmap(grad(loss), in_dims=(None, 0, 0))
        return lambda: per_example(ps, X, Y)

    def rnn(self, W, h0, xs, k: int):
        t = self.t
        from torch.utils.checkpoint import checkpoint

        Wt, h0t, xst = self.arr(W, True), self.arr(h0, True), self.arr(xs)
        steps = xs.shape[0]

        def block(h, W, xb):
            for i in range(xb.shape[0]):
                h = t.tanh(h @ W + xb[i])
            return h

        def vg():
            h = h0t
            if k <= 0:
                h = block(h, Wt, xst)
            else:
                for s in range(0, steps, k):
                    h = checkpoint(block, h, Wt, xst[s:s + k], use_reentrant=False)
            loss = (h * h).sum()
            return loss.detach(), t.autograd.grad(loss, (Wt, h0t))

        if k <= 0:
            def saved():
                seen: dict[Any, int] = {}

                def pack(x):
                    seen[(x.data_ptr(), x.untyped_storage().nbytes())] = (
                        x.untyped_storage().nbytes())
                    return x

                with t.autograd.graph.saved_tensors_hooks(pack, lambda x: x):
                    h = block(h0t, Wt, xst)
                    (h * h).sum()
                return {"torch_saved_unique_bytes": sum(seen.values())}

            vg.saved_info = saved
        return vg


# ---- JAX ------------------------------------------------------------------------------------

class Jax:
    def __init__(self, backend: str, jit: bool) -> None:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        self.jax, self.jnp, self.jit = jax, jnp, jit
        self.name = "jax-jit" if jit else "jax"
        self.version = jax.__version__
        plat = "gpu" if backend == "cupy" else "cpu"
        devs = jax.devices(plat) if plat == "cpu" else [d for d in jax.devices()
                                                       if d.platform == "gpu"]
        if not devs:
            raise RuntimeError("no JAX GPU device")
        self.dev = devs[0]
        self.device = str(self.dev)

    def arr(self, a: np.ndarray):
        return self.jax.device_put(np.asarray(a), self.dev)

    def sync(self, out: Any) -> None:
        self.jax.block_until_ready(out)

    def peak_bytes(self, fn):
        return None

    def _j(self, f):
        return self.jax.jit(f) if self.jit else f

    def _xla_temp(self, f, *args) -> int | None:
        if not self.jit:
            return None
        try:
            ma = f.lower(*args).compile().memory_analysis()
            return int(ma.temp_size_in_bytes)
        except Exception:  # noqa: BLE001
            return None

    def seed(self, x1, x2):
        jax, jnp = self.jax, self.jnp
        f = lambda a, b: a * b + jnp.sin(a)
        fj, vg = self._j(f), self._j(jax.value_and_grad(f, argnums=(0, 1)))
        a, b = self.arr(x1), self.arr(x2)
        return {"fwd": lambda: fj(a, b), "vg": lambda: vg(a, b)}

    def chain(self, x, n_ops: int):
        jax, jnp = self.jax, self.jnp
        ops = [jnp.sin, lambda v: v * 0.9, jnp.tanh, lambda v: v + 0.1]

        def f(v):
            for i in range(n_ops):
                v = ops[i % 4](v)
            return jnp.sum(v)

        fj, vg = self._j(f), self._j(jax.value_and_grad(f))
        xv = self.arr(x)
        return {"fwd": lambda: fj(xv), "vg": lambda: vg(xv)}

    def mlp(self, params, X, Y, lr: float):
        jax, jnp = self.jax, self.jnp
        n = len(params)

        def loss(ps, X, Y):
            h = X
            for i, (W, b) in enumerate(ps):
                h = h @ W + b
                if i < n - 1:
                    h = jnp.maximum(h, 0)
            d = h - Y
            return jnp.mean(d * d)

        def upd(ps, X, Y):
            v, g = jax.value_and_grad(loss)(ps, X, Y)
            return v, jax.tree_util.tree_map(lambda p, q: p - lr * q, ps, g)

        updj = self._j(upd)
        state = {"ps": [(self.arr(W), self.arr(b)) for W, b in params]}
        X, Y = self.arr(X), self.arr(Y)

        def step():
            v, state["ps"] = updj(state["ps"], X, Y)
            return v, state["ps"]

        step.xla_temp_bytes = self._xla_temp(updj, state["ps"], X, Y)
        return step

    def jac(self, A, x):
        jax, jnp = self.jax, self.jnp
        A, xv = self.arr(A), self.arr(x)
        f = lambda v: jnp.sin(A @ jnp.tanh(v))
        jr, jf = self._j(jax.jacrev(f)), self._j(jax.jacfwd(f))
        return {"jacrev": lambda: jr(xv), "jacfwd": lambda: jf(xv)}

    def hess(self, A, x):
        jax, jnp = self.jax, self.jnp
        A, xv = self.arr(A), self.arr(x)
        h = self._j(jax.hessian(lambda v: jnp.sum(jnp.sin(A @ jnp.tanh(v)))))
        return lambda: h(xv)

    def pex(self, params, X, Y):
        jax, jnp = self.jax, self.jnp
        ps = [(self.arr(W), self.arr(b)) for W, b in params]
        X, Y = self.arr(X), self.arr(Y)

        def loss(ps, x, y):
            (W1, b1), (W2, b2), (W3, b3) = ps
            h = jnp.tanh(x @ W1 + b1)
            h = jnp.tanh(h @ W2 + b2)
            d = h @ W3 + b3 - y
            return 0.5 * jnp.sum(d * d)

        per_example = self._j(jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)))
        return lambda: per_example(ps, X, Y)

    def rnn(self, W, h0, xs, k: int):
        """The recurrence as ``lax.scan`` (how JAX code is written; unrolling 1000 steps under
        ``jit`` takes minutes to compile); checkpointing wraps the step (k=1) or a scanned
        block of k steps in ``jax.checkpoint``."""
        jax, jnp = self.jax, self.jnp
        steps = xs.shape[0]

        def block(h, W, xb):
            return jax.lax.scan(lambda h, x: (jnp.tanh(h @ W + x), None), h, xb)[0]

        ck = jax.checkpoint(block)

        def step1(h, W, x):
            return jnp.tanh(h @ W + x)

        ck1 = jax.checkpoint(step1)

        def loss(W, h, xs):
            if k <= 0:
                h = block(h, W, xs)
            elif k == 1:
                h = jax.lax.scan(lambda h, x: (ck1(h, W, x), None), h, xs)[0]
            else:
                for s in range(0, steps, k):
                    h = ck(h, W, xs[s:s + k])
            return jnp.sum(h * h)

        vg = self._j(jax.value_and_grad(loss, argnums=(0, 1)))
        Wv, hv, xv = self.arr(W), self.arr(h0), self.arr(xs)
        fn = lambda: vg(Wv, hv, xv)
        fn.xla_temp_bytes = self._xla_temp(vg, Wv, hv, xv)
        return fn


# ---- HIPS autograd ---------------------------------------------------------------------------

class Autograd:
    name = "autograd"
    device = "cpu"

    def __init__(self) -> None:
        import autograd
        import autograd.numpy as anp

        self.ag, self.anp = autograd, anp
        self.version = _version("autograd") or "?"

    def arr(self, a):
        return np.asarray(a)

    def sync(self, out: Any) -> None:
        pass

    def peak_bytes(self, fn):
        return traced_peak(fn), "tracemalloc"

    def seed(self, x1, x2):
        anp = self.anp
        f = lambda a, b: a * b + anp.sin(a)
        vg = self.ag.value_and_grad(lambda ab: f(ab[0], ab[1]))
        ab = (float(x1), float(x2))
        return {"fwd": lambda: f(x1, x2), "vg": lambda: vg(ab)}

    def chain(self, x, n_ops: int):
        anp = self.anp
        ops = [anp.sin, lambda v: v * 0.9, anp.tanh, lambda v: v + 0.1]

        def f(v):
            for i in range(n_ops):
                v = ops[i % 4](v)
            return anp.sum(v)

        vg = self.ag.value_and_grad(f)
        return {"fwd": lambda: f(x), "vg": lambda: vg(x)}

    def mlp(self, params, X, Y, lr: float):
        anp = self.anp
        n = len(params)
        ps = [(W.copy(), b.copy()) for W, b in params]

        def loss(ps):
            h = X
            for i, (W, b) in enumerate(ps):
                h = anp.dot(h, W) + b
                if i < n - 1:
                    h = anp.maximum(h, 0)
            d = h - Y
            return anp.mean(d * d)

        vg = self.ag.value_and_grad(loss)

        def step():
            v, g = vg(ps)
            for i, ((W, b), (gW, gb)) in enumerate(zip(ps, g, strict=True)):
                ps[i] = (W - lr * gW, b - lr * gb)
            return v

        return step

    def jac(self, A, x):
        anp = self.anp
        from autograd import jacobian, make_jvp

        f = lambda v: anp.sin(anp.dot(A, anp.tanh(v)))
        jr = jacobian(f)
        eye = np.eye(x.shape[0])

        def jf():
            jvp = make_jvp(f)(x)
            return np.stack([jvp(eye[j])[1] for j in range(x.shape[0])], axis=1)

        return {"jacrev": lambda: jr(x), "jacfwd": jf}

    def rnn(self, W, h0, xs, k: int):
        anp = self.anp
        from autograd.differential_operators import checkpoint

        steps = xs.shape[0]

        def block(h, W, xb):
            for i in range(xb.shape[0]):
                h = anp.tanh(anp.dot(h, W) + xb[i])
            return h

        ck = checkpoint(block)

        def loss(W, h):
            if k <= 0:
                h = block(h, W, xs)
            else:
                for s in range(0, steps, k):
                    h = ck(h, W, xs[s:s + k])
            return anp.sum(h * h)

        g = self.ag.value_and_grad(lambda Wh: loss(Wh[0], Wh[1]))
        return lambda: g((W, h0))
