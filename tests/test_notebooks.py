"""CI checks of every assignment's notebooks (the source/ notebooks also run
under nbval, collected by pytest from source/ with --nbval-lax).

- nbgrader's validator (its Python API: the CLI always exits 0, nbgrader
  issue #1908): every instructor notebook passes every grade cell, every
  student notebook passes none;
- each student notebook executes with no error but NotImplementedError;
- release/ is byte for byte what ``nbgrader generate_assignment`` writes;
- release/ holds no solution code, no hidden test and no autograder import.
"""
from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbclient import NotebookClient
from nbgrader.validator import Validator

from notebooks import (HIDDEN_REGION, RELEASE, ROOT, SOLUTION_REGION, SOURCE, assignments,
                       grade_cells, notebook_path, read, solution_cells)

ASSIGNMENTS = assignments()
slow = pytest.mark.slow


def test_every_assignment_has_graded_cells():
    assert ASSIGNMENTS, "no assignment found under source/"
    for a in ASSIGNMENTS:
        nb = read(notebook_path(SOURCE, a))
        assert grade_cells(nb), f"{a} has no grade cell"
        assert solution_cells(nb), f"{a} has no solution cell"
        for cell in grade_cells(nb):
            assert cell.metadata.nbgrader.get("points", 0) > 0, f"{a}: grade cell without points"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_outputs_are_cleared(assignment):
    nb = read(notebook_path(SOURCE, assignment))
    with_output = [c.source[:60] for c in nb.cells if c.cell_type == "code" and c.get("outputs")]
    assert not with_output, f"{assignment}: clear the outputs of {with_output}"


def _answer_name(cell) -> str | None:
    """The name a plain-answer solution cell assigns (its only statement is `name = value`), else None."""
    import ast

    body = ast.parse(cell.source).body if cell.cell_type == "code" else []
    if len(body) == 1 and isinstance(body[0], ast.Assign) and len(body[0].targets) == 1 \
            and isinstance(body[0].targets[0], ast.Name):
        return body[0].targets[0].id
    return None


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_one_definition_per_solution_cell(assignment):
    import ast

    for cell in solution_cells(read(notebook_path(SOURCE, assignment))):
        if cell.cell_type != "code":
            continue
        body = ast.parse(cell.source).body
        defs = [n.name for n in body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        if _answer_name(cell):  # or a plain answer: one `name = value`
            defs = [_answer_name(cell)]
        grade_id = cell.metadata.nbgrader.grade_id
        assert defs == [grade_id], f"{assignment}: solution cell {grade_id!r} defines {defs}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_solutions_or_hidden_tests(assignment):
    source_nb = read(notebook_path(SOURCE, assignment))
    released = notebook_path(RELEASE, assignment).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "autograder"):
        assert marker not in released, f"release/{assignment} contains {marker!r}"
    for cell in source_nb.cells:
        for region in SOLUTION_REGION.findall(cell.source) + HIDDEN_REGION.findall(cell.source):
            for line in region.splitlines():
                line = line.strip()
                # Short lines (`return out`, `pass`) are common to any code.
                if len(line) > 25 and not line.startswith("#"):
                    assert line not in released, f"release/{assignment} leaks: {line}"
    extra = sorted(p.name for p in (RELEASE / assignment).iterdir() if p.suffix in {".py", ".pyc"})
    assert not extra, f"release/{assignment} ships code files {extra}"


RELEASE_COMMANDS = {
    "nbgrader": lambda a: [sys.executable, "-m", "nbgrader", "generate_assignment", a, "--force"],
    "autograder": lambda a: [sys.executable, "-m", "autograder", "release", "--course", ".", a],
}


@slow
@pytest.mark.parametrize("generator", sorted(RELEASE_COMMANDS))
def test_release_is_what_the_release_command_generates(tmp_path, generator):
    """Regenerate every assignment into a scratch course with a scratch
    gradebook (with nbgrader's own command, and with the course's) and compare
    with the committed release/, byte for byte."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(SOURCE, tmp_path / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for a in ASSIGNMENTS:
        subprocess.run(RELEASE_COMMANDS[generator](a), cwd=tmp_path, check=True, capture_output=True)
    mismatch = _tree_diff(tmp_path / "release", RELEASE)
    assert not mismatch, ("release/ is stale; regenerate it (python -m autograder release) and commit: "
                          + ", ".join(mismatch))


def _tree_diff(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b, ignore=[".ipynb_checkpoints", "__pycache__"])
    out = [f"only generated: {x}" for x in cmp.left_only] + [f"only committed: {x}" for x in cmp.right_only]
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    out += [f"differs: {x}" for x in mismatch + errors]
    for sub in cmp.common_dirs:
        out += [f"{sub}/{x}" for x in _tree_diff(a / sub, b / sub)]
    return out


@slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_validator_passes_instructor_notebook(assignment):
    results = Validator().validate(str(notebook_path(SOURCE, assignment)))
    assert not results, f"{assignment}: validator found {_summary(results)}"


@slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_validator_fails_every_grade_cell_of_student_notebook(assignment):
    results = Validator(invert=True).validate(str(notebook_path(RELEASE, assignment)))
    assert not results, f"release/{assignment}: these grade cells pass with no student code: {_summary(results)}"


def _summary(results: dict) -> str:
    return "; ".join(f"{kind}: " + " | ".join(item.get("source", "")[:120] for item in items)
                     for kind, items in results.items())


@slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_notebook_runs_and_fails_only_where_code_is_missing(assignment, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    path = notebook_path(RELEASE, assignment)
    nb = read(path)
    NotebookClient(nb, timeout=600, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [(cell.source[:80], out.ename, out.evalue) for cell in nb.cells if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.output_type == "error"]
    assert errors, f"{assignment}: the student version raised nothing; are the stubs there?"
    # A check names the stub it met (NotWrittenYet); other cells meet the stub's own error,
    # or, after a plain-answer cell still unanswered, a NameError that names the answer.
    answers = {_answer_name(c) for c in solution_cells(read(notebook_path(SOURCE, assignment)))} - {None}
    unanswered = {f"name '{name}' is not defined" for name in answers}
    wrong = [(source, name) for source, name, value in errors
             if name not in ("NotImplementedError", "NotWrittenYet")
             and not (name == "NameError" and value in unanswered)]
    assert not wrong, f"{assignment}: errors other than NotImplementedError: {wrong}"
    # Written answers (markdown grade cells) are graded by hand, not run.
    passing = [c.metadata.nbgrader.grade_id for c in grade_cells(nb) if c.cell_type == "code"
               and not any(o.output_type == "error" for o in c.get("outputs", []))]
    assert not passing, f"{assignment}: grade cells pass with no student code: {passing}"
