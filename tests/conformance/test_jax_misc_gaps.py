"""The map of JAX's pytree, pickling, image and indexed-update tests against gpuad, with JAX run
in the same process in float64 (x64 on through a module fixture):

- tests/tree_util_test.py (jax-ml/jax d45fa22424daea50d73fb091612bbba6cb3f9735, 69 methods:
  TreeTest 41, StaticTest 4, RavelUtilTest 9, TreePrefixErrorsTest 15);
- tests/pickle_test.py (8268cd562de9b2cb1dc5693ee3e84619d42ad12e, 14 methods);
- tests/image_test.py (836f43db49580a9b95205ae75e411c9912ff7cef, 3 methods);
- tests/lax_numpy_indexing_test.py (eec5d323fff561f7b0f2def8fdd3001c114cf379): the 6 methods of
  IndexedUpdateTest (``.at[]`` updates) and the 4 gradient methods of IndexingTest.

``GAPS`` has one row per upstream method: ``here: <test of this file>``, ``covered:
<file>::<test>`` of an earlier port, ``differs: ...; here: <test>`` or ``n/a: <reason>``. The
methods not covered before are ported below, and with them the cases most likely to give a
silent wrong value: pickling a traced value inside ``gpuad.jit`` (it froze the first call's
value into the compiled function; now refused as JAX refuses), pickling or ``copy.copy`` of a
value carrying jvp tangents or requiring grad inside ``gpuad.grad`` (a constant copy;
now refused), ``ravel_pytree``'s ``unravel``
dtypes (it cast a complex vector to the real leaves' dtype, dropping the imaginary part; now
JAX's rule: one dtype among the leaves keeps the vector's, mixed dtypes need the promoted
one), ``jit`` keyed on static dataclasses and ``register_dataclass`` metadata (metadata
0.0 and -0.0, or 1, 1.0 and True, shared one program: now keyed by type and sign; JAX's equal
treedefs share one), ``vmap`` prefixes of registered nodes (refused before), ``.at[mask]``
with a mode and a mask of another length than its axis (dropped or clamped before; now an
``IndexError`` as JAX's), mixed advanced
indexing with slices, ``None`` and ``...`` (``a[:, i, ..., j]``) under ``grad``, ``vmap`` and
both, and ``.at[]`` with every mode in float, integer and boolean arrays (gradients also
against central differences: JAX's of ``.at[].min``/``.max`` with ``mode="clip"`` and clipped
repeated indices are wrong, an infinite slope or the update's slope given to the array, and
JAX has none for ``mul``/``divide``/``power`` with repeated indices).

Differences kept (docs/porting.md): ``ravel_pytree`` promotes mixed leaves by NumPy's rules
(int32 with float32 gives float64, JAX's gives float32) and an empty tree gives float64 (JAX's
float32); each ``ravel_pytree`` call makes a new ``unravel`` function, so passing it as a
static argument traces again for each call's (JAX's compare equal); ``.at[].add`` and the
other arithmetic updates of an integer array with a float refuse under NumPy's ``same_kind``
rule and ``.at[].divide`` of an integer array refuses (JAX computes and casts back), and
boolean arrays take ``add``/``multiply`` as NumPy's logical or/and (JAX raises).

"""

from __future__ import annotations

import collections
import copy
import dataclasses
import functools
import pathlib
import pickle
import re
import warnings

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import tree_util as gtu
from gpuad.flatten_util import ravel_pytree

jax_mod = pytest.importorskip("jax")
jtu = pytest.importorskip("jax.tree_util")
jfu = pytest.importorskip("jax.flatten_util")

HERE = pathlib.Path(__file__).parent
TU = "test_jax_tree_util.py"
IDX = "test_jax_indexing_suite.py"

