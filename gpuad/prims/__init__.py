"""The op table by family, one module each: core (Primitive, prim), _helpers (small helpers the
formulas share), elementwise, nondiff, reductions, shapes, indexing, linalg, losses.
gpuad.rules is the one namespace that re-exports them all."""
