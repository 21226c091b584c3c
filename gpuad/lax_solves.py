"""Implicitly differentiated solvers with ``jax.lax``'s names: ``custom_root`` and
``custom_linear_solve``.

The forward runs the user's solver (any iteration, any number of steps); derivatives do not
go through its iterations but through the equation it solves:

- ``custom_linear_solve(matvec, b, solve)`` returns ``x`` with ``A x = b`` (``A`` the linear
  map ``matvec``). Forward mode: ``x' = A^{-1} (b' - A' x)``; reverse mode: ``b_bar =
  A^{-T} x_bar`` (``transpose_solve`` on the transposed map, or ``solve`` again when
  ``symmetric``) and the values ``matvec`` reads by closure get ``-(d(A x)/d theta)^T b_bar``.
  Both rules call the solvers again through this same function, so every order of
  derivative is exact.
- ``custom_root(f, guess, solve, tangent_solve)`` returns ``x`` with ``f(x) = 0``. Forward
  mode is the implicit function theorem, ``x' = -tangent_solve(J, df/dtheta theta')`` with
  ``J`` the linearisation of ``f`` at ``x``; reverse mode transposes that rule (so
  ``tangent_solve`` must be linear in its right-hand side, as in JAX).

The values the functions read without receiving them (a matrix ``matvec`` closes over, the
parameters of ``f``) are found as :func:`gpuad.closure_convert` finds them. Those of
``solve``, ``transpose_solve`` and ``tangent_solve`` are constants of the solution, as in JAX:
the solution's derivative comes from ``matvec`` and ``f`` alone.

Example::

    def sqrt3(x):                      # sqrt(x ** 3), differentiable through the root
        f = lambda y: y ** 2 - x ** 3
        return gpuad.lax.custom_root(f, 1.0, newton, lambda g, y: y / g(1.0))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import _state
from .closure import closure_convert
from .custom import _call_impl, _constant, _raw, custom_jvp
from .tensor import Tensor
from .tree import tree_flatten, tree_map, tree_structure, tree_unflatten

__all__ = ["custom_root", "custom_linear_solve"]


def _describe(tree: Any) -> str:
    leaves, tdef = tree_flatten(tree)
    shapes = [tuple(getattr(_raw(x), "shape", ())) for x in leaves]
    return f"{tree_unflatten(tdef, ['*'] * len(leaves))!r} with leaf shapes {shapes}"


def _check_tree(fn: str, ref_name: str, ref: Any, out: Any, shapes: bool = True) -> None:
    """``out`` has ``ref``'s pytree structure (TypeError) and leaf shapes (ValueError)."""
    if tree_structure(out) != tree_structure(ref):
        raise TypeError(
            f"{fn} output pytree structure must match {ref_name}, got {_describe(out)} for "
            f"{_describe(ref)}")
    if shapes:
        for a, b in zip(tree_flatten(out)[0], tree_flatten(ref)[0], strict=True):
            sa, sb = tuple(getattr(_raw(a), "shape", ())), tuple(getattr(_raw(b), "shape", ()))
            if sa != sb:
                raise ValueError(
                    f"{fn} output shapes must match {ref_name}, got {_describe(out)} for "
                    f"{_describe(ref)}")


def _detached(fun: Callable, example: tuple) -> Callable:
    """``fun`` with the differentiated values it reads by closure made constants: the
    solvers' own derivatives are never taken (the solution's come from the equation)."""
    conv, consts = closure_convert(fun, *example)
    if not consts:
        return fun
    fixed = [_constant(c) for c in consts]
    return lambda *args: conv(*args, *fixed)


def _note_reads(values: Any) -> None:
    """Inside a checkpointed block's unrecorded pass, the differentiated values the solve's
    derivative reads (``matvec``'s or ``f``'s closure) are told to the block: ``solve`` need
    not touch them, and a block that never heard of them gave them a zero gradient."""
    if _state.local.__dict__.get("collect") is None or _state.local.grad_enabled:
        return
    from .engine import edge_of

    for t in tree_flatten(values)[0]:
        if isinstance(t, Tensor) and t.requires_grad:
            _state.note_read(edge_of(t), t)


def _split_aux(fn: str, out: Any, has_aux: bool) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple | list) and len(out) == 2):
        raise TypeError(f"{fn} with has_aux=True must return a pair (solution, aux), got "
                        f"{type(out).__name__}")
    return out[0], out[1]


def _stopped(aux: Any) -> Any:
    """Auxiliary outputs carry no derivative (JAX stops their gradient)."""
    return tree_map(lambda a: _constant(a) if isinstance(a, Tensor) else a, aux)


