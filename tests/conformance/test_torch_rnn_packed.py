"""torch.nn.utils.rnn's packed and padded sequences, RNN/LSTM/GRU on packed input and LSTM's
proj_size, against PyTorch in float64: torch's weights loaded by name, then outputs, final
states and the gradients of every parameter and input compared at 1e-10; the pack/pad
utilities' batch_sizes and permutations; a variable-length sequence classifier trained a few
steps with gpuad.optim, its losses compared with torch's step by step."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn.utils.rnn as R
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.nn import functional as F
from gpuad.testing import check_grads

torch = pytest.importorskip("torch")
TR = torch.nn.utils.rnn
TOL = dict(rtol=1e-10, atol=1e-12)


def _np(a):
    return a.detach().numpy() if isinstance(a, torch.Tensor) else to_host(a)


def to_host(a):
    return a.numpy() if isinstance(a, ad.Tensor) else np.asarray(a)


def _compare(t_fn, g_fn, arrays, rng, t_params=(), g_params=()):
    """``t_fn``/``g_fn`` on the same float64 ``arrays``: every output equal, then the
    gradients of a random projection of the float outputs for the arrays and parameters."""
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    gs = [ad.tensor(a, requires_grad=True) for a in arrays]
    yt, yg = t_fn(*ts), g_fn(*gs)
    assert len(yt) == len(yg)
    floats = []
    for a, b in zip(yt, yg, strict=True):
        want, got = _np(a), to_host(b)
        assert got.shape == want.shape, (got.shape, want.shape)
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got, want, **TOL)
            floats.append((a, b, rng.standard_normal(want.shape)))
        else:
            np.testing.assert_array_equal(got, want)
    sum((a * torch.tensor(u)).sum() for a, _, u in floats).backward()
    sum(gnp.sum(b * u) for _, b, u in floats).backward()
    for a, b in zip(ts, gs, strict=True):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            np.testing.assert_allclose(to_host(b.grad), a.grad.numpy(), **TOL)
    gp = dict(g_params)
    for name, p in t_params:
        np.testing.assert_allclose(to_host(gp[name].grad), p.grad.numpy(), **TOL, err_msg=name)


def _load(gm, tm):
    assert [k for k, _ in gm.named_parameters()] == list(tm.state_dict())  # torch's order
    gm.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})


# ---- the utilities ----------------------------------------------------------------------------


def test_pad_sequence_against_torch(rng):
    seqs = [rng.standard_normal((k, 2)) for k in (2, 4, 1, 0, 4)]

    def run(lib):
        def f(*xs):
            return [
                lib.pad_sequence(list(xs), bf, -1.5, side)
                for bf in (False, True)
                for side in ("right", "left")
            ]

        return f

    _compare(run(TR), run(R), seqs, rng)


@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_against_torch(rng, batch_first):
    lens = [2, 4, 1, 4, 3]  # ties: torch's sort keeps their order
    x = rng.standard_normal((5, 4, 2) if batch_first else (4, 5, 2))

    def run(lib):
        def f(x):
            out = []
            for srt, ls in ((False, lens), (True, sorted(lens, reverse=True))):
                p = lib.pack_padded_sequence(x, ls, batch_first, enforce_sorted=srt)
                out += [p.data, p.batch_sizes]
                out += [p.sorted_indices, p.unsorted_indices] if not srt else []
                for total in (None, 6):
                    y, n = lib.pad_packed_sequence(p, batch_first, 0.5, total)
                    out += [y, n]
            return out

        return f

    _compare(run(TR), run(R), [x], rng)
    p = R.pack_padded_sequence(x, lens, batch_first, enforce_sorted=False)
    assert isinstance(p, tuple) and p._fields == TR.PackedSequence._fields
    rebuilt = R.PackedSequence(p.data * 2.0, p.batch_sizes, list(p.sorted_indices))
    want = TR.invert_permutation(torch.tensor(p.sorted_indices)).numpy()
    np.testing.assert_array_equal(rebuilt.unsorted_indices, want)
    np.testing.assert_array_equal(R.invert_permutation(p.sorted_indices), want)


def test_pack_sequence_unpack_unpad_against_torch(rng):
    seqs = [rng.standard_normal((k, 3)) for k in (3, 1, 4)]

    def run(lib, lengths):
        def f(*xs):
            p = lib.pack_sequence(list(xs), enforce_sorted=False)
            padded = lib.pad_sequence(list(xs), batch_first=True)
            unpadded = lib.unpad_sequence(padded, lengths, batch_first=True)
            return [p.data, *lib.unpack_sequence(p), *unpadded]

        return f

    _compare(run(TR, torch.tensor([3, 1, 4])), run(R, np.array([3, 1, 4])), seqs, rng)
    back = R.unpack_sequence(R.pack_sequence(seqs, enforce_sorted=False))
    for a, b in zip(seqs, back, strict=True):
        np.testing.assert_array_equal(to_host(b), a)


def test_utility_errors():
    x = np.zeros((4, 3, 1))
    with pytest.raises(RuntimeError, match=r"pack_padded_sequence: `lengths` \[2, 3, 1\] must "):
        R.pack_padded_sequence(x, [2, 3, 1])
    with pytest.raises(RuntimeError, match="pack_padded_sequence: .*enforce_sorted=False"):
        R.pack_sequence([np.zeros((1, 1)), np.zeros((2, 1))])
    with pytest.raises(RuntimeError, match="every length must be at least 1"):
        R.pack_padded_sequence(x, [3, 2, 0])
    with pytest.raises(RuntimeError, match=r"len\(lengths\)` to be equal to batch_size"):
        R.pack_padded_sequence(x, [3, 2])
    with pytest.raises(ValueError, match="a length of 5 exceeds the 4 steps"):
        R.pack_padded_sequence(x, [5, 2, 1])
    with pytest.raises(TypeError, match="lengths must be integers"):
        R.pack_padded_sequence(x, [2.5, 2, 1])
    p = R.pack_padded_sequence(x, [4, 2, 1])
    with pytest.raises(ValueError, match="total_length=3 and max sequence length being 4"):
        R.pad_packed_sequence(p, total_length=3)
    with pytest.raises(ValueError, match=r"sequence 1 has shape \(2, 3\)"):
        R.pad_sequence([np.zeros((1, 2)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="padding_side must be 'left' or 'right'"):
        R.pad_sequence([np.zeros(1)], padding_side="top")
    lstm = nn.LSTM(1, 3, proj_size=2)
    with pytest.raises(ValueError, match=r"LSTM: h_0 must have shape \(1, 3, 2\) .*proj_size"):
        lstm(p, (np.zeros((1, 3, 3)), np.zeros((1, 3, 3))))
    with pytest.raises(ValueError, match=r"PackedSequence with data \(T, 2\)"):
        nn.GRU(2, 2)(p)
    with pytest.raises(ValueError, match=r"data has 6 rows but its batch_sizes \[3, 2, 1, 1\]"):
        nn.GRU(1, 2)(R.PackedSequence(np.zeros((6, 1)), [3, 2, 1, 1]))
    with pytest.raises(ValueError, match="batch_sizes must be positive and non-increasing"):
        R.PackedSequence(np.zeros((6, 1)), [2, 3, 1])
    with pytest.raises(ValueError, match="proj_size should be a positive integer"):
        nn.LSTM(1, 3, proj_size=-1)


# ---- recurrent layers on packed input ---------------------------------------------------------

CASES = [
    ("RNN", dict(), [4, 3, 3, 1], False, False),
    ("RNN", dict(num_layers=2, bidirectional=True, nonlinearity="relu"), [3, 1, 4, 3], True, True),
    ("LSTM", dict(bidirectional=True), [3, 1, 4, 3], False, True),
    ("LSTM", dict(num_layers=2, bidirectional=True, proj_size=2), [3, 1, 4, 3], True, True),
    ("LSTM", dict(num_layers=2, proj_size=3, bias=False), [4, 2, 2, 1], False, False),
    ("GRU", dict(num_layers=2), [2, 1, 4, 3], False, True),
    ("GRU", dict(bidirectional=True, bias=False), [4, 4, 2, 1], True, False),
]


@pytest.mark.parametrize("cls,kw,lens,batch_first,with_h0", CASES, ids=[c[0] for c in CASES])
def test_packed_layers_against_torch(rng, cls, kw, lens, batch_first, with_h0):
    n_in, hid, steps, n = 3, 4, max(lens), len(lens)
    tm = getattr(torch.nn, cls)(n_in, hid, batch_first=batch_first, **kw).double()
    gm = getattr(nn, cls)(n_in, hid, batch_first=batch_first, **kw)
    _load(gm, tm)
    arrays = [rng.standard_normal((n, steps, n_in) if batch_first else (steps, n, n_in))]
    layers = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    if with_h0:
        arrays.append(rng.standard_normal((layers, n, kw.get("proj_size") or hid)))
        if cls == "LSTM":
            arrays.append(rng.standard_normal((layers, n, hid)))
    srt = lens == sorted(lens, reverse=True)

    def run(lib, m):
        def f(x, *h):
            p = lib.pack_padded_sequence(x, lens, batch_first, enforce_sorted=srt)
            out, hn = m(p, (tuple(h) if cls == "LSTM" else h[0]) if h else None)
            y, _ = lib.pad_packed_sequence(out, batch_first, total_length=steps + 1)
            assert np.array_equal(np.asarray(out.batch_sizes), np.asarray(p.batch_sizes))
            return [out.data, y, *(hn if cls == "LSTM" else [hn])]

        return f

    _compare(
        run(TR, tm), run(R, gm), arrays, rng, list(tm.named_parameters()), gm.named_parameters()
    )


@pytest.mark.parametrize("batch_first", [False, True])
def test_lstm_proj_size_padded_against_torch(rng, batch_first):
    kw = dict(num_layers=2, bidirectional=True, proj_size=2, batch_first=batch_first)
    tm, gm = torch.nn.LSTM(3, 4, **kw).double(), nn.LSTM(3, 4, **kw)
    _load(gm, tm)
    assert gm.weight_hr_l1_reverse.shape == (2, 4) and gm.weight_ih_l1.shape == (16, 4)
    arrays = [rng.standard_normal((2, 3, 3) if batch_first else (3, 2, 3))]
    arrays.append(rng.standard_normal((4, 2, 2)))
    arrays.append(rng.standard_normal((4, 2, 4)))

    def run(m):
        def f(x, h, c):
            out, (hn, cn) = m(x, (h, c))
            return [out, hn, cn]

        return f

    _compare(run(tm), run(gm), arrays, rng, list(tm.named_parameters()), gm.named_parameters())
    unbatched = gm(ad.tensor(rng.standard_normal((3, 3))))
    assert unbatched[0].shape == (3, 4) and unbatched[1][1].shape == (4, 4)


def test_packed_lstm_finite_differences(rng):
    gnp.random.seed(3)
    lstm = nn.LSTM(2, 3, bidirectional=True, proj_size=1)

    def f(x, h, c):
        p = R.pack_padded_sequence(x, [1, 3], enforce_sorted=False)
        out, (hn, cn) = lstm(p, (h, c))
        return R.pad_packed_sequence(out)[0], hn, cn

    arrays = (rng.standard_normal((3, 2, 2)), rng.standard_normal((2, 2, 1)))
    check_grads(f, arrays + (rng.standard_normal((2, 2, 3)),), order=1, modes=("rev",))


# ---- a program: a sequence classifier on variable-length sequences -----------------------------


def test_sequence_classifier_training_against_torch(rng):
    """Tokens of sequences of different lengths -> embedding -> packed bidirectional LSTM
    with a projection -> the last states of both directions -> logits; Adam on cross-entropy.
    The same program in both libraries, from torch's initial weights."""
    n_tok, n_cls, steps = 7, 3, 5
    lens = [5, 2, 1, 4, 3, 5]
    tokens = rng.integers(1, n_tok, size=(len(lens), steps))
    for i, k in enumerate(lens):
        tokens[i, k:] = 0  # padding
    labels = rng.integers(0, n_cls, size=len(lens))

    def program(lib, nnm, Fm, cat, tensor):
        class Classifier(nnm.Module):
            def __init__(self):
                super().__init__()
                self.embed = nnm.Embedding(n_tok, 3)
                self.rnn = nnm.LSTM(3, 4, batch_first=True, bidirectional=True, proj_size=2)
                self.head = nnm.Linear(4, n_cls)

            def forward(self, tokens, lengths):
                packed = lib.pack_padded_sequence(
                    self.embed(tokens), lengths, batch_first=True, enforce_sorted=False
                )
                out, (h, _) = self.rnn(packed)
                padded, _ = lib.pad_packed_sequence(out, batch_first=True)
                pooled = padded.sum(1) / tensor(np.array(lengths, float)[:, None])
                last = Fm.tanh(cat([h[-2], h[-1]], 1))
                return self.head(last * 0.5 + pooled)

        return Classifier

    tp = program(TR, torch.nn, torch.nn.functional, torch.cat, torch.tensor)
    gp = program(R, nn, F, gnp.concatenate, ad.tensor)
    torch.manual_seed(0)
    tmodel = tp().double()
    gmodel = gp()
    gmodel.load_state_dict({k: v.detach().numpy().copy() for k, v in tmodel.state_dict().items()})
    topt = torch.optim.Adam(tmodel.parameters(), lr=0.05)
    gopt = optim.Adam(gmodel.parameters(), lr=0.05)
    t_tok, g_tok = torch.tensor(tokens), ad.tensor(tokens)
    t_lab, g_lab = torch.tensor(labels), ad.tensor(labels)
    losses = []
    for _ in range(4):
        topt.zero_grad()
        tl = torch.nn.functional.cross_entropy(tmodel(t_tok, lens), t_lab)
        tl.backward()
        topt.step()
        gopt.zero_grad()
        gl = F.cross_entropy(gmodel(g_tok, lens), g_lab)
        gl.backward()
        gopt.step()
        np.testing.assert_allclose(float(gl), tl.item(), **TOL)
        losses.append(float(gl))
    assert losses[-1] < losses[0]
    got = dict(gmodel.named_parameters())
    for k, v in tmodel.named_parameters():
        np.testing.assert_allclose(to_host(got[k]), v.detach().numpy(), rtol=1e-9, err_msg=k)
