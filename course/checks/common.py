"""Helpers every visible check module shares: calling the student's code and
collecting failures. Assignment-specific inputs and hints stay in each module."""
from __future__ import annotations

from typing import Callable, Iterable


def call_student(name: str, fn, *args, hint: str = ""):
    """Call the student's fn; turn numpy's shape errors into a failed check with a hint.

    NotImplementedError is not caught: an unwritten function says so itself.
    """
    try:
        return fn(*args)
    except (ValueError, IndexError, TypeError) as err:
        raise AssertionError(f"{name} raised {type(err).__name__}: {err}"
                             + (f"\n  Hint: {hint}" if hint else "")) from err


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