def _as_array(a):
    import gpuad.numpy as gnp

    return a if hasattr(a, "shape") else gnp.asarray(a)


def _is_complex(a) -> bool:
    return getattr(getattr(_raw(a), "dtype", None), "kind", "") == "c"


def _conj_tree(tree: Any) -> Any:
    import gpuad.numpy as gnp

    return tree_map(lambda a: gnp.conj(a) if _is_complex(a) else a, tree)


def _zeros_like_tree(tree: Any) -> Any:
    import gpuad.numpy as gnp

    return tree_map(lambda a: gnp.zeros_like(a), tree)


# ---- custom_linear_solve ---------------------------------------------------------------------

class _Solve:
    """``x = solve(matvec_theta, b)`` for one linear system, on the flat vector of ``b``'s
    leaves; ``theta`` are the values ``matvec`` reads by closure, passed explicitly."""

    def __init__(self, mv: Callable, solve: Callable, tsolve: Callable | None,
                 symmetric: bool, unravel: Callable, like: Any, name: str):
        self.mv, self.solve, self.tsolve = mv, solve, tsolve
        self.symmetric, self.unravel, self.like = symmetric, unravel, like
        self.__name__ = name
        self.aux = None
        self._transposed: _LinearSolve | None = None
        self.op: _LinearSolve | None = None

    def matvec(self, x_flat, *theta):
        """``A x`` on flat vectors."""
        return _ravel(self.mv(self.unravel(x_flat), *theta))

    def __call__(self, b_flat, *theta):
        mv = self.mv
        const = [_constant(t) for t in theta]
        out = self.solve(lambda v: mv(v, *const), self.unravel(b_flat))
        x, self.aux = _split_aux(f"{self.__name__}()", out, self.op.has_aux)
        _check_tree(f"{self.__name__}()", "b", self.like, x)
        return _ravel(x)


def _ravel(tree: Any):
    import gpuad.numpy as gnp

    leaves = tree_flatten(tree)[0]
    if len(leaves) == 1:
        return gnp.reshape(leaves[0], (-1,))
    return gnp.concatenate([gnp.reshape(a, (-1,)) for a in leaves])


class _LinearSolve(custom_jvp):
    """The differentiable solve ``(b, *theta) -> x`` of one :class:`_Solve`: forward mode by
    its jvp rule, reverse mode by its own transpose (never by transposing the jvp rule, which
    would differentiate the solver's iterations)."""

    own_vjp = True

    def __init__(self, s: _Solve, has_aux: bool):
        s.op = self
        self.has_aux = has_aux
        super().__init__(s)
        self.rule = _LSOLVE
        self.defjvp(self._jvp)

    def _jvp(self, primals, tangents):
        from .transforms import jvp

        b, *theta = primals
        db, *dtheta = tangents
        s: _Solve = self.fun
        x = self(b, *theta)
        rhs = db
        if theta:
            ax = jvp(lambda *th: s.matvec(x, *th), tuple(theta), tuple(dtheta))[1]
            rhs = rhs - ax
        return x, self(rhs, *theta)

    def __call__(self, *args: Any) -> Any:
        x = super().__call__(*args)
        n = x._node if isinstance(x, Tensor) else None
        if n is not None and n.rule is _LSOLVE and n.saved is not None and n.saved[0] is None:
            # the solution is saved as the step's output: reverse mode reads it (as a value
            # of this step, so that a second derivative sees its dependence on theta)
            n.saved[0] = (x._data, x._ver, x._ver[0], None, None, False)
            if _state.saved_hooks_open[0]:
                from .saved_hooks import pack_node

                pack_node(n)  # (the other slots are packed already)
        return x

    def transposed(self) -> _LinearSolve:
        """The solve of the transposed system ``A^T y = c``, with the same ``theta``."""
        s: _Solve = self.fun
        if s.symmetric:
            return self
        if s._transposed is None:
            if s.tsolve is None:
                raise TypeError(
                    "custom_linear_solve: transpose_solve required for backwards mode "
                    "automatic differentiation (reverse mode: grad, vjp, jacrev) of a "
                    "non-symmetric system; pass transpose_solve=, or symmetric=True when "
                    "matvec is symmetric, or use forward mode (jvp, jacfwd)")
            from .transforms import vjp

            mv, zero = s.mv, _zeros_like_tree(s.like)

            def vecmat(u, *theta):
                # A^T u; gpuad's cotangents of complex values are conjugated (A^H u)
                return _conj_tree(vjp(lambda v: mv(v, *theta), zero)[1](_conj_tree(u))[0])

            t = _Solve(vecmat, s.tsolve, s.solve, False, s.unravel, s.like,
                       "transpose_solve")
            s._transposed = _LinearSolve(t, self.has_aux)
            t._transposed = self
        return s._transposed


