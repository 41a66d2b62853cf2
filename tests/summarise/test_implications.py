"""The implication detector, measured on the seeds with their headings removed."""

from __future__ import annotations

import subprocess
import sys

from briefing.summarise.implications import detect_implications, implication_score
from tests.conftest import ROOT


def test_detector_figures_on_the_seeds() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "implications.py")],
                         capture_output=True, text=True, timeout=120, check=True)
    last = run.stdout.strip().splitlines()[-1].split()
    precision, recall = float(last[2]), float(last[4])
    # Measured 0.58 / 0.72; "every sentence" has precision 0.41.
    assert precision >= 0.55 and recall >= 0.70, run.stdout


def test_consequences_risks_and_recommendations_score() -> None:
    assert implication_score("For Western buyers, this creates a layer of political risk.") >= 2
    assert implication_score("Washington must treat rare earth independence as a national security imperative.") >= 2
    assert implication_score("The meeting was chaired by Liu Peixun and attended by officials.") <= 0


def test_facts_first_meaning_after() -> None:
    paragraphs = [
        "The company held its annual meeting in Baotou on Tuesday.",
        "Executives reviewed the year's production figures.",
        "This means buyers in Europe could face tighter supply next year.",
        "Policymakers should prepare stockpiles before prices rise.",
    ]
    found = [sentence for sentence, _ in detect_implications(paragraphs)]
    assert found == paragraphs[2:]
