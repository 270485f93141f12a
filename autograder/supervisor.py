"""Supervising one task process: the Dask task runs ``autograder.grade_one`` in a fresh process
under a wall-clock limit, and kills its whole process tree when it ends.

Fresh process, cheap start: each worker keeps a fork server that has imported
nbgrader once (``multiprocessing`` "forkserver" with ``autograder.grade_one``
preloaded), and every task is a new child forked from it, so tasks share no
nbgrader state yet skip the ~2 s of imports. Where the worker may not have
children (a daemonic worker of an external cluster), the task starts
``python -m autograder.grade_one`` instead.

The process starts in its own session; when it ends, or when the limit
passes, the task kills every process it left (the Jupyter kernel runs in a
session of its own, so a process-group kill alone would leave it spinning;
outside the sandbox a submission can also start daemons). A task always returns a
result: a killed or failed process is reported "timed out" or "crashed" with
0 points, so one broken submission never stops the batch.
"""
from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

from . import results as rs
from .process_env import grading_env


def descendants(pid: int) -> list:
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def kill_tree(pid: int, family: list | None = None) -> None:
    """Kill ``pid`` and its descendants (``family``: the ones seen earlier, which may have been orphaned)."""
    import psutil

    try:
        family = (family or []) + descendants(pid) + [psutil.Process(pid)]
    except psutil.NoSuchProcess:
        pass
    family = list({proc.pid: proc for proc in family or []}.values())
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


def _watch(pid: int, is_done, timeout: float) -> bool:
    """Wait until ``is_done()`` or ``timeout``; returns False on timeout. Remembers descendants
    while waiting, so that those orphaned before the end are still killed."""
    deadline = time.monotonic() + timeout
    seen: dict = {}
    while not is_done():
        seen.update({proc.pid: proc for proc in descendants(pid)})
        if time.monotonic() > deadline:
            kill_tree(pid, list(seen.values()))
            return False
        time.sleep(0.2)
    kill_tree(pid, list(seen.values()))  # whatever the task left behind
    return True


def _run_forked(context, argv: list[str], log: Path, timeout: float) -> int | None:
    from .grade_one import forked_main

    proc = context.Process(target=forked_main, args=(argv, str(log)), daemon=False)
    proc.start()
    finished = _watch(proc.pid, lambda: proc.exitcode is not None, timeout)
    proc.join()
    return proc.exitcode if finished else None


def _run_subprocess(argv: list[str], log: Path, timeout: float, cwd: str) -> int | None:
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "autograder.grade_one", *argv], env=grading_env(),
                                stdout=err, stderr=err, start_new_session=True, cwd=cwd)
        finished = _watch(proc.pid, lambda: proc.poll() is not None, timeout)
        proc.wait()
        return proc.returncode if finished else None


def run_task(job: rs.GradingJob, use_fork_server: bool = True) -> rs.GradingResult:
    workdir = Path(job.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    result_path = workdir / "result.json"
    result_path.unlink(missing_ok=True)
    job_path = workdir / "job.json"
    job.save(job_path)
    argv = ["--job", str(job_path)]
    timeout = job.limits["notebook_timeout"]
    start = time.monotonic()
    log = workdir / "stderr.txt"
    context = fork_context() if use_fork_server else None
    if context is not None:
        code = _run_forked(context, argv, log, timeout)
    else:
        code = _run_subprocess(argv, log, timeout, job.course_root)
    if code == 0 and result_path.exists():
        return rs.GradingResult.from_json(result_path.read_text())
    if code is None:
        outcome, note = rs.TIMED_OUT, f"killed after the {timeout} s limit per notebook"
    else:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:]
        outcome, note = rs.CRASHED, f"grading process exited with code {code}: {' '.join(tail)}"
    return rs.failed_result(job, outcome, note, round(time.monotonic() - start, 2))
