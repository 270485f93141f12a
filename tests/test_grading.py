"""The grading pipeline end to end: outcomes, points, gradebook, parallelism, databases.

Grades a tiny two-function assignment (tests/tiny_assignment.py) for the
whole sample class, and the course's own assignments for three students.
Everything happens in temporary course folders, never in the repository.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import os
import time
from pathlib import Path

import nbformat
import pytest

import real_course
import tiny_assignment as tiny
from autograder.course_dir import Course, create_scratch, normalize_db_url
from autograder.export import grade_rows, to_csv
from autograder.gradebook import class_scores
from autograder.grading import dask_client, grade
from autograder.limits import GradingLimits

pytestmark = pytest.mark.slow

# What each student of the sample class must get on the tiny assignment:
# test_double is worth 2 points, test_square 3 (hidden test: square(-5) == 25).
EXPECTED = {
    "s01_perfect": ("graded", 2, 3),
    "s02_mistakes": ("graded", 2, 0),        # abs(x) * x passes the visible check only
    "s03_untouched": ("graded", 0, 0),
    # The broken students damage the last graded function, square.
    "s04_syntax_error": ("graded", 2, 0),    # square never defined
    "s05_deleted_test": ("tampered", 2, 3),  # the test cell comes back and passes
    "s06_edited_test": ("tampered", 2, 0),   # the real test comes back and fails
    "s07_infinite_loop": ("timed out", 2, 0),
    "s08_prints_megabytes": ("graded", 2, 3),
    "s09_kernel_dies": ("crashed", 2, 0),    # the killing cell is skipped: square undefined
    "s10_memory_hog": ("crashed", 2, 3),     # square was defined before the hog
    "s11_invalid_json": ("malformed", 0, 0),
    "s12_renamed": ("malformed", 0, 0),
}


def by_student(results):
    return {r.student: r for r in results}


def test_every_student_gets_the_right_outcome_and_points():
    _, results = tiny.graded_course()
    got = {r.student: (r.outcome, r.scores[tiny.ASSIGNMENT]["test_double"],
                          r.scores[tiny.ASSIGNMENT]["test_square"]) for r in results}
    assert got == EXPECTED


def test_outcome_notes_name_the_cause():
    _, results = tiny.graded_course()
    notes = {s: " ".join(r.notes) for s, r in by_student(results).items()}
    assert "cell time limit" in notes["s07_infinite_loop"]
    assert "graded again alone after a time limit" in notes["s07_infinite_loop"]
    assert "kernel died" in notes["s09_kernel_dies"]
    assert "memory limit" in notes["s10_memory_hog"]
    assert "test_square deleted" in notes["s05_deleted_test"]
    assert "test_square edited" in notes["s06_edited_test"]
    assert "not a valid notebook" in notes["s11_invalid_json"]
    assert "00_tiny-Copy1.ipynb" in notes["s12_renamed"]
    assert notes["s01_perfect"] == ""


def test_gradebook_is_consistent_and_exports_one_row_per_student():
    course, _ = tiny.graded_course()
    data = class_scores(course.db_url, course.course_id)
    assert data["students"] == sorted(EXPECTED)
    assert not (course.root / ".autograder").exists()  # task gradebooks live outside the course
    for student in EXPECTED:  # every submission recorded with every grade cell
        assert set(data["scores"][(student, tiny.ASSIGNMENT)]) == set(tiny.POINTS)
    rows = list(csv.reader(io.StringIO(to_csv(*grade_rows(course)))))
    assert rows[0] == ["student", tiny.ASSIGNMENT, "total"]
    totals = {row[0]: float(row[2]) for row in rows[1:]}
    assert totals == {s: float(d + q) for s, (_, d, q) in EXPECTED.items()}


def test_report_shows_histogram_and_pass_rate_of_every_grade_cell():
    from autograder.report import build

    course, _ = tiny.graded_course()
    page = build(course)
    assert page.count("<img") == 1 and "data:image/png;base64," in page
    # full marks on test_double: 9 of 12; on test_square: s01 s05 s08 s10 (see EXPECTED)
    assert "<tr class=''><td><code>test_double</code></td><td>2</td><td>75%</td></tr>" in page
    assert "<tr class='low'><td><code>test_square</code></td><td>3</td><td>33%</td></tr>" in page
    assert page.index("test_square") < page.index("test_double")  # lowest pass rate first
    assert "s12_renamed" in page and "s01_perfect" not in page  # only unusual outcomes listed


def test_huge_output_is_cut_in_the_graded_notebook():
    course, _ = tiny.graded_course()
    path = course.path("autograded", "s08_prints_megabytes", tiny.ASSIGNMENT, f"{tiny.ASSIGNMENT}.ipynb")
    assert path.stat().st_size < 200_000  # the student printed about 3.6 MB
    assert "Output truncated" in path.read_text()


def test_deleted_test_cell_is_restored_by_the_course_config():
    """add_missing_cells comes from nbgrader_config.py alone (grade_one no longer sets it)."""
    course, _ = tiny.graded_course()
    path = course.path("autograded", "s05_deleted_test", tiny.ASSIGNMENT, f"{tiny.ASSIGNMENT}.ipynb")
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nbformat.read(path, as_version=4).cells]
    assert "test_square" in ids
    assert course.config.OverwriteCells.add_missing_cells is True


def test_a_failed_gradebook_write_costs_only_a_note(tmp_path, monkeypatch):
    import json

    import autograder.grading as grading
    from autograder import sample_class
    from autograder.release import release
    from autograder.results import OUTCOMES_FILE

    course = create_scratch(tmp_path / "course", [tiny.ASSIGNMENT], source_root=tiny.write_source(tmp_path / "src"))
    release(course)
    students = ["s01_perfect", "s03_untouched", "s11_invalid_json"]
    sample_class.build(course, personas=students)
    real_record = grading.record

    def flaky_record(db_url, course_id, assignment, student, *args, **kwargs):
        if student == "s03_untouched":
            raise RuntimeError("disk full")
        return real_record(db_url, course_id, assignment, student, *args, **kwargs)

    monkeypatch.setattr(grading, "record", flaky_record)
    results = grade(course, workers=2, limits=GradingLimits(**tiny.TEST_LIMITS), progress=False)
    got = {r.student: r for r in results}
    assert sorted(got) == students
    assert got["s03_untouched"].outcome == "graded"
    assert got["s03_untouched"].notes == ["gradebook write failed: RuntimeError: disk full"]
    assert got["s01_perfect"].notes == [] and got["s11_invalid_json"].outcome == "malformed"
    data = class_scores(course.db_url, course.course_id)
    assert sorted(data["scores"]) == [("s01_perfect", tiny.ASSIGNMENT), ("s11_invalid_json", tiny.ASSIGNMENT)]
    assert data["scores"][("s01_perfect", tiny.ASSIGNMENT)] == tiny.POINTS
    saved = json.loads(course.path("autograded", OUTCOMES_FILE).read_text())
    assert sorted(saved) == [f"{s}/{tiny.ASSIGNMENT}" for s in students]
    assert saved[f"s03_untouched/{tiny.ASSIGNMENT}"]["notes"] == got["s03_untouched"].notes


def test_record_keeps_the_late_penalty_and_manual_grading_of_the_task(tmp_path):
    from nbgrader.api import Gradebook

    from autograder.gradebook import max_points, record
    from autograder.release import release

    course = create_scratch(tmp_path / "course", [tiny.ASSIGNMENT], source_root=tiny.write_source(tmp_path / "src"))
    release(course)
    assert max_points(course.db_url, course.course_id, [tiny.ASSIGNMENT]) == {tiny.ASSIGNMENT: 5.0}
    nb_name = tiny.ASSIGNMENT
    record(course.db_url, course.course_id, tiny.ASSIGNMENT, "alice", {nb_name: {"test_double": 2.0}},
           late_penalties={nb_name: 1.5}, manual={nb_name: ["test_square"]})
    with Gradebook(course.db_url, course.course_id) as gb:
        [nb] = gb.find_submission(tiny.ASSIGNMENT, "alice").notebooks
        assert nb.late_submission_penalty == 1.5
        assert {g.name: (g.auto_score, g.needs_manual_grade) for g in nb.grades} == {
            "test_double": (2.0, False), "test_square": (0.0, True)}


def test_regrading_with_one_worker_gives_the_same_grades():
    course, first = tiny.graded_course()
    students = ["s01_perfect", "s02_mistakes", "s06_edited_test", "s11_invalid_json"]
    again = grade(course, students=students, workers=1, limits=GradingLimits(**tiny.TEST_LIMITS), progress=False)
    assert [(r.student, r.scores) for r in again] == \
           [(r.student, r.scores) for r in first if r.student in students]
    data = class_scores(course.db_url, course.course_id)
    assert len([k for k in data["scores"] if k[0] in students]) == len(students)  # replaced, not duplicated


def test_grades_on_postgresql_equal_sqlite(tmp_path):
    url = os.environ.get("AUTOGRADER_TEST_PG_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must set AUTOGRADER_TEST_PG_URL (see .ci/postgres.sh)")
        pytest.skip("AUTOGRADER_TEST_PG_URL not set")
    import sqlalchemy

    engine = sqlalchemy.create_engine(normalize_db_url(url))
    with engine.begin() as conn:  # a fresh gradebook at every run
        conn.execute(sqlalchemy.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
    engine.dispose()
    sqlite_course, _ = tiny.graded_course()
    course = Course.open(sqlite_course.root, url)
    grade(course, workers=2, limits=GradingLimits(**tiny.TEST_LIMITS), progress=False)
    pg = class_scores(course.db_url, course.course_id)
    lite = class_scores(sqlite_course.db_url, sqlite_course.course_id)
    assert pg["scores"] == lite["scores"] and pg["students"] == lite["students"]
    assert len(pg["scores"]) == len(EXPECTED)


def test_notebook_wall_clock_limit_kills_the_whole_tree(tmp_path, monkeypatch):
    """With a generous cell limit, the per-notebook limit stops the endless loop, kernel included."""
    import shutil
    import tempfile

    import psutil

    graded, _ = tiny.graded_course()
    root = tmp_path / "course"
    shutil.copytree(graded.root, root)  # leave the shared gradebook alone
    runs = tmp_path / "runs"  # this test's task folders only
    runs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(runs))
    course = Course.open(root)
    start = time.monotonic()
    [result] = grade(course, students=["s07_infinite_loop"], workers=1, progress=False,
                     limits=GradingLimits(cell_timeout=600, notebook_timeout=8, memory_mb=1024))
    assert time.monotonic() - start < 120
    assert result.outcome == "timed out" and "8 s limit" in result.notes[0]
    assert result.scores == {tiny.ASSIGNMENT: {"test_double": 0.0, "test_square": 0.0}}
    time.sleep(1)
    # The sandbox's processes name this test's folders in their command lines (bwrap's binds);
    # so may the worker's fork server, which is the grader's and ends with the cluster.
    left = [" ".join(proc.info["cmdline"]) for proc in psutil.process_iter(["cmdline"])
            if str(runs) in " ".join(proc.info["cmdline"] or [])
            and "multiprocessing.forkserver" not in " ".join(proc.info["cmdline"])]
    assert left == [], "a process of the killed task is still running"


def test_grading_on_an_existing_cluster_gives_the_same_grades(tmp_path):
    """--scheduler: a cluster started elsewhere (daemonic workers: tasks run as plain subprocesses)."""
    import shutil

    from distributed import Client, LocalCluster

    from autograder.supervisor import fork_context

    graded, first = tiny.graded_course()
    root = tmp_path / "course"
    shutil.copytree(graded.root, root)
    students = ["s01_perfect", "s02_mistakes", "s09_kernel_dies"]
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        again = grade(Course.open(root), students=students, scheduler=cluster.scheduler_address,
                      limits=GradingLimits(**tiny.TEST_LIMITS), progress=False)
        with Client(cluster) as client:  # those workers may not fork: the subprocess path ran
            assert client.submit(fork_context, pure=False).result() is None
    assert [(r.student, r.outcome, r.scores) for r in again] == \
           [(r.student, r.outcome, r.scores) for r in first if r.student in students]


def _attempt_then_die(marker: str) -> None:
    with open(marker, "a") as f:
        f.write("attempt\n")
    os._exit(1)


def test_a_dying_worker_costs_only_its_task_and_is_retried_once(tmp_path):
    from distributed import KilledWorker

    marker = tmp_path / "attempts.txt"
    with dask_client(workers=2) as client:
        doomed = client.submit(_attempt_then_die, str(marker), pure=False)
        fine = client.submit(sum, [1, 2, 3], pure=False)
        with pytest.raises(KilledWorker):
            doomed.result(timeout=120)
        assert fine.result(timeout=120) == 6
    assert marker.read_text().count("attempt") == 2  # first run and one retry


def test_unsandboxed_kernels_get_the_repository_on_their_path_and_the_memory_limit(tmp_path):
    """--no-sandbox: a notebook that reports its environment: PYTHONPATH, CIFAR10_DIR and RLIMIT_AS.
    (The sandboxed kernel's environment: tests/test_sandbox.py.)"""
    from autograder.release import release

    src = tmp_path / "src" / "source" / "99_env"
    src.mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(
            "import os, resource, autograder\nlimit = resource.getrlimit(resource.RLIMIT_AS)[0]\n"
            "assert limit == 777 * 1024 * 1024, limit\nassert os.environ.get('CIFAR10_DIR'), 'no CIFAR10_DIR'",
            metadata={"nbgrader": {"grade": True, "solution": False, "locked": True, "points": 1,
                                   "grade_id": "test_env", "schema_version": 3}})])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, src / "99_env.ipynb")
    course = create_scratch(tmp_path / "course", ["99_env"], source_root=tmp_path / "src")
    release(course)
    (course.path("submitted", "alice", "99_env")).mkdir(parents=True)
    nbformat.write(nb, course.path("submitted", "alice", "99_env", "99_env.ipynb"))
    env = {k: os.environ.pop(k) for k in ("PYTHONPATH", "CIFAR10_DIR") if k in os.environ}
    try:  # the grader must set both itself, not rely on the caller
        with pytest.warns(UserWarning, match="--no-sandbox"):
            [result] = grade(course, workers=1, limits=GradingLimits(memory_mb=777, cell_timeout=30),
                             progress=False, sandbox=False)
    finally:
        os.environ.update(env)
    assert result.scores["99_env"]["test_env"] == 1.0, result