GAPS = {
    "tree_util_test.py": {
        "testRoundtrip": f"covered: {TU}::test_flatten_structure_and_paths_match_jax",
        "testRoundtripWithFlattenUpTo":
            f"covered: {TU}::test_flatten_structure_and_paths_match_jax",
        "testRoundtripPartial": f"covered: {TU}::test_partial_is_a_pytree_as_in_jax",
        "testPartialDoesNotMergeWithOtherPartials":
            f"covered: {TU}::test_partial_of_a_partial_keeps_its_arguments_as_jax",
        "testPartialFuncAttributeHasStableHash": "here: test_tree_details_match_jax",
        "testChildren": f"covered: {TU}::test_flatten_structure_and_paths_match_jax",
        "testTreedefTupleFromChildren": f"covered: {TU}::test_treedef_helpers_match_jax",
        "testTreedefTupleComparesEqual": f"covered: {TU}::test_treedef_helpers_match_jax",
        "testFlattenOrder": "here: test_tree_details_match_jax",
        "testFlattenUpTo": f"covered: {TU}::test_flatten_up_to_matches_jax",
        "testFlattenUpToErrors": f"covered: {TU}::test_flatten_up_to_errors_where_jax_errors",
        "testTreeMap": f"covered: {TU}::test_map_transpose_broadcast_match_jax",
        "testTreeMapWithIsLeafArgument": f"covered: {TU}::test_is_leaf_and_reduce_match_jax",
        "testTreeReduceWithIsLeafArgument": f"covered: {TU}::test_is_leaf_and_reduce_match_jax",
        "testFlattenIsLeaf": f"covered: {TU}::test_is_leaf_and_reduce_match_jax",
        "testStructureIsLeaf": f"covered: {TU}::test_is_leaf_and_reduce_match_jax",
        "testRoundtripIsLeaf": f"covered: {TU}::test_flatten_structure_and_paths_match_jax",
        "testAllLeavesWithTrees": f"covered: {TU}::test_flatten_structure_and_paths_match_jax",
        "testAllLeavesWithLeaves": "here: test_tree_details_match_jax",
        "testCompose": f"covered: {TU}::test_flatten_structure_and_paths_match_jax",
        "testTranspose": f"covered: {TU}::test_map_transpose_broadcast_match_jax",
        "testTransposeMismatchOuter":
            f"covered: {TU}::test_transpose_mismatch_is_a_type_error_as_jax",
        "testTransposeMismatchInner":
            f"covered: {TU}::test_transpose_mismatch_is_a_type_error_as_jax",
        "testTransposeWithCustomObject":
            "differs: gpuad's tree_transpose requires the tree's structure to be the outer "
            "one holding the inner ones, and JAX's FlatCache node keeps its contents' "
            "structure as its metadata, so gpuad refuses it (JAX counts leaves only); "
            "here: test_transpose_with_custom_object_as_jax",
        "testStringRepresentation":
            f"covered: {TU}::test_flatten_structure_and_paths_match_jax",
        "testTreeDefWithEmptyDictStringRepresentation": "here: test_tree_details_match_jax",
        "testPickleRoundTrip": "here: test_treedef_pickle_round_trip_as_jax",
        "testDictKeysSortable": f"covered: {TU}::test_treedef_helpers_match_jax",
        "testFlattenDictKeyOrder": "here: test_tree_details_match_jax",
        "testWalk": "n/a: PyTreeDef.walk, a traversal hook of JAX's C++ pytree for its own "
                    "internals, is not part of gpuad's PyTreeDef",
        "testRoundtripWithPath": f"covered: {TU}::test_flatten_structure_and_paths_match_jax",
        "testTreeMapWithPath": f"covered: {TU}::test_path_helpers_match_jax",
        "testTreeMapWithPathMultipleTrees": "here: test_path_details_match_jax",
        "testTreeLeavesWithPath": f"covered: {TU}::test_flatten_structure_and_paths_match_jax",
        "testKeyStr": "here: test_path_details_match_jax",
        "testTreeMapWithPathWithIsLeafArgument": f"covered: {TU}::test_path_helpers_match_jax",
        "testFlattenWithPathWithIsLeafArgument": "here: test_path_details_match_jax",
        "testFlattenOneLevel": f"covered: {TU}::test_flatten_one_level_matches_jax",
        "testOptionalFlatten": "here: test_keys_and_optional_flatten_as_jax",
        "testPyTreeWithoutKeysIsntTreatedAsLeaf": "here: test_keys_and_optional_flatten_as_jax",
        "testNamedTupleRegisteredWithoutKeysIsntTreatedAsLeaf":
            "here: test_keys_and_optional_flatten_as_jax",
        # StaticTest
        "test_trace_just_once_with_same_static":
            f"covered: {TU}::test_register_static_values_key_the_jit_cache_as_jax",
        "test_name": "here: test_static_black_box_as_jax",
        "test_trace_twice_with_different_static":
            f"covered: {TU}::test_register_static_values_key_the_jit_cache_as_jax",
        "test_trace_just_once_if_static_looks_constant": "here: test_static_black_box_as_jax",
        # RavelUtilTest
        "testFloats": "here: test_ravel_pytree_round_trips_as_jax",
        "testInts": "here: test_ravel_pytree_round_trips_as_jax",
        "testMixedFloatInt": "differs: NumPy's promotion (float64, JAX's float32); "
                             "here: test_ravel_pytree_round_trips_as_jax",
        "testMixedIntBool": "here: test_ravel_pytree_round_trips_as_jax",
        "testMixedFloatComplex": "here: test_ravel_pytree_round_trips_as_jax",
        "testEmpty": "differs: an empty tree's vector is float64 (JAX's float32); "
                     "here: test_ravel_pytree_round_trips_as_jax",
        "testDtypePolymorphicUnravel": "here: test_unravel_dtype_rules_as_jax",
        "testDtypeMonomorphicUnravel": "here: test_unravel_dtype_rules_as_jax",
        "test_no_recompile": "differs: each ravel_pytree call makes a new unravel, so a "
                             "static unravel traces again (values the same); "
                             "here: test_unravel_as_a_static_argument",
        # TreePrefixErrorsTest: jax._src.tree_util.prefix_errors is private to JAX (the text of
        # its in_axes/out_axes errors); gpuad's vmap checks prefixes with errors of its own
        **{name: "n/a: jax._src.tree_util.prefix_errors is a private helper of JAX's "
                 "in_axes errors; gpuad has no counterpart to compare (the prefixes "
                 "themselves, through vmap: test_vmap_prefixes_of_registered_nodes_as_jax)"
           for name in ("test_different_types", "test_different_types_nested",
                        "test_different_types_multiple", "test_different_num_children_tuple",
                        "test_different_num_children_list",
                        "test_different_num_children_generic",
                        "test_different_num_children_nested",
                        "test_different_num_children_multiple",
                        "test_different_num_children_print_key_diff", "test_different_metadata",
                        "test_different_metadata_nested", "test_different_metadata_multiple",
                        "test_fallback_keypath", "test_no_errors",
                        "test_different_structure_no_children")},
    },
    "pickle_test.py": {
        "testPickleOfJittedFunctions": "here: test_pickle_of_jitted_functions",
        "testPickleOfPmappedFunctions": "n/a: needs cloudpickle (not installed) for functions "
                                        "defined inside the test; module-level jitted "
                                        "functions: test_pickle_of_jitted_functions",
        "testPickleOfDeviceArray": "here: test_pickle_of_tensors_as_jax",
        "testPickleOfDeviceArrayWeakType": "here: test_pickle_of_tensors_as_jax",
        "testPickleOfKeyArray": "here: test_pickle_of_random_keys",
        "testPickleOfPartitionSpecs": "n/a: sharding specs (gpuad runs on one device)",
        "testPickleX64": "n/a: gpuad has no x64 switch (float64 is always float64)",
        "testPickleTracerError": "here: test_pickle_of_traced_values_is_refused",
        "testPickleSharding": "n/a: sharding specs (gpuad runs on one device)",
        "testPickleOpSharding": "n/a: XLA op shardings",
        "test_pickle_single_device_sharding": "n/a: sharding objects",
        "test_pickle_pmap_sharding": "n/a: sharding objects",
        "test_pickle_op_sharding_sharding": "n/a: sharding objects",
        "test_pickle_named_sharding": "n/a: sharding objects",
    },
    "image_test.py": {
        "testResizeAgainstTensorFlow": "covered: test_jax_image.py::test_resize_matches_jax",
        "testResizeAgainstPIL": "covered: test_jax_image.py::test_resize_matches_jax "
                                "(JAX as the reference for the same methods)",
        "testResizeUp": "covered: test_jax_image.py::test_resize_up",
    },
    "lax_numpy_indexing_test.py IndexedUpdateTest": {
        "testStaticIndexing": f"covered: {IDX}::test_at_updates",
        "testAdvancedIndexing": f"covered: {IDX}::test_at_updates",
        "testMixedAdvancedIndexing": f"covered: {IDX}::test_at_updates",
        "testStaticIndexingGrads": "here: test_at_modes_and_dtypes_as_jax, "
                                   "test_at_modes_under_vmap_and_grad_as_jax",
        "testSegmentSumBehavior": "here: test_at_add_segment_sum_as_jax, "
                                  "test_at_boolean_masks_as_jax",
        "testSegmentSum": "covered: test_jax_segment_ndimage_dct.py::test_segment_against_jax",
    },
    "lax_numpy_indexing_test.py IndexingTest (gradients)": {
        "testStaticIndexingGrads": f"covered: {IDX}::test_getitem",
        "testDynamicIndexingWithIntegersGrads": "here: test_mixed_indexing_grad_and_vmap_as_jax",
        "testAdvancedIntegerIndexingGrads": "here: test_mixed_indexing_grad_and_vmap_as_jax",
        "testJVPOfGradOfIndexing": f"covered: {IDX}::test_jvp_of_grad_of_indexing",
    },
}
UPSTREAM_COUNTS = {"tree_util_test.py": 69, "pickle_test.py": 14, "image_test.py": 3,
                   "lax_numpy_indexing_test.py IndexedUpdateTest": 6,
                   "lax_numpy_indexing_test.py IndexingTest (gradients)": 4}


