"""torch's test/nn/ files other than test_convolution.py and test_pooling.py against gpuad.

Upstream: pytorch/pytorch test/nn/. Nine of those files (test_embedding.py, test_dropout.py,
test_multihead_attention.py, test_init.py, test_parametrization.py, test_load_state_dict.py,
test_module_hooks.py, test_lazy_modules.py, test_packed_sequence.py) are mapped method by
method in the docstring of test_torch_nn_gaps.py, with their ports there and in the files it
names; they are not mapped again here, except for the two test_parametrization.py methods
that map leaves out (``TestNNParametrization::test_register_parametrization_no_grad``, ported
here, and ``TestNNParametrizationDevice::test_weight_norm_parametrization``) and the three
test_init.py trunc_normal_ methods it records as checked by hand (ported here). This file maps
the one left: test/nn/test_pruning.py, class ``TestPruningNN`` (34 methods), onto
gpuad.nn.utils.prune. ``GAPS`` has one row per upstream method: a test of this file ("here"),
an earlier port ("covered") or a deliberate difference ("differs").

Every port runs the same tensors through torch.nn.utils.prune and gpuad.nn.utils.prune in one
process (float64, the same weights) and compares masks, pruned tensors, forward values,
gradients reaching ``<name>_orig``, state_dict keys and errors. torch's private helpers
(``_validate_pruning_amount_init``, ``_compute_nparams_toprune``) are checked through the
public calls that use them; a mask torch's tests set with ``mock.patch`` on ``compute_mask``
is set here with pytest's monkeypatch on both libraries. Random draws are each library's own:
only their counts are compared.

Fixed on the way (regressions in tests/test_torchnnfiles_regressions.py):
- structured pruning (ln_structured, random_structured) with ``dim`` out of range wrapped it
  around silently (dim=2 of a matrix pruned rows) and pruned a 1-d tensor; torch raises;
- ``PruningContainer.add_pruning_method(10)`` raised AttributeError (torch: TypeError), an
  empty container named by hand took a method of another tensor, and the container could not
  be indexed or iterated (``hook[0]``);
- ``BasePruningMethod.prune(t, default_mask, importance_scores)`` was missing;
- ``PruningContainer.compute_mask`` returned the default mask's dtype (torch: the tensor's);
- ``global_unstructured`` with a non-dict importance_scores raised "'list' object has no
  attribute 'get'";
- a second pruning of a tensor whose mask could not be computed (a bad ``dim``, a raising
  method) left the module without its pruning hook; it now keeps the earlier pruning intact.
- pruning a lazy layer's placeholder before its first call was accepted and the call then
  failed in matmul; it is refused by name, as torch's;
- a pickled pruned (or weight_norm'ed) module listed its recomputed weight as a parameter.
"""

from __future__ import annotations

import copy
import math
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn as gnn
from gpuad.nn.utils import prune as GP

torch = pytest.importorskip("torch")
TP = pytest.importorskip("torch.nn.utils.prune")
RNG = np.random.default_rng(7)
TOL = dict(rtol=1e-12, atol=1e-12)

_C = "test_pruning.py::TestPruningNN"
_P = "test_parametrization.py::"
_I = "test_init.py::TestNNInitDeviceType"

GAPS = (
    (_C, "test_validate_pruning_amount_init", "here: test_amount_validation_and_counts"),
    (_C, "test_validate_pruning_amount", "here: test_amount_validation_and_counts"),
    (_C, "test_compute_nparams_to_prune", "here: test_amount_validation_and_counts"),
    (_C, "test_random_pruning_sizes", "here: test_random_pruning_reparametrisation"),
    (_C, "test_random_pruning_orig", "here: test_random_pruning_reparametrisation"),
    (_C, "test_random_pruning_new_weight", "here: test_random_pruning_reparametrisation"),
    (_C, "test_identity_pruning", "here: test_masks_of_ones_change_nothing[identity]"),
    (_C, "test_random_pruning_0perc", "here: test_masks_of_ones_change_nothing[forced]"),
    (_C, "test_random_pruning", "here: test_forced_mask_gradient_update_forward_and_removal"),
    (
        _C,
        "test_random_pruning_forward",
        "here: test_forced_mask_gradient_update_forward_and_removal",
    ),
    (
        _C,
        "test_remove_pruning_forward",
        "here: test_forced_mask_gradient_update_forward_and_removal",
    ),
    (_C, "test_pruning_id_consistency", "here: test_random_pruning_reparametrisation"),
    (_C, "test_random_pruning_pickle", "here: test_random_pruning_reparametrisation"),
    (
        _C,
        "test_multiple_pruning_calls",
        "differs: torch's private module._forward_pre_hooks "
        "dict is not offered (the container is reached by gpuad's own lookup); here: "
        "test_multiple_pruning_calls_against_torch",
    ),
    (_C, "test_pruning_container", "here: test_pruning_container_checks"),
    (_C, "test_pruning_container_compute_mask", "here: test_container_compute_mask_as_torch"),
    (_C, "test_l1_unstructured_pruning", "here: test_by_hand_masks_as_torch[l1]"),
    (
        _C,
        "test_l1_unstructured_pruning_with_importance_scores",
        "here: test_by_hand_masks_as_torch[l1_scores]",
    ),
    (
        _C,
        "test_unstructured_pruning_same_magnitude",
        "here: test_ties_and_random_structured_counts",
    ),
    (_C, "test_random_structured_pruning_amount", "here: test_ties_and_random_structured_counts"),
    (_C, "test_ln_structured_pruning", "here: test_by_hand_masks_as_torch[ln]"),
    (
        _C,
        "test_ln_structured_pruning_importance_scores",
        "here: test_by_hand_masks_as_torch[ln_scores]",
    ),
    (_C, "test_remove_pruning", "here: test_random_pruning_reparametrisation"),
    (_C, "test_remove_pruning_exception", "here: test_remove_of_an_unpruned_tensor_raises"),
    (_C, "test_global_pruning", "here: test_global_pruning_as_torch"),
    (_C, "test_global_pruning_importance_scores", "here: test_global_pruning_as_torch"),
    (_C, "test_custom_from_mask_pruning", "here: test_container_compute_mask_as_torch"),
    (_C, "test_pruning_rollback", "here: test_pruning_rollback"),
    (_C, "test_pruning_serialization_model", "here: test_pruned_model_serialisation"),
    (_C, "test_pruning_serialization_state_dict", "here: test_pruned_model_serialisation"),
    (_C, "test_prune", "here: test_prune_method_as_torch"),
    (_C, "test_prune_importance_scores", "here: test_prune_method_as_torch"),
    (_C, "test_prune_importance_scores_mimic_default", "here: test_prune_method_as_torch"),
    (_C, "test_rnn_pruning", "here: test_rnn_pruning_against_torch"),
    # test_parametrization.py methods the map of test_torch_nn_gaps.py leaves out
    (
        _P + "TestNNParametrization",
        "test_register_parametrization_no_grad",
        "here: test_register_parametrization_no_grad",
    ),
    (
        _P + "TestNNParametrizationDevice",
        "test_weight_norm_parametrization",
        "covered: test_torch_nn_utils.py::test_weight_norm_parametrization",
    ),
    # test_init.py methods that map records as checked by hand only
    (_I, "test_trunc_normal_narrow_interval", "here: test_trunc_normal_draws[narrow]"),
    (_I, "test_trunc_normal_unique_values", "here: test_trunc_normal_draws[wide]"),
    (
        _I,
        "test_trunc_normal_no_boundary_values_small_std",
        "here: test_trunc_normal_draws[small_std]",
    ),
)


