"""gpuad.tree_util and gpuad.tree against jax.tree_util and jax.tree: the same trees give the
same leaves, printed structures, node counts, key paths and keystr text; tree_map, transpose,
broadcast, prefixes, is_leaf and Partial behave alike; the helpers work under jit and grad.
Cases follow the ones of JAX's tests/tree_util_test.py, each checked against JAX itself."""

from __future__ import annotations

import collections
import dataclasses
import pickle

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jtu = pytest.importorskip("jax.tree_util")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad import tree_util as gtu  # noqa: E402

ATuple = collections.namedtuple("ATuple", ("foo", "bar"))
ATuple2 = collections.namedtuple("ATuple2", ("foo", "bar"))  # registered: bar is static


class ANamedTupleSubclass(ATuple):
    pass


class AnObject:
    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z

    def __eq__(self, other):
        return type(self) is type(other) and (self.x, self.y, self.z) == (other.x, other.y,
                                                                          other.z)

    def __hash__(self):
        return hash((self.x, self.y, self.z))

    def __repr__(self):
        return f"AnObject({self.x},{self.y},{self.z})"


class AnObject2(AnObject):  # registered with keys
    pass


class Special:  # registered with its tree_flatten/tree_unflatten methods
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return type(self) is type(other) and (self.x, self.y) == (other.x, other.y)

    def __repr__(self):
        return f"Special({self.x}, {self.y})"

    def tree_flatten(self):
        return (self.x, self.y), None

    @classmethod
    def tree_unflatten(cls, aux, kids):
        return cls(*kids)


class SpecialWithKeys(Special):
    def tree_flatten_with_keys(self):
        return ((self.KEY("x"), self.x), (self.KEY("y"), self.y)), None


@dataclasses.dataclass
class ADataclass:
    x: tuple
    y: int


@dataclasses.dataclass
class ADataclassWithMeta:
    x: tuple
    y: int
    z: int = dataclasses.field(metadata={"static": True})


class StaticInt(int):
    pass


def _register(tu, suffix):
    """The same classes registered with one library (each library has its own registry): a
    subclass per library, so that the two registrations do not meet."""
    cls = {}
    cls["ATuple2"] = type(f"ATuple2{suffix}", (ATuple2,), {"__slots__": ()})
    tu.register_pytree_node(cls["ATuple2"], lambda o: ((o.foo,), o.bar),
                            lambda bar, foo, c=cls["ATuple2"]: c(foo[0], bar))
    cls["AnObject"] = type("AnObject", (AnObject,), {})
    tu.register_pytree_node(cls["AnObject"], lambda o: ((o.x, o.y), o.z),
                            lambda z, xy, c=cls["AnObject"]: c(xy[0], xy[1], z))
    cls["AnObject2"] = type("AnObject2", (AnObject2,), {})
    tu.register_pytree_with_keys(cls["AnObject2"],
                                 lambda o: ((("x", o.x), ("y", o.y)), o.z),
                                 lambda z, xy, c=cls["AnObject2"]: c(xy[0], xy[1], z))
    cls["Special"] = tu.register_pytree_node_class(type("Special", (Special,), {}))
    cls["SpecialWithKeys"] = tu.register_pytree_with_keys_class(
        type("SpecialWithKeys", (SpecialWithKeys,), {"KEY": tu.GetAttrKey}))
    cls["ADataclass"] = tu.register_dataclass(dataclasses.dataclass(
        type("ADataclass", (ADataclass,), {})))
    cls["ADataclassWithMeta"] = tu.register_dataclass(dataclasses.dataclass(
        type("ADataclassWithMeta", (ADataclassWithMeta,), {})))
    cls["StaticInt"] = tu.register_static(type("StaticInt", (StaticInt,), {}))
    return cls


J = _register(jtu, "J")
G = _register(gtu, "G")


