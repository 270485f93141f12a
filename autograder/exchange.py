"""Hand assignments out and collect them through nbgrader's exchange.

The exchange is a folder every student can write to (a shared machine, or
JupyterHub's ``/srv/nbgrader/exchange``). ``release_assignment`` copies
``release/<assignment>`` into it; students ``fetch`` and ``submit`` from the
JupyterLab Assignment List or with ``nbgrader fetch_assignment`` / ``nbgrader
submit``; ``collect`` copies each student's latest submission (with its
``timestamp.txt``, so late penalties apply) into ``submitted/<student>/``.
These are nbgrader's own exchange classes; this module only configures them.
"""
from __future__ import annotations

import copy
import logging
import os
from pathlib import Path

from .course_dir import Course


class ExchangeFailed(SystemExit):
    """nbgrader's exchange refused (no such assignment, unwritable folder...)."""


def exchange_config(course: Course, exchange_dir: str | os.PathLike | None):
    """The course's nbgrader configuration with ``Exchange.root`` set when given."""
    config = copy.deepcopy(course.config)  # the course's own stays as read
    if exchange_dir is not None:
        config.Exchange.root = str(Path(exchange_dir).resolve())
    return config


def _run(course: Course, assignment: str, exchange_dir, action: str, **traits):
    from nbgrader.auth import Authenticator
    from nbgrader.exchange import ExchangeError, ExchangeFactory

    config = exchange_config(course, exchange_dir)
    app = getattr(ExchangeFactory(config=config), action)(
        coursedir=course.coursedir(assignment), authenticator=Authenticator(config=config), config=config, **traits)
    app.log.setLevel(logging.WARNING)
    try:
        app.start()
    except ExchangeError as err:
        raise ExchangeFailed(f"{action} {assignment}: {err}") from err
    return app


def release_to_exchange(course: Course, assignments: list[str], exchange_dir: str | os.PathLike) -> list[str]:
    """``nbgrader release_assignment`` for each of ``assignments`` (already in release/)."""
    for assignment in assignments:
        _run(course, assignment, exchange_dir, "ReleaseAssignment", force=True)
    return list(assignments)


def collect_from_exchange(course: Course, assignment: str,
                          exchange_dir: str | os.PathLike | None = None) -> list[str]:
    """``nbgrader collect``: each student's newest submission into submitted/.

    Returns the students collected. A submission newer than the one already
    collected replaces it.
    """
    app = _run(course, assignment, exchange_dir, "Collect", update=True)
    return sorted({record["username"] for record in app.src_records})
