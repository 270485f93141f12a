"""The tests every assignment's checks must pass, generated from a small spec.

For one assignment they prove that
1. the visible checks (course/checks/<module>.py) pass on the reference
   and on the source notebook's own solutions;
2. the hidden checks (autograder/assignments/<id>/hidden.py) pass on both;
3. every Mistake of autograder/assignments/<id>/mistakes.py fails its visible checks
   with Mistake.hint in the message, and fails its hidden checks; in Chinese
   (course.i18n) the message shows the catalogued translation of that hint;
4. the mistakes cover exactly the graded names, and every visible check is
   failed (with an explanation) by at least one mistake;
5. an answer to a question (autograder/answers.py) is revealed by nothing: a
   wrong answer of the right form (``Mistake.right_form``) passes the visible
   check, and its hidden verdict holds the hint, the same for any wrong value.

The graded names and the checks of each come from the notebook's grade
cells. A test module states its spec and takes the generated tests into its namespace:

    SPEC = CheckSpec("01_chain_rule")
    globals().update(check_tests(SPEC))
"""
from __future__ import annotations

import ast
import functools
import importlib
import re
import types
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import numpy as np
import pytest
from notebooks import HIDDEN_REGION, SOURCE, grade_cells, nbgrader_meta, notebook_path, read, solution_cells

from autograder import assignments, verdicts
from course import previous


def _judged(case: GradeCase):
    """The verdict of ``case`` as a check: an AssertionError with its message when it fails.

    The check takes the graded names the visible check takes and records what
    the hidden region records: the expression of its ``record(grade_id, ...)``."""
    def check(*args):
        subject = eval(case.recorded, {}, dict(zip(case.args, args))) if case.recorded else args[0]  # noqa: S307
        verdict = verdicts.check_in_process(case.grade_id, subject)
        if not verdict.passed:
            raise AssertionError(verdict.message)
    return check


@dataclass(frozen=True)
class GradeCase:
    """A grade cell whose visible part is one ``checks.check_<aspect>(name, ...)`` call."""
    grade_id: str  # test_<aspect>
    check: str     # check_<aspect>
    args: tuple[str, ...]  # graded names passed to it; the first is the one it grades
    recorded: str = ""  # the expression its hidden region records, e.g. {"forward": f, "backward": g}

    @property
    def graded(self) -> str:
        return self.args[0]


def _check_call(cell) -> tuple[str, tuple[str, ...]] | None:
    visible = HIDDEN_REGION.sub("", cell.source).replace("### BEGIN HIDDEN TESTS", "")
    for node in ast.walk(ast.parse(visible)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "checks"
                and all(isinstance(a, ast.Name) for a in node.args)):
            return node.func.attr, tuple(a.id for a in node.args)
    return None


def _recorded(cell) -> str:
    """The source of the second argument of the hidden region's ``record(...)`` call, if any."""
    hidden = HIDDEN_REGION.search(cell.source)
    for node in ast.walk(ast.parse(hidden.group(1) if hidden else "")):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "record" and len(node.args) == 2:
            return ast.unparse(node.args[1])
    return ""


def grade_cases(assignment: str, given: Iterable[str] = ()) -> list[GradeCase]:
    """The notebook's grade cells that check graded names, in notebook order: the
    aspects and the names a check takes are read from source/, never retyped.
    A check may also take ``given`` names after its graded one (e.g. the net it trains)."""
    nb = read(notebook_path(SOURCE, assignment))
    solutions = {nbgrader_meta(c)["grade_id"] for c in solution_cells(nb)}
    cases = []
    for cell in grade_cells(nb):
        if cell.cell_type != "code":  # a written answer, graded by hand
            continue
        call = _check_call(cell)
        if call and call[1] and call[1][0] in solutions and set(call[1]) <= solutions | set(given):
            cases.append(GradeCase(nbgrader_meta(cell)["grade_id"], *call, _recorded(cell)))
    return cases


