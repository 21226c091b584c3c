"""The CUDA C++ sources of gpuad's kernels: finding, preprocessing and compiling them.

The ``.cu`` files live in the ``gpuad.kernels`` package (the repository's ``kernels/`` folder).
Local ``#include "name.cuh"`` lines are expanded here, so the text handed to NVRTC (by CuPy's
``RawModule`` on a GPU, or by :func:`compile_ptx` on any machine) is one self-contained unit.
Kernels are templates over the element type; :func:`kernel_names` lists the instantiations
(``"sin_vjp<float>"``, ``"sin_vjp<double>"``) that are compiled as NVRTC name expressions.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

# No contraction of a multiply and an add into one FMA (NVRTC's default --fmad=true): each
# operation rounds as CuPy's one-operation kernels round it, so a fused kernel's results are
# the bits of the same expression computed as separate CuPy calls (the formula path, a
# compiled program). CuPy itself appends -ftz=true: float32 subnormals flush to zero in its
# kernels and in ours alike.
FMAD: tuple[str, ...] = ("--fmad=false",)
OPTIONS: tuple[str, ...] = ("-std=c++17", *FMAD)
DTYPES: dict[str, str] = {"float32": "float", "float64": "double"}

LOCAL_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"[ \t]*$', re.MULTILINE)
_KERNEL_MACRO = re.compile(r"\bGPUAD_(?:VJP|MAP)\w*\s*\(\s*(\w+)\s*,")
_TEMPLATE_KERNEL = re.compile(
    r"\btemplate\s*<\s*typename\s+\w+\s*>\s*__global__\s+void\s+(\w+)\s*\("
)
_LINE_COMMENT = re.compile(r"//[^\n]*")
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_DIRECTIVE = re.compile(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", re.MULTILINE)


def kernel_dir() -> Path:
    """The folder that holds the ``.cu``/``.cuh`` files: the source tree's ``kernels/`` beside
    this package when there is one (an editable install of another checkout must not serve
    its kernels to this one), else the installed ``gpuad.kernels`` package."""
    beside = Path(__file__).resolve().parents[2] / "kernels"
    if (beside / "gpuad_vjp.cuh").is_file():
        return beside
    try:
        root = resources.files("gpuad.kernels")
        path = Path(str(root))
        if path.is_dir() and any(path.glob("*.cu")):
            return path
    except (ModuleNotFoundError, TypeError, NotImplementedError):
        pass
    return beside


def _raw_files(suffixes: tuple[str, ...]) -> dict[str, str]:
    folder = kernel_dir()
    files = sorted(p for p in folder.iterdir() if p.suffix in suffixes and p.is_file())
    return {p.name: p.read_text(encoding="utf-8") for p in files}


@functools.cache
def _headers() -> dict[str, str]:
    return _raw_files((".cuh",))


def expand_includes(source: str, headers: dict[str, str] | None = None) -> str:
    """``source`` with each local ``#include "x.cuh"`` replaced by that header, once each."""
    headers = _headers() if headers is None else headers
    seen: set[str] = set()

    def expand(text: str) -> str:
        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in headers:
                raise FileNotFoundError(f"kernel header {name!r} not found in {kernel_dir()}")
            if name in seen:
                return ""
            seen.add(name)
            return expand(headers[name])

        return LOCAL_INCLUDE.sub(repl, text)

    return expand(source)


@functools.cache
def _sources() -> tuple[tuple[str, str], ...]:
    return tuple((name, expand_includes(text)) for name, text in _raw_files((".cu",)).items())


def list_sources() -> list[tuple[str, str]]:
    """Every kernel translation unit as ``(file name, source with includes expanded)``."""
    return list(_sources())


def list_headers() -> list[tuple[str, str]]:
    """Every shared header as ``(file name, raw text)``."""
    return sorted(_headers().items())


def get_source(name: str) -> str:
    """The expanded source of the translation unit ``name`` (e.g. ``"elementwise_vjp.cu"``)."""
    for fname, text in _sources():
        if fname == name:
            return text
    raise FileNotFoundError(f"no kernel source {name!r} in {kernel_dir()}")


def _strip(source: str) -> str:
    text = _BLOCK_COMMENT.sub(" ", source)
    text = _LINE_COMMENT.sub("", text)
    return _DIRECTIVE.sub("", text)


def kernel_templates(source: str) -> list[str]:
    """Names of the kernel templates a source defines, in order of definition."""
    text = _strip(source)
    found = [
        (m.start(), m.group(1))
        for pattern in (_KERNEL_MACRO, _TEMPLATE_KERNEL)
        for m in pattern.finditer(text)
    ]
    names: list[str] = []
    for _, name in sorted(found):
        if name not in names:
            names.append(name)
    return names


