"""Random complex programs built three times: with gpuad.numpy, jax.numpy and torch.

A program is a chain of 2-6 steps over a state ``x`` (a 2-D array, real or complex) that starts
from one of two parameters, ``z`` (complex) or ``r`` (real), and may mix the other one in again;
it ends in a real loss. Each step is one entry of ``STEPS``: a name, what it needs (a square
state, a real or complex one) and one function ``f(L, x, k)`` written once against the small
namespace ``L`` that each library supplies (``G`` for gpuad, ``J`` for JAX, ``T`` for torch), with
``k`` the step's constants drawn from the case's seed.

The relations checked (gpuad follows torch's convention, docs/semantics.md "Complex numbers"):
for a real loss ``L`` of ``z = x + iy``, gpuad's gradient is ``dL/dx + i dL/dy``: equal to torch's
``z.grad``, to ``conj(jax.grad)``, and to central differences on the real and imaginary parts.
``vjp`` with a cotangent ``g``: gpuad's equals torch's ``autograd.grad(y, z, g)`` and
``conj(jax_vjp(conj(g)))``. ``jvp`` is the directional derivative in all three.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

C128 = np.complex128


def _c(rng, scale=1.0):
    return complex(*(rng.standard_normal(2) * scale))


def _carr(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * scale


# ---- the three namespaces --------------------------------------------------------------------

class _NumpyLike:
    """gpuad.numpy or jax.numpy under one set of names."""

    def __init__(self, np_mod, name):
        self.m = np_mod
        self.name = name

    def const(self, a):
        return a  # NumPy constants mix with both libraries' arrays

    def __getattr__(self, item):
        return getattr(self.m, item)

    def sum(self, x, axis=None, keepdims=False):
        return self.m.sum(x, axis=axis, keepdims=keepdims)

    def mean(self, x, axis=None, keepdims=False):
        return self.m.mean(x, axis=axis, keepdims=keepdims)

    def prod(self, x, axis=None, keepdims=False):
        return self.m.prod(x, axis=axis, keepdims=keepdims)

    def cumsum(self, x, axis):
        return self.m.cumsum(x, axis=axis)

    def is_complex(self, x):
        return np.iscomplexobj(x) if self.name == "g" else self.m.iscomplexobj(x)

    def to_real(self, x):
        return x.astype(np.float64)

    def to_complex(self, x):
        return x.astype(C128)

    def view_as_real(self, x):
        return self.m.stack([self.m.real(x), self.m.imag(x)], axis=-1)

    def swap(self, x):
        return self.m.swapaxes(x, -1, -2)

    def herm(self, x):
        return self.m.conj(self.m.swapaxes(x, -1, -2))

    def diag_mul(self, u, s):
        return u * s[..., None, :]

    def svd(self, x):
        return self.m.linalg.svd(x, full_matrices=False)

    def eigh(self, x):
        return self.m.linalg.eigh(x)

    def qr(self, x):
        return self.m.linalg.qr(x)

    def norm(self, x, ord=None, axis=None, keepdims=False):
        return self.m.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)

    def fft(self, x, axis):
        return self.m.fft.fft(x, axis=axis)

    def ifft(self, x, axis):
        return self.m.fft.ifft(x, axis=axis)

    def rfft(self, x, axis):
        return self.m.fft.rfft(x, axis=axis)

    def irfft(self, x, n, axis):
        return self.m.fft.irfft(x, n=n, axis=axis)

    def take0(self, x, idx):
        return x[idx]

    def flip0(self, x):
        return x[::-1]

    def var(self, x, axis=None, keepdims=False):
        return self.m.var(x, axis=axis, keepdims=keepdims)

    def std(self, x, axis=None, keepdims=False):
        return self.m.std(x, axis=axis, keepdims=keepdims)

    def vdot(self, a, b):
        return self.m.vdot(a, b)

    def dot1(self, a, b):
        return self.m.dot(self.m.ravel(a), self.m.ravel(b))

    def diag_of(self, x):
        return self.m.diag(self.m.diagonal(x))

    def roll(self, x, k, axis):
        return self.m.roll(x, k, axis=axis)

    def cat(self, xs, axis):
        return self.m.concatenate(xs, axis=axis)

    def cumprod(self, x, axis):
        return self.m.cumprod(x, axis=axis)

    def set_row(self, x, i, v):
        if self.name == "j":
            return x.at[i].set(v)
        y = x * 1.0
        y[i] = v  # an in-place write into a Tensor, recorded
        return y

    def logsumexp(self, x, axis):
        if self.name == "j":
            from jax.scipy.special import logsumexp
        else:
            from gpuad.scipy.special import logsumexp
        return logsumexp(x, axis=axis, keepdims=True)

    def eigvals(self, x):
        return self.m.linalg.eigvals(x)

    def cholesky(self, x):
        return self.m.linalg.cholesky(x)

    def matrix_power(self, x, k):
        return self.m.linalg.matrix_power(x, k)

    def expm(self, x):
        if self.name == "j":
            from jax.scipy.linalg import expm
        else:
            from gpuad.scipy.linalg import expm
        return expm(x)

    def fft2(self, x):
        return self.m.fft.fft2(x)

    def hfft(self, x, n, axis):
        return self.m.fft.hfft(x, n=n, axis=axis)

    def pinv(self, x):
        return self.m.linalg.pinv(x)


class _TorchLike:
    def __init__(self, torch):
        self.t = torch
        self.name = "t"

    def const(self, a):
        return self.t.tensor(np.asarray(a))

    def _c(self, a):
        return self.const(a) if isinstance(a, np.ndarray) else a

    def __getattr__(self, item):
        return getattr(self.t, {"arctan": "atan", "arcsinh": "asinh"}.get(item, item))

    def sum(self, x, axis=None, keepdims=False):
        return x.sum() if axis is None else x.sum(dim=axis, keepdim=keepdims)

    def mean(self, x, axis=None, keepdims=False):
        return x.mean() if axis is None else x.mean(dim=axis, keepdim=keepdims)

    def prod(self, x, axis=None, keepdims=False):
        return x.prod() if axis is None else x.prod(dim=axis, keepdim=keepdims)

    def cumsum(self, x, axis):
        return self.t.cumsum(x, dim=axis)

    def _same(self, *ops):
        """torch's where, matmul, einsum and solve want one dtype: promote as NumPy does."""
        ops = [self._c(o) for o in ops]
        dt = ops[0].dtype
        for o in ops[1:]:
            dt = self.t.promote_types(dt, o.dtype)
        return [o.to(dt) for o in ops]

    def where(self, m, a, b):
        return self.t.where(self.const(m), *self._same(a, b))

    def matmul(self, a, b):
        return self.t.matmul(*self._same(a, b))

    def einsum(self, s, *ops):
        return self.t.einsum(s, *self._same(*ops))

    @property
    def linalg(self):
        outer = self

        class _Linalg:
            def __getattr__(self, item):
                return getattr(outer.t.linalg, item)

            def solve(self, a, b):
                return outer.t.linalg.solve(*outer._same(a, b))
        return _Linalg()

    def is_complex(self, x):
        return x.is_complex()

    def to_real(self, x):
        return x.to(self.t.float64)

    def to_complex(self, x):
        return x.to(self.t.complex128)

    def view_as_real(self, x):
        return self.t.view_as_real(x.resolve_conj()) if x.is_complex() else self.t.stack(
            [x, self.t.zeros_like(x)], -1)

    def real(self, x):
        return self.t.real(x)

    def imag(self, x):
        return self.t.imag(x) if x.is_complex() else self.t.zeros_like(x)

    def conj(self, x):
        return self.t.conj(x)

    def angle(self, x):
        return self.t.angle(x)

    def swap(self, x):
        return x.transpose(-1, -2)

    def herm(self, x):
        return x.transpose(-1, -2).conj()

    def diag_mul(self, u, s):
        return u * s[..., None, :]

    def svd(self, x):
        return self.t.linalg.svd(x, full_matrices=False)

    def eigh(self, x):
        return self.t.linalg.eigh(x)

    def qr(self, x):
        return self.t.linalg.qr(x)

    def norm(self, x, ord=None, axis=None, keepdims=False):
        if ord in (2, "nuc"):
            return self.t.linalg.matrix_norm(x, ord=ord)
        if axis is None:
            return self.t.linalg.norm(x)
        return self.t.linalg.vector_norm(x, dim=axis, keepdim=keepdims)

    def fft(self, x, axis):
        return self.t.fft.fft(x, dim=axis)

    def ifft(self, x, axis):
        return self.t.fft.ifft(x, dim=axis)

    def rfft(self, x, axis):
        return self.t.fft.rfft(x, dim=axis)

    def irfft(self, x, n, axis):
        return self.t.fft.irfft(x, n=n, dim=axis)

    def take0(self, x, idx):
        return x[self.t.tensor(idx)]

    def flip0(self, x):
        return self.t.flip(x, [0])

    def var(self, x, axis=None, keepdims=False):
        return self.t.var(x, dim=axis, keepdim=keepdims, correction=0)

    def std(self, x, axis=None, keepdims=False):
        return self.t.std(x, dim=axis, keepdim=keepdims, correction=0)

    def vdot(self, a, b):
        a, b = self._same(a, b)
        return self.t.vdot(a.reshape(-1), b.reshape(-1))

    def dot1(self, a, b):
        a, b = self._same(a, b)
        return self.t.dot(a.reshape(-1), b.reshape(-1))

    def diag_of(self, x):
        return self.t.diag(self.t.diagonal(x))

    def roll(self, x, k, axis):
        return self.t.roll(x, k, axis)

    def cat(self, xs, axis):
        return self.t.cat(self._same(*xs), dim=axis)

    def cumprod(self, x, axis):
        return self.t.cumprod(x, dim=axis)

    def set_row(self, x, i, v):
        y = x.clone()
        y[i] = v
        return y

    def logsumexp(self, x, axis):
        return self.t.logsumexp(x, dim=axis, keepdim=True)

    def eigvals(self, x):
        return self.t.linalg.eigvals(x)

    def cholesky(self, x):
        return self.t.linalg.cholesky(x)

    def matrix_power(self, x, k):
        return self.t.linalg.matrix_power(x, k)

    def expm(self, x):
        return self.t.linalg.matrix_exp(x)

    def fft2(self, x):
        return self.t.fft.fft2(x)

    def hfft(self, x, n, axis):
        return self.t.fft.hfft(x, n=n, dim=axis)

    def pinv(self, x):
        return self.t.linalg.pinv(x)

    def sign(self, x):
        return self.t.sgn(x)