@dataclass(frozen=True)
class CheckSpec:
    assignment: str  # e.g. "05_batchnorm"
    # Names a mistake's cell uses besides numpy, taken from the reference so only the mistake is wrong.
    mistake_namespace: tuple[str, ...] = ()
    # What a hidden check must raise on a mistake: AssertionError, or Exception where a
    # crash is accepted (any exception fails a grade cell).
    hidden_rejects_with: type[BaseException] | tuple[type[BaseException], ...] = AssertionError
    # Replaces the plain previous.load of the graded names, e.g. to wire in earlier notebooks.
    load_notebook: Callable[[list[str]], dict] | None = None
    # Also test that a stub raising NotImplementedError (the released cell) surfaces as such.
    test_unwritten: bool = False
    # Names a check takes that are not graded (the net a setting trains, the data), and how to make each.
    given: Mapping[str, Callable[[], object]] = field(default_factory=dict)

    @functools.cached_property
    def grade_cases(self) -> list[GradeCase]:
        return grade_cases(self.assignment, self.given)

    def given_impl(self) -> dict:
        return {name: make() for name, make in self.given.items()}

    @property
    def graded(self) -> list[str]:
        """The graded names, in notebook order."""
        return list(dict.fromkeys(case.graded for case in self.grade_cases))

    @property
    def module(self) -> str:
        return assignments.checks_module_name(self.assignment)

    @property
    def visible(self):
        return importlib.import_module(f"course.checks.{self.module}")

    @property
    def hidden(self):
        """The checks as grade cells run their hidden regions: judged by autograder.verdicts
        when the assignment is converted to plans, else its in-kernel hidden module."""
        if not verdicts.checks(self.assignment):
            return assignments.load(self.assignment, "hidden")
        return types.SimpleNamespace(**{case.check: _judged(case) for case in self.grade_cases})

    @property
    def mistakes(self):
        return assignments.load(self.assignment, "mistakes").MISTAKES

    def check_names(self, name: str) -> list[str]:
        return [case.check for case in self.grade_cases if case.graded == name]

    def cases(self) -> list[tuple[str, str]]:
        """(graded name, check function name) for every grade cell."""
        return [(case.graded, case.check) for case in self.grade_cases]

    def run(self, checks_module, check_name: str, name: str, impl: dict) -> None:
        case = next(c for c in self.grade_cases if c.check == check_name)
        getattr(checks_module, check_name)(*(impl[arg] for arg in case.args))

    def first_failure(self, checks_module, name: str, impl: dict) -> BaseException | None:
        """The exception of the first check of ``name`` that fails, as the grade cells run them."""
        for check_name in self.check_names(name):
            try:
                with np.errstate(all="ignore"):
                    self.run(checks_module, check_name, name, impl)
            except Exception as err:  # noqa: BLE001 - any error fails a grade cell
                return err
        return None

    @property
    def reference(self):
        return assignments.load(self.assignment, "reference")

    @property
    def answers(self) -> list[str]:
        """The graded names that answer a question: plain values in the reference."""
        return [name for name in self.graded if not callable(getattr(self.reference, name))]

    @property
    def questions(self) -> list[str]:
        """The answers with one right value, a choice or a number (autograder/answers.py); settings
        such as 07's dicts are judged by what they do instead."""
        return [name for name in self.answers if isinstance(getattr(self.reference, name), (str, int, float))]

    def explaining_failure(self, mistake, visible) -> BaseException | None:
        """The failure whose message must hold the mistake's hint: the visible check's, or for a
        wrong answer of the right form the hidden verdict's (after its visible check passed)."""
        impl = self.with_mistake(mistake)
        if not mistake.right_form:
            return self.first_failure(visible, mistake.function, impl)
        passed = self.first_failure(visible, mistake.function, impl)
        assert passed is None, f"the visible check of an answer judged its value: {passed!r}"
        return self.first_failure(self.hidden, mistake.function, impl)

    def reference_impl(self) -> dict:
        return {**self.given_impl(), **{name: getattr(self.reference, name) for name in self.graded}}

    def with_mistake(self, mistake) -> dict:
        """The reference, with the mistake in place of its graded name."""
        impl = self.reference_impl()
        namespace = {name: getattr(self.reference, name) for name in self.mistake_namespace}
        impl[mistake.function] = mistake.compile(namespace)
        return impl

    def notebook_impl(self) -> dict:
        with pytest.MonkeyPatch.context() as mp:
            mp.delenv("NBGRADER_EXECUTION", raising=False)  # else load returns the reference
            if self.load_notebook is not None:
                return {**self.given_impl(), **self.load_notebook(self.graded)}
            loaded = previous.load(self.assignment, self.graded, course_dir=SOURCE)
            return {**self.given_impl(), **dict(zip(self.graded, loaded))}


def _case_id(case) -> str:
    return case[1].removeprefix("check_")


def _mistake_id(mistake) -> str:
    return f"{mistake.function}-{mistake.name}"


