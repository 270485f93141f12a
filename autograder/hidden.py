"""Helpers shared by the assignments' hidden checks (``autograder/assignments/<id>/hidden.py``).

Inputs are seeded per check (:func:`rng`), so regrading the same submission
gives the same grade. A file the notebook saved (a trained model) passes
:func:`check_model_file` before a judge reads it.
"""
from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np


def rng(name: str) -> np.random.Generator:
    """A generator seeded by ``name``: fresh inputs, identical at every regrade."""
    return np.random.default_rng(zlib.crc32(("hidden:" + name).encode()))


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
