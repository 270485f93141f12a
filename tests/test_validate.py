"""``python -m course.validate``: nbgrader's validator with an exit status that says whether it passed."""
from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

import tiny_assignment as tiny
from autograder.course_dir import create_scratch
from autograder.release import release


@pytest.fixture
def released(tmp_path):
    course = create_scratch(tmp_path / "course", [tiny.ASSIGNMENT], source_root=tiny.write_source(tmp_path / "src"))
    release(course)
    return course.path("release", tiny.ASSIGNMENT, f"{tiny.ASSIGNMENT}.ipynb")


def _solve(notebook, square_body):
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "double":
            cell.source = "def double(x):\n    return 2 * x"
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "square":
            cell.source = f"def square(x):\n    {square_body}"
    nbformat.write(nb, notebook)


def _run(*args):
    return subprocess.run([sys.executable, "-m", "course.validate", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def test_untouched_notebook_fails_with_nbgraders_summary(released):
    done = _run(released)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "VALIDATION FAILED ON 2 CELL(S)" in done.stdout and "NotImplementedError" in done.stdout
    assert "NOT READY to hand in" in done.stdout


def test_a_wrong_function_fails_and_a_correct_notebook_passes(released):
    _solve(released, "return x + x")
    done = _run(released)
    assert done.returncode == 1 and "VALIDATION FAILED ON 1 CELL(S)" in done.stdout
    _solve(released, "return x * x")
    done = _run(released)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success! Your notebook passes all the tests." in done.stdout


def test_an_edited_test_cell_fails(released):
    _solve(released, "return x * x")
    nb = nbformat.read(released, as_version=4)
    test_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_square")
    test_cell.source = "pass"
    nbformat.write(nb, released)
    done = _run(released)
    assert done.returncode == 1 and "THE CONTENTS OF 1 TEST CELL(S) HAVE CHANGED" in done.stdout


def test_missing_notebook_fails(tmp_path):
    assert _run(tmp_path / "nope.ipynb").returncode == 1