# ---- the steps ------------------------------------------------------------------------------

@dataclass
class Step:
    name: str
    fn: Callable  # fn(L, x, k, other) -> new state
    square: bool = False
    needs: str = "any"  # "real", "complex" or "any": the state it accepts
    holo: bool = False  # holomorphic in x (with complex constants): usable for holomorphic=True
    consts: Callable = lambda rng, n, m: {}
    raises_for_complex: bool = False  # gpuad documents ComplexError here for complex states


def _eigh_recon(L, w, v):
    return L.matmul(L.diag_mul(v, L.tanh(w)), L.herm(v))


def _A0(rng, n):
    return np.eye(n) * 3.0 + 0.3 * _carr(rng, n, n)


STEPS = [
    Step("add_c", lambda L, x, k, o: x + k["c"], holo=True, consts=lambda r, n, m: {"c": _c(r)}),
    Step("rsub_c", lambda L, x, k, o: k["c"] - x, holo=True,
         consts=lambda r, n, m: {"c": _c(r)}),
    Step("mul_c", lambda L, x, k, o: x * k["c"], holo=True, consts=lambda r, n, m: {"c": _c(r)}),
    Step("div_c", lambda L, x, k, o: x / k["c"], holo=True,
         consts=lambda r, n, m: {"c": _c(r) + 2.0}),
    Step("mul_creal", lambda L, x, k, o: x * L.const(k["a"]), holo=True,
         consts=lambda r, n, m: {"a": r.standard_normal((n, m))}),
    Step("mul_ccplx", lambda L, x, k, o: L.const(k["a"]) * x, holo=True,
         consts=lambda r, n, m: {"a": _carr(r, n, m)}),
    Step("mix_other_add", lambda L, x, k, o: x + o * k["c"], consts=lambda r, n, m: {"c": _c(r)}),
    Step("mix_other_mul", lambda L, x, k, o: x * (o * 0.5 + 1.0)),
    Step("square", lambda L, x, k, o: x * x, holo=True),
    Step("x_conjx", lambda L, x, k, o: x * L.conj(x) * k["c"], consts=lambda r, n, m: {"c": _c(r)}),
    Step("x_plus_conj", lambda L, x, k, o: x + L.conj(x) * k["c"],
         consts=lambda r, n, m: {"c": _c(r)}),
    Step("abs", lambda L, x, k, o: L.abs(x)),
    Step("abs_sq", lambda L, x, k, o: L.abs(x) ** 2),
    Step("angle", lambda L, x, k, o: L.angle(x)),
    Step("conj", lambda L, x, k, o: L.conj(x)),
    Step("real", lambda L, x, k, o: L.real(x)),
    Step("imag", lambda L, x, k, o: L.imag(x), needs="complex"),
    Step("exp", lambda L, x, k, o: L.exp(x * 0.3), holo=True),
    Step("log", lambda L, x, k, o: L.log(x), holo=True, needs="complex"),
    Step("sqrt", lambda L, x, k, o: L.sqrt(x), holo=True, needs="complex"),
    Step("pow_int", lambda L, x, k, o: x ** 3, holo=True),
    Step("pow_real", lambda L, x, k, o: x ** 1.7, holo=True, needs="complex"),
    Step("pow_cplx", lambda L, x, k, o: x ** k["p"], holo=True, needs="complex",
         consts=lambda r, n, m: {"p": complex(1.3, 0.4 * r.standard_normal())}),
    Step("real_to_cplx_pow", lambda L, x, k, o: (L.abs(x) + 0.5) ** k["p"], needs="real",
         consts=lambda r, n, m: {"p": complex(0.7, 0.5)}),
    Step("abs_pow", lambda L, x, k, o: L.abs(x) ** 1.5),
    Step("sin", lambda L, x, k, o: L.sin(x), holo=True),
    Step("cos", lambda L, x, k, o: L.cos(x), holo=True),
    Step("tanh", lambda L, x, k, o: L.tanh(x * 0.5), holo=True),
    Step("sinh", lambda L, x, k, o: L.sinh(x * 0.5), holo=True),
    Step("arctan", lambda L, x, k, o: L.arctan(x * 0.3), holo=True),
    Step("reciprocal", lambda L, x, k, o: L.reciprocal(x + k["c"]), holo=True,
         consts=lambda r, n, m: {"c": complex(3.0, 1.0)}),
    Step("times_i", lambda L, x, k, o: x * 1j + L.sin(x), holo=True),
    Step("matmul", lambda L, x, k, o: L.matmul(x, L.const(k["a"])), holo=True,
         consts=lambda r, n, m: {"a": _carr(r, m, m, scale=0.5)}),
    Step("einsum", lambda L, x, k, o: L.einsum("ij,jk->ik", L.const(k["a"]), x), holo=True,
         consts=lambda r, n, m: {"a": _carr(r, n, n, scale=0.5)}),
    Step("gram", lambda L, x, k, o: L.matmul(x, L.herm(x)) * 0.3),
    Step("center", lambda L, x, k, o: x - L.mean(x, axis=0, keepdims=True), holo=True),
    Step("sum_bcast", lambda L, x, k, o: x * L.sum(x, axis=1, keepdims=True) * 0.3, holo=True),
    Step("prod", lambda L, x, k, o: x + L.prod(x, axis=0, keepdims=True), holo=True),
    Step("cumsum", lambda L, x, k, o: L.cumsum(x, axis=k["ax"]), holo=True,
         consts=lambda r, n, m: {"ax": int(r.integers(2))}),
    Step("solve", lambda L, x, k, o: L.linalg.solve(L.const(k["A"]) + 0.2 * x, x), holo=True,
         square=True, consts=lambda r, n, m: {"A": _A0(r, n)}),
    Step("solve_rhs", lambda L, x, k, o: L.linalg.solve(L.const(k["A"]), x), holo=True,
         square=True, consts=lambda r, n, m: {"A": _A0(r, n)}),
    Step("inv", lambda L, x, k, o: L.linalg.inv(L.const(k["A"]) + 0.2 * x), holo=True,
         square=True, consts=lambda r, n, m: {"A": _A0(r, n)}),
    Step("det", lambda L, x, k, o: x * L.linalg.det(x) * 0.5, holo=True, square=True),
    Step("slogdet", lambda L, x, k, o: x * L.linalg.slogdet(x)[1] + L.linalg.slogdet(x)[0],
         square=True),
    Step("eigh_vals", lambda L, x, k, o: x * L.eigh(x + L.herm(x))[0][None, :], square=True),
    Step("eigh_recon", lambda L, x, k, o: _eigh_recon(L, *L.eigh(x + L.herm(x))), square=True),
    Step("eigh_absv", lambda L, x, k, o: L.abs(L.eigh(x + L.herm(x))[1]) * x, square=True),
    Step("svd_vals", lambda L, x, k, o: x * L.svd(x)[1][None, :], square=True),
    Step("svd_recon", lambda L, x, k, o: (lambda u, s, vh: L.matmul(L.diag_mul(u, s ** 2), vh))(
        *L.svd(x)), square=True),
    Step("svd_absu", lambda L, x, k, o: L.abs(L.svd(x)[0]) * x, square=True),
    Step("qr_recon", lambda L, x, k, o: (lambda q, r: L.matmul(L.herm(q), x) + r)(*L.qr(x)),
         square=True),
    Step("norm_fro", lambda L, x, k, o: x / L.norm(x)),
    Step("norm_vec", lambda L, x, k, o: x * L.norm(x, axis=1, keepdims=True)),
    Step("norm_2", lambda L, x, k, o: x * L.norm(x, ord=2), square=True),
    Step("norm_nuc", lambda L, x, k, o: x * L.norm(x, ord="nuc"), square=True),
    Step("fft", lambda L, x, k, o: L.fft(x, axis=k["ax"]), holo=True,
         consts=lambda r, n, m: {"ax": int(r.integers(2))}),
    Step("ifft", lambda L, x, k, o: L.ifft(x, axis=k["ax"]) * 2.0, holo=True,
         consts=lambda r, n, m: {"ax": int(r.integers(2))}),
    Step("rfft_irfft", lambda L, x, k, o: L.irfft(L.rfft(x, axis=1) * L.const(k["w"]), n=x.shape[1],
                                                  axis=1), needs="real",
         consts=lambda r, n, m: {"w": _carr(r, 1, m // 2 + 1)}),
    Step("rfft", lambda L, x, k, o: L.rfft(x, axis=1)[:, :1] * x, needs="real"),
    Step("irfft", lambda L, x, k, o: L.irfft(x, n=x.shape[1], axis=1), needs="complex"),
    Step("view_as_real", lambda L, x, k, o: (lambda s: s[..., 0] * k["a"] + s[..., 1] * k["b"])(
        L.view_as_real(x)), consts=lambda r, n, m: {"a": _c(r), "b": _c(r)}),
    Step("where", lambda L, x, k, o: L.where(k["m"], x, x * k["c"]), holo=True,
         consts=lambda r, n, m: {"m": r.random((n, m)) > 0.5, "c": _c(r)}),
    Step("take", lambda L, x, k, o: L.take0(x, k["i"]), holo=True,
         consts=lambda r, n, m: {"i": r.integers(0, n, n)}),
    Step("flip_T", lambda L, x, k, o: L.flip0(L.swap(x) if x.shape[0] == x.shape[1] else x),
         holo=True),
    Step("to_real", lambda L, x, k, o: L.to_real(x), needs="complex"),
    Step("cbase_pow", lambda L, x, k, o: k["c"] ** (x * 0.3), holo=True,
         consts=lambda r, n, m: {"c": complex(0.5, 0.8)}),
    Step("pow_tensor", lambda L, x, k, o: (x * 0.3 + 2.0) ** (o * 0.2), needs="complex"),
    Step("rdiv_c", lambda L, x, k, o: k["c"] / (x + 3.0), holo=True,
         consts=lambda r, n, m: {"c": _c(r)}),
    Step("cumprod", lambda L, x, k, o: L.cumprod(x * 0.7, axis=k["ax"]), holo=True,
         consts=lambda r, n, m: {"ax": int(r.integers(2))}),
    Step("var", lambda L, x, k, o: x * L.var(x)),
    Step("std_axis", lambda L, x, k, o: x / (L.std(x, axis=0, keepdims=True) + 1.0)),
    Step("vdot", lambda L, x, k, o: x * L.vdot(x, L.const(k["a"])),
         consts=lambda r, n, m: {"a": _carr(r, n, m)}),
    Step("dot_self", lambda L, x, k, o: x * L.dot1(x, x) * 0.2, holo=True),
    Step("trace", lambda L, x, k, o: x * L.trace(x), holo=True, square=True),
    Step("diag", lambda L, x, k, o: x + L.diag_of(x) * k["c"], holo=True, square=True,
         consts=lambda r, n, m: {"c": _c(r)}),
    Step("tril", lambda L, x, k, o: L.tril(x) + x * 0.5, holo=True),
    Step("roll", lambda L, x, k, o: L.roll(x, 1, axis=k["ax"]), holo=True,
         consts=lambda r, n, m: {"ax": int(r.integers(2))}),
    Step("concat", lambda L, x, k, o: L.cat([x, x * k["c"]], axis=1)[:, 1:x.shape[1] + 1],
         holo=True,
         consts=lambda r, n, m: {"c": _c(r)}),
    Step("set_row", lambda L, x, k, o: L.set_row(x, 0, x[-1] * 2.0 + x[0]), holo=True),
    Step("logsumexp", lambda L, x, k, o: x - L.logsumexp(x * 0.5, axis=1), holo=True),
    Step("eigvals", lambda L, x, k, o: x * L.sum(L.exp(L.eigvals(x) * 0.3)), square=True,
         needs="complex"),
    Step("cholesky", lambda L, x, k, o: L.cholesky(L.matmul(x, L.herm(x))
                                                   + L.const(np.eye(x.shape[0]))),
         square=True),
    Step("matrix_power", lambda L, x, k, o: L.matrix_power(x * 0.5, 3), holo=True, square=True),
    Step("expm", lambda L, x, k, o: L.expm(x * 0.3), holo=True, square=True),
    Step("fft2", lambda L, x, k, o: L.fft2(x) * 0.5, holo=True),
    Step("hfft", lambda L, x, k, o: L.hfft(x, n=2 * (x.shape[1] - 1), axis=1)[:, :x.shape[1]],
         needs="complex"),
    Step("pinv", lambda L, x, k, o: L.pinv(x), square=True),
    Step("expm1_log1p", lambda L, x, k, o: L.expm1(x * 0.3) + L.log1p(x * 0.2 + 0.5j), holo=True,
         needs="complex"),
    Step("sign", lambda L, x, k, o: L.sign(x) * 2.0 + x, needs="complex"),
    Step("angle_exp", lambda L, x, k, o: L.abs(x) * L.exp(1j * L.angle(x)), needs="complex"),
    Step("matmul_other", lambda L, x, k, o: L.matmul(x, o) * 0.5, square=True),
    Step("solve_other", lambda L, x, k, o: L.linalg.solve(L.const(k["A"]) + 0.2 * o, x),
         square=True, consts=lambda r, n, m: {"A": _A0(r, n).real}),
    Step("where_other", lambda L, x, k, o: L.where(k["m"], x, o),
         consts=lambda r, n, m: {"m": r.random((n, m)) > 0.5}),
    Step("cat_other", lambda L, x, k, o: L.cat([o, x], axis=0)[k["i"]],
         consts=lambda r, n, m: {"i": r.permutation(2 * n)[:n]}),
    Step("set_row_other", lambda L, x, k, o: L.set_row(x, -1, o[0] * 0.5)),
    Step("einsum_other", lambda L, x, k, o: L.einsum("ij,ij->i", x, o)[:, None] * x),
    Step("where_data", lambda L, x, k, o: L.where(L.real(x) > 0.1, x, x * k["c"]),
         consts=lambda r, n, m: {"c": _c(r)}),
    Step("to_complex", lambda L, x, k, o: L.to_complex(x) * k["c"], needs="real",
         consts=lambda r, n, m: {"c": _c(r)}),
]
STEP = {s.name: s for s in STEPS}
# Steps JAX differentiates otherwise than torch, on purpose (docs/porting.md): there torch is
# the reference (gpuad's convention), with central differences.
JAX_DIFFERS = {"sign": "JAX's sign(z) of complex z has derivative 0; torch's sgn and gpuad "
                       "differentiate z/|z|"}
MIXING = ("mix_other_add", "mix_other_mul", "pow_tensor", "matmul_other", "solve_other",
          "where_other", "cat_other", "set_row_other", "einsum_other")
HOLO_STEPS = [s for s in STEPS if s.holo and s.needs != "real"]

LOSSES = {
    "abs2": lambda L, y, w: L.sum(L.abs(y) ** 2),
    "re_w": lambda L, y, w: L.sum(L.real(y * L.const(w))),
    "im_w": lambda L, y, w: L.sum(L.imag(y * L.const(w))) + L.sum(L.real(y)) * 0.5,
    "abs": lambda L, y, w: L.sum(L.abs(y)),
}


@dataclass
class Program:
    seed: int
    shape: tuple
    start: str  # "z" or "r"
    steps: list = field(default_factory=list)  # (Step, consts)
    loss: str = "abs2"
    w: Any = None
    z: Any = None
    r: Any = None

    def __str__(self):
        return (f"seed={self.seed} shape={self.shape} start={self.start} "
                f"steps={[s.name for s, _ in self.steps]} loss={self.loss}")

    def out(self, L, z, r):
        """The program before its loss: (z, r) -> y."""
        x, other = (z, r) if self.start == "z" else (r, z)
        for s, k in self.steps:
            x = s.fn(L, x, k, other)
        return x

    def loss_fn(self, L):
        def f(z, r):
            return LOSSES[self.loss](L, self.out(L, z, r), self.w)
        return f

    def raises_in_gpuad(self):
        return any(s.raises_for_complex for s, _ in self.steps)  # refined at run time


def _complex_after(step, was_complex):
    """Whether the state is complex after ``step`` (the steps' dtype rules)."""
    if step.name in ("abs", "abs_sq", "angle", "real", "imag", "abs_pow", "to_real", "irfft",
                     "rfft_irfft", "eigh_vals", "svd_vals", "eigh_absv", "svd_absu", "hfft"):
        return step.name in ("eigh_vals", "svd_vals", "eigh_absv", "svd_absu") and was_complex
    if step.name in ("add_c", "rsub_c", "mul_c", "div_c", "mul_ccplx", "x_conjx", "x_plus_conj",
                     "real_to_cplx_pow", "pow_cplx", "times_i", "matmul", "einsum", "solve",
                     "solve_rhs", "inv", "fft", "ifft", "rfft", "view_as_real", "where",
                     "to_complex", "mix_other_add", "cbase_pow", "rdiv_c", "vdot", "diag",
                     "concat", "where_data", "expm1_log1p", "angle_exp", "reciprocal",
                     "times_i", "fft2"):
        return True
    return was_complex


def _complex_after_in(prog, step, was_complex):
    if step.name in ("mix_other_mul", "pow_tensor", "matmul_other", "solve_other", "where_other",
                     "cat_other", "einsum_other"):
        return was_complex or prog.start == "r"
    if step.name == "eigvals":
        return True
    if step.name == "cholesky":
        return was_complex
    return _complex_after(step, was_complex)


def draw_program(seed, holomorphic=False):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 5))
    m = n if rng.random() < 0.6 else int(rng.integers(2, 5))
    prog = Program(seed, (n, m), "z" if holomorphic or rng.random() < 0.7 else "r")
    cplx = prog.start == "z"
    pool = HOLO_STEPS if holomorphic else STEPS
    for _ in range(int(rng.integers(2, 7))):
        ok = [s for s in pool if (not s.square or n == m)
              and (s.needs == "any" or (s.needs == "complex") == cplx)
              and not ((holomorphic or m != prog.shape[1]) and s.name in MIXING)]
        s = ok[int(rng.integers(len(ok)))]
        prog.steps.append((s, s.consts(rng, n, m)))
        if s.name == "gram":
            m = n
        cplx = _complex_after_in(prog, s, cplx)
    prog.shape = (n, prog.shape[1])
    prog.loss = str(rng.choice(list(LOSSES)))
    prog.w = _carr(rng, n, m)
    prog.z = _carr(rng, *prog.shape)
    prog.r = rng.standard_normal(prog.shape)
    return prog


def quiet(f, *a):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a)


