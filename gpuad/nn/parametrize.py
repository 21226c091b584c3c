"""Parametrized tensors of modules, as ``torch.nn.utils.parametrize``, and the
parametrizations ``weight_norm`` and ``spectral_norm`` of ``torch.nn.utils.parametrizations``
(also ``gpuad.nn.utils.parametrize`` and ``gpuad.nn.utils.parametrizations``).

``register_parametrization(m, "weight", P())`` moves ``m.weight`` to
``m.parametrizations.weight.original`` (or ``original0``, ``original1``, ... when
``P.right_inverse`` returns a tuple) and makes ``m.weight`` a property computing ``P()(original)``
at each read, recorded as any other op: gradients reach the originals, which optimisers,
``state_dict`` (``parametrizations.weight.original``) and ``functional_call`` see as
parameters. Example::

    from gpuad.nn.utils.parametrizations import weight_norm
    lin = weight_norm(nn.Linear(3, 4))   # lin.parametrizations.weight.original0 is g
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .. import numpy as gnp
from .._raw import data
from .._state import no_grad
from ..tensor import Tensor
from .modules import Module, Parameter

__all__ = ["ParametrizationList", "register_parametrization", "is_parametrized",
           "remove_parametrizations", "cached", "type_before_parametrizations",
           "transfer_parametrizations_and_params", "weight_norm", "spectral_norm",
           "orthogonal"]

# torch's parametrize._cache: while a cached() block is open, each (module, name) is computed
# at its first read and that Tensor is returned at the later ones
_CACHE: dict = {"depth": 0, "values": {}}


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """``torch.nn.utils.parametrize.cached()``: inside the block each parametrized tensor is
    computed once, at its first read, and later reads return the same Tensor (so a forward
    that reads ``m.weight`` several times runs the parametrization once); the values are
    dropped when the outermost block exits.

    Example: ``with parametrize.cached(): y = model(x)``
    """
    _CACHE["depth"] += 1
    try:
        yield
    finally:
        _CACHE["depth"] -= 1
        if not _CACHE["depth"]:
            _CACHE["values"].clear()


class ParametrizationList(Module):
    """The parametrizations of one tensor (submodules ``0``, ``1``, ...) and its original
    value(s): ``original``, or ``original0``, ``original1``, ... Calling it gives the value."""

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False,
                 is_buffer: bool = False):
        self.unsafe = unsafe
        self.is_buffer = is_buffer  # the original(s) are buffers, as the tensor was
        self._count = 0
        for m in modules:
            self.append(m)
        with no_grad():
            new = original
            for m in reversed(modules):
                inverse = getattr(m, "right_inverse", None)
                try:
                    new = new if inverse is None else inverse(new)
                except NotImplementedError:  # the original is kept as it is, as torch
                    pass
        self.is_tensor = not isinstance(new, tuple | list)
        if self.is_tensor:
            if _dtype(new) != _dtype(original):
                raise ValueError(
                    f"register_parametrization: when right_inverse outputs one tensor it may "
                    f"not change the dtype (original {_dtype(original)}, right_inverse(original) "
                    f"{_dtype(new)})")
            kept = _as_original(original, new)
            if is_buffer:
                self.register_buffer("original", kept if kept is original else _data(kept))
            else:
                self.original = kept
        else:
            self.ntensors = len(new)
            for k, v in enumerate(new):
                if is_buffer:
                    self.register_buffer(f"original{k}", _data(v).copy())
                else:
                    setattr(self, f"original{k}", Parameter(_data(v), original.requires_grad))

    def append(self, module: Module) -> None:
        setattr(self, str(self._count), module)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, k: int) -> Module:
        return getattr(self, str(range(self._count)[k]))

    def right_inverse(self, value: Any) -> None:
        """Set the originals so that the parametrized value is ``value`` (``m.weight = v``)."""
        with no_grad():
            for k in reversed(range(self._count)):
                inverse = getattr(self[k], "right_inverse", None)
                if inverse is None:
                    raise RuntimeError(
                        f"parametrization {type(self[k]).__name__} has no right_inverse, so the "
                        f"parametrized tensor cannot be assigned")
                value = inverse(value)
            if self.is_tensor:
                if isinstance(value, tuple | list):
                    raise ValueError("right_inverse must return a single tensor here")
                _write(self.original, value)
            else:
                if not isinstance(value, tuple | list) or len(value) != self.ntensors:
                    raise ValueError(f"right_inverse must return {self.ntensors} tensors")
                for k, v in enumerate(value):
                    _write(getattr(self, f"original{k}"), v)

    def forward(self) -> Any:
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{k}") for k in range(self.ntensors)))
        for k in range(1, self._count):
            x = self[k](x)
        return x


def _data(v: Any) -> Any:
    return data(v) if isinstance(v, Tensor) else data(gnp.asarray(v))


def _as_original(original: Tensor, new: Any) -> Tensor:
    """The original Parameter itself holding ``new`` where the shapes allow (an optimiser
    built before keeps stepping it), as torch's ``set_``."""
    if tuple(getattr(new, "shape", ())) == tuple(original.shape) and new is not original:
        with no_grad():
            original[...] = _data(new)
        return original
    if new is original:
        return original
    return Parameter(_data(new), original.requires_grad)


