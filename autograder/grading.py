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

JOURNAL_FILE = "grading-run.jsonl"
log = logging.getLogger(__name__)


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None):
    """A client of ``scheduler``, or of an embedded LocalCluster of ``workers`` processes.

    The embedded cluster talks TLS with a temporary certificate that only this
    process and its workers hold: nothing else on the machine can submit work
    to it. An external ``--scheduler`` is secured by its own configuration
    (``tls://`` address and Dask's ``distributed.comm.tls`` settings), which the
    client reads from the environment.
    """
    import dask
    from distributed import Client, LocalCluster
    from distributed.security import Security

    with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                          "distributed.worker.daemon": False}):
        if scheduler:
            with Client(scheduler) as client:
                yield client
            return
        # Worker processes must import `autograder` whatever the caller's environment.
        prepare_process_env()
        security = Security.temporary()
        with LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                          dashboard_address=None, memory_limit=0, silence_logs=logging.ERROR,
                          security=security, protocol="tls://") as cluster, \
                Client(cluster, security=security) as client:
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
    journal = Journal(course.path("autograded", JOURNAL_FILE), [job.key for job in jobs])
    results = {r.key: r for r in journal.done()}
    if results:
        log.warning("resuming an interrupted run: %d of %d submissions already graded", len(results), len(jobs))
    jobs = [job for job in jobs if job.key not in results]
    try:
        # dask_client prepares this process's grading environment (inherited by its workers).
        with dask_client(workers, scheduler) as client, Gradebook(course.db_url, course_id) as gb:
            def submit(batch):
                return {client.submit(run_task, job, pure=False, key=f"grade-{job.student}-{job.assignment}-"
                                      f"{run_dir.name}-{len(results)}"): job for job in batch}

            def keep(result):
                try:
                    record(course.db_url, course_id, result.assignment, result.student, result.scores,
                           result.timestamp, gradebook=gb, late_penalties=result.late_penalties,
                           manual=result.manual)
                except Exception as err:  # noqa: BLE001 - one failed write must not lose the batch
                    result.notes = list(result.notes) + [f"gradebook write failed: {type(err).__name__}: {err}"]
                results[result.key] = result
                journal.add(result)

            bar = tqdm(total=len(jobs), desc="grading", unit="notebook", disable=not progress)
            for job, result in finished(submit(jobs), limits.notebook_timeout):
                keep(result)
                bar.update()
                bar.set_postfix_str(f"{result.student}/{result.assignment}: {result.outcome}")
            bar.close()
            # A time limit hit while the machine was busy may not be the submission's doing: such a
            # submission is graded once more, alone, and that verdict stands.
            for job in [job for job in jobs if hit_time_limit(results[job.key])]:
                [(_, again)] = finished(submit([job]), limits.notebook_timeout)
                again.notes = list(again.notes) + [f"graded again alone after a time limit ({results[job.key].outcome}"
                                                   f": {'; '.join(results[job.key].notes)})"]
                keep(again)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
        rs.save_outcomes(course, list(results.values()))
    journal.close()  # only reached when the run finished: an interrupted run stays resumable
    return sorted(results.values(), key=lambda r: (r.student, r.assignment))


def hit_time_limit(result: rs.GradingResult) -> bool:
    return result.outcome == rs.TIMED_OUT or any("time limit" in note for note in result.notes)


def finished(futures: dict, notebook_timeout: float):
    """(job, result) as tasks finish. Never waits forever: when workers vanish and nothing
    finishes for longer than any task may take (twice: one retry), the rest are reported lost."""
    from distributed import as_completed
    from distributed.utils import TimeoutError as DaskTimeout

    patience = 2 * notebook_timeout + 120
    pending = dict(futures)
    batch = as_completed(pending, timeout=patience)
    try:
        for future in batch:
            job = pending.pop(future)
            try:
                result = future.result(timeout=patience)
            except Exception as err:  # noqa: BLE001 - e.g. KilledWorker after the retry
                result = rs.failed_result(job, rs.CRASHED, f"worker lost twice: {type(err).__name__}")
            yield job, result
    except (TimeoutError, DaskTimeout):
        pass
    for future, job in pending.items():
        future.cancel()
        yield job, rs.failed_result(job, rs.CRASHED, f"no result after {patience:g} s: workers lost")


class Journal:
    """The results of a run as they arrive, so that a run whose coordinator was killed can resume.

    autograded/grading-run.jsonl: the run's submissions on the first line, then
    one result per line. A new run with the same submissions takes over the
    results already there; a finished run removes the file.
    """

    def __init__(self, path: Path, keys: list[str]):
        self.path = path
        self.keys = sorted(keys)
        self._done: list[rs.GradingResult] = []
        if path.exists():
            lines = path.read_text().splitlines()
            if lines and json.loads(lines[0]) == self.keys:
                for line in lines[1:]:
                    try:
                        self._done.append(rs.GradingResult.from_json(line))
                    except (ValueError, TypeError):
                        break  # a line cut short by the kill
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as f:
            f.write(json.dumps(self.keys) + "\n" + "".join(r.to_json() + "\n" for r in self._done))

    def done(self) -> list[rs.GradingResult]:
        return list(self._done)

    def add(self, result: rs.GradingResult) -> None:
        with open(self.path, "a") as f:
            f.write(result.to_json() + "\n")

    def close(self) -> None:
        self.path.unlink(missing_ok=True)


def table(course: Course, results: list[rs.GradingResult]) -> str:
    """The final table: one line per submission, with the points the gradebook holds (as export reads them)."""
    from .gradebook import class_scores

    data = class_scores(course.db_url, course.course_id)
    rows = [("student", "assignment", "outcome", "points", "notes")]
    for r in results:
        stored = sum(data["scores"].get((r.student, r.assignment), {}).values())
        best = sum(data["assignments"].get(r.assignment, {}).values())
        rows.append((r.student, r.assignment, r.outcome, f"{stored:g}/{best:g}", "; ".join(r.notes)[:70]))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4] for row in rows]
    lines.insert(1, "-" * min(110, max(len(line) for line in lines)))
    return "\n".join(line.rstrip() for line in lines)
