"""What the map of JAX's tree_util, pickle, image and indexing tests
(tests/conformance/test_jax_misc_gaps.py) found: pickling a traced value inside ``gpuad.jit``
froze its first value into the compiled function; pickling or ``copy.copy`` of a value with
jvp tangents, or of one requiring grad inside ``gpuad.grad``, dropped its derivatives
silently; a module-level jitted function did not pickle, nor did a treedef holding a node
registered with lambdas (or by ``register_dataclass``); ``vmap`` took no registered node as
an ``in_axes`` prefix; ``jit`` keyed an argument's structure by equality, so metadata 0.0 and
-0.0 (or dict keys 1, 1.0, True) shared a program; ``x.at[mask]`` with a mode took a mask
of another length than its axis; and ``ravel_pytree``'s ``unravel``
cast a vector to the leaves' dtype (a complex vector lost its imaginary part) where JAX keeps
a one-dtype tree's vector dtype and refuses a wrong one."""

from __future__ import annotations

import copy
import dataclasses
import math
import pickle

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import tree_util as gtu
from gpuad.flatten_util import ravel_pytree
from gpuad.jit.trace import TracerError


@dataclasses.dataclass
class _Layer:
    w: object
    tag: str


gtu.register_dataclass(_Layer, data_fields=["w"], meta_fields=["tag"])


class _Pair:
    def __init__(self, a, b):
        self.a, self.b = a, b


gtu.register_pytree_node(_Pair, lambda p: ((p.a, p.b), None), lambda _, kids: _Pair(*kids))


@ad.jit
def _module_level_product(x, y):
    return x * y


def test_pickling_a_traced_value_refuses_instead_of_freezing_it(backend):
    dumps = ad.jit(lambda x: pickle.dumps(x))
    with pytest.raises(TracerError, match="pickling of a traced value"):
        dumps(ad.tensor(gnp.asarray(1.0)))
    # a value the function closes over is a constant: it pickles
    c = ad.tensor(gnp.asarray([1.0, 2.0]))
    f = ad.jit(lambda x: x * pickle.loads(pickle.dumps(c)))
    np.testing.assert_array_equal(to_numpy(f(ad.tensor(gnp.asarray([3.0, 4.0])))), [3.0, 8.0])


def test_pickling_refuses_values_whose_tangents_it_would_drop(backend):
    def g(x):
        return x * pickle.loads(pickle.dumps(x))

    with pytest.raises(TypeError, match="tangents .* cannot be pickled"):
        ad.jvp(g, (ad.tensor(gnp.asarray(3.0)),), (ad.tensor(gnp.asarray(1.0)),))
    with pytest.raises(TypeError, match="tangents .* cannot be copied"):  # was 3, not 6
        ad.jvp(lambda x: copy.copy(x) * x, (ad.tensor(gnp.asarray(3.0)),),
               (ad.tensor(gnp.asarray(1.0)),))
    out, tan = ad.jvp(lambda x: gnp.copy(x) * x, (ad.tensor(gnp.asarray(3.0)),),
                      (ad.tensor(gnp.asarray(1.0)),))
    assert float(to_numpy(tan)) == 6.0
    t = ad.tensor(gnp.asarray([1.0, 2.0]), requires_grad=True)
    leaf = pickle.loads(pickle.dumps(t))  # a leaf pickles: a new leaf with the flag
    assert leaf.requires_grad and leaf.is_leaf
    np.testing.assert_array_equal(to_numpy(leaf), [1.0, 2.0])


