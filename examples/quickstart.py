"""The textbook example of reverse accumulation, step by step.

    f(x1, x2) = x1 * x2 + sin(x1)

Run: ``python examples/quickstart.py`` (add ``--backend cupy`` on a GPU machine).
"""

from __future__ import annotations

import argparse
import math

import numpy as np

import gpuad as ad
import gpuad.numpy as gnp


def f(x1, x2):
    return x1 * x2 + gnp.sin(x1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="auto", help="numpy, cupy or auto")
    parser.add_argument("--quick", action="store_true", help="(no effect: already quick)")
    args = parser.parse_args()
    ad.set_backend(args.backend)
    print(f"backend: {ad.get_backend().name}\n")

    x1, x2 = 2.0, 3.0
    tape = ad.make_tape(f, x1, x2)
    print("The tape (Wengert list) of f(x1, x2) = x1*x2 + sin(x1) at x1=2, x2=3:\n")
    print(tape)
    print(f"\nf = {tape.output.item():.6f}")

    print("\nReverse sweep: seed the output adjoint with 1 and walk the tape backwards.")
    print("Each adjoint is final once every step that used its variable has been visited.\n")
    for name, adjoint in tape.backward():
        print(f"  adjoint of {name:<3} = {float(np.asarray(ad.tensor(adjoint).numpy())):+.6f}")

    g1, g2 = ad.grad(f, argnums=(0, 1))(x1, x2)
    print("\ngrad via ad.grad:          ", f"df/dx1 = {float(g1):.6f}, df/dx2 = {float(g2):.6f}")
    print("by hand (x2 + cos x1, x1): ", f"df/dx1 = {x2 + math.cos(x1):.6f}, df/dx2 = {x1:.6f}")

    _, tangent = ad.jvp(f, (x1, x2), (1.0, 0.0))
    print(f"forward mode, direction (1, 0): {float(tangent):.6f}")
    h = ad.hessian(lambda v: f(v[0], v[1]))(np.array([x1, x2]))
    print("Hessian:\n", np.asarray(ad.tensor(h).numpy()))


if __name__ == "__main__":
    main()