def test_gaps_table_is_complete():
    for upstream, rows in GAPS.items():
        assert len(rows) == UPSTREAM_COUNTS[upstream], upstream
        for method, row in rows.items():
            kind = row.split(":", 1)[0]
            assert kind in ("here", "covered", "differs", "n/a"), (method, row)
            for ref in re.findall(r"here: (\w+)", row):
                assert callable(globals().get(ref)), (method, ref)
            for path, name in re.findall(r"covered: ([\w.]+)::(\w+)", row):
                text = (HERE / path).read_text()
                assert re.search(rf"^def {name}\(", text, re.M), (method, path, name)


@pytest.fixture(scope="module")
def jax():
    before = jax_mod.config.read("jax_enable_x64")
    jax_mod.config.update("jax_enable_x64", True)
    yield jax_mod
    jax_mod.config.update("jax_enable_x64", before)


def _np(a):
    return a.numpy() if isinstance(a, ad.Tensor) else np.asarray(a)


# ---- tree_util ------------------------------------------------------------------------------

ATuple = collections.namedtuple("ATuple", ("foo", "bar"))
ATuple2 = collections.namedtuple("ATuple2", ("foo", "bar"))  # registered: bar is metadata


class AnObject2:
    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z

    def __eq__(self, other):
        return type(self) is type(other) and (self.x, self.y, self.z) == (other.x, other.y,
                                                                          other.z)

    def __hash__(self):
        return hash((self.x, self.y, self.z))


class Special:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return type(self) is type(other) and (self.x, self.y) == (other.x, other.y)

    def tree_flatten(self):
        return (self.x, self.y), None

    @classmethod
    def tree_unflatten(cls, aux, kids):
        return cls(*kids)


class FlatCache:  # JAX's: leaves and treedef as the node, rebuilt lazily
    def __init__(self, structured, *, leaves=None, treedef=None, lib=None):
        self.lib = lib
        if treedef is None:
            leaves, treedef = lib.tree_flatten(structured)
        self._structured, self.treedef, self.leaves = structured, treedef, leaves

    @property
    def structured(self):
        if self._structured is None:
            self._structured = self.lib.tree_unflatten(self.treedef, self.leaves)
        return self._structured

    def __eq__(self, other):
        return self.structured == other.structured

    def tree_flatten(self):
        return self.leaves, self.treedef


def _flatcache_cls(lib):
    class FC(FlatCache):
        def __init__(self, structured, **kw):
            super().__init__(structured, lib=lib, **kw)

        @classmethod
        def tree_unflatten(cls, meta, data):
            if not lib.all_leaves(data):
                data, meta = lib.tree_flatten(lib.tree_unflatten(meta, data))
            return cls(None, leaves=data, treedef=meta)

    lib.register_pytree_node(FC, FC.tree_flatten, FC.tree_unflatten)
    return FC


def _register(lib):
    """The same classes registered with one library (each class once per library)."""
    ns = {}

    class O2(AnObject2):
        pass

    lib.register_pytree_with_keys(O2, lambda o: ((("x", o.x), ("y", o.y)), o.z),
                                  lambda z, xy: O2(xy[0], xy[1], z))
    ns["AnObject2"] = O2

    class Sp(Special):
        pass

    lib.register_pytree_node_class(Sp)
    ns["Special"] = Sp
    nt = collections.namedtuple("ATuple2", ("foo", "bar"))
    lib.register_pytree_node(nt, lambda o: ((o.foo,), o.bar), lambda bar, foo: nt(foo[0], bar))
    ns["ATuple2"] = nt
    ns["FlatCache"] = _flatcache_cls(lib)
    return ns


_LIBS = {}


def _ns(jax):
    if not _LIBS:
        _LIBS["j"], _LIBS["g"] = _register(jtu), _register(gtu)
    return _LIBS["j"], _LIBS["g"]


def test_tree_details_match_jax(jax):
    # testFlattenOrder
    for t in ([0, ((1, 2), 3, (4, (5, 6, 7))), 8, 9], [0, ((1, (2, 3)), (4, (5, 6, 7))), 8, 9]):
        assert gtu.tree_flatten(t)[0] == jtu.tree_flatten(t)[0] == list(range(10))
    # testTreeDefWithEmptyDictStringRepresentation
    assert str(gtu.tree_structure({})) == str(jtu.tree_structure({})) == "PyTreeDef({})"
    # testFlattenDictKeyOrder
    d = {"b": 2, "a": 1, "c": {"b": 2, "a": 1}}
    (gl, gd), (jl, jd) = gtu.tree_flatten(d), jtu.tree_flatten(d)
    assert gl == jl == [1, 2, 1, 2] and str(gd) == str(jd)
    assert list(gtu.tree_unflatten(gd, gl)) == list(jtu.tree_unflatten(jd, jl)) == ["a", "b",
                                                                                     "c"]
    # testAllLeavesWithLeaves
    for leaf in ("foo", 0.1, 1, object(), np.float64(2.0)):
        assert gtu.all_leaves([leaf]) is jtu.all_leaves([leaf]) is True
    # testPartialFuncAttributeHasStableHash
    fun = functools.partial(print, 1)
    p1, p2 = gtu.Partial(fun, 2), gtu.Partial(fun, 2)
    assert fun == p1.func and p1.func == fun and p1.func == p2.func
    assert hash(p1.func) == hash(p2.func)


def test_transpose_with_custom_object_as_jax(jax):
    (jn, gn) = _ns(jax)
    out = {}
    for key, lib, ns in (("j", jtu, jn), ("g", gtu, gn)):
        fc = ns["FlatCache"]
        outer = lib.tree_structure(fc({"a": 1, "b": 2}))
        inner = lib.tree_structure([1, 2])
        if lib is gtu:  # the node's metadata is its contents' structure: refused
            with pytest.raises(TypeError, match="structure"):
                lib.tree_transpose(outer, inner, fc({"a": [3, 4], "b": [5, 6]}))
            continue
        got = lib.tree_transpose(outer, inner, fc({"a": [3, 4], "b": [5, 6]}))
        assert got == [fc({"a": 3, "b": 5}), fc({"a": 4, "b": 6})]
        out[key] = [g.structured for g in got]
    # the same transpose through a node whose metadata does not hold its contents' structure
    assert gtu.tree_transpose(gtu.tree_structure({"a": 1, "b": 2}),
                              gtu.tree_structure([1, 2]), {"a": [3, 4], "b": [5, 6]}) == \
        jtu.tree_transpose(jtu.tree_structure({"a": 1, "b": 2}),
                           jtu.tree_structure([1, 2]), {"a": [3, 4], "b": [5, 6]})


