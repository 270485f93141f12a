"""Realistic wrong implementations: the ``Mistake`` record and how to build one.

Each ``autograder/assignments/<id>/mistakes.py`` lists ``MISTAKES``. The same
list serves two jobs:
- tests/ prove that the visible check of ``function`` fails on every mistake
  and that its message contains ``hint`` (the explanation a student sees);
- the sample class (``python -m autograder demo``) gives some students these
  mistakes, so a grading run shows points lost on exactly those functions.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass

from autograder import assignments


@dataclass(frozen=True)
class Mistake:
    function: str  # the graded name; also the grade_id of its solution cell
    name: str      # short id of the mistake, e.g. "db_averaged"
    hint: str      # text the visible check's message must contain
    source: str    # the whole wrong solution cell: one def or class, or one assignment of a plain answer

    def compile(self, namespace: dict | None = None):
        """Execute ``source`` in ``namespace`` (numpy as np is added) and return the object."""
        import numpy as np

        ns = {"np": np}
        ns.update(namespace or {})
        exec(compile(self.source, f"<mistake {self.function}:{self.name}>", "exec"), ns)  # noqa: S102
        return ns[self.function]


def variant(template: str, *edits: tuple[str, str]) -> str:
    """``template`` (a correct cell) with each ``(old, new)`` edit applied in turn.

    Each ``old`` must occur exactly once in the text it is applied to, so a change
    to the template that orphans or blurs a mistake fails at import time.
    """
    text = template
    for old, new in edits:
        count = text.count(old)
        if count != 1:  # an explicit raise, unlike assert, also holds under python -O
            raise ValueError(f"variant: {old!r} occurs {count} times, expected exactly once")
        text = text.replace(old, new)
    return text


def source_of(obj) -> str:
    """The source of a reference function or class, as the template of :func:`variant`."""
    return "\n" + inspect.getsource(obj)


def answer_source(module, name: str) -> str:
    """The line of ``module`` that assigns the plain answer ``name`` (a setting, a choice), as the
    template of :func:`variant`: the answer's whole solution cell."""
    lines = [line for line in inspect.getsource(module).splitlines() if line.startswith(f"{name} = ")]
    if len(lines) != 1:
        raise ValueError(f"answer_source: {len(lines)} lines assign {name!r}, expected exactly one")
    return "\n" + lines[0] + "\n"


def mistakes_for(assignment: str) -> list[Mistake]:
    """The mistakes listed for an assignment id such as ``03_affine_relu`` (none without a folder)."""
    if assignment not in assignments.ids():
        return []
    return list(assignments.load(assignment, "mistakes").MISTAKES)
