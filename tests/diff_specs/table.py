"""The public functions of gpuad's array namespaces, and the table of what is differentiable.

``public_functions()`` is what the walk (tests/test_differentiable_all.py) visits; run this file
to print the table committed as docs/differentiable.md::

    python tests/diff_specs/table.py > docs/differentiable.md
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: this checkout's gpuad and tests/ come first
    _root = Path(__file__).resolve().parents[2]
    _here = str(Path(__file__).resolve().parent)  # holds scipy.py, numpy_more.py, ...: not
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(_here)]  # packages
    sys.path[:0] = [str(_root), str(_root / "tests")]

# walked in this order; a function reachable under several names is listed under the first
PACKAGES = ("gpuad.numpy", "gpuad.scipy")
MODULES = ("gpuad.nn.functional", "gpuad.linalg", "gpuad.masked", "gpuad.ops")
REGENERATE = "python tests/diff_specs/table.py > docs/differentiable.md"


@dataclass
class Function:
    """One public function: its first public name, every other name it has, the object."""

    name: str
    obj: Any
    aliases: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


def walked_modules() -> list[str]:
    """``gpuad.numpy`` and its public submodules, ``gpuad.scipy.*``, ``gpuad.nn.functional``,
    ``gpuad.linalg``, ``gpuad.masked``, ``gpuad.ops``."""
    out: list[str] = []
    for pkg_name in PACKAGES:
        try:
            pkg = importlib.import_module(pkg_name)
        except ImportError:
            continue
        out.append(pkg_name)
        subs = sorted(info.name for info in pkgutil.walk_packages(pkg.__path__, pkg_name + "."))
        out.extend(s for s in subs if not any(p.startswith("_") for p in s.split(".")))
    return out + list(MODULES)


def _is_function(obj: Any) -> bool:
    """Callables that compute something (not classes, modules or typing constructs), and
    gpuad's indexing objects such as ``r_`` and ``c_`` (``gnp.r_[a, b]``)."""
    if inspect.ismodule(obj) or isinstance(obj, type):
        return False
    if not callable(obj):
        cls = type(obj)
        return cls.__module__.startswith("gpuad.") and hasattr(cls, "__getitem__") and \
            cls.__name__ != "Tensor"
    return getattr(obj, "__module__", None) not in ("typing", "typing_extensions")


def public_functions() -> list[Function]:
    """Every public function of the walked modules, once each (aliases folded into the first
    name met: modules in walk order, names sorted within a module)."""
    by_id: dict[int, Function] = {}
    order: list[Function] = []
    for mod_name in walked_modules():
        mod = importlib.import_module(mod_name)
        public = getattr(mod, "__all__", None)  # a module that declares its API is taken at it
        found = [(a, o) for a, o in vars(mod).items() if not a.startswith("_") and _is_function(o)
                 and (public is None or a in public)]
        # a function's own name first (``max`` before ``amax``), then alphabetically
        found.sort(key=lambda ao: (ao[0] != getattr(ao[1], "__name__", None), ao[0]))
        first = len(order)
        for attr, obj in found:
            qual = f"{mod_name}.{attr}"
            known = by_id.get(id(obj))
            if known is None:
                by_id[id(obj)] = fn = Function(qual, obj)
                order.append(fn)
            else:
                known.aliases.append(qual)
        order[first:] = sorted(order[first:], key=lambda f: f.name)
    return order


_CPLX = {"holo": "holomorphic", "own": "yes (own rule)", "real": "real only (raises)"}


def _rule_of(obj: Any) -> Any:
    """The primitive behind a public function: its own, or the one of the same name that a
    thin ``gpuad.numpy`` wrapper applies (``sum``, ``add``, ...)."""
    rule = getattr(obj, "rule", None)
    mod = getattr(obj, "__module__", None) or ""
    if rule is None and (mod in ("gpuad.rules", "gpuad.numpy") or mod.startswith("gpuad.prims.")):
        from gpuad.rules import RULES

        rule = RULES.get(getattr(obj, "__name__", ""))
    return rule


def _complex_support(obj: Any) -> str:
    """What a primitive declares about complex values (its ``cplx``), empty where the function
    is not one primitive or nothing is declared."""
    c = getattr(obj, "cplx", None)
    if c is None:
        c = getattr(_rule_of(obj), "cplx", None)
    if c is None:
        return ""
    return _CPLX.get(c, str(c))


def _checked(specs) -> tuple[str, str]:
    passing = [s for s in specs if not s.xfail]
    failing = "; ".join(sorted({s.xfail for s in specs if s.xfail}))
    if not passing:
        return "not yet", f"known failure: {failing}"
    modes = sorted({m for s in passing for m in s.modes}, reverse=True)
    order = max(s.order for s in passing)
    detail = f"{', '.join(modes)}; order {order}"
    return ("partly", f"{detail}; known failure: {failing}") if failing else ("yes", detail)


def render() -> str:
    """The Markdown table: one row per public function."""
    from diff_specs import collect

    specs, exempt = collect()
    rows = []
    for fn in public_functions():
        mine = [s for s in specs if s.name in fn.names]
        reasons = sorted({exempt[n] for n in fn.names if n in exempt})
        if mine:
            status, detail = _checked(mine)
        elif reasons:
            status = "no"
            detail = "; ".join(reasons)
        else:
            status = "?"
            detail = "neither checked nor exempt"
        module, _, short = fn.name.rpartition(".")
        also = ", ".join(f"`{a}`" for a in fn.aliases)
        cplx = _complex_support(fn.obj) if status != "no" else ""
        rows.append(f"| `{module}` | `{short}` | {also} | {status} | {detail} | {cplx} |")
    head = [
        "# What gpuad differentiates",
        "",
        "Generated from the derivative checks in `tests/diff_specs/`; do not edit by hand. "
        f"Regenerate with `{REGENERATE}`.",
        "",
        "Every public function of `gpuad.numpy` (with `linalg`, `fft`, `random`), `gpuad.scipy`, "
        "`gpuad.nn.functional`, `gpuad.linalg` (torch's names), `gpuad.masked` and `gpuad.ops` "
        "is listed once; other names for the same function are under "
        "*also*. *Differentiable* `yes` means first and higher derivatives are checked against "
        "float64 central differences in the modes given (`rev`: reverse mode, vjp/grad; `fwd`: "
        "forward mode, jvp) up to the order given, by `tests/test_differentiable_all.py`. `no` "
        "gives the reason the function has no derivative (integer or boolean results, piecewise "
        "constant, constants, shape queries); `not yet` marks a derivative known to be missing "
        "or wrong (its check is expected to fail until it is fixed). *Complex* is what the "
        "function's primitive declares about complex values: holomorphic (its real formulas "
        "hold), its own complex rule, or real only (differentiating complex values through it "
        "raises); blank where the function is composed of several primitives.",
        "",
        "| module | function | also | differentiable | checked / reason | complex |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    return "\n".join(head + rows) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
