"""``python -m autograder demo`` (``make demo``): the whole pipeline on the sample class.

From a fresh clone: copies the assignments into a scratch course (build/demo/),
releases them, writes the sample class's submissions, grades them on an SQLite
gradebook, and writes grades.csv, report.html and the feedback. By default only
the first two assignments, to stay within a couple of minutes on two cores.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from .course_dir import Course, create_scratch
from .limits import GradingLimits

DEFAULT_COUNT = 2
# Short limits: the sample class holds an endless loop, and grading the
# course's notebooks takes seconds.
DEMO_LIMITS = GradingLimits(cell_timeout=15, notebook_timeout=300)


def run(root: Path, assignments: list[str] | None = None, workers: int | None = None,
        all_assignments: bool = False) -> int:
    from . import export, feedback, report, sample_class
    from .grading import grade, table
    from .release import release

    available = Course.open().assignments()
    if not available:
        print("source/ holds no assignment yet: nothing to demonstrate.")
        return 1
    chosen = available if all_assignments else (assignments or available[:DEFAULT_COUNT])
    start = time.monotonic()
    if root.exists():
        shutil.rmtree(root)
    course = create_scratch(root, chosen)
    release(course, chosen)
    # Every assignment: the hostile students too (see autograder.attacks).
    personas = sample_class.PERSONAS + (sample_class.ATTACKERS if all_assignments else [])
    students = sample_class.build(course, chosen, [p.student for p in personas])
    print(f"sample class: {len(students)} students x {len(chosen)} assignments ({', '.join(chosen)}) in {root}")
    for persona in personas:
        print(f"  {persona.student:22s} {persona.about}")
    results = grade(course, chosen, workers=workers, limits=DEMO_LIMITS)
    print(table(course, results))
    csv_path = export.export(course, root / "grades.csv")
    report_path = report.write(course, root / "report.html")
    written = feedback.generate(course, chosen)
    print(f"\n{csv_path}\n{report_path}\n{len(written)} feedback files under {course.path('feedback')}")
    print(f"demo finished in {time.monotonic() - start:.0f} s")
    return 0
