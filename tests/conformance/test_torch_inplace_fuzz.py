"""A seeded fuzzer of in-place writes, views and version counters against torch's autograd.

Each program is a short list of steps drawn at random (leaves with and without grad; views:
slices with steps and negative ends, transposes, view/reshape, (un)squeeze, expand, diagonal,
unbind/split/chunk, narrow, select, unfold, real/imag; in-place methods, autograd.Functions
that write their input (``mark_dirty``), ``__setitem__`` with
slices, masks, integer arrays and ellipsis, ``+=``/``*=``/``/=``/``@=``, ``out=``; detach and
``detach_``, ``.data`` writes, writes under ``no_grad``/``inference_mode`` and through a
detached alias; ``retain_grad``, tensor hooks, an SGD/Adam step between the forward and the
backward, a second backward with ``retain_graph``). Every program runs in torch and in gpuad
from the same float64 data. The rule (exact or an error):

* torch succeeds: gpuad gives the same values, gradients, retained gradients and hook
  arguments, or raises an error listed in ``KNOWN_REFUSALS`` (with the reason);
* torch raises (a saved tensor modified, an in-place write on a leaf or a view of one, a
  write into an expanded tensor, ...): gpuad raises too, or its values and leaf gradients
  equal float64 central differences of the program as written (writes that autograd does
  not see, under ``no_grad``, through ``.data`` or a detached alias, or an optimiser step,
  enter the differences as the constants they add).

A generation shadow (torch without grad) keeps each step valid for the shapes at hand; a step
the shadow itself refuses ends a program now and then, and gpuad must refuse it too.

``GPUAD_INPLACE_FUZZ_N`` sets the number of programs (default 5000, under a minute),
``GPUAD_INPLACE_FUZZ_SEED`` the first seed.
"""

from __future__ import annotations

import os
import re
from collections import Counter

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.optim as goptim

torch = pytest.importorskip("torch")
# (NaN from powers of negative values, torch's note on .grad of non-leaves)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")

N_PROGRAMS = int(os.environ.get("GPUAD_INPLACE_FUZZ_N", "5000"))
SEED0 = int(os.environ.get("GPUAD_INPLACE_FUZZ_SEED", "0"))
TOL = dict(rtol=1e-9, atol=1e-9)
FD_TOL = dict(rtol=2e-5, atol=2e-6)



def _unrecorded_write(prog):
    """Whether the program writes without recording: under no_grad/inference_mode, through
    ``.data``, a detached alias (or a view of one), or an optimiser step."""
    detached = set()
    for st in prog:
        if st[0] == "detach" or (st[0] == "view" and st[2] in detached):
            detached.add(st[1])
        elif st[0] in ("nograd", "opt"):
            return True
        elif st[0] in ("inplace", "setitem", "aug", "out", "fn") and st[1] in detached:
            return True
    return False


# gpuad's documented refusals where torch runs: (pattern of the message, when it may come,
# reason). Each is rare in the fuzz counts.
KNOWN_REFUSALS = [
    (r"an input was modified in place through another view", _unrecorded_write,
     "a write autograd does not record (no_grad, .data, a detached alias, an optimiser "
     "step) leaves the histories as they were; torch then differentiates through the old "
     "history as if the write added a constant, gpuad refuses a recorded use of the written "
     "tensor (docs/semantics.md, 'Writes that were not recorded')"),
    (r"modified in place through another alias without being recorded", _unrecorded_write,
     "the same rule, for a recorded write through a view of a tensor written without "
     "recording"),
    (r"a copy in gpuad but a view in torch", lambda prog: True,
     "x[i] with integer indices is NumPy's copy; read after a write to x it raises rather "
     "than hold the old values (docs/porting.md, silent traps)"),
    (r"this tensor is a copy of one element", lambda prog: True,
     "one element taken by integer indices is NumPy's copy; torch's is a view, so a write "
     "into it raises (docs/porting.md, silent traps)"),
    (r"is not a Tensor that requires grad|the output does not require grad",
     lambda prog: any(st[0] == "detach_" for st in prog),
     "detach_() cuts the tensor (and the views that follow its base) from the graph; torch "
     "keeps the history of views made before, and steps a parameter that no longer "
     "requires grad"),
    (r"in-place write through a broadcast_to view", lambda prog: True,
     "as the expand entry below (an empty selection of an expanded tensor too)"),
    (r"windows that overlap \(step < size\)", lambda prog: True,
     "unfold's overlapping windows are a copy that refuses writes (docs/porting.md); torch "
     "writes some of them"),
    (r"in-place write through a broadcast_to/expand view", lambda prog: True,
     "torch lets zero_/fill_ write one value through an expanded tensor; gpuad refuses every "
     "write through expand, as NumPy's broadcast_to"),
]


def _functions(F):
    """Two autograd.Functions that write their input in place and say so (``mark_dirty``),
    as torch's test_mark_dirty: ``x * 2`` and ``x ** 2`` (this one keeping a copy of x)."""

    class Double(F):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2.0)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    class Square(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x.clone())
            x.mul_(x.clone())
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2.0 * x

    return {"double": Double, "square": Square}


FUNCTIONS = {"torch": _functions(torch.autograd.Function),
             "gpuad": _functions(ad.autograd.Function)}


class Unfit(Exception):
    """The program cannot be compared (a step outside what the fuzzer models)."""


# ---------------------------------------------------------------------------------------------
# interpretation