def _trees(c):
    """The trees, built with one library's registered classes ``c``."""
    return [
        None, (None,), (), [()], (1, 2), ((1, "foo"), ["bar", (3, None, 7)]), [3],
        [3, ATuple(foo=(3, ATuple(foo=3, bar=None)), bar={"baz": 34})],
        [c["AnObject"](3, None, [4, "foo"])], [c["AnObject2"](3, None, [4, "foo"])],
        c["Special"](2, 3.0), c["SpecialWithKeys"](2, 3.0), {"a": 1, "b": 2}, {},
        {"b": 2, "a": 1, "c": {"b": 2, "a": 1}},
        c["ADataclass"](x=(1, 2), y=3), c["ADataclassWithMeta"](x=(1, 2), y=3, z=4),
        collections.OrderedDict([("foo", 34), ("baz", 101), ("something", -42)]),
        collections.defaultdict(dict, [("foo", 34), ("baz", 101), ("something", -42)]),
        ANamedTupleSubclass(foo="hello", bar=3.5), c["ATuple2"](1, "hi"),
        c["StaticInt"](1), "foo", 0.1, 1,
        [(1, 2), None, ATuple(foo=3, bar=7)], {"w": [1.0, (2.0, None)], "b": ATuple(3, 4)},
    ]


CASES = list(zip(_trees(J), _trees(G), strict=True))
IDS = [f"tree{i}" for i in range(len(CASES))]


def _jstr(s: str) -> str:
    return s.replace("ATuple2J", "ATuple2")


def _gstr(s: str) -> str:
    return s.replace("ATuple2G", "ATuple2")


def _keys(path) -> list:
    """A path as (key type, key value) pairs (plain strings kept as they are)."""
    out = []
    for k in path:
        name = type(k).__name__
        if name in ("SequenceKey",):
            out.append((name, k.idx))
        elif name in ("DictKey", "FlattenedIndexKey"):
            out.append((name, k.key))
        elif name == "GetAttrKey":
            out.append((name, k.name))
        else:
            out.append(("str", k))
    return out


@pytest.mark.parametrize("jt, gt", CASES, ids=IDS)
def test_flatten_structure_and_paths_match_jax(jt, gt):
    jl, jd = jtu.tree_flatten(jt)
    gl, gd = gtu.tree_flatten(gt)
    assert gl == jl
    assert _gstr(str(gd)) == _jstr(str(jd))
    assert (gd.num_leaves, gd.num_nodes) == (jd.num_leaves, jd.num_nodes)
    assert [_gstr(str(c)) for c in gd.children()] == [_jstr(str(c)) for c in jd.children()]
    assert gtu.treedef_is_leaf(gd) == jtu.treedef_is_leaf(jd)
    assert gtu.tree_unflatten(gd, gl) == gt
    assert gd.unflatten(gl) == gt
    assert gtu.tree_unflatten(gd, gd.flatten_up_to(gt)) == gt
    # paths: the same keys and text, and the structure of tree_flatten
    jp, jd2 = jtu.tree_flatten_with_path(jt)
    gp, gd2 = gtu.tree_flatten_with_path(gt)
    assert [(_keys(p), x) for p, x in gp] == [(_keys(p), x) for p, x in jp]
    assert [gtu.keystr(p) for p, _ in gp] == [jtu.keystr(p) for p, _ in jp]
    assert [gtu.keystr(p, simple=True, separator="/") for p, _ in gp] == [
        jtu.keystr(p, simple=True, separator="/") for p, _ in jp]
    assert gd2 == gd and _gstr(str(gd2)) == _jstr(str(jd2))
    assert [x for _, x in gtu.tree_leaves_with_path(gt)] == gl
    # is_leaf on tuples: the same leaves and structure
    is_tuple = lambda t: isinstance(t, tuple)  # noqa: E731
    jl3, jd3 = jtu.tree_flatten(jt, is_leaf=is_tuple)
    gl3, gd3 = gtu.tree_flatten(gt, is_leaf=is_tuple)
    assert gl3 == jl3 and _gstr(str(gd3)) == _jstr(str(jd3))
    assert gtu.tree_unflatten(gd3, gl3) == gt
    # all_leaves, compose
    assert gtu.all_leaves(gl) == jtu.all_leaves(jl) is True
    assert gtu.all_leaves([gt]) == jtu.all_leaves([jt])
    inner_j, inner_g = jtu.tree_structure([0, 0, 0]), gtu.tree_structure([0, 0, 0])
    cj, cg = jd.compose(inner_j), gd.compose(inner_g)
    assert (cg.num_leaves, cg.num_nodes) == (cj.num_leaves, cj.num_nodes)
    assert _gstr(str(cg)) == _jstr(str(cj))