def kernel_names(source: str, dtypes: tuple[str, ...] = ("float32", "float64")) -> list[str]:
    """The template instantiations to compile, e.g. ``["sin_vjp<float>", "sin_vjp<double>"]``."""
    ctypes = [DTYPES[d] for d in dtypes]
    return [f"{k}<{c}>" for k in kernel_templates(source) for c in ctypes]


class NvrtcError(RuntimeError):
    """NVRTC failed; ``log`` holds the compiler's log."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(f"{message}\n--- NVRTC log ---\n{log}" if log else message)
        self.log = log


@dataclass
class PTXResult:
    """One NVRTC compilation: the PTX, the lowered (mangled) kernel names and the log."""

    ptx: bytes
    lowered: dict[str, str] = field(default_factory=dict)
    log: str = ""


def _nvrtc():
    try:
        from cuda.bindings import nvrtc
    except ImportError as exc:
        raise ImportError(
            "compiling CUDA sources needs cuda.bindings.nvrtc "
            "(pip install cuda-bindings nvidia-cuda-nvrtc)"
        ) from exc
    return nvrtc


def _check(nvrtc, result, what: str, log: str = "") -> None:
    if result != nvrtc.nvrtcResult.NVRTC_SUCCESS:
        _, msg = nvrtc.nvrtcGetErrorString(result)
        raise NvrtcError(f"{what} failed: {msg.decode(errors='replace')}", log)


def compile_source(
    source: str,
    name: str,
    arch: str = "compute_90",
    name_expressions: list[str] | tuple[str, ...] | None = None,
    options: tuple[str, ...] = OPTIONS,
) -> PTXResult:
    """Compile ``source`` to PTX with NVRTC (no GPU needed).

    ``name_expressions`` default to :func:`kernel_names` of the source (float and double).
    Raises :class:`NvrtcError` with the NVRTC log if compilation fails.
    """
    nvrtc = _nvrtc()
    if name_expressions is None:
        name_expressions = kernel_names(source)
    err, prog = nvrtc.nvrtcCreateProgram(source.encode(), name.encode(), 0, [], [])
    _check(nvrtc, err, f"nvrtcCreateProgram({name})")
    try:
        for expr in name_expressions:
            (err,) = nvrtc.nvrtcAddNameExpression(prog, expr.encode())
            _check(nvrtc, err, f"nvrtcAddNameExpression({expr})")
        opts = [f"--gpu-architecture={arch}".encode(), *(o.encode() for o in options)]
        (compile_err,) = nvrtc.nvrtcCompileProgram(prog, len(opts), opts)
        err, size = nvrtc.nvrtcGetProgramLogSize(prog)
        _check(nvrtc, err, "nvrtcGetProgramLogSize")
        # bytearrays: b" " * 1 is CPython's cached one-byte object, which NVRTC would write
        # its NUL into, turning every b" " of the process into b"\0"
        buf = bytearray(size)
        (err,) = nvrtc.nvrtcGetProgramLog(prog, buf)
        _check(nvrtc, err, "nvrtcGetProgramLog")
        log = bytes(buf).rstrip(b"\0 ").decode(errors="replace")
        _check(nvrtc, compile_err, f"compiling {name} for {arch}", log or "(empty log)")
        err, size = nvrtc.nvrtcGetPTXSize(prog)
        _check(nvrtc, err, "nvrtcGetPTXSize")
        ptx = bytearray(size)
        (err,) = nvrtc.nvrtcGetPTX(prog, ptx)
        _check(nvrtc, err, "nvrtcGetPTX")
        lowered: dict[str, str] = {}
        for expr in name_expressions:
            err, low = nvrtc.nvrtcGetLoweredName(prog, expr.encode())
            _check(nvrtc, err, f"nvrtcGetLoweredName({expr})")
            lowered[expr] = low.decode()
        return PTXResult(bytes(ptx).rstrip(b"\0"), lowered, log)
    finally:
        nvrtc.nvrtcDestroyProgram(prog)


def compile_ptx(
    source: str,
    name: str,
    arch: str = "compute_90",
    name_expressions: list[str] | tuple[str, ...] | None = None,
    options: tuple[str, ...] = OPTIONS,
) -> bytes:
    """PTX of ``source`` compiled by NVRTC for ``arch``; see :func:`compile_source`."""
    return compile_source(source, name, arch, name_expressions, options).ptx