# --- the course's own assignments -------------------------------------------------


COURSE_ASSIGNMENTS = pytest.mark.parametrize(
    "assignment", real_course.assignments() or [pytest.param(None, marks=pytest.mark.skip(
        reason="source/ holds no assignment"))])


def _course_result(assignment, student):
    course, results = real_course.graded_course()
    nb = nbformat.read(course.path("source", assignment, f"{assignment}.ipynb"), as_version=4)
    # Auto-graded cells only: written answers (markdown grade cells) wait for the instructor.
    points = {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"])
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}
    [result] = [r for r in results if r.assignment == assignment and r.student == student]
    result = dataclasses.replace(result, scores={assignment: {
        cell: score for cell, score in result.scores[assignment].items() if cell in points}})
    return nb, points, result


@COURSE_ASSIGNMENTS
def test_course_instructor_solution_scores_full_marks(assignment):
    _, points, result = _course_result(assignment, "s01_perfect")
    assert (result.outcome, result.scores[assignment]) == ("graded", points), result.notes


@COURSE_ASSIGNMENTS
def test_course_untouched_release_scores_zero(assignment):
    _, points, result = _course_result(assignment, "s03_untouched")
    assert result.scores[assignment] == {cell: 0.0 for cell in points}


@COURSE_ASSIGNMENTS
def test_course_one_wrong_function_loses_only_its_points(assignment):
    nb, points, result = _course_result(assignment, "s02_mistakes")
    mistakes = real_course.one_mistake(assignment)
    wrong = mistakes[0].function if mistakes else [
        c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")][-1]
    its_cells = real_course.graded_by(wrong, nb)
    assert f"test_{wrong}" in " ".join(its_cells), f"no grade cell of {wrong} among {its_cells}"
    scores = result.scores[assignment]
    assert {cell: scores[cell] for cell in points if cell not in its_cells} == \
           {cell: p for cell, p in points.items() if cell not in its_cells}  # nothing else lost
    assert any(scores[cell] < points[cell] for cell in its_cells), f"{wrong}'s mistake cost nothing"


def test_mistakes_student_uses_the_listed_mistake_source():
    """The 'wrong function' submission really holds the Mistake's code (not the solution)."""
    course, _ = real_course.graded_course()
    for assignment in real_course.assignments():
        for mistake in real_course.one_mistake(assignment):
            nb = nbformat.read(course.path("submitted", "s02_mistakes", assignment, f"{assignment}.ipynb"),
                               as_version=4)
            cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == mistake.function)
            assert cell.source == mistake.source