def test_every_gap_has_a_mapping():
    assert len(GAPS) == len({(c, n) for c, n, _ in GAPS}) == 34 + 2 + 3
    assert sum(c == _C for c, _, _ in GAPS) == 34
    for _cls, name, where in GAPS:
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), name
        for fn, param in re.findall(r"here: (test_\w+)(?:\[(\w+)\])?", where):
            assert fn in globals(), (name, fn)
            if param:
                marks = getattr(globals()[fn], "pytestmark", [])
                ids = [str(v) for m in marks for v in m.args[1]]
                assert param in ids, (name, param)
        for path, obj in re.findall(r"covered: ([\w/.]+\.py)::(\w+)", where):
            assert f"def {obj}(" in (Path(__file__).parent / path).read_text(), (name, obj)
    text = (Path(__file__).parent / "test_torch_nn_gaps.py").read_text()
    for f in (
        "test_embedding",
        "test_dropout",
        "test_multihead_attention",
        "test_init",
        "test_parametrization",
        "test_load_state_dict",
        "test_module_hooks",
        "test_lazy_modules",
        "test_packed_sequence",
    ):
        assert f"test/nn/{f}.py" in text, f


# ---- helpers ---------------------------------------------------------------------------------


def _np(a):
    if isinstance(a, torch.Tensor):
        return a.detach().numpy()
    return np.asarray(a.numpy() if isinstance(a, ad.Tensor) else a)


def _pair(cls, *args):
    """The same module in torch (float64) and gpuad, with torch's weights."""
    tm = getattr(torch.nn, cls)(*args).double()
    gm = getattr(gnn, cls)(*args)
    gm.load_state_dict({k: _np(v).copy() for k, v in tm.state_dict().items()})
    return tm, gm


def _raises_both(gfn, tfn):
    with pytest.raises(Exception) as te:
        tfn()
    with pytest.raises(Exception) as ge:
        gfn()
    kinds = (ValueError, TypeError, IndexError, AttributeError, AssertionError, RuntimeError)
    assert isinstance(ge.value, kinds), ge.value
    return te.value, ge.value


def _same(tm, gm, x):
    """Forward values and the gradients of every parameter (``*_orig`` included)."""
    tm.zero_grad()
    gm.zero_grad()
    ty = tm(torch.tensor(x))
    gy = gm(ad.tensor(x))
    ty = ty[0] if isinstance(ty, tuple) else ty
    gy = gy[0] if isinstance(gy, tuple) else gy
    np.testing.assert_allclose(_np(gy), _np(ty), **TOL)
    w = RNG.normal(size=tuple(ty.shape))
    (ty * torch.tensor(w)).sum().backward()
    (gy * ad.tensor(w)).sum().backward()
    tp, gp = dict(tm.named_parameters()), dict(gm.named_parameters())
    assert list(gp) == list(tp)
    for k in tp:
        np.testing.assert_allclose(_np(gp[k].grad), _np(tp[k].grad), **TOL, err_msg=k)


# ---- amounts ---------------------------------------------------------------------------------


