"""Helpers shared by the assignments' hidden checks (``autograder/assignments/<id>/hidden.py``).

Inputs are seeded per check (:func:`rng`), so regrading the same submission
gives the same grade. ``call_unmodified`` serves the hidden modules that
still run inside the student's kernel; a module converted to plans and
judges (see :mod:`autograder.verdicts`) needs only :func:`rng`.
"""
from __future__ import annotations

import copy
import zipfile
import zlib
from pathlib import Path

import numpy as np


def rng(name: str) -> np.random.Generator:
    """A generator seeded by ``name``: fresh inputs, identical at every regrade."""
    return np.random.default_rng(zlib.crc32(("hidden:" + name).encode()))


def call_unmodified(name: str, fn, *args, **kwargs):
    """Call ``fn`` and assert it did not modify any array or dict passed in."""
    before = copy.deepcopy((args, kwargs))
    result = fn(*args, **kwargs)
    for old, new in zip(_leaves(before), _leaves((args, kwargs))):
        if isinstance(old, np.ndarray) and not np.array_equal(old, new, equal_nan=True):
            raise AssertionError(f"{name} modified an input array in place; work on a copy.")
    return result


def _leaves(obj):
    if isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _leaves(item)
    elif isinstance(obj, dict):
        for key in sorted(obj, key=str):
            yield from _leaves(obj[key])
    else:
        yield obj


class ModelFileProblem(Exception):
    """A model file the notebook should have saved is missing, a link, or too large to be a model."""


def check_model_file(path: Path, max_bytes: int) -> None:
    """Refuse ``path`` before anything reads it: the kernel could link it to a model it did not
    train (say the instructor's), or write a file whose arrays fill the grader's memory."""
    if path.is_symlink():
        raise ModelFileProblem(f"{path.name} is a link, not the file the notebook saved.")
    if not path.is_file():
        raise ModelFileProblem(f"{path.name} not found beside the notebook: the saved model is missing.")
    if path.stat().st_size > max_bytes or _unpacked_size(path) > max_bytes:
        raise ModelFileProblem(f"{path.name} is larger than {max_bytes >> 20} MB: not a saved model.")


def _unpacked_size(path: Path) -> int:
    """The size of the arrays once read, from the zip directory (0 when not a zip: the loader says why)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return 0
