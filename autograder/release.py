"""Generate the student versions of the assignments (nbgrader generate_assignment).

Writes release/<assignment>/ and records the assignment's cells and checksums in
the gradebook; grading reads both.
"""
from __future__ import annotations

import copy
import logging

from . import gradebook  # noqa: F401 - creates gradebooks without the `alembic` command
from .course_dir import Course
from .process_env import prepare_process_env


def release(course: Course, assignments: list[str] | None = None) -> list[str]:
    """Generate ``assignments`` (all of source/ by default); returns the ids released."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.converters.base import NbGraderException

    chosen = assignments or course.assignments()
    unknown = sorted(set(chosen) - set(course.assignments()))
    if unknown:
        raise SystemExit(f"no such assignment in {course.path('source')}: {', '.join(unknown)}")
    prepare_process_env()
    config = copy.deepcopy(course.config)
    config.GenerateAssignment.force = True
    config.GenerateAssignment.create_assignment = True
    for assignment in chosen:
        coursedir = course.coursedir(assignment)
        # nbgrader_config.py scopes the release-only ignore list (the instructor's
        # trained model) to nbgrader's app, which this converter runs without.
        app = config["GenerateAssignmentApp"] if "GenerateAssignmentApp" in config else {}
        if "CourseDirectory" in app and "ignore" in app["CourseDirectory"]:
            coursedir.ignore = list(app["CourseDirectory"]["ignore"])
        converter = GenerateAssignment(coursedir=coursedir, config=config)
        converter.log.setLevel(logging.WARNING)
        try:
            converter.start()
        except NbGraderException as err:
            raise SystemExit(f"generate_assignment {assignment} failed: {err}") from err
    return list(chosen)
