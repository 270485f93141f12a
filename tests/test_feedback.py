"""Feedback files never show hidden tests, instructor code or expected values.

Every feedback file is searched as a person would read it (tags stripped,
entities decoded) for: the text of every hidden-test line, the word
"autograder", and the source of the reference functions. The same search run
on nbgrader's own feedback finds the hidden tests, which shows it can fail.
"""
from __future__ import annotations

import html
import json
import inspect
import re

import nbformat
import pytest

import real_course
import tiny_assignment as tiny
from autograder import feedback

pytestmark = pytest.mark.slow


def visible_text(page: str) -> str:
    """What a reader sees: no tags, no entities, whitespace collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page)))


def hidden_lines(course) -> list[str]:
    """Lines of the hidden-test regions of the instructor notebooks that students never see.

    A line that also appears in a released notebook (``if not course.grading():``)
    is public already and not searched for.
    """
    released = " ".join(p.read_text() for p in course.path("release").glob("*/*.ipynb"))
    lines = []
    for path in course.path("source").glob("*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            for region in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S):
                lines += [line.strip() for line in region.splitlines()
                          if line.strip() and json.dumps(line.strip())[1:-1] not in released]
    return lines


def leaks(text: str, forbidden: list[str]) -> list[str]:
    squashed = re.sub(r"\s+", " ", text)
    found = [f for f in forbidden if re.sub(r"\s+", " ", f) in squashed]
    return found + (["autograder"] if "autograder" in text.lower() else [])


def reference_sources(own: set[str]) -> list[str]:
    """Source of every reference function/class but the assignment's ``own`` exercises.

    A perfect student's own solution may read like the reference; anything else
    from the reference (say a function course.previous loads) must not show.
    """
    from autograder import assignments

    return [inspect.getsource(obj) for name, obj in assignments.references().items()
            if name not in own and callable(obj)]  # answers are values: tests/check_harness.py hides them


def test_no_feedback_file_shows_hidden_tests_or_instructor_code():
    course, results = tiny.graded_course()
    written = feedback.generate(course)
    assert len(written) == len(results)  # one file per submission, malformed ones included
    forbidden = hidden_lines(course) + tiny.HIDDEN_MARKERS
    assert len(forbidden) >= 4
    for path in written:
        text = path.read_text()
        assert leaks(visible_text(text), forbidden) == [], path
        assert leaks(text, forbidden) == [], path  # not even in the markup


def test_the_leak_search_finds_hidden_tests_in_nbgraders_own_feedback(tmp_path):
    """nbgrader's generate_feedback shows hidden tests: the search above must catch that."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    import copy

    course, _ = tiny.graded_course()
    config = copy.deepcopy(course.config)  # the course's own stays as it was
    config.CourseDirectory.feedback_directory = "nbgrader_feedback"  # leave feedback/ alone
    config.GenerateFeedback.force = True
    coursedir = CourseDirectory(config=config, assignment_id=tiny.ASSIGNMENT, student_id="s02_mistakes")
    converter = GenerateFeedback(coursedir=coursedir, config=config)
    converter.start()
    [page] = course.path("nbgrader_feedback", "s02_mistakes", tiny.ASSIGNMENT).glob("*.html")
    assert "HIDDEN_SQUARE_SENTINEL" in leaks(visible_text(page.read_text()), tiny.HIDDEN_MARKERS)


def _page(course, student: str) -> str:
    feedback.generate(course, students=[student])
    return visible_text(course.path("feedback", student, tiny.ASSIGNMENT, f"{tiny.ASSIGNMENT}.html").read_text())


def test_failing_hidden_test_shows_only_a_generic_message():
    course, _ = tiny.graded_course()
    text = _page(course, "s02_mistakes")
    assert "Hidden tests failed" in text
    assert "Score: 0 / 3" in text and "All checks passed. Score: 2 / 2" in text
    assert "-25" not in text  # the value the hidden test got


def test_failing_visible_check_shows_its_message():
    course, _ = tiny.graded_course()
    text = _page(course, "s04_syntax_error")
    assert "NameError: name 'square' is not defined" in text
    assert "Hidden tests failed" not in text


def test_unreadable_submission_gets_a_page_saying_why():
    course, _ = tiny.graded_course()
    text = _page(course, "s11_invalid_json")
    assert "could not be graded" in text and "not a valid notebook" in text


def _grade_cell(source: str, traceback_line: int | None, outputs=None):
    cell = nbformat.v4.new_code_cell(source)
    tb = [f"Cell In[7], line {traceback_line}"] if traceback_line else []
    cell.outputs = outputs if outputs is not None else [nbformat.v4.new_output(
        "error", ename="AssertionError", evalue="wrong: expected 42", traceback=tb)]
    return cell


SOURCE = "check(f)\n### BEGIN HIDDEN TESTS\nassert f(1) == 42\n### END HIDDEN TESTS\n"


@pytest.mark.parametrize("line, shown", [(1, "AssertionError: wrong: expected 42"), (3, "Hidden tests failed"),
                                         (None, "Hidden tests failed")])
def test_error_is_attributed_to_the_visible_or_hidden_part(line, shown):
    cell = _grade_cell(SOURCE, line)
    feedback.clean_grade_cell(cell, 0.0, 2.0)
    text = "".join(o.text for o in cell.outputs)
    assert shown in text and "Score: 0 / 2" in text
    assert "f(1) == 42" not in cell.source and "HIDDEN" not in cell.source
    if line != 1:  # no frame (line None) may be a hidden check: its message could hold expected values
        assert "42" not in text