@dataclasses.dataclass
class _GLayer:
    w: object
    tag: str


@dataclasses.dataclass
class _JLayer:
    w: object
    tag: str


def test_treedef_pickle_round_trip_as_jax(jax):
    jn, gn = _ns(jax)
    if "layers" not in _LIBS:  # registered once, in the test (not at import)
        gtu.register_dataclass(_GLayer, data_fields=["w"], meta_fields=["tag"])
        jtu.register_dataclass(_JLayer, data_fields=["w"], meta_fields=["tag"])
        _LIBS["layers"] = True
    strs = []
    for lib, cls in ((jtu, _JLayer), (gtu, _GLayer)):
        tree = {"l": cls(np.array([1.0]), "x"), "n": [cls(2.0, "y")]}
        leaves, treedef = lib.tree_flatten(tree)
        back = pickle.loads(pickle.dumps(treedef))
        assert back == treedef
        rebuilt = lib.tree_unflatten(back, leaves)
        assert rebuilt["l"].tag == "x" and rebuilt["n"][0] == cls(2.0, "y")
        strs.append(str(back).replace("_JLayer", "L").replace("_GLayer", "L"))
    assert strs[0] == strs[1]
    for key, lib in (("j", jtu), ("g", gtu)):
        for tree in (None, (None,), (), [()], (1, 2), ((1, "foo"), ["bar", (3, None, 7)]),
                     [3, ATuple(foo=(3, ATuple(foo=3, bar=None)), bar={"baz": 34})],
                     {"a": 1, "b": 2},
                     collections.OrderedDict([("foo", 34), ("baz", 101), ("something", -42)]),
                     collections.defaultdict(dict, [("foo", 34), ("baz", 101)])):
            leaves, treedef = lib.tree_flatten(tree)
            restored = pickle.loads(pickle.dumps(treedef))
            assert restored == treedef, (key, tree)
            assert restored.unflatten(leaves) == tree


def test_path_details_match_jax(jax):
    jn, gn = _ns(jax)
    # testTreeMapWithPathMultipleTrees
    for lib, ns in ((jtu, jn), (gtu, gn)):
        o2 = ns["AnObject2"]
        t1 = [o2(x=12, y={"cin": [1, 4, 10], "bar": None}, z="constantdef"), 5]
        t2 = [o2(x=2, y={"cin": [2, 2, 2], "bar": None}, z="constantdef"), 2]
        assert lib.tree_map_with_path(lambda kp, a, b: a + b, t1, t2) == lib.tree_map(
            lambda a: a + 2, t1)
    # testKeyStr: the same text, a Tensor leaf printed as its array
    tree = [ATuple(12, {"cin": [1, 4, 10], "bar": None}), np.arange(5)]
    gs = [f"{gtu.keystr(kp)}: {x}" for kp, x in gtu.tree_flatten_with_path(tree)[0]]
    js = [f"{jtu.keystr(kp)}: {x}" for kp, x in jtu.tree_flatten_with_path(tree)[0]]
    assert gs == js
    # testFlattenWithPathWithIsLeafArgument
    empty = collections.namedtuple("EmptyTuple", ())
    outs = []
    for lib, ns in ((jtu, jn), (gtu, gn)):
        def is_empty(x, lib=lib):
            try:
                kids, _ = (jax.tree_util.flatten_one_level if lib is jtu
                           else gtu.flatten_one_level)(x)
            except ValueError:
                return True
            return len(kids) == 0

        t = {"a": 1, "sub": [np.array((1, 2)), ATuple(foo=(), bar=[None])],
             "obj": ns["AnObject2"](x=empty(), y=0, z="constantdef")}
        flat, _ = lib.tree_flatten_with_path(t, is_empty)
        outs.append([f"{lib.keystr(kp)}: {x}" for kp, x in flat])
    assert outs[0] == outs[1]


def test_keys_and_optional_flatten_as_jax(jax):
    jn, gn = _ns(jax)
    strs = []
    for lib in (jtu, gtu):
        @lib.register_pytree_with_keys_class
        class FooClass:
            def __init__(self, x, y):
                self.x, self.y = x, y

            def tree_flatten(self):
                return (self.x, self.y), "treedef"

            def tree_flatten_with_keys(self):
                return ((lib.GetAttrKey("x"), self.x), (lib.GetAttrKey("x"), self.y)), "treedef"

            @classmethod
            def tree_unflatten(cls, _, children):
                return cls(*children)

        t = FooClass(1, 2)
        assert lib.tree_flatten(t)[0] == [v for _, v in lib.tree_flatten_with_path(t)[0]]
        strs.append((str(lib.tree_flatten(t)[1]), str(lib.tree_flatten_with_path(t)[1])))
    assert [s.replace("gpuad", "") for s in strs[1]] == [s for s in strs[0]]
    for lib, ns in ((jtu, jn), (gtu, gn)):
        # testPyTreeWithoutKeysIsntTreatedAsLeaf / ...NamedTupleRegisteredWithoutKeys...
        assert len(lib.tree_flatten_with_path(ns["Special"]([1, 2], [3, 4]))[0]) == 4
        assert len(lib.tree_flatten_with_path(ns["ATuple2"](1, "hi"))[0]) == 1


def test_static_black_box_as_jax(jax):
    counts = {}
    for key, lib, tu in (("j", jax, jtu), ("g", ad, gtu)):
        @tu.register_static
        @dataclasses.dataclass
        class BlackBox:
            """Stores a value but pretends to be equal to every other black box."""

            value: int

            def __hash__(self):
                return 0

            def __eq__(self, other):
                return isinstance(other, BlackBox)

        @tu.register_static
        class StaticInt(int):
            pass

        assert (BlackBox.__name__, StaticInt.__name__) == ("BlackBox", "StaticInt")
        seen = []

        def fn(x, static_y, seen=seen):
            seen.append(1)
            return x + static_y.value

        f = lib.jit(fn)
        first, second = float(f(1.0, BlackBox(2))), float(f(3.0, BlackBox(1)))
        counts[key] = (first, second, len(seen) > 0)
    # equal static values share one trace: the second call reuses the first's constant 2
    assert counts["g"] == counts["j"] == (3.0, 5.0, True)


# ---- ravel_pytree ---------------------------------------------------------------------------

