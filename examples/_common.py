"""Helpers shared by the examples: command line, backend choice, a progress bar, plotting."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

import numpy as np

import gpuad as ad


def parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every example takes.

    ``--quick`` (tiny run for CI), ``--backend numpy|cupy|auto``, ``--plot PATH``, ``--seed``.
    """
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="tiny problem, runs in seconds (CI)")
    p.add_argument("--backend", default="auto", choices=["numpy", "cupy", "auto"],
                   help="array backend (auto: cupy when a GPU is usable, else numpy)")
    p.add_argument("--plot", metavar="PATH", default=None,
                   help="save a PNG of the curves here (needs matplotlib)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--jit", action="store_true",
                   help="compile the training step with gpuad.jit (traced once, then replayed)")
    return p


def setup(args: argparse.Namespace) -> None:
    """Select the backend and seed gpuad's random generator."""
    ad.set_backend(args.backend)
    ad.numpy.random.seed(args.seed)
    print(f"backend: {ad.get_backend().name}" + ("  (quick mode)" if args.quick else "")
          + ("  (jit)" if getattr(args, "jit", False) else ""))


def host(a: Any) -> np.ndarray:
    """A NumPy copy of a Tensor or backend array (NumPy or CuPy)."""
    if isinstance(a, ad.Tensor):
        return a.numpy()
    if hasattr(a, "get"):
        return a.get()
    return np.asarray(a)


def to_device(a: Any) -> Any:
    """A host array moved to the active backend."""
    return ad.get_backend().xp.asarray(a)


class Progress:
    """A one-line text progress bar: ``[#####.....] 50/100  loss 0.1234  3.2s``.

    On a terminal it redraws in place; otherwise it prints about ten lines in all.

    Example::

        bar = Progress(100, "train")
        for i in range(100):
            bar.update(i + 1, loss=0.5)
        bar.close()
    """

    def __init__(self, total: int, desc: str = "", width: int = 24,
                 stream: TextIO | None = None) -> None:
        self.total, self.desc, self.width = max(total, 1), desc, width
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.perf_counter()
        self.last_line = -1

    def update(self, done: int, **metrics: float) -> None:
        frac = min(done / self.total, 1.0)
        if not self.tty:
            tick = int(frac * 10)
            if tick == self.last_line and done != self.total:
                return
            self.last_line = tick
        fill = int(round(frac * self.width))
        bar = "#" * fill + "." * (self.width - fill)
        info = "  ".join(f"{k} {v:.4g}" for k, v in metrics.items())
        line = f"{self.desc} [{bar}] {done}/{self.total}  {info}  " \
               f"{time.perf_counter() - self.start:.1f}s"
        self.stream.write(("\r" + line) if self.tty else (line + "\n"))
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def save_plot(path: str | None, panels: Sequence[dict[str, Any]], title: str = "") -> None:
    """Save line plots side by side as a PNG; skip with a message without matplotlib.

    Each panel is ``{"curves": {label: (x, y) or y}, "xlabel": .., "ylabel": .., "logy": bool}``.
    """
    if not path:
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"matplotlib is not installed; not writing {path}")
        return
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, panel in zip(axes[0], panels, strict=True):
        for label, c in panel["curves"].items():
            x, y = c if isinstance(c, tuple) else (np.arange(len(c)), c)
            ax.plot(np.asarray(x), np.asarray(y), label=label)
        ax.set_xlabel(panel.get("xlabel", ""))
        ax.set_ylabel(panel.get("ylabel", ""))
        if panel.get("logy"):
            ax.set_yscale("log")
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"plot saved to {path}")
