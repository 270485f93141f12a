"""Moving grading results between the shared gradebook and per-task gradebooks.

Why per-task gradebooks: nbgrader's autograde opens, writes and commits the
gradebook many times while it grades one submission. Many such processes on
one SQLite file fight for its single write lock ("database is locked"), and
even on PostgreSQL two of them racing to create the same student break a
unique constraint. So no grading process ever touches the shared gradebook:

1. :func:`make_template` copies the assignments' structure (notebooks, grade
   and solution cells, locked source cells with their checksums) from the
   shared gradebook into a small SQLite file, once per run;
2. each task copies that template, lets nbgrader autograde into its copy and
   reads the scores back with :func:`read_scores` (plain data, JSON-safe);
3. the coordinating process writes every task's scores into the shared
   gradebook with :func:`record`, one task at a time, in one transaction each.

The shared gradebook therefore has a single writer whatever the number of
workers, and SQLite and PostgreSQL receive exactly the same writes.
"""
from __future__ import annotations

import warnings
from datetime import datetime

import nbgrader.api
from sqlalchemy.exc import SAWarning


def alembic_head() -> str:
    """The gradebook schema's version, read by alembic in this process.

    nbgrader runs the ``alembic`` command from PATH when it creates a
    gradebook, which fails when the venv's python is called without the venv's
    bin/ on PATH. Same answer, no subprocess.
    """
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    return ScriptDirectory(ALEMBIC_DIR).get_current_head()


nbgrader.api.get_alembic_version = alembic_head


def make_template(db_url: str, course_id: str, assignments: list[str], template_url: str) -> None:
    """Copy the structure of ``assignments`` from ``db_url`` into ``template_url``."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as src, Gradebook(template_url, course_id) as dst:
        for name in assignments:
            assignment = src.find_assignment(name)
            dst.update_or_create_assignment(name, duedate=assignment.duedate)
            for nb in assignment.notebooks:
                dst.update_or_create_notebook(nb.name, name, kernelspec=nb.kernelspec)
                for cell in nb.grade_cells:
                    dst.update_or_create_grade_cell(cell.name, nb.name, name, max_score=cell.max_score,
                                                    cell_type=cell.cell_type)
                for cell in nb.solution_cells:
                    dst.update_or_create_solution_cell(cell.name, nb.name, name)
                for cell in nb.task_cells:
                    dst.update_or_create_task_cell(cell.name, nb.name, name, max_score=cell.max_score,
                                                   cell_type=cell.cell_type)
                for cell in nb.source_cells:
                    dst.update_or_create_source_cell(cell.name, nb.name, name, cell_type=cell.cell_type,
                                                     locked=cell.locked, source=cell.source,
                                                     checksum=cell.checksum)


def assignment_cells(db_url: str, course_id: str, assignment: str) -> dict[str, dict[str, float]]:
    """{notebook: {grade cell: max score}} of an assignment."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        return {nb.name: {cell.name: float(cell.max_score) for cell in nb.grade_cells + nb.task_cells}
                for nb in gb.find_assignment(assignment).notebooks}


def max_points(db_url: str, course_id: str, assignments: list[str]) -> dict[str, float]:
    """{assignment: its total points} from :func:`assignment_cells`."""
    return {a: sum(sum(cells.values()) for cells in assignment_cells(db_url, course_id, a).values())
            for a in assignments}


def read_scores(db_url: str, course_id: str, assignment: str, student: str) -> dict:
    """What nbgrader stored for one submission: scores {notebook: {cell: score}}, the timestamp,
    late_penalties {notebook: points} (AssignLatePenalties) and manual {notebook: [cells that
    need manual grading]} (SaveAutoGrades)."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        submission = gb.find_submission(assignment, student)
        scores = {nb.notebook.name: {grade.name: float(grade.auto_score or 0.0) for grade in nb.grades}
                  for nb in submission.notebooks}
        late = {nb.notebook.name: float(nb.late_submission_penalty or 0.0) for nb in submission.notebooks}
        manual = {nb.notebook.name: sorted(grade.name for grade in nb.grades if grade.needs_manual_grade)
                  for nb in submission.notebooks}
        timestamp = submission.timestamp.isoformat() if submission.timestamp else None
    return {"scores": scores, "timestamp": timestamp, "late_penalties": late, "manual": manual}


def zero_scores(db_url: str, course_id: str, assignment: str) -> dict[str, dict[str, float]]:
    """Every grade cell of ``assignment`` at 0 points (a malformed or lost submission)."""
    return {nb: {cell: 0.0 for cell in cells}
            for nb, cells in assignment_cells(db_url, course_id, assignment).items()}


def record(db_url: str, course_id: str, assignment: str, student: str, scores: dict,
           timestamp: str | None = None, gradebook=None, late_penalties: dict | None = None,
           manual: dict | None = None) -> None:
    """Write one submission's scores into the shared gradebook (creating student and submission).

    Every grade cell of the assignment gets a score: cells missing from
    ``scores`` get 0, so a submission is never half recorded. Each notebook gets
    its late penalty from ``late_penalties`` (default 0), and a grade needs
    manual grading exactly when ``manual`` lists it (as the task's gradebook said).
    """
    from nbgrader.api import Gradebook

    gb = gradebook or Gradebook(db_url, course_id)
    try:
        gb.update_or_create_student(student)
        kwargs = {"timestamp": datetime.fromisoformat(timestamp)} if timestamp else {}
        with warnings.catch_warnings():
            # nbgrader's add_submission autoflushes before adding the new row; harmless.
            warnings.simplefilter("ignore", category=SAWarning)
            submission = gb.update_or_create_submission(assignment, student, **kwargs)
        for nb in submission.notebooks:
            notebook_scores = scores.get(nb.notebook.name, {})
            needs_manual = set((manual or {}).get(nb.notebook.name, []))
            nb.late_submission_penalty = float((late_penalties or {}).get(nb.notebook.name, 0.0))
            for grade in nb.grades:
                grade.auto_score = float(notebook_scores.get(grade.name, 0.0))
                grade.needs_manual_grade = grade.name in needs_manual
        gb.db.commit()
    except Exception:
        gb.db.rollback()
        raise
    finally:
        if gradebook is None:
            gb.close()


def class_scores(db_url: str, course_id: str) -> dict:
    """Everything the export and the report need, read in one pass.

    Returns {"assignments": {assignment: {cell: max}}, "students": [...],
    "scores": {(student, assignment): {cell: score}}}.
    """
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        assignments = {}
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            assignments[assignment.name] = {cell.name: float(cell.max_score)
                                            for nb in assignment.notebooks
                                            for cell in nb.grade_cells + nb.task_cells}
        students = sorted(s.id for s in gb.students)
        scores = {}
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                scores[(submission.student.id, assignment.name)] = {
                    grade.name: float(grade.auto_score or 0.0) + float(grade.extra_credit or 0.0)
                    if grade.manual_score is None else float(grade.manual_score)
                    for nb in submission.notebooks for grade in nb.grades}
    return {"assignments": assignments, "students": students, "scores": scores}
