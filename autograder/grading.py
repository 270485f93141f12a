"""Grade every submission of a course in parallel on Dask.

One Dask task per (student, assignment), run by
:func:`autograder.supervisor.run_task` in a fresh process, its kernel in a
bubblewrap sandbox (:mod:`autograder.sandbox`). Workers are processes with one thread each: an embedded
LocalCluster with one worker per core by default, or any running cluster
given by its scheduler address (the workers must see the course folder at the
same path). A worker that dies loses only its task: the scheduler reruns it
once (``allowed-failures = 1``), then it is reported "crashed" with 0 points.

This process is the gradebook's only writer: results are recorded one at a
time as tasks finish (see :mod:`autograder.gradebook`), so the gradebook
holds the same grades whatever the number of workers or the database.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from . import results as rs
from .course_dir import Course, sqlite_url
from .gradebook import make_template, record
from .limits import GradingLimits
from .process_env import prepare_process_env
from .sandbox import check_available
from .supervisor import run_task


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None):
    """A client of ``scheduler``, or of an embedded LocalCluster of ``workers`` processes."""
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                          "distributed.worker.daemon": False}):
        if scheduler:
            with Client(scheduler) as client:
                yield client
            return
        # Worker processes must import `autograder` whatever the caller's environment.
        prepare_process_env()
        with LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                          dashboard_address=None, memory_limit=0, silence_logs=logging.ERROR) as cluster, \
                Client(cluster) as client:
            yield client


def ensure_released(course: Course, assignments: list[str]) -> None:
    """Release assignments that the gradebook or release/ do not hold yet."""
    from nbgrader.api import Gradebook, MissingEntry

    from .release import release

    missing = []
    with Gradebook(course.db_url, course.course_id) as gb:
        for assignment in assignments:
            try:
                gb.find_assignment(assignment)
                if not any(course.path("release", assignment).glob("*.ipynb")):
                    missing.append(assignment)
            except MissingEntry:
                missing.append(assignment)
    if missing:
        release(course, missing)


def plan(course: Course, assignments: list[str], students: list[str] | None) -> list[tuple[str, str]]:
    """(student, assignment) pairs that have a folder under submitted/."""
    wanted = set(students or [])
    return [(student, assignment) for assignment in assignments for student in course.students(assignment)
            if not wanted or student in wanted]


def grade(course: Course, assignments: list[str] | None = None, students: list[str] | None = None,
          workers: int | None = None, scheduler: str | None = None, limits: GradingLimits | None = None,
          progress: bool = True, sandbox: bool = True) -> list[rs.GradingResult]:
    """Grade the submissions and record them in ``course.db_url``; returns one result per submission."""
    from distributed import as_completed
    from nbgrader.api import Gradebook
    from tqdm import tqdm

    if sandbox:
        check_available()
    else:
        warnings.warn("--no-sandbox: student code runs unconfined, as the grader's user, with the course "
                      "readable and writable; outcomes are marked 'unsandboxed'.", stacklevel=2)
    assignments = assignments or course.assignments()
    limits = limits or course.limits()
    ensure_released(course, assignments)
    pairs = plan(course, assignments, students)
    course_id = course.course_id
    config = json.loads(json.dumps(course.config))  # plain data for every task: read once, here
    # Outside the course root: no kernel, sandboxed or not, may write the template or a task's gradebook.
    run_dir = Path(tempfile.mkdtemp(prefix="autograder-run-"))
    template = run_dir / "template.db"
    make_template(course.db_url, course_id, assignments, sqlite_url(template))
    jobs = [rs.GradingJob(str(course.root), assignment, student, str(template), str(run_dir / f"t{index}"),
                          course_id, config, limits.as_dict(), sandbox)
            for index, (student, assignment) in enumerate(pairs)]
    results = []
    try:
        # dask_client prepares this process's grading environment (inherited by its workers).
        with dask_client(workers, scheduler) as client, Gradebook(course.db_url, course_id) as gb:
            futures = {client.submit(run_task, job, pure=False, key=f"grade-{job.student}-{job.assignment}-"
                                     f"{run_dir.name}"): job for job in jobs}
            bar = tqdm(total=len(futures), desc="grading", unit="notebook", disable=not progress)
            for future in as_completed(futures):
                job = futures[future]
                try:
                    result = future.result()
                except Exception as err:  # noqa: BLE001 - e.g. KilledWorker after the retry
                    result = rs.failed_result(job, rs.CRASHED, f"worker lost twice: {type(err).__name__}")
                try:
                    record(course.db_url, course_id, result.assignment, result.student, result.scores,
                           result.timestamp, gradebook=gb, late_penalties=result.late_penalties,
                           manual=result.manual)
                except Exception as err:  # noqa: BLE001 - one failed write must not lose the batch
                    result.notes = list(result.notes) + [f"gradebook write failed: {type(err).__name__}: {err}"]
                results.append(result)
                bar.update()
                bar.set_postfix_str(f"{result.student}/{result.assignment}: {result.outcome}")
            bar.close()
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
        results.sort(key=lambda r: (r.student, r.assignment))
        rs.save_outcomes(course, results)
    return results


def table(results: list[rs.GradingResult], max_scores: dict[str, float]) -> str:
    """The final table: one line per submission."""
    rows = [("student", "assignment", "outcome", "points", "notes")]
    for r in results:
        rows.append((r.student, r.assignment, r.outcome,
                     f"{r.points:g}/{max_scores.get(r.assignment, 0):g}", "; ".join(r.notes)[:70]))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4] for row in rows]
    lines.insert(1, "-" * min(110, max(len(line) for line in lines)))
    return "\n".join(line.rstrip() for line in lines)
