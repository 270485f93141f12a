"""The course's own assignments (whatever source/ holds) graded for three students, once per session.

- ``s01_perfect``: the instructor solution, must score full marks;
- ``s02_mistakes``: one realistic mistake (from autograder/assignments/<id>/mistakes.py), must
  lose the points of the grade cells that call that function, and only those;
- ``s03_untouched``: the release copy, must score 0.

The same run grades their Chinese twins (``zh_`` + student), built the same way
from release_zh_CN: a mixed class must get identical points for identical code.
"""
from __future__ import annotations

import re
from pathlib import Path

from autograder.mistake import mistakes_for

STUDENTS = ["s01_perfect", "s02_mistakes", "s03_untouched"]
CHINESE_TWINS = {f"zh_{s}": s for s in STUDENTS}
_GRADED: dict = {}


def assignments() -> list[str]:
    from autograder.course_dir import Course

    return Course.open().assignments()


def source_notebook(assignment: str, root: Path | None = None):
    import nbformat

    from autograder.course_dir import REPO_ROOT

    return nbformat.read((root or REPO_ROOT) / "source" / assignment / f"{assignment}.ipynb", as_version=4)


def _mentions(name: str, source: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", source) is not None


def users(function: str, nb) -> set[str]:
    """``function`` and every solution (function or class) that calls it, directly or not."""
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    found = {function}
    while True:
        more = {name for name, source in solutions.items()
                if name not in found and any(_mentions(f, source) for f in found)}
        if not more:
            return found
        found |= more


def graded_by(function: str, nb) -> list[str]:
    """Grade cells that exercise ``function``: they mention it or a solution that calls it."""
    names = users(function, nb)
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") and any(_mentions(n, c.source) for n in names)]


def one_mistake(assignment: str) -> list:
    """One listed mistake, preferring a function that nothing else uses.

    A wrong batchnorm_forward also fails the backward checks (they build their
    cache with the student's forward), and a wrong dropout_backward fails the
    network that calls it; a mistake in a function nothing else uses shows most
    plainly that a wrong function costs only its own points.
    """
    nb = source_notebook(assignment)
    graded = [m for m in mistakes_for(assignment) if graded_by(m.function, nb)]
    alone = [m for m in graded if users(m.function, nb) == {m.function}
             and all(g.startswith(f"test_{m.function}") for g in graded_by(m.function, nb))]
    return (alone or graded)[:1]


def graded_course():
    """(course, results) for every assignment of source/, graded in a temporary folder."""
    if "course" not in _GRADED:
        import atexit
        import shutil
        import tempfile

        from autograder import sample_class
        from autograder.course_dir import create_scratch
        from autograder.grading import grade
        from autograder.limits import GradingLimits
        from autograder.release import release

        tmp = Path(tempfile.mkdtemp(prefix="autograder-real-"))
        atexit.register(shutil.rmtree, tmp, True)
        chosen = assignments()
        course = create_scratch(tmp / "course", chosen)
        release(course, chosen)
        mistakes = {a: one_mistake(a) for a in chosen}
        sample_class.build(course, chosen, STUDENTS, mistakes=mistakes)
        sample_class.build(course, chosen, mistakes=mistakes, students=CHINESE_TWINS, release_dir="release_zh_CN")
        results = grade(course, chosen, workers=2,
                        limits=GradingLimits(cell_timeout=60, notebook_timeout=300),
                        progress=False)
        _GRADED.update(course=course, results=results)
    return _GRADED["course"], _GRADED["results"]
