"""``torch.autograd.gradcheck`` and ``gradgradcheck``: the Jacobians that backward gives,
compared entry by entry with central differences of the function itself."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _state, engine
from ..tensor import Tensor
from . import forward_ad
from .grads import grad


class GradcheckError(RuntimeError):
    """A Jacobian from backward differs from the finite-difference one."""


def _host(a: Any) -> np.ndarray:
    a = a._data if isinstance(a, Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def _tupled(x: Any) -> tuple:
    return tuple(x) if isinstance(x, tuple | list) else (x,)


def _fresh(inputs: tuple, i: int, data: Any, keep_grad: bool = True) -> list:
    """``inputs`` with input ``i``'s values replaced by ``data``: each Tensor a fresh one
    with the original's requires_grad (none with ``keep_grad=False``: forward mode, as
    torch, which differentiates through the tangents alone)."""
    args = []
    for k, a in enumerate(inputs):
        if isinstance(a, Tensor):
            t = Tensor(data if k == i else a._data)
            if a.requires_grad and keep_grad:
                t.requires_grad_(True)
            args.append(t)
        else:
            args.append(a)
    return args


def _evaluate(func: Callable, inputs: tuple, i: int, data: Any,
              kinds: list | None = None, eps: float = 0.0, k: int = 0) -> list[np.ndarray]:
    """The outputs of ``func`` with input ``i``'s values replaced by ``data``, as float64
    host arrays; ``kinds``, the outputs' (shape, dtype) at the point checked, which the
    perturbed outputs must keep (else the differences mean nothing: torch raises too)."""
    with _state.enable_grad():
        outs = [o for o in _tupled(func(*_fresh(inputs, i, data))) if isinstance(o, Tensor)]
    if kinds is not None:
        for o, (shape, dtype) in zip(outs, kinds, strict=False):
            what = ("shape", tuple(o.shape), shape) if tuple(o.shape) != shape else \
                ("dtype", o.dtype, dtype) if o.dtype != dtype else None
            if what is not None:
                raise GradcheckError(
                    f"Expected `func` to return outputs with the same {what[0]} when inputs "
                    f"are perturbed on index {k} of input {i} by {eps}, but got: {what[0]}s "
                    f"{what[2]} and {what[1]}")
    return [_host(o).astype(np.float64) for o in outs]


def _numerical(func: Callable, inputs: tuple, i: int, eps: float,
               kinds: list | None = None) -> list[np.ndarray]:
    """Per output, the central-difference Jacobian ``(out.size, inputs[i].size)``."""
    x = inputs[i]
    # a C-ordered copy of the input's own shape (``ascontiguousarray`` makes a 0-d input 1-d)
    base = x._data.copy(order="C")
    cols: list[list[np.ndarray]] = []
    for k in range(x.size):
        plus = base.copy()
        minus = base.copy()
        plus.reshape(-1)[k] += eps
        minus.reshape(-1)[k] -= eps
        fp = _evaluate(func, inputs, i, plus, kinds, eps, k)
        fm = _evaluate(func, inputs, i, minus, kinds, -eps, k)
        for j, (a, b) in enumerate(zip(fp, fm, strict=True)):
            if len(cols) <= j:
                cols.append([])
            cols[j].append(((a - b) / (2 * eps)).reshape(-1))
    if not cols:  # an input with no elements
        outs = _evaluate(func, inputs, i, base)
        return [np.zeros((o.size, 0)) for o in outs]
    return [np.stack(c, axis=1) for c in cols]


def _analytical(out: Tensor, diff: list[Tensor]) -> list[np.ndarray]:
    """Per input, the Jacobian ``(out.size, input.size)`` of ``out`` from backward, one sweep
    per output element."""
    rows: list[list[np.ndarray]] = [[] for _ in diff]
    xp = engine._rules._xp(out._data)
    for k in range(out.size):
        e = xp.zeros(out.size, out.dtype)
        e[k] = 1
        gs = grad(out, diff, e.reshape(out._data.shape), retain_graph=True, allow_unused=True)
        for j, (g, x) in enumerate(zip(gs, diff, strict=True)):
            rows[j].append(
                np.zeros(x.size) if g is None else _host(g).astype(np.float64).reshape(-1)
            )
    return [np.stack(r) if r else np.zeros((0, x.size)) for r, x in zip(rows, diff, strict=True)]


def _fail(msg: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _forward(func: Callable, inputs: tuple, i: int) -> list[np.ndarray]:
    """Per output, the Jacobian ``(out.size, inputs[i].size)`` from forward mode: one dual
    evaluation per input element, its tangent a unit vector (a missing tangent is a zero
    column, as in torch)."""
    x = inputs[i]
    xp = engine._rules._xp(x._data)
    cols: list[list[np.ndarray]] = []
    n_out = None
    for k in range(x.size):
        e = xp.zeros(x.size, x.dtype)
        e[k] = 1
        args = _fresh(inputs, i, x._data, keep_grad=False)
        with _state.enable_grad(), forward_ad.dual_level():
            args[i] = forward_ad.make_dual(args[i], Tensor(e.reshape(x._data.shape)))
            outs = [o for o in _tupled(func(*args)) if isinstance(o, Tensor)]
            tans = [forward_ad.unpack_dual(o).tangent for o in outs]
        n_out = len(outs)
        for j, (o, t) in enumerate(zip(outs, tans, strict=True)):
            if len(cols) <= j:
                cols.append([])
            cols[j].append(np.zeros(o.size) if t is None
                           else _host(t).astype(np.float64).reshape(-1))
    if n_out is None:  # an input with no elements
        outs = _evaluate(func, inputs, i, x._data)
        return [np.zeros((o.size, 0)) for o in outs]
    return [np.stack(c, axis=1) for c in cols]


def _batched_forward(func: Callable, inputs: tuple, i: int) -> list[np.ndarray]:
    """:func:`_forward`'s Jacobians from one ``vmap`` over the unit tangents."""
    from ..batching.api import vmap

    x = inputs[i]
    xp = engine._rules._xp(x._data)
    basis = Tensor(xp.eye(x.size, dtype=x.dtype).reshape((x.size,) + tuple(x.shape)))
    args = _fresh(inputs, i, x._data, keep_grad=False)

    def column(tan: Any) -> tuple:
        a = list(args)
        a[i] = forward_ad.make_dual(a[i], tan)
        outs = [o for o in _tupled(func(*a)) if isinstance(o, Tensor)]
        res = []
        for o in outs:
            t = forward_ad.unpack_dual(o).tangent
            res.append(t if t is not None else xp.zeros(o.shape, o.dtype))
        return tuple(res)

    with _state.enable_grad(), forward_ad.dual_level():
        cols = vmap(column)(basis)
    return [_host(c).astype(np.float64).reshape(x.size, -1).T for c in cols]