def _dtype(v: Any) -> Any:
    return np.dtype(v.dtype) if hasattr(v, "dtype") else np.dtype(gnp.asarray(v).dtype)


def _write(target: Tensor, value: Any) -> None:
    if _dtype(value) != _dtype(target):
        raise ValueError(f"parametrize: the tensor returned by right_inverse has dtype "
                         f"{_dtype(value)} while the original has dtype {_dtype(target)}")
    shape = tuple(getattr(value, "shape", ()))
    if shape != tuple(target.shape):
        raise ValueError(f"parametrize: the new original has shape {shape}, the original "
                         f"{tuple(target.shape)}")
    target[...] = _data(value)


def _property(name: str) -> property:
    def get(self: Module) -> Any:
        if not _CACHE["depth"]:
            return self.parametrizations[name]()
        key = (id(self), name)
        if key not in _CACHE["values"]:
            _CACHE["values"][key] = self.parametrizations[name]()
        return _CACHE["values"][key]

    def put(self: Module, value: Any) -> None:
        self.parametrizations[name].right_inverse(value)

    return property(get, put)


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` the value of ``parametrization`` applied to an original
    tensor (its ``right_inverse`` of the current value, when it has one), as torch's; a second
    registration on the same name chains after the first. Returns ``module``.

    Example: ``register_parametrization(lin, "weight", Symmetric())``
    """
    from .containers import ModuleDict

    if not isinstance(parametrization, Module):
        raise TypeError(f"register_parametrization: expected a Module, got "
                        f"{type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        if not unsafe:
            with no_grad():
                current = getattr(module, tensor_name)
                _check_same(parametrization, current, parametrization(current), "the value "
                            "it is chained after")
        parametrization.train(module.training)
        module.parametrizations[tensor_name].append(parametrization)
        module.parametrizations[tensor_name].unsafe |= unsafe
        return module
    original = module.__dict__.get(tensor_name)
    if not isinstance(original, Tensor):
        raise ValueError(f"register_parametrization: module {type(module).__name__} has no "
                         f"parameter or buffer {tensor_name!r}")
    _refuse_uninitialized("register_parametrization", module, tensor_name, original)
    buffers = module.__dict__.get("_buffer_names", [])
    parametrization.train(module.training)  # as torch's: an eval model stays in eval
    plist = ParametrizationList([parametrization], original, unsafe=unsafe,
                                is_buffer=tensor_name in buffers)
    plist.training = module.training
    if not unsafe:
        with no_grad():
            _check_same(parametrization, original, plist(), "the tensor it parametrizes")
    if tensor_name in buffers:  # now held as parametrizations.<name>.original
        buffers.remove(tensor_name)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        module.parametrizations = ModuleDict()
        cls = type(module)
        module.__class__ = type(f"Parametrized{cls.__name__}", (cls,),
                                {"_unparametrized": cls, "_upgrade_state": _upgrade_state,
                                 "__getstate__": _refuse_pickle, "__deepcopy__": _deepcopy})
    module.parametrizations[tensor_name] = plist
    setattr(type(module), tensor_name, _property(tensor_name))
    return module


def _refuse_pickle(self: Module) -> dict:
    """A parametrized module's class is made on the fly: pickle refuses it, as torch's."""
    raise RuntimeError(
        f"pickle: a parametrized module ({type(self).__name__}) can only be saved through "
        f"state_dict(): save model.state_dict() and load it into a model built and "
        f"parametrized the same way (as torch)")


def _deepcopy(self: Module, memo: dict) -> Module:
    new = object.__new__(type(self))
    memo[id(self)] = new
    new.__dict__.update(copy.deepcopy(self.__dict__, memo))
    return new


def _upgrade_state(self: Module, state: dict, prefix: str) -> dict:
    """A state_dict of the hook-based ``weight_norm`` (``<name>_g``, ``<name>_v``) loaded into
    the parametrized one: the keys renamed to ``parametrizations.<name>.original0``/``1``, as
    torch's ``_weight_norm_compat_hook``."""
    renamed = None
    for name, plist in self.parametrizations.items():
        if len(plist) != 1 or not isinstance(plist[0], _WeightNorm):
            continue
        g, v = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g in state and v in state:
            renamed = dict(state) if renamed is None else renamed
            base = f"{prefix}parametrizations.{name}."
            renamed[base + "original0"] = renamed.pop(g)
            renamed[base + "original1"] = renamed.pop(v)
    return state if renamed is None else renamed


def _check_same(parametrization: Module, before: Any, after: Any, what: str) -> None:
    """torch's registration check: without ``unsafe=True`` a parametrization keeps the shape
    and dtype of its input (it is evaluated once to see)."""
    name = type(parametrization).__name__
    if not isinstance(after, Tensor) and not hasattr(after, "shape"):
        raise ValueError(f"register_parametrization: {name} must return a tensor, got "
                         f"{type(after).__name__}")
    if tuple(after.shape) != tuple(before.shape) or after.dtype != before.dtype:
        raise ValueError(
            f"register_parametrization: {name} changes the shape or dtype of {what} "
            f"({tuple(before.shape)} {before.dtype} -> {tuple(after.shape)} {after.dtype}); "
            f"pass unsafe=True to allow it")


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` (or its ``tensor_name``) has a parametrization.
    Example: ``is_parametrized(lin, "weight")``"""
    p = module.__dict__.get("parametrizations")
    if p is None:
        return False
    return tensor_name is None or tensor_name in p


def remove_parametrizations(module: Module, tensor_name: str,
                            leave_parametrized: bool = True) -> Module:
    """Undo ``register_parametrization``: ``module.<tensor_name>`` becomes a Parameter again,
    holding the parametrized value (``leave_parametrized=True``) or the original (a single
    original only), as torch's. Example: ``remove_parametrizations(lin, "weight")``"""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"remove_parametrizations: module {type(module).__name__} has no "
                         f"parametrization on {tensor_name!r}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                value = getattr(module, tensor_name)
            if _dtype(value) != _dtype(original):
                raise RuntimeError(
                    f"remove_parametrizations: the parametrized {tensor_name!r} has dtype "
                    f"{_dtype(value)} but its original {_dtype(original)}; the value cannot be "
                    f"left in the original (pass leave_parametrized=False)")
            original = _as_original(original, value)
    else:
        if not leave_parametrized:
            raise ValueError("remove_parametrizations: leave_parametrized=False needs a single "
                             "original tensor")
        with no_grad():
            value = getattr(module, tensor_name)
        original = Tensor(_data(value)) if plist.is_buffer else Parameter(
            _data(value), plist.original0.requires_grad)
    if plist.is_buffer and isinstance(original, Parameter):
        original = Tensor(_data(original))
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    if not len(module.parametrizations):
        delattr(module, "parametrizations")
        module.__class__ = type(module)._unparametrized
    if plist.is_buffer:
        module.register_buffer(tensor_name, original)
    else:
        setattr(module, tensor_name, original)
    return module