@pytest.mark.parametrize("jt, gt", CASES, ids=IDS)
def test_map_transpose_broadcast_match_jax(jt, gt):
    make = lambda x: [x, {"a": x}, (x,)]  # noqa: E731
    jn, gn = jtu.tree_map(make, jt), gtu.tree_map(make, gt)
    assert _gstr(str(gtu.tree_structure(gn))) == _jstr(str(jtu.tree_structure(jn)))
    jo, go = jtu.tree_structure(jt), gtu.tree_structure(gt)
    if jo.num_leaves:
        jr = jtu.tree_transpose(jo, jtu.tree_structure(make(0)), jn)
        gr = gtu.tree_transpose(go, gtu.tree_structure(make(0)), gn)
        assert gtu.tree_leaves(gr) == jtu.tree_leaves(jr)
        assert _gstr(str(gtu.tree_structure(gr))) == _jstr(str(jtu.tree_structure(jr)))
        assert gtu.tree_leaves(gtu.tree_transpose(go, None, gn)) == jtu.tree_leaves(
            jtu.tree_transpose(jo, None, jn))
    assert gtu.tree_broadcast(gt, gn) == gn
    assert jtu.tree_broadcast(jt, jn) == jn
    # tree_map_with_path with two trees
    jm = jtu.tree_map_with_path(lambda p, a, b: (jtu.keystr(p), a, b), jt, jt)
    gm = gtu.tree_map_with_path(lambda p, a, b: (gtu.keystr(p), a, b), gt, gt)
    assert gtu.tree_leaves(gm, is_leaf=lambda t: isinstance(t, tuple) and len(t) == 3 and
                           isinstance(t[0], str)) == jtu.tree_leaves(
        jm, is_leaf=lambda t: isinstance(t, tuple) and len(t) == 3 and isinstance(t[0], str))


@pytest.mark.parametrize("tree, xs", [
    ([(1, 2), None, ATuple(foo=3, bar=7)],
     [({"foo": 7}, (3, 4)), None, ATuple(foo=(11, 9), bar=None)]),
    ([1], [{"a": 7}]), ((1, 2), ({"a": 7}, {"a": 8})), ({"a": 1, "b": (2, 3)},
                                                       {"a": [7], "b": ([8], (9,))}),
    (None, None),
])
def test_flatten_up_to_matches_jax(tree, xs):
    assert gtu.tree_structure(tree).flatten_up_to(xs) == jtu.tree_structure(tree).flatten_up_to(xs)
    assert gtu.tree_map(lambda a, b: (a, b), tree, xs) == jtu.tree_map(lambda a, b: (a, b),
                                                                       tree, xs)