@pytest.mark.parametrize("ename", [feedback.KERNEL_DIED, feedback.NOT_RUN])
def test_dead_kernel_or_cell_not_run_shows_its_message_without_a_line(ename):
    cell = _grade_cell(SOURCE, None, outputs=[nbformat.v4.new_output(
        "error", ename=ename, evalue="the kernel died", traceback=[])])
    feedback.clean_grade_cell(cell, 0.0, 2.0)
    text = "".join(o.text for o in cell.outputs)
    assert f"{ename}: the kernel died" in text and "Hidden tests failed" not in text and "Score: 0 / 2" in text


def test_outputs_of_hidden_part_are_dropped_even_without_error():
    cell = _grade_cell(SOURCE, None, outputs=[nbformat.v4.new_output("stream", name="stdout", text="expected 42\n")])
    feedback.clean_grade_cell(cell, 2.0, 2.0)
    assert [o.text for o in cell.outputs] == ["All checks passed. Score: 2 / 2\n"]


def test_only_allowlisted_outputs_are_kept():
    """Text, plain data and PNG/JPEG plots stay; errors lose their traceback; HTML, scripts, SVG and widgets go."""
    err = nbformat.v4.new_output("error", ename="ValueError", evalue="shapes (2,3) and (4,5)",
                                 traceback=["secret frame in a reference file"])
    printed = nbformat.v4.new_output("stream", name="stdout", text="loss 0.25\n")
    shown = nbformat.v4.new_output("execute_result", execution_count=3, data={
        "text/plain": "array([1, 2])", "text/html": "<img src='https://example.org/x.png'>",
        "application/javascript": "fetch('https://example.org')"})
    plot = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0K", "image/svg+xml": "<svg/>"})
    dropped = [nbformat.v4.new_output("display_data", data={"text/html": "<script>alert(1)</script>"}),
               nbformat.v4.new_output("display_data", data={
                   "application/vnd.jupyter.widget-view+json": {"model_id": "x"}})]
    cleaned = feedback.clean_outputs([err, printed, shown, plot, *dropped])
    assert [o.get("text") or dict(o.data) for o in cleaned] == [
        "ValueError: shapes (2,3) and (4,5)\n", "loss 0.25\n", {"text/plain": "array([1, 2])"},
        {"image/png": "iVBORw0K"}]


def test_a_hidden_verdict_shows_its_message_and_nothing_the_cell_printed():
    """What a student function printed while hidden code called it (say base64 of what it saw) never shows."""
    secret = "ATTACK base64 frame: ZGVmIHNlY3JldCgpOiBwYXNz"
    cell = _grade_cell(SOURCE, None, outputs=[
        nbformat.v4.new_output("stream", name="stdout", text=secret + "\n"),
        nbformat.v4.new_output("error", ename=feedback.HIDDEN_VERDICT, evalue="dx differs: relative error 1",
                               traceback=[])])
    feedback.clean_grade_cell(cell, 0.0, 2.0)
    text = "".join(o.text for o in cell.outputs)
    assert "HiddenTestFailed: dx differs: relative error 1" in text and "Score: 0 / 2" in text
    assert "ZGVm" not in text and "ATTACK" not in text


RESOURCE_LINKS = re.compile(r"""(?:\bsrc|\bhref)\s*=\s*["']([^"']+)|url\(\s*["']?([^"')]+)|"""
                            r"""\bimport\b[^;]*?\bfrom\s*["']([^"']+)|@import\s*["']([^"']+)""")


def loaded_resources(page: str) -> list[str]:
    """Every address the page loads: script/link/img sources, CSS url(...) and @import, ES module imports."""
    page = re.sub(r"/\*.*?\*/", "", page, flags=re.DOTALL)  # CSS comments cite web pages, they load nothing
    return [next(g for g in match.groups() if g) for match in RESOURCE_LINKS.finditer(page)]


def test_feedback_pages_load_nothing_remote_and_find_mathjax_beside_them():
    course, _ = tiny.graded_course()
    written = feedback.generate(course)
    pages = [p for p in written if "<script" in p.read_text()]
    assert pages
    for page in pages:
        resources = loaded_resources(page.read_text())
        assert [r for r in resources if re.match(r"(https?:)?//", r)] == [], page
        mathjax = [r for r in resources if "MathJax.js" in r]
        assert mathjax == [feedback.MATHJAX_URL], page
        local = (page.parent / mathjax[0].split("?")[0]).resolve()
        assert local.is_file() and local.read_text().startswith("/*")
        config = mathjax[0].split("config=")[1].split(",")[0]
        assert (local.parent / "config" / f"{config}.js").is_file()  # MathJax loads its config from here


def test_the_resource_search_finds_nbconverts_cdn_scripts():
    """nbconvert's own lab page loads MathJax and require.js from CDNs: the search above must see them."""
    from nbconvert import HTMLExporter

    page, _ = HTMLExporter(template_name="lab").from_notebook_node(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("$$x^2$$")]))
    remote = [r for r in loaded_resources(page) if r.startswith("https://")]
    assert any("mathjax" in r for r in remote) and any("require" in r for r in remote)


@pytest.mark.parametrize("assignment", real_course.assignments() or [pytest.param(None, marks=pytest.mark.skip(
    reason="source/ holds no assignment"))])
def test_course_feedback_hides_hidden_tests_and_reference(assignment):
    course, _ = real_course.graded_course()
    written = feedback.generate(course, [assignment])
    # One page per student, English and Chinese twins alike (the Chinese hidden verdicts are checked too).
    assert len(written) == len(real_course.STUDENTS) + len(real_course.CHINESE_TWINS)
    nb = nbformat.read(course.path("source", assignment, f"{assignment}.ipynb"), as_version=4)
    own = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")}
    forbidden = hidden_lines(course) + reference_sources(own)
    for path in written:
        assert leaks(visible_text(path.read_text()), forbidden) == [], path
        assert leaks(path.read_text(), forbidden) == [], path
