"""Written answers graded by hand, end to end: a manually graded answer cell is
flagged by `grade`, scored by the instructor through nbgrader's Gradebook (as
formgrader does it), and the score reaches `export` and `report`.
"""
from __future__ import annotations

import shutil

import pytest
import tiny_assignment as tiny

from autograder.course_dir import create_scratch
from autograder.export import grade_rows
from autograder.grading import grade
from autograder.limits import GradingLimits
from autograder.release import release

pytestmark = pytest.mark.slow


def test_written_answer_is_flagged_scored_by_hand_and_exported(tmp_path):
    from nbgrader.api import Gradebook

    from autograder.report import build

    course = create_scratch(tmp_path / "course", [tiny.ASSIGNMENT],
                            source_root=tiny.write_source_with_question(tmp_path / "src"))
    release(course)
    released = course.path("release", tiny.ASSIGNMENT, f"{tiny.ASSIGNMENT}.ipynb")
    assert "RUBRIC_SENTINEL" not in released.read_text()  # the rubric stays with the instructor

    # Alice answers the question and solves both functions (the instructor's solutions, with the answer typed in).
    tiny.submit_answered(course, "alice", solved=("double", "square"))

    [result] = grade(course, workers=1, limits=GradingLimits(**tiny.TEST_LIMITS), progress=False)
    assert result.outcome == "graded"
    with Gradebook(course.db_url, course.course_id) as gb:
        [graded] = gb.find_submission(tiny.ASSIGNMENT, "alice").notebooks
        flags = {g.name: g.needs_manual_grade for g in graded.grades}
        assert flags == {"test_double": False, "test_square": False, tiny.QUESTION: True}
        assert graded.max_score == 7.0
    assert [row[1:] for row in grade_rows(course)[1]] == [[5.0, 5.0]]  # not scored yet: 0 of 2

    # The instructor scores the answer, exactly as formgrader's API does: set manual_score, commit.
    with Gradebook(course.db_url, course.course_id) as gb:
        answer = gb.find_grade(tiny.QUESTION, tiny.ASSIGNMENT, tiny.ASSIGNMENT, "alice")
        answer.manual_score = 1.5
        gb.db.commit()

    assert [row[1:] for row in grade_rows(course)[1]] == [[6.5, 6.5]]
    page = build(course)
    assert "<code>question_sigmoid</code></td><td>2</td>" in page
    shutil.rmtree(tmp_path, ignore_errors=True)
