"""The Dask task: run ``autograder.grade_one`` in a fresh process under a wall-clock limit.

Fresh process, cheap start: each worker keeps a fork server that has imported
nbgrader once (``multiprocessing`` "forkserver" with ``autograder.grade_one``
preloaded), and every task is a new child forked from it, so tasks share no
nbgrader state yet skip the ~2 s of imports. Where the worker may not have
children (a daemonic worker of an external cluster), the task starts
``python -m autograder.grade_one`` instead.

The process starts in its own session; when the limit passes, the task kills
it and every descendant (the Jupyter kernel runs in a session of its own, so a
process-group kill alone would leave it spinning). A task always returns a
result: a killed or failed process is reported "timed out" or "crashed" with
0 points, so one broken submission never stops the batch.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import outcome as oc
from .course_dir import grading_env
from .limits import Limits


@dataclass(frozen=True)
class TaskSpec:
    course_root: str
    assignment: str
    student: str
    template: str  # path of the run's template gradebook (SQLite)
    workdir: str
    course_id: str
    limits: dict


def kill_tree(pid: int) -> None:
    import psutil

    try:
        parent = psutil.Process(pid)
        family = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for proc in family:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)


_FORK_CONTEXT = None


def fork_context():
    """This worker's fork-server context, started on first use; None where forking is not allowed."""
    global _FORK_CONTEXT
    if multiprocessing.current_process().daemon or "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    if _FORK_CONTEXT is None:
        os.environ.update(grading_env())  # inherited by the fork server and every task
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["autograder.grade_one"])
        _FORK_CONTEXT = context
    return _FORK_CONTEXT


def _run_forked(context, argv: list[str], log: Path, timeout: float) -> int | None:
    from .grade_one import forked_main

    proc = context.Process(target=forked_main, args=(argv, str(log)), daemon=False)
    proc.start()
    proc.join(timeout)
    if proc.exitcode is None:
        kill_tree(proc.pid)
        proc.join()
        return None
    return proc.exitcode


def _run_subprocess(argv: list[str], log: Path, timeout: float, cwd: str) -> int | None:
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "autograder.grade_one", *argv], env=grading_env(),
                                stdout=err, stderr=err, start_new_session=True, cwd=cwd)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc.pid)
            proc.wait()
            return None


def failed_result(spec: TaskSpec, outcome: str, note: str | list[str], seconds: float | None = None,
                  scores: dict | None = None) -> dict:
    """The result of a submission that could not be graded: 0 points (``scores`` default) and zero timings."""
    from .course_dir import sqlite_url
    from .gradebook_sync import zero_scores

    if scores is None:
        scores = zero_scores(sqlite_url(spec.template), spec.course_id, spec.assignment)
    return {"assignment": spec.assignment, "student": spec.student, "outcome": outcome,
            "notes": [note] if isinstance(note, str) else list(note), "timestamp": None, "seconds": seconds,
            "scores": scores, "timings": {"kernel_start": 0.0, "execute": 0.0}}


def run_task(spec: TaskSpec, use_fork_server: bool = True) -> dict:
    limits = Limits(**spec.limits)
    workdir = Path(spec.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "result.json").unlink(missing_ok=True)
    argv = ["--course", spec.course_root, "--assignment", spec.assignment, "--student", spec.student,
            "--template", spec.template, "--workdir", spec.workdir, "--limits", json.dumps(limits.as_dict())]
    start = time.monotonic()
    log = workdir / "stderr.txt"
    context = fork_context() if use_fork_server else None
    if context is not None:
        code = _run_forked(context, argv, log, limits.notebook_timeout)
    else:
        code = _run_subprocess(argv, log, limits.notebook_timeout, spec.course_root)
    result_path = workdir / "result.json"
    if code == 0 and result_path.exists():
        return json.loads(result_path.read_text())
    if code is None:
        outcome, note = oc.TIMED_OUT, f"killed after the {limits.notebook_timeout} s limit per notebook"
    else:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:]
        outcome, note = oc.CRASHED, f"grading process exited with code {code}: {' '.join(tail)}"
    return failed_result(spec, outcome, note, round(time.monotonic() - start, 2))
