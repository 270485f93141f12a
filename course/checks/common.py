"""Helpers every visible check module shares: calling the student's code and
collecting failures. Assignment-specific inputs and hints stay in each module.

Hints come through one mechanism: a ``hints`` mapping from a diagnosis (a key
of :data:`course.gradcheck.GENERIC_HINTS`, or ``"raised"`` for numpy's errors
in the call) to this function's likely mistake, plus ``suspects`` for values.
"""
from __future__ import annotations

import inspect
from typing import Callable, Iterable, Mapping

import numpy as np

from course.gradcheck import hint


def _arrays(value):
    """The arrays in an argument, also inside tuples, lists and dicts (a cache)."""
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _arrays(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _arrays(item)


def _parameter_name(fn, index: int) -> str:
    try:
        return list(inspect.signature(fn).parameters)[index]
    except (TypeError, ValueError, IndexError):
        return f"number {index + 1}"


def call_student(name: str, fn, *args, hints: Mapping[str, str] | None = None):
    """Call the student's fn; numpy's shape errors, and an input array changed in
    place, become a failed check with the hint for "raised" / "modified_input".

    NotImplementedError is not caught: an unwritten function says so itself.
    """
    before = [[(a, a.copy()) for a in _arrays(arg)] for arg in args]
    try:
        result = fn(*args)
    except (ValueError, IndexError, TypeError) as err:
        raise AssertionError(f"{name} raised {type(err).__name__}: {err}" + hint("raised", hints)) from err
    for index, pairs in enumerate(before):
        if any(not np.array_equal(now, then, equal_nan=True) for now, then in pairs):
            raise AssertionError(f"{name} changed its input {_parameter_name(fn, index)} in place."
                                 + hint("modified_input", hints))
    return result


def unpack(name: str, result, count: int, what: str):
    """``result`` if it is a tuple of ``count`` values, else a failed check naming ``what``."""
    if not isinstance(result, tuple) or len(result) != count:
        raise AssertionError(f"{name} must return the tuple {what}, got {type(result).__name__}"
                             + (f" of length {len(result)}" if isinstance(result, tuple) else "") + ".")
    return result


def report_all(checks: Iterable[Callable[[], object]]) -> None:
    """Run every check (a thunk) and report all failures at once, so each hint is shown."""
    problems = []
    for thunk in checks:
        try:
            thunk()
        except AssertionError as err:
            problems.append(str(err))
    if problems:
        raise AssertionError("\n".join(problems))