class Run:
    """One execution of a program: ``lib`` is "torch", "gpuad" or "plain" (torch without
    grad, for the shadow and the finite differences)."""

    def __init__(self, lib, leaves=None, deltas=None, record=False):
        self.lib = lib
        self.env = {}
        self.leaves = leaves  # name -> array overriding the program's (finite differences)
        self.deltas = deltas  # step index -> list of arrays to add instead of the step
        self.record = {} if record else None
        self.kink = False
        self.hooked = {}  # name -> list of gradients seen by its hook
        self.retained = []
        self.loss = None
        self.opt_grads = {}

    # backend helpers
    @property
    def T(self):
        return self.lib != "gpuad"

    def arr(self, a):
        if self.T:
            return torch.tensor(np.asarray(a))
        return ad.tensor(np.array(a))

    def idx(self, a):
        a = np.asarray(a)
        return torch.tensor(a) if self.T else a

    def np(self, t):
        if self.T:
            return t.detach().resolve_conj().numpy().copy()
        return np.array(t.detach().numpy(), copy=True)

    def no_grad(self):
        return torch.no_grad() if self.T else ad.no_grad()

    def inference(self):
        return torch.inference_mode() if self.T else ad.inference_mode()

    def value(self, spec, ref=None):
        kind = spec[0]
        if kind == "num":
            return spec[1]
        if kind == "var":  # without grad, read before the write (torch refuses overlaps)
            v = self.env[spec[1]]
            return v.clone() if self.lib == "plain" else v
        if kind == "derived":  # a tensor of the wanted shape depending on a variable
            _, name, c = spec
            v = self.env[name]
            s = (v.sum() * 0.1 + 1.0) if not self.T else (v.sum() * 0.1 + 1.0)
            return s * self.arr(c)
        if kind == "derived0":  # a 0-d tensor depending on a variable
            v = self.env[spec[1]]
            return v.mean() * 0.5 + 0.25
        raise AssertionError(spec)

    def index(self, spec):
        kind = spec[0]
        if kind == "slices":
            out = []
            for s in spec[1]:
                if s == "...":
                    out.append(Ellipsis)
                elif isinstance(s, tuple):
                    out.append(slice(*s))
                else:
                    out.append(s)
            return tuple(out)
        if kind == "mask":
            return self.idx(spec[1])
        if kind == "intarr":
            return (self.idx(spec[1]),) + tuple(slice(None) for _ in range(spec[2]))
        if kind == "ellipsis_int":
            return (Ellipsis, spec[1])
        raise AssertionError(spec)

    # steps
    def step(self, i, st):
        if self.deltas is not None and i in self.deltas:  # a write autograd does not see
            for name, d in self.deltas[i]:
                self.env[name].add_(torch.tensor(d))
            return
        if self.record is not None and st[0] == "inplace" and st[2] in ("relu_", "clamp_"):
            a = self.np(self.env[st[1]])
            kinks = (0.0,) if st[2] == "relu_" else st[3]
            if any(np.any(a == k) for k in kinks):
                self.kink = True  # (differences straddle it: not a derivative)
        if self.record is not None and st[0] in NONDIFF:
            names = nondiff_targets(st, self.env)
            before = [(n, self.np(self.env[n])) for n in names]
            self._step(st)
            self.record[i] = [(n, self.np(self.env[n]) - b) for n, b in before]
            return
        self._step(st)

    def _step(self, st):
        kind, env, T = st[0], self.env, self.T
        if kind == "leaf":
            _, name, a, rg = st
            if self.leaves is not None and name in self.leaves:
                a = self.leaves[name]
            rg = rg and self.lib != "plain"
            env[name] = (torch.tensor(np.array(a), requires_grad=rg) if T
                         else ad.tensor(np.array(a), requires_grad=rg))
        elif kind == "compute":
            _, name, fn, args = st
            env[name] = self.compute(fn, args)
        elif kind == "view":
            _, name, src, vk, p = st
            env[name] = self.view(env[src], vk, p)
        elif kind == "inplace":
            _, tgt, op, p = st
            self.inplace(env[tgt], op, p)
        elif kind == "setitem":
            _, tgt, ispec, vspec, aug = st
            t, ix, v = env[tgt], self.index(ispec), self.value(vspec)
            if aug is None:
                t[ix] = v
            elif aug == "+":
                t[ix] += v
            elif aug == "*":
                t[ix] *= v
            else:
                t[ix] /= v
        elif kind == "aug":
            _, tgt, aug, vspec = st
            t, v = env[tgt], self.value(vspec)
            if aug == "+":
                t += v
            elif aug == "*":
                t *= v
            elif aug == "/":
                t /= v
            else:
                t @= v
            env[tgt] = t
        elif kind == "out":
            _, tgt, fn, a, b = st
            o = env[tgt]
            if self.lib == "plain":  # the inputs read before the write (as NumPy's ufuncs)
                env = dict(env, **{a: env[a].clone(), b: env[b].clone()})
            if T:
                {"add": lambda: torch.add(env[a], env[b], out=o),
                 "mul": lambda: torch.mul(env[a], env[b], out=o),
                 "exp": lambda: torch.exp(env[a], out=o)}[fn]()
            else:
                {"add": lambda: gnp.add(env[a], env[b], out=o),
                 "mul": lambda: gnp.multiply(env[a], env[b], out=o),
                 "exp": lambda: gnp.exp(env[a], out=o)}[fn]()
        elif kind == "nograd":
            _, how, tgt, op, p = st
            if how == "no_grad":
                with self.no_grad():
                    self.inplace(env[tgt], op, p)
            elif how == "inference":
                with self.inference():
                    self.inplace(env[tgt], op, p)
            elif how == "detached":
                self.inplace(env[tgt].detach(), op, p)
            else:  # .data
                d = env[tgt].data
                c = p
                if T:
                    d.mul_(c)
                else:
                    d *= c
        elif kind == "fn":  # an autograd.Function writing its input (mark_dirty)
            _, tgt, which = st
            FUNCTIONS["gpuad" if self.lib == "gpuad" else "torch"][which].apply(env[tgt])
        elif kind == "detach":
            _, name, src = st
            env[name] = env[src].detach()
        elif kind == "detach_":
            env[st[1]].detach_()
        elif kind == "retain_grad":
            if self.lib != "plain":
                env[st[1]].retain_grad()
                self.retained.append(st[1])
        elif kind == "hook":
            if self.lib != "plain":
                name = st[1]
                seen = self.hooked.setdefault(name, [])
                env[name].register_hook(lambda g, seen=seen: seen.append(self.np(g)))
        elif kind == "loss":
            total = None
            for name, w in st[1]:
                v = env[name]
                term = (v * self.arr(w))
                if np.iscomplexobj(w) or v.is_complex():
                    term = term.real
                term = term.sum()
                total = term if total is None else total + term
            self.loss = total
        elif kind == "opt":
            _, which, grads = st
            params = [env[n] for n, _ in grads]
            for p_, (n, g) in zip(params, grads, strict=True):
                p_.grad = self.arr(g)
                self.opt_grads[n] = g
            if T:
                opt = (torch.optim.SGD(params, lr=0.1, momentum=0.5) if which == "sgd"
                       else torch.optim.Adam(params, lr=0.05))
            else:
                opt = (goptim.SGD(params, lr=0.1, momentum=0.5) if which == "sgd"
                       else goptim.Adam(params, lr=0.05))
            opt.step()
        elif kind == "backward":
            if self.lib == "plain":
                return
            times = st[1]
            for k in range(times):
                self.loss.backward(retain_graph=k + 1 < times)
        else:
            raise AssertionError(kind)

    def compute(self, fn, args):
        env, T = self.env, self.T
        a = env[args[0]]
        if fn == "scale":
            return a * args[1]
        if fn == "exp":
            return a.exp()
        if fn == "sigmoid":
            return a.sigmoid()
        if fn == "tanh":
            return a.tanh()
        if fn == "sin":
            return a.sin()
        if fn == "mul":
            return a * env[args[1]]
        if fn == "add":
            return a + env[args[1]]
        if fn == "clone":
            return a.clone()
        if fn == "matmul":
            return a @ env[args[1]]
        if fn == "view_as_real":  # read at once (gpuad's spelling is a copy)
            if T:
                return torch.view_as_real(a) * 1.0
            return gnp.stack([a.real, a.imag], -1) * 1.0
        if fn == "complex":
            return a * (1.0 + 0.5j)
        raise AssertionError(fn)

    def view(self, x, vk, p):
        T = self.T
        if vk == "slice":
            return x[self.index(p)]
        if vk == "transpose":
            return x.transpose(*p) if T else x.swapaxes(*p)
        if vk == "T":
            return x.T
        if vk == "mT":
            return x.mT
        if vk == "view":
            return x.view(*p)
        if vk == "reshape":
            return x.reshape(*p)
        if vk == "unsqueeze":
            return x.unsqueeze(p)
        if vk == "squeeze":
            return x.squeeze(dim=p) if not T else x.squeeze(p)
        if vk == "expand":
            return x.expand(*p)
        if vk == "diagonal":
            return x.diagonal(p[0], p[1], p[2]) if T else x.diagonal(p[0], dim1=p[1], dim2=p[2])
        if vk == "unbind":
            return x.unbind(p[0])[p[1]]
        if vk == "split":
            return x.split(p[0], p[1])[p[2]]
        if vk == "chunk":
            return x.chunk(p[0], p[1])[p[2]]
        if vk == "narrow":
            return x.narrow(*p)
        if vk == "select":
            return x.select(*p)
        if vk == "unfold":
            return x.unfold(*p)
        if vk == "real":
            return x.real
        if vk == "imag":
            return x.imag
        if vk == "permute":
            return x.permute(*p)
        raise AssertionError(vk)

    def inplace(self, t, op, p):
        T = self.T
        if op in ("add_", "sub_", "mul_", "div_", "copy_", "pow_"):
            getattr(t, op)(self.value(p))
        elif op == "zero_":
            t.zero_()
        elif op == "fill_":
            t.fill_(p)
        elif op == "clamp_":
            t.clamp_(*p)
        elif op in ("relu_", "sigmoid_", "exp_", "tanh_"):
            getattr(t, op)()
        elif op in ("index_add_", "index_copy_"):
            dim, ix, v = p
            getattr(t, op)(dim, self.idx(ix), self.value(v))
        elif op == "masked_fill_":
            t.masked_fill_(self.idx(p[0]), p[1])
        elif op == "masked_scatter_":
            t.masked_scatter_(self.idx(p[0]), self.value(p[1]))
        elif op in ("scatter_", "scatter_add_"):
            dim, ix, v = p
            getattr(t, op)(dim, self.idx(ix), self.value(v))
        elif op == "put_":
            ix, v = p
            t.put_(self.idx(ix), self.value(v))
        else:
            raise AssertionError(op)
        del T

    def outcome(self):
        vals = {n: self.np(v) for n, v in self.env.items()}
        grads = {}
        for n, v in self.env.items():
            if n.startswith("L") and v.requires_grad and v.is_leaf:
                g = v.grad
                grads[n] = None if g is None else self.np(g)
        ret = {}
        for n in self.retained:
            g = self.env[n].grad
            ret[n] = None if g is None else self.np(g)
        loss = None if self.loss is None else float(self.np(self.loss))
        return dict(vals=vals, grads=grads, retained=ret, hooks=self.hooked, loss=loss)


