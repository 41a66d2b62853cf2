"""Today's code for benchmarks: commit ``a2d3cff`` (before issue 17) unpacked in a temp dir.

``git archive`` of the commit (the same tree a ``git worktree add`` would check out,
without touching the repository's worktree list); a process runs it with
``PYTHONPATH`` pointing there, so ``import briefing`` loads that tree instead of the
editable install, with this venv's dependencies.

Both trees get their bytecode written first (``compileall``), as an installed package
has it: a machine that sets ``PYTHONDONTWRITEBYTECODE`` (this one does) would otherwise
compile every module from source in every timed process, about 0.1 s of each start-up.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE_COMMIT = "a2d3cff"


@contextmanager
def baseline_tree(commit: str = BASELINE_COMMIT) -> Iterator[Path]:
    """A folder holding ``commit``'s tree, removed afterwards (both trees' bytecode written)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit],
                             capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory(prefix="briefing-baseline-") as folder:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        for tree in (ROOT, Path(folder)):
            compile_bytecode(tree)
        yield Path(folder)


def compile_bytecode(tree: Path) -> None:
    """Write ``tree``'s ``briefing`` package's bytecode (``__pycache__``, ignored by git)."""
    if not compileall.compile_dir(tree / "briefing", quiet=2):
        raise SystemExit(f"cannot compile {tree / 'briefing'}")


def env_for(tree: Path | None) -> dict[str, str]:
    """The environment of a process running ``tree``'s briefing (None: this checkout's)."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(tree), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env
