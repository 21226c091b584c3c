"""DataParallel: gradients averaged over ranks in buckets, overlapped with the backward.

Each rank runs the model on its own shard of the batch. When ``loss.backward()`` runs, the
engine tells the wrapper (through ``engine.sweep_hook``) before each step of the reverse sweep;
a parameter's adjoint is final once every step that used the parameter has run, i.e. once the
sweep has passed the earliest such step (found by one walk over the graph when the sweep
starts). The adjoint is then copied into its bucket (a flat buffer of about ``bucket_mb``
megabytes), and a full bucket starts a non-blocking all-reduce at once, while the sweep goes on
through the earlier layers. Buckets start in a fixed order on every rank (bucket ``k`` only
after ``k - 1``), as collectives must. When the sweep ends, each bucket is waited for (with the
communicator's timeout), divided by the number of ranks, and written to ``.grad``.

A parameter that this rank's loss does not use contributes zeros; one that no rank used keeps
``.grad`` as it was (``None`` after ``zero_grad``): every bucket carries one count per parameter
of the ranks that had a gradient for it.
"""

from __future__ import annotations

import collections
import contextlib
import time
import weakref
from collections.abc import Iterator
from typing import Any

from .. import engine as _engine
from .._state import no_grad
from ..jit import api as _jit_api
from ..tensor import Tensor
from ._comm import Communicator, DistributedError
from ._launch import get_comm

__all__ = ["DataParallel"]

_live: weakref.WeakSet = weakref.WeakSet()


def _unsynced() -> tuple:
    """The wrappers inside ``no_sync()`` now: part of gpuad.jit's cache key, so a step compiled
    with averaging is never replayed without it (or the other way round)."""
    return tuple(sorted(id(dp) for dp in _live if not dp._sync))


_jit_api.KEY_PARTS.append(_unsynced)


def _dispatch(roots, create_graph):
    """The engine's sweep hook: one watcher for the wrappers whose parameters this sweep
    reaches (None when it reaches none, so a plain backward pays nothing more)."""
    watchers = [w for dp in list(_live) if (w := dp._watch(roots, create_graph)) is not None]
    if not watchers:
        return None
    return watchers[0] if len(watchers) == 1 else _Several(watchers)


class _Several:
    def __init__(self, ws):
        self.ws = ws

    def before(self, seq, grads):
        for w in self.ws:
            w.before(seq, grads)

    def finish(self):
        for w in self.ws:
            w.finish()

    def fail(self):
        for w in self.ws:
            w.fail()


class _Bucket:
    """Parameters ``params`` (indices) packed into one flat buffer at ``offsets``."""

    __slots__ = ("index", "params", "offsets", "numel", "dtype", "xp", "names")

    def __init__(self, index, params, names, xp, sizes, dtype):
        self.index = index
        self.params = params
        self.names = names
        self.xp = xp
        self.offsets = []
        n = 0
        for size in sizes:
            self.offsets.append(n)
            n += size
        self.numel = n
        self.dtype = dtype


