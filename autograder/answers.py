"""Auto-graded questions: a solution cell that assigns one plain value, judged here.

A question ``<name>`` is an answer cell (``<name> = ...`` with a placeholder, then
a solution region that assigns the instructor's answer) followed by a grade
cell ``test_<name>``: its visible check only validates the form
(``course.checks.common.require_choice`` or ``require_number``), its hidden region
is ``record("test_<name>", <name>)``. The answer lives only in the assignment's
``reference.py``; ``hidden.py`` declares the hidden test in one line::

    plan_test_<name>, judge_test_<name> = answers.question("<name>", reference.<name>, N_("hint"), rel_tol=0.1)

A choice (a string) must match exactly; a number must be within ``rel_tol``
(relative) of the answer. Every wrong answer gets the same verdict, the hint,
so neither the verdict nor the feedback shows the answer.
"""
from __future__ import annotations

import math

from autograder.plans import Plan
from autograder.verdicts import PASSED, Recorded, Verdict
from course.i18n import _


def is_right(got, answer, rel_tol: float = 0.0) -> bool:
    if isinstance(answer, str):
        return type(got) is str and got == answer
    return type(got) in (int, float) and math.isfinite(got) and math.isclose(got, answer, rel_tol=rel_tol)


def answer_plan(name: str) -> Plan:
    """One step: the recorded value itself, as it is (a plain answer or setting, no calls)."""
    plan = Plan(name)
    plan.get(plan.subject(), label=name)
    return plan


def question(name: str, answer, hint: str, rel_tol: float = 0.0):
    """``(plan_test_<name>, judge_test_<name>)`` for ``hidden.py``; ``hint`` is an ``N_`` text,
    translated when a verdict is made."""
    def plan(rng) -> Plan:
        return answer_plan(name)

    def judge(plan: Plan, recorded: Recorded, workdir) -> Verdict:
        if is_right(recorded.results[0], answer, rel_tol):
            return PASSED
        return Verdict(False, _("{name}: this is not the right answer. {hint}").format(name=name, hint=_(hint)))

    return plan, judge
