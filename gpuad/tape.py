"""The tape made visible: ``print(gpuad.make_tape(f, x1, x2))`` shows the Wengert list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import _state
from .backends import get_backend
from .engine import LeafNode, run_backward
from .tensor import Tensor


def _root(a: Any) -> Any:
    """The array that owns the memory ``a`` views (views of one buffer count once)."""
    base = getattr(a, "base", None)
    while base is not None and hasattr(base, "nbytes"):
        a, base = base, getattr(base, "base", None)
    return a


def _fmt_bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


class Tape:
    """The recorded steps of one evaluation of ``f``, in execution order."""

    def __init__(self, output: Tensor, inputs: list[Tensor]):
        self.output = output
        self.inputs = inputs
        self.steps = self._collect(output)
        self.names: dict[Any, str] = {}
        for i, t in enumerate(inputs, 1):
            if t._node is not None:
                self.names[t._node] = t.name or f"x{i}"
        k = 0
        for n in self.steps:
            if n not in self.names:
                k += 1
                self.names[n] = f"v{k}"

    @staticmethod
    def _collect(out: Tensor) -> list:
        seen: set = set()
        stack = [out._node] if out._node is not None else []
        nodes = []
        while stack:
            n = stack.pop()
            if n is None or n in seen:
                continue
            seen.add(n)
            if not isinstance(n, LeafNode):
                nodes.append(n)
            stack.extend(e for e in n.edges if e is not None)
        return sorted(nodes, key=lambda n: n.seq)

    def saved_bytes(self) -> int:
        """Bytes of memory the steps keep alive for backward (device memory on the GPU). Each
        buffer counts once, however many steps saved it or views of it."""
        seen: set[int] = set()
        total = 0
        for n in self.steps:
            if n.saved is None:
                continue
            for s in n.saved:
                if s is None:
                    continue
                root = _root(s[0])
                if id(root) not in seen:
                    seen.add(id(root))
                    total += int(getattr(root, "nbytes", 0))
            if n.rule.extra_bytes is not None:
                total += n.rule.extra_bytes(n.params)
        return total

    def __len__(self) -> int:
        return len(self.steps)

    def _saved_names(self, n) -> str:
        if n.saved is None:
            return "(freed)"
        out = []
        for i, s in enumerate(n.saved):
            if s is None:
                continue
            if i == 0:
                out.append(self.names[n])
            elif len(s) > 1 and s[3] is not None:
                out.append(self.names.get(s[3], "?"))
            else:
                out.append("const")
        return ", ".join(out) or "-"

    def __str__(self) -> str:
        rows = [("step", "op", "inputs", "output shape", "saved", "bytes")]
        for i, t in enumerate(self.inputs, 1):
            nm = self.names.get(t._node, f"x{i}")
            rows.append((nm, "input", "", str(t.shape), "-", "0"))
        for n in self.steps:
            ins = ", ".join(self.names.get(e, "?") if e is not None else "const"
                            for e in n.edges)
            rows.append((self.names[n], n.rule.name, ins, str(tuple(n.shape)),
                         self._saved_names(n), str(n.saved_bytes())))
        w = [max(len(r[c]) for r in rows) for c in range(6)]
        lines = ["  ".join(r[c].ljust(w[c]) for c in range(6)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w[c] for c in range(6)))
        total = _fmt_bytes(self.saved_bytes())
        lines.append(f"{len(self.steps)} steps, {total} saved for backward")
        return "\n".join(lines)

    __repr__ = __str__

    def backward(self, seed: Any = None) -> list[tuple[str, Any]]:
        """Run the adjoint sweep step by step; returns ``[(name, adjoint), ...]`` in the order
        the adjoints become final (reverse of the tape), ending with the inputs."""
        out = self.output
        if seed is None:
            seed = get_backend().xp.ones(out.shape, out.dtype)
        trace: list[tuple[str, Any]] = []

        def on_step(node, g):
            trace.append((self.names.get(node, "?"), g.data if isinstance(g, Tensor) else g))

        run_backward([out], [seed], retain_graph=True, on_step=on_step)
        return trace


def make_tape(f: Callable, *args: Any) -> Tape:
    """Evaluate ``f(*args)`` and return its tape (the inputs become leaves x1, x2, ...).

    Example::

        print(gpuad.make_tape(lambda a, b: a * b + gnp.sin(a), 2.0, 3.0))
    """
    xs = []
    for i, a in enumerate(args, 1):
        d = a.data if isinstance(a, Tensor) else get_backend().asarray(a, dtype=None)
        if d.dtype.kind not in "fc":
            d = d.astype(float)
        t = Tensor(d, requires_grad=True)
        t.name = f"x{i}"
        xs.append(t)
    with _state.enable_grad():
        out = f(*xs)
    if not isinstance(out, Tensor):
        raise TypeError("make_tape: f must return an array that depends on its inputs")
    return Tape(out, xs)
