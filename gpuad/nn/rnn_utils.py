"""Packed and padded sequences of ``torch.nn.utils.rnn`` (also ``gpuad.nn.utils.rnn``):
``PackedSequence``, ``pad_sequence``, ``pack_padded_sequence``, ``pad_packed_sequence``,
``pack_sequence``, ``unpack_sequence``, ``unpad_sequence``, ``invert_permutation``.

A ``PackedSequence`` holds the steps of a batch of sequences of different lengths, sorted by
decreasing length, time step after time step: ``data`` (sum of lengths, *), ``batch_sizes``
(how many sequences are still running at each step), and the sort permutation. Every data
movement is one gather (``gnp.take``), so gradients flow back to the padded or listed inputs.
Lengths, ``batch_sizes`` and the lengths ``pad_packed_sequence`` returns live on the host as
NumPy int64 arrays (torch keeps them on the CPU); the permutations live with ``data``.

Example::

    from gpuad.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    packed = pack_padded_sequence(x, [3, 1, 2], enforce_sorted=False)  # x (L, 3, F)
    out, h = gru(packed)
    y, lengths = pad_packed_sequence(out)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import numpy as gnp
from .._raw import _xp, shape
from ..host import device_get
from ..tensor import Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]

Array = Any


def _host_ints(values: Any, what: str, op: str) -> np.ndarray:
    """``values`` (a list, NumPy/CuPy array, Tensor or CPU torch tensor) as host int64 (n,)."""
    a = np.asarray(device_get(values))
    if a.ndim != 1:
        raise ValueError(f"{op}: {what} must be one-dimensional, got shape {a.shape}")
    if a.dtype.kind == "f" and np.all(a == np.floor(a)):
        a = a.astype(np.int64)
    if a.size and a.dtype.kind not in "iu":
        raise TypeError(f"{op}: {what} must be integers, got {a.dtype} values {a.tolist()}")
    return a.astype(np.int64, copy=False)


def _index(like: Array, idx: np.ndarray) -> Array:
    """A host index array on ``like``'s backend."""
    return _xp(like).asarray(idx)


def _permutation(like: Array, idx: Any, what: str, op: str = "PackedSequence") -> Array:
    """``idx`` as an int64 array (n,) on ``like``'s backend, with no copy if it is one."""
    a = _xp(like).asarray(idx._data if isinstance(idx, Tensor) else idx)
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise ValueError(f"{op}: {what} must be integers of shape (n,), got {a.dtype} {a.shape}")
    return a.astype(np.int64, copy=False)


def invert_permutation(permutation: Array | None) -> Array | None:
    """The inverse of a permutation of ``0..n-1`` (None stays None), as torch's.

    Example: ``invert_permutation(np.array([2, 0, 1]))`` is ``[1, 2, 0]``
    """
    if permutation is None:
        return None
    p = _permutation(permutation, permutation, "the permutation", "invert_permutation")
    xp = _xp(p)
    inv = xp.empty_like(p)
    inv[p] = xp.arange(p.shape[0], dtype=p.dtype)
    return inv


class _Fields(NamedTuple):
    data: Array
    batch_sizes: np.ndarray
    sorted_indices: Array | None
    unsorted_indices: Array | None


class PackedSequence(_Fields):
    """Sequences of different lengths packed step by step, as torch's: a named tuple
    ``(data, batch_sizes, sorted_indices, unsorted_indices)``. Make one with
    ``pack_padded_sequence`` or ``pack_sequence``; an RNN, LSTM or GRU takes it and returns one.
    ``PackedSequence(f(p.data), p.batch_sizes, p.sorted_indices, p.unsorted_indices)`` applies
    a step-wise ``f`` (an embedding, a linear layer) to every step of ``p``.

    Example: ``data, batch_sizes, sorted_indices, unsorted_indices = packed``
    """

    def __new__(
        cls,
        data: Array,
        batch_sizes: Any = None,
        sorted_indices: Array | None = None,
        unsorted_indices: Array | None = None,
    ) -> PackedSequence:
        if batch_sizes is None:
            raise TypeError(
                "PackedSequence: batch_sizes is required; make a packed sequence with "
                "pack_padded_sequence or pack_sequence"
            )
        sizes = _host_ints(batch_sizes, "batch_sizes", "PackedSequence")
        if not sizes.size or sizes[-1] < 1 or np.any(sizes[1:] > sizes[:-1]):
            raise ValueError(
                "PackedSequence: batch_sizes must be positive and non-increasing (the number "
                f"of sequences still running at each step), got {sizes.tolist()}"
            )
        if sorted_indices is not None:
            sorted_indices = _permutation(data, sorted_indices, "sorted_indices")
            if unsorted_indices is None:
                unsorted_indices = invert_permutation(sorted_indices)
            else:
                unsorted_indices = _permutation(data, unsorted_indices, "unsorted_indices")
        return super().__new__(cls, data, sizes, sorted_indices, unsorted_indices)

    # torch's casts and moves of the data (the indices stay as they are)
    def _cast(self, dtype: Any) -> PackedSequence:
        data = self.data
        if getattr(data, "dtype", None) == np.dtype(dtype):
            return self
        return self._replace(data=data.astype(dtype))

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``packed.to(dtype)`` (a device is accepted and changes nothing), as torch's."""
        if hasattr(self.data, "to"):
            data = self.data.to(*args, **kwargs)
            return self if data is self.data else self._replace(data=data)
        dtype = kwargs.get("dtype", next((a for a in args if not isinstance(a, str)), None))
        return self if dtype is None else self._cast(dtype)

    def double(self) -> PackedSequence:
        return self._cast(np.float64)

    def float(self) -> PackedSequence:
        return self._cast(np.float32)

    def half(self) -> PackedSequence:
        return self._cast(np.float16)

    def long(self) -> PackedSequence:
        return self._cast(np.int64)

    def int(self) -> PackedSequence:
        return self._cast(np.int32)

    def short(self) -> PackedSequence:
        return self._cast(np.int16)

    def char(self) -> PackedSequence:
        return self._cast(np.int8)

    def byte(self) -> PackedSequence:
        return self._cast(np.uint8)

    def cpu(self) -> PackedSequence:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self

    def pin_memory(self) -> PackedSequence:
        return self

    def is_pinned(self) -> bool:
        return False

    @property
    def is_cuda(self) -> bool:
        """Whether the data lives on the GPU (the cupy backend)."""
        raw = getattr(self.data, "data", self.data) if hasattr(self.data, "grad") else self.data
        return type(raw).__module__.split(".")[0] == "cupy"