def check_tests(spec: CheckSpec) -> dict:
    """The fixture and test functions for ``spec``, to put into a test module's globals."""
    visible, hidden, mistakes, cases = spec.visible, spec.hidden, spec.mistakes, spec.cases()
    by_case = pytest.mark.parametrize("case", cases, ids=_case_id)
    by_mistake = pytest.mark.parametrize("mistake", mistakes, ids=_mistake_id)

    @pytest.fixture(scope="module")
    def notebook_solutions():
        """The solution cells of source/<assignment>, as a student's notebook would be loaded."""
        return spec.notebook_impl()

    @by_case
    def test_visible_check_passes_on_reference(case):
        spec.run(visible, case[1], case[0], spec.reference_impl())

    @by_case
    def test_visible_check_passes_on_notebook_solution(case, notebook_solutions):
        spec.run(visible, case[1], case[0], notebook_solutions)

    @by_case
    def test_hidden_check_passes_on_reference(case):
        spec.run(hidden, case[1], case[0], spec.reference_impl())

    @by_case
    def test_hidden_check_passes_on_notebook_solution(case, notebook_solutions):
        spec.run(hidden, case[1], case[0], notebook_solutions)

    def test_mistakes_cover_exactly_the_graded_names():
        assert {m.function for m in mistakes} == set(spec.graded)

    def test_every_visible_check_is_failed_by_some_mistake():
        # Each check on its own, not only the first of its name: a later grade
        # cell needs a mistake of its own to prove it can fail.
        failed = set()
        for mistake in mistakes:
            impl = spec.with_mistake(mistake)
            for check_name in spec.check_names(mistake.function):
                try:
                    with np.errstate(all="ignore"):
                        spec.run(visible, check_name, mistake.function, impl)
                except AssertionError:
                    failed.add(check_name)
                except Exception:  # noqa: BLE001 - a crash is not an explanation; keep looking
                    pass
        assert failed == {check for _, check in cases}

    @by_mistake
    def test_visible_checks_explain_mistake(mistake):
        err = spec.explaining_failure(mistake, visible)
        assert isinstance(err, AssertionError), f"no check failed with an explanation: {err!r}"
        assert mistake.hint in str(err)

    @by_mistake
    def test_visible_checks_explain_mistake_in_chinese(mistake):
        """In a Chinese notebook the same check explains the mistake in Chinese: the English hint is
        gone, unless it is code or a formula, which stays as it is."""
        from course.i18n import speaking

        with speaking("zh_CN"):
            err = str(spec.explaining_failure(mistake, visible))
        assert re.search("[\u4e00-\u9fff]", err), f"no Chinese in: {err}"
        prose = re.sub(r"`[^`]*`|\S*[=_.()\[\]<>*/]\S*", " ", mistake.hint)  # code and formulas stay
        if len(re.findall(r"[A-Za-z]{3,}", prose)) >= 2:
            assert mistake.hint not in err, f"the hint {mistake.hint!r} is still English in: {err}"

    @by_mistake
    def test_hidden_checks_reject_mistake(mistake):
        err = spec.first_failure(hidden, mistake.function, spec.with_mistake(mistake))
        assert isinstance(err, spec.hidden_rejects_with), f"no hidden check failed as expected: {err!r}"

    tests = {name: obj for name, obj in locals().items()
             if name.startswith("test_") or name == "notebook_solutions"}

    if spec.answers:
        by_answer = pytest.mark.parametrize("name", spec.answers)

        @by_answer
        def test_unanswered_question_says_so(name):
            """The released answer cell assigns ``...``: its check names the question, as a stub would."""
            impl = dict(spec.reference_impl(), **{name: ...})
            with pytest.raises(NotImplementedError, match=name):
                spec.run(visible, spec.check_names(name)[0], name, impl)

        @pytest.mark.parametrize("name", spec.questions)
        def test_wrong_answers_reveal_nothing(name):
            """Every wrong answer gets the same verdict, which does not hold the answer; each question
            has a catalogued wrong answer of the right form."""
            answer = getattr(spec.reference, name)
            wrong = [m for m in mistakes if m.function == name and m.right_form]
            assert wrong, f"{name}: catalogue a wrong answer of the right form (Mistake(..., right_form=True))"
            other = "Z" if isinstance(answer, str) else answer * 7 + 1
            messages = {str(spec.first_failure(hidden, name, impl)) for impl in
                        [spec.with_mistake(m) for m in wrong] + [dict(spec.reference_impl(), **{name: other})]}
            assert len(messages) == 1, messages
            assert repr(answer) not in messages.pop()
        tests.update(test_unanswered_question_says_so=test_unanswered_question_says_so,
                     test_wrong_answers_reveal_nothing=test_wrong_answers_reveal_nothing)

    if spec.test_unwritten:
        @by_case
        def test_unwritten_code_shows_not_implemented(case):
            def stub(*args, **kwargs):  # the released cell: calling it (or the class) raises
                raise NotImplementedError()

            # An answer cell's placeholder is `...`.
            impl = dict(spec.reference_impl(), **{case[0]: ... if case[0] in spec.answers else stub})
            with pytest.raises(NotImplementedError):
                spec.run(visible, case[1], case[0], impl)

        tests["test_unwritten_code_shows_not_implemented"] = test_unwritten_code_shows_not_implemented
    return tests
