"""Grade one student's assignment, alone in this process (``python -m autograder.grade_one --job JOB.json``).

One process per task because nbgrader's converters keep state in class and
module globals and are not thread-safe. The process:

1. caps its own address space (RLIMIT_AS);
2. inspects the submission (malformed? tampered?); a malformed one is scored 0
   without starting a kernel;
3. builds the submission's sandbox (:mod:`autograder.sandbox`) unless the job
   says ``sandbox=False`` (``--no-sandbox``);
4. copies the run's template gradebook and lets nbgrader's Autograde grade into
   the copy (see :mod:`autograder.gradebook` for why a copy), with
   :class:`~autograder.preprocessors.ResilientExecute` and
   :class:`~autograder.preprocessors.CapOutput`, and missing test cells restored;
5. judges the hidden checks outside the kernel: the plans go into the
   submission's private record folder before the kernel starts, and
   :class:`~autograder.verdicts.JudgeHiddenChecks` judges what it recorded;
6. writes its :class:`~autograder.results.GradingResult` as JSON for the coordinator.

The job carries the course's configuration, read once by the coordinator:
nothing here executes nbgrader_config.py.
"""
from __future__ import annotations

import argparse
import logging
import os
import resource
import shutil
import sys
import time
from pathlib import Path

# Imported here, not in the functions: a worker's fork server preloads this
# module, so every task it forks starts with nbgrader already imported.
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.converters import Autograde
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds,
                                    IgnorePattern, OverwriteCells, OverwriteKernelspec, SaveAutoGrades)
from traitlets.config import Config

from course.recorder import RECORD_DIR_ENV

from . import outcome as oc
from . import results as rs
from .course_dir import sqlite_url
from .gradebook import read_scores
from .limits import GradingLimits
from .preprocessors import CapOutput, DropUnknownGradeCells, ResilientExecute
from .sandbox import Sandbox, kernel_config
from .verdicts import JudgeHiddenChecks, write_inputs

RESULT_FILE = "result.json"


class TimedJudge(JudgeHiddenChecks):
    """JudgeHiddenChecks (configured as such), timed for the benchmark's breakdown."""

    seconds = 0.0  # in this process (one task per process)

    def preprocess(self, nb, resources):
        start = time.perf_counter()
        try:
            return super().preprocess(nb, resources)
        finally:
            TimedJudge.seconds += time.perf_counter() - start


def cap_memory(megabytes: int) -> None:
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def nbgrader_config(config, limits: GradingLimits):
    """``config`` (the course's: nbgrader_config.py already sets OverwriteCells.add_missing_cells
    and Execute.interrupt_on_timeout) with our preprocessors and limits."""
    config.Autograde.force = True  # regrading replaces the earlier graded copy
    config.Autograde.create_student = True
    config.Autograde.sanitize_preprocessors = [
        DropUnknownGradeCells, ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
    config.Autograde.autograde_preprocessors = [
        ResilientExecute, TimedJudge, IgnorePattern, ClearMetadataPreprocessor, CapOutput,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    config.ResilientExecute.timeout = limits.cell_timeout
    # nbgrader waits 4 s for a cell's last outputs after its reply, then fails the cell: on a busy
    # machine that alone changed grades (issue 9 section 3). The cell's own limit applies instead.
    config.ResilientExecute.iopub_timeout = limits.cell_timeout
    # The kernel is thrown away after grading: kill it instead of waiting for a polite exit.
    config.ResilientExecute.shutdown_kernel = "immediate"
    config.CapOutput.max_lines = limits.max_output_lines
    config.CapOutput.max_chars = limits.max_output_chars
    return config


def autograde(config, assignment: str, student: str, log_path: Path) -> None:
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    coursedir.student_id = student
    converter = Autograde(coursedir=coursedir, config=config)
    handler = logging.FileHandler(log_path)
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    converter.log.handlers[:] = [handler]
    converter.log.propagate = False
    converter.log.setLevel(logging.INFO)
    converter.start()


def grade(job: rs.GradingJob) -> rs.GradingResult:
    start = time.monotonic()
    workdir = Path(job.workdir)
    course_root = Path(job.course_root)
    limits = GradingLimits(**job.limits)
    task_db = workdir / "gradebook.db"
    shutil.copyfile(job.template, task_db)
    config = Config(job.config)
    config.CourseDirectory.db_url = sqlite_url(task_db)
    submitted = course_root / "submitted" / job.student / job.assignment

    found = oc.inspect_submission(course_root / "release" / job.assignment, submitted)
    if found.malformed:
        return rs.failed_result(job, rs.MALFORMED, found.malformed, round(time.monotonic() - start, 2))
    timings = {}
    config = nbgrader_config(config, limits)
    sandbox = None
    if job.sandbox:
        sandbox = Sandbox.create(workdir / "sandbox", job.assignment, submitted, job.limits,
                                 os.environ.get("CIFAR10_DIR"))
        config = kernel_config(config, sandbox)
        record_dir = sandbox.record_dir
        timings["sandbox"] = time.monotonic() - start
    else:
        record_dir = workdir / "record"
        record_dir.mkdir(parents=True, exist_ok=True)
        os.environ[RECORD_DIR_ENV] = str(record_dir)  # the unsandboxed kernel inherits it
    # The plans go in before the kernel starts; the verdicts come after execution, in this process.
    write_inputs(job.assignment, record_dir)
    config.JudgeHiddenChecks.record_dir = str(record_dir)
    log_path = workdir / "nbgrader.log"
    try:
        autograde(config, job.assignment, job.student, log_path)
    except Exception as err:  # noqa: BLE001 - reported as this submission's outcome
        tail = log_path.read_text(errors="replace").strip().splitlines()[-3:] if log_path.exists() else []
        return rs.failed_result(job, rs.CRASHED, [f"nbgrader failed: {err}"] + tail,
                                round(time.monotonic() - start, 2))
    finally:
        if sandbox is not None:
            sandbox.remove()
    stored = read_scores(config.CourseDirectory.db_url, job.course_id, job.assignment, job.student)
    graded = sorted((course_root / "autograded" / job.student / job.assignment).glob("*.ipynb"))
    timeouts, crashes = oc.classify(graded)
    kinds = [rs.TIMED_OUT] * bool(timeouts) + [rs.CRASHED] * bool(crashes) + [rs.TAMPERED] * bool(
        found.tampered or found.unknown)
    timings.update(ResilientExecute.timings, verdicts=TimedJudge.seconds)
    notes = timeouts + crashes + found.tampered + found.unknown + [rs.UNSANDBOXED] * (not job.sandbox)
    return rs.GradingResult(
        job.assignment, job.student, rs.worst(kinds), stored["scores"], notes, stored["timestamp"],
        round(time.monotonic() - start, 2), {k: round(v, 3) for k, v in timings.items()},
        stored["late_penalties"], stored["manual"], job.sandbox)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.grade_one", description=__doc__.splitlines()[0])
    parser.add_argument("--job", type=Path, required=True, help="JSON of an autograder.results.GradingJob")
    args = parser.parse_args(argv)
    job = rs.GradingJob.load(args.job)
    cap_memory(job.limits.get("memory_mb", 0))
    result = grade(job)
    (Path(job.workdir) / RESULT_FILE).write_text(result.to_json())
    return 0


def forked_main(argv: list[str], log_path: str) -> None:
    """Entry point of a task forked from a worker's fork server (see autograder.supervisor)."""
    os.setsid()  # own session: the wall-clock kill takes the whole tree
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)  # the environment is the grading one: the fork server inherited it (autograder.supervisor)
    sys.exit(main(argv))


if __name__ == "__main__":
    sys.exit(main())
