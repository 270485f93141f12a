"""nbgrader cell metadata, read through ``nbgrader.utils`` in this one place, and what a
solution cell defines."""
from __future__ import annotations

import ast

from nbgrader.utils import is_grade, is_locked, is_solution

__all__ = ["grade_id", "is_grade", "is_locked", "is_solution", "locked_sources", "definitions", "is_answer"]


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def locked_sources(nb) -> dict[str, str]:
    """{grade id: source} of the cells a student may not change (test cells, read-only cells)."""
    return {grade_id(cell): cell.source for cell in nb.cells
            if is_locked(cell) and not is_solution(cell) and grade_id(cell)}


def _assigned(node: ast.stmt) -> list[str]:
    """The plain name ``node`` assigns (``name = value``), else nothing."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return [node.targets[0].id]
    return []


def definitions(source: str) -> list[str]:
    """The names a solution code cell defines for grading: each top-level function and class, or the
    one name an answer cell assigns (its placeholder ``name = ...`` and the answer count once)."""
    body = ast.parse(source).body
    if body and all(_assigned(node) for node in body):
        return sorted({name for node in body for name in _assigned(node)})
    return [node.name for node in body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]


def is_answer(cell) -> bool:
    """A solution code cell that answers a question (it assigns a value, defines no function or class)."""
    if cell.cell_type != "code" or not is_solution(cell):
        return False
    try:
        body = ast.parse(cell.source).body
    except SyntaxError:
        return False
    return bool(body) and all(_assigned(node) for node in body)
