"""Today's code for benchmarks: commit ``a2d3cff`` (before issue 17) unpacked in a temp dir.

``git archive`` of the commit (the same tree a ``git worktree add`` would check out,
without touching the repository's worktree list); a process runs it with
``PYTHONPATH`` pointing there, so ``import briefing`` loads that tree instead of the
editable install, with this venv's dependencies.
"""

from __future__ import annotations

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
    """A folder holding ``commit``'s tree, removed afterwards."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit],
                             capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory(prefix="briefing-baseline-") as folder:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        yield Path(folder)


def env_for(tree: Path | None) -> dict[str, str]:
    """The environment of a process running ``tree``'s briefing (None: this checkout's)."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(tree), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env
