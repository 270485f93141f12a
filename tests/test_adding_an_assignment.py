"""Adding an assignment is adding its notebook and its folder, nothing else.

A toy assignment is written that way (source/00_toy/00_toy.ipynb, and
00_toy/{reference,hidden,mistakes}.py in a folder on $AUTOGRADER_ASSIGNMENTS_PATH),
then released, handed in by three students and graded end to end. Its
``square`` mistake passes the visible check, so only the verdict computed
outside the kernel can cost it its points; so does its question's wrong answer
(autograder/answers.py), whose verdict does not show the answer.
"""
from __future__ import annotations

import textwrap

import nbformat
import pytest
from tiny_assignment import TEST_LIMITS, _meta

from autograder import assignments, verdicts
from autograder.course_dir import create_scratch
from autograder.limits import GradingLimits

pytestmark = pytest.mark.slow

TOY = "00_toy"
POINTS = {"test_double": 2.0, "test_square": 3.0, "test_square_of_three": 1.0}

FILES = {
    "reference.py": '''
        """The toy assignment's reference."""
        import numpy as np


        def double(x):
            return 2 * np.asarray(x)


        def square(x):
            return np.asarray(x) * x


        square_of_three = 9
    ''',
    "hidden.py": '''
        """Hidden checks of the toy assignment: negative numbers and arrays, and a question."""
        from autograder import answers, assignments
        from autograder.plans import Plan

        reference = assignments.load("00_toy", "reference")


        def plan_test_double(rng):
            plan = Plan("double")
            plan.call(plan.subject(), -21, label="double(-21)")
            plan.call(plan.subject(), rng.standard_normal(5), label="double of an array")
            return plan


        def plan_test_square(rng):
            plan = Plan("square")
            plan.call(plan.subject(), -5, label="square(-5)")
            plan.call(plan.subject(), rng.standard_normal((2, 3)), label="square of an array")
            return plan


        plan_test_square_of_three, judge_test_square_of_three = answers.question(
            "square_of_three", reference.square_of_three, "Multiply 3 by itself.")
    ''',
    "mistakes.py": '''
        """The toy's one mistake, from the reference's source."""
        from autograder import assignments
        from autograder.mistake import Mistake, answer_source, source_of, variant

        reference = assignments.load("00_toy", "reference")

        MISTAKES = [Mistake("square", "abs_sign", "",
                            variant(source_of(reference.square), ("np.asarray(x) * x", "np.abs(x) * x"))),
                    Mistake("square_of_three", "doubled", "Multiply 3 by itself.",
                            answer_source("square_of_three", 6), right_form=True)]
    ''',
}


def toy_notebook():
    v4 = nbformat.v4

    def solution(name, body):
        return v4.new_code_cell(f"def {name}(x):\n    ### BEGIN SOLUTION\n    {body}\n    ### END SOLUTION",
                                metadata=_meta(grade=False, solution=True, locked=False, grade_id=name))

    def answer(name, value):
        return v4.new_code_cell(f"{name} = ...\n### BEGIN SOLUTION\n{name} = {value}\n### END SOLUTION",
                                metadata=_meta(grade=False, solution=True, locked=False, grade_id=name))

    def grade(name, visible):
        source = (f"{visible}\n### BEGIN HIDDEN TESTS\nfrom course.recorder import record\n"
                  f'record("test_{name}", {name})\n### END HIDDEN TESTS')
        return v4.new_code_cell(source, metadata=_meta(grade=True, solution=False, locked=True, grade_id=f"test_{name}",
                                                       points=POINTS[f"test_{name}"]))

    nb = v4.new_notebook(cells=[
        v4.new_code_cell("import numpy as np"),
        solution("double", "return 2 * np.asarray(x)"),
        grade("double", 'assert double(3) == 6, "double(3) should be 6"'),
        solution("square", "return np.asarray(x) * x"),
        grade("square", 'assert square(3) == 9, "square(3) should be 9"'),
        answer("square_of_three", 9),
        grade("square_of_three", "from course.checks.common import require_number\n"
                                 'require_number("square_of_three", square_of_three)'),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.fixture(scope="module")
def toy_course(tmp_path_factory):
    """Write the toy's notebook and folder, release it and grade three students."""
    from autograder import sample_class
    from autograder.grading import grade
    from autograder.release import release

    root = tmp_path_factory.mktemp("toy")
    folder = root / "assignments" / TOY
    folder.mkdir(parents=True)
    for name, text in FILES.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip())
    (root / "src" / "source" / TOY).mkdir(parents=True)
    nbformat.write(toy_notebook(), root / "src" / "source" / TOY / f"{TOY}.ipynb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(assignments.PATH_ENV, str(root / "assignments"))
        course = create_scratch(root / "course", [TOY], source_root=root / "src")
        release(course)
        sample_class.build(course, personas=["s01_perfect", "s02_mistakes", "s03_untouched"])
        results = grade(course, workers=1, limits=GradingLimits(**TEST_LIMITS), progress=False)
        yield course, {r.student: r for r in results}


def test_the_toy_is_found_from_its_folder_alone(toy_course, monkeypatch):
    monkeypatch.setenv(assignments.PATH_ENV, str(toy_course[0].root.parent / "assignments"))
    assert TOY in assignments.ids()
    assert verdicts.checks(TOY) == ["test_double", "test_square", "test_square_of_three"]


def test_the_toy_is_graded_end_to_end_with_outside_verdicts(toy_course):
    course, results = toy_course
    scores = {student: (r.outcome, r.scores[TOY]) for student, r in results.items()}
    assert scores == {
        "s01_perfect": ("graded", POINTS),
        # Both visible checks passed.
        "s02_mistakes": ("graded", {"test_double": 2.0, "test_square": 0.0, "test_square_of_three": 0.0}),
        "s03_untouched": ("graded", {"test_double": 0.0, "test_square": 0.0, "test_square_of_three": 0.0}),
    }
    nb = nbformat.read(course.path("autograded", "s02_mistakes", TOY, f"{TOY}.ipynb"), as_version=4)
    [cell] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_square"]
    [error] = [o for o in cell.outputs if o.output_type == "error"]
    assert (error.ename, error.evalue) == (verdicts.HIDDEN_FAILED, "hidden test: square(-5) does not match "
                                           "the expected value: relative error 1.000e+00 > threshold 1e-08.\n"
                                           "  Worst entry (): yours -25, expected value 25.\n"
                                           "  Yours:    -25.\n  Expected: 25.\n"
                                           "  Hint: it has the opposite sign of the correct value.")
    [cell] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_square_of_three"]
    [error] = [o for o in cell.outputs if o.output_type == "error"]
    assert (error.ename, error.evalue) == (verdicts.HIDDEN_FAILED, "square_of_three: this is not the right answer. "
                                                                   "Multiply 3 by itself.")