RAVEL_TREES = {
    "floats": lambda m: [m.array([3.0], np.float32), m.array([[1.0, 2.0], [3.0, 4.0]],
                                                             np.float32)],
    "ints": lambda m: [m.array([3], np.int32), m.array([[1, 2], [3, 4]], np.int32)],
    "float_int": lambda m: [m.array([3], np.int32), m.array([[1.0, 2.0], [3.0, 4.0]],
                                                            np.float32)],
    "int_bool": lambda m: [m.array([0], np.bool_), m.array([[1, 2], [3, 4]], np.int32)],
    "float_complex": lambda m: [m.array([1.0], np.float32),
                                m.array([[1, 2 + 3j], [3, 4]], np.complex64)],
    "empty": lambda m: [],
    "dict": lambda m: {"b": m.array([1.0, 2.0]), "a": (m.array(3.0), m.array([[4.0]]))},
}


@pytest.mark.parametrize("name", list(RAVEL_TREES))
def test_ravel_pytree_round_trips_as_jax(jax, name):
    jnp = jax.numpy
    jt, gt = RAVEL_TREES[name](jnp), RAVEL_TREES[name](gnp)
    jflat, junravel = jfu.ravel_pytree(jt)
    gflat, gunravel = ravel_pytree(gt)
    expected = {"float_int": np.float64, "empty": np.float64}.get(name, jflat.dtype)
    assert _np(gflat).dtype == expected
    np.testing.assert_array_equal(_np(gflat), np.asarray(jflat))
    jback, gback = junravel(jflat), gunravel(gflat)
    jl, gl = jtu.tree_leaves(jback), gtu.tree_leaves(gback)
    assert [(_np(g).dtype, _np(g).shape) for g in gl] == [(np.asarray(j).dtype, j.shape)
                                                          for j in jl]
    for g, j in zip(gl, jl, strict=True):
        np.testing.assert_array_equal(_np(g), np.asarray(j))
    # gradients through both directions, against JAX's
    if name in ("floats", "dict"):
        def loss(lib_ravel, t, m):
            flat, unravel = lib_ravel(t)
            back = unravel(flat * 2.0)
            return sum(m.sum(leaf ** 2) for leaf in
                       (jtu if m is jnp else gtu).tree_leaves(back))

        jg = jax.grad(lambda t: loss(jfu.ravel_pytree, t, jnp))(jt)
        gg = ad.grad(lambda t: loss(ravel_pytree, t, gnp))(
            gtu.tree_map(lambda v: ad.tensor(v), gt))
        for a, b in zip(gtu.tree_leaves(gg), jtu.tree_leaves(jg), strict=True):
            np.testing.assert_allclose(_np(a), np.asarray(b), rtol=1e-6)


def test_unravel_dtype_rules_as_jax(jax):
    jnp = jax.numpy
    # one dtype among the leaves: unravel keeps the vector's dtype
    jflat, junravel = jfu.ravel_pytree(jnp.arange(10, dtype=jnp.float32))
    gflat, gunravel = ravel_pytree(gnp.arange(10, dtype=np.float32))
    jm, gm = junravel(jflat < 5.3), gunravel(gflat < 5.3)
    assert _np(gm).dtype == np.asarray(jm).dtype == np.bool_
    np.testing.assert_array_equal(_np(gm), np.asarray(jm))
    z = np.array([1 + 2j, 3 - 1j])
    jz = jfu.ravel_pytree({"a": jnp.array([1.0, 2.0])})[1](jnp.asarray(z))["a"]
    gz = ravel_pytree({"a": gnp.asarray(np.array([1.0, 2.0]))})[1](gnp.asarray(z))["a"]
    assert _np(gz).dtype == np.asarray(jz).dtype == np.complex128
    np.testing.assert_array_equal(_np(gz), np.asarray(jz))
    # mixed dtypes: the vector must have the promoted dtype
    jflat, junravel = jfu.ravel_pytree((jnp.arange(10, dtype=jnp.float32),
                                        jnp.arange(10, dtype=jnp.int32)))
    gflat, gunravel = ravel_pytree((gnp.arange(10, dtype=np.float32),
                                    gnp.arange(10, dtype=np.int32)))
    with pytest.raises(TypeError, match="but expected dtype"):
        junravel(jflat < 5.3)
    with pytest.raises(TypeError, match="but expected dtype"):
        gunravel(gflat < 5.3)
    with pytest.raises(ValueError):
        gunravel(gflat[:3])


def test_unravel_as_a_static_argument(jax):
    x1, x2 = gnp.asarray(np.array([1.0, 2.0])), gnp.asarray(np.array([3.0, 4.0]))
    flat1, unravel1 = ravel_pytree((x1, x2))
    flat2, unravel2 = ravel_pytree((x1, x2 * 10))
    run = ad.jit(lambda flat, unravel: unravel(flat + 1), static_argnums=1)
    a, b = run(flat1, unravel1), run(flat2, unravel2)
    np.testing.assert_array_equal(_np(a[1]), [4.0, 5.0])
    np.testing.assert_array_equal(_np(b[1]), [31.0, 41.0])
    np.testing.assert_array_equal(_np(run(flat2, unravel1)[1]), [31.0, 41.0])


# ---- pickle ---------------------------------------------------------------------------------

@ad.jit
def _g_product(x, y):
    return x * y


@ad.jit
def _g_outer(z):
    return _g_product(z, z + 77)


def test_pickle_of_jitted_functions(jax):
    @jax.jit
    def jf(x, y):
        return x * y

    expected = 32 * (32 + 77)
    g = pickle.loads(pickle.dumps(_g_outer))
    assert g is _g_outer and float(_np(g(32.0))) == expected
    # a jitted function that is no module attribute: pickled with its function (and fails
    # as pickling that function fails, as for a plain local function)
    local = ad.jit(lambda x: x)
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(local)
    part = ad.jit(functools.partial(np.multiply, 3.0))
    assert float(_np(pickle.loads(pickle.dumps(part))(2.0))) == 6.0
    assert float(jf(32, 32 + 77)) == expected


def test_pickle_of_tensors_as_jax(jax):
    jnp = jax.numpy
    for jx, gx in ((jnp.arange(10.0), ad.tensor(gnp.arange(10.0))),
                   (jnp.array(4.0), ad.tensor(4.0)),
                   (jnp.array([1 + 2j]), ad.tensor(np.array([1 + 2j]))),
                   (jnp.arange(3, dtype=jnp.int32), ad.tensor(np.arange(3, dtype=np.int32)))):
        jy, gy = pickle.loads(pickle.dumps(jx)), pickle.loads(pickle.dumps(gx))
        assert type(gy) is type(gx) and type(jy) is type(jx)
        assert gy.dtype == gx.dtype == np.asarray(jy).dtype and gy.shape == jy.shape
        np.testing.assert_array_equal(_np(gy), np.asarray(jy))
    # a pytree of Tensors and its structure, and the copy keeps no history
    t = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    tree = {"w": t, "b": (ad.tensor(3.0), 4)}
    back = pickle.loads(pickle.dumps(tree))
    assert back["b"][1] == 4 and back["w"].requires_grad and back["w"].is_leaf
    np.testing.assert_array_equal(_np(back["w"]), [1.0, 2.0])