@pytest.mark.parametrize("tree, xs", [
    ([1, 2], [7]), ((1,), (7, 8)), ({"a": 1}, {"a": 7, "b": 8}), ({"a": 1}, {"b": 7}),
    ([1], {"a": 7}), ([1], (7,)), ((1,), [7]), ({"a": 1}, (7,)), ([[1]], [7]),
    ([ATuple(foo=1, bar=2)], [(1, 2)]), ([ATuple(foo=1, bar=2)], [ATuple2(foo=1, bar=2)]),
    ([G["AnObject"](x=[1], y=(2,), z=1)], [([1], (2,), 1)]), (None, [2]),
])
def test_flatten_up_to_errors_where_jax_errors(tree, xs):
    jtree = [J["AnObject"](x=[1], y=(2,), z=1)] if isinstance(tree, list) and tree and \
        isinstance(tree[0], AnObject) else tree
    with pytest.raises(ValueError):
        jtu.tree_structure(jtree).flatten_up_to(xs)
    with pytest.raises(ValueError):
        gtu.tree_structure(tree).flatten_up_to(xs)


def test_is_leaf_and_reduce_match_jax():
    x = ((1, 2), (3, 4, 5))
    y = (([3], None), ({"foo": "bar"}, 7, [5, 6]))
    f = lambda *xs: tuple(xs)  # noqa: E731
    assert gtu.tree_map(f, x, y) == jtu.tree_map(f, x, y)
    x = ((1, 2), [3, 4, 5])
    assert gtu.tree_map(f, x, y, is_leaf=lambda n: isinstance(n, list)) == jtu.tree_map(
        f, x, y, is_leaf=lambda n: isinstance(n, list))
    tree = [(1, 2), [(3, 4), (5, 6)]]
    add = lambda a, b: a + b  # noqa: E731
    assert gtu.tree_reduce(add, tree, is_leaf=lambda t: isinstance(t, tuple)) == \
        jtu.tree_reduce(add, tree, is_leaf=lambda t: isinstance(t, tuple))
    y = [[[(1,)], [[(2,)], {"a": (3,)}]]]
    for il in (lambda t: False, lambda t: True, lambda t: isinstance(t, list),
               lambda t: isinstance(t, tuple)):
        assert gtu.tree_leaves(y, is_leaf=il) == jtu.tree_leaves(y, is_leaf=il)
        assert gtu.tree_structure(y, is_leaf=il).num_leaves == \
            jtu.tree_structure(y, is_leaf=il).num_leaves
    # None: a node without children, or a leaf where is_leaf says so
    t = [None, (1, None)]
    assert gtu.tree_leaves(t) == jtu.tree_leaves(t) == [1]
    none = lambda v: v is None  # noqa: E731
    assert gtu.tree_leaves(t, is_leaf=none) == jtu.tree_leaves(t, is_leaf=none)
    assert gtu.tree_all([1, (True, 2.0)]) == jtu.tree_all([1, (True, 2.0)])
    assert gtu.tree_all([1, (0, 2.0)]) == jtu.tree_all([1, (0, 2.0)])


