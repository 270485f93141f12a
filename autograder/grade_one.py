"""Grade one student's assignment, alone in this process (``python -m autograder.grade_one``).

One process per task because nbgrader's converters keep state in class and
module globals and are not thread-safe. The process:

1. caps its own address space (RLIMIT_AS, inherited by the kernel it starts);
2. inspects the submission (malformed? tampered?); a malformed one is scored 0
   without starting a kernel;
3. copies the run's template gradebook and lets nbgrader's Autograde grade into
   the copy (see :mod:`autograder.gradebook_sync` for why a copy), with
   :class:`~autograder.preprocessors.ResilientExecute` and
   :class:`~autograder.preprocessors.CapOutput`, and missing test cells restored;
4. judges the hidden checks outside the kernel: the plans go into a private
   record folder before the kernel starts, and
   :class:`~autograder.verdicts.JudgeHiddenChecks` judges what it recorded;
5. writes a JSON result (outcome, notes, scores) for the coordinator.
"""
from __future__ import annotations

import argparse
import json
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
from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, SaveAutoGrades

from course.recorder import RECORD_DIR_ENV

from . import outcome as oc
from .course_dir import Course, sqlite_url
from .gradebook_sync import read_scores
from .limits import Limits
from .preprocessors import CapOutput, ResilientExecute
from .task import TaskSpec, failed_result
from .verdicts import JudgeHiddenChecks, write_inputs


def cap_memory(megabytes: int) -> None:
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def nbgrader_config(config, limits: Limits):
    """``config`` (the course's, from course.config(): nbgrader_config.py already sets
    OverwriteCells.add_missing_cells and Execute.interrupt_on_timeout) with our
    preprocessors and limits."""
    config.Autograde.force = True  # regrading replaces the earlier graded copy
    config.Autograde.create_student = True
    config.Autograde.autograde_preprocessors = [
        ResilientExecute, JudgeHiddenChecks, IgnorePattern, ClearMetadataPreprocessor, CapOutput,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    config.ResilientExecute.timeout = limits.cell_timeout
    # The kernel is thrown away after grading: kill it instead of waiting for a polite exit.
    config.ResilientExecute.shutdown_kernel = "immediate"
    config.CapOutput.max_lines = limits.max_output_lines
    config.CapOutput.max_chars = limits.max_output_chars
    return config


def autograde(config, assignment: str, student: str, limits: Limits, log_path: Path, record_dir: Path) -> None:
    config = nbgrader_config(config, limits)
    write_inputs(assignment, record_dir)
    os.environ[RECORD_DIR_ENV] = str(record_dir)  # the kernel inherits it
    config.JudgeHiddenChecks.record_dir = str(record_dir)
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


def grade(course_root: Path, assignment: str, student: str, template: Path, workdir: Path,
          limits: Limits) -> dict:
    start = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    task_db = workdir / "gradebook.db"
    shutil.copyfile(template, task_db)
    course = Course.open(course_root, sqlite_url(task_db))
    config = course.config()  # executes nbgrader_config.py: once per submission
    course_id = str(config.CourseDirectory.get("course_id", "default_course"))
    spec = TaskSpec(str(course_root), assignment, student, str(template), str(workdir), course_id, limits.as_dict())

    found = oc.inspect_submission(course.path("release", assignment), course.path("submitted", student, assignment))
    if found.malformed:
        result = failed_result(spec, oc.MALFORMED, found.malformed)
    else:
        log_path = workdir / "nbgrader.log"
        try:
            autograde(config, assignment, student, limits, log_path, workdir / "record")
        except Exception as err:  # noqa: BLE001 - reported as this submission's outcome
            tail = log_path.read_text(errors="replace").strip().splitlines()[-3:] if log_path.exists() else []
            result = failed_result(spec, oc.CRASHED, [f"nbgrader failed: {err}"] + tail)
        else:
            result = {"assignment": assignment, "student": student, "timestamp": None, "notes": []}
            result.update(read_scores(course.db_url, course_id, assignment, student))
            graded = sorted(course.path("autograded", student, assignment).glob("*.ipynb"))
            timeouts, crashes = oc.classify(graded)
            kinds = [oc.TIMED_OUT] * bool(timeouts) + [oc.CRASHED] * bool(crashes) + [oc.TAMPERED] * bool(
                found.tampered)
            result.update(outcome=oc.worst(kinds), notes=timeouts + crashes + found.tampered)
    result["seconds"] = round(time.monotonic() - start, 2)
    result["timings"] = {k: round(v, 3) for k, v in ResilientExecute.timings.items()}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.grade_one", description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, required=True)
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--student", required=True)
    parser.add_argument("--template", type=Path, required=True, help="SQLite gradebook holding the assignments")
    parser.add_argument("--workdir", type=Path, required=True, help="private folder for this task")
    parser.add_argument("--limits", default="{}", help="JSON of autograder.limits.Limits fields")
    args = parser.parse_args(argv)
    limits = Limits(**json.loads(args.limits))
    cap_memory(limits.memory_mb)
    result = grade(args.course, args.assignment, args.student, args.template, args.workdir, limits)
    (args.workdir / "result.json").write_text(json.dumps(result))
    return 0


def forked_main(argv: list[str], log_path: str) -> None:
    """Entry point of a task forked from a worker's fork server (see autograder.task)."""
    os.setsid()  # own session: the wall-clock kill takes the whole tree
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)  # the environment is the grading one: the fork server inherited it (autograder.task)
    sys.exit(main(argv))


if __name__ == "__main__":
    sys.exit(main())