def test_pickling_inside_grad_refuses_values_that_require_grad(backend):
    # the copy was a constant: grad(x * copy(x)) at 3 gave 3, not 6
    for f in (lambda x: x * pickle.loads(pickle.dumps(x)), lambda x: x * copy.copy(x),
              lambda x: x * pickle.loads(pickle.dumps(x * 2.0))):
        with pytest.raises(TypeError, match="inside gpuad.grad"):
            ad.grad(f)(ad.tensor(gnp.asarray(3.0)))
        with pytest.raises(TypeError, match="inside gpuad.grad"):
            ad.vjp(f, ad.tensor(gnp.asarray(3.0)))
    g = ad.grad(lambda x: x * gnp.copy(x))(ad.tensor(gnp.asarray(3.0)))
    assert float(to_numpy(g)) == 6.0
    g = ad.grad(lambda x: x * pickle.loads(pickle.dumps(x.detach())))(
        ad.tensor(gnp.asarray(3.0)))
    assert float(to_numpy(g)) == 3.0  # detached on purpose: a constant
    c = ad.tensor(gnp.asarray(2.0))  # no grad required: pickles inside grad
    g = ad.grad(lambda x: x * pickle.loads(pickle.dumps(c)))(ad.tensor(gnp.asarray(3.0)))
    assert float(to_numpy(g)) == 2.0


def test_module_level_jitted_function_pickles_by_name(backend):
    g = pickle.loads(pickle.dumps(_module_level_product))
    assert g is _module_level_product
    assert float(to_numpy(g(ad.tensor(gnp.asarray(3.0)), 4.0))) == 12.0


def test_treedefs_of_nodes_registered_with_lambdas_pickle(backend):
    # the node pickled its unflatten function: a lambda (or register_dataclass's local one)
    # made pickle.dumps(treedef) raise; JAX's treedefs pickle by the registered type
    tree = {"l": _Layer(gnp.asarray([1.0, 2.0]), "x"), "p": _Pair(1, (2, 3))}
    leaves, treedef = gtu.tree_flatten(tree)
    back = pickle.loads(pickle.dumps(treedef))
    assert back == treedef and str(back) == str(treedef)
    rebuilt = gtu.tree_unflatten(back, leaves)
    assert rebuilt["l"].tag == "x" and rebuilt["p"].b == (2, 3)
    np.testing.assert_array_equal(to_numpy(rebuilt["l"].w), [1.0, 2.0])
    paths = gtu.tree_flatten_with_path(tree)[0]
    assert [gtu.keystr(p) for p, _ in pickle.loads(pickle.dumps(paths))] == [
        "['l'].w", "['p'][<flat index 0>]", "['p'][<flat index 1>][0]",
        "['p'][<flat index 1>][1]"]


def test_unravel_keeps_one_dtype_trees_polymorphic(backend):
    x = gnp.arange(10, dtype=np.float32)
    flat, unravel = ravel_pytree(x)
    mask = flat < 5.3
    back = unravel(mask)
    assert back.dtype == np.bool_
    np.testing.assert_array_equal(to_numpy(back), np.arange(10) < 5.3)
    z = gnp.asarray(np.array([1 + 2j, 3 - 1j]))
    back = ravel_pytree({"a": gnp.asarray(np.array([1.0, 2.0]))})[1](z)["a"]
    assert back.dtype == np.complex128  # was cast to float64: the imaginary part lost
    np.testing.assert_array_equal(to_numpy(back), [1 + 2j, 3 - 1j])


def test_unravel_of_mixed_dtypes_requires_the_promoted_dtype(backend):
    tree = (gnp.arange(3, dtype=np.float32), gnp.arange(3, dtype=np.int32))
    flat, unravel = ravel_pytree(tree)
    with pytest.raises(TypeError, match="but expected dtype"):
        unravel(flat < 1.5)
    a, b = unravel(flat + 1)  # the promoted dtype: cast back to each leaf's
    assert (a.dtype, b.dtype) == (np.float32, np.int32)
    np.testing.assert_array_equal(to_numpy(b), [1, 2, 3])


def test_unravel_gradient_still_flows(backend):
    w = ad.tensor(gnp.asarray([1.0, -2.0]))

    def loss(w):
        flat, unravel = ravel_pytree({"w": w, "b": gnp.asarray(np.float64(0.5))})
        t = unravel(flat * 3.0)
        return (t["w"] ** 2).sum() + t["b"]

    np.testing.assert_allclose(to_numpy(ad.grad(loss)(w)), 18.0 * np.array([1.0, -2.0]))


@dataclasses.dataclass
class _Params:
    w: object
    b: object
    tag: str


