"""A deterministic sample class built from the instructor solutions.

Each student is a persona that every assignment's submission follows, from a
perfect student to a notebook that is not JSON. The broken personas damage one
function only, the *last* graded one (later functions often call earlier
ones; nothing calls the last), so the rest of the notebook shows that a broken
part costs only its own points. The hostile students (``ATTACKERS``, see
:mod:`autograder.attacks`) leave that function unfinished and attack the
grader from its cell instead. Files the instructor keeps beside the notebook
(say a trained model) are handed in too, as a student's run would produce them. Nothing random: building twice
gives byte-identical submissions.

``python -m autograder demo`` and the benchmark grade this class; the tests
check every persona's outcome and points.
"""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass

import nbformat

from . import attacks, cells
from . import results as oc
from .course_dir import REPO_ROOT, Course
from .mistake import Mistake, mistakes_for

SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


@dataclass(frozen=True)
class Persona:
    student: str
    outcome: str  # the outcome the grader must report
    about: str


PERSONAS = [
    Persona("s01_perfect", oc.GRADED, "the instructor solution"),
    Persona("s02_mistakes", oc.GRADED, "realistic mistakes in two functions (its mistakes.py)"),
    Persona("s03_untouched", oc.GRADED, "the release copy, handed in as it came"),
    Persona("s04_syntax_error", oc.GRADED, "an unclosed parenthesis in the last graded solution cell"),
    Persona("s05_deleted_test", oc.TAMPERED, "deleted the last graded function's first test cell"),
    Persona("s06_edited_test", oc.TAMPERED,
            "left the last graded function unfinished and replaced its tests by `pass`"),
    Persona("s07_infinite_loop", oc.TIMED_OUT, "an endless loop above the last graded function"),
    Persona("s08_prints_megabytes", oc.GRADED, "prints megabytes of debugging output"),
    Persona("s09_kernel_dies", oc.CRASHED, "calls os._exit after the last graded function"),
    Persona("s10_memory_hog", oc.CRASHED, "allocates memory without end after the last graded function"),
    Persona("s11_invalid_json", oc.MALFORMED, "a notebook file cut in half: not valid JSON"),
    Persona("s12_renamed", oc.MALFORMED, "the notebook renamed to a copy"),
]
# Hostile students (autograder.attacks): each leaves its last graded function unfinished and
# attacks the grader from its cell instead. Outcomes with the sandbox on.
ATTACKERS = [Persona(a.student, oc.CRASHED if a.run is attacks.exit_kernel else oc.GRADED, a.about)
             for a in attacks.ATTACKS]
# Students that plain `nbgrader autograde` grades too (the benchmark compares both).
BENCHMARK_PERSONAS = ["s01_perfect", "s02_mistakes", "s03_untouched", "s04_syntax_error",
                      "s05_deleted_test", "s06_edited_test", "s08_prints_megabytes"]


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def solution_ids(nb) -> list[str]:
    return [_meta(c)["grade_id"] for c in nb.cells if _meta(c).get("solution") and c.cell_type == "code"]


def grade_cells(nb) -> dict[str, float]:
    """{grade_id: points} of the grade cells, in notebook order."""
    return {_meta(c)["grade_id"]: float(_meta(c).get("points", 0)) for c in nb.cells if _meta(c).get("grade")}


def tests_of(function: str, nb) -> list[str]:
    """Grade cells of ``function``: ``test_<function>`` or ``test_<function>_<aspect>``.

    A longer function name wins (``test_sgd_momentum`` belongs to sgd_momentum, not sgd).
    """
    functions = solution_ids(nb)

    def owner(grade_id: str) -> str | None:
        owners = [f for f in functions if grade_id == f"test_{f}" or grade_id.startswith(f"test_{f}_")]
        return max(owners, key=len) if owners else None

    return [g for g in grade_cells(nb) if owner(g) == function]


def target_function(nb) -> str:
    """The function the broken personas damage: the last solution cell that has grade cells
    and defines a function or class (an answer cell is no place for their code)."""
    answers = {_meta(c)["grade_id"] for c in nb.cells if cells.is_answer(c)}
    graded = [f for f in solution_ids(nb) if tests_of(f, nb) and f not in answers]
    return (graded or solution_ids(nb))[-1]


def _cell(nb, grade_id: str):
    return next(c for c in nb.cells if _meta(c).get("grade_id") == grade_id)


def perfect(source_nb, release_nb):
    """The release notebook with every solution cell filled in from the instructor's."""
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    for grade_id in solution_ids(nb):
        _cell(nb, grade_id).source = SOLUTION_MARKERS.sub("", _cell(source_nb, grade_id).source)
    return nb


def chosen_mistakes(assignment: str, nb, mistakes: list[Mistake] | None = None, count: int = 2) -> list[Mistake]:
    """The first ``count`` mistakes with distinct functions that the notebook grades."""
    picked: list[Mistake] = []
    for mistake in (mistakes_for(assignment) if mistakes is None else mistakes):
        if mistake.function in solution_ids(nb) and tests_of(mistake.function, nb) and \
                mistake.function not in {m.function for m in picked}:
            picked.append(mistake)
    return picked[:count]


