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
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import results as rs
from .process_env import grading_env
from .sandbox import runtime_dir


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


def resident_bytes(procs: list) -> int:
    import psutil

    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total


@dataclass
class Watch:
    """What happened while a task ran: whether it finished in time, and how often the
    submission's processes together went over the memory limit (and were killed)."""

    finished: bool = False
    memory_kills: int = 0


def _watch(pid: int, is_done, timeout: float, memory_bytes: int) -> Watch:
    """Wait until ``is_done()`` or ``timeout``. Meanwhile the descendants of the task (the kernel and
    whatever it started) are killed when together they hold more than ``memory_bytes`` (RLIMIT_AS
    bounds each process, not their sum); descendants are remembered, so that those orphaned before
    the end are still killed when the task ends."""
    deadline = time.monotonic() + timeout
    seen: dict = {}
    watch = Watch()
    while not is_done():
        family = descendants(pid)
        seen.update({proc.pid: proc for proc in family})
        if memory_bytes > 0 and resident_bytes(family) > memory_bytes:
            watch.memory_kills += 1
            kill_tree(family[0].pid, family)  # the task survives; its kernel dies and is replaced
        if time.monotonic() > deadline:
            kill_tree(pid, list(seen.values()))
            return watch
        time.sleep(0.2)
    kill_tree(pid, list(seen.values()))  # whatever the task left behind
    watch.finished = True
    return watch


def _run_forked(context, argv: list[str], log: Path, timeout: float, memory_bytes: int) -> tuple[int | None, Watch]:
    from .grade_one import forked_main

    proc = context.Process(target=forked_main, args=(argv, str(log)), daemon=False)
    proc.start()
    watch = _watch(proc.pid, lambda: proc.exitcode is not None, timeout, memory_bytes)
    proc.join()
    return proc.exitcode, watch


def _run_subprocess(argv: list[str], log: Path, timeout: float, cwd: str,
                    memory_bytes: int) -> tuple[int | None, Watch]:
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "autograder.grade_one", *argv], env=grading_env(),
                                stdout=err, stderr=err, start_new_session=True, cwd=cwd)
        watch = _watch(proc.pid, lambda: proc.poll() is not None, timeout, memory_bytes)
        proc.wait()
        return proc.returncode, watch


def run_task(job: rs.GradingJob, use_fork_server: bool = True) -> rs.GradingResult:
    workdir = Path(job.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    result_path = workdir / "result.json"
    result_path.unlink(missing_ok=True)
    job_path = workdir / "job.json"
    job.save(job_path)
    argv = ["--job", str(job_path)]
    timeout = job.limits["notebook_timeout"]
    memory_bytes = job.limits.get("memory_mb", 0) * 1024 * 1024
    start = time.monotonic()
    log = workdir / "stderr.txt"
    context = fork_context() if use_fork_server else None
    if context is not None:
        code, watch = _run_forked(context, argv, log, timeout, memory_bytes)
    else:
        code, watch = _run_subprocess(argv, log, timeout, job.course_root, memory_bytes)
    if watch.finished and code == 0 and result_path.exists():
        result = rs.GradingResult.from_json(result_path.read_text())
    elif not watch.finished:
        result = rs.failed_result(job, rs.TIMED_OUT, f"killed after the {timeout} s limit per notebook",
                                  round(time.monotonic() - start, 2))
    else:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:]
        result = rs.failed_result(job, rs.CRASHED, f"grading process exited with code {code}: {' '.join(tail)}",
                                  round(time.monotonic() - start, 2))
    shutil.rmtree(runtime_dir(workdir / "sandbox"), ignore_errors=True)  # left by a killed task
    if watch.memory_kills:
        result.outcome = rs.worst([result.outcome, rs.CRASHED])
        result.notes = [f"memory limit: the submission's processes together held more than "
                        f"{job.limits['memory_mb']} MB (killed {watch.memory_kills}x)"] + list(result.notes)
    return result