def test_amount_validation_and_counts():
    for bad in ("I'm a string", 1.1, 20.0, -10, None):
        te, ge = _raises_both(
            lambda b=bad: GP.L1Unstructured(amount=b), lambda b=bad: TP.L1Unstructured(amount=b)
        )
        assert type(ge) is type(te) and "amount" in str(ge)
    for good in (0.34, 1500, 0, 0.0, 1, 1.0):
        GP.L1Unstructured(amount=good), GP.RandomStructured(amount=good, dim=0)
    # an int amount above the tensor's size is refused when the mask is computed
    te, ge = _raises_both(
        lambda: GP.l1_unstructured(gnn.Linear(19, 1), "weight", 20),
        lambda: TP.l1_unstructured(torch.nn.Linear(19, 1), "weight", 20),
    )
    assert type(ge) is type(te) is ValueError
    for amount, size in ((0.3, 0), (19, 20), (0, 0), (1, 1)):  # valid, the empty ones too
        tm, gm = _pair("Linear", size, 1)
        TP.l1_unstructured(tm, "weight", amount)
        GP.l1_unstructured(gm, "weight", amount)
        np.testing.assert_array_equal(_np(gm.weight_mask), _np(tm.weight_mask))
    # the number pruned: an int is a count, a float a fraction (rounded as torch's)
    for amount, size in (
        (0, 15),
        (10, 15),
        (1, 15),
        (1.0, 15),
        (0.4, 17),
        (0.5, 5),
        (0.5, 7),
        (0.25, 2),
        (0.3, 5),
    ):
        t = RNG.permutation(size) + 1.0
        for cls in ("L1Unstructured", "RandomUnstructured"):
            tmask = getattr(TP, cls)(amount).compute_mask(torch.tensor(t), torch.ones(size))
            gmask = getattr(GP, cls)(amount).compute_mask(t, np.ones(size))
            assert (gmask == 0).sum() == int((tmask == 0).sum()), (cls, amount, size)
            if cls == "L1Unstructured":
                np.testing.assert_array_equal(gmask, _np(tmask))


# ---- reparametrisation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "cls,args,xshape", [("Linear", (5, 7), (3, 5)), ("Conv3d", (2, 2, 2), (1, 2, 3, 3, 3))]
)
@pytest.mark.parametrize("name", ["weight", "bias"])
def test_random_pruning_reparametrisation(cls, args, xshape, name):
    tm, gm = _pair(cls, *args)
    param = getattr(gm, name)
    n_before = list(dict(gm.named_parameters()).values())
    GP.random_unstructured(gm, name, amount=0.5)
    TP.random_unstructured(tm, name, amount=0.5)
    orig, mask, pruned = (getattr(gm, name + s) for s in ("_orig", "_mask", ""))
    assert orig is param  # the Parameter moves: an optimiser built before keeps it
    assert {id(p) for p in gm.parameters()} == {id(p) for p in n_before}
    assert orig.shape == mask.shape == pruned.shape == param.shape
    assert _np(mask).dtype == _np(param).dtype
    assert (_np(mask) == 0).sum() == (_np(getattr(tm, name + "_mask")) == 0).sum()
    np.testing.assert_array_equal(_np(pruned), _np(orig) * _np(mask))
    assert list(dict(gm.named_parameters())) == list(dict(tm.named_parameters()))
    assert list(dict(gm.named_buffers())) == list(dict(tm.named_buffers()))
    assert list(gm.state_dict()) == list(tm.state_dict())
    assert name not in dict(gm.named_parameters()) and hasattr(gm, name)
    # the same masks in both: values and gradients as torch's
    getattr(tm, name + "_mask").copy_(torch.tensor(_np(mask)))
    _same(tm, gm, RNG.normal(size=xshape))
    np.testing.assert_array_equal(
        _np(getattr(gm, name + "_orig").grad) == 0, _np(getattr(tm, name + "_orig").grad) == 0
    )
    # pickling keeps the pruning (the hook recomputes the tensor)
    gm2 = pickle.loads(pickle.dumps(gm))
    assert type(gm2) is type(gm) and GP.is_pruned(gm2)
    x = RNG.normal(size=xshape)
    np.testing.assert_allclose(_np(gm2(ad.tensor(x))), _np(gm(ad.tensor(x))), **TOL)
    # removal: the Parameter object back under its name, holding the pruned values
    GP.remove(gm, name)
    TP.remove(tm, name)
    assert getattr(gm, name) is param and not GP.is_pruned(gm)
    assert {id(p) for p in gm.parameters()} == {id(p) for p in n_before}
    np.testing.assert_array_equal(_np(getattr(gm, name)), _np(pruned))
    assert list(gm.state_dict()) == list(tm.state_dict())
    _same(tm, gm, RNG.normal(size=xshape))


@pytest.mark.parametrize("how", ["identity", "forced"])
def test_masks_of_ones_change_nothing(how, monkeypatch):
    tm, gm = _pair("Linear", 5, 2)
    x = np.ones((1, 5))
    before = _np(gm(ad.tensor(x)))
    gm(ad.tensor(x)).sum().backward()
    gw, gb = _np(gm.weight.grad).copy(), _np(gm.bias.grad).copy()
    np.testing.assert_array_equal(gw, np.ones((2, 5)))
    gm.zero_grad()
    if how == "identity":
        GP.identity(gm, "weight")
        TP.identity(tm, "weight")
    else:  # a mask of ones whatever the amount
        monkeypatch.setattr(
            GP.RandomUnstructured,
            "compute_mask",
            lambda self, t, default_mask: np.ones_like(default_mask),
        )
        monkeypatch.setattr(
            TP.RandomUnstructured,
            "compute_mask",
            lambda self, t, default_mask: torch.ones_like(default_mask),
        )
        GP.random_unstructured(gm, "weight", amount=0.9)
        TP.random_unstructured(tm, "weight", amount=0.9)
    y = gm(ad.tensor(x))
    np.testing.assert_array_equal(_np(y), before)
    y.sum().backward()
    np.testing.assert_array_equal(_np(gm.weight_orig.grad), gw)
    np.testing.assert_array_equal(_np(gm.bias.grad), gb)
    np.testing.assert_array_equal(_np(gm(ad.tensor(x))), _np(gm(ad.tensor(x))))
    _same(tm, gm, RNG.normal(size=(3, 5)))