def test_cli_help_for_every_command():
    from autograder.cli import build_parser

    parser = build_parser()
    for command in ["release", "grade", "feedback", "export", "report", "demo"]:
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args([command, "--help"])
        assert exit_info.value.code == 0
    args = parser.parse_args(["grade", "01_chain_rule", "--workers", "3", "--db", "postgresql://x/y",
                              "--scheduler", "tcp://h:8786", "--students", "a", "b"])
    assert (args.assignments, args.workers, args.db, args.scheduler, args.students) == (
        ["01_chain_rule"], 3, "postgresql://x/y", "tcp://h:8786", ["a", "b"])


def test_scratch_course_config_works_for_plain_nbgrader(tmp_path):
    course = create_scratch(tmp_path / "c", [], db_url="sqlite:////tmp/somewhere.db")
    text = (course.root / "nbgrader_config.py").read_text()
    assert "load_subconfig" in text and "sqlite:////tmp/somewhere.db" in text
    assert Path(course.root).resolve() == (tmp_path / "c").resolve()


# --- one careless cell must not zero honest work -----------------------------------


def _grade_variant(tmp_path, edit):
    """Grade s01_perfect's tiny notebook after ``edit(nb)``, in a copy of the graded course."""
    import shutil

    graded, _ = tiny.graded_course()
    root = tmp_path / "course"
    shutil.copytree(graded.root, root)
    path = root / "submitted" / "s01_perfect" / tiny.ASSIGNMENT / f"{tiny.ASSIGNMENT}.ipynb"
    nb = nbformat.read(path, as_version=4)
    edit(nb)
    nbformat.write(nb, path)
    [result] = grade(Course.open(root), students=["s01_perfect"], workers=1, progress=False,
                     limits=GradingLimits(**tiny.TEST_LIMITS))
    return result


