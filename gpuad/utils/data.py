"""``torch.utils.data`` with torch's names and semantics: datasets, samplers, collation and
``DataLoader``, over gpuad Tensors and NumPy/CuPy arrays.

Random draws (shuffling, ``random_split``, random samplers) take their seed from
``gpuad.numpy.random``'s generator, so ``gnp.random.seed(0)`` makes them reproducible, unless a
``generator`` is given: a ``numpy.random.Generator`` or ``RandomState`` (drawn from directly) or
a ``gpuad.numpy.random`` ``Generator``/``RandomState`` (a seed is drawn from it). The indices
differ from torch's for the same seed (another generator); the batches' order and contents
follow torch's rules.

Collating Tensors stacks them with ``gpuad.numpy.stack``: a batch of a Tensor that requires
grad is differentiable with respect to it.

Example::

    from gpuad.utils.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
"""

from __future__ import annotations

import bisect
import collections.abc as abc
import copy
import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from .. import numpy as gnp
from ..backends import get_backend
from ..tensor import Tensor

# ---- datasets --------------------------------------------------------------------------------


class Dataset:
    """A map-style dataset: ``__getitem__(i)`` and ``__len__``; ``a + b`` concatenates.

    Example::

        class Squares(Dataset):
            def __len__(self): return 10
            def __getitem__(self, i): return float(i * i)
    """

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset read by iterating it (``__iter__``); ``a + b`` chains two of them.

    Example::

        class Count(IterableDataset):
            def __iter__(self): return iter(range(5))
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} has no __iter__")

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


def _first_dim(t: Any, i: int) -> int:
    shape = getattr(t, "shape", None)
    if shape is None:
        raise TypeError(
            f"TensorDataset: argument {i} is a {type(t).__name__}; expected a "
            f"gpuad Tensor or a NumPy/CuPy array"
        )
    if len(shape) == 0:
        raise ValueError(
            f"TensorDataset: argument {i} is 0-d; samples are taken along the "
            f"first axis, so each argument needs at least one"
        )
    return int(shape[0])


class TensorDataset(Dataset):
    """Samples ``(t[i] for t in tensors)`` of Tensors or arrays with the same first dimension.

    Example: ``ds = TensorDataset(x, y); xi, yi = ds[0]``
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: needs at least one Tensor or array")
        sizes = [_first_dim(t, i) for i, t in enumerate(tensors)]
        if len(set(sizes)) != 1:
            raise ValueError(
                f"TensorDataset: size mismatch between tensors: first dimensions {sizes}"
            )
        self.tensors = tuple(tensors)

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])

    def _batch(self, indices: list[int]) -> list[Any]:
        """``default_collate`` of the samples at ``indices``, by one gather per tensor."""
        be = get_backend()
        host = np.asarray(indices, dtype=np.int64)
        out = []
        for t in self.tensors:
            data = t.data if isinstance(t, Tensor) else t
            idx = host if isinstance(data, np.ndarray) else be.xp.asarray(host)
            b = t[idx]
            out.append(b if isinstance(b, Tensor) else _to_active(b))
        return out


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Example: ``first_ten = Subset(ds, range(10))``
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The map-style ``datasets`` one after the other.

    Example: ``both = ConcatDataset([train, extra])``
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset; use ChainDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        if idx < 0:
            if -idx > len(self):
                raise ValueError(
                    "ConcatDataset: absolute value of index should not exceed dataset length"
                )
            idx = len(self) + idx
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[d - 1] if d > 0 else 0
        return self.datasets[d][idx - start]


class ChainDataset(IterableDataset):
    """The iterable ``datasets`` one after the other.

    Example: ``stream = ChainDataset([part1, part2])``
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)  # type: ignore[arg-type]


# ---- random draws ----------------------------------------------------------------------------

_HOST_GENERATORS = (np.random.Generator, np.random.RandomState)