def test_path_helpers_match_jax():
    tree = [{i: i for i in range(10)}]
    f = lambda kp, v: v - kp[1].key + kp[0].idx  # noqa: E731
    assert gtu.tree_map_with_path(f, tree) == jtu.tree_map_with_path(f, tree)
    x = ((1, 2), [3, {4: 4, 5: 5}])
    depth = lambda kp, _: len(kp) >= 2  # noqa: E731
    jp = jtu.tree_flatten_with_path(x, is_leaf=depth, is_leaf_takes_path=True)[0]
    gp = gtu.tree_flatten_with_path(x, is_leaf=depth, is_leaf_takes_path=True)[0]
    assert [(_keys(p), v) for p, v in gp] == [(_keys(p), v) for p, v in jp]
    x, y = ((1, 2), [3, 4, 5]), (([3], 0), ([0], 7, [5, 6]))
    g = lambda kp, *xs: (kp[0].idx, *xs)  # noqa: E731
    il = lambda _, n: isinstance(n, list)  # noqa: E731
    assert gtu.tree_map_with_path(g, x, y, is_leaf=il, is_leaf_takes_path=True) == \
        jtu.tree_map_with_path(g, x, y, is_leaf=il, is_leaf_takes_path=True)
    # the key types: text, equality, hashes, pattern matching, pickling
    for j, k in [(jtu.SequenceKey(1), gtu.SequenceKey(1)), (jtu.DictKey("foo"),
                                                           gtu.DictKey("foo")),
                 (jtu.GetAttrKey("bar"), gtu.GetAttrKey("bar")),
                 (jtu.FlattenedIndexKey(1), gtu.FlattenedIndexKey(1))]:
        assert (str(k), repr(k)) == (str(j), repr(j))
        assert k == type(k)(k._value()) and hash(k) == hash(type(k)(k._value()))
        assert pickle.loads(pickle.dumps(k)) == k
    assert hash(gtu.FlattenedIndexKey(1)) != hash(gtu.SequenceKey(1))
    assert gtu.FlattenedIndexKey(1) != gtu.SequenceKey(1)
    match gtu.DictKey("foo"):
        case gtu.DictKey(key=key):
            assert key == "foo"
    # jax.tree's short names
    t = {"a": [1, 2], "b": (3, None)}
    for name in ("leaves", "structure", "flatten", "all"):
        g_out, j_out = getattr(ad.tree, name)(t), getattr(jax.tree, name)(t)
        assert str(g_out) == str(j_out)
    assert ad.tree.map(lambda v: v * 2, t) == jax.tree.map(lambda v: v * 2, t)
    assert ad.tree.reduce(lambda a, b: a + b, t) == jax.tree.reduce(lambda a, b: a + b, t)
    assert [gtu.keystr(p) for p, _ in ad.tree.leaves_with_path(t)] == [
        jtu.keystr(p) for p, _ in jax.tree.leaves_with_path(t)]
    assert ad.tree.map_with_path(lambda p, v: gtu.keystr(p), t) == jax.tree.map_with_path(
        lambda p, v: jtu.keystr(p), t)


def test_treedef_helpers_match_jax():
    tree = ((1, 2, (3, 4)), (5,))
    gl, gd = gtu.tree_flatten(tree)
    jl, jd = jtu.tree_flatten(tree)
    g2, j2 = gtu.treedef_tuple(gd.children()), jtu.treedef_tuple(jd.children())
    assert (g2.num_leaves, g2.num_nodes, str(g2)) == (j2.num_leaves, j2.num_nodes, str(j2))
    assert gtu.tree_structure((3,)) == gtu.treedef_tuple((gtu.tree_structure(3),))
    assert [str(c) for c in gtu.treedef_children(gd)] == [str(c) for c in
                                                          jtu.treedef_children(jd)]
    assert gd.node_data() == jd.node_data()
    assert gtu.tree_structure({"b": 1, "a": 2}).node_data() == jtu.tree_structure(
        {"b": 1, "a": 2}).node_data()
    assert pickle.loads(pickle.dumps(gd)) == gd
    for bad in ([1, 2, 3, 4, 5, 6], [1, 2, 3, 4]):
        with pytest.raises(ValueError):
            jtu.tree_unflatten(jd, bad)
        with pytest.raises(ValueError, match="too (many|few) leaves"):
            gtu.tree_unflatten(gd, bad)
    # dict keys that cannot be sorted: an error in both
    with pytest.raises((TypeError, ValueError)):
        jtu.tree_flatten({"a": 1, 2: "b"})
    with pytest.raises(TypeError):
        gtu.tree_flatten({"a": 1, 2: "b"})


def _dummy(*args, **kwargs):
    return args, kwargs


@pytest.mark.parametrize("args, kw", [((), {}), ((1, 2), {}), ((), {"x": "a"}),
                                      ((1, 2, 3), {"x": 4, "y": 5})])