def test_a_pasted_grade_cell_with_an_unknown_id_is_dropped_and_the_rest_graded(tmp_path):
    def paste(nb):
        nb.cells.insert(3, nbformat.v4.new_code_cell("assert True", metadata={"nbgrader": {
            "grade": True, "solution": False, "locked": True, "points": 5, "grade_id": "test_pasted",
            "schema_version": 3}}))

    result = _grade_variant(tmp_path, paste)
    assert result.scores == {tiny.ASSIGNMENT: tiny.POINTS}
    assert "grade cell test_pasted is not in the assignment: dropped, not graded" in result.notes


def test_a_cell_that_ignores_the_interrupt_times_out_and_keeps_the_earlier_points(tmp_path):
    def stubborn(nb):  # after test_double, before square's cells
        nb.cells.insert(4, nbformat.v4.new_code_cell(
            "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"))

    result = _grade_variant(tmp_path, stubborn)
    assert result.outcome == "timed out", result.notes
    assert result.scores == {tiny.ASSIGNMENT: tiny.POINTS}  # the loop skipped, everything else ran
    assert "cell 4: cell time limit" in result.notes


def test_gradebooks_are_created_without_alembic_on_path(tmp_path):
    """nbgrader calls the `alembic` command; the grader works with only the interpreter."""
    import subprocess
    import sys

    db = tmp_path / "gradebook.db"
    code = ("import autograder.gradebook\nfrom nbgrader.api import Gradebook\n"
            f"Gradebook('sqlite:///{db}').close()")
    env = {**os.environ, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
    assert db.exists()


# --- the coordinator's side ----------------------------------------------------------


def test_the_embedded_cluster_accepts_only_its_own_tls_clients():
    from distributed import Client

    with dask_client(workers=1) as client:
        address = client.scheduler.address
        assert address.startswith("tls://")
        assert client.submit(sum, [1, 2], pure=False).result(timeout=60) == 3
        with pytest.raises((OSError, TypeError, ValueError)):  # no certificate: refused
            Client(address.replace("tls://", "tcp://"), timeout=5)
        with pytest.raises((OSError, TypeError, ValueError)):
            Client(address, timeout=5)


def test_a_killed_run_resumes_with_only_what_has_no_result(tmp_path, monkeypatch, caplog):
    import logging

    import autograder.grading as grading
    from autograder import sample_class
    from autograder.release import release

    course = create_scratch(tmp_path / "course", [tiny.ASSIGNMENT], source_root=tiny.write_source(tmp_path / "src"))
    release(course)
    students = ["s01_perfect", "s02_mistakes", "s03_untouched", "s11_invalid_json"]
    sample_class.build(course, personas=students, mistakes={tiny.ASSIGNMENT: tiny.MISTAKES})
    real_record, calls = grading.record, []

    def killed_after_two(*args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt  # the coordinator is stopped
        calls.append(args[3])
        return real_record(*args, **kwargs)

    monkeypatch.setattr(grading, "record", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        grade(course, workers=1, limits=GradingLimits(**tiny.TEST_LIMITS), progress=False)
    assert course.path("autograded", grading.JOURNAL_FILE).exists()
    monkeypatch.setattr(grading, "record", real_record)
    with caplog.at_level(logging.WARNING, logger="autograder.grading"):
        results = grade(course, workers=1, limits=GradingLimits(**tiny.TEST_LIMITS), progress=False)
    assert "2 of 4 submissions already graded" in caplog.text
    assert sorted(r.student for r in results) == students
    assert not course.path("autograded", grading.JOURNAL_FILE).exists()
    data = class_scores(course.db_url, course.course_id)
    assert data["scores"][("s01_perfect", tiny.ASSIGNMENT)] == tiny.POINTS
    assert len(data["scores"]) == len(students)


def test_the_printed_table_shows_what_the_gradebook_holds():
    from nbgrader.api import Gradebook

    from autograder.grading import table

    course, results = tiny.graded_course()
    perfect = [r for r in results if r.student == "s01_perfect"]
    assert "5/5" in table(course, perfect)
    with Gradebook(course.db_url, course.course_id) as gb:  # an instructor's manual grade
        grade_row = gb.find_grade("test_square", tiny.ASSIGNMENT, tiny.ASSIGNMENT, "s01_perfect")
        grade_row.manual_score = 1.0
        gb.db.commit()
    try:
        assert "3/5" in table(course, perfect)
    finally:
        with Gradebook(course.db_url, course.course_id) as gb:
            gb.find_grade("test_square", tiny.ASSIGNMENT, tiny.ASSIGNMENT, "s01_perfect").manual_score = None
            gb.db.commit()
