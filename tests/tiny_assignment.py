"""A two-function nbgrader assignment for the grading pipeline's tests.

Small enough to grade in a second or two, yet shaped like the course's
notebooks: solution cells named after their function, grade cells with a
visible check and a hidden-test region, and a mistake that only the hidden
test catches.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.mistake import Mistake

ASSIGNMENT = "00_tiny"
HIDDEN_MARKERS = ["HIDDEN_DOUBLE_SENTINEL", "HIDDEN_SQUARE_SENTINEL", "double(-21)", "square(-5)"]
POINTS = {"test_double": 2.0, "test_square": 3.0}
# Passes the visible check (3 -> 9) but not the hidden one (-5 -> 25).
MISTAKES = [Mistake("square", "abs_sign", "", "def square(x):\n    return abs(x) * x\n")]


def _meta(**fields) -> dict:
    return {"nbgrader": {"schema_version": 3, **fields}}


def notebook():
    v4 = nbformat.v4
    cells = [
        v4.new_markdown_cell("# Tiny assignment\nWrite `double` and `square`."),
        v4.new_code_cell("import numpy as np"),
        v4.new_code_cell('def double(x):\n    """Return 2 * x."""\n    ### BEGIN SOLUTION\n    return 2 * x\n'
                         '    ### END SOLUTION',
                         metadata=_meta(grade=False, solution=True, locked=False, grade_id="double")),
        v4.new_code_cell('assert double(3) == 6, "double(3) should be 6"\n### BEGIN HIDDEN TESTS\n'
                         'assert double(-21) == -42, "HIDDEN_DOUBLE_SENTINEL"\n### END HIDDEN TESTS',
                         metadata=_meta(grade=True, solution=False, locked=True, points=2, grade_id="test_double")),
        v4.new_code_cell('def square(x):\n    """Return x squared."""\n    ### BEGIN SOLUTION\n    return x * x\n'
                         '    ### END SOLUTION',
                         metadata=_meta(grade=False, solution=True, locked=False, grade_id="square")),
        v4.new_code_cell('assert square(3) == 9, "square(3) should be 9"\n### BEGIN HIDDEN TESTS\n'
                         'assert square(-5) == 25, "HIDDEN_SQUARE_SENTINEL"\n### END HIDDEN TESTS',
                         metadata=_meta(grade=True, solution=False, locked=True, points=3, grade_id="test_square")),
        v4.new_code_cell("print('square(4) =', square(4))"),
    ]
    nb = v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def write_source(root: Path) -> Path:
    """Write root/source/00_tiny/00_tiny.ipynb; returns root."""
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook(), folder / f"{ASSIGNMENT}.ipynb")
    return root


# A manually graded written answer (a markdown cell) worth 2 points; the source cell holds the rubric.
QUESTION = "question_sigmoid"
QUESTION_POINTS = 2.0
RUBRIC = "RUBRIC_SENTINEL: full marks for naming the vanishing sigmoid derivative."
ANSWER = "The sigmoid's derivative is at most 1/4, so every layer shrinks the gradient."


def write_source_with_question(root: Path) -> Path:
    """Like write_source, plus the written question at the end; returns root."""
    nb = notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(
        RUBRIC, metadata=_meta(grade=True, solution=True, locked=False, task=False, points=QUESTION_POINTS,
                               grade_id=QUESTION)))
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")
    return root


def submit_answered(course, student: str, solved: tuple[str, ...]) -> Path:
    """submitted/<student>/00_tiny/00_tiny.ipynb: the released notebook with the written question answered
    and the functions named in ``solved`` taken from the source (the others left as stubs)."""
    name = f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(course.path("release", ASSIGNMENT, name), as_version=4)
    source = nbformat.read(course.path("source", ASSIGNMENT, name), as_version=4)
    for cell, solution in zip(nb.cells, source.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in solved:
            cell.source = solution.source
        elif grade_id == QUESTION:
            cell.source = ANSWER
    folder = course.path("submitted", student, ASSIGNMENT)
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / name)
    return folder / name


# Short limits keep the endless-loop student at a few seconds; 1 GiB is
# plenty for this notebook and quick for the memory hog to reach.
TEST_LIMITS = {"cell_timeout": 5, "notebook_timeout": 120, "memory_mb": 1024}

_GRADED: dict = {}


def graded_course():
    """The tiny course with the whole sample class graded on SQLite, built once per test session.

    Returns (course, results). Lives in a temporary folder, never the repository.
    """
    if "course" not in _GRADED:
        import atexit
        import shutil
        import tempfile

        from autograder import sample_class
        from autograder.course_dir import create_scratch
        from autograder.grading import grade
        from autograder.limits import GradingLimits
        from autograder.release import release

        tmp = Path(tempfile.mkdtemp(prefix="autograder-tiny-"))
        atexit.register(shutil.rmtree, tmp, True)
        course = create_scratch(tmp / "course", [ASSIGNMENT], source_root=write_source(tmp / "src"))
        release(course)
        sample_class.build(course, mistakes={ASSIGNMENT: MISTAKES})
        results = grade(course, workers=2, limits=GradingLimits(**TEST_LIMITS), progress=False)
        _GRADED.update(course=course, results=results)
    return _GRADED["course"], _GRADED["results"]