def _sorted_lengths(batch_sizes: np.ndarray) -> np.ndarray:
    """The length of each sequence in sorted order: the steps at which its row still runs."""
    return (batch_sizes[None, :] > np.arange(batch_sizes[0])[:, None]).sum(axis=1)


def pad_sequence(
    sequences: Iterable[Array],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Array:
    """Stack arrays of shapes (L_i, *) into one (L, B, *) (``batch_first``: (B, L, *)), ``L``
    the longest, filled with ``padding_value`` after each (``padding_side="left"``: before).

    Example: ``pad_sequence([a, b], batch_first=True)`` with ``a`` (3, F), ``b`` (1, F): (2, 3, F)
    """
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}"
        )
    if not hasattr(sequences, "__iter__"):
        raise TypeError(f"pad_sequence: expected an iterable of sequences (a list of arrays, "
                        f"or an array whose first axis lists them), got {type(sequences).__name__}")
    seqs = list(sequences)
    if not seqs:
        raise ValueError("pad_sequence: received an empty list of sequences")
    shapes = [shape(s) for s in seqs]
    rest = shapes[0][1:]
    for i, s in enumerate(shapes):
        if len(s) < 1 or s[1:] != rest:
            raise ValueError(
                f"pad_sequence: every sequence must have shape (L_i, *{rest}) like the first; "
                f"sequence {i} has shape {s}"
            )
    lens = np.array([s[0] for s in shapes], dtype=np.int64)
    longest, total = int(lens.max()), int(lens.sum())
    dtype = gnp.result_type(*seqs)
    pad = gnp.full((1,) + rest, padding_value, dtype=dtype)
    flat = gnp.concatenate([gnp.astype(s, dtype) for s in seqs] + [pad], axis=0)
    steps = np.arange(longest)[None, :]  # (1, L) against (B, 1)
    if padding_side == "left":
        steps = steps - (longest - lens)[:, None]
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])[:, None]
    idx = np.where((steps >= 0) & (steps < lens[:, None]), starts + steps, total)  # (B, L)
    if not batch_first:
        idx = idx.T
    out = gnp.take(flat, _index(flat, idx.reshape(-1)), axis=0)
    return gnp.reshape(out, idx.shape + rest)


