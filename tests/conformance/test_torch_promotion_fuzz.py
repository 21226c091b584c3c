"""A dtype-promotion fuzzer of gpuad's Tensor operators and torch-named methods against
torch. gpuad promotes as NumPy 2 does (docs/porting.md, "NumPy semantics"): Python numbers
are weak, as in torch, but 0-d arrays are not, and an integer array promotes a float one to a
float wide enough for it. torch promotes by category (bool < integer < float < complex):
a participant of a lower-or-equal category never widens a dimensioned tensor's float dtype.
Every pair must give NumPy's dtype in gpuad (or raise as NumPy does), and every difference
from torch must be one of the two documented kinds:

- ``int``: a float tensor with an integer tensor of any shape (float32 * int64: torch
  float32, gpuad float64);
- ``0-d``: a dimensioned tensor with a 0-d tensor of its own category but a wider dtype
  (float32 * 0-d float64: torch float32, gpuad float64);
- ``default``: integer or boolean tensors made float by a Python float or complex, or by an
  op such as ``/`` or ``atan2``: torch's default dtype (float32, complex64), NumPy's float64
  (complex128; float16 for small integers), as for ``gpuad.tensor([1.0])``.

(float16 with a Python complex is torch's complex32, which NumPy lacks: complex64.)
"""

from __future__ import annotations

import operator
import os
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import gpuad as ad  # noqa: E402

DTYPES = ["bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128"]
SHAPES = [(3,), ()]
SCALARS = [True, 2, 2.5, 1.5 + 0.5j]
OPS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "**": operator.pow, "//": operator.floordiv, "%": operator.mod,
    "add": lambda a, b: a.add(b), "mul": lambda a, b: a.mul(b), "div": lambda a, b: a.div(b),
    "sub": lambda a, b: a.sub(b), "pow": lambda a, b: a.pow(b),
    "maximum": lambda a, b: a.maximum(b), "minimum": lambda a, b: a.minimum(b),
    "fmod": lambda a, b: a.fmod(b), "remainder": lambda a, b: a.remainder(b),
    "atan2": lambda a, b: a.atan2(b), "hypot": lambda a, b: a.hypot(b),
    "where": lambda a, b: a.where(a != 0, b), "clamp_min": lambda a, b: a.clamp(min=b),
}
CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _value(dtype, shape, rng):
    v = rng.uniform(1, 3, shape)
    if dtype.startswith("complex"):
        v = v + 1j
    return np.asarray(v).astype(dtype)


def _result(make, op, a, b):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = op(make(a), b if not isinstance(b, np.ndarray) else make(b))
        return str(r.dtype).replace("torch.", "")
    except Exception:  # noqa: BLE001 (raising is the outcome compared)
        return "raise"


def _torch(a):
    return torch.from_numpy(np.array(a))


def _kind_of_difference(a, b):
    """The documented kind a torch difference must be (None: none explains it)."""
    kinds = [a.dtype.kind] + ([b.dtype.kind] if isinstance(b, np.ndarray) else [])
    if not any(CATEGORY[k] >= 2 for k in kinds):
        return "default"  # no float array: torch's default float32, NumPy's float64
    if isinstance(b, np.ndarray):
        if any(CATEGORY[k] <= 1 for k in kinds):
            return "int"
        if (a.ndim == 0) != (b.ndim == 0):
            return "0-d"
    return None


@pytest.mark.parametrize("seed", range(int(os.environ.get("GPUAD_PROMOTION_SEEDS", "4"))))
def test_tensor_operators_promote_as_numpy_and_differ_from_torch_only_as_documented(
        backend, seed):
    if backend != "numpy":
        pytest.skip("compared with torch's CPU tensors on the NumPy backend")
    rng = np.random.default_rng(seed)
    not_numpy, unexplained, counted = [], [], 0
    for _ in range(300):
        a = _value(rng.choice(DTYPES), SHAPES[rng.integers(2)], rng)
        if a.ndim == 0 and rng.random() < 0.7:
            a = a.reshape(1)
        if rng.random() < 0.3:
            b = SCALARS[rng.integers(len(SCALARS))]
        else:
            b = _value(rng.choice(DTYPES), SHAPES[rng.integers(2)], rng)
        name = list(OPS)[rng.integers(len(OPS))]
        op = OPS[name]
        got = _result(ad.tensor, op, a, b)
        if got == "raise":
            continue
        want_np = _result(np.asarray, {  # the ufuncs (ndarray's ``b ** 2`` squares: int8)
            "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide,
            "**": np.power, "//": np.floor_divide, "%": np.remainder, "add": np.add,
            "mul": np.multiply, "div": np.true_divide, "sub": np.subtract,
            "pow": np.power, "maximum": np.maximum, "minimum": np.minimum, "fmod": np.fmod,
            "remainder": np.remainder, "atan2": np.arctan2, "hypot": np.hypot,
            "where": lambda x, y: np.where(x != 0, x, y),
            "clamp_min": lambda x, y: np.maximum(x, y)}[name], a, b)
        case = f"{a.dtype}{list(a.shape)} {name} {b!r:.12}" + (
            f"({b.dtype}{list(b.shape)})" if isinstance(b, np.ndarray) else "")
        if want_np not in ("raise", got):
            not_numpy.append(f"{case}: gpuad {got}, NumPy {want_np}")
        want_torch = _result(_torch, op, a, b)
        counted += 1
        if want_torch == "complex32":  # NumPy has no complex32: its complex64
            continue
        if want_torch not in ("raise", got) and _kind_of_difference(a, b) is None:
            unexplained.append(f"{case}: gpuad {got}, torch {want_torch}")
    assert counted > 100
    assert not not_numpy, "gpuad differs from NumPy's promotion:\n" + "\n".join(not_numpy)
    assert not unexplained, "undocumented differences from torch:\n" + "\n".join(unexplained)
