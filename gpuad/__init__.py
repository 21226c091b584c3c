"""gpuad: reverse-mode automatic differentiation for NumPy-style programs on NVIDIA GPUs.

Example::

    import gpuad as ad
    import gpuad.numpy as gnp

    x = ad.tensor([0.5, 1.5], requires_grad=True)
    y = gnp.sum(gnp.sin(x) * x)
    y.backward()
    print(x.grad)
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from . import _links, numpy  # noqa: I001  (numpy first: the op namespace Tensor methods use)
from ._state import (
    disable_jit,
    enable_grad,
    is_deterministic,
    is_grad_enabled,
    no_grad,
    set_deterministic,
)
from .backends import Backend, get_backend, set_backend, use_backend
from .engine import GradError
from .tensor import Tensor

_links.provide("ops", numpy)
from . import _numpy_protocol  # noqa: E402

_links.provide("protocol", _numpy_protocol)
_numpy_protocol.install()  # lists of Tensors in gpuad.numpy; provides "ops" again, unwrapped

from ._at import at  # noqa: E402
from ._compat import restore_numpy_row_stack  # noqa: E402
from ._numpy_protocol import stop_gradient  # noqa: E402
from ._pmap import device_count, local_device_count, pmap  # noqa: E402
from .anomaly import AnomalyError, detect_anomaly  # noqa: E402
from .batching import rules as _batching_rules  # noqa: E402,F401  (registers the rules)
from .batching.api import vmap  # noqa: E402
from .custom import (  # noqa: E402
    checkpoint,
    custom_gradient,
    custom_jvp,
    custom_op,
    custom_transpose,
    custom_vjp,
    linear_call,
)
from .rules import MissingRuleError  # noqa: E402
from .tape import Tape, make_tape  # noqa: E402
from .transforms import (  # noqa: E402
    float0,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    linearize,
    value_and_grad,
    vjp,
)
from .tree import (  # noqa: E402
    register_dataclass,
    register_pytree_node,
    register_pytree_node_class,
    tree_all,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_reduce,
    tree_structure,
    tree_transpose,
    tree_unflatten,
)

restore_numpy_row_stack()

from . import jit  # noqa: E402, I001  (a callable module: gpuad.jit(f), gpuad.jit.random)
from . import lax  # noqa: E402  (loops and branches with jax.lax's names)
from . import ops  # noqa: E402  (jax.ops: segment_sum, segment_prod, segment_max, segment_min)

# PyTorch's torch.autograd namespace and grad-mode switches
from . import autograd  # noqa: E402
from .grad_mode import inference_mode, is_inference_mode_enabled, set_grad_enabled  # noqa: E402
# PyTorch's Tensor methods (x.sum(dim=1), x.view(2, -1), x.add_(y), ...) on Tensor
from . import _torch_methods  # noqa: E402,F401
from . import _ndarray_extras  # noqa: E402,F401  (ndarray's t.flat and t.resize)
# more of JAX's API: linear_transpose, eval_shape, random keys, callbacks (docs/porting.md)
from .linearity import NonLinearError, linear_transpose  # noqa: E402
from . import random  # noqa: E402
from . import debug  # noqa: E402
from .abstract_eval import ShapeDtypeStruct, eval_shape  # noqa: E402
from .host import block_until_ready, device_get, device_put, pure_callback  # noqa: E402
from .remat import checkpoint_name, checkpoint_policies, remat  # noqa: E402
from . import ad_checkpoint  # noqa: E402  (jax.ad_checkpoint's names)
from .jaxpr import make_jaxpr  # noqa: E402
from . import flatten_util  # noqa: E402  (gpuad.example_libraries is imported on demand)
# jax.clear_caches: empties every jitted function's cache (docs/jit.md, "Caching")
from .jit.caches import clear_caches  # noqa: E402
# jax.disable_jit, named_call, ensure_compile_time_eval, closure_convert (docs/porting.md)
from .staging import ensure_compile_time_eval, named_call  # noqa: E402
from .closure import closure_convert  # noqa: E402

__version__ = "0.1.0"


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A Tensor on the active backend. Device arrays (CuPy, PyTorch, JAX, Numba) are taken
    without a copy; NumPy arrays without a copy on the NumPy backend.

    Example: ``x = gpuad.tensor([1.0, 2.0], requires_grad=True)``
    """
    if isinstance(data, Tensor):
        if data.requires_grad:
            # torch.tensor(t) warns and detaches; a constant made silently here would be a
            # silent zero gradient (inside gpuad.grad too)
            raise TypeError(
                "gpuad.tensor(t): t is a Tensor that requires grad, and a new tensor of its "
                "values would be a constant, cutting its gradient; use t itself (or t.clone(), "
                "recorded), or t.detach() for a constant")
        data = data.data
    if dtype is not None or str(getattr(data, "dtype", "")).startswith("torch."):
        from ._torch_args import _dtype, _no_dtype

        _no_dtype(str(getattr(data, "dtype", "")))  # a torch bfloat16 tensor, ...
        if dtype is not None:
            dtype = _dtype(dtype)  # torch.float32 too; bfloat16 raises, saying what to use
    if isinstance(data, _np.ndarray) and data.itemsize and \
            any(st % data.itemsize for st in data.strides):
        raise ValueError(f"gpuad.tensor: the array's strides {data.strides} are not multiples "
                         f"of its element size {data.itemsize} (as torch.from_numpy refuses)")
    be = get_backend()
    try:
        arr = _to_backend(be, data, dtype)
    except TypeError as e:
        if isinstance(data, list | tuple) and _holds_recorded(data):
            raise TypeError(
                "gpuad.tensor([...]): the list holds a Tensor that requires grad, and a new "
                "tensor of its values would be a constant, cutting its gradient (torch.tensor "
                "copies the values silently); use gnp.stack([...]) (or gnp.array([...])), "
                "which is recorded, or detach the elements for a constant") from e
        if not isinstance(data, list | tuple):
            raise
        arr = _to_backend(be, _unwrapped(data), dtype)  # Tensors on the device (CuPy)
    if getattr(arr, "dtype", None) is not None and arr.dtype.kind in "OUSV":
        raise TypeError(
            f"gpuad.tensor: {type(data).__name__} data gave no numeric tensor (NumPy reads it "
            f"as dtype {arr.dtype}); give numbers, booleans or arrays of them, as torch.tensor")
    return Tensor(arr, requires_grad=requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """torch.as_tensor: a Tensor ``data`` is returned itself (recorded, as torch's), or cast to
    ``dtype`` (a recorded conversion); anything else is :func:`tensor` of it (a NumPy array is
    taken without a copy on the NumPy backend). ``device`` is accepted and not used: arrays live
    on the active backend.

    Example: ``gpuad.as_tensor(scipy_result, dtype=x.dtype)``
    """
    if isinstance(data, Tensor):
        if dtype is None:
            return data
        from ._torch_args import _dtype

        dt = _dtype(dtype)
        return data if data.dtype == dt else data.to(dt)
    return tensor(data, dtype=dtype)


def _unwrapped(data: Any) -> Any:
    """A nested list or tuple with each Tensor replaced by its array."""
    return [_unwrapped(d) if isinstance(d, list | tuple) else
            d.data if isinstance(d, Tensor) else d for d in data]


def _holds_recorded(data: Any) -> bool:
    """Whether a nested list or tuple holds a Tensor that requires grad."""
    return any(_holds_recorded(d) if isinstance(d, list | tuple) else
               isinstance(d, Tensor) and d.requires_grad for d in data)


def _to_backend(be: Backend, data: Any, dtype: Any):
    if isinstance(data, be.array_type):
        return data if dtype is None or data.dtype == dtype else data.astype(dtype)
    if be.name == "cupy" and _on_device(data):
        return be.from_device(data, dtype)
    if be.name == "numpy" and hasattr(data, "__dlpack__") and not hasattr(data, "__array__"):
        return be.xp.from_dlpack(data)
    if be.name == "numpy" and hasattr(data, "__cuda_array_interface__"):
        raise TypeError(
            "tensor: a GPU array cannot be used on the numpy backend without a host copy; "
            "use gpuad.set_backend('cupy') or copy it to the host first"
        )
    return be.asarray(data, dtype=dtype)  # a list holding device arrays: stacked there


def _on_device(data: Any) -> bool:
    """True for a GPU array (CUDA array interface, or DLPack on a non-CPU device). NumPy arrays
    also export ``__dlpack__`` but live on the host (kDLCPU): they are copied, not viewed."""
    if hasattr(data, "__cuda_array_interface__"):
        return True
    if not hasattr(data, "__dlpack__"):
        return False
    try:
        return data.__dlpack_device__()[0] != 1  # 1 = kDLCPU
    except Exception:
        return False


def warmup() -> None:
    """Compile the active backend's kernels ahead of time (no-op on the NumPy backend)."""
    be = get_backend()
    fn = getattr(be, "warmup", None)
    if fn is not None:
        fn()


__all__ = [
    "Tensor", "tensor", "as_tensor", "no_grad", "enable_grad", "is_grad_enabled", "set_backend",
    "get_backend", "use_backend", "grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd",
    "jacobian", "hessian", "checkpoint", "custom_vjp", "custom_jvp", "custom_op",
    "custom_gradient", "custom_transpose", "linear_call", "make_tape",
    "Tape",
    "GradError", "MissingRuleError", "detect_anomaly", "AnomalyError", "set_deterministic",
    "is_deterministic", "tree_flatten", "tree_unflatten", "tree_map", "warmup",
    "stop_gradient", "vmap", "hvp", "linearize", "jit", "tree_leaves", "tree_structure",
    "tree_reduce", "tree_all", "tree_transpose", "register_pytree_node",
    "register_pytree_node_class", "register_dataclass", "float0", "lax", "ops", "at",
]
__all__ += ["autograd", "set_grad_enabled", "inference_mode", "is_inference_mode_enabled"]
__all__ += ["linear_transpose", "NonLinearError", "random", "debug", "ShapeDtypeStruct",
            "eval_shape", "block_until_ready", "device_get", "device_put", "pure_callback",
            "remat", "checkpoint_policies", "checkpoint_name", "ad_checkpoint", "make_jaxpr",
            "flatten_util"]
__all__ += ["clear_caches", "disable_jit", "named_call", "ensure_compile_time_eval",
            "closure_convert", "tree", "tree_util"]
__all__ += ["pmap", "device_count", "local_device_count"]

# torch.func's transforms with torch.func's calling conventions (grad_and_value, in_dims, ...)
from . import func  # noqa: E402

__all__ += ["func", "jax_nn", "utils", "save", "load"]

# cupy.fuse: a function compiled by jit with CuPy's calling rules (docs/fusion.md);
# torch.save/torch.load (docs/porting.md)
from .fused import fuse  # noqa: E402
from .serialization import load, save  # noqa: E402

__all__ += ["fuse"]

# torch.amp: autocast and GradScaler; torch.autocast, torch.is_autocast_enabled (docs/porting.md)
from . import amp  # noqa: E402
from .amp import autocast, get_autocast_dtype, is_autocast_enabled  # noqa: E402

__all__ += ["amp", "autocast", "get_autocast_dtype", "is_autocast_enabled"]

# imported on first use, to keep `import gpuad` short: gpuad.jax_nn (jax.nn's functions and
# initializers with JAX's conventions; gpuad.nn follows torch's), gpuad.utils
# (torch.utils.data), gpuad.linalg (torch.linalg's conventions: 1-based LU pivots,
# keyword-only solve_triangular, the _ex functions), gpuad.tree_util (jax.tree_util's names),
# gpuad.masked (torch.masked's reductions and normalisations), gpuad.image (jax.image's
# resize and scale_and_translate); the packages a program
# reaches as torch.nn, torch.optim, torch.distributions, jax.scipy, ... after one import
_ON_DEMAND = ("jax_nn", "utils", "linalg", "tree_util", "masked", "nn", "optim",
              "distributions", "distributed", "scipy", "optax", "testing", "example_libraries",
              "image", "custom_batching")


#: JAX names with no gpuad counterpart, and what to use instead
_JAX_ONLY = dict.fromkeys(
    ("custom_vmap", "sequential_vmap"),
    "they are in gpuad.custom_batching, as in JAX (jax.custom_batching.custom_vmap)")
_JAX_ONLY.update(dict.fromkeys(
    ("devices", "local_devices", "default_backend", "default_device"),
    "gpuad computes on one device, the active backend's: gpuad.get_backend().name is "
    "'numpy' (CPU) or 'cupy' (GPU), gpuad.device_count() is 1, and gpuad.device_put(x) moves "
    "an array there"))
_JAX_ONLY.update(dict.fromkeys(
    ("checking_leaks", "check_tracer_leaks"),
    "gpuad has no tracer-leak checker: a traced value kept outside gpuad.jit holds the value "
    "of the call that traced it"))
_JAX_ONLY["segment_reduce"] = (
    "torch.segment_reduce(data, reduce, lengths=) is gpuad.ops.segment_sum, segment_prod, "
    "segment_max or segment_min (JAX's) with segment ids gnp.repeat(gnp.arange(len(lengths)), "
    "lengths) and num_segments=len(lengths); 'mean' is segment_sum divided by lengths. Empty "
    "segments hold JAX's identities (torch's initial= is not taken)")


def __getattr__(name: str):
    if name in _ON_DEMAND:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name in _JAX_ONLY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}: "
                             f"{_JAX_ONLY[name]}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
