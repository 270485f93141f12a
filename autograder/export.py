"""Grades as CSV: one row per student, one column per assignment, and a total.

A student with no submission for an assignment gets 0 for it; every student
of the gradebook has a row.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from .course_dir import Course
from .gradebook import class_scores


def grade_rows(course: Course) -> tuple[list[str], list[list]]:
    """(header, rows) with points rounded to 4 decimals."""
    data = class_scores(course.db_url, course.course_id)
    assignments = sorted(data["assignments"])
    header = ["student"] + assignments + ["total"]
    rows = []
    for student in data["students"]:
        points = [round(sum(data["scores"].get((student, a), {}).values()), 4) for a in assignments]
        rows.append([student] + points + [round(sum(points), 4)])
    return header, rows


def to_csv(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[f"{v:g}" if isinstance(v, float) else v for v in row] for row in rows])
    return buffer.getvalue()


def export(course: Course, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(to_csv(*grade_rows(course)))
    return path