def test_pickle_of_random_keys(jax):
    k1 = ad.random.PRNGKey(72)
    k2 = pickle.loads(pickle.dumps(k1))
    assert _np(k1).dtype == _np(k2).dtype
    np.testing.assert_array_equal(_np(ad.random.key_data(k1)), _np(ad.random.key_data(k2)))
    np.testing.assert_array_equal(_np(ad.random.normal(k2, (3,))),
                                  _np(ad.random.normal(k1, (3,))))


def test_pickle_of_traced_values_is_refused(jax):
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(pickle.dumps)(0.0)
    from gpuad.jit.trace import TracerError

    with pytest.raises(TracerError, match="pickling"):
        ad.jit(pickle.dumps)(ad.tensor(0.0))
    # forward mode: the copy would carry no tangent (JAX's JVP tracers refuse too)
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jvp(lambda x: x * pickle.loads(pickle.dumps(x)), (3.0,), (1.0,))
    with pytest.raises(TypeError, match="tangents"):
        ad.jvp(lambda x: x * pickle.loads(pickle.dumps(x)), (ad.tensor(3.0),),
               (ad.tensor(1.0),))
    with pytest.raises(TypeError, match="tangents"):
        ad.jvp(lambda x: x * copy.copy(x), (ad.tensor(3.0),), (ad.tensor(1.0),))
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.grad(lambda x: x * pickle.loads(pickle.dumps(x)))(3.0)
    with pytest.raises(TypeError, match="inside gpuad.grad"):
        ad.grad(lambda x: x * pickle.loads(pickle.dumps(x)))(ad.tensor(3.0))
    # copy.copy inside jit is a step of the program, not a frozen value
    f = ad.jit(lambda x: copy.copy(x) * 2)
    for v in (1.0, 5.0):
        assert float(_np(f(ad.tensor(v)))) == 2 * v


# ---- jit with static dataclasses and registered dataclasses -----------------------------------

def test_jit_static_dataclasses_key_the_cache(jax):
    @dataclasses.dataclass(frozen=True)
    class Cfg:
        scale: float
        shift: tuple

    x = np.array([1.0, 2.0])
    g = ad.jit(lambda x, c: x * c.scale + sum(c.shift), static_argnums=1)
    j = jax.jit(lambda x, c: x * c.scale + sum(c.shift), static_argnums=1)
    for c in (Cfg(2.0, (1.0,)), Cfg(3.0, (1.0,)), Cfg(2.0, (5.0,)), Cfg(2.0, (1.0,))):
        np.testing.assert_array_equal(_np(g(gnp.asarray(x), c)), np.asarray(j(x, c)))
    gk = ad.jit(lambda x, c: x * c.scale, static_argnames="c")
    assert _np(gk(gnp.asarray(x), c=Cfg(4.0, ()))).tolist() == [4.0, 8.0]
    assert _np(gk(gnp.asarray(x), c=Cfg(5.0, ()))).tolist() == [5.0, 10.0]

    # a static dataclass holding an array is unhashable: refused as JAX refuses
    @dataclasses.dataclass(frozen=True)
    class Arr:
        a: object

    with pytest.raises((TypeError, ValueError)):
        j(x, Arr(np.array([1.0])))
    with pytest.raises(TypeError, match="hashable"):
        g(gnp.asarray(x), Arr(np.array([1.0])))

    # hashed by identity: the array read when traced is read again on each call
    @dataclasses.dataclass(eq=False)
    class ById:
        a: object

    h = ad.jit(lambda x, b: x * b.a, static_argnums=1)
    b = ById(np.array([1.0, 2.0]))
    assert _np(h(gnp.asarray(x), b)).tolist() == [1.0, 4.0]
    b.a[0] = 10.0
    assert _np(h(gnp.asarray(x), b)).tolist() == [10.0, 4.0]


def test_register_dataclass_under_jit_and_grad_as_jax(jax):
    out = {}
    for key, lib, tu, m in (("j", jax, jtu, jax.numpy), ("g", ad, gtu, gnp)):
        @dataclasses.dataclass
        class P:
            w: object
            b: object
            tag: str

        tu.register_dataclass(P, data_fields=["w", "b"], meta_fields=["tag"])

        def loss(p, m=m):
            return m.sum(p.w ** 2) * p.b if p.tag == "a" else m.sum(p.w) - p.b

        w, b = np.array([1.0, -2.0]), np.array(3.0)
        f = lib.jit(loss)
        vals = [float(f(P(w, b, t))) for t in ("a", "b", "a")]
        grads = [lib.grad(loss)(P(w, b, t)) for t in ("a", "b")]
        out[key] = (vals, [(_np(g.w).tolist(), float(_np(g.b)), g.tag) for g in grads])
        leaves, treedef = tu.tree_flatten(P(w, b, "a"))
        assert len(leaves) == 2 and tu.tree_unflatten(treedef, leaves).tag == "a"
    assert out["g"] == out["j"]


# ---- indexing: mixed advanced indices under grad and vmap, .at[] ------------------------------

A4 = np.random.default_rng(0).standard_normal((3, 4, 5, 6))
I, J = np.array([0, 2, 1]), np.array([5, 0, 3])
MIXED = {
    "a[:, i, ..., j]": lambda x, i, j: x[:, i, ..., j],
    "a[i, ..., j]": lambda x, i, j: x[i, ..., j],
    "a[..., i, :][..., j]": lambda x, i, j: x[..., i, :][..., j],
    "a[:, i, None, j % 5]": lambda x, i, j: x[:, i, None, j % 5],
    "a[1:, i[:, None], ::-1, j]": lambda x, i, j: x[1:, i[:, None], ::-1, j],
    "a[i, 1, j % 5]": lambda x, i, j: x[i, 1, j % 5],
    "a[:, i, 2, j]": lambda x, i, j: x[:, i, 2, j],
    "a[None, i, ..., j, None]": lambda x, i, j: x[None, i, ..., j, None],
    "a[..., i[:2], 1:3, j[:1]]": lambda x, i, j: x[..., i[:2], 1:3, j[:1] % 5],
}