def _check_batched_grad(func: Callable, inputs: tuple, diff_idx: list, atol: float,
                        rtol: float, raise_exception: bool) -> bool:
    """The vector-Jacobian products of a batch of cotangents, taken under ``vmap`` (the
    adjoints' batching rules), against one backward per cotangent."""
    from ..batching.api import vmap
    from ..transforms import vjp

    def f(*xs: Any) -> tuple:
        a = list(inputs)
        for k, x in zip(diff_idx, xs, strict=True):
            a[k] = x
        outs = [o for o in _tupled(func(*a)) if isinstance(o, Tensor)]
        return tuple(o for o in outs if o.dtype.kind in "fc")

    with _state.enable_grad():
        outs, vjp_fn = vjp(f, *[inputs[k]._data for k in diff_idx])
    if not outs:
        return True
    rng = np.random.default_rng(0)
    xp = engine._rules._xp(inputs[diff_idx[0]]._data)
    cots = tuple(xp.asarray(rng.standard_normal((2,) + tuple(o.shape))).astype(o.dtype)
                 for o in outs)
    try:
        batched = vmap(vjp_fn)(cots)
    except Exception as e:
        return _fail(f"While computing batched gradients (vmap of the vjp), got: {e}",
                     raise_exception)
    for r in range(2):
        looped = vjp_fn(tuple(c[r] for c in cots))
        for k, (b, g) in enumerate(zip(batched, looped, strict=True)):
            if not np.allclose(_host(b)[r], _host(g), rtol=rtol, atol=atol):
                return _fail(
                    f"Batched grad mismatch for input {diff_idx[k]} (cotangent {r}): vmap "
                    f"gave\n{_host(b)[r]}\nand one backward\n{_host(g)}\n", raise_exception)
    return True