def _check_generator(generator: Any, who: str) -> None:
    if generator is None or isinstance(
        generator, (*_HOST_GENERATORS, gnp.random.Generator, gnp.random.RandomState)
    ):
        return
    raise TypeError(
        f"{who}: generator must be a numpy.random.Generator or RandomState, a "
        f"gpuad.numpy.random Generator or RandomState, or None (gpuad.numpy."
        f"random's seeded generator); got {type(generator).__name__}"
    )


def _host_rng(generator: Any) -> Any:
    """A host generator for one pass: ``generator`` itself, or seeded from a gpuad one."""
    if isinstance(generator, _HOST_GENERATORS):
        return generator
    src = gnp.random if generator is None else generator
    draw = src.integers if isinstance(generator, gnp.random.Generator) else src.randint
    return np.random.default_rng(_host_ints(draw(0, 2**31 - 1))[0])


def _host_ints(a: Any) -> list[int]:
    if isinstance(a, Tensor):
        a = a.data
    if not isinstance(a, (np.ndarray, np.generic, int)):
        a = get_backend().to_host(a)
    return np.asarray(a).reshape(-1).tolist()


def _integers(rng: Any, high: int, size: int) -> list[int]:
    draw = rng.integers if isinstance(rng, np.random.Generator) else rng.randint
    return draw(0, high, size=size).tolist()


