"""gpuad benchmarks: gpuad against PyTorch, JAX and HIPS autograd on the same workloads.

Run ``python -m benchmarks --help``; results land in ``benchmarks/results`` by default and the
results page is ``benchmarks/README.md``. Benchmarks are scripts, never timed tests.
"""
