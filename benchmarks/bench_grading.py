"""Benchmark: plain ``nbgrader autograde`` calls against ``python -m autograder grade``.

    .venv/bin/python benchmarks/bench_grading.py [--students 12] [--workers N] [ASSIGNMENT...]

Builds one sample class (the personas plain nbgrader can grade: no dying
kernel, no memory hog, no malformed file, no endless loop) for every
assignment in source/, in two identical scratch courses, then grades

(a) course A with a loop of ``nbgrader autograde ASSIGNMENT --student S``,
(b) course B with ``autograder.grading.grade`` (what ``python -m autograder
    grade`` runs: Dask cluster start included), every kernel sandboxed,
(c) course C the same with ``--no-sandbox``,

checks that the three gradebooks hold identical grades, and prints the
throughput (student-notebooks per minute), the ratios (b)/(a) and the sandbox's
overhead (b)/(c), and where (b)'s time goes: sandbox setup, kernel start, cell
execution, hidden verdicts, the rest (nbgrader, gradebook).
Not a test: it takes minutes.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from autograder import sample_class
from autograder.course_dir import Course, create_scratch
from autograder.gradebook import class_scores
from autograder.grading import grade
from autograder.limits import GradingLimits
from autograder.process_env import grading_env
from autograder.release import release

# Plain nbgrader drops deleted test cells unless told to restore them, as we do,
# and gets the same time limit per cell.
PLAIN_NBGRADER_EXTRA = (f"c.OverwriteCells.add_missing_cells = True\n"
                        f"c.Execute.timeout = {GradingLimits().cell_timeout}\n")


def build(root: Path, assignments: list[str], students: int) -> tuple[Course, Course, Course]:
    course_a = create_scratch(root / "plain", assignments)
    release(course_a, assignments)
    personas = sample_class.BENCHMARK_PERSONAS
    sample_class.build(course_a, assignments, students={
        f"b{i + 1:02d}_{personas[i % len(personas)]}": personas[i % len(personas)] for i in range(students)})
    config = course_a.root / "nbgrader_config.py"
    config.write_text(config.read_text() + PLAIN_NBGRADER_EXTRA)
    copies = []
    for name in ("sandboxed", "unsandboxed"):  # the same released assignments and gradebook
        shutil.copytree(course_a.root, root / name)
        copies.append(Course.open(root / name))
    return course_a, *copies


def plain_loop(course: Course, assignments: list[str]) -> float:
    env = grading_env()
    start = time.monotonic()
    for assignment in assignments:
        for student in course.students(assignment):
            subprocess.run([sys.executable, "-m", "nbgrader", "autograde", assignment, "--student", student, "--force"],
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
        course_a, course_b, course_c = build(root, assignments, args.students)
        n = args.students * len(assignments)
        print(f"{args.students} students x {len(assignments)} assignments = {n} notebooks", flush=True)

        plain_seconds = plain_loop(course_a, assignments)
        print(f"(a) nbgrader autograde loop: {plain_seconds:.1f} s, {n / plain_seconds * 60:.1f} notebooks/min",
              flush=True)
        seconds, runs = {}, {}
        for label, course, sandbox in (("b", course_b, True), ("c", course_c, False)):
            start = time.monotonic()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # (c)'s --no-sandbox warning: expected here
                runs[label] = grade(course, assignments, workers=args.workers, progress=False, sandbox=sandbox)
            seconds[label] = time.monotonic() - start
            print(f"({label}) autograder grade{' --no-sandbox' * (not sandbox):13s} {seconds[label]:.1f} s, "
                  f"{n / seconds[label] * 60:.1f} notebooks/min", flush=True)
        print(f"ratio (b)/(a), sandboxed against plain nbgrader: {plain_seconds / seconds['b']:.2f}x (target >= 3)")
        print(f"sandbox overhead (b)/(c): {seconds['b'] / seconds['c'] - 1:+.1%} (target <= +10%)")

        gradebooks = {label: class_scores(c.db_url, c.course_id)["scores"]
                      for label, c in (("a", course_a), ("b", course_b), ("c", course_c))}
        for label in ("b", "c"):
            if gradebooks[label] != gradebooks["a"]:
                diff = sorted(k for k in set(gradebooks["a"]) | set(gradebooks[label])
                              if gradebooks["a"].get(k) != gradebooks[label].get(k))
                print(f"GRADES DIFFER between (a) and ({label}):", diff[:10])
                return 1
        print(f"grades identical: {len(gradebooks['a'])} submissions")

        results = runs["b"]
        task = sum(r.seconds or 0 for r in results)
        stages = {stage: sum(r.timings.get(stage, 0.0) for r in results)
                  for stage in ("sandbox", "kernel_start", "execute", "verdicts")}
        stages["nbgrader + gradebook"] = task - sum(stages.values())
        print(f"where (b)'s task time goes (summed over {len(results)} tasks, {args.workers or 'all'} workers, "
              f"{task:.1f} s):")
        print("  " + ", ".join(f"{stage} {value:.1f} s ({value / task:.0%})" for stage, value in stages.items()))
        print(f"  per notebook: (a) {plain_seconds / n:.2f} s wall; (b) {task / n:.2f} s in a task, "
              f"{seconds['b'] / n:.2f} s wall")
    finally:
        if args.keep:
            print("kept", root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
