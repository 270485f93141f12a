"""Record what your code returns for the hidden tests; the grader judges it later.

A grade cell's hidden region calls ``record("test_X", your_function)``. While
grading, the grader has written a *plan* for ``test_X`` (which calls to make,
on which inputs) into the folder ``$COURSE_RECORD_DIR``; ``record`` runs it on
your function (or class, or dict of functions, or plain answer) with
:mod:`course.plan_runner` and writes what came back as plain data. Nothing
here knows the right answers: the grader compares the results with its
reference in its own process.
"""
from __future__ import annotations

import os
from pathlib import Path

from course.i18n import _
from course.plan_runner import (  # noqa: F401 - the recorder's vocabulary, re-exported
    FUNCTIONS,
    MAX_ARRAY_SIZE,
    RECORD_DIR_ENV,
    NotAResult,
    Skipped,
    StepError,
    encode_results,
    record_into,
    run_plan,
    to_plain,
)

__all__ = ["record", "record_into", "run_plan", "to_plain", "encode_results", "NotAResult", "StepError", "Skipped",
           "FUNCTIONS", "RECORD_DIR_ENV"]


def record(check: str, subject) -> None:
    """Hand ``subject`` to the hidden test ``check``.

    While grading (``$COURSE_RECORD_DIR`` set) the results are written for the
    grader. Elsewhere the instructor's checks run right away when they are
    installed (an AssertionError says what failed); a student's machine has
    none, so this only says that hidden tests run at grading time.
    """
    folder = os.environ.get(RECORD_DIR_ENV)
    if folder:
        try:
            record_into(Path(folder), check, subject)
        except OSError as err:  # a full disk or a file-size limit: nothing recorded, no points
            print(_("record: could not write the results of {check}: {error}").format(check=check, error=err))
        return
    try:
        from autograder.verdicts import check_in_process
    except ImportError:
        print(_("{check}: hidden tests run when your notebook is graded.").format(check=check))
        return
    verdict = check_in_process(check, subject)
    if not verdict.passed:
        raise AssertionError(verdict.message)