def test_forced_mask_gradient_update_forward_and_removal(monkeypatch):
    mask = np.ones((2, 5))
    mask[1, 0] = mask[0, 3] = 0
    monkeypatch.setattr(
        GP.RandomUnstructured, "compute_mask", lambda self, t, default_mask: mask.copy()
    )
    monkeypatch.setattr(
        TP.RandomUnstructured, "compute_mask", lambda self, t, default_mask: torch.tensor(mask)
    )
    tm, gm = _pair("Linear", 5, 2)
    GP.random_unstructured(gm, "weight", amount=0.9)
    TP.random_unstructured(tm, "weight", amount=0.9)
    x = np.ones((1, 5))
    gm(ad.tensor(x)).sum().backward()
    np.testing.assert_array_equal(_np(gm.weight_orig.grad), mask)
    np.testing.assert_array_equal(_np(gm.bias.grad), np.ones(2))
    # a step of SGD leaves the pruned entries of weight_orig as they were
    old = _np(gm.weight_orig).copy()
    gnn_opt = ad.optim.SGD(gm.parameters(), lr=1.0)
    gnn_opt.step()
    assert _np(gm.weight_orig)[1, 0] == old[1, 0] and _np(gm.weight_orig)[0, 3] == old[0, 3]
    np.testing.assert_array_equal(_np(gm.weight_orig), old - mask)
    topt = torch.optim.SGD(tm.parameters(), lr=1.0)
    tm(torch.tensor(x)).sum().backward()
    topt.step()
    _same(tm, gm, RNG.normal(size=(3, 5)))
    # the forward by hand: only the kept entries count
    y = _np(gm(ad.tensor(x)))
    w, b = _np(gm.weight_orig), _np(gm.bias)
    np.testing.assert_allclose(y[0], (w * mask).sum(1) + b, **TOL)
    GP.remove(gm, "weight")
    TP.remove(tm, "weight")
    np.testing.assert_array_equal(_np(gm(ad.tensor(x))), y)
    _same(tm, gm, RNG.normal(size=(3, 5)))


# ---- containers and successive prunings ------------------------------------------------------


def test_multiple_pruning_calls_against_torch():
    from gpuad.nn.prune import _method_of

    tm, gm = _pair("Conv3d", 2, 2, 2)
    steps = [
        ("l1_unstructured", dict(amount=0.1)),
        ("ln_structured", dict(amount=0.3, n=2, dim=0)),
        ("ln_structured", dict(amount=0.1, n=math.inf, dim=1)),
        ("l1_unstructured", dict(amount=3)),
        ("ln_structured", dict(amount=1, n=1, dim=-1)),
    ]
    masks = []
    for i, (fn, kw) in enumerate(steps):
        getattr(GP, fn)(gm, "weight", **kw)
        getattr(TP, fn)(tm, "weight", **kw)
        np.testing.assert_array_equal(_np(gm.weight_mask), _np(tm.weight_mask), err_msg=fn)
        masks.append(_np(gm.weight_mask).copy())
        if i:  # what an earlier pruning removed stays removed
            assert np.all(masks[-1][masks[-2] == 0] == 0)
            hook = _method_of(gm, "weight")
            assert isinstance(hook, GP.PruningContainer) and len(hook) == i + 1
            assert hook._tensor_name == "weight"
            kinds = {"l1_unstructured": "L1Unstructured", "ln_structured": "LnStructured"}
            assert [type(h).__name__ for h in hook] == [kinds[f] for f, _ in steps[: i + 1]]
        _same(tm, gm, RNG.normal(size=(1, 2, 3, 3, 3)))


def test_pruning_container_checks():
    c = GP.PruningContainer()
    c._tensor_name = "test"
    assert len(c) == 0
    p = GP.L1Unstructured(amount=2)
    p._tensor_name = "test"
    c.add_pruning_method(p)
    assert len(c) == 1 and c[0] is p and list(c) == [p]
    q = GP.L1Unstructured(amount=2)
    q._tensor_name = "another_test"
    tc = TP.PruningContainer()
    tc._tensor_name = "test"
    tq = TP.L1Unstructured(amount=2)
    tq._tensor_name = "another_test"
    for bad_g, bad_t in ((q, tq), (10, 10), ("ugh", "ugh")):
        te, ge = _raises_both(
            lambda b=bad_g: c.add_pruning_method(b), lambda b=bad_t: tc.add_pruning_method(b)
        )
        assert type(ge) is type(te)
    empty = GP.PruningContainer()  # unnamed: it takes the first method's name
    empty._tensor_name = "test"
    with pytest.raises(ValueError, match="another_test"):
        empty.add_pruning_method(q)
    assert len(c) == 1