def _append(cell, code: str) -> None:
    cell.source = cell.source.rstrip("\n") + "\n\n" + code


def submission(persona: str, assignment: str, source_nb, release_nb, mistakes=None) -> dict[str, str]:
    """{file name: text} a persona hands in for one assignment."""
    name = f"{assignment}.ipynb"
    nb = perfect(source_nb, release_nb)
    target = target_function(nb)
    cell = _cell(nb, target)
    if persona == "s02_mistakes":
        picked = chosen_mistakes(assignment, nb, mistakes)
        for mistake in picked:
            _cell(nb, mistake.function).source = mistake.source
        if not picked:  # no mistakes listed for this assignment: an unfinished last function
            last = solution_ids(nb)[-1]
            _cell(nb, last).source = _cell(release_nb, last).source
    elif persona in attacks.BY_STUDENT:
        cell.source = attacks.cell_source(persona, _cell(release_nb, target).source, target, assignment)
    elif persona == "s03_untouched":
        nb = release_nb
    elif persona == "s04_syntax_error":
        _append(cell, "print('done'\n")
    elif persona == "s05_deleted_test":
        nb.cells.remove(_cell(nb, tests_of(target, nb)[0]))
    elif persona == "s06_edited_test":
        cell.source = _cell(release_nb, target).source
        for grade_id in tests_of(target, nb):
            _cell(nb, grade_id).source = "# my function is right, the checks are too strict\npass\n"
    elif persona == "s07_infinite_loop":
        cell.source = "while True:  # wait until training converges\n    pass\n\n" + cell.source
    elif persona == "s08_prints_megabytes":
        _append(cell, "print('\\n'.join(f'debug step {i}' for i in range(100_000)))\nprint('#' * 2_000_000)\n")
    elif persona == "s09_kernel_dies":
        _append(cell, "import os\nos._exit(1)  # 'restart the kernel' from inside\n")
    elif persona == "s10_memory_hog":
        # 2 GiB of zeros per step: the allocation hits the limit at once, and
        # untouched zero pages cost the machine nothing meanwhile.
        _append(cell, "_cache = []\nwhile True:  # cache every intermediate, forever\n"
                       "    _cache.append(np.zeros((1 << 14, 1 << 14)))\n")
    text = nbformat.writes(nb)
    if persona == "s11_invalid_json":
        return {name: text[: len(text) // 2]}
    if persona == "s12_renamed":
        return {f"{assignment}-Copy1.ipynb": text}
    return {name: text}


def read_source(course: Course, assignment: str):
    return nbformat.read(course.path("source", assignment, f"{assignment}.ipynb"), as_version=4)


def read_release(course: Course, assignment: str, release_dir: str = "release"):
    return nbformat.read(course.path(release_dir, assignment, f"{assignment}.ipynb"), as_version=4)


NO_EXTRA_FILES = {"s03_untouched", "s11_invalid_json", "s12_renamed"}


def extra_files(course: Course, assignment: str) -> list:
    """Files beside the instructor notebook (data, a trained model) that a working student would have."""
    folder = course.path("source", assignment)
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix != ".ipynb")


def build(course: Course, assignments: list[str] | None = None, personas: list[str] | None = None,
          mistakes: dict[str, list[Mistake]] | None = None, students: dict[str, str] | None = None,
          release_dir: str = "release") -> list[str]:
    """Write submitted/<student>/<assignment>/ for every persona; returns the student ids.

    ``students`` ({student id: persona}) names the students instead: several
    students may follow one persona. The assignments must be released
    (``release_dir``/<assignment>/ exists; release_zh_CN builds a Chinese class).
    """
    chosen = students or {p: p for p in (personas or [p.student for p in PERSONAS])}
    if set(chosen.values()) & set(attacks.BY_STUDENT):
        if course.root == REPO_ROOT:
            raise ValueError("hostile students are built into a scratch course only, never the repository")
        (course.root / attacks.RANGE_FILE).write_text("The sample class's attackers may damage this course.\n")
    for assignment in assignments or course.assignments():
        source_nb = read_source(course, assignment)
        release_nb = read_release(course, assignment, release_dir)
        for student, persona in chosen.items():
            folder = course.path("submitted", student, assignment)
            if folder.exists():
                for old in folder.iterdir():
                    old.unlink()
            folder.mkdir(parents=True, exist_ok=True)
            files = submission(persona, assignment, source_nb, release_nb, (mistakes or {}).get(assignment))
            for filename, text in files.items():
                (folder / filename).write_text(text)
            if persona not in NO_EXTRA_FILES:
                for path in extra_files(course, assignment):
                    shutil.copyfile(path, folder / path.name)
    return list(chosen)
