"""``python -m autograder COMMAND``: release, grade, feedback, export, report, demo."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course_dir import REPO_ROOT, Course


def _course(args) -> Course:
    return Course.open(args.course, args.db)


def cmd_release(args) -> int:
    from .release import release

    done = release(_course(args), args.assignments)
    print("released:", ", ".join(done) if done else "nothing (source/ is empty)")
    return 0


def cmd_grade(args) -> int:
    from .grading import grade, table
    from .sandbox import SandboxUnavailable

    course = _course(args)
    limits = course.limits().override(
        cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout, memory_mb=args.memory_mb)
    try:
        results = grade(course, args.assignments, args.students, args.workers, args.scheduler, limits,
                        sandbox=not args.no_sandbox)
    except SandboxUnavailable as err:
        print(f"grade: no sandbox: {err}", file=sys.stderr)
        return 2
    print(table(course, results))
    return 0


def cmd_feedback(args) -> int:
    from .feedback import generate

    written = generate(_course(args), args.assignments, args.students)
    print(f"wrote {len(written)} feedback files under {_course(args).path('feedback')}")
    return 0


def cmd_export(args) -> int:
    from .export import export

    print("wrote", export(_course(args), args.output))
    return 0


def cmd_report(args) -> int:
    from .report import write

    print("wrote", write(_course(args), args.output))
    return 0


def cmd_demo(args) -> int:
    from .demo import run

    return run(Path(args.dir), args.assignments or None, args.workers, all_assignments=args.all)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder",
                                     description="Grade the course's notebooks: a whole class in parallel.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, func, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        if name != "demo":
            p.add_argument("--course", type=Path, default=REPO_ROOT,
                           help="course folder holding source/, submitted/... (default: the repository)")
            p.add_argument("--db", metavar="URL", help="gradebook URL (default: sqlite COURSE/gradebook.db), "
                                                       "e.g. postgresql://user@host/db")
        return p

    p = command("release", cmd_release, "Generate the student versions into release/.")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment in source/")

    p = command("grade", cmd_grade, "Autograde every submission under submitted/ in parallel.")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment in source/")
    p.add_argument("--students", nargs="+", metavar="STUDENT", help="only these students")
    p.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="grade on a running Dask cluster, e.g. "
                                                          "tls://host:8786 (TLS settings: Dask's configuration)")
    p.add_argument("--cell-timeout", type=int, metavar="S", help="seconds per cell (default: nbgrader_config.py)")
    p.add_argument("--notebook-timeout", type=int, metavar="S", help="seconds per student notebook")
    p.add_argument("--memory-mb", type=int, metavar="MB", help="memory limit per submission")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run student code unconfined, as this user (warns; outcomes say 'unsandboxed')")

    p = command("feedback", cmd_feedback, "Write feedback HTML (no hidden tests) under feedback/.")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: all graded")
    p.add_argument("--students", nargs="+", metavar="STUDENT", help="only these students")

    p = command("export", cmd_export, "Write grades as CSV: one row per student, a column per assignment, a total.")
    p.add_argument("--output", "-o", type=Path, default=Path("grades.csv"), help="default: grades.csv")

    p = command("report", cmd_report, "Write an HTML report: histograms and the pass rate of every grade cell.")
    p.add_argument("--output", "-o", type=Path, default=Path("report.html"), help="default: report.html")

    p = command("demo", cmd_demo, "Build the sample class in a scratch folder, grade it and write the report.")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                   help="default: the first two assignments in source/")
    p.add_argument("--all", action="store_true", help="grade every assignment in source/")
    p.add_argument("--dir", default=str(REPO_ROOT / "build" / "demo"), help="scratch folder (emptied first)")
    p.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