def test_container_compute_mask_as_torch():
    t = np.array([[1.0, 2, 3, 4], [5, 6, 7, 8]])
    default = np.array([[1, 1, 1, 0], [1, 1, 0, 1]])
    c, tc = GP.PruningContainer(), TP.PruningContainer()
    c._tensor_name = tc._tensor_name = "test"
    for g, tmeth in (
        (GP.L1Unstructured(amount=2), TP.L1Unstructured(amount=2)),
        (GP.LnStructured(1, n=2, dim=0), TP.LnStructured(1, n=2, dim=0)),
        (GP.LnStructured(1, n=2, dim=1), TP.LnStructured(1, n=2, dim=1)),
    ):
        g._tensor_name = tmeth._tensor_name = "test"
        c.add_pruning_method(g)
        tc.add_pruning_method(tmeth)
        want = tc.compute_mask(torch.tensor(t), torch.tensor(default))
        for tt, dd in ((t, default), (ad.tensor(t), ad.tensor(default))):
            got = c.compute_mask(tt, dd)
            np.testing.assert_array_equal(_np(got), _np(want))
            assert _np(got).dtype == _np(want).dtype  # the tensor's dtype, as torch's
    # CustomFromMask: the new mask times the old one
    mask = np.array([[0, 1, 1, 0], [0, 0, 1, 1]])
    default = np.array([[0, 0, 0, 0], [1, 1, 1, 1]])
    t = RNG.random((2, 4))
    want = TP.CustomFromMask(mask=torch.tensor(mask)).compute_mask(
        torch.tensor(t), torch.tensor(default)
    )
    for m in (mask, ad.tensor(mask)):
        got = GP.CustomFromMask(mask=m).compute_mask(t, default)
        np.testing.assert_array_equal(_np(got), _np(want))
    te, ge = _raises_both(
        lambda: GP.custom_from_mask(gnn.Linear(3, 2), "bias", np.ones(3)),
        lambda: TP.custom_from_mask(torch.nn.Linear(3, 2), "bias", torch.ones(3)),
    )
    assert "shape" in str(ge)


# ---- masks by hand ---------------------------------------------------------------------------

_W = np.array([[1.0, 2, 3, 4], [-4, -3, -2, -1]])
_WS = np.array([[4.0, 2, 1, 3], [-3, -1, -2, -4]])
_C4 = np.array([[[[1.0, 2.0], [1.0, 2.5]], [[0.5, 1.0], [0.1, 0.1]], [[-3.0, -5.0], [0.1, -1.0]]]])
_C4S = np.array(
    [[[[10.0, 1.0], [10.0, 1.0]], [[30.0, 3.0], [30.0, 3.0]], [[-20.0, -2.0], [-20.0, -2.0]]]]
)


@pytest.mark.parametrize("case", ["l1", "l1_scores", "ln", "ln_scores"])
def test_by_hand_masks_as_torch(case):
    if case.startswith("l1"):
        tm, gm = _pair("Linear", 4, 2)
        w, s, xshape = _W, _WS, (3, 4)
        steps = [("l1_unstructured", dict(amount=2))] * 2
    else:
        tm, gm = _pair("Conv2d", 3, 1, 2)
        w, s, xshape = _C4, _C4S, (2, 3, 4, 4)
        steps = [
            ("ln_structured", dict(amount=1, n=2, dim=1)),
            ("ln_structured", dict(amount=1, n=1, dim=-1)),
        ]
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(w))
    gm.load_state_dict({"weight": w.copy(), "bias": _np(tm.bias).copy()})
    for fn, kw in steps:
        if case.endswith("scores"):
            getattr(GP, fn)(gm, "weight", importance_scores=ad.tensor(s), **kw)
            getattr(TP, fn)(tm, "weight", importance_scores=torch.tensor(s), **kw)
        else:
            getattr(GP, fn)(gm, "weight", **kw)
            getattr(TP, fn)(tm, "weight", **kw)
        np.testing.assert_array_equal(_np(gm.weight_mask), _np(tm.weight_mask))
        np.testing.assert_array_equal(_np(gm.weight), _np(tm.weight))
        _same(tm, gm, RNG.normal(size=xshape))
    # out-of-range and 1-d structured pruning is refused, as torch's
    for kw in (dict(dim=4), dict(dim=-5)):
        _raises_both(
            lambda k=kw: GP.ln_structured(gnn.Conv2d(3, 1, 2), "weight", 1, n=2, **k),
            lambda k=kw: TP.ln_structured(torch.nn.Conv2d(3, 1, 2), "weight", 1, n=2, **k),
        )
    te, ge = _raises_both(
        lambda: GP.random_structured(gnn.Linear(3, 2), "bias", 1, dim=0),
        lambda: TP.random_structured(torch.nn.Linear(3, 2), "bias", 1, dim=0),
    )
    assert type(ge) is type(te) is ValueError


@pytest.mark.parametrize("n", [1, 2, 3, 0.5, -1, math.inf, -math.inf, "fro"])
def test_ln_structured_norm_orders_as_torch(n):
    w = RNG.normal(size=(5, 6, 3))
    w[1, 0, 0] = 0.0
    for dim in (0, 1, -1):
        want = TP.LnStructured(2, n=n, dim=dim).compute_mask(torch.tensor(w), torch.ones(w.shape))
        got = GP.LnStructured(2, n=n, dim=dim).compute_mask(w, np.ones(w.shape))
        np.testing.assert_array_equal(got, _np(want))


def test_ties_and_random_structured_counts():
    t = 2 * RNG.integers(-1, 2, size=(10, 7))  # many equal magnitudes: a count, not a cut
    for amount in (0.2, 0.5, 13):
        got = GP.L1Unstructured(amount).compute_mask(t, np.ones_like(t))
        want = TP.L1Unstructured(amount).compute_mask(
            torch.tensor(t), torch.ones(t.shape, dtype=torch.long)
        )
        assert (got == 0).sum() == int((want == 0).sum())
        # the pruned entries are among the smallest magnitudes
        assert np.abs(t[got == 0]).max(initial=0) <= np.abs(t[got == 1]).min()
    t = 2.0 * RNG.integers(-1, 2, size=(5, 4, 2))
    for amount, axis in ((0.6, 2), (2, 0), (0.5, 1)):
        got = GP.RandomStructured(amount, dim=axis).compute_mask(t, np.ones_like(t))
        want = TP.RandomStructured(amount, dim=axis).compute_mask(
            torch.tensor(t), torch.ones(t.shape)
        )
        rest = tuple(a for a in range(3) if a != axis)
        assert sorted((got == 0).sum(axis=rest)) == sorted(_np((want == 0).sum(dim=rest)).tolist())