def type_before_parametrizations(module: Module) -> type:
    """The class of ``module`` before any parametrization made it ``Parametrized<Class>``.
    Example: ``type_before_parametrizations(lin) is nn.Linear``"""
    return type(module)._unparametrized if is_parametrized(module) else type(module)


def transfer_parametrizations_and_params(from_module: Module, to_module: Module,
                                         tensor_name: str | None = None) -> Module:
    """Register ``from_module``'s parametrizations (of ``tensor_name``, or all) on
    ``to_module`` too, sharing the original Parameters (torch's ``set_``), as torch's; a
    tensor ``to_module`` lacks is created first. Returns ``to_module``.
    Example: ``transfer_parametrizations_and_params(lin, other_lin)``"""
    if not is_parametrized(from_module):
        return to_module
    names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
    for name in names:
        plist = from_module.parametrizations[name]
        if not isinstance(to_module.__dict__.get(name), Tensor) and not is_parametrized(
                to_module, name):
            with no_grad():
                setattr(to_module, name, Parameter(_data(getattr(from_module, name))))
        for k in range(len(plist)):
            register_parametrization(to_module, name, plist[k])
        target = to_module.parametrizations[name]
        if plist.is_tensor:
            target.original = plist.original
        else:
            for k in range(plist.ntensors):
                setattr(target, f"original{k}", getattr(plist, f"original{k}"))
    return to_module