def pack_padded_sequence(
    input: Array,
    lengths: Any,
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded batch (L, B, *) (``batch_first``: (B, L, *)) of sequences of the given
    ``lengths`` (host ints, as torch's CPU lengths). ``enforce_sorted=True`` requires
    decreasing lengths; ``False`` sorts them and keeps the permutation.

    Example: ``packed = pack_padded_sequence(x, [2, 3], enforce_sorted=False)``
    """
    op = "pack_padded_sequence"
    s = shape(input)
    if len(s) < 2:
        raise ValueError(f"{op}: expected an input (L, B, *) or (B, L, *), got shape {s}")
    n, steps = (s[0], s[1]) if batch_first else (s[1], s[0])
    lens = _host_ints(lengths, "lengths", op)
    if n == 0 or steps == 0:
        raise ValueError(f"{op}: cannot pack an empty input (shape {s})")
    if lens.size != n:
        raise RuntimeError(
            f"{op}: expected `len(lengths)` to be equal to batch_size, but got {lens.size} "
            f"(batch_size={n}, input shape {s}, batch_first={batch_first})"
        )
    if enforce_sorted:
        if np.any(lens[:-1] < lens[1:]):
            raise RuntimeError(
                f"{op}: `lengths` {lens.tolist()} must be sorted in decreasing order when "
                "`enforce_sorted` is True; pass enforce_sorted=False to sort them"
            )
        order = None
        srt = lens
    else:
        order = np.argsort(-lens, kind="stable")
        srt = lens[order]
    if srt[-1] <= 0:
        raise RuntimeError(f"{op}: every length must be at least 1, got lengths {lens.tolist()}")
    if srt[0] > steps:
        raise ValueError(
            f"{op}: a length of {srt[0]} exceeds the {steps} steps of the input (shape {s}, "
            f"batch_first={batch_first})"
        )
    batch_sizes = (srt[None, :] > np.arange(srt[0])[:, None]).sum(axis=1)
    t = np.repeat(np.arange(srt[0]), batch_sizes)
    j = np.concatenate([np.arange(b) for b in batch_sizes])
    b = j if order is None else order[j]
    flat = b * steps + t if batch_first else t * n + b
    rows = gnp.reshape(input, (n * steps,) + s[2:])
    data = gnp.take(rows, _index(rows, flat), axis=0)
    if order is None:
        return PackedSequence(data, batch_sizes)
    return PackedSequence(data, batch_sizes, _index(rows, order), _index(rows, np.argsort(order)))


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Array, np.ndarray]:
    """Undo ``pack_padded_sequence``: ``(padded, lengths)`` with ``padded`` (L, B, *)
    (``batch_first``: (B, L, *)) in the original batch order, ``L`` the longest length or
    ``total_length``, and ``lengths`` a host int64 array.

    Example: ``y, lengths = pad_packed_sequence(out, batch_first=True)``
    """
    op = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{op}: expected a PackedSequence, got {type(sequence).__name__}")
    data, batch_sizes, _, unsorted = sequence
    longest, n = batch_sizes.size, int(batch_sizes[0])
    if total_length is not None:
        if total_length < longest:
            raise ValueError(
                f"{op}: expected total_length to be at least the length of the longest "
                f"sequence in input, but got total_length={total_length} and max sequence "
                f"length being {longest}"
            )
        longest_out = int(total_length)
    else:
        longest_out = longest
    s = shape(data)
    total = int(batch_sizes.sum())
    if len(s) < 1 or s[0] != total:
        raise ValueError(
            f"{op}: data of shape {s} does not hold the {total} steps that batch_sizes "
            f"{batch_sizes.tolist()} count"
        )
    pos = np.arange(n) if unsorted is None else _host_ints(unsorted, "unsorted_indices", op)
    lens = _sorted_lengths(batch_sizes)
    starts = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    t = np.arange(longest_out)[:, None]
    idx = np.where(
        t < lens[pos][None, :], starts[np.minimum(t, longest - 1)] + pos[None, :], total
    )  # (L, B)
    if batch_first:
        idx = idx.T
    pad = gnp.full((1,) + s[1:], padding_value, dtype=gnp.result_type(data))
    rows = gnp.concatenate([data, pad], axis=0)
    out = gnp.take(rows, _index(rows, idx.reshape(-1)), axis=0)
    return gnp.reshape(out, idx.shape + s[1:]), lens[pos]


def pack_sequence(sequences: Sequence[Array], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of arrays (L_i, *), as ``pack_padded_sequence(pad_sequence(seqs), lens)``.

    Example: ``packed = pack_sequence([a, b, c], enforce_sorted=False)``
    """
    seqs = list(sequences)
    lens = [shape(q)[0] if shape(q) else 0 for q in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lens, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Array]:
    """The list of arrays (L_i, *) that ``pack_sequence`` packed, in their original order.

    Example: ``a, b, c = unpack_sequence(pack_sequence([a, b, c], enforce_sorted=False))``
    """
    padded, lens = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lens, batch_first=True)


def unpad_sequence(padded_sequences: Array, lengths: Any, batch_first: bool = False) -> list[Array]:
    """Split a padded batch (L, B, *) (``batch_first``: (B, L, *)) into a list of arrays
    (L_i, *), ``L_i`` from ``lengths``.

    Example: ``a, b = unpad_sequence(pad_sequence([a, b]), [len(a), len(b)])``
    """
    op = "unpad_sequence"
    s = shape(padded_sequences)
    lens = _host_ints(lengths, "lengths", op)
    if len(s) < 2 or s[0 if batch_first else 1] != lens.size:
        raise ValueError(
            f"{op}: expected a padded batch with {lens.size} sequences on axis "
            f"{0 if batch_first else 1}, got shape {s}"
        )
    steps = s[1 if batch_first else 0]
    if lens.size and (lens.min() < 0 or lens.max() > steps):
        raise ValueError(f"{op}: lengths {lens.tolist()} must lie in [0, {steps}]")
    if batch_first:
        return [gnp.getitem(padded_sequences, (i, slice(0, int(k)))) for i, k in enumerate(lens)]
    return [gnp.getitem(padded_sequences, (slice(0, int(k)), i)) for i, k in enumerate(lens)]
