"""gpuad.utils.data against torch.utils.data: the batches of a sequential DataLoader, its
length with and without drop_last, collation of nested samples (dicts, namedtuples, lists,
tuples, numbers, strings, NumPy arrays and scalars), random_split's sizes from lengths and
fractions, the samplers' lengths and torch's argument checks; shuffling (a permutation per
epoch, reproducible from gnp.random.seed or a NumPy generator) and gradients through batches
of a Tensor that requires grad, compared with torch's.
"""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.utils import data as gdata

torch = pytest.importorskip("torch")
tdata = pytest.importorskip("torch.utils.data")

RNG = np.random.default_rng(3)
X = RNG.normal(size=(7, 2, 3))
Y = RNG.integers(0, 5, size=7)
Point = collections.namedtuple("Point", "x y")


def _host(a):
    if isinstance(a, ad.Tensor):
        return a.numpy()
    if isinstance(a, torch.Tensor):
        return a.detach().numpy()
    return a


def _same(ours, theirs):
    """Equal structure, container types, dtypes and values (torch tensors as NumPy)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, (np.ndarray, ad.Tensor)), type(ours)
        a, b = _host(ours), _host(theirs)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(theirs, (dict, list, tuple)):
        assert type(ours) is type(theirs), (type(ours), type(theirs))
        if isinstance(theirs, dict):
            assert list(ours) == list(theirs)
            for k in theirs:
                _same(ours[k], theirs[k])
        else:
            assert len(ours) == len(theirs)
            for o, t in zip(ours, theirs, strict=True):
                _same(o, t)
    else:
        assert ours == theirs and type(ours) is type(theirs)


@pytest.mark.parametrize("batch_size,drop_last", [(3, False), (3, True), (7, False), (1, True)])
def test_sequential_batches_match_torch(batch_size, drop_last):
    ours = gdata.DataLoader(gdata.TensorDataset(X, Y), batch_size=batch_size, drop_last=drop_last)
    theirs = tdata.DataLoader(
        tdata.TensorDataset(torch.tensor(X), torch.tensor(Y)),
        batch_size=batch_size,
        drop_last=drop_last,
    )
    assert len(ours) == len(theirs)
    got, want = list(ours), list(theirs)
    assert len(got) == len(want)
    _same(got, want)


def test_collate_nested_structures_match_torch():
    def sample(i):
        return {
            "x": X[i],
            "label": int(Y[i]),
            "w": float(i) / 2,
            "flag": bool(i % 2),
            "name": f"s{i}",
            "np32": np.float32(i),
            "pair": (X[i, 0], i),
            "pt": Point(float(i), [i, i + 1]),
        }

    batch = [sample(i) for i in range(3)]
    _same(gdata.default_collate(batch), tdata.default_collate(batch))
    tuples = [(X[i], int(Y[i])) for i in range(4)]
    _same(gdata.default_collate(tuples), tdata.default_collate(tuples))
    with pytest.raises(RuntimeError, match="equal size"):
        gdata.default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="object"):
        gdata.default_collate([np.array([None]), np.array([None])])


class _Squares(gdata.Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"i": i, "v": np.array([i, i * i], dtype=np.float32)}


class _TSquares(tdata.Dataset):
    __len__ = _Squares.__len__
    __getitem__ = _Squares.__getitem__


class _Stream(gdata.IterableDataset):
    def __iter__(self):
        return iter([np.full(2, float(i)) for i in range(5)])

    def __len__(self):
        return 5


class _TStream(tdata.IterableDataset):
    __iter__ = _Stream.__iter__
    __len__ = _Stream.__len__


@pytest.mark.parametrize(
    "kw",
    [
        dict(batch_size=2),
        dict(batch_size=2, drop_last=True),
        dict(batch_size=None),
        dict(batch_size=2, num_workers=0),
    ],
)
def test_map_and_iterable_datasets_match_torch(kw):
    for ours_ds, theirs_ds in ((_Squares(), _TSquares()), (_Stream(), _TStream())):
        ours, theirs = gdata.DataLoader(ours_ds, **kw), tdata.DataLoader(theirs_ds, **kw)
        assert len(ours) == len(theirs)
        _same(list(ours), list(theirs))


def test_workers_run_in_process_with_the_same_batches():
    seq = [(_host(a), b.tolist()) for a, b in gdata.DataLoader(gdata.TensorDataset(X, Y), 3)]
    par = gdata.DataLoader(gdata.TensorDataset(X, Y), 3, num_workers=2, prefetch_factor=2)
    for (a, b), (c, d) in zip(seq, par, strict=True):
        np.testing.assert_array_equal(a, c)
        assert b == d.tolist()


def test_subset_and_concat_match_torch():
    ours = gdata.ConcatDataset([gdata.Subset(_Squares(), [4, 1]), _Squares()])
    theirs = tdata.ConcatDataset([tdata.Subset(_TSquares(), [4, 1]), _TSquares()])
    assert len(ours) == len(theirs) == 7
    for i in (0, 1, 2, 6, -1, -7):
        _same(gdata.default_collate([ours[i]]), tdata.default_collate([theirs[i]]))
    for lib in (gdata, tdata):
        with pytest.raises(ValueError):
            lib.ConcatDataset([_Squares()])[-9]


@pytest.mark.parametrize(
    "lengths", [[3, 4], [0.5, 0.5], [0.33, 0.33, 0.34], [0.1] * 10, [0.2, 0.8]]
)
def test_random_split_sizes_match_torch(lengths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a split of length 0 warns in both
        ours = gdata.random_split(range(7), lengths, generator=np.random.default_rng(0))
        theirs = tdata.random_split(range(7), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert sorted(i for s in ours for i in s) == list(range(7))


def test_random_split_errors_match_torch():
    for bad in ([3, 3], [0.5, 0.6], [-0.5, 1.5]):
        for lib, gen in ((gdata, np.random.default_rng(0)), (tdata, torch.Generator())):
            with pytest.raises(ValueError):
                lib.random_split(range(7), bad, generator=gen)
    with pytest.warns(UserWarning, match="index 1 is 0"):
        gdata.random_split(range(2), [0.1, 0.1, 0.8])


def test_sampler_lengths_and_draws():
    ds = range(5)
    for lib, gen in ((gdata, np.random.default_rng(1)), (tdata, torch.Generator())):
        assert len(lib.RandomSampler(ds, num_samples=12, generator=gen)) == 12
        assert len(lib.BatchSampler(lib.SequentialSampler(ds), 2, drop_last=True)) == 2
        assert len(lib.BatchSampler(lib.SequentialSampler(ds), 2, drop_last=False)) == 3
        assert len(lib.SubsetRandomSampler([1, 3], generator=gen)) == 2
        assert len(lib.WeightedRandomSampler([1.0, 0.0, 2.0], 6, generator=gen)) == 6
    counts = np.bincount(list(gdata.RandomSampler(ds, num_samples=12)), minlength=5)
    assert counts.min() >= 2 and counts.sum() == 12  # two whole permutations, then part of one
    draws = list(gdata.WeightedRandomSampler([1.0, 0.0, 2.0], 50))
    assert 1 not in draws and set(draws) <= {0, 2}
    assert sorted(gdata.WeightedRandomSampler([1.0, 0.0, 2.0], 2, replacement=False)) == [0, 2]
    assert sorted(gdata.SubsetRandomSampler([1, 3, 4])) == [1, 3, 4]
    assert set(gdata.RandomSampler(ds, replacement=True, num_samples=40)) <= set(ds)


@pytest.mark.parametrize(
    "kw",
    [
        dict(batch_size=2, batch_sampler=[[0, 1]]),
        dict(shuffle=True, batch_sampler=[[0, 1]]),
        dict(drop_last=True, batch_sampler=[[0, 1]]),
        dict(sampler=[0, 1], shuffle=True),
        dict(batch_size=None, drop_last=True),
        dict(num_workers=-1),
        dict(timeout=-1),
        dict(prefetch_factor=2),
        dict(persistent_workers=True),
        dict(batch_size=0),
        dict(batch_size=True),
    ],
)
def test_argument_checks_match_torch(kw):
    for lib, ds in ((gdata, _Squares()), (tdata, _TSquares())):
        with pytest.raises(ValueError):
            lib.DataLoader(ds, **kw)


def test_iterable_dataset_checks_and_frozen_attributes_match_torch():
    for lib, ds in ((gdata, _Stream()), (tdata, _TStream())):
        for kw in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
            with pytest.raises(ValueError):
                lib.DataLoader(ds, **kw)
        loader = lib.DataLoader(ds)
        with pytest.raises(ValueError, match="batch_size"):
            loader.batch_size = 3
    for lib in (gdata, tdata):
        with pytest.raises((TypeError, ValueError)):
            lib.RandomSampler(range(3), replacement=1)
        with pytest.raises(ValueError):
            lib.RandomSampler(range(3), num_samples=0)
        with pytest.raises(ValueError):
            lib.WeightedRandomSampler([[1.0, 2.0]], 2)
    with pytest.raises(TypeError, match="generator"):
        gdata.DataLoader(_Squares(), shuffle=True, generator=torch.Generator())


def test_shuffle_is_a_seeded_permutation_per_epoch():
    loader = gdata.DataLoader(gdata.TensorDataset(X, Y), batch_size=3, shuffle=True)

    def epoch_rows():
        rows = np.concatenate([_host(xb) for xb, _ in loader])
        return [int(np.flatnonzero((X == r).all(axis=(1, 2)))[0]) for r in rows]

    gnp.random.seed(5)
    first, second = epoch_rows(), epoch_rows()
    assert sorted(first) == sorted(second) == list(range(7)) and first != second
    gnp.random.seed(5)
    assert epoch_rows() == first
    a = gdata.DataLoader(range(7), batch_size=7, shuffle=True, generator=np.random.default_rng(2))
    b = gdata.DataLoader(range(7), batch_size=7, shuffle=True, generator=np.random.default_rng(2))
    assert list(a)[0].tolist() == list(b)[0].tolist()


@pytest.mark.parametrize("gather", [True, False])
def test_batches_of_a_tensor_that_requires_grad_match_torch_gradients(gather):
    w = RNG.normal(size=(2, 3))

    def run(lib, x, y, w):
        ds = lib.TensorDataset(x, y)
        if not gather:
            ds = lib.Subset(ds, range(7))  # samples one by one, stacked by default_collate
        total = 0.0
        for xb, yb in lib.DataLoader(ds, batch_size=3):
            assert xb.requires_grad
            total = total + (xb**3 * w).sum() * (yb + 1.0).sum()
        total.backward()
        return _host(x.grad)

    x = ad.tensor(X, requires_grad=True)
    tx = torch.tensor(X, requires_grad=True)
    got = run(gdata, x, Y, w)
    want = run(tdata, tx, torch.tensor(Y), torch.tensor(w))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    ysum = np.repeat([(Y[i : i + 3] + 1.0).sum() for i in range(0, 7, 3)], [3, 3, 1])
    np.testing.assert_allclose(got, 3 * X**2 * w * ysum[:, None, None], rtol=1e-12)
