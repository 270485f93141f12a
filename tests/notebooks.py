"""Helpers shared by the notebook tests: where the assignments are and how to
read their nbgrader cells."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"

SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def assignments() -> list[str]:
    """Assignment ids, e.g. ``01_chain_rule``: folders of source/ holding a notebook of the same name."""
    return sorted(p.name for p in SOURCE.iterdir() if (p / f"{p.name}.ipynb").exists())


def notebook_path(folder: Path, assignment: str) -> Path:
    return folder / assignment / f"{assignment}.ipynb"


def read(path: Path):
    return nbformat.read(path, as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def grade_cells(nb) -> list:
    return [c for c in nb.cells if nbgrader_meta(c).get("grade")]


def solution_cells(nb) -> list:
    return [c for c in nb.cells if nbgrader_meta(c).get("solution")]
