"""Helpers every visible check module shares: calling the student's code,
collecting failures, and :func:`visible_check`, which every check wears.
Assignment-specific inputs and hints stay in each module.

Hints come through one mechanism: a ``hints`` mapping from a diagnosis (a key
of :data:`course.gradcheck.GENERIC_HINTS`, or ``"raised"`` for numpy's errors
in the call) to this function's likely mistake, plus ``suspects`` for values.
"""
from __future__ import annotations

import functools
import inspect
import types
from pathlib import Path
from typing import Callable, Iterable, Mapping

import numpy as np

from course.gradcheck import hint
from course.i18n import _


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
        return _("number {index}").format(index=index + 1)


def call_student(name: str, fn, *args, hints: Mapping[str, str] | None = None):
    """Call the student's fn; numpy's shape errors, and an input array changed in
    place, become a failed check with the hint for "raised" / "modified_input".

    NotImplementedError is not caught: an unwritten function says so itself.
    """
    before = [[(a, a.copy()) for a in _arrays(arg)] for arg in args]
    try:
        result = fn(*args)
    except (ValueError, IndexError, TypeError) as err:
        raise AssertionError(_("{name} raised {error}: {message}").format(name=name, error=type(err).__name__,
                                                                           message=err)
                             + hint("raised", hints)) from err
    for index, pairs in enumerate(before):
        if any(not np.array_equal(now, then, equal_nan=True) for now, then in pairs):
            raise AssertionError(_("{name} changed its input {label} in place.").format(
                name=name, label=_parameter_name(fn, index)) + hint("modified_input", hints))
    return result


def unpack(name: str, result, count: int, what: str):
    """``result`` if it is a tuple of ``count`` values, else a failed check naming ``what``."""
    if not isinstance(result, tuple) or len(result) != count:
        if isinstance(result, tuple):
            raise AssertionError(_("{name} must return the tuple {what}, got a tuple of length {length}.").format(
                name=name, what=what, length=len(result)))
        raise AssertionError(_("{name} must return the tuple {what}, got {kind}.").format(
            name=name, what=what, kind=type(result).__name__))
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


# ---------------------------------------------------------------- answers to auto-graded questions
# An answer cell assigns one plain value; its visible check validates only the form, so it
# passes on every answer of that form and reveals nothing. The verdict comes at grading
# (autograder/answers.py).

def require_answered(name: str, answer) -> None:
    """``answer`` is no longer the released placeholder ``...``."""
    if answer is ...:  # the released cell's placeholder
        raise NotImplementedError(_("`{name}` is not answered yet: replace `...` with your answer in its cell "
                                    "(and delete `raise NotImplementedError()`).").format(name=name))


def require_choice(name: str, answer, choices: str) -> None:
    """``answer`` is one of the letters of ``choices``, as a string."""
    require_answered(name, answer)
    letters = ", ".join(f'"{letter}"' for letter in choices)
    if type(answer) is not str or answer not in choices or len(answer) != 1:
        raise AssertionError(_("{name} must be one of the letters {letters} (a capital letter in quotes, e.g. "
                               "{name} = \"{first}\"), got {answer!r}.").format(
            name=name, letters=letters, first=choices[0], answer=answer))


def require_number(name: str, answer) -> None:
    """``answer`` is one finite number (not text, not a list)."""
    require_answered(name, answer)
    if isinstance(answer, str):
        raise AssertionError(_("{name} is the text {answer!r}: write the number without quotes, e.g. "
                               "{name} = 2.5.").format(name=name, answer=answer))
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.integer, np.floating)):
        raise AssertionError(_("{name} must be one number, got {kind}.").format(name=name,
                                                                                kind=type(answer).__name__))
    if not np.isfinite(answer):
        raise AssertionError(_("{name} must be a finite number, got {answer}.").format(name=name, answer=answer))


# ---------------------------------------------------------------- how a check talks to the student