# ---- the checks -----------------------------------------------------------------------------

class Skip(Exception):
    """The peers disagree with each other, or the values left the range worth comparing."""


def _close(a, b, rtol=1e-7):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if np.any(np.imag(a) != 0) != np.any(np.imag(b) != 0) and not np.allclose(a, b):
        return False
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    return bool(np.all(np.abs(a - b) <= rtol * scale))


def _dtype_ok(ours, like):
    """A gradient has its primal's kind: complex for z, real for r (a dropped imaginary part or a
    complex gradient of a real input is a failure even when the numbers happen to agree)."""
    return np.iscomplexobj(ours) == np.iscomplexobj(like)


class Libs:
    """The three libraries, imported by the caller (the test skips when one is missing)."""

    def __init__(self, ad, gnp, jax, jnp, torch, to_numpy):
        self.ad, self.gnp, self.jax, self.jnp, self.torch = ad, gnp, jax, jnp, torch
        self.G, self.J, self.T = _NumpyLike(gnp, "g"), _NumpyLike(jnp, "j"), _TorchLike(torch)
        self.np_ = to_numpy


def _torch_grads(libs, prog, cot=None):
    torch = libs.torch
    zt = torch.tensor(prog.z, requires_grad=True)
    rt = torch.tensor(prog.r, requires_grad=True)
    if cot is None:
        loss = prog.loss_fn(libs.T)(zt, rt)
        gz, gr = torch.autograd.grad(loss, (zt, rt), allow_unused=True)
    else:
        y = prog.out(libs.T, zt, rt)
        gz, gr = torch.autograd.grad(y, (zt, rt), grad_outputs=torch.tensor(cot),
                                     allow_unused=True)
    gz = np.zeros_like(prog.z) if gz is None else gz.detach().resolve_conj().numpy()
    gr = np.zeros_like(prog.r) if gr is None else gr.detach().numpy()
    return gz, gr


