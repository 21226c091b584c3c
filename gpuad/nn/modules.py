"""Layers as objects holding their parameters, in the style of ``torch.nn``."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from .. import numpy as gnp
from .._state import no_grad
from ..tensor import Tensor
from . import functional as F
from . import hooks as _hooks
from . import init
from .module_methods import ModuleMethods  # children, apply, to, double, ... (torch)

__all__ = [
    "Parameter", "Module", "Linear", "Sequential", "MLP", "Embedding", "LayerNorm", "Dropout",
    "MaxPool2d", "AvgPool2d", "Flatten", "ReLU", "LeakyReLU", "GELU", "SiLU", "Tanh",
    "Sigmoid", "Softplus", "MSELoss", "CrossEntropyLoss", "BCEWithLogitsLoss",
]


class Parameter(Tensor):
    """A leaf Tensor that a Module registers as a weight, under any attribute name.

    It requires grad unless ``requires_grad=False`` (a frozen weight: still listed by
    ``parameters()`` and ``state_dict()``, skipped by optimisers while it has no gradient).

    Example: ``self._scale = nn.Parameter(gnp.ones((3,)))``
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        if isinstance(data, Tensor):
            data = data.data
        super().__init__(gnp.asarray(data), requires_grad=requires_grad)


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` did not match: the module's names absent from the state and
    the state's names the module lacks (torch's ``_IncompatibleKeys``)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _is_parameter(v: Any) -> bool:
    """A Parameter, or any leaf Tensor that requires grad (``gpuad.tensor(a, requires_grad=True)``);
    results of recorded ops held by a module (cached activations) are not parameters."""
    return isinstance(v, Parameter) or (isinstance(v, Tensor) and v.requires_grad and v.is_leaf)


def _is_parameter_object(v: Any) -> bool:
    return isinstance(v, Parameter) or (isinstance(v, Tensor) and v.is_leaf)


#: counts attribute writes on every Module (gpuad.jit.signature recomputes a layer's key only
#: after one)
EPOCH = [0]


class Module(_hooks.HookMethods, _hooks.StateDictHookMethods, ModuleMethods):
    """Base class of layers: ``__call__`` runs ``forward``; parameters are found by type, under
    every attribute name (leading underscores included): Parameters and leaf Tensors that
    require grad, in Modules, and in lists, tuples and dicts (nested) of them.

    Example::

        class Affine(nn.Module):
            def __init__(self):
                self.w = nn.Parameter(gnp.ones((3,)))
            def forward(self, x):
                return x * self.w

        m = Affine(); m(x).sum().backward(); m.w.grad
    """

    training: bool = True

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        EPOCH[0] += 1  # (gpuad.jit keys a layer by its attributes: unchanged since)

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        EPOCH[0] += 1

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._hooks is None:  # hooks: gpuad/nn/hooks.py
            return self.forward(*args, **kwargs)
        return _hooks.call(self, args, kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.forward is not defined")

    def __getstate__(self) -> dict:
        # a tensor a forward pre-hook recomputes before each call (prune's masked weight,
        # weight_norm's and spectral_norm's normalised one) goes as plain values: a recorded
        # result is unpickled as a leaf that requires grad, which would list it as a parameter
        state = self.__dict__.copy()
        hooks = state.get("_hooks")
        for _, fn, _ in () if hooks is None else hooks.forward_pre:
            name = getattr(fn, "_recomputed_attr", None)
            if isinstance(state.get(name), Tensor) and not _is_parameter_object(state[name]):
                state[name] = Tensor(state[name]._data)
        return state

    # ---- traversal ----------------------------------------------------------------------
    def _members(self) -> Iterator[tuple[str, Any]]:
        for name, v in vars(self).items():
            yield from _walk(name, v)

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, Tensor) for every parameter, each once, in torch's order: each
        module's own parameters (in definition order), then its submodules' (so an optimiser's
        state and ``parameters_to_vector`` line up with torch's); ``remove_duplicate=False``
        lists a shared (tied) parameter under each of its names, as ``state_dict`` does;
        ``recurse=False``: this module's own only.

        Example: ``dict(model.named_parameters())["0.weight"]``
        """
        prefix = prefix + "." if prefix else ""  # torch's: prefix "enc" names "enc.0.weight"
        if not recurse:
            seen: set[int] = set()
            for name, v in self._members():
                if not isinstance(v, Module) and (not remove_duplicate or id(v) not in seen):
                    seen.add(id(v))
                    yield prefix + name, v
            return
        if remove_duplicate:
            yield from self._named_parameters(prefix, set(), set())
            return
        for path, m in self._named_modules(prefix, None):
            for name, v in m._members():
                if not isinstance(v, Module):
                    yield path + name, v

    def _named_parameters(self, prefix: str, visited: set[int],
                          seen: set[int]) -> Iterator[tuple[str, Tensor]]:
        # a module reachable twice (shared, or a cycle) is walked once; its own parameters
        # before its submodules', as torch's
        for path, m in self._named_modules(prefix, visited):
            for name, v in m._members():
                if not isinstance(v, Module) and id(v) not in seen:
                    seen.add(id(v))
                    yield path + name, v

    def parameters(self, recurse: bool = True) -> list[Tensor]:
        """Every Tensor requiring grad held by this module or its submodules (``recurse=False``:
        this module's own): a list that ``next()`` also steps through, as torch's generator
        (``next(model.parameters())``).

        Example: ``opt = gpuad.optim.Adam(model.parameters(), lr=1e-3)``
        """
        return _Parameters(p for _, p in self.named_parameters(recurse=recurse))

    def modules(self) -> Iterator[Module]:
        """This module and every submodule, depth first, each once.

        Example: ``[type(m).__name__ for m in model.modules()]``
        """
        yield from self._modules(set())

    def _modules(self, visited: set[int]) -> Iterator[Module]:
        visited.add(id(self))
        yield self
        for _, v in self._members():
            if isinstance(v, Module) and id(v) not in visited:
                yield from v._modules(visited)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop the accumulated ``.grad`` of every parameter; with ``set_to_none=False``, write
        zeros into it (torch's ``Module.zero_grad``)."""
        from ..optim.optimizer import zero_grads

        zero_grads(self.parameters(), set_to_none)

    def train(self, mode: bool = True) -> Module:
        """Set training mode (affects Dropout) here and in every submodule; returns self."""
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def add_module(self, name: str, module: Module | None) -> None:
        """Hold ``module`` under ``name``, as ``setattr(self, name, module)`` (torch's); in a
        ``Sequential`` it runs after the layers added before it.

        Example: ``blks.add_module("block0", EncoderBlock(...))``
        """
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"add_module: the name must be a non-empty string without '.', "
                           f"got {name!r}")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module")
        if name in vars(self) and not isinstance(vars(self)[name], Module | None):
            raise KeyError(f"add_module: attribute {name!r} already exists")
        setattr(self, name, module)

    register_module = add_module

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Hold ``tensor`` as state that is saved and loaded but not trained (BatchNorm's
        running statistics): a Tensor that requires no grad, listed by ``named_buffers`` and
        ``state_dict``; ``None`` registers the name without a value. ``persistent=False``
        (torch's): listed by ``named_buffers`` and moved by ``to``, but left out of
        ``state_dict`` and not expected by ``load_state_dict`` (values the module recomputes,
        such as rotary-embedding tables).

        Example: ``self.register_buffer("freqs_cos", gnp.cos(t), persistent=False)``
        """
        t = None if tensor is None else tensor if isinstance(tensor, Tensor) else Tensor(
            gnp.asarray(tensor))
        setattr(self, name, t)
        names = self.__dict__.setdefault("_buffer_names", [])
        if name not in names:
            names.append(name)
        transient = self.__dict__.setdefault("_non_persistent", set())
        if persistent:
            transient.discard(name)
        else:
            transient.add(name)

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, Tensor) for every registered buffer here and in submodules (those of
        a shared submodule under each of its names with ``remove_duplicate=False``).

        Example: ``dict(model.named_buffers())["bn.running_mean"]``
        """
        prefix = prefix + "." if prefix else ""
        for path, m in self._named_modules(prefix, set() if remove_duplicate else None):
            if not recurse and m is not self:
                continue
            for name in m.__dict__.get("_buffer_names", ()):
                b = getattr(m, name, None)
                if b is not None:
                    yield path + name, b

    def _named_modules(self, prefix: str, visited: set[int] | None,
                       path: tuple[int, ...] = ()) -> Iterator[tuple[str, Module]]:
        """Each submodule once (``visited``), or under each of its names (``visited=None``;
        ``path`` stops a cycle)."""
        if visited is not None:
            visited.add(id(self))
        yield prefix, self
        path = (*path, id(self))
        for name, v in self._members():
            if isinstance(v, Module) and id(v) not in (path if visited is None else visited):
                yield from v._named_modules(prefix + name + ".", visited, path)

    def state_dict(self, *, keep_vars: bool = False) -> dict[str, Any]:
        """{name: Tensor} of the parameters and buffers, as torch's: detached Tensors sharing
        memory and version with the module's own (``keep_vars=True``: those themselves), so a
        write into one (``sd["w"][...] = v``, ``sd["w"].copy_(v)``) bumps the parameter's
        version and a backward through values saved before it raises instead of silently
        using the new weights.

        Example: ``sd = model.state_dict(); sd["0.weight"].shape``
        """
        mods = [(path, m) for path, m in self._named_modules("", None)
                if "_sd_hooks" in m.__dict__]
        for path, m in mods:
            for fn in _hooks.state_dict_hooks(m, "state_dict_pre"):
                fn(m, path, keep_vars)
        # a lazy layer's placeholder stays itself, so loading it is refused by name
        out = {n: p.module.get_extra_state() if isinstance(p, _Extra)
               else p if keep_vars or getattr(p, "_uninitialized", False) else p.detach()
               for n, p in self._state_items("get_extra_state")}
        for path, m in reversed(mods):  # a submodule's hooks before its parent's, as torch
            for fn in _hooks.state_dict_hooks(m, "state_dict"):
                if fn(m, out, path, {}) is not None:
                    raise RuntimeError(f"state_dict post-hook {fn!r} of {type(m).__name__} "
                                       f"returned a value; edit the state_dict in place instead")
        return out

    def _state_items(self, extra: str | None = None) -> list[tuple[str, Any]]:
        # torch's order: each module's own parameters, then its buffers (then its extra
        # state: an _Extra marker for a module defining the method ``extra`` names), then its
        # submodules'; a tied parameter under each of its names
        items: list[tuple[str, Any]] = []
        for path, m in self._named_modules("", None):
            items += [(path + n, v) for n, v in m._members() if not isinstance(v, Module)]
            transient = m.__dict__.get("_non_persistent", ())
            for n in m.__dict__.get("_buffer_names", ()):
                b = getattr(m, n, None)
                if b is not None and n not in transient:
                    items.append((path + n, b))
            if extra is not None and hasattr(type(m), extra):
                items.append((path + "_extra_state", _Extra(m)))
        return items

    def load_state_dict(self, state: dict[str, Any], strict: bool = True,
                        assign: bool = False) -> IncompatibleKeys:
        """Copy arrays into the parameters in place (names and shapes must match); returns
        ``(missing_keys, unexpected_keys)``, as torch's. ``strict=False`` loads the names
        present in both and reports the others instead of raising (a shape mismatch still
        raises). ``assign=True`` gives each parameter and buffer the state's array itself
        (no copy; its dtype too) instead of copying into it, as torch's (the Parameter objects
        stay, so an optimiser built before still holds them).

        Each parameter's version is bumped, so a backward through a graph recorded before the
        load raises instead of mixing old and new weights. Nothing is written unless every
        name and shape fits (with load_state_dict post-hooks, which may forgive keys, the
        strict check comes after them and the load, as torch's), except that lazy layers not
        yet called take their sizes from the state first (as torch's), so a model of
        ``LazyLinear`` layers loads without a call.

        Example: ``model.load_state_dict(other.state_dict())``
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"{type(self).__name__}.load_state_dict: expected a dict-like state "
                            f"(name -> array), got {type(state).__name__}")
        for path, m in list(self.named_modules()):
            upgrade = getattr(m, "_upgrade_state", None)  # older names (torch's weight_norm)
            if upgrade is not None:
                state = upgrade(state, path + "." if path else "")
            size_of = getattr(m, "_size_from_state", None)
            if size_of is not None:
                size = size_of(state, path + "." if path else "")
                if size:
                    m._materialize(size)
        mods = [(path, m) for path, m in self._named_modules("", None)
                if "_sd_hooks" in m.__dict__]
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []
        pre = [(path, m, fn) for path, m in mods
               for fn in _hooks.state_dict_hooks(m, "load_state_dict_pre")]
        if pre:
            state = dict(state)  # the hooks may edit it; the caller's stays as it was
            for path, m, fn in pre:  # each sees (and may edit) the keys under its prefix
                own = {k: v for k, v in state.items() if k.startswith(path)}
                # torch's hooks always see strict=True (it applies strict at the top)
                fn(m, own, path, {}, True, missing, unexpected, errors)
                state = {k: v for k, v in state.items() if not k.startswith(path)} | own
            if errors:
                raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:"
                                   + "".join("\n\t" + e for e in errors))
        items = self._state_items("set_extra_state")
        extras = {n: v.module for n, v in items if isinstance(v, _Extra)}
        items = [(n, v) for n, v in items if n not in extras]
        names = {n for n, _ in items} | set(extras)
        missing += [n for n in [n for n, _ in items] + list(extras)
                    if n not in state and n not in missing]
        unexpected += [n for n in state if n not in names and n not in unexpected]
        post = [(m, fn) for _, m in reversed(mods)
                for fn in _hooks.state_dict_hooks(m, "load_state_dict_post")]
        for n, p in items:
            if getattr(state.get(n), "_uninitialized", False) and p.shape != (0,):
                raise ValueError(
                    f"load_state_dict: {n} in the state is the uninitialized parameter of a "
                    f"lazy layer (its shape is not known yet), but this module's has shape "
                    f"{p.shape}: call the lazy model on an input before saving its state")
        if strict and (missing or unexpected) and not post:
            _refuse_keys(self, missing, unexpected, names)
        params = {n: p for n, p in items if n in state}
        for n, p in params.items():
            v = state[n]
            if not hasattr(v, "shape"):
                raise TypeError(f"load_state_dict: {n} must be an array (a Tensor or NumPy "
                                f"array), got {type(v).__name__}")
            if tuple(getattr(v, "shape", ())) != p.shape:
                raise ValueError(f"load_state_dict: {n} has shape {p.shape}, got "
                                 f"{tuple(getattr(v, 'shape', ()))}")
            kind = getattr(getattr(v, "dtype", None), "kind", "f")
            if kind == "c" and p.dtype.kind != "c":
                raise TypeError(f"load_state_dict: {n} is real ({p.dtype}) but the state holds "
                                f"complex values ({v.dtype}); their imaginary part would be lost")
        with no_grad():
            for n, p in params.items():
                if getattr(p, "_uninitialized", False):
                    continue  # a lazy layer still unbuilt, given a state as empty as itself
                v = state[n]
                if assign:  # the state's array itself (its dtype too), the object kept
                    a = v if isinstance(v, Tensor) else gnp.asarray(v)
                    p.data = a.data if isinstance(a, Tensor) else a
                else:
                    p[...] = v.data if isinstance(v, Tensor) else v  # a versioned write
        for n, m in extras.items():  # torch's get_extra_state/set_extra_state
            if n in state:
                m.set_extra_state(state[n])
        keys = IncompatibleKeys(missing, unexpected)
        for m, fn in post:
            if fn(m, keys) is not None:
                raise RuntimeError(f"load_state_dict post-hook {fn!r} of {type(m).__name__} "
                                   f"returned a value; edit incompatible_keys in place instead")
        if strict and (missing or unexpected):  # what the post-hooks left
            _refuse_keys(self, missing, unexpected, names)
        return keys

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        subs = [(n, v) for n, v in self._members() if isinstance(v, Module)]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not subs:
            return head + ")"
        body = "".join(f"\n  ({n}): " + repr(m).replace("\n", "\n  ") for n, m in subs)
        return head + body + "\n)"


class _Extra(NamedTuple):
    """A state entry made by ``get_extra_state`` (loaded by ``set_extra_state``)."""

    module: Any


def _refuse_keys(module: Module, missing: list, unexpected: list, names: set) -> None:
    parts = [f"missing parameters {sorted(missing)}"] if missing else []
    if unexpected:
        parts.append(f"unexpected keys {sorted(unexpected)} (this module's parameters "
                     f"are {sorted(names)})")
    raise KeyError(f"{type(module).__name__}.load_state_dict: " + "; ".join(parts))


class _Parameters(list):
    """``Module.parameters()``: a list (indexing, ``len``, iterating again) that ``next()``
    steps through too, as code written for torch's generator does."""

    def __next__(self) -> Tensor:
        it = self.__dict__.setdefault("_it", iter(self))
        return next(it)


def _walk(name: str, v: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(v, Module) or _is_parameter(v):
        yield name, v
    elif isinstance(v, list | tuple):
        for i, u in enumerate(v):
            yield from _walk(f"{name}.{i}", u)
    elif isinstance(v, dict):
        for k, u in v.items():
            yield from _walk(f"{name}.{k}", u)
    elif isinstance(v, set | frozenset) and any(isinstance(u, Module | Tensor) for u in v):
        raise TypeError(
            f"Module attribute {name!r} is a set holding modules or tensors; a set has no "
            f"order, so its parameters could not be listed reproducibly (optimiser state and "
            f"state_dict follow that order). Store them in a list, tuple or dict"
        )


# ---- layers -----------------------------------------------------------------------------------

class Linear(Module):
    """``y = x @ weight.T + bias``, weight (out_features, in_features), PyTorch's init.

    Example: ``nn.Linear(3, 2)(gnp.ones((5, 3)))`` has shape (5, 2).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = float) -> None:
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(init.kaiming_uniform((out_features, in_features), dtype=dtype))
        b = 1.0 / math.sqrt(max(in_features, 1))
        self.bias = Parameter(init.uniform((out_features,), -b, b, dtype)) if bias else None

    def forward(self, input: Any) -> Any:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, " \
               f"bias={self.bias is not None}"


class Sequential(Module):
    """Apply modules (or plain functions) in order. Each is the attribute ``"0"``, ``"1"``,
    ... (a Module added later under another name runs after them), so parameters are named
    ``0.weight``, ``2.bias``, ... as in torch (a torch ``state_dict`` loads as it is);
    ``seq.layers`` lists them.

    Example: ``nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))``
    """

    def __init__(self, *layers: Module | Callable) -> None:
        for i, layer in enumerate(layers):
            setattr(self, str(i), layer)

    def _items(self) -> list[tuple[str, Module | Callable]]:
        return [(k, v) for k, v in vars(self).items() if k.isdigit() or isinstance(v, Module)]

    @property
    def layers(self) -> list[Module | Callable]:
        """The layers in the order they were added: those given to the constructor and every
        Module set later under any name (``seq.add_module("block0", m)``, ``seq.head = m``),
        as torch's ``Sequential`` runs every submodule it holds."""
        return [v for _, v in self._items()]

    def append(self, layer: Module | Callable) -> Sequential:
        """Add ``layer`` at the end (named by its position, as torch). Returns this module."""
        setattr(self, str(len(self._items())), layer)
        return self

    def forward(self, input: Any) -> Any:
        for layer in self.layers:
            input = layer(input)
        return input

    def __getitem__(self, i: int | slice) -> Any:
        """A layer, or for a slice a ``Sequential`` of those layers under their names (torch's:
        ``net[:2](x)`` runs the first two)."""
        if isinstance(i, slice):
            out = Sequential()
            for k, v in self._items()[i]:
                setattr(out, k, v)
            return out
        return self.layers[i]

    def __setitem__(self, i: int, layer: Module | Callable) -> None:
        """Replace the layer at position ``i`` under its name (torch's ``model[2] = head``)."""
        items = self._items()
        n = len(items)
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError(f"Sequential[i] = layer: i must be an int, got {type(i).__name__}")
        if not -n <= i < n:
            raise IndexError(f"Sequential[{i}] = layer: index out of range for {n} layers")
        setattr(self, items[i][0], layer)

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module | Callable]:
        return iter(self.layers)


_ACTIVATIONS: dict[str, Callable] = {
    "relu": F.relu, "tanh": F.tanh, "gelu": F.gelu, "silu": F.silu, "sigmoid": F.sigmoid,
    "softplus": F.softplus, "leaky_relu": F.leaky_relu,
}


class MLP(Sequential):
    """Linear layers of the given ``sizes`` with ``activation`` between them (not after the last).

    ``activation`` is a function, a Module, or a name ("relu", "tanh", "gelu", ...).

    Example: ``nn.MLP([2, 64, 64, 3], activation="tanh")``
    """

    def __init__(self, sizes: list[int], activation: str | Callable = "relu",
                 dropout: float = 0.0, bias: bool = True, dtype: Any = float) -> None:
        act = _ACTIVATIONS[activation] if isinstance(activation, str) else activation
        layers: list[Module | Callable] = []
        for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(Linear(a, b, bias=bias, dtype=dtype))
            if k < len(sizes) - 2:
                layers.append(act)
                if dropout:
                    layers.append(Dropout(dropout))
        super().__init__(*layers)


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors; the adjoint of the lookup scatter-adds.

    Example: ``nn.Embedding(10, 4)(gnp.asarray([[1, 2], [1, 9]]))`` has shape (2, 2, 4).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, dtype: Any = float) -> None:
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = Parameter(init.normal((num_embeddings, embedding_dim), dtype=dtype))

    def forward(self, indices: Any) -> Any:
        return F.embedding(indices, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class LayerNorm(Module):
    """Normalise the trailing ``normalized_shape`` dims, with learnable scale and shift
    (``bias=False``: the scale alone, as torch's).

    Example: ``nn.LayerNorm(16)(h)``
    """

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True,
                 device: Any = None, dtype: Any = float) -> None:
        s = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps = s, eps
        self.weight = Parameter(init.ones(s, dtype)) if elementwise_affine else None
        self.bias = Parameter(init.zeros(s, dtype)) if elementwise_affine and bias else None

    def forward(self, input: Any) -> Any:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


class Dropout(Module):
    """Dropout while training (``model.train()``), identity in ``model.eval()``.

    Example: ``nn.Dropout(0.1)``
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        from .dropouts import _check_p

        _check_p("Dropout", p)  # refused when built, as torch's (not at the first call)
        self.p, self.inplace = p, inplace

    def forward(self, input: Any) -> Any:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class MaxPool2d(Module):
    """Max pooling (``F.max_pool2d``) with torch's arguments: windows may overlap
    (``stride``), reach into ``padding``, be dilated, and cover a partial last window
    (``ceil_mode``). Example: ``nn.MaxPool2d(3, stride=2, padding=1)``"""

    def __init__(self, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode

    def forward(self, input: Any) -> Any:
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, " \
               f"padding={self.padding}, dilation={self.dilation}, ceil_mode={self.ceil_mode}"


class AvgPool2d(Module):
    """Average pooling (``F.avg_pool2d``) with torch's arguments (``stride``, ``padding``,
    ``ceil_mode``, ``count_include_pad``, ``divisor_override``).
    Example: ``nn.AvgPool2d(3, stride=1, padding=1)``"""

    def __init__(self, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Any) -> Any:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class Flatten(Module):
    """Merge dims ``start_dim`` to ``end_dim``. Example: ``nn.Flatten()`` maps (N, C, H, W)
    to 2-D; ``nn.Flatten(0, 1)`` maps (N, 1) to (N,)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Any) -> Any:
        return F.flatten(input, self.start_dim, self.end_dim)


def _activation(name: str, fn: Callable, doc: str, inplace: bool = False) -> type:
    body: dict[str, Any] = {"forward": lambda self, x: fn(x), "__doc__": doc}
    if inplace:  # torch's inplace argument (nn.ReLU(True)): the result written into x

        def __init__(self: Module, inplace: bool = False) -> None:
            self.inplace = inplace

        body["__init__"] = __init__
        body["forward"] = lambda self, x: fn(x, True) if self.inplace else fn(x)
        body["extra_repr"] = lambda self: "inplace=True" if self.inplace else ""
    cls = type(name, (Module,), body)
    cls.__module__ = __name__
    return cls


ReLU = _activation("ReLU", F.relu, "``relu`` as a module. Example: ``nn.ReLU()``", True)
GELU = _activation("GELU", F.gelu, "Exact (erf) ``gelu`` as a module. Example: ``nn.GELU()``")
SiLU = _activation("SiLU", F.silu, "``silu`` as a module. Example: ``nn.SiLU()``", True)
Tanh = _activation("Tanh", F.tanh, "``tanh`` as a module. Example: ``nn.Tanh()``")
Sigmoid = _activation("Sigmoid", F.sigmoid, "``sigmoid`` as a module. Example: ``nn.Sigmoid()``")
Softplus = _activation("Softplus", F.softplus,
                       "``softplus`` as a module. Example: ``nn.Softplus()``")


class LeakyReLU(Module):
    """``leaky_relu`` as a module. Example: ``nn.LeakyReLU(0.2)``"""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Any) -> Any:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class MSELoss(Module):
    """``mse_loss`` as a module. Example: ``nn.MSELoss()(pred, y)``"""

    def __init__(self, reduction: str = "mean") -> None:
        self.reduction = reduction

    def forward(self, input: Any, target: Any) -> Any:
        return F.mse_loss(input, target, self.reduction)


class CrossEntropyLoss(MSELoss):
    """``cross_entropy`` as a module, with torch's arguments (``size_average`` and ``reduce``,
    deprecated in torch, are refused; a string first argument is the reduction).

    Example: ``nn.CrossEntropyLoss(weight=w, ignore_index=0, label_smoothing=0.1)(z, y)``
    """

    def __init__(self, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        if isinstance(weight, str):
            weight, reduction = None, weight
        if size_average is not None or reduce is not None:
            raise TypeError("CrossEntropyLoss: size_average and reduce are deprecated in torch "
                            "and not supported; pass reduction='mean', 'sum' or 'none'")
        self.register_buffer("weight", weight)  # in state_dict, as torch's
        self.ignore_index = ignore_index
        self.reduction = reduction
        self.label_smoothing = label_smoothing

    def forward(self, input: Any, target: Any) -> Any:
        return F.cross_entropy(input, target, self.reduction, weight=self.weight,
                               ignore_index=self.ignore_index,
                               label_smoothing=self.label_smoothing)


class BCEWithLogitsLoss(MSELoss):
    """``binary_cross_entropy_with_logits`` as a module, with torch's ``weight`` and
    ``pos_weight``. Example: ``nn.BCEWithLogitsLoss(pos_weight=p)``"""

    def __init__(self, weight: Any = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean", pos_weight: Any = None) -> None:
        if isinstance(weight, str):
            weight, reduction = None, weight
        if size_average is not None or reduce is not None:
            raise TypeError("BCEWithLogitsLoss: size_average and reduce are deprecated in torch "
                            "and not supported; pass reduction='mean', 'sum' or 'none'")
        self.reduction = reduction
        self.register_buffer("weight", weight)  # in state_dict, as torch's
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Any, target: Any) -> Any:
        return F.binary_cross_entropy_with_logits(input, target, self.reduction,
                                                  weight=self.weight, pos_weight=self.pos_weight)