_COURSE_DIR = str(Path(__file__).resolve().parents[1])
_running = 0  # visible checks running now: a check that calls another reports once


class NotWrittenYet(NotImplementedError):
    """The student's function still raises the stub's NotImplementedError."""


class CheckFailed(AssertionError):
    """A visible check failed; its message says what is wrong and, for a known mistake, why."""


def _is_course_frame(frame) -> bool:
    return str(Path(frame.f_code.co_filename).resolve()).startswith(_COURSE_DIR)


def _student_frames(tb):
    """The traceback ``tb`` without the course's own frames: the student's frames stay."""
    kept = [t for t in _walk(tb) if not _is_course_frame(t.tb_frame)]
    rebuilt = None
    for t in reversed(kept):
        rebuilt = types.TracebackType(rebuilt, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return rebuilt


def _walk(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


def _for_the_student(err: BaseException) -> BaseException:
    """``err`` (and what caused it) with the check's frames taken out of the tracebacks."""
    err.with_traceback(_student_frames(err.__traceback__))
    if err.__cause__ is not None:
        _for_the_student(err.__cause__)
    return err


def _not_written_message(err: NotImplementedError, subject: str) -> str:
    frames = [t.tb_frame for t in _walk(err.__traceback__)]
    if _is_course_frame(frames[-1]) and str(err):
        return str(err)  # the check's own words (e.g. a file not made yet)
    student = [frame for frame in frames if not _is_course_frame(frame)]
    name = student[-1].f_code.co_qualname.rpartition("<locals>.")[2] if student else subject
    return _("`{name}` is not written yet: replace `raise NotImplementedError()` in its cell").format(name=name)


def summary_of(check) -> str:
    """The first line of a check's docstring, without its period: the pass line says it (the
    course catalog holds these lines too, so a Chinese notebook shows them in Chinese)."""
    return (check.__doc__ or "").strip().split("\n")[0].rstrip(".")


def visible_check(check):
    """What every visible check does around its own tests.

    - one line when it passes;
    - a function that still raises the stub's NotImplementedError gets
      "`name` is not written yet: ..." instead of a bare traceback;
    - a failure shows its message, and the student's own frames, without the
      check's internals (their frames are cut, and IPython and pytest hide the
      rest through ``__tracebackhide__``).
    """
    subject = check.__name__.removeprefix("check_")
    summary = summary_of(check)

    @functools.wraps(check)
    def run(*args, **kwargs):
        __tracebackhide__ = True  # noqa: F841 - read by IPython and pytest
        global _running
        _running += 1
        try:
            result = check(*args, **kwargs)
        except NotImplementedError as err:
            if _running > 1:
                raise
            stub = NotWrittenYet(_not_written_message(err, subject))
            raise stub.with_traceback(_student_frames(err.__traceback__)) from None
        except AssertionError as err:
            if _running > 1:
                raise
            failed = CheckFailed(str(err)).with_traceback(_student_frames(err.__traceback__))
            raise failed from (_for_the_student(err.__cause__) if err.__cause__ else None)
        except Exception as err:  # the student's own code failed: its frames say where
            if _running > 1:
                raise
            raise _for_the_student(err) from err.__cause__
        finally:
            _running -= 1
        if _running == 0:
            print(_("✓ {subject} passed: {summary}.").format(subject=subject, summary=_(summary)) if summary
                  else _("✓ {subject} passed.").format(subject=subject))
        return result

    run.visible_check = True
    return run


def _show_without_checks(shell, etype, value, tb, tb_offset=None):
    # IPython always prints the frame an exception was raised in, even a hidden
    # one: drop the course's frames so the cell's line and the message remain.
    shell.showtraceback((etype, value, _student_frames(tb)), tb_offset=tb_offset)


def _install_in_ipython() -> None:
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((CheckFailed, NotWrittenYet), _show_without_checks)


_install_in_ipython()
