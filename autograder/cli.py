"""``python -m autograder COMMAND``: release, bundle, collect, grade, feedback, export, report, demo."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course_dir import REPO_ROOT, Course


def _course(args) -> Course:
    return Course.open(args.course, args.db)


def cmd_release(args) -> int:
    from .release import release

    course = _course(args)
    done = release(course, args.assignments)
    print("released:", ", ".join(done) if done else "nothing (source/ is empty)")
    if args.exchange and done:
        from .exchange import release_to_exchange

        release_to_exchange(course, done, args.exchange)
        print(f"in the exchange {args.exchange} for course {course.course_id}:", ", ".join(done))
    return 0


def cmd_bundle(args) -> int:
    from .bundle import bundle

    print("wrote", bundle(_course(args), args.dist))
    return 0


def cmd_collect(args) -> int:
    course = _course(args)
    if args.zip is None:
        from .exchange import collect_from_exchange

        students = collect_from_exchange(course, args.assignment, args.exchange)
        print(f"collected {len(students)} submissions of {args.assignment}:", ", ".join(students))
        return 0
    from .zip_collect import collect_zip

    result = collect_zip(course, args.assignment, args.zip, args.pattern)
    for student, files in result.collected.items():
        stamp = result.timestamps.get(student, "no timestamp")
        print(f"collected {student}: {', '.join(files)} (submitted {stamp})")
    for skipped in result.unmatched:
        print(f"NOT COLLECTED {skipped.path}: {skipped.reason}")
    print(f"{len(result.collected)} students collected, {len(result.unmatched)} files not collected")
    return 1 if result.unmatched else 0


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
    p.add_argument("--exchange", metavar="DIR", help="also hand them out through nbgrader's exchange in DIR "
                                                     "(nbgrader release_assignment)")

    p = command("bundle", cmd_bundle, "Write the student zip: release/ notebooks, the course package, "
                                      "requirements, README (never source/ or autograder/).")
    p.add_argument("--dist", type=Path, help="output folder (default: COURSE/dist)")

    p = command("collect", cmd_collect, "Collect submissions into submitted/: from nbgrader's exchange, "
                                        "or from a learning platform's zip with --zip.")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--exchange", metavar="DIR", help="exchange folder (default: Exchange.root of nbgrader's config)")
    p.add_argument("--zip", type=Path, metavar="FILE.zip", help="a platform's 'download all submissions' archive "
                                                                "(Canvas, Moodle); exits 1 when a file is left out")
    p.add_argument("--pattern", action="append", metavar="REGEX",
                   help="file-name pattern with groups (?P<student_id>...) and (?P<file_id>...) matched against "
                        "each path in the zip; repeatable (default: Canvas's and Moodle's naming)")

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
