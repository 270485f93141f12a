"""The environment of the grading processes: the coordinator, its Dask workers and their tasks.

Set explicitly (not inherited by luck): tasks must import ``autograder`` and
``course`` and find the CIFAR-10 folder whatever the caller's environment.
Kernels get their own, smaller environment from :mod:`autograder.sandbox`.
"""
from __future__ import annotations

import os
from pathlib import Path

from .course_dir import REPO_ROOT


def default_cifar_dir() -> str | None:
    """The CIFAR-10 subset beside the repository (as the Makefile finds it), if any."""
    candidate = REPO_ROOT.parent / "shared" / "data" / "cifar-10-subset"
    return str(candidate) if candidate.is_dir() else None


def grading_env(base: dict | None = None) -> dict:
    """Environment for every grading process and kernel.

    Set explicitly (not inherited by luck): kernels must import ``autograder``
    (course.previous loads the reference under autograde) and ``course``.
    """
    env = dict(os.environ if base is None else base)
    paths = [str(REPO_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                                if p and Path(p).resolve() != REPO_ROOT]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    if not env.get("CIFAR10_DIR") and default_cifar_dir():
        env["CIFAR10_DIR"] = default_cifar_dir()
    env.setdefault("MPLBACKEND", "Agg")
    # One BLAS thread per kernel: workers already use every core, and fewer
    # threads keep the address space small under the memory limit.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["MALLOC_ARENA_MAX"] = "2"
    env.pop("NBGRADER_EXECUTION", None)
    return env


def prepare_process_env() -> None:
    """Make this process's environment the grading one (PATH, PYTHONPATH, CIFAR10_DIR...)."""
    os.environ.update(grading_env())
