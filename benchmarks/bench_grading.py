"""Benchmark: plain ``nbgrader autograde`` calls against ``python -m autograder grade``.

    .venv/bin/python benchmarks/bench_grading.py [--students 12] [--workers N] [ASSIGNMENT...]

Builds one sample class (the personas plain nbgrader can grade: no dying
kernel, no memory hog, no malformed file, no endless loop) for every
assignment in source/, in two identical scratch courses, then grades

(a) course A with a loop of ``nbgrader autograde ASSIGNMENT --student S``,
(b) course B with ``autograder.grading.grade`` (what ``python -m autograder
    grade`` runs: Dask cluster start included),

checks that both gradebooks hold identical grades, and prints the throughput
(student-notebooks per minute), the ratio and where (b)'s time goes.
Not a test: it takes minutes.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import sample_class
from autograder.course_dir import Course, create_scratch
from autograder.process_env import grading_env
from autograder.gradebook import class_scores
from autograder.grading import grade
from autograder.release import release

# Plain nbgrader drops deleted test cells unless told to restore them, as we do.
PLAIN_NBGRADER_EXTRA = "c.OverwriteCells.add_missing_cells = True\n"


def build(root: Path, assignments: list[str], students: int) -> tuple[Course, Course]:
    course_a = create_scratch(root / "plain", assignments)
    release(course_a, assignments)
    personas = sample_class.BENCHMARK_PERSONAS
    sample_class.build(course_a, assignments, students={
        f"b{i + 1:02d}_{personas[i % len(personas)]}": personas[i % len(personas)] for i in range(students)})
    config = course_a.root / "nbgrader_config.py"
    config.write_text(config.read_text() + PLAIN_NBGRADER_EXTRA)
    shutil.copytree(course_a.root, root / "dask")  # the same released assignments and gradebook
    course_b = Course.open(root / "dask")
    return course_a, course_b


def plain_loop(course: Course, assignments: list[str]) -> float:
    env = grading_env()
    start = time.monotonic()
    for assignment in assignments:
        for student in course.students(assignment):
            subprocess.run(["nbgrader", "autograde", assignment, "--student", student, "--force"],
                           cwd=course.root, env=env, check=True, capture_output=True)
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="default: every assignment in source/")
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--workers", type=int, help="default: one per core")
    parser.add_argument("--keep", action="store_true", help="keep the scratch courses")
    args = parser.parse_args()
    assignments = args.assignments or Course.open().assignments()
    root = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        course_a, course_b = build(root, assignments, args.students)
        n = args.students * len(assignments)
        print(f"{args.students} students x {len(assignments)} assignments = {n} notebooks", flush=True)

        plain_seconds = plain_loop(course_a, assignments)
        print(f"(a) nbgrader autograde loop: {plain_seconds:.1f} s, {n / plain_seconds * 60:.1f} notebooks/min",
              flush=True)

        start = time.monotonic()
        results = grade(course_b, assignments, workers=args.workers, progress=False)
        ours = time.monotonic() - start
        print(f"(b) autograder grade:        {ours:.1f} s, {n / ours * 60:.1f} notebooks/min")
        print(f"ratio: {plain_seconds / ours:.2f}x")

        a = class_scores(course_a.db_url, course_a.course_id)["scores"]
        b = class_scores(course_b.db_url, course_b.course_id)["scores"]
        if a != b:
            diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            print("GRADES DIFFER:", diff[:10])
            return 1
        print(f"grades identical: {len(a)} submissions")

        kernel = sum(r.timings["kernel_start"] for r in results)
        execute = sum(r.timings["execute"] for r in results)
        task = sum(r.seconds for r in results)
        print(f"where (b)'s task time goes (summed over {len(results)} tasks, {args.workers or 'all'} workers):")
        print(f"  kernel start {kernel:.1f} s ({kernel / task:.0%}), cell execution {execute:.1f} s "
              f"({execute / task:.0%}), nbgrader + gradebook {task - kernel - execute:.1f} s "
              f"({(task - kernel - execute) / task:.0%}) of {task:.1f} s")
        print(f"  per notebook: (a) {plain_seconds / n:.2f} s wall; (b) {task / n:.2f} s in a task, "
              f"{ours / n:.2f} s wall")
    finally:
        if args.keep:
            print("kept", root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