def _reentrant(out: Tensor, diff: list, first: list, j: int, nondet_tol: float,
               raise_exception: bool) -> bool:
    """A second backward, on the same output and cotangents, must give the same Jacobian
    (up to ``nondet_tol``), as torch checks."""
    again = _analytical(out, diff)
    for a, b in zip(first, again, strict=True):
        if a.size and float(np.max(np.abs(a - b))) > nondet_tol:
            return _fail(
                f"Backward is not reentrant, i.e., running backward with same input and "
                f"grad_output multiple times gives different values, although analytical "
                f"gradient matches numerical gradient (output {j}). The tolerance for "
                f"nondeterminism was {nondet_tol}: pass nondet_tol= for an op that is not "
                f"deterministic", raise_exception)
    return True


def _mul_by_grad_output(outs: list, diff: list, raise_exception: bool) -> bool:
    """Backward with zero cotangents must give zero gradients (a hook or rule that adds a
    constant passes the Jacobian check where it is small), as torch checks."""
    if not outs:
        return True
    zeros = [Tensor(engine._rules._xp(o._data).zeros(o._data.shape, o.dtype)) for o in outs]
    gs = grad(outs, diff, zeros, retain_graph=True, allow_unused=True)
    for g in gs:
        if g is not None and np.any(_host(g) != 0):
            return _fail("backward not multiplied by grad_output", raise_exception)
    return True


def _compare(kind: str, j: int, i: int, n: np.ndarray, a: np.ndarray, rtol: float,
             atol: float, raise_exception: bool) -> bool:
    if np.allclose(a, n, rtol=rtol, atol=atol):
        return True
    return _fail(f"{kind} for output {j} with respect to input {i},\n"
                 f"numerical:{n}\nanalytical:{a}\n", raise_exception)