@pytest.mark.parametrize("name", list(MIXED))
def test_mixed_indexing_grad_and_vmap_as_jax(jax, name):
    jnp = jax.numpy
    f = MIXED[name]
    idx2 = np.stack([I, I[::-1]])

    def close(g, j):
        np.testing.assert_allclose(_np(g), np.asarray(j), rtol=1e-12, atol=1e-12)

    close(f(ad.tensor(A4), I, J), f(jnp.asarray(A4), I, J))
    close(ad.grad(lambda x: (f(x, I, J) ** 3).sum())(ad.tensor(A4)),
          jax.grad(lambda x: (f(x, I, J) ** 3).sum())(jnp.asarray(A4)))
    stacked = np.stack([A4, 2 * A4], 1)
    close(ad.vmap(lambda x: f(x, I, J), in_axes=1)(ad.tensor(stacked)),
          jax.vmap(lambda x: f(x, I, J), in_axes=1)(jnp.asarray(stacked)))
    close(ad.vmap(lambda ii: f(ad.tensor(A4), ii, J))(gnp.asarray(idx2)),
          jax.vmap(lambda ii: f(jnp.asarray(A4), ii, J))(jnp.asarray(idx2)))
    close(ad.vmap(lambda ii: ad.grad(lambda x: (f(x, ii, J) ** 3).sum())(ad.tensor(A4)))(
        gnp.asarray(idx2)),
        jax.vmap(lambda ii: jax.grad(lambda x: (f(x, ii, J) ** 3).sum())(jnp.asarray(A4)))(
            jnp.asarray(idx2)))
    close(ad.grad(lambda x: (ad.vmap(lambda ii: f(x, ii, J))(gnp.asarray(idx2)) ** 3).sum())(
        ad.tensor(A4)),
        jax.grad(lambda x: (jax.vmap(lambda ii: f(x, ii, J))(jnp.asarray(idx2)) ** 3).sum())(
            jnp.asarray(A4)))
    # the integer indices as arguments of a jitted function (testDynamicIndexingWith...Grads)
    gj = ad.jit(lambda x, i, j: (f(x, i, j) ** 2).sum())
    for ii in (I, I[::-1]):
        close(ad.grad(gj)(ad.tensor(A4), gnp.asarray(ii), gnp.asarray(J)),
              jax.grad(lambda x: (f(x, ii, J) ** 2).sum())(jnp.asarray(A4)))


def _central_grads(f, *args, h=1e-6):
    """Central differences of the scalar ``f`` in each of its float64 array arguments."""
    out = []
    for k, a in enumerate(args):
        g = np.zeros(np.shape(a))
        for i in np.ndindex(g.shape):
            up, dn = [np.array(v, float) for v in args], [np.array(v, float) for v in args]
            up[k][i] += h
            dn[k][i] -= h
            g[i] = (float(_np(f(*up))) - float(_np(f(*dn)))) / (2 * h)
        out.append(g)
    return out


AT_INDICES = [np.array([0, 2, 2, -1]), np.array([7, -7, 1, -1]), np.array([5, 6, -6, -7]),
              (np.array([1, 1]),), 10, -10, slice(1, 9)]
AT_OPS = ["set", "add", "mul", "min", "max", "divide", "power", "get"]


@pytest.mark.parametrize("op", AT_OPS)
def test_at_modes_and_dtypes_as_jax(jax, op):
    jnp = jax.numpy
    x = np.arange(6.0) + 1
    arrays = [(x, 2.5), (x.astype(np.float32), np.float32(2.0)),
              (np.arange(6, dtype=np.int32), 3), (x > 3, True)]
    for mode in (None, "drop", "clip", "fill", "promise_in_bounds"):
        kw = {} if mode is None else {"mode": mode}
        if op == "get" and mode == "fill":
            kw["fill_value"] = -1
        for k, idx in enumerate(AT_INDICES):
            if mode in (None, "promise_in_bounds") and k in (1, 2, 4, 5):
                continue  # out of bounds: an error in NumPy's sense, unspecified in JAX's
            for arr, val in arrays:
                if arr.dtype == np.bool_ and op in ("add", "mul", "divide", "power"):
                    continue  # JAX refuses arithmetic on booleans (gpuad: NumPy's or/and)
                if arr.dtype == np.int32 and op == "divide":
                    continue  # gpuad refuses an integer quotient: checked below
                args = () if op == "get" else (val,)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    j = getattr(jnp.asarray(arr).at[idx], op)(*args, **kw)
                    g = getattr(ad.tensor(arr).at[idx], op)(*args, **kw)
                assert _np(g).dtype == np.asarray(j).dtype, (op, mode, idx, arr.dtype)
                np.testing.assert_allclose(_np(g), np.asarray(j), rtol=1e-13, atol=0,
                                           err_msg=str((mode, idx)))
            # gradients in the array and the update, float64, against JAX's
            if True:
                ushape = jnp.zeros(6).at[idx].get(mode="fill", fill_value=0).shape
                xv = x
                uv = np.linspace(0.5, 1.5, int(np.prod(ushape))).reshape(ushape) + 0.25
                if op == "get":
                    fj = lambda a, u, idx=idx: (a.at[idx].get(**kw) ** 2).sum()  # noqa: E731
                else:
                    fj = lambda a, u, idx=idx: (getattr(a.at[idx], op)(u, **kw) ** 2).sum()  # noqa: E731
                gg = ad.grad(fj, argnums=(0, 1))(ad.tensor(xv), ad.tensor(uv))
                fd = _central_grads(lambda a, u, f=fj: f(ad.tensor(a), ad.tensor(u)), xv, uv)
                for a, b in zip(gg, fd, strict=True):
                    if np.isfinite(b).all():  # (get with mode="drop": NaN for the outside)
                        np.testing.assert_allclose(_np(a), b, rtol=1e-6, atol=1e-6,
                                                   err_msg=str((op, mode, idx)))
                if op in ("min", "max") and mode == "clip":
                    continue  # JAX's: inf, or the update's slope given to the array
                try:
                    jg = jax.grad(fj, argnums=(0, 1))(jnp.asarray(xv), jnp.asarray(uv))
                except NotImplementedError:  # JAX: scatter_mul's gradient needs unique indices
                    continue
                for a, b in zip(gg, jg, strict=True):
                    np.testing.assert_allclose(_np(a), np.asarray(b), rtol=1e-12, atol=1e-12,
                                               err_msg=str((op, mode, idx)))
    if op == "divide":
        with pytest.raises(TypeError, match="float"):
            ad.tensor(np.arange(6, dtype=np.int32)).at[0].divide(2)
    if op in ("add", "mul"):
        with pytest.raises(TypeError, match="same_kind"):
            getattr(ad.tensor(np.arange(6, dtype=np.int32)).at[0], op)(2.5)