NONDIFF = ("nograd", "opt")


def nondiff_targets(st, env):
    if st[0] == "opt":
        return [n for n, _ in st[2]]
    return [st[2]]


def execute(lib, prog, **kw):
    r = Run(lib, **kw)
    for i, st in enumerate(prog):
        r.step(i, st)
    return r


# ---------------------------------------------------------------------------------------------
# generation


class Gen:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.prog = []
        self.shadow = Run("plain")
        self.n = 0
        self.root = {}  # name -> the leaf it is (a view of), or None
        self.rg = {}  # name -> whether it (probably) requires grad
        self.base = {}  # name -> the variable whose memory it shares
        self.views = set()
        # views whose memory was written since they were made: torch 2.13 crashes
        # (segmentation fault) registering a hook on one (v = y.view(2, 3); y.add_(1);
        # v.register_hook(f)), so hooks and retain_grad avoid them
        self.stale = set()
        self.invalid = False

    def name(self, prefix="v"):
        self.n += 1
        return f"{prefix}{self.n}"

    def data(self, shape, cplx=False):
        r = self.rng
        a = r.uniform(0.5, 1.5, shape) * r.choice([-1.0, 1.0], shape)
        if cplx:
            a = a + 1j * r.uniform(0.5, 1.5, shape) * r.choice([-1.0, 1.0], shape)
        return a

    def try_add(self, st, allow_invalid=True):
        """Append ``st`` if the shadow accepts it; a refused step ends the program now and
        then (torch refuses it without grad: gpuad must refuse it as well)."""
        try:
            self.shadow.step(len(self.prog), st)
        except Unfit:
            raise
        except Exception:
            self.shadow = execute("plain", self.prog)  # undo a partial write
            if allow_invalid and self.rng.random() < 0.08:
                self.prog.append(st)
                self.invalid = True
                return True
            return False
        self.prog.append(st)
        self.note(st)
        return True

    def note(self, st):
        """Track which variables are leaves or views of leaves, and which need grad."""
        k = st[0]
        if k in ("leaf", "compute"):
            self.base[st[1]] = st[1]
        elif k in ("view", "detach"):
            self.base[st[1]] = self.base[st[2]]
            self.views.add(st[1])
        elif k in ("inplace", "setitem", "aug", "out", "nograd", "fn"):
            b = self.base.get(st[2] if k == "nograd" else st[1])
            self.stale |= {v for v in self.views if self.base.get(v) == b}
        if k == "leaf":
            self.root[st[1]], self.rg[st[1]] = st[1], st[3]
        elif k == "compute":
            self.root[st[1]], self.rg[st[1]] = None, any(self.rg.get(a, False) for a in st[3])
        elif k == "view":
            self.root[st[1]], self.rg[st[1]] = self.root[st[2]], self.rg[st[2]]
        elif k == "detach":
            self.root[st[1]], self.rg[st[1]] = None, False

    def target(self):
        """A variable to write into: mostly one that is not a leaf (or a view of one)."""
        real = self.vars(real=True)
        free = [n for n in real if self.root.get(n) is None]
        if free and self.rng.random() < 0.9:
            return self.pick(free)
        return self.pick(real)

    def vars(self, real=None):
        out = []
        for n, v in self.shadow.env.items():
            if real is True and v.is_complex():
                continue
            if real is False and not v.is_complex():
                continue
            out.append(n)
        return out

    def shape(self, n):
        return tuple(self.shadow.env[n].shape)

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    # values of a given shape, depending on another variable
    def value_spec(self, shape, positive=False, allow_num=True, apart=None):
        """``apart``: a target whose memory the value must not share (the ops that are not
        elementwise write in an order torch leaves open, and check no overlap)."""
        r = self.rng
        u = r.random()
        if allow_num and u < 0.25:
            return ("num", float(r.uniform(0.5, 1.5)) * (1 if positive else self.pick([-1, 1])))
        src = [n for n in self.vars(real=True) if self.shape(n) == tuple(shape)
               and (apart is None or self.base.get(n) != self.base.get(apart))]
        if src and u < 0.55 and not positive:
            return ("var", self.pick(src))
        cand = [n for n in self.vars(real=True) if self.shadow.env[n].numel()]
        if not cand:
            return ("num", 1.0)
        if u < 0.7:
            return ("derived0", self.pick(cand))
        c = r.uniform(0.5, 1.5, shape)
        return ("derived", self.pick(cand), c)

    def gen_leaf(self, cplx=False):
        r = self.rng
        shape = self.pick([(4, 5), (3, 4), (2, 3, 4), (6,), (4, 4), (5, 1, 3)])
        name = self.name("L")
        rg = bool(r.random() < 0.8) or not self.root
        self.try_add(("leaf", name, self.data(shape, cplx), rg), allow_invalid=False)

    def gen_compute(self):
        r = self.rng
        real = self.vars(real=True)
        a = self.pick(real)
        fn = self.pick(["scale", "exp", "sigmoid", "tanh", "sin", "mul", "add", "clone",
                        "matmul", "complex", "view_as_real"])
        if fn in ("mul", "add"):
            same = [n for n in real if self.shape(n) == self.shape(a)]
            args = (a, self.pick(same))
        elif fn == "matmul":
            if len(self.shape(a)) < 2:
                return
            k = self.shape(a)[-1]
            ok = [n for n in real if len(self.shape(n)) == 2 and self.shape(n)[0] == k]
            if not ok:
                return
            args = (a, self.pick(ok))
        elif fn == "scale":
            args = (a, float(r.uniform(0.5, 2.0)))
        elif fn == "view_as_real":
            c = self.vars(real=False)
            if not c:
                return
            args = (self.pick(c),)
        elif fn == "complex":
            if r.random() < 0.7:
                return
            args = (a,)
        else:
            args = (a,)
        self.try_add(("compute", self.name(), fn, args), allow_invalid=False)

    def slices(self, shape, allow_int=True):
        r = self.rng
        out = []
        for n in shape:
            u = r.random()
            if u < 0.3 or n == 0:
                out.append((None, None, None))
            elif u < 0.45 and allow_int:
                out.append(int(r.integers(-n, n)))
            else:
                start = int(r.integers(-n, n)) if r.random() < 0.7 else None
                stop = int(r.integers(-n, n + 1)) if r.random() < 0.6 else None
                step = int(r.integers(1, 3)) if r.random() < 0.5 else None
                out.append((start, stop, step))
        if r.random() < 0.2 and len(out) > 1:
            out = ["..."] + out[1:]
        return ("slices", out)

    def gen_view(self):
        r = self.rng
        src = self.pick(self.vars())
        shape = self.shape(src)
        nd = len(shape)
        cplx = self.shadow.env[src].is_complex()
        kinds = ["slice", "transpose", "T", "mT", "view", "reshape", "unsqueeze", "squeeze",
                 "expand", "diagonal", "unbind", "split", "chunk", "narrow", "select",
                 "unfold", "permute", "detach"]
        if cplx:
            kinds += ["real", "imag"] * 4
        vk = self.pick(kinds)
        p = None
        if nd == 0:
            return
        if vk == "slice":
            p = self.slices(shape)
        elif vk in ("transpose",):
            if nd < 2:
                return
            p = tuple(int(d) for d in r.choice(nd, 2, replace=False))
            if nd == 2:
                p = (0, 1) if r.random() < 0.5 else (1, 0)
                p = (p[0], p[1]) if (p[0], p[1]) != (0, 1) else (0, 1)
                p = tuple(sorted(p, reverse=True))  # (1, 0): gpuad's swapaxes either way
        elif vk == "T":
            if nd != 2:
                return
        elif vk == "mT":
            if nd < 2:
                return
        elif vk in ("view", "reshape"):
            size = int(np.prod(shape))
            opts = [(size,), (-1,)] + [(d, size // d) for d in range(2, size) if size % d == 0]
            p = self.pick(opts)
        elif vk == "unsqueeze":
            p = int(r.integers(-nd - 1, nd + 1))
        elif vk == "squeeze":
            ones = [d for d in range(nd) if shape[d] == 1]
            if not ones:
                return
            p = self.pick(ones)
        elif vk == "expand":
            ones = [d for d in range(nd) if shape[d] == 1]
            if not ones:
                return
            p = tuple(3 if d in ones else -1 for d in range(nd))
        elif vk == "diagonal":
            if nd < 2:
                return
            d1, d2 = (int(d) for d in r.choice(nd, 2, replace=False))
            p = (int(r.integers(-1, 2)), d1, d2)
        elif vk == "unbind":
            d = int(r.integers(nd))
            p = (d, int(r.integers(shape[d])) if shape[d] else 0)
        elif vk in ("split", "chunk"):
            d = int(r.integers(nd))
            k = int(r.integers(1, 3))
            pieces = -(-shape[d] // k) if vk == "split" else min(k, shape[d])
            if shape[d] == 0:
                return
            p = (k, d, int(r.integers(max(1, pieces if vk == "split" else
                                          len(range(0, shape[d], -(-shape[d] // k)))))))
        elif vk == "narrow":
            d = int(r.integers(nd))
            start = int(r.integers(shape[d])) if shape[d] else 0
            p = (d, start, int(r.integers(0, shape[d] - start + 1)))
        elif vk == "select":
            d = int(r.integers(nd))
            if not shape[d]:
                return
            p = (d, int(r.integers(-shape[d], shape[d])))
        elif vk == "unfold":
            d = int(r.integers(nd))
            size = int(r.integers(1, 3))
            p = (d, size, int(r.integers(1, 3)))
        elif vk == "permute":
            p = tuple(int(d) for d in r.permutation(nd))
        if vk == "detach":
            self.try_add(("detach", self.name(), src), allow_invalid=False)
            return
        self.try_add(("view", self.name(), src, vk, p))

    def inplace_params(self, t, op):
        r = self.rng
        shape = self.shape(t)
        nd = len(shape)
        if op in ("add_", "sub_", "mul_", "copy_"):
            return self.value_spec(shape)
        if op in ("div_",):
            return self.value_spec(shape, positive=True)
        if op == "pow_":
            return ("num", float(self.pick([2.0, 3.0])))  # (of negative values too)
        if op == "fill_":
            return float(r.uniform(-1, 1))
        if op == "clamp_":
            return (-0.8, 1.1)
        if op in ("zero_", "relu_", "sigmoid_", "exp_", "tanh_"):
            return None
        if op in ("index_add_", "index_copy_"):
            if nd == 0:
                raise Unfit
            d = int(r.integers(nd))
            k = int(r.integers(1, shape[d] + 1)) if shape[d] else 0
            ix = r.permutation(shape[d])[:k].astype(np.int64)
            sshape = list(shape)
            sshape[d] = k
            return (d, ix, self.value_spec(tuple(sshape), allow_num=False, apart=t))
        if op == "masked_fill_":
            return (r.random(shape) < 0.5, float(r.uniform(-1, 1)))
        if op == "masked_scatter_":
            m = r.random(shape) < 0.5
            return (m, self.value_spec(shape, allow_num=False, apart=t))
        if op in ("scatter_", "scatter_add_"):
            if nd == 0:
                raise Unfit
            d = int(r.integers(nd))
            # a permutation along d: every target once (scatter_'s order of repeats is open)
            ix = np.argsort(r.random(shape), axis=d).astype(np.int64)
            if op == "scatter_add_" and r.random() < 0.5:
                ix = r.integers(0, shape[d], shape).astype(np.int64) if shape[d] else ix
            return (d, ix, self.value_spec(shape, allow_num=False, apart=t))
        if op == "put_":
            size = int(np.prod(shape))
            k = int(r.integers(1, size + 1)) if size else 0
            ix = r.permutation(size)[:k].astype(np.int64)
            return (ix, self.value_spec((k,), allow_num=False, apart=t))
        raise AssertionError(op)

    INPLACE = ["add_", "sub_", "mul_", "div_", "copy_", "zero_", "fill_", "clamp_", "relu_",
               "sigmoid_", "exp_", "tanh_", "pow_", "index_add_", "index_copy_", "masked_fill_",
               "masked_scatter_", "scatter_", "scatter_add_", "put_"]

    def gen_inplace(self):
        r = self.rng
        t = self.target()
        op = self.pick(self.INPLACE)
        try:
            p = self.inplace_params(t, op)
        except Unfit:
            return
        u = r.random()
        if u < 0.12:
            how = self.pick(["no_grad", "inference", "detached", "data"])
            if how == "data":
                p = float(r.uniform(0.5, 1.5))
                op = "mul_"
            self.try_add(("nograd", how, t, op, p))
        else:
            self.try_add(("inplace", t, op, p))

    def gen_setitem(self):
        r = self.rng
        t = self.target()
        shape = self.shape(t)
        nd = len(shape)
        u = r.random()
        if u < 0.45 or nd == 0:
            ispec = self.slices(shape)
        elif u < 0.65:
            ispec = ("mask", r.random(shape) < 0.5)
        elif u < 0.85:
            k = int(r.integers(1, shape[0] + 1)) if shape[0] else 0
            ispec = ("intarr", r.permutation(shape[0])[:k].astype(np.int64), nd - 1)
        else:
            ispec = ("ellipsis_int", int(r.integers(-shape[-1], shape[-1])) if shape[-1] else 0)
        try:
            sub = self.shadow.env[t][self.shadow.index(ispec)].shape
        except Exception:
            return
        aug = self.pick([None, None, "+", "*", "/"])
        v = self.value_spec(tuple(sub), positive=aug == "/",
                            apart=t if ispec[0] in ("mask", "intarr") else None)
        self.try_add(("setitem", t, ispec, v, aug))

    def gen_aug(self):
        t = self.target()
        shape = self.shape(t)
        # (no ``@=``: torch's rebinds the name to a new tensor, NumPy's and gpuad's write in
        # place; docs/porting.md lists it among the traps)
        aug = self.pick(["+", "*", "/"])
        if aug == "@":
            if len(shape) != 2 or shape[0] != shape[1]:
                return
            same = [n for n in self.vars(real=True) if self.shape(n) == shape]
            v = ("var", self.pick(same))
        else:
            v = self.value_spec(shape, positive=aug == "/")
        self.try_add(("aug", t, aug, v))

    def gen_out(self):
        t = self.target()
        same = [n for n in self.vars(real=True) if self.shape(n) == self.shape(t)]
        fn = self.pick(["add", "mul", "exp"])
        self.try_add(("out", t, fn, self.pick(same), self.pick(same)))

    def gen(self, n_steps):
        r = self.rng
        for _ in range(int(r.integers(1, 3))):
            self.gen_leaf()
        if r.random() < 0.15:
            self.gen_leaf(cplx=True)
        for leaf in list(self.root):
            if r.random() < 0.8:  # work on a copy, as most programs do
                fn = self.pick(["scale", "clone", "exp", "sin"])
                self.try_add(("compute", self.name(), fn, (leaf, 1.5) if fn == "scale"
                              else (leaf,)), allow_invalid=False)
        for _ in range(n_steps):
            if self.invalid:
                return self.prog, True
            u = r.random()
            if u < 0.2:
                self.gen_compute()
            elif u < 0.45:
                self.gen_view()
            elif u < 0.7:
                self.gen_inplace()
            elif u < 0.82:
                self.gen_setitem()
            elif u < 0.88:
                self.gen_aug()
            elif u < 0.91:
                self.gen_out()
            elif u < 0.92:
                self.try_add(("fn", self.target(), self.pick(["double", "square"])))
            elif u < 0.94:
                t = self.pick([n for n in self.vars() if not n.startswith("L")] or ["L1"])
                self.try_add(("detach_", t))
            else:
                with_grad = [n for n in self.vars() if self.rg.get(n) and n not in self.stale]
                if not with_grad:
                    continue
                kind = "retain_grad" if u < 0.97 else "hook"
                self.try_add((kind, self.pick(with_grad)), allow_invalid=False)
        if self.invalid:
            return self.prog, True
        names = self.vars()
        terms = []
        for n in names:
            if self.rng.random() < 0.6:
                v = self.shadow.env[n]
                w = self.rng.normal(size=tuple(v.shape))
                terms.append((n, w))
        if not any(self.rg.get(n) for n, _ in terms):
            n = self.pick([n for n in names if self.rg.get(n)] or names)
            terms.append((n, self.rng.normal(size=self.shape(n))))
        self.prog.append(("loss", terms))
        if r.random() < 0.1:
            leaves = [n for n in names if n.startswith("L") and self.prog[0] is not None]
            grads = []
            for st in self.prog:
                if st[0] == "leaf" and st[3]:
                    grads.append((st[1], self.rng.normal(size=np.shape(st[2]))
                                  .astype(np.asarray(st[2]).dtype)))
            if grads and leaves:
                self.prog.append(("opt", self.pick(["sgd", "adam"]), grads))
        self.prog.append(("backward", 2 if r.random() < 0.1 else 1))
        return self.prog, False


def generate(seed):
    g = Gen(seed)
    n_steps = int(g.rng.integers(2, 9))
    return g.gen(n_steps)


# ---------------------------------------------------------------------------------------------
# checking


def run_safe(lib, prog, **kw):
    try:
        r = execute(lib, prog, **kw)
        r.result = r.outcome()
        return r, None
    except Unfit:
        raise
    except Exception as e:  # noqa: BLE001 - any error is an outcome here
        return None, e


def _close(a, b, tol):
    if a is None and b is None:
        return True
    if a is None or b is None:
        a = np.zeros_like(b) if a is None else a
        b = np.zeros_like(a) if b is None else b
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    return np.allclose(a, b, equal_nan=True, **tol)


# steps torch refuses even without grad that gpuad runs: (pattern of torch's message, when,
# reason). gpuad's result there is not a silently different value.
KNOWN_ACCEPTED = [
    (r"view size is not compatible with input tensor's size and stride",
     lambda prog: any(st[0] == "view" and st[3] == "unfold" for st in prog),
     "a view of unfold's overlapping windows: gpuad's windows are a read-only copy, which "
     "view() reshapes (writes through the result still raise)"),
]


def _detached_viewed_base(prog):
    """detach_() of a tensor with views made before: torch's views drop the history they
    had (a loss through them does not reach the inputs: ``y = x * 2; v = y[0:3];
    v[0:1] += x[1:2]; y.detach_(); v.sum().backward()`` leaves x.grad None), gpuad's keep
    it. The two share memory, so the program has no single derivative: not compared."""
    seen = set()
    for st in prog:
        if st[0] == "view":
            seen.add(st[2])
        elif st[0] == "detach_" and st[1] in seen:
            return True
    return False


def _aug_into_element(prog):
    """``s = y[i, j]; s += v``: one element by integer indices is NumPy's copy in gpuad, so
    ``+=`` changes ``s`` alone (tensor.refuse_element_write's docstring); torch's is a view."""
    elements = {st[1] for st in prog if st[0] == "view" and st[3] == "slice"
                and all(isinstance(i, int) for i in st[4][1])}
    return any(st[0] == "aug" and st[1] in elements for st in prog)


def _data_into_copy(prog):
    """A ``.data`` write in a program holding a copy where torch's is a view (unfold's
    overlapping windows, one element by integer indices): ``.data`` writes are invisible to
    versions (gpuad's docstring of Tensor.data), so the copy is not computed again."""
    data = any(st[0] == "nograd" and st[1] == "data" for st in prog)
    copies = any(st[0] == "view" and (st[3] == "unfold" or st[3] == "slice" and all(
        isinstance(i, int) for i in st[4][1])) for st in prog)
    return data and copies


def _moved_hooks(prog):
    """Hooked views whose memory is written after the hook: torch's hook stays on the view's
    old step (not called, or called with what reaches that step), gpuad's moves with the
    view to its value after the write (docs/porting.md, tensor hooks): a documented
    difference, not compared."""
    base, views, hooked, moved = {}, set(), set(), set()
    for st in prog:
        if st[0] in ("leaf", "compute"):
            base[st[1]] = st[1]
        elif st[0] in ("view", "detach"):
            base[st[1]] = base[st[2]]
            views.add(st[1])
        elif st[0] == "hook":
            hooked.add(st[1])
        elif st[0] in ("inplace", "setitem", "aug", "out", "nograd", "fn"):
            tgt = st[2] if st[0] == "nograd" else st[1]
            moved |= {h for h in hooked if h in views and base[h] == base[tgt]}
    return moved


def compare(ot, og, tol=TOL, hooks=True, skip=()):
    """The first difference between two outcomes, or None."""
    if ot["loss"] is not None and not _close(ot["loss"], og["loss"], tol):
        return f"loss {og['loss']} != {ot['loss']}"
    for n, v in ot["vals"].items():
        if not _close(v, og["vals"].get(n), tol):
            return f"value of {n}"
    for n, g in ot["grads"].items():
        if not _close(g, og["grads"].get(n), tol):
            return f"grad of {n}"
    for n, g in ot["retained"].items():
        if not _close(g, og["retained"].get(n), tol):
            return f"retained grad of {n}"
    if hooks:
        for n, gs in ot["hooks"].items():
            if n in skip:
                continue
            hg = og["hooks"].get(n, [])
            if not hg and all(not np.any(g) for g in gs):
                continue  # torch calls it with zeros where gpuad's graph does not reach it
            if len(gs) != len(hg):
                return f"hook of {n} called {len(hg)} times, torch {len(gs)}"
            for a, b in zip(gs, hg, strict=True):
                if not _close(a, b, tol):
                    return f"hook argument of {n}"
    return None


FD_UNFIT = ("detach", "detach_")  # and .data writes: autograd reads what they wrote


def _fd_unfit(prog):
    return any(st[0] in FD_UNFIT or (st[0] == "nograd" and st[1] == "data") for st in prog)


def fd_check(prog, og, data_ok=False):
    """gpuad's outcome against central differences of the program (no grad, in torch)."""
    if any(st[0] in FD_UNFIT for st in prog) or (_fd_unfit(prog) and not data_ok):
        return "unverified"
    base = execute("plain", prog, record=True)
    deltas = base.record
    ob = base.outcome()
    for n, v in ob["vals"].items():
        if not _close(v, og["vals"].get(n), TOL):
            return f"value of {n} (vs torch without grad)"
    if not _close(ob["loss"], og["loss"], TOL):
        return "loss (vs torch without grad)"
    if base.kink or max((float(np.abs(v).max()) for v in ob["vals"].values() if v.size),
                        default=0) > 1e6:
        return "unverified"  # (exp of a power: central differences are noise there)
    times = [st[1] for st in prog if st[0] == "backward"][0]
    preset = {}
    for st in prog:
        if st[0] == "opt":
            preset = dict(st[2])
    leaves = {st[1]: np.asarray(st[2]) for st in prog if st[0] == "leaf" and st[3]}
    scale = sum(float(np.abs(ob["vals"][n] * w).sum()) for st in prog if st[0] == "loss"
                for n, w in st[1])
    for name, a in leaves.items():
        got = og["grads"].get(name)
        tol = dict(FD_TOL, atol=FD_TOL["atol"] + 1e-8 * scale)
        for h in (1e-6, 1e-7):  # (a second, smaller step where sin of large values wiggles)
            g = _differences(prog, deltas, name, a, h) * times + preset.get(name, 0)
            if _close(g, got, tol):
                break
        else:
            return f"grad of {name}: gpuad {got} vs differences {g}"
    return None


def _differences(prog, deltas, name, a, h):
    """Central differences of the loss in each entry of leaf ``name`` (value ``a``)."""
    g = np.zeros(a.shape, dtype=a.dtype)
    for k in np.ndindex(a.shape):
        for unit in ([1.0, 1j] if np.iscomplexobj(a) else [1.0]):
            lp, lm = a.copy(), a.copy()
            lp[k] += h * unit
            lm[k] -= h * unit
            fp = execute("plain", prog, leaves={name: lp}, deltas=deltas).outcome()["loss"]
            fm = execute("plain", prog, leaves={name: lm}, deltas=deltas).outcome()["loss"]
            g[k] += (fp - fm) / (2 * h) * unit
    return g


def known_refusal(e, prog):
    msg = f"{type(e).__name__}: {e}"
    for pat, when, _reason in KNOWN_REFUSALS:
        if re.search(pat, msg) and when(prog):
            return pat
    return None


def check_program(seed, counts):
    prog, invalid = generate(seed)
    rt, et = run_safe("torch", prog)
    rg, eg = run_safe("gpuad", prog)
    if invalid:
        counts["invalid"] += 1
        if et is None:
            return "torch accepted the step its shadow refused"
        if eg is None:
            for pat, when, _reason in KNOWN_ACCEPTED:
                if re.search(pat, str(et)) and when(prog):
                    counts["invalid: gpuad ran (" + pat + ")"] += 1
                    return None
            return f"gpuad ran a step torch refuses without grad: {et}"
        counts["invalid: both raise"] += 1
        return None
    if et is None:
        counts["torch ok"] += 1
        if eg is not None:
            pat = known_refusal(eg, prog)
            if pat is None:
                return f"gpuad raised where torch ran: {type(eg).__name__}: {eg}"
            counts["torch ok: gpuad refused (" + pat + ")"] += 1
            return None
        diff = compare(rt.result, rg.result, skip=_moved_hooks(prog))
        if diff and any(st[0] == "nograd" and st[1] == "data" for st in prog):
            # torch's .data writes bump no version: a value saved before one is read as
            # written; gpuad's backward reads what was saved: the program's derivative
            if fd_check(prog, rg.result, data_ok=True) is None:
                counts["torch ok: gpuad differs after a .data write, equal to differences"] += 1
                return None
        if diff and _data_into_copy(prog):
            counts["torch ok: differs after a .data write where gpuad has a copy (documented)"] += 1
            return None
        if diff and diff.startswith(("grad of", "retained grad of")) and \
                _detached_viewed_base(prog):
            counts["torch ok: gradients differ after detach_ of a viewed base"] += 1
            return None
        if diff and _aug_into_element(prog):
            counts["torch ok: differs after += into one element (NumPy's copy, documented)"] += 1
            return None
        if diff:
            return f"differs from torch: {diff}"
        counts["torch ok: same"] += 1
        return None
    counts["torch raised"] += 1
    if eg is not None:
        counts["torch raised: gpuad raised"] += 1
        return None
    res = fd_check(prog, rg.result)
    if res and res != "unverified" and _aug_into_element(prog):
        counts["torch raised: gpuad ran, += into one element (NumPy's copy, documented)"] += 1
        return None
    if res == "unverified":
        counts["torch raised: gpuad ran (unverified: detach, .data, kinks, huge values)"] += 1
        return None
    if res:
        return f"torch raised ({type(et).__name__}: {et}); gpuad ran and {res}"
    counts["torch raised: gpuad ran, equal to differences"] += 1
    return None


def show(prog):
    lines = []
    for st in prog:
        parts = []
        for x in st:
            if isinstance(x, np.ndarray):
                parts.append(f"array{x.shape}")
            elif isinstance(x, list) and st[0] in ("loss", "opt"):
                parts.append("[" + ", ".join(n for n, _ in x) + "]")
            else:
                parts.append(repr(x) if not isinstance(x, tuple) else _short(x))
        lines.append("  " + " ".join(parts))
    return "\n".join(lines)


def _short(t):
    return "(" + ", ".join(f"array{x.shape}" if isinstance(x, np.ndarray) else
                           (_short(x) if isinstance(x, tuple) else repr(x)) for x in t) + ")"


def test_inplace_fuzz():
    counts = Counter()
    failures = []
    for seed in range(SEED0, SEED0 + N_PROGRAMS):
        counts["programs"] += 1
        try:
            res = check_program(seed, counts)
        except Unfit:
            counts["unfit"] += 1
            continue
        if res:
            failures.append((seed, res))
    print("\n".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    if failures:
        seed, res = failures[0]
        prog, _ = generate(seed)
        msg = "\n".join(f"seed {s}: {m}" for s, m in failures[:20])
        pytest.fail(f"{len(failures)} of {N_PROGRAMS} programs failed:\n{msg}\n"
                    f"first program:\n{show(prog)}")
