"""Feedback HTML that never shows hidden tests, reference code or expected values.

nbgrader's generate_feedback renders the graded notebook as it is: hidden
tests, and the tracebacks of failing hidden tests, which print the hidden
code and often the expected values. Here every cell is cleaned first:

- hidden-test regions are cut out of every cell's source;
- a grade cell that holds hidden tests shows only its score and, when it
  failed, the visible check's message (its error was raised above the hidden
  region), the hidden verdict's student-safe message, or "hidden tests
  failed"; nothing else it printed (a student function called by hidden code
  may print what it saw there, in any encoding);
- every other cell keeps only an allowlist of the student's own outputs: text
  streams, plain text and PNG/JPEG images; errors show only "ErrorName:
  message" (tracebacks can walk into instructor code); HTML, JavaScript, SVG
  and widgets are dropped (they could load remote content or run scripts).

Written to feedback/<student>/<assignment>/<notebook>.html, plus a page for a
submission that could not be graded at all. Pages render their mathematics
with the MathJax copy of ``jupyter-server-mathjax``, written once to
feedback/mathjax/ and linked relatively: they open without a network.
"""
from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from .course_dir import Course
from .gradebook import class_scores
from .preprocessors import KERNEL_DIED, NOT_RUN

BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
HIDDEN_REGION = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?(^[ \t]*### END HIDDEN TESTS[ \t]*\n?|\Z)",
                           re.MULTILINE | re.DOTALL)
# The outputs a feedback page keeps (everything else is dropped): the student's own text and plots.
ALLOWED_MIME = ("text/plain", "image/png", "image/jpeg")
HIDDEN_VERDICT = "HiddenTestFailed"  # the error autograder.verdicts.JudgeHiddenChecks adds: a safe message
MATHJAX_DIR = "mathjax"  # under feedback/: the pages sit two folders below it
MATHJAX_URL = f"../../{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
TEMPLATES = Path(__file__).parent / "templates"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
CELL_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")
HIDDEN_FAILED = ("Hidden tests failed: your code passes the visible checks but gives a wrong result "
                 "on cases they do not cover (other inputs, edge cases, inputs left unmodified).")


def strip_hidden(source: str) -> str:
    return HIDDEN_REGION.sub("", source).rstrip() + ("\n" if source.endswith("\n") else "")


def hidden_start_line(source: str) -> int | None:
    """1-based line where the hidden region starts, or None."""
    for number, line in enumerate(source.splitlines(), start=1):
        if line.strip().startswith(BEGIN_HIDDEN):
            return number
    return None


def _stream(text: str) -> NotebookNode:
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def _error_summary(output) -> str:
    evalue = ANSI.sub("", str(output.get("evalue", ""))).strip()
    return f"{output.get('ename', 'Error')}: {evalue}" if evalue else str(output.get("ename", "Error"))


def _failed_line(output) -> int | None:
    match = CELL_LINE.search(ANSI.sub("", "\n".join(output.get("traceback", []))))
    return int(match.group(1)) if match else None


def clean_outputs(outputs: list) -> list:
    """The allowlisted part of a cell's outputs (see the module docstring)."""
    cleaned = []
    for out in outputs:
        if out.output_type == "error":
            cleaned.append(_stream(_error_summary(out) + "\n"))
        elif out.output_type == "stream":
            cleaned.append(nbformat.v4.new_output("stream", name=out.get("name", "stdout"), text=out.get("text", "")))
        elif out.output_type in ("display_data", "execute_result"):
            data = {k: v for k, v in out.get("data", {}).items() if k in ALLOWED_MIME}
            if data:
                cleaned.append(nbformat.v4.new_output("display_data", data=data))
    return cleaned


def clean_grade_cell(cell, score: float | None, max_score: float) -> None:
    hidden_at = hidden_start_line(cell.source)
    errors = [o for o in cell.outputs if o.output_type == "error"]
    verdict = f"Score: {score if score is not None else 0:g} / {max_score:g}"
    if hidden_at is None:
        cell.outputs = clean_outputs(cell.outputs) + [_stream(verdict + "\n")]
    elif not errors:
        cell.outputs = [_stream(f"All checks passed. {verdict}\n")]
    else:
        line = _failed_line(errors[0])
        visible = line is not None and line < hidden_at
        # No "Cell In[n], line N" frame: the error may come from a hidden check, so only a dead
        # kernel, a cell that never ran or the hidden verdict (written to be shown) shows its message.
        message = _error_summary(errors[0]) if visible or errors[0].get("ename") in (
            KERNEL_DIED, NOT_RUN, HIDDEN_VERDICT) else HIDDEN_FAILED
        cell.outputs = [_stream(f"{message}\n{verdict}\n")]
    cell.source = strip_hidden(cell.source)