# ---- torch.nn.utils.parametrizations ------------------------------------------------------


def _norm_except_dim(v: Any, dim: int) -> Any:
    if v.dtype.kind == "f" and v.dtype.itemsize < 4:  # half: accumulate in float32, as torch
        return _norm_except_dim(v.astype("float32"), dim).astype(v.dtype)
    if dim == -1:
        return gnp.sqrt(gnp.sum(v * v))
    axes = tuple(a for a in range(v.ndim) if a != dim)
    return gnp.sqrt(gnp.sum(v * v, axis=axes, keepdims=True))


class _WeightNorm(Module):
    def __init__(self, dim: int | None) -> None:
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Any, weight_v: Any) -> Any:
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight: Any) -> tuple:
        return _norm_except_dim(weight, self.dim), weight


def _refuse_uninitialized(op: str, module: Module, name: str, t: Tensor) -> None:
    """A lazy layer's placeholder has no shape yet: its norm would be of an empty array."""
    if getattr(t, "_uninitialized", False):
        raise ValueError(
            f"{op}: {type(module).__name__}.{name} is an uninitialized parameter of a lazy "
            f"layer (its shape is not known yet): call the module on an input first, as torch "
            f"requires (the module and its submodules have uninitialized parameters)")


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """``w = g * v / ||v||`` (the norm over every axis but ``dim``; ``dim=None``: the whole
    tensor) with ``g`` = ``parametrizations.<name>.original0`` and ``v`` = ``original1``, as
    ``torch.nn.utils.parametrizations.weight_norm``. Example: ``weight_norm(nn.Linear(3, 4))``
    """
    weight = getattr(module, name, None)
    if dim is not None and isinstance(weight, Tensor):
        if not -max(weight.ndim, 1) <= dim < max(weight.ndim, 1):
            raise IndexError(f"weight_norm: dim {dim} is out of range for a weight of "
                             f"{weight.ndim} dims")
        if dim < -1:
            dim += weight.ndim
    return register_parametrization(module, name, _WeightNorm(dim), unsafe=True)


def _normalize(x: Any, eps: float) -> Any:
    if x.dtype.kind == "f" and x.dtype.itemsize < 4:  # half: the norm in float32, as torch
        return _normalize(x.astype("float32"), eps).astype(x.dtype)
    return x / gnp.maximum(gnp.sqrt(gnp.sum(x * x)), eps)