def test_partial_is_a_pytree_as_in_jax(args, kw):
    gp, jp = gtu.Partial(_dummy, *args, **kw), jtu.Partial(_dummy, *args, **kw)
    gl, gd = gtu.tree_flatten(gp)
    jl, jd = jtu.tree_flatten(jp)
    assert gl == jl and str(gd) == str(jd)
    back = gtu.tree_unflatten(gd, gl)
    assert (back.func, back.args, back.keywords) == (gp.func, gp.args, gp.keywords)
    assert [_keys(p) for p, _ in gtu.tree_flatten_with_path(gp)[0]] == [
        _keys(p) for p, _ in jtu.tree_flatten_with_path(jp)[0]]


def test_partial_of_a_partial_keeps_its_arguments_as_jax():
    import functools

    def f(a, b, c):
        return a, b, c

    g = functools.partial(f, 2)
    for tu in (gtu, jtu):
        h = tu.Partial(g, 3)
        assert h.args == (3,) and h(4) == (2, 3, 4)
        assert tu.tree_leaves(h) == [3]
        p1, p2 = tu.Partial(g, 2), tu.Partial(g, 2)
        assert p1.func == g and g == p1.func and p1.func == p2.func
        assert hash(p1.func) == hash(p2.func)


def test_partial_through_jit_and_grad_as_jax(backend):
    traces = {"g": 0, "j": 0}

    def apply(lib):
        def run(f, x):
            traces[lib] += 1
            return f(x)
        return run

    grun = ad.jit(apply("g"))
    jrun = jax.jit(apply("j"))
    xg, xj = gnp.asarray([1.0, 2.0]), jax.numpy.asarray([1.0, 2.0])
    seen = []
    for c in (2.0, 3.0):
        yg = grun(gtu.Partial(gnp.multiply, gnp.asarray(c)), xg)
        yj = jrun(jtu.Partial(jax.numpy.multiply, jax.numpy.asarray(c)), xj)
        np.testing.assert_allclose(np.asarray(yg), np.asarray(yj))
        seen.append(dict(traces))
    # the bound value is an argument, not a constant: no new trace for a new value
    assert seen[1] == seen[0] and seen[0]["j"] == 1
    # the derivative with respect to a Partial's argument
    gg = ad.grad(lambda p, x: gnp.sum(p(x) ** 2))(gtu.Partial(gnp.multiply, gnp.asarray(2.0)),
                                                  xg)
    jg = jax.grad(lambda p, x: jax.numpy.sum(p(x) ** 2))(
        jtu.Partial(jax.numpy.multiply, jax.numpy.asarray(2.0)), xj)
    np.testing.assert_allclose(float(gg.args[0]), float(jg.args[0]))


def test_tree_map_with_path_inside_grad_and_jit_as_jax(backend):
    params = {"w": [1.0, 2.0], "b": 0.5}

    def make_loss(lib_np, tu):
        def loss(p):
            scaled = tu.tree_map_with_path(
                lambda kp, v: v * (2.0 if tu.keystr(kp).startswith("['w']") else 1.0), p)
            return sum(lib_np.sin(v) ** 2 for v in tu.tree_leaves(scaled))
        return loss

    gp = ad.tree_map(lambda v: gnp.asarray(v), params)
    jp = jax.tree.map(lambda v: jax.numpy.asarray(v), params)
    gl, jl = make_loss(gnp, gtu), make_loss(jax.numpy, jtu)
    for gfun, jfun in ((ad.grad(gl), jax.grad(jl)), (ad.jit(ad.grad(gl)),
                                                     jax.jit(jax.grad(jl)))):
        g, j = gfun(gp), jfun(jp)
        assert str(gtu.tree_structure(g)) == str(jtu.tree_structure(j))
        for a, b in zip(gtu.tree_leaves(g), jtu.tree_leaves(j), strict=True):
            np.testing.assert_allclose(float(a), float(b), rtol=1e-6)