def random_split(
    dataset: Dataset, lengths: Sequence[int | float], generator: Any = None
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random :class:`Subset` s of the given lengths,
    or of the given fractions of ``len(dataset)`` when they sum to 1 (the remainder of the
    rounding down goes one item each to the first splits, as torch).

    Example: ``train, val = random_split(ds, [0.8, 0.2], generator=np.random.default_rng(0))``
    """
    _check_generator(generator, "random_split")
    n = len(dataset)  # type: ignore[arg-type]
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(n * frac))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, s in enumerate(sizes):
            if s == 0:
                warnings.warn(
                    f"random_split: length of split at index {i} is 0; this might "
                    f"result in an empty dataset",
                    stacklevel=2,
                )
        lengths = sizes
    if any(int(v) != v or v < 0 for v in lengths):
        raise ValueError(
            f"random_split: lengths must be non-negative integers or fractions "
            f"summing to 1; got {lengths}"
        )
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: sum of input lengths ({sum(lengths)}) does not equal "
            f"the length of the input dataset ({n})"
        )
    perm = _host_rng(generator).permutation(n).tolist()
    ends = itertools.accumulate(int(v) for v in lengths)
    return [Subset(dataset, perm[end - int(k) : end]) for end, k in zip(ends, lengths, strict=True)]


# ---- samplers --------------------------------------------------------------------------------


class Sampler:
    """Base class of index samplers: ``__iter__`` yields dataset indices (or lists of them).

    Example::

        class Evens(Sampler):
            def __init__(self, n): self.n = n
            def __iter__(self): return iter(range(0, self.n, 2))
            def __len__(self): return (self.n + 1) // 2
    """

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} has no __iter__")


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1``. Example: ``SequentialSampler(ds)``"""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


def _check_positive(name: str, value: Any, exc: type = ValueError) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise exc(f"{name} should be a positive integer value, but got {name}={value!r}")


class RandomSampler(Sampler):
    """A random permutation of the indices; with ``replacement=True``, ``num_samples`` draws
    with replacement. Without replacement ``num_samples`` may exceed the length (whole
    permutations, then part of one), as torch.

    Example: ``RandomSampler(ds, generator=np.random.default_rng(0))``
    """

    def __init__(
        self,
        data_source: Any,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Any = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement!r}"
            )
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        _check_generator(generator, "RandomSampler")
        _check_positive("num_samples", self.num_samples)

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, k = len(self.data_source), self.num_samples
        rng = _host_rng(self.generator)
        if self.replacement:
            yield from _integers(rng, n, k)
            return
        for _ in range(k // n):
            yield from rng.permutation(n).tolist()
        yield from rng.permutation(n)[: k % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in random order. Example: ``SubsetRandomSampler([0, 4, 7])``"""

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        _check_generator(generator, "SubsetRandomSampler")
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in _host_rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``.

    Example: ``WeightedRandomSampler([0.1, 0.9], num_samples=10)``
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: Any = None,
    ) -> None:
        _check_positive("num_samples", num_samples)
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement!r}"
            )
        _check_generator(generator, "WeightedRandomSampler")
        w = weights.data if isinstance(weights, Tensor) else weights
        w = np.asarray(
            w if isinstance(w, (np.ndarray, list, tuple)) else get_backend().to_host(w),
            dtype=np.float64,
        )
        if w.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {w.shape}"
            )
        if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise ValueError(
                "WeightedRandomSampler: weights must be finite, non-negative and not all zero"
            )
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(
                f"WeightedRandomSampler: cannot draw {num_samples} samples "
                f"without replacement from {np.count_nonzero(w)} non-zero weights"
            )
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        rng = _host_rng(self.generator)
        p = self.weights / self.weights.sum()
        yield from rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p).tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler``; the last one shorter unless
    ``drop_last``.

    Example: ``list(BatchSampler(range(5), 2, False)) == [[0, 1], [2, 3], [4]]``
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        _check_positive("batch_size", batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(
                f"drop_last should be a boolean value, but got drop_last={drop_last!r}"
            )
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        it = iter(self.sampler)
        while batch := list(itertools.islice(it, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# ---- collation -------------------------------------------------------------------------------


def _to_active(a: Any) -> Any:
    from .. import _to_backend

    return _to_backend(get_backend(), a, None)


def _is_array(x: Any) -> bool:
    if isinstance(x, (np.ndarray, np.generic)):
        return not isinstance(x, (np.str_, np.bytes_))
    return isinstance(x, get_backend().array_type)


def _check_dtype(a: Any) -> None:
    if a.dtype.kind in "OSUV":
        raise TypeError(
            f"default_collate: batch must contain Tensors, arrays, numbers, dicts "
            f"or lists; found an array of dtype {a.dtype}"
        )


def _stack(batch: Sequence[Any]) -> Any:
    if any(isinstance(b, Tensor) for b in batch):
        return gnp.stack(list(batch))  # recorded: the batch stays differentiable
    for b in batch:
        if hasattr(b, "dtype"):
            _check_dtype(b)
    if all(isinstance(b, (np.ndarray, np.generic)) for b in batch):
        return _to_active(np.stack(batch))  # one host-to-device copy
    return get_backend().xp.stack([_to_active(b) for b in batch])


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch, as torch's ``default_collate``: Tensors are
    stacked into a Tensor (differentiably), arrays and NumPy scalars into a backend array,
    floats into a float64 array, ints and bools into an int64/bool array; strings stay a list;
    dicts, namedtuples and lists are collated field by field (tuples become lists).

    Example: ``default_collate([(1.0, a0), (2.0, a1)])`` is ``[array([1., 2.]), stack([a0, a1])]``
    """
    elem = batch[0]
    if isinstance(elem, Tensor) or _is_array(elem):
        return _stack(batch)
    if isinstance(elem, float):
        return _to_active(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, bool):
        return _to_active(np.asarray(batch))
    if isinstance(elem, int):
        return _to_active(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, abc.Mapping):
        merged = {key: default_collate([d[key] for d in batch]) for key in elem}
        return _rebuild_mapping(elem, merged)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch, strict=True)))
    if isinstance(elem, abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError(
                "default_collate: each element in list of batch should be of equal size"
            )
        fields = [default_collate(list(s)) for s in zip(*batch, strict=True)]
        return fields if isinstance(elem, tuple) else _rebuild_sequence(elem, fields)
    raise TypeError(
        f"default_collate: batch must contain Tensors, arrays, numbers, dicts or "
        f"lists; found {type(elem).__name__}"
    )


def _rebuild_mapping(elem: Any, merged: dict) -> Any:
    if isinstance(elem, abc.MutableMapping):
        clone = copy.copy(elem)
        clone.update(merged)
        return clone
    try:
        return type(elem)(merged)
    except TypeError:
        return merged


def _rebuild_sequence(elem: Any, fields: list) -> Any:
    if isinstance(elem, abc.MutableSequence):
        clone = copy.copy(elem)
        for i, f in enumerate(fields):
            clone[i] = f
        return clone
    try:
        return type(elem)(fields)
    except TypeError:
        return fields


def default_convert(data: Any) -> Any:
    """The ``collate_fn`` of a loader without batching (``batch_size=None``): NumPy arrays
    and scalars become backend arrays, containers are converted element by element.

    Example: ``default_convert({"x": np.zeros(2)})``
    """
    if isinstance(data, Tensor) or isinstance(data, (str, bytes)):
        return data
    if _is_array(data):
        if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind in "OSUV":
            return data
        return _to_active(data)
    if isinstance(data, abc.Mapping):
        return _rebuild_mapping(data, {k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, abc.Sequence):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


# ---- DataLoader ------------------------------------------------------------------------------

_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class DataLoader:
    """Batches of ``dataset``, with torch's arguments and checks.

    ``num_workers > 0`` is accepted and loads in this process (the same batches in the same
    order as torch's workers deliver them; ``worker_init_fn`` is not called, and an
    ``IterableDataset`` is read once, not once per worker). ``pin_memory``, ``timeout`` and
    ``prefetch_factor`` have no effect. Shuffling draws from ``gpuad.numpy.random`` (seeded
    by ``gnp.random.seed``) unless ``generator`` is given (e.g. ``np.random.default_rng(0)``).

    Example::

        loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, drop_last=True)
        for epoch in range(3):
            for xb, yb in loader:
                ...
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler | Iterable | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[Any], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 "
                "to disable multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in "
                "multiprocessing: let num_workers > 0, or set prefetch_factor to "
                "None"
            )
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        _check_generator(generator, "DataLoader")
        if isinstance(dataset, IterableDataset):
            if shuffle not in (False, None):
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified "
                    f"shuffle option, but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified "
                    f"sampler option, but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified "
                    f"batch_sampler option, but got batch_sampler={batch_sampler}"
                )
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, "
                    "shuffle, sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually "
                "exclusive with drop_last"
            )
        if sampler is None and not isinstance(dataset, IterableDataset):
            sampler = (
                RandomSampler(dataset, generator=generator)
                if shuffle
                else SequentialSampler(dataset)
            )
        if batch_size is not None and batch_sampler is None:
            if isinstance(dataset, IterableDataset):
                _check_positive("batch_size", batch_size)
            else:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        auto = batch_size is not None or batch_sampler is not None
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn or (default_collate if auto else default_convert)
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self._initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_initialized", False) and name in _FROZEN:
            raise ValueError(
                f"{name} attribute should not be set after {type(self).__name__} is initialized"
            )
        super().__setattr__(name, value)

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self) -> Iterator[Any]:
        collate = self.collate_fn
        if isinstance(self.dataset, IterableDataset):
            yield from self._iter_stream(collate)
            return
        ds = self.dataset
        if self.batch_sampler is None:
            for i in self.sampler:  # type: ignore[union-attr]
                yield collate(ds[i])
            return
        gather = (
            collate is default_collate
            and isinstance(ds, TensorDataset)
            and type(ds).__getitem__ is TensorDataset.__getitem__
        )
        for idx in self.batch_sampler:
            yield ds._batch(list(idx)) if gather else collate([ds[i] for i in idx])

    def _iter_stream(self, collate: Callable[[Any], Any]) -> Iterator[Any]:
        if self.batch_size is None:
            for x in self.dataset:  # type: ignore[attr-defined]
                yield collate(x)
            return
        it = iter(self.dataset)  # type: ignore[call-overload]
        while batch := list(itertools.islice(it, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield collate(batch)


__all__ = [
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "Subset",
    "ConcatDataset",
    "ChainDataset",
    "random_split",
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
    "default_collate",
    "default_convert",
    "DataLoader",
]
