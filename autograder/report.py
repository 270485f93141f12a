"""An HTML page for the instructor: how the class did, and on what.

Per assignment: a histogram of the points students got, and the pass rate of
every grade cell (share of submissions with full marks on it), lowest first,
so the function the class got wrong stands out. Then the grading outcome of
every submission that was not simply "graded".
"""
from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from .course_dir import Course
from .gradebook import class_scores

LOW_PASS_RATE = 0.5


def histogram_png(points: list[float], max_points: float, title: str) -> str:
    """Base64 PNG of a histogram of ``points`` on [0, max_points]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 2.6), dpi=90)
    bins = min(20, max(5, int(max_points) or 5))
    ax.hist(points, bins=bins, range=(0, max_points or 1), color="#4477aa", edgecolor="white")
    ax.set_xlabel("points")
    ax.set_ylabel("students")
    ax.set_title(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def pass_rates(scores: dict, assignment: str, cells: dict[str, float]) -> dict[str, float]:
    """{grade cell: share of this assignment's submissions with full marks on it}."""
    submissions = [s for (student, a), s in scores.items() if a == assignment]
    if not submissions:
        return {cell: 0.0 for cell in cells}
    return {cell: sum(s.get(cell, 0) >= points - 1e-9 for s in submissions) / len(submissions)
            for cell, points in cells.items()}


def assignment_section(name: str, cells: dict[str, float], scores: dict) -> str:
    totals = [sum(s.values()) for (student, a), s in sorted(scores.items()) if a == name]
    best = sum(cells.values())
    rates = pass_rates(scores, name, cells)
    rows = "".join(
        f"<tr class='{'low' if rate < LOW_PASS_RATE else ''}'><td><code>{html.escape(cell)}</code></td>"
        f"<td>{cells[cell]:g}</td><td>{rate:.0%}</td></tr>"
        for cell, rate in sorted(rates.items(), key=lambda kv: (kv[1], kv[0])))
    mean = sum(totals) / len(totals) if totals else 0.0
    image = histogram_png(totals, best, name) if totals else ""
    picture = f"<img alt='histogram of {html.escape(name)}' src='data:image/png;base64,{image}'>" if image else ""
    return (f"<section><h2>{html.escape(name)}</h2><p>{len(totals)} submissions, mean {mean:.2f} / {best:g}"
            f"</p>{picture}<table><tr><th>grade cell</th><th>points</th><th>pass rate</th></tr>{rows}</table>"
            "</section>")


def outcome_section(outcomes: list[dict]) -> str:
    unusual = [o for o in sorted(outcomes, key=lambda o: (o["student"], o["assignment"]))
               if o["outcome"] != "graded" or not o.get("sandboxed", True)]
    if not unusual:
        return ""
    unsandboxed = sum(not o.get("sandboxed", True) for o in outcomes)
    warning = (f"<p><b>{unsandboxed} submission(s) graded unsandboxed (--no-sandbox)</b>: their code ran "
               "unconfined.</p>") if unsandboxed else ""
    rows = "".join(f"<tr><td>{html.escape(o['student'])}</td><td>{html.escape(o['assignment'])}</td>"
                   f"<td>{html.escape(o['outcome'])}</td><td>{html.escape('; '.join(o['notes']))}</td></tr>"
                   for o in unusual)
    return (f"<section><h2>Submissions that needed care</h2>{warning}<table><tr><th>student</th><th>assignment</th>"
            f"<th>outcome</th><th>notes</th></tr>{rows}</table></section>")


STYLE = """body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}
tr.low td{background:#fde0dc}section{margin-bottom:2.5em}"""


def build(course: Course) -> str:
    from .results import load_outcomes

    data = class_scores(course.db_url, course.course_id)
    sections = "".join(assignment_section(name, cells, data["scores"]) for name, cells in data["assignments"].items())
    outcomes = load_outcomes(course)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Grades report</title><style>{STYLE}"
            f"</style></head><body><h1>Grades report</h1><p>{len(data['students'])} students. Grade cells "
            f"passed by fewer than {LOW_PASS_RATE:.0%} of the class are highlighted.</p>{sections}"
            f"{outcome_section(outcomes)}</body></html>")


def write(course: Course, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(build(course))
    return path