class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int, dim: int, eps: float) -> None:
        ndim = weight.ndim
        if not -ndim <= dim < max(ndim, 1):
            raise IndexError(f"spectral_norm: dim {dim} is out of range for a weight of "
                             f"{ndim} dims")
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: n_power_iterations must be positive, got "
                             f"{n_power_iterations}")
        self.dim = dim % max(ndim, 1)
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            w = data(self._matrix(weight))
            h, wd = w.shape
            u = gnp.random.normal(size=(h,)).astype(w.dtype)
            v = gnp.random.normal(size=(wd,)).astype(w.dtype)
            self.register_buffer("_u", data(_normalize(u, eps)))
            self.register_buffer("_v", data(_normalize(v, eps)))
            self._power_method(w, 15)

    def _matrix(self, weight: Any) -> Any:
        if self.dim != 0:
            weight = gnp.moveaxis(weight, self.dim, 0)
        return gnp.reshape(weight, (weight.shape[0], -1))

    def _power_method(self, w: Any, n: int) -> None:
        with no_grad():
            w = data(w)
            for _ in range(n):
                self._u[...] = data(_normalize(gnp.matmul(w, self._v), self.eps))
                self._v[...] = data(_normalize(gnp.matmul(gnp.conj(w).T, self._u), self.eps))

    def forward(self, weight: Any) -> Any:
        if weight.ndim == 1:
            return _normalize(weight, self.eps)
        w = self._matrix(weight)
        if self.training:
            self._power_method(w, self.n_power_iterations)
        u, v = Tensor(data(self._u).copy()), Tensor(data(self._v).copy())
        sigma = gnp.sum(gnp.conj(u) * gnp.matmul(w, v))
        return weight / sigma

    def right_inverse(self, value: Any) -> Any:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """``w / sigma``, sigma the largest singular value of ``w`` (as a matrix with ``dim``
    first: by default 1 for the transposed convolutions, else 0) estimated by power
    iteration on the buffers ``parametrizations.<name>.0._u`` and ``_v`` (one step per
    call in training, none in evaluation), as ``torch.nn.utils.parametrizations.spectral_norm``;
    the starting vectors are drawn from ``gpuad.numpy.random``.
    Example: ``spectral_norm(nn.Linear(20, 40))``"""
    from .conv_layers import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"spectral_norm: module {type(module).__name__} has no parameter or "
                         f"buffer {name!r}")
    if dim is None:
        dim = 1 if isinstance(module, ConvTranspose1d | ConvTranspose2d | ConvTranspose3d) else 0
    return register_parametrization(module, name,
                                    _SpectralNorm(weight, n_power_iterations, dim, eps))


def _mT(x: Any) -> Any:
    return gnp.swapaxes(x, -1, -2)


def _make_orthogonal(a: Any) -> Any:
    """The Q of ``a = QR`` (``a`` tall) with R's diagonal made real and non-negative (the
    phase ``d / |d|`` of each diagonal entry moved into Q; complex ``a`` too)."""
    q, r = gnp.linalg.qr(a)
    d = gnp.diagonal(r, axis1=-2, axis2=-1)
    mag = gnp.abs(d)
    phase = gnp.where(mag == 0, 0, d / gnp.where(mag == 0, 1, mag))
    return q * gnp.expand_dims(phase, -2)


