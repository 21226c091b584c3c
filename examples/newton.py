"""Newton's method with gpuad's Jacobians and Hessians.

1. A nonlinear system F(x) = 0 in three unknowns: the Jacobian is computed by reverse mode
   (``jacrev``, one row per vjp) and by forward mode (``jacfwd``, one column per jvp); the two
   agree, and Newton's iteration x <- x - J^{-1} F(x) converges quadratically.
2. The Rosenbrock function: Newton steps with ``grad`` and ``hessian`` (forward-over-reverse)
   and a backtracking line search reach the minimum at (1, 1) from (-1.2, 1).

Run: ``python examples/newton.py`` (``--quick`` is the same: it is already fast).
"""

from __future__ import annotations

import numpy as np
from _common import host, parser, save_plot, setup, to_device

import gpuad as ad
import gpuad.numpy as gnp


def system(x):
    """F: R^3 -> R^3 with a (regular) root at (1, 1, 1)."""
    a, b, c = x[0], x[1], x[2]
    return gnp.stack([a * a + b * b + c * c - 3.0,
                      gnp.exp(a - 1.0) + b * b * c - 2.0,
                      a + 2.0 * b - 3.0 * gnp.sin(c - 1.0) - 3.0])


def rosenbrock(x):
    """f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1)."""
    return (1.0 - x[0]) ** 2 + 100.0 * (x[1] - x[0] ** 2) ** 2


def solve(a, b):
    return ad.get_backend().xp.linalg.solve(a, b)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--tol", type=float, default=1e-12, help="stop when |F| or |grad| < tol")
    args = p.parse_args()
    setup(args)

    x = to_device(np.array([1.6, 0.7, 1.3]))
    print("1) nonlinear system F(x) = 0, x0 =", host(x))
    j_rev = ad.jacrev(system)(x)
    j_fwd = ad.jacfwd(system)(x)
    print("Jacobian by rows (jacrev):\n", np.array2string(host(j_rev), precision=6))
    print("Jacobian by columns (jacfwd):\n", np.array2string(host(j_fwd), precision=6))
    gap = float(np.max(np.abs(host(j_rev) - host(j_fwd))))
    print(f"jacrev == jacfwd: {gap < 1e-12} (max difference {gap:.1e})")
    residuals = []
    for it in range(20):
        f = system(x)
        r = float(np.linalg.norm(host(f)))
        residuals.append(r)
        print(f"  newton iter {it}: |F(x)| = {r:.3e}  x = {np.array2string(host(x), precision=12)}")
        if r < args.tol:
            break
        x = x - solve(ad.jacrev(system)(x), f)
    print(f"converged: {residuals[-1] < args.tol} after {len(residuals) - 1} iterations")

    print("\n2) Rosenbrock minimum by Newton with grad and hessian, x0 = (-1.2, 1)")
    z = to_device(np.array([-1.2, 1.0]))
    g_fn, h_fn = ad.grad(rosenbrock), ad.hessian(rosenbrock)
    gnorms = []
    for it in range(50):
        g = g_fn(z)
        gn = float(np.linalg.norm(host(g)))
        gnorms.append(gn)
        fz = float(rosenbrock(z))
        print(f"  newton iter {it:2d}: f = {fz:.3e}  |grad| = {gn:.3e}  "
              f"x = {np.array2string(host(z), precision=10)}")
        if gn < args.tol:
            break
        step = solve(h_fn(z), g)
        t = 1.0
        while float(rosenbrock(z - t * step)) > fz - 1e-4 * t * float(host(g) @ host(step)) \
                and t > 1e-8:
            t *= 0.5  # backtracking (Armijo) line search
        z = z - t * step
    print(f"converged: {gnorms[-1] < args.tol} after {len(gnorms) - 1} iterations; "
          f"minimum at {np.array2string(host(z), precision=10)}")
    print("hessian at the minimum:\n", np.array2string(host(h_fn(z)), precision=6))
    save_plot(args.plot, [
        {"curves": {"|F(x)|": residuals}, "xlabel": "iteration", "ylabel": "residual",
         "logy": True},
        {"curves": {"|grad f|": gnorms}, "xlabel": "iteration", "ylabel": "gradient norm",
         "logy": True},
    ], title="Newton's method")


if __name__ == "__main__":
    main()