def clean_notebook(nb, scores: dict[str, float], max_scores: dict[str, float]):
    """A copy of the graded notebook fit for the student's eyes."""
    nb = nbformat.from_dict(nb)  # a deep copy: the caller's notebook stays as it is
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            grade_id = meta.get("grade_id", "")
            clean_grade_cell(cell, scores.get(grade_id), max_scores.get(grade_id, 0.0))
        else:
            cell.source = strip_hidden(cell.source)
            if cell.cell_type == "code":
                cell.outputs = clean_outputs(cell.outputs)
        cell.metadata = {}
    nb.metadata = {"kernelspec": nb.metadata.get("kernelspec", {}),
                   "language_info": {"name": "python"}}
    return nb


def summary_cell(student: str, assignment: str, scores: dict, max_scores: dict, outcome: str | None):
    rows = "\n".join(f"| `{cell}` | {scores.get(cell, 0):g} | {points:g} |" for cell, points in max_scores.items())
    got, best = sum(scores.get(c, 0) for c in max_scores), sum(max_scores.values())
    status = f"\n\nGrading outcome: **{outcome}**" if outcome and outcome != "graded" else ""
    return nbformat.v4.new_markdown_cell(
        f"# Feedback: {assignment}\n\nStudent: `{student}` — **{got:g} / {best:g} points**{status}\n\n"
        f"| test | points | out of |\n|---|---|---|\n{rows}")


def render(nb) -> str:
    """The page: nbconvert's lab template without its CDN scripts (templates/feedback), MathJax local."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="feedback", extra_template_basedirs=[str(TEMPLATES)],
                            mathjax_url=MATHJAX_URL)
    body, _ = exporter.from_notebook_node(nb)
    return body


def install_mathjax(feedback_dir: Path) -> Path:
    """Copy MathJax 2.7 (the static files of jupyter-server-mathjax) to feedback_dir/mathjax, once."""
    import jupyter_server_mathjax

    dest = feedback_dir / MATHJAX_DIR
    if not (dest / "MathJax.js").exists():
        shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", dest, dirs_exist_ok=True)
    return dest


def not_graded_page(student: str, assignment: str, notes: list[str], max_score: float) -> str:
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Feedback: {html.escape(assignment)}"
            f"</title></head><body><h1>Feedback: {html.escape(assignment)}</h1>"
            f"<p>Student: {html.escape(student)} — <b>0 / {max_score:g} points</b></p>"
            f"<p>Your submission could not be graded:</p><ul>{items}</ul>"
            f"<p>Hand in the released notebook under its original name.</p></body></html>")


def generate(course: Course, assignments: list[str] | None = None, students: list[str] | None = None) -> list[Path]:
    """Write the feedback of every recorded submission; returns the files written."""
    from .results import load_outcomes

    data = class_scores(course.db_url, course.course_id)
    outcomes = {(o["student"], o["assignment"]): o for o in load_outcomes(course)}
    written = []
    install_mathjax(course.path("feedback"))
    for (student, assignment), scores in sorted(data["scores"].items()):
        if (assignments and assignment not in assignments) or (students and student not in students):
            continue
        max_scores = data["assignments"][assignment]
        outcome = outcomes.get((student, assignment), {})
        out_dir = course.path("feedback", student, assignment)
        out_dir.mkdir(parents=True, exist_ok=True)
        graded = sorted(course.path("autograded", student, assignment).glob("*.ipynb"))
        if outcome.get("outcome") == "malformed" or not graded:
            path = out_dir / f"{assignment}.html"
            path.write_text(not_graded_page(student, assignment, outcome.get("notes") or ["no graded notebook"],
                                            sum(max_scores.values())))
            written.append(path)
            continue
        for nb_path in graded:
            nb = clean_notebook(nbformat.read(nb_path, as_version=4), scores, max_scores)
            nb.cells.insert(0, summary_cell(student, assignment, scores, max_scores, outcome.get("outcome")))
            path = out_dir / f"{nb_path.stem}.html"
            path.write_text(render(nb))
            written.append(path)
    return written
