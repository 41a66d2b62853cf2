"""The shared data (../shared) is read by tests when they run, never when they are collected."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, shared_path


def test_a_missing_shared_file_fails_the_test_with_one_clear_line() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"no-such-file\.jsonl is missing: these tests read the shared"):
        shared_path("data", "no-such-file.jsonl")


def test_the_suite_is_collected_without_the_shared_data(tmp_path: Path) -> None:
    env = {**os.environ, "BRIEFING_TEST_SHARED": str(tmp_path / "no-shared-here")}
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", "tests"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "tests/ingest/test_folders.py::test_every_format" in run.stdout
