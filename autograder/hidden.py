"""Helpers shared by the assignments' hidden checks (``autograder/assignments/<id>/hidden.py``).

Inputs are seeded per check (:func:`rng`), so regrading the same submission
gives the same grade.
"""
from __future__ import annotations

import zlib

import numpy as np


def rng(name: str) -> np.random.Generator:
    """A generator seeded by ``name``: fresh inputs, identical at every regrade."""
    return np.random.default_rng(zlib.crc32(("hidden:" + name).encode()))