def gradcheck(
    func: Callable,
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against central differences, as
    ``torch.autograd.gradcheck``: every Jacobian entry must satisfy
    ``|analytical - numerical| <= atol + rtol * |numerical|``. Returns True, or raises
    :class:`GradcheckError` naming the output and input (False with
    ``raise_exception=False``). Use float64 inputs. ``check_forward_ad=True`` also checks the
    Jacobian forward mode gives (``forward_ad`` duals, one unit tangent per input element),
    ``check_batched_forward_grad`` those columns from one ``vmap`` over the tangents, and
    ``check_batched_grad`` the vector-Jacobian products of a batch of cotangents under
    ``vmap`` against one backward each; ``check_backward_ad=False`` skips the reverse check.

    Example::

        x = gpuad.tensor(np.random.rand(3), requires_grad=True)
        gpuad.autograd.gradcheck(lambda x: gnp.sin(x) * x, (x,))
    """
    inputs = _tupled(inputs)
    diff_idx = [i for i, a in enumerate(inputs) if isinstance(a, Tensor) and a.requires_grad]
    if not diff_idx:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but "
            "none of them have requires_grad=True"
        )
    for i in diff_idx:
        x = inputs[i]
        if x.dtype.kind == "c":
            raise NotImplementedError(
                f"gradcheck: input {i} is complex ({x.dtype}); complex "
                f"gradients are checked by gpuad.testing.check_grads"
            )
        if x.dtype != np.float64:
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating "
                f"point ({x.dtype}); the check is likely to fail from rounding",
                stacklevel=2,
            )
    if not (check_backward_ad or check_forward_ad):
        raise ValueError("gradcheck: Expected at least one of check_forward_ad or "
                         "check_backward_ad to be True (both are False: nothing to check)")
    if check_batched_forward_grad and not check_forward_ad:
        raise ValueError("gradcheck: check_batched_forward_grad needs check_forward_ad=True")
    with _state.enable_grad():
        # (a view whose base was written since it was made takes the base's history now)
        outs = tuple(engine.current(o) for o in _tupled(func(*inputs)))
    tensors = [(j, o) for j, o in enumerate(o for o in outs if isinstance(o, Tensor))]
    for j, o in tensors:
        if o.dtype.kind == "c":
            raise NotImplementedError(
                f"gradcheck: output {j} is complex ({o.dtype}); complex "
                f"gradients are checked by gpuad.testing.check_grads"
            )
    diff = [inputs[i] for i in diff_idx]
    kinds = [(tuple(o.shape), o.dtype) for _, o in tensors]
    numerical = {i: _numerical(func, inputs, i, eps, kinds) for i in diff_idx}
    if check_backward_ad:
        for j, o in tensors:
            if o.requires_grad:
                analytical = _analytical(o, diff)
            else:
                analytical = [np.zeros((o.size, x.size)) for x in diff]
            for k, i in enumerate(diff_idx):
                n, a = numerical[i][j], analytical[k]
                what = ("Jacobian mismatch" if o.requires_grad else
                        "Numerical gradient for a function expected to be zero (its output "
                        "does not require grad) is not zero")
                if not _compare(what, j, i, n, a, rtol, atol, raise_exception):
                    return False
            if o.requires_grad and not _reentrant(o, diff, analytical, j, nondet_tol,
                                                  raise_exception):
                return False
        if not _mul_by_grad_output([o for _, o in tensors if o.requires_grad], diff,
                                   raise_exception):
            return False
        if check_batched_grad and not _check_batched_grad(func, inputs, diff_idx, atol, rtol,
                                                          raise_exception):
            return False
    if check_forward_ad:
        for i in diff_idx:
            fwd = _forward(func, inputs, i)
            for j, _ in tensors:
                if not _compare("Jacobian computed with forward mode mismatch", j, i,
                                numerical[i][j], fwd[j], rtol, atol, raise_exception):
                    return False
            if check_batched_forward_grad:
                try:
                    batched = _batched_forward(func, inputs, i)
                except Exception as e:
                    return _fail(f"While computing batched forward gradients (vmap over the "
                                 f"tangents) for input {i}, got: {e}", raise_exception)
                for j, _ in tensors:
                    if not _compare("Batched forward Jacobian mismatch", j, i, fwd[j], batched[j],
                                    rtol, atol, raise_exception):
                        return False
    return True


def gradgradcheck(
    func: Callable,
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """Check second derivatives as ``torch.autograd.gradgradcheck``: :func:`gradcheck` of
    ``(inputs, grad_outputs) -> grad(func(inputs), inputs, grad_outputs, create_graph=True)``.
    ``grad_outputs`` default to fixed random values. ``check_fwd_over_rev=True`` checks
    forward mode over that first derivative too (``check_rev_over_rev=False``: only it).

    Example: ``gpuad.autograd.gradgradcheck(lambda x: gnp.sin(x) * x, (x,))``
    """
    inputs = _tupled(inputs)
    with _state.enable_grad():
        outs = [o for o in map(engine.current, _tupled(func(*inputs)))
                if isinstance(o, Tensor) and o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            Tensor(
                engine._rules._xp(o._data).asarray(rng.standard_normal(o.shape)).astype(o.dtype),
                requires_grad=True,
            )
            for o in outs
        )
    grad_outputs = _tupled(grad_outputs)
    if len(grad_outputs) != len(outs):
        raise ValueError(
            f"gradgradcheck: {len(grad_outputs)} grad_outputs for {len(outs)} "
            f"differentiable outputs"
        )
    n = len(grad_outputs)
    diff_idx = [i for i, a in enumerate(inputs) if isinstance(a, Tensor) and a.requires_grad]
    if not (check_rev_over_rev or check_fwd_over_rev):
        return True

    def first_derivative(*args: Any) -> tuple:
        xs, gos = args[: len(args) - n], args[len(args) - n :]
        # the forward-mode check passes inputs that do not require grad: the reverse sweep
        # below needs them to (torch's gradgradcheck restores the flag too)
        xs = tuple(x.requires_grad_() if k in diff_idx and isinstance(x, Tensor) and
                   not x.requires_grad and x.is_leaf else x for k, x in enumerate(xs))
        ys = [o for o in map(engine.current, _tupled(func(*xs)))
              if isinstance(o, Tensor) and o.requires_grad]
        gs = grad(ys, [xs[i] for i in diff_idx], list(gos), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(
        first_derivative,
        inputs + grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        nondet_tol=nondet_tol,
        check_undefined_grad=check_undefined_grad,
        check_grad_dtypes=check_grad_dtypes,
        check_batched_grad=check_batched_grad,
        check_forward_ad=check_fwd_over_rev,
        check_backward_ad=check_rev_over_rev,
        fast_mode=fast_mode,
        masked=masked,
    )
