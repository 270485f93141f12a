"""Helpers shared by the assignments' hidden checks (``autograder/assignments/<id>/hidden.py``).

Inputs are seeded per check (:func:`rng`), so regrading the same submission
gives the same grade. ``call_unmodified`` serves the hidden modules that
still run inside the student's kernel; a module converted to plans and
judges (see :mod:`autograder.verdicts`) needs only :func:`rng`.
"""
from __future__ import annotations

import copy
import zlib

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