def test_remove_of_an_unpruned_tensor_raises():
    # and pruning a lazy layer's placeholder is refused, as torch's
    te, ge = _raises_both(
        lambda: GP.l1_unstructured(gnn.LazyLinear(3), "weight", 0.5),
        lambda: TP.l1_unstructured(torch.nn.LazyLinear(3), "weight", 0.5),
    )
    assert type(ge) is type(te) is ValueError and "uninitialized" in str(ge)
    for cls, args in (("Linear", (5, 7)), ("Conv3d", (2, 2, 2))):
        for name in ("weight", "bias"):
            tm, gm = _pair(cls, *args)
            assert not GP.is_pruned(gm) and not TP.is_pruned(tm)
            te, ge = _raises_both(
                lambda m=gm, n=name: GP.remove(m, n), lambda m=tm, n=name: TP.remove(m, n)
            )
            assert type(ge) is type(te) is ValueError and name in str(ge)


def test_global_pruning_as_torch():
    for scores in (False, True):
        (t1, g1), (t2, g2) = _pair("Linear", 4, 2), _pair("Linear", 3, 1)
        w2 = np.array([[0.0, 0.1, -2]])
        with torch.no_grad():
            t1.weight.copy_(torch.tensor(_W))
            t2.weight.copy_(torch.tensor(w2))
        g1.load_state_dict({"weight": _W.copy(), "bias": _np(t1.bias).copy()})
        g2.load_state_dict({"weight": w2.copy(), "bias": _np(t2.bias).copy()})
        kw_g, kw_t = {}, {}
        if scores:
            s2 = np.array([[0, 10.0, -0.2]])
            kw_g = dict(
                importance_scores={(g1, "weight"): ad.tensor(_WS), (g2, "weight"): ad.tensor(s2)}
            )
            kw_t = dict(
                importance_scores={
                    (t1, "weight"): torch.tensor(_WS),
                    (t2, "weight"): torch.tensor(s2),
                }
            )
        GP.global_unstructured(
            [(g1, "weight"), (g2, "weight")], GP.L1Unstructured, amount=4, **kw_g
        )
        TP.global_unstructured(
            [(t1, "weight"), (t2, "weight")], TP.L1Unstructured, amount=4, **kw_t
        )
        for t, g in ((t1, g1), (t2, g2)):
            np.testing.assert_array_equal(_np(g.weight), _np(t.weight))
        _same(t1, g1, RNG.normal(size=(2, 4)))
        _same(t2, g2, RNG.normal(size=(2, 3)))
    for args in ((5, GP.L1Unstructured), ([(gnn.Linear(2, 2), "weight")], GP.L1Unstructured)):
        targs = (
            (5, TP.L1Unstructured)
            if args[0] == 5
            else ([(torch.nn.Linear(2, 2), "weight")], TP.L1Unstructured)
        )
        kw_g = {} if args[0] == 5 else dict(importance_scores=[1])
        kw_t = {} if args[0] == 5 else dict(importance_scores=[1])
        te, ge = _raises_both(
            lambda: GP.global_unstructured(*args, amount=1, **kw_g),
            lambda: TP.global_unstructured(*targs, amount=1, **kw_t),
        )
        assert type(ge) is type(te) is TypeError
    te, ge = _raises_both(
        lambda: GP.global_unstructured(
            [(gnn.Linear(2, 2), "weight")], GP.LnStructured, amount=1, n=2, dim=0
        ),
        lambda: TP.global_unstructured(
            [(torch.nn.Linear(2, 2), "weight")], TP.LnStructured, amount=1, n=2, dim=0
        ),
    )
    assert type(ge) is type(te)


def test_pruning_rollback(monkeypatch):
    def fail(self, t, default_mask):
        raise RuntimeError("HA!")

    for cls, args in (("Linear", (5, 7)), ("Conv3d", (2, 2, 2))):
        for name in ("weight", "bias"):
            gm = getattr(gnn, cls)(*args)
            param = getattr(gm, name)
            with monkeypatch.context() as mp:
                mp.setattr(GP.L1Unstructured, "compute_mask", fail)
                with pytest.raises(RuntimeError, match="HA!"):
                    GP.l1_unstructured(gm, name, amount=0.9)
            assert dict(gm.named_parameters())[name] is param
            assert name + "_mask" not in dict(gm.named_buffers())
            assert name + "_orig" not in dict(gm.named_parameters())
            assert not GP.is_pruned(gm)
    # a failed second pruning leaves the first in place, hook included (torch drops the hook)
    gm = gnn.Linear(4, 3)
    GP.l1_unstructured(gm, "weight", amount=5)
    mask = _np(gm.weight_mask).copy()
    with pytest.raises(IndexError):
        GP.ln_structured(gm, "weight", 1, n=2, dim=3)
    np.testing.assert_array_equal(_np(gm.weight_mask), mask)
    with ad.no_grad():
        gm.weight_orig[...] = ad.tensor(np.ones((3, 4)))
    np.testing.assert_allclose(_np(gm(ad.tensor(np.eye(4)))) - _np(gm.bias), mask.T, **TOL)
    from gpuad.nn.prune import _method_of

    assert type(_method_of(gm, "weight")).__name__ == "L1Unstructured"