gtu.register_dataclass(_Params, data_fields=["w", "b"], meta_fields=["tag"])


def test_vmap_in_axes_prefix_of_a_registered_node(backend):
    # in_axes=_Params(0, None, ...) was refused: only tuples, lists and dicts were prefixes
    w = gnp.asarray(np.arange(6.0).reshape(2, 3))
    b = gnp.asarray(1.5)
    f = ad.vmap(lambda p: gnp.sum(p.w) * p.b, in_axes=(_Params(0, None, "t"),))
    np.testing.assert_allclose(to_numpy(f(_Params(w, b, "t"))), [4.5, 18.0])
    g = ad.grad(lambda b: gnp.sum(f(_Params(w, b, "t"))))(ad.tensor(b))
    assert float(to_numpy(g)) == 15.0
    for bad in (_Params(0, None, "other"), [0, None]):  # other metadata, another container
        with pytest.raises(ValueError, match="does not match the structure"):
            ad.vmap(lambda p: p.w, in_axes=(bad,))(_Params(w, b, "t"))
    out = ad.vmap(lambda r: _Params(r, gnp.sum(r), "t"), out_axes=_Params(1, 0, "t"))(w)
    assert out.w.shape == (3, 2) and out.tag == "t"


@dataclasses.dataclass
class _Tagged:
    w: object
    meta: object


gtu.register_dataclass(_Tagged, data_fields=["w"], meta_fields=["meta"])


def test_jit_keys_structure_metadata_by_type_and_sign(backend):
    # aux data 0.0 and -0.0, or 1, 1.0 and True, are equal: they shared one program, traced
    # with the first (copysign(1, -0.0) gave +1, full(2, True) gave int64)
    w = ad.tensor(gnp.asarray([1.0, 2.0]))
    f = ad.jit(lambda p: p.w * math.copysign(1.0, p.meta))
    np.testing.assert_array_equal(to_numpy(f(_Tagged(w, 0.0))), [1.0, 2.0])
    np.testing.assert_array_equal(to_numpy(f(_Tagged(w, -0.0))), [-1.0, -2.0])
    g = ad.jit(lambda p: gnp.full(2, p.meta))
    assert [g(_Tagged(w, m)).dtype for m in (1, 1.0, True)] == [np.int64, np.float64,
                                                                np.bool_]
    k = ad.jit(lambda d: gnp.full(2, next(iter(d))))
    assert [k({key: w}).dtype for key in (1, 1.0, True)] == [np.int64, np.float64, np.bool_]
    # equal structures still share one program
    f(_Tagged(w, 2.0))
    hits = f.cache_info()["hits"]
    f(_Tagged(w, 2.0))
    assert f.cache_info()["hits"] == hits + 1


def test_at_refuses_a_boolean_mask_of_another_length_in_every_mode(backend):
    # mode="drop"/"clip"/"fill" read the mask's nonzero positions as integer indices: a mask
    # of 4 on an axis of 3 dropped, or clamped onto row 2, the update of "row 3"
    x = ad.tensor(gnp.asarray(np.arange(12.0).reshape(3, 4)))
    m = gnp.asarray(np.array([True, False, True, True]))
    for mode in (None, "drop", "clip", "fill", "promise_in_bounds"):
        with pytest.raises(IndexError, match="boolean index did not match"):
            x.at[m].set(2.5, mode=mode)
        with pytest.raises(IndexError, match="along axis 1"):
            x.at[..., m[:3]].get(mode=mode)
    out = x.at[:, m].set(0.0, mode="drop")  # a mask of the axis's length: as before
    np.testing.assert_array_equal(to_numpy(out)[:, 1], [1.0, 5.0, 9.0])
    assert float(to_numpy(out).sum()) == 15.0
    v = ad.vmap(lambda r: r.at[m].set(0.0, mode="clip"))(x)
    np.testing.assert_array_equal(to_numpy(v), to_numpy(out))
    with pytest.raises(IndexError, match="boolean index did not match"):
        ad.vmap(lambda r: r.at[m[:3]].set(0.0, mode="clip"))(x)