class DataParallel:
    """Data-parallel training: the same model on every rank, gradients averaged over ranks.

    ``model_or_params``: a ``gpuad.nn.Module`` (calling the wrapper calls the model) or a list
    (or dict) of parameter Tensors. At construction the parameters are checked to have the same
    names, shapes and dtypes on every rank (an error names the first difference) and rank
    ``root``'s values are broadcast to all. Then every ``loss.backward()`` that reaches the
    parameters leaves in each ``.grad`` the mean over ranks of that rank's ``.grad``, with
    communication in buckets of about ``bucket_mb`` MB started during the backward.
    ``no_sync()`` skips the averaging (gradient accumulation: average on the last micro-batch).

    Example::

        dist.init()
        model = dist.DataParallel(nn.MLP([784, 256, 10]))
        opt = optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(epochs):
            x, y = dist.shard(x_train, y_train, epoch=epoch)   # this rank's slice
            opt.zero_grad()
            nn.cross_entropy(model(x), y).backward()   # gradients averaged over ranks
            opt.step()
    """

    def __init__(self, model_or_params: Any, bucket_mb: float = 25.0, *,
                 comm: Communicator | None = None, root: int = 0,
                 broadcast: bool = True) -> None:
        from ..nn.modules import Module

        self.comm = get_comm() if comm is None else comm
        if bucket_mb <= 0:
            raise ValueError(f"DataParallel: bucket_mb must be > 0, got {bucket_mb}")
        self.module = model_or_params if isinstance(model_or_params, Module) else None
        if self.module is not None:
            named = list(self.module.named_parameters())
        elif isinstance(model_or_params, dict):
            named = [(str(k), v) for k, v in model_or_params.items()]
        else:
            named = [(str(i), p) for i, p in enumerate(model_or_params)]
        for name, p in named:
            if not isinstance(p, Tensor) or not p.is_leaf:
                raise TypeError(f"DataParallel: parameter {name!r} is not a leaf Tensor "
                                f"(got {type(p).__name__})")
        if not named:
            raise ValueError("DataParallel: got no parameters")
        seen: dict[int, str] = {}
        for name, p in named:
            if id(p) in seen:
                raise ValueError(f"DataParallel: parameters {seen[id(p)]!r} and {name!r} are the "
                                 f"same Tensor; pass each parameter once")
            seen[id(p)] = name
        self.names = [n for n, _ in named]
        self.params = [p for _, p in named]
        self.bucket_bytes = int(bucket_mb * 2**20)
        self._sync = True
        self._broken: str | None = None
        self.events: collections.deque = collections.deque(maxlen=10000)
        self.sweeps = 0
        self._check_same_everywhere()
        self.buckets = self._make_buckets()
        if broadcast and self.comm.size > 1:
            self._broadcast_params(root)
        _live.add(self)
        _engine.sweep_hook = _dispatch

    # ---- set-up ---------------------------------------------------------------------------
    def _check_same_everywhere(self) -> None:
        mine = [(n, tuple(p.shape), str(p.dtype)) for n, p in zip(self.names, self.params,
                                                                   strict=True)]
        every = self.comm.all_gather_object(mine)
        ref = every[0]
        for r, theirs in enumerate(every):
            if len(theirs) != len(ref):
                raise DistributedError(
                    f"DataParallel: rank {r} has {len(theirs)} parameters, rank 0 has "
                    f"{len(ref)}; every rank must wrap the same model")
            for (n0, s0, d0), (n1, s1, d1) in zip(ref, theirs, strict=True):
                if (s0, d0) != (s1, d1) or n0 != n1:
                    raise DistributedError(
                        f"DataParallel: parameter {n1!r} has shape {s1} ({d1}) on rank {r} but "
                        f"{n0!r} has shape {s0} ({d0}) on rank 0; every rank must wrap the "
                        f"same model")

    def _make_buckets(self) -> list[_Bucket]:
        """Buckets in reverse parameter order (the last layers' adjoints are final first),
        each of one dtype and at most ``bucket_bytes`` (or one parameter, if larger)."""
        from .._raw import _xp

        buckets: list[_Bucket] = []
        cur: list[int] = []
        size = 0
        key = None
        for i in reversed(range(len(self.params))):
            p = self.params[i]
            k = (p.dtype, type(p.data))
            nb = p.data.nbytes
            if cur and (k != key or size + nb > self.bucket_bytes):
                buckets.append(self._bucket(len(buckets), cur, _xp(self.params[cur[0]])))
                cur, size = [], 0
            cur.append(i)
            size += nb
            key = k
        if cur:
            buckets.append(self._bucket(len(buckets), cur, _xp(self.params[cur[0]])))
        self.bucket_of = {}
        for b in buckets:
            for j, i in enumerate(b.params):
                self.bucket_of[i] = (b, j)
        return buckets

    def _bucket(self, index, idx, xp) -> _Bucket:
        return _Bucket(index, list(idx), [self.names[i] for i in idx], xp,
                       [self.params[i].data.size for i in idx], self.params[idx[0]].dtype)

    def _pack(self, b: _Bucket):
        flat = b.xp.empty(b.numel, b.dtype)
        for i, off in zip(b.params, b.offsets, strict=True):
            p = self.params[i].data
            flat[off:off + p.size] = p.reshape(-1)
        return flat

    def _broadcast_params(self, root: int) -> None:
        with no_grad():
            for b in self.buckets:
                flat = self._pack(b)
                self.comm.broadcast(flat, root)
                for i, off in zip(b.params, b.offsets, strict=True):
                    p = self.params[i]
                    p.data[...] = flat[off:off + p.data.size].reshape(p.data.shape)
                    p._ver[0] += 1
                    p._seen = p._ver[0]

    # ---- use ------------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.module is None:
            raise TypeError("DataParallel: wraps a parameter list, not a model; call your "
                            "function with dp.parameters() instead")
        return self.module(*args, **kwargs)

    def parameters(self) -> list[Tensor]:
        """The wrapped parameters (for an optimiser)."""
        return list(self.params)

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        return iter(zip(self.names, self.params, strict=True))

    def state_dict(self) -> dict:
        """The wrapped model's ``state_dict()`` (buffers too), or the parameters by name. The
        keys are the model's own (torch's DDP prefixes them with ``module.``)."""
        if self.module is not None:
            return self.module.state_dict()
        return {n: p.data for n, p in zip(self.names, self.params, strict=True)}

    def load_state_dict(self, state_dict: dict, strict: bool = True) -> Any:
        """Load a ``state_dict()`` of this wrapper (or of the wrapped model) into the model, or
        into the parameters by name. Every rank should load the same values.

        Example: ``ddp_model.load_state_dict(gpuad.load(path))``"""
        from ..backends import get_backend

        if self.module is not None:
            return self.module.load_state_dict(state_dict, strict=strict)
        named = dict(zip(self.names, self.params, strict=True))
        missing = sorted(set(named) - set(state_dict))
        unexpected = sorted(set(state_dict) - set(named))
        if strict and (missing or unexpected):
            raise KeyError(f"DataParallel.load_state_dict: missing keys {missing}, "
                           f"unexpected keys {unexpected}")
        for n, v in state_dict.items():
            if n in named:
                p = named[n]
                v = v.data if isinstance(v, Tensor) else get_backend().xp.asarray(v)
                if tuple(v.shape) != tuple(p.shape):
                    raise ValueError(f"DataParallel.load_state_dict: {n!r} has shape "
                                     f"{tuple(v.shape)}, the parameter {tuple(p.shape)}")
                with no_grad():
                    p.copy_(Tensor(v))
        return missing, unexpected

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Backward passes in this block keep this rank's gradients (accumulated in
        ``.grad``); the next backward outside it averages the accumulated sums.

        Example::

            with model.no_sync():
                loss(model, micro[0]).backward()
            loss(model, micro[1]).backward()  # averages both micro-batches' gradients
        """
        prev = self._sync
        self._sync = False
        try:
            yield
        finally:
            self._sync = prev

    def close(self) -> None:
        """Stop averaging gradients (the wrapper no longer watches backward passes)."""
        _live.discard(self)

    # ---- the sweep -------------------------------------------------------------------------
    def _watch(self, roots, create_graph):
        if not self._sync:
            return None
        index = {}
        for i, p in enumerate(self.params):
            n = p._node
            if n is not None and n.rule is None:
                index[n] = i
        if not index:
            return None
        first = _first_uses(roots, index)
        if not first:
            return None
        if self._broken is not None:
            raise DistributedError(self._broken)
        if create_graph:
            raise DistributedError(
                "DataParallel: backward(create_graph=True) through a wrapped model is not "
                "averaged over ranks; compute higher derivatives outside the wrapper (or call "
                "dp.close() first)")
        from ..jit import trace as _jit_trace

        if _jit_trace.active() is not None:
            return _TracedSweep(self, index, first)
        return _Sweep(self, index, first)


def _first_uses(roots, index) -> dict[int, float]:
    """For each parameter the sweep reaches: the sequence number of the earliest step that
    uses it (infinity for a root itself). Its adjoint is final once the sweep passes it."""
    first: dict[int, float] = {}
    stack = []
    for r in roots:
        n = r._node
        if n is None:
            continue
        i = index.get(n)
        if i is not None:
            first[i] = float("inf")
        elif n.rule is not None:
            stack.append(n)
    seen = set()
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        s = n.seq
        for e in n.edges:
            if e is None:
                continue
            i = index.get(e)
            if i is not None:
                if s < first.get(i, float("inf")):
                    first[i] = s
            elif e.rule is not None and e not in seen:
                stack.append(e)
    return first


class _Sweep:
    """One backward through the wrapped parameters: fills buckets, starts their all-reduces."""

    def __init__(self, dp: DataParallel, index: dict, first: dict) -> None:
        self.dp = dp
        self.node_of = {i: n for n, i in index.items()}
        dp.sweeps += 1
        self.sweep = dp.sweeps
        self.steps = 0
        self.flat = [b.xp.empty(b.numel + len(b.params), b.dtype) for b in dp.buckets]
        self.left = [len(b.params) for b in dp.buckets]
        self.work: list = [None] * len(dp.buckets)
        self.next_launch = 0
        self.pending = sorted(((s, i) for i, s in first.items()), reverse=False)
        self.failed = False
        self.t0 = time.perf_counter()
        for i in range(len(dp.params)):  # parameters this sweep does not reach: zeros now
            if i not in first:
                self._ready(i, None)
        self._launch()

    def _log(self, what, detail=None) -> None:
        self.dp.events.append((self.sweep, what, detail, self.steps, time.perf_counter()))

    def before(self, seq, grads) -> None:
        self.steps += 1
        pend = self.pending
        if pend and pend[-1][0] > seq:
            while pend and pend[-1][0] > seq:
                _, i = pend.pop()
                self._ready(i, grads.get(self.node_of[i]))
            self._launch()
        elif self.next_launch:
            w = self.work[self.next_launch - 1]
            if not w.done and w.test():  # drives MPI's progress while the sweep goes on
                w.done = True

    def _ready(self, i, g) -> None:
        b, j = self.dp.bucket_of[i]
        flat = self.flat[b.index]
        p = self.dp.params[i]
        off = b.offsets[j]
        seg = flat[off:off + p.data.size].reshape(p.data.shape)
        old = p.grad
        if g is None and old is None:
            seg[...] = 0
            flat[b.numel + j] = 0
        else:
            if isinstance(g, Tensor):
                g = g.data
            if g is None:
                seg[...] = old.data
            else:
                seg[...] = g
                if old is not None:
                    seg += old.data  # .grad is written only after the sweep: this is its sum
            flat[b.numel + j] = 1
        self.left[b.index] -= 1

    def _launch(self) -> None:
        dp = self.dp
        nb = len(dp.buckets)
        k = self.next_launch
        if k >= nb or self.left[k]:
            return
        with dp.comm.launch_group():
            while k < nb and not self.left[k]:
                self._log("launch", k)
                w = dp.comm.iall_reduce(self.flat[k], "sum")
                b = dp.buckets[k]
                w.what = (f"DataParallel: all-reduce of gradient bucket {k} of {nb} "
                          f"({', '.join(b.names[:4])}{', ...' if len(b.names) > 4 else ''})")
                self.work[k] = w
                k += 1
        self.next_launch = k

    def finish(self) -> None:
        self._log("sweep_end")
        dp = self.dp
        while self.pending:
            _, i = self.pending.pop()
            self._ready(i, None)
        self._launch()
        if self.next_launch != len(dp.buckets):
            raise DistributedError("DataParallel: internal error, a bucket was never filled")
        scale = 1.0 / dp.comm.size
        for b, flat, w in zip(dp.buckets, self.flat, self.work, strict=True):
            w.wait()
            self._log("done", b.index)
            counts = _host(flat[b.numel:])
            vals = flat[:b.numel]
            if scale != 1.0:
                vals *= scale
            for j, i in enumerate(b.params):
                if counts[j] == 0:
                    continue  # no rank had a gradient: .grad stays as it was
                p = dp.params[i]
                off = b.offsets[j]
                p.grad = Tensor(vals[off:off + p.data.size].reshape(p.data.shape))
        self._log("written")

    def fail(self) -> None:
        if self.failed:
            return
        self.failed = True
        if self.next_launch:
            self.dp._broken = (
                "DataParallel: an earlier backward failed after it had started gradient "
                "all-reduces, so the ranks are out of step; start the job again")


class _TracedSweep:
    """The backward of a step being compiled by ``gpuad.jit``: once the sweep has ended, each
    bucket is packed, all-reduced and unpacked into ``.grad`` with recorded operations (the
    all-reduce is one step of the program, run again on every replay, buckets in order). The
    replay is one flat function, so there is no backward left to overlap with."""

    def __init__(self, dp: DataParallel, index: dict, first: dict) -> None:
        missing = [dp.names[i] for i in range(len(dp.params)) if i not in first]
        if missing:
            raise DistributedError(
                f"DataParallel inside gpuad.jit: parameter(s) {missing[:4]} get no gradient "
                f"from this backward on this rank; a compiled step averages every wrapped "
                f"parameter's gradient on every call, so unused parameters are handled only "
                f"without jit. Wrap only the parameters the loss uses, or run this step "
                f"eagerly")
        self.dp = dp
        dp.sweeps += 1
        self.sweep = dp.sweeps

    def before(self, seq, grads) -> None:
        pass

    def finish(self) -> None:
        from .. import numpy as gnp
        from .collectives import all_reduce

        dp = self.dp
        dp.events.append((self.sweep, "traced", None, 0, time.perf_counter()))
        scale = 1.0 / dp.comm.size
        with no_grad():
            for b in dp.buckets:
                ps = [dp.params[i] for i in b.params]
                flat = gnp.concatenate([gnp.reshape(p.grad, (-1,)) for p in ps])
                flat = all_reduce(flat, "sum", comm=dp.comm)
                if scale != 1.0:
                    flat = flat * scale
                for p, off in zip(ps, b.offsets, strict=True):
                    p.grad = gnp.reshape(flat[off:off + p.size], p.shape)

    def fail(self) -> None:
        pass


def _host(a):
    return a.get() if hasattr(a, "get") else a