def test_at_boolean_masks_as_jax(jax):
    jnp = jax.numpy
    x = np.arange(12.0).reshape(3, 4) + 1
    m = np.array([True, False, True, True])
    for mode in (None, "drop", "clip", "fill"):
        kw = {} if mode is None else {"mode": mode}
        for idx in (m[:3], (slice(None), m), (1, m), (Ellipsis, m), x > 6):
            j = jnp.asarray(x).at[idx].set(2.5, **kw)
            g = ad.tensor(x).at[idx].set(2.5, **kw)
            np.testing.assert_array_equal(_np(g), np.asarray(j))
            jg = jax.grad(lambda a, idx=idx: (a.at[idx].multiply(3.0, **kw) ** 2).sum())(
                jnp.asarray(x))
            gg = ad.grad(lambda a, idx=idx: (a.at[idx].multiply(3.0, **kw) ** 2).sum())(
                ad.tensor(x))
            np.testing.assert_array_equal(_np(gg), np.asarray(jg))
        for bad in (m, (slice(None), m[:3]), (Ellipsis, m[:2])):  # another length: refused
            with pytest.raises(IndexError):
                jnp.asarray(x).at[bad].set(2.5, **kw)
            with pytest.raises(IndexError, match="boolean index did not match"):
                ad.tensor(x).at[bad].set(2.5, **kw)


def test_at_add_segment_sum_as_jax(jax):
    jnp = jax.numpy
    data = np.array([5, 1, 7, 2, 3, 4, 1, 3])
    ids = np.array([0, 0, 0, 1, 2, 2, 3, 3])
    j = jnp.zeros(ids.max() + 1).at[ids].add(data)
    g = gnp.zeros(ids.max() + 1)
    g = ad.tensor(g).at[gnp.asarray(ids)].add(gnp.asarray(data))
    np.testing.assert_array_equal(_np(g), np.asarray(j))
    np.testing.assert_array_equal(_np(g), [13, 2, 7, 4])
    gd = ad.grad(lambda d: (ad.tensor(gnp.zeros(4)).at[gnp.asarray(ids)].add(d) ** 2).sum())(
        ad.tensor(data.astype(float)))
    jd = jax.grad(lambda d: (jnp.zeros(4).at[ids].add(d) ** 2).sum())(data.astype(float))
    np.testing.assert_array_equal(_np(gd), np.asarray(jd))


@pytest.mark.parametrize("op", ["set", "add", "mul", "min", "max", "get"])
def test_at_modes_under_vmap_and_grad_as_jax(jax, op):
    """``.at[]`` in each mode inside ``vmap`` (the array, the indices, the updates batched or
    not) and the gradient through the vmapped update (JAX's, or central differences where
    JAX has none or its clip-mode min/max slopes are wrong)."""
    jnp = jax.numpy
    xs, idx, us = np.arange(12.0).reshape(2, 6) + 1, np.array([[0, 7, -1, 2], [-7, 5, 5, 1]]), \
        np.linspace(0.5, 2, 8).reshape(2, 4)
    for mode in (None, "drop", "clip", "fill"):
        kw = {} if mode is None else {"mode": mode}

        def f(x, i, u):
            return x.at[i].get(**kw) * u if op == "get" else getattr(x.at[i], op)(u, **kw)

        for axes in ((0, 0, 0), (0, None, 0), (None, 0, 0), (0, 0, None), (None, 0, None)):
            x, i, u = [a if ax == 0 else a[1] for a, ax in zip((xs, idx, us), axes,
                                                               strict=True)]
            i = i % 6 if mode is None else i
            j = jax.vmap(f, in_axes=axes)(jnp.asarray(x), jnp.asarray(i), jnp.asarray(u))
            g = ad.vmap(f, in_axes=axes)(ad.tensor(x), gnp.asarray(i), ad.tensor(u))
            np.testing.assert_allclose(_np(g), np.asarray(j), rtol=1e-13,
                                       err_msg=str((mode, axes)))
            if op == "get" and mode in ("drop", "fill"):
                continue  # NaN outside

            def loss(x, u, m=None, vm=None, i=i):
                return (vm(f, in_axes=axes)(x, m.asarray(i), u) ** 2).sum()

            gg = ad.grad(functools.partial(loss, m=gnp, vm=ad.vmap), argnums=(0, 1))(
                ad.tensor(x), ad.tensor(u))
            try:
                if op in ("min", "max") and mode == "clip":
                    raise NotImplementedError
                ref = jax.grad(functools.partial(loss, m=jnp, vm=jax.vmap), argnums=(0, 1))(
                    jnp.asarray(x), jnp.asarray(u))
                tol = dict(rtol=1e-12, atol=1e-12)
            except NotImplementedError:
                ref = _central_grads(lambda a, b: loss(ad.tensor(a), ad.tensor(b), m=gnp,
                                                       vm=ad.vmap), x, u)
                tol = dict(rtol=1e-6, atol=1e-6)
            for a, b in zip(gg, ref, strict=True):
                np.testing.assert_allclose(_np(a), np.asarray(b), err_msg=str((mode, axes)),
                                           **tol)


@dataclasses.dataclass
class _GP:
    w: object
    b: object
    tag: str


@dataclasses.dataclass
class _JP:
    w: object
    b: object
    tag: str


def test_vmap_prefixes_of_registered_nodes_as_jax(jax):
    """What TreePrefixErrorsTest guards, through vmap: a registered node as an in_axes/out_axes
    prefix (the same type and metadata), and an error for another type or metadata."""
    jnp = jax.numpy
    if "params" not in _LIBS:
        gtu.register_dataclass(_GP, data_fields=["w", "b"], meta_fields=["tag"])
        jtu.register_dataclass(_JP, data_fields=["w", "b"], meta_fields=["tag"])
        _LIBS["params"] = True
    w, b = np.arange(6.0).reshape(2, 3), np.array(1.5)
    out = {}
    for key, lib, m, cls in (("j", jax, jnp, _JP), ("g", ad, gnp, _GP)):
        f = lib.vmap(lambda p, m=m: m.sum(p.w) * p.b, in_axes=(cls(0, None, "t"),))
        val = f(cls(w, b, "t"))
        grad = lib.grad(lambda b, f=f, cls=cls, m=m: m.sum(f(cls(w, b, "t"))))(b)
        o = lib.vmap(lambda r, cls=cls, m=m: cls(r, m.sum(r), "t"),
                     out_axes=cls(1, 0, "t"))(w)
        out[key] = (_np(val).tolist(), float(_np(grad)), _np(o.w).tolist(), _np(o.b).tolist())
        for bad in (cls(0, None, "other"), [0, None], {"w": 0}):
            with pytest.raises(ValueError):
                lib.vmap(lambda p: p.w, in_axes=(bad,))(cls(w, b, "t"))
    assert out["g"] == out["j"]