class _Orthogonal(Module):
    MAPS = ("matrix_exp", "cayley", "householder")

    def __init__(self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True):
        if weight.dtype.kind == "c" and orthogonal_map == "householder":
            raise ValueError("orthogonal: the householder map does not take complex tensors")
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        self.use_trivialization = use_trivialization
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x: Any) -> Any:
        from .. import linalg

        n, k = x.shape[-2:]
        transposed = n < k
        if transposed:
            x, n, k = _mT(x), k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            x = gnp.tril(x)
            if n != k:
                x = gnp.concatenate([x, gnp.zeros(x.shape[:-2] + (n, n - k), x.dtype)], axis=-1)
            a = x - gnp.conj(_mT(x))  # skew-symmetric (skew-Hermitian)
            if self.orthogonal_map == "matrix_exp":
                q = linalg.matrix_exp(a)
            else:  # the Cayley map (I + A/2)(I - A/2)^-1, solved as torch's
                eye = gnp.eye(n, dtype=a.dtype)
                q = gnp.linalg.solve(eye - 0.5 * a, eye + 0.5 * a)
            if n != k:
                q = q[..., :k]
        else:
            a = gnp.tril(x, -1)
            tau = 2.0 / (1.0 + gnp.sum(a * a, axis=-2))
            q = linalg.householder_product(a, tau)
            signs = data(gnp.diagonal(x, axis1=-2, axis2=-1)).astype(int)  # not differentiated
            q = q * gnp.expand_dims(Tensor(signs.astype(data(q).dtype)), -2)
        if self.use_trivialization:
            q = gnp.matmul(self.base, q)
        return _mT(q) if transposed else q

    def right_inverse(self, q: Any) -> Any:
        from .. import linalg

        with no_grad():
            q = q if isinstance(q, Tensor) else Tensor(gnp.asarray(q))
            if tuple(q.shape) != self.shape:
                raise ValueError(f"orthogonal: expected a matrix or batch of matrices of shape "
                                 f"{self.shape}, got {tuple(q.shape)}")
            q_init = q
            n, k = q.shape[-2:]
            transpose = n < k
            if transpose:
                q, n, k = _mT(q), k, n
            if not self.use_trivialization:
                if self.orthogonal_map != "householder":
                    raise NotImplementedError(
                        "orthogonal: assigning to the matrix_exp or cayley map needs "
                        "use_trivialization=True")
                a, tau = linalg.geqrf(q)
                d = gnp.sign(gnp.diagonal(a, axis1=-2, axis2=-1))
                d = gnp.where(tau == 0, -d, d)
                eye = gnp.eye(n, k, dtype=bool)
                a = gnp.where(eye, gnp.expand_dims(d, -2), a)
                return _mT(a) if transpose else a
            if n == k:
                eps = 10.0 * n * float(gnp.finfo(q.dtype).eps)
                gram = gnp.matmul(gnp.conj(_mT(q)), q)
                ortho = bool(gnp.allclose(gram, gnp.eye(k, dtype=q.dtype), atol=eps))
                q = Tensor(data(q).copy()) if ortho else _make_orthogonal(q)
            else:  # completed to a square orthogonal matrix with random columns, as torch
                extra = gnp.random.normal(size=tuple(q.shape[:-2]) + (n, n - k))
                q = _make_orthogonal(gnp.concatenate([q, extra.astype(q.dtype)], axis=-1))
            self.register_buffer("base", data(q))
            neg_eye = -gnp.eye(*q_init.shape[-2:], dtype=q_init.dtype)
            return Tensor(data(gnp.broadcast_to(neg_eye, q_init.shape)).copy())


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """An orthogonal (unitary) ``module.<name>`` (orthonormal columns if it is tall, rows if
    wide; a batch of matrices for more dims) by ``matrix_exp``, ``cayley`` or
    ``householder`` (the default: matrix_exp for square or complex matrices), with the base
    matrix of torch's dynamic trivialization (``parametrizations.<name>.0.base``), as
    ``torch.nn.utils.parametrizations.orthogonal``; a wide or tall weight is completed with
    columns drawn from ``gpuad.numpy.random`` (load torch's ``base`` for its numbers).
    Example: ``orthogonal(nn.Linear(20, 40))``"""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"orthogonal: module {type(module).__name__} has no parameter or "
                         f"buffer {name!r}")
    _refuse_uninitialized("orthogonal", module, name, weight)
    if weight.ndim < 2:
        raise ValueError(f"orthogonal: expected a matrix or batch of matrices, got a tensor of "
                         f"{weight.ndim} dimensions")
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.dtype.kind == "c" else "householder"
    if orthogonal_map not in _Orthogonal.MAPS:
        raise ValueError(f'orthogonal: orthogonal_map must be one of "matrix_exp", "cayley", '
                         f'"householder", got {orthogonal_map!r}')
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    return register_parametrization(module, name, orth, unsafe=True)
