"""Set up a virtual environment and run the demo or the tests: ``python3 dev.py demo|test``.

Needs nothing but Python 3.11+: it creates ``.venv``, installs gpuad (editable, with the
``test`` and ``distributed`` extras) into it, and runs the command there.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True)


def setup() -> None:
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".gpuad-installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        run(PY, "-m", "pip", "install", "-q", "--upgrade", "pip")
        run(PY, "-m", "pip", "install", "-q", "-e", ".[test,distributed]")
        stamp.write_text(digest)


def main() -> int:
    what = sys.argv[1] if len(sys.argv) > 1 else "test"
    setup()
    if what == "demo":
        run(PY, "examples/quickstart.py", *sys.argv[2:])
    elif what == "test":
        run(BIN / "ruff", "check", ".")
        run(PY, "-m", "pytest", "-q", *sys.argv[2:])
    elif what == "setup":
        pass
    else:
        print(f"unknown command {what!r}; use demo, test or setup", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as e:
        sys.exit(e.returncode)