@pytest.mark.parametrize("tree, outer, inner", [
    ({"a": [1, 2], "b": [3, 4]}, {"a": 1, "b": 2, "c": 3}, [1, 2]),
    ({"a": [1, 2], "b": [3, 4]}, {"a": 1, "b": 2}, [1, 2, 3]),
])
def test_transpose_mismatch_is_a_type_error_as_jax(tree, outer, inner):
    for tu in (jtu, gtu):
        with pytest.raises(TypeError, match="(?i)mismatch"):
            tu.tree_transpose(tu.tree_structure(outer), tu.tree_structure(inner), tree)


@pytest.mark.parametrize("tree, inner", [([[1, 2], [3, 4], [5, 6]], ("*", "*")),
                                         ([(1, 2), (3, 4), (5, 6)], ["*", "*"])])
def test_transpose_container_type_mismatch_raises(tree, inner):
    """Subtrees that are lists where the inner structure has tuples (or the reverse): the
    installed JAX rebuilds them as the inner type; gpuad refuses them (a TypeError, as JAX's
    own tests ask of it), since the subtrees do not have the structure given."""
    with pytest.raises(TypeError, match="mismatch"):
        gtu.tree_transpose(gtu.tree_structure(["*", "*", "*"]), gtu.tree_structure(inner),
                           tree)


@pytest.mark.parametrize("y1, y2, traces", [(2, 2, 1), (2, 4, 2)])
def test_register_static_values_key_the_jit_cache_as_jax(y1, y2, traces):
    counts = {}
    for name, lib, cls in (("g", ad, G["StaticInt"]), ("j", jax, J["StaticInt"])):
        seen = []

        def fn(x, static_y, seen=seen):
            seen.append(1)
            return x + int(static_y)

        f = lib.jit(fn)
        first = f(1.0, cls(y1))
        n = len(seen)
        second = f(3.0, cls(y2))
        assert float(first) == 1.0 + y1 and float(second) == 3.0 + y2
        counts[name] = (len(seen) - n, n)
    # the second call traces again only where the static value changed (a gpuad trace may
    # run the body more than once: whether it ran is compared, not how often)
    assert bool(counts["g"][0]) == bool(counts["j"][0]) == (traces == 2)


def test_bad_flatten_functions_raise_value_errors_as_jax():
    for tu, suffix in ((jtu, "J"), (gtu, "G")):
        for bad in (lambda o: "hello", lambda o: (2, 3, 4), lambda o: (7, 7)):
            cls = type(f"Bad{suffix}", (), {})
            tu.register_pytree_node(cls, bad, lambda aux, kids: None)
            with pytest.raises(ValueError):
                tu.tree_flatten(cls())


def test_flatten_one_level_matches_jax():
    Empty = collections.namedtuple("Empty", ())
    for jt, gt in [((1, [2]), (1, [2])), ({"b": 1, "a": 2}, {"b": 1, "a": 2}),
                   (ATuple(foo=(), bar=[None]), ATuple(foo=(), bar=[None])), (None, None),
                   (collections.OrderedDict(b=1, a=2), collections.OrderedDict(b=1, a=2)),
                   (J["AnObject2"](x=Empty(), y=0, z="c"), G["AnObject2"](x=Empty(), y=0,
                                                                          z="c"))]:
        jk, jm = jtu.flatten_one_level(jt)
        gk, gm = gtu.flatten_one_level(gt)
        assert gk == list(jk) and gm == jm
        jp = jtu.flatten_one_level_with_keys(jt)[0]
        gp = gtu.flatten_one_level_with_keys(gt)[0]
        if not isinstance(jt, ATuple):  # (the installed JAX names both fields 'x' there)
            assert [(_keys([k]), c) for k, c in gp] == [(_keys([k]), c) for k, c in jp]
    for leaf in (1, np.arange(2)):
        with pytest.raises(ValueError, match="can't tree-flatten"):
            jtu.flatten_one_level(leaf)
        with pytest.raises(ValueError, match="can't tree-flatten"):
            gtu.flatten_one_level(leaf)