def _lsolve_vjp(g, ans, inputs, params, need):
    """Reverse mode of one linear solve: ``b_bar = A^{-T} g``, ``theta_bar = -(dA/dtheta
    x)^T b_bar``, both through differentiable calls (solves of their own)."""
    from .transforms import vjp

    op: _LinearSolve = params["fun"].op
    full = list(params["args"])
    for k, pos in enumerate(params["arr_pos"]):
        full[pos] = inputs[k]
    raw = not isinstance(g, Tensor) and not any(isinstance(x, Tensor) for x in inputs)
    graph = not raw and (_state.local.grad_enabled or any(
        isinstance(v, Tensor) and v._tan for v in (g, ans, *inputs)))
    with (_state.enable_grad() if graph else _state.no_grad()):
        if raw:
            g = Tensor(g)
        full = [Tensor(a) if raw and hasattr(a, "shape") else a for a in full]
        tangents = any(isinstance(v, Tensor) and v._tan for v in full)
        # the saved solution has no tangents: under forward mode it is solved again
        x = ans if ans is not None and not tangents else op(full[0], *full[1:])
        if raw and not isinstance(x, Tensor):
            x = Tensor(x)
        theta = full[1:]
        if _is_complex(g) or _is_complex(x):
            # the cotangent of b is A^{-H} g (complex cotangents are conjugated): the
            # transposed solve applied to conj(g), conjugated
            import gpuad.numpy as gnp

            lam = gnp.conj(op.transposed()(gnp.conj(g), *theta))
        else:
            lam = op.transposed()(g, *theta)
        cts = [lam] + [None] * len(theta)
        want = [p for p in params["arr_pos"] if p > 0]
        if want:
            s: _Solve = params["fun"]
            idx = [p - 1 for p in want]

            def part(*th):
                args = list(theta)
                for i, t in zip(idx, th, strict=True):
                    args[i] = t
                return s.matvec(x, *args)

            back = vjp(part, *[theta[i] for i in idx])[1](-lam)
            for p, c in zip(want, back, strict=True):
                cts[p] = c
    out = [cts[p] for p in params["arr_pos"]]
    if raw:
        out = [None if c is None else _raw(c) for c in out]
    return out


def custom_linear_solve(matvec: Callable, b: Any, solve: Callable,
                        transpose_solve: Callable | None = None, symmetric: bool = False,
                        has_aux: bool = False) -> Any:
    """``x`` solving ``matvec(x) == b`` with ``solve(matvec, b)``, differentiated implicitly
    (``jax.lax.custom_linear_solve``).

    ``matvec`` must be linear; ``b`` and ``x`` are pytrees of one structure. Derivatives flow
    to ``b`` and to the values ``matvec`` reads by closure, never through the iterations of
    ``solve``. Reverse mode needs ``transpose_solve(vecmat, c)`` (solving the transposed
    system) unless ``symmetric``. With ``has_aux``, ``solve`` returns ``(x, aux)`` and so does
    this function (``aux`` carries no derivative).

    Example::

        x = custom_linear_solve(lambda v: a @ v, b,
                                solve=lambda mv, r: gnp.linalg.solve(a, r),
                                transpose_solve=lambda vm, r: gnp.linalg.solve(a.T, r))
    """
    from .flatten_util import ravel_pytree

    b_flat, unravel = ravel_pytree(b)
    conv, theta = closure_convert(matvec, b)
    _note_reads((theta, b))
    mv = conv if theta else (lambda v: matvec(v))
    s_solve = _detached(solve, (matvec, b))
    s_tsolve = None if transpose_solve is None else _detached(transpose_solve, (matvec, b))
    like = tree_map(lambda a: _raw(a) if isinstance(a, Tensor) else a, b)
    s = _Solve(mv, s_solve, s_tsolve, symmetric, unravel, like, "solve")
    op = _LinearSolve(s, has_aux)
    _check_matvec_shapes(s, b_flat, theta)
    x = unravel(op(b_flat, *theta))
    if has_aux:
        return x, _stopped(s.aux)
    return x