def test_pruned_model_serialisation(tmp_path):
    def model(lib):
        nn = torch.nn if lib is torch else gnn
        m = nn.Sequential(nn.Linear(10, 10), nn.ReLU(), nn.Linear(10, 1))
        return m.double() if lib is torch else m

    tm, gm = model(torch), model(ad)
    gm.load_state_dict({k: _np(v).copy() for k, v in tm.state_dict().items()})
    assert list(gm.state_dict()) == list(tm.state_dict())
    TP.l1_unstructured(tm[0], "weight", amount=0.9)
    GP.l1_unstructured(gm[0], "weight", amount=0.9)
    assert list(gm.state_dict()) == list(tm.state_dict())
    assert "0.weight_orig" in gm.state_dict() and "0.weight" not in gm.state_dict()
    pruned = _np(gm[0].weight).copy()
    np.testing.assert_array_equal(pruned, _np(tm[0].weight))
    # the whole pruned model saved and loaded: still pruned, the same values
    ad.save(gm, tmp_path / "m.pkl")
    new = ad.load(tmp_path / "m.pkl", weights_only=False)  # a whole module, as torch's test
    assert list(new.state_dict()) == list(gm.state_dict()) and GP.is_pruned(new)
    np.testing.assert_array_equal(_np(new[0].weight), pruned)
    x = RNG.normal(size=(3, 10))
    np.testing.assert_allclose(_np(new(ad.tensor(x))), _np(tm(torch.tensor(x))), **TOL)
    new2 = copy.deepcopy(gm)
    np.testing.assert_allclose(_np(new2(ad.tensor(x))), _np(tm(torch.tensor(x))), **TOL)
    # made permanent, then its state_dict loaded into a fresh model
    TP.remove(tm[0], "weight")
    GP.remove(gm[0], "weight")
    assert list(gm.state_dict()) == list(tm.state_dict())
    ad.save(gm.state_dict(), tmp_path / "sd.pkl")
    fresh = model(ad)
    fresh.load_state_dict(ad.load(tmp_path / "sd.pkl"))
    assert list(fresh.state_dict()) == list(model(torch).state_dict())
    np.testing.assert_array_equal(_np(fresh[0].weight), pruned)
    np.testing.assert_allclose(_np(fresh(ad.tensor(x))), _np(tm(torch.tensor(x))), **TOL)


def test_prune_method_as_torch():
    t = np.array([[1.0, 2, 3, 4], [5, 6, 7, 8]])
    default = np.array([[1, 1, 1, 0], [1, 1, 0, 1]])
    scores = np.array([[1, 2, 3, 4], [1.5, 1.6, 1.7, 1.8]])
    for kw in (
        {},
        dict(importance_scores="s"),
        dict(importance_scores="t"),
        dict(default_mask=None),
    ):
        g_kw = {k: {"s": scores, "t": t}.get(v, v) for k, v in kw.items()}
        t_kw = {k: (torch.tensor(g_kw[k]) if g_kw[k] is not None else None) for k in g_kw}
        g_kw.setdefault("default_mask", default)
        t_kw.setdefault("default_mask", torch.tensor(default))
        want = TP.L1Unstructured(amount=2).prune(torch.tensor(t), **t_kw)
        for conv in (np.asarray, ad.tensor):
            got = GP.L1Unstructured(amount=2).prune(
                conv(t), **{k: (conv(v) if v is not None else None) for k, v in g_kw.items()}
            )
            np.testing.assert_array_equal(_np(got), _np(want), err_msg=str(kw))
    with pytest.raises(ValueError, match="importance_scores"):
        GP.L1Unstructured(amount=2).prune(t, default, importance_scores=np.ones(3))
    # the pruned tensor differentiates as t * mask
    x = ad.tensor(t, requires_grad=True)
    GP.L1Unstructured(amount=3).prune(x, default).sum().backward()
    tx = torch.tensor(t, requires_grad=True)
    TP.L1Unstructured(amount=3).prune(tx, torch.tensor(default)).sum().backward()
    np.testing.assert_array_equal(_np(x.grad), _np(tx.grad))


def test_rnn_pruning_against_torch():
    for cls in ("LSTM", "GRU", "RNN"):
        tm, gm = _pair(cls, 4, 3, 2)
        x = RNG.normal(size=(5, 2, 4))
        GP.l1_unstructured(gm, "weight_ih_l0", 0.5)
        TP.l1_unstructured(tm, "weight_ih_l0", 0.5)
        GP.ln_structured(gm, "weight_hh_l1", 1, n=2, dim=0)
        TP.ln_structured(tm, "weight_hh_l1", 1, n=2, dim=0)
        np.testing.assert_array_equal(_np(gm.weight_ih_l0_mask), _np(tm.weight_ih_l0_mask))
        _same(tm, gm, x)
        for name in ("weight_ih_l0", "weight_hh_l1"):
            GP.remove(gm, name)
            TP.remove(tm, name)
        names = dict(gm.named_parameters())
        assert "weight_ih_l0" in names and "weight_ih_l0_orig" not in names
        _same(tm, gm, x)


# ---- test_parametrization.py rows the earlier map left out -------------------------------------


