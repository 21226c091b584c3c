"""The installed package ships its CUDA sources and claims no generic top-level name."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _can_build_wheels() -> bool:
    import importlib.util

    try:
        import setuptools
    except ImportError:
        return False
    major_minor = tuple(int(p) for p in setuptools.__version__.split(".")[:2] if p.isdigit())
    return major_minor >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.mark.skipif(not _can_build_wheels(), reason="needs setuptools >= 70.1 or wheel")
def test_kernels_ship_inside_the_package(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "-q", "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    (wheel,) = tmp_path.glob("gpuad-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    sources = sorted(p.name for p in (ROOT / "kernels").glob("*.cu*"))
    assert sources
    for s in sources:
        assert f"gpuad/kernels/{s}" in names
    top = {n.split("/")[0] for n in names if not n.startswith("gpuad-")}
    assert top == {"gpuad"}, top


def test_kernel_sources_resolve_through_the_package():
    from gpuad.backends import cuda_sources

    names = [name for name, _ in cuda_sources.list_sources()]
    assert "elementwise_vjp.cu" in names


def test_every_subpackage_is_listed_for_the_wheel():
    """A package directory missing from pyproject's list would be left out of the wheel."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "gpuad").rglob("__init__.py")}
    assert found - listed == set(), f"add to [tool.setuptools] packages: {sorted(found - listed)}"
