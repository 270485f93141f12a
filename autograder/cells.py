"""nbgrader cell metadata, read through ``nbgrader.utils`` in this one place."""
from __future__ import annotations

from nbgrader.utils import is_grade, is_locked, is_solution

__all__ = ["grade_id", "is_grade", "is_locked", "is_solution", "locked_sources"]


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def locked_sources(nb) -> dict[str, str]:
    """{grade id: source} of the cells a student may not change (test cells, read-only cells)."""
    return {grade_id(cell): cell.source for cell in nb.cells
            if is_locked(cell) and not is_solution(cell) and grade_id(cell)}