def _fd(libs, prog, dz, dr, h=1e-6):
    f = prog.loss_fn(libs.G)
    lp = float(libs.np_(quiet(f, prog.z + h * dz, prog.r + h * dr)))
    lm = float(libs.np_(quiet(f, prog.z - h * dz, prog.r - h * dr)))
    return (lp - lm) / (2 * h)


def _jax_call(jax, fn, *args):
    """``fn`` compiled, or eager where XLA's CPU compiler fails on it (its FFT thunk rejects
    some layouts that a compiled program produces)."""
    try:
        return jax.block_until_ready(quiet(jax.jit(fn), *args))
    except Exception:  # noqa: BLE001 - an XLA failure, not gpuad's
        return quiet(fn, *args)


def check_program(libs, prog, rng, with_vmap=True):
    """Every relation for one program; a list of failures (empty: all agree)."""
    ad, jax = libs.ad, libs.jax
    n2 = libs.np_
    fails = []
    fg, fj = prog.loss_fn(libs.G), prog.loss_fn(libs.J)
    og, oj = (lambda z, r: prog.out(libs.G, z, r)), (lambda z, r: prog.out(libs.J, z, r))
    dzs = [rng.standard_normal(prog.z.shape) + 1j * rng.standard_normal(prog.z.shape)
           for _ in range(3)]
    drs = [rng.standard_normal(prog.r.shape) for _ in range(3)]
    torch = libs.torch
    y = quiet(prog.out, libs.T, torch.tensor(prog.z), torch.tensor(prog.r)).resolve_conj().numpy()
    cot = rng.standard_normal(y.shape) + (1j * rng.standard_normal(y.shape)
                                         if np.iscomplexobj(y) else 0)

    def jax_all(z, r, dz, dr, g):
        """One compiled call for JAX's loss, gradient, jvp and vjp (eager JAX compiles each
        primitive separately, which would dominate the run time)."""
        lj, (jz, jr) = jax.value_and_grad(fj, argnums=(0, 1))(z, r)
        yj, tj = jax.jvp(oj, (z, r), (dz, dr))
        vz, vr = jax.vjp(oj, z, r)[1](g)
        return lj, jz, jr, yj, tj, vz, vr

    lj, jz, jr, yj, tj, vjz, vjr = (np.asarray(a) for a in _jax_call(
        jax, jax_all, prog.z, prog.r, dzs[2], drs[2], cot))
    lj = float(lj)
    if not np.isfinite(lj) or abs(lj) > 1e6:
        raise Skip("loss out of range")
    jz = np.conj(jz)
    tz, tr = quiet(_torch_grads, libs, prog)
    # where torch and JAX differ by more than a conjugate (JAX's sign has derivative 0, for
    # one) torch is the reference, gpuad's convention, checked with finite differences too
    peers_agree = (_close(tz, jz, 1e-6) and _close(tr, jr, 1e-6)
                   and not any(s.name in JAX_DIFFERS for s, _ in prog.steps))
    jz, jr = tz, tr
    if not (np.all(np.isfinite(jz)) and np.max(np.abs(jz), initial=0) < 1e6):
        raise Skip("gradient out of range")

    # the loss and its gradient, by grad and by backward
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lg = float(n2(fg(prog.z, prog.r)))
        gz, gr = ad.grad(fg, argnums=(0, 1))(prog.z, prog.r)
    gz, gr = n2(gz), n2(gr)
    if not _close(lg, lj):
        fails.append(f"loss {lg} != jax {lj}")
    for nm, ours, ref, like in (("z", gz, jz, prog.z), ("r", gr, jr, prog.r)):
        if not _dtype_ok(ours, like):
            fails.append(f"grad {nm}: dtype {ours.dtype} for a {like.dtype} argument")
        if not _close(ours, ref):
            fails.append(f"grad {nm}: gpuad {ours.ravel()[:4]} != torch {ref.ravel()[:4]} "
                         f"(conj(jax) {'agrees' if peers_agree else 'differs'})")
    tzg = ad.tensor(prog.z, requires_grad=True)
    trg = ad.tensor(prog.r, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fg(tzg, trg).backward()
    bz = np.zeros_like(prog.z) if tzg.grad is None else n2(tzg.grad)
    br = np.zeros_like(prog.r) if trg.grad is None else n2(trg.grad)
    if not (_close(bz, jz) and _close(br, jr)):
        fails.append("backward() differs from torch's .grad")
    fails += _check_warnings(prog, caught)

    # central differences along two random directions
    for dz, dr in zip(dzs[:2], drs[:2], strict=True):
        fd = _fd(libs, prog, dz, dr)
        lin = float(np.sum(np.real(np.conj(gz) * dz)) + np.sum(gr * dr))
        linj = float(np.sum(np.real(np.conj(jz) * dz)) + np.sum(jr * dr))
        if abs(fd - linj) > 1e-4 * max(1.0, abs(fd)):
            raise Skip("finite differences disagree with the peers (a kink or branch cut)")
        if abs(fd - lin) > 1e-4 * max(1.0, abs(fd)):
            fails.append(f"finite differences {fd} != <grad, d> {lin}")

    # jvp with complex and real tangents
    yg, tg = ad.jvp(og, (prog.z, prog.r), (dzs[2], drs[2]))
    if not _close(n2(yg), yj):
        fails.append("output differs from jax")
    if peers_agree and not (_close(n2(tg), tj, 1e-6) and _dtype_ok(n2(tg), tj)):
        fails.append(f"jvp: gpuad {n2(tg).ravel()[:3]} != jax {tj.ravel()[:3]}")
    if not peers_agree:  # against central differences of the output instead
        h = 1e-6
        up = quiet(prog.out, libs.T, torch.tensor(prog.z + h * dzs[2]),
                   torch.tensor(prog.r + h * drs[2])).resolve_conj().numpy()
        down = quiet(prog.out, libs.T, torch.tensor(prog.z - h * dzs[2]),
                     torch.tensor(prog.r - h * drs[2])).resolve_conj().numpy()
        if not _close(n2(tg), (up - down) / (2 * h), 1e-4):
            fails.append(f"jvp: gpuad {n2(tg).ravel()[:3]} != central differences")

    # vjp with a cotangent of the output's dtype (complex when the output is)
    vjz = np.conj(vjz)
    vtz, vtr = quiet(_torch_grads, libs, prog, cot)
    if not peers_agree or (_close(vtz, vjz, 1e-6) and _close(vtr, vjr, 1e-6)):
        _, vg = ad.vjp(og, prog.z, prog.r)
        vgz, vgr = (n2(v) for v in vg(cot))
        if not (_close(vgz, vtz, 1e-6) and _close(vgr, vtr, 1e-6)):
            fails.append(f"vjp: gpuad {vgz.ravel()[:3]} != torch {vtz.ravel()[:3]} "
                         "(= conj(jax_vjp(conj(g))))")
        if not (_dtype_ok(vgz, prog.z) and _dtype_ok(vgr, prog.r)):
            fails.append("vjp: cotangent dtypes differ from the primals'")

    if with_vmap:
        fails += _check_vmap(libs, prog, rng, fg)
        fails += _check_hvp(libs, prog, fg, dzs[0], drs[0])
        fails += _check_jit(libs, prog, fg, gz, gr)
    return fails


def _check_jit(libs, prog, fg, gz, gr):
    """The compiled gradient equals the eager one, on the traced arguments and on others."""
    ad, n2 = libs.ad, libs.np_
    z2, r2 = prog.z * 0.9 + 0.05j, prog.r * 1.1 - 0.02
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e2 = [n2(a) for a in ad.grad(fg, argnums=(0, 1))(z2, r2)]
        step = ad.jit(ad.grad(fg, argnums=(0, 1)))
        c1 = [n2(a) for a in step(prog.z, prog.r)]
        c2 = [n2(a) for a in step(z2, r2)]
    if not all(_close(a, b) and a.dtype == b.dtype for a, b in zip(c1 + c2, [gz, gr] + e2,
                                                                     strict=True)):
        return ["jit(grad) differs from eager grad"]
    return []


def _check_hvp(libs, prog, fg, vz, vr):
    """Second order: the gradient of <grad L, v> (real pairing) against torch's double
    backward."""
    ad, gnp, torch, n2 = libs.ad, libs.gnp, libs.torch, libs.np_
    zt = torch.tensor(prog.z, requires_grad=True)
    rt = torch.tensor(prog.r, requires_grad=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gz, gr = torch.autograd.grad(prog.loss_fn(libs.T)(zt, rt), (zt, rt),
                                         create_graph=True)
            s = (gz.conj() * torch.tensor(vz)).real.sum() + (gr * torch.tensor(vr)).sum()
            hz, hr = torch.autograd.grad(s, (zt, rt), allow_unused=True)
    except Exception:  # noqa: BLE001 - torch has no second derivative here
        return []
    hz = np.zeros_like(prog.z) if hz is None else hz.detach().resolve_conj().numpy()
    hr = np.zeros_like(prog.r) if hr is None else hr.detach().numpy()

    def inner(z, r):
        a, b = ad.grad(fg, argnums=(0, 1))(z, r)
        return gnp.sum(gnp.real(gnp.conj(a) * vz)) + gnp.sum(b * vr)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oz, orr = (n2(v) for v in ad.grad(inner, argnums=(0, 1))(prog.z, prog.r))
    if not (_close(oz, hz, 1e-6) and _close(orr, hr, 1e-6)):
        return [f"second order: gpuad {oz.ravel()[:3]} != torch {hz.ravel()[:3]}"]
    return []


def _check_warnings(prog, caught):
    """A cast of complex values to a real dtype warns (as NumPy and torch do); nothing else in
    the program may warn of a discarded imaginary part."""
    fails = []
    dropped = [w for w in caught if "imaginary" in str(w.message)
               or issubclass(w.category, np.exceptions.ComplexWarning)]
    cplx = prog.start == "z"
    casts = False
    for s, _ in prog.steps:
        if (s.name == "to_real" and cplx) or (s.name == "set_row_other" and not cplx
                                             and prog.start == "r"):
            casts = True  # astype, or complex values written into a real array (NumPy's rule)
        cplx = _complex_after_in(prog, s, cplx)
    if casts and not dropped:
        fails.append("astype(float64) of complex values gave no warning")
    if dropped and not casts:
        fails.append(f"a warning of a discarded imaginary part: {dropped[0].message}")
    return fails


def _check_vmap(libs, prog, rng, fg):
    ad, n2 = libs.ad, libs.np_
    zb = np.stack([prog.z, prog.z * 0.9 + 0.1j])
    rb = np.stack([prog.r, prog.r * 1.1 - 0.05])
    try:
        each = [[n2(g) for g in ad.grad(fg, argnums=(0, 1))(zb[i], rb[i])] for i in range(2)]
    except Exception:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vz, vr = (n2(v) for v in ad.vmap(ad.grad(fg, argnums=(0, 1)))(zb, rb))
    if not (_close(vz, np.stack([e[0] for e in each]))
            and _close(vr, np.stack([e[1] for e in each]))):
        return ["vmap(grad) differs from the loop over examples"]
    return []


def check_holomorphic(libs, prog):
    """jacfwd/jacrev/grad with holomorphic=True against JAX's."""
    ad, jax, n2 = libs.ad, libs.jax, libs.np_
    r = prog.r
    fg = lambda z: prog.out(libs.G, z, r)  # noqa: E731
    fj = lambda z: prog.out(libs.J, z, r)  # noqa: E731
    torch = libs.torch
    yj = quiet(prog.out, libs.T, torch.tensor(prog.z), torch.tensor(r)).resolve_conj().numpy()
    if not np.all(np.isfinite(yj)) or np.max(np.abs(yj)) > 1e6:
        raise Skip("output out of range")
    fails = []
    sj = lambda z: libs.jnp.sum(fj(z))  # noqa: E731

    def jax_all(z):
        return (jax.jacfwd(fj, holomorphic=True)(z), jax.jacrev(fj, holomorphic=True)(z),
                jax.grad(sj, holomorphic=True)(z))

    jf, jr, gj = (np.asarray(a) for a in _jax_call(jax, jax_all, prog.z))
    if not _close(jf, jr, 1e-6):
        raise Skip("jax's jacfwd and jacrev disagree")
    for name, tr in (("jacfwd", ad.jacfwd), ("jacrev", ad.jacrev)):
        ours = n2(tr(fg, holomorphic=True)(prog.z))
        if not _close(ours, jf, 1e-6):
            fails.append(f"{name}(holomorphic=True) differs from JAX's")
    sg = lambda z: libs.gnp.sum(fg(z))  # noqa: E731
    gg = n2(ad.grad(sg, holomorphic=True)(prog.z))
    if not _close(gg, gj, 1e-6):
        fails.append(f"grad(holomorphic=True) {gg.ravel()[:3]} != JAX's {gj.ravel()[:3]}")
    return fails