def test_register_parametrization_no_grad():
    """A many-to-one parametrization of a weight that needs no gradient: its originals need
    none either, and the rest of the module still trains, as torch's."""

    class TSplitCat(torch.nn.Module):
        def right_inverse(self, x):
            return torch.split(x, x.shape[0] // 2)

        def forward(self, x0, x1):
            return torch.cat([x0, x1])

    class GSplitCat(gnn.Module):
        def right_inverse(self, x):
            return ad.numpy.split(x, 2)

        def forward(self, x0, x1):
            return ad.numpy.concatenate([x0, x1])

    tm, gm = _pair("Linear", 8, 8)
    tm.weight.requires_grad = False
    gm.weight.requires_grad = False
    torch.nn.utils.parametrize.register_parametrization(tm, "weight", TSplitCat())
    gnn.utils.parametrize.register_parametrization(gm, "weight", GSplitCat())
    tp, gp = dict(tm.named_parameters()), dict(gm.named_parameters())
    assert list(gp) == list(tp)
    for k in tp:
        assert gp[k].requires_grad == tp[k].requires_grad, k
        np.testing.assert_array_equal(_np(gp[k]), _np(tp[k]))
    assert gm.weight.requires_grad is tm.weight.requires_grad is False
    x = RNG.normal(size=(3, 8))
    gy, ty = gm(ad.tensor(x)), tm(torch.tensor(x))
    np.testing.assert_allclose(_np(gy), _np(ty), **TOL)
    gy.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(_np(gm.bias.grad), _np(tm.bias.grad), **TOL)
    for k in ("parametrizations.weight.original0", "parametrizations.weight.original1"):
        assert gp[k].grad is None and tp[k].grad is None


def test_random_pruning_sequences_as_torch():
    """Random chains of magnitude, norm, mask, identity and global prunings of Linear and
    convolution layers (distinct random weights, so no ties): the masks, values and gradients
    as torch's after every step. (A negative-infinity norm is left out: over pruned slices it
    ties at 0, where torch's topk order is unspecified.)"""
    rng = np.random.default_rng(5)
    for trial in range(45):
        cls, args, xshape = [
            ("Linear", (6, 5), (2, 6)),
            ("Conv2d", (3, 4, 3), (1, 3, 5, 5)),
            ("Conv1d", (2, 3, 2), (2, 2, 6)),
        ][trial % 3]
        tm, gm = _pair(cls, *args)
        for _ in range(int(rng.integers(1, 5))):
            name = "weight" if rng.random() < 0.8 else "bias"
            shape = tuple(getattr(tm, name).shape)
            kind = int(rng.integers(0, 5))
            if kind == 1 and len(shape) < 2:
                kind = 0
            if kind == 4:
                amount = [0.1, 0.4, 3][int(rng.integers(0, 3))]
                TP.global_unstructured(
                    [(tm, "weight"), (tm, "bias")], TP.L1Unstructured, amount=amount
                )
                GP.global_unstructured(
                    [(gm, "weight"), (gm, "bias")], GP.L1Unstructured, amount=amount
                )
            else:
                if kind == 0:
                    fn, kw = "l1_unstructured", dict(amount=[0.0, 0.3, 0.5, 0, 2][trial % 5])
                    s = rng.normal(size=shape) if rng.random() < 0.3 else None
                elif kind == 1:
                    norms = [1, 2, math.inf, 3] + (["fro"] if len(shape) < 4 else [])
                    fn, s = "ln_structured", None
                    kw = dict(
                        amount=[0.2, 0.5, 1][int(rng.integers(0, 3))],
                        n=norms[int(rng.integers(0, len(norms)))],
                        dim=int(rng.integers(-len(shape), len(shape))),
                    )
                elif kind == 2:
                    fn, s = "custom_from_mask", None
                    kw = dict(mask=(rng.random(shape) < 0.7).astype(float))
                else:
                    fn, s, kw = "identity", None, {}
                tkw = {
                    k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()
                }
                gkw = {k: ad.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
                if s is not None:
                    tkw["importance_scores"], gkw["importance_scores"] = (
                        torch.tensor(s),
                        ad.tensor(s),
                    )
                try:
                    getattr(TP, fn)(tm, name, **tkw)
                except TypeError as e:  # torch's own failure re-pruning a fully pruned tensor
                    assert "cannot assign" in str(e)
                    break
                getattr(GP, fn)(gm, name, **gkw)
            for nm in ("weight", "bias"):
                tmask, gmask = getattr(tm, nm + "_mask", None), getattr(gm, nm + "_mask", None)
                assert (tmask is None) == (gmask is None), (trial, nm)
                if tmask is not None:
                    np.testing.assert_array_equal(_np(gmask), _np(tmask), err_msg=str(trial))
            _same(tm, gm, rng.normal(size=xshape))


@pytest.mark.parametrize("case", ["narrow", "wide", "small_std"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_trunc_normal_draws(case, dtype):
    """nn.init.trunc_normal_: every draw inside [a, b], none on a bound, many distinct values,
    and the truncated normal's distribution (scipy's KS test), where torch's draws pass too."""
    stats = pytest.importorskip("scipy.stats")
    mean, std, a, b = {
        "narrow": (0.0, 1.0, 2.0, 3.0),
        "wide": (0.0, 1.0, -2.0, 2.0),
        "small_std": (0.0, 0.1, -2.0, 2.0),
    }[case]
    ad.numpy.random.seed(3)
    torch.manual_seed(3)
    t = ad.tensor(np.zeros(10000, dtype=dtype))
    gnn.init.trunc_normal_(t, mean=mean, std=std, a=a, b=b)
    tt = torch.zeros(10000, dtype=torch.float32 if dtype == np.float32 else torch.float64)
    torch.nn.init.trunc_normal_(tt, mean=mean, std=std, a=a, b=b)
    for v in (_np(t), _np(tt)):
        assert v.dtype == dtype
        assert np.isfinite(v).all() and v.min() >= a and v.max() <= b
        assert not (v == a).any() and not (v == b).any()
        assert np.unique(v).size > 5000
        z = (v.astype(np.float64) - mean) / std
        p = stats.kstest(z, "truncnorm", args=((a - mean) / std, (b - mean) / std)).pvalue
        assert p > 1e-4
