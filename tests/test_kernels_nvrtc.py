"""Every CUDA source in kernels/ compiles with NVRTC (CPU only: no GPU, no CuPy needed)."""

from __future__ import annotations

import pytest

from gpuad.backends import cuda_sources

nvrtc = pytest.importorskip(
    "cuda.bindings.nvrtc", reason="cuda.bindings.nvrtc (cuda-bindings + nvidia-cuda-nvrtc) missing"
)
try:
    nvrtc.nvrtcVersion()
except Exception as exc:  # the bindings import but libnvrtc cannot be loaded
    pytest.skip(f"NVRTC library not loadable: {exc}", allow_module_level=True)

ARCHS = ("compute_80", "compute_90")
SOURCES = cuda_sources.list_sources()
HEADERS = cuda_sources.list_headers()


def test_sources_found():
    names = [name for name, _ in SOURCES]
    assert "elementwise_vjp.cu" in names
    for name, text in SOURCES:
        assert cuda_sources.LOCAL_INCLUDE.search(text) is None, f"{name}: unexpanded #include"


def test_backend_tables_name_defined_kernels():
    """Every kernel the generated tables use is defined in its source, and nothing else is."""
    from gpuad.backends import kernel_gen

    for fname, wanted in kernel_gen.kernel_names().items():
        defined = set(cuda_sources.kernel_templates(cuda_sources.get_source(fname)))
        assert wanted == defined, (fname, sorted(wanted ^ defined))


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("name,source", SOURCES, ids=[n for n, _ in SOURCES])
def test_source_compiles(name, source, arch):
    exprs = cuda_sources.kernel_names(source)
    assert exprs, f"{name} defines no kernels"
    assert len(exprs) == 2 * len(cuda_sources.kernel_templates(source))
    result = cuda_sources.compile_source(source, name, arch=arch, name_expressions=exprs)
    assert result.ptx.strip()
    ptx = result.ptx.decode()
    assert f".target sm_{arch.removeprefix('compute_')}" in ptx
    assert set(result.lowered) == set(exprs)
    for expr, lowered in result.lowered.items():
        assert f".entry {lowered}(" in ptx, f"{expr} ({lowered}) missing from {name} PTX"


def test_no_multiply_add_contraction():
    """The fused kernels round every operation as CuPy's one-operation kernels do (eager's
    formula path, a compiled program): compiled without FMA contraction, their PTX holds only
    the ``.rn`` forms of add, sub and mul, which ptxas never fuses into an FMA."""
    import re

    contractible = re.compile(r"\b(?:add|sub|mul)\.f(?:32|64)\b")
    name, source = next((n, s) for n, s in SOURCES if n == "elementwise_vjp.cu")
    exprs = ["tanh_vjp<float>", "multiply_vjp<double>"]  # out + g * v when accumulating
    ptx = cuda_sources.compile_ptx(source, name, name_expressions=exprs).decode()
    assert ".rn.f32" in ptx and not contractible.findall(ptx)
    default = cuda_sources.compile_ptx(source, name, name_expressions=exprs,
                                       options=("-std=c++17",)).decode()
    assert contractible.findall(default)  # NVRTC's default would let ptxas contract them


@pytest.mark.parametrize("name,header", HEADERS, ids=[n for n, _ in HEADERS])
def test_header_self_contained(name, header):
    ptx = cuda_sources.compile_ptx(header, name, arch="compute_80", name_expressions=())
    assert ptx.strip()


def test_compile_ptx_default_names():
    name, source = SOURCES[0]
    ptx = cuda_sources.compile_ptx(source, name)
    assert b".target sm_90" in ptx


def test_kernel_names_parsing():
    src = """
    // GPUAD_VJP1(commented_out, gi)
    #define GPUAD_VJP1(NAME, EXPR) template <typename T> __global__ void NAME(T* p) {}
    GPUAD_VJP1(alpha_vjp, gi * v)
    GPUAD_VJP2(beta_vjp,
               u * v)
    template <typename T>
    __global__ void gamma(const T* x) {}
    """
    assert cuda_sources.kernel_templates(src) == ["alpha_vjp", "beta_vjp", "gamma"]
    assert cuda_sources.kernel_names(src, ("float64",)) == [
        "alpha_vjp<double>",
        "beta_vjp<double>",
        "gamma<double>",
    ]


def test_broken_source_reports_log():
    broken = "template <typename T>\n__global__ void oops(T* x) { x[0] = undefined_name; }\n"
    with pytest.raises(cuda_sources.NvrtcError) as info:
        cuda_sources.compile_ptx(broken, "broken.cu", name_expressions=["oops<float>"])
    err = info.value
    assert "undefined_name" in err.log
    assert "broken.cu" in str(err) and "undefined_name" in str(err)


def test_missing_header_is_named():
    with pytest.raises(FileNotFoundError, match="no_such_header.cuh"):
        cuda_sources.expand_includes('#include "no_such_header.cuh"\n', headers={})