def _check_matvec_shapes(s: _Solve, b_flat, theta) -> None:
    import gpuad.numpy as gnp

    # in the caller's grad mode, on constants: an output still being differentiated read a
    # value closure_convert could not find
    out = s.mv(s.unravel(gnp.zeros_like(_raw(b_flat))), *[_constant(t) for t in theta])
    _refuse_missed("custom_linear_solve", "matvec", out)
    _check_tree("matvec()", "b", s.like, out)


def _refuse_missed(fn: str, what: str, out: Any) -> None:
    """Refuse an output of ``what`` that depends on a differentiated value not among the
    values hoisted from its closure: its derivative would silently go through the solver's
    iterations (or be lost) instead of the implicit rule."""
    from .engine import GradError

    for leaf in tree_flatten(out)[0]:
        if isinstance(leaf, Tensor) and (leaf.requires_grad or leaf._tan):
            raise GradError(
                f"{fn}: {what} reads a value being differentiated that is not among the values "
                f"found in its closure (closure cells, defaults, the globals it names, the "
                f"attributes of the objects it holds and their classes' methods), so its "
                f"derivative could not be the implicit one. Hold the value in a closure "
                f"variable or an instance attribute (not a class attribute or a container "
                f"gpuad cannot look into), or pass it as an argument")


# ---- custom_root ------------------------------------------------------------------------------

class _Root:
    def __init__(self, f: Callable, solve: Callable, has_aux: bool):
        self.f, self.solve, self.has_aux = f, solve, has_aux
        self.__name__ = "custom_root"
        self.aux = None

    def __call__(self, guess, *theta):
        f = self.f
        const = [_constant(t) for t in theta]
        out = self.solve(lambda x: f(x, *const), tree_map(_as_array, guess))
        x, self.aux = _split_aux("solve()", out, self.has_aux)
        _check_tree("solve()", "initial_guess", guess, x)
        # arrays: a Python number returned (the guess itself) is a root all the same, and
        # must carry the root's derivative
        return tree_map(_as_array, x)


def custom_root(f: Callable, initial_guess: Any, solve: Callable, tangent_solve: Callable,
                has_aux: bool = False) -> Any:
    """A root ``x`` of ``f`` (``f(x) == 0``) found by ``solve(f, initial_guess)``,
    differentiated by the implicit function theorem (``jax.lax.custom_root``).

    ``tangent_solve(g, y)`` solves the linear system ``g(x) == y`` (``g`` is ``f``
    linearised at the root); it must be linear in ``y``. For a scalar: ``lambda g, y: y /
    g(1.0)``; for a vector: ``lambda g, y: gnp.linalg.solve(gpuad.jacobian(g)(y), y)``.
    Derivatives flow to the values ``f`` reads by closure; the initial guess and the values
    ``solve`` reads get none. With ``has_aux``, ``solve`` returns ``(x, aux)`` and so does
    this function.

    Example::

        f = lambda y: y ** 2 - a            # a: a differentiated value
        x = custom_root(f, 1.0, newton, lambda g, y: y / g(1.0))   # sqrt(a), d/da exact
    """
    from .transforms import jvp

    conv, theta = closure_convert(f, initial_guess)
    _note_reads(theta)
    fc = conv if theta else (lambda x: f(x))
    # once, on constants, in the caller's grad mode: its structure, and an output still
    # being differentiated read a value closure_convert could not find
    out = fc(tree_map(_constant, initial_guess), *[_constant(t) for t in theta])
    _check_tree("f()", "initial_guess", initial_guess, out, shapes=False)
    _refuse_missed("custom_root", "f", out)
    r = _Root(fc, _detached(solve, (f, initial_guess)), has_aux)
    t_solve = _detached(tangent_solve, (f, initial_guess))
    op = custom_jvp(r)

    def rule(primals, tangents):
        guess, *th = primals
        _, *dth = tangents
        x = op(guess, *th)
        if th:
            rhs = jvp(lambda *p: fc(x, *p), tuple(th), tuple(dth))[1]
        else:
            rhs = _zeros_like_tree(fc(x))

        def lin(v):
            return jvp(lambda y: fc(y, *th), (x,), (v,))[1]

        dx = t_solve(lin, rhs)
        _check_tree("tangent_solve()", "initial_guess", x, dx)
        return x, tree_map(lambda a: -a, dx)

    op.defjvp(rule)
    x = op(initial_guess, *theta)
    if has_aux:
        return x, _stopped(r.aux)
    return x


from .prims.core import register  # noqa: E402
from .rules import Primitive  # noqa: E402

# the forward, as custom_jvp's, reruns the solve from the step's params
_LSOLVE = register(Primitive("custom_linear_solve", impl=_call_impl, vjp=_lsolve_vjp))
