"""The course model: where a course lives, its folders, its nbgrader configuration and its gradebook URL.

The real course is the repository itself (``source/``, ``release/``,
``submitted/``... beside ``nbgrader_config.py``). A scratch course is any other
folder with the same layout; it gets a small ``nbgrader_config.py`` that loads
the repository's settings and overrides only the root and the gradebook, so a
plain ``nbgrader`` command run there behaves exactly like ``python -m autograder``.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
REPO_CONFIG = REPO_ROOT / "nbgrader_config.py"

SCRATCH_CONFIG = '''"""Scratch course: the repository's nbgrader settings with this folder as root."""
import os

load_subconfig({repo_config!r})  # noqa: F821 - provided by traitlets
c = get_config()  # noqa: F821
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.db_url = {db_url!r}
'''


def normalize_db_url(url: str) -> str:
    """``postgresql://...`` with the driver that is installed (psycopg2 here).

    SQLAlchemy 2.1 reads a bare ``postgresql://`` as psycopg 3, which the
    course does not install.
    """
    import importlib.util

    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix) and importlib.util.find_spec("psycopg") is None:
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def sqlite_url(path: str | os.PathLike) -> str:
    return "sqlite:///" + str(Path(path).resolve())


def read_config(root: Path, db_url: str):
    """The nbgrader configuration: the repository's settings with ``root`` and ``db_url``."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    if REPO_CONFIG.exists():
        config.merge(PyFileConfigLoader(REPO_CONFIG.name, str(REPO_CONFIG.parent)).load_config())
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url
    return config


@dataclass(frozen=True)
class Course:
    """A course folder and the gradebook it writes to."""

    root: Path
    db_url: str
    # The nbgrader configuration (nbgrader_config.py with this root and gradebook), read once at open().
    config: object = field(compare=False, repr=False)

    @classmethod
    def open(cls, root: str | os.PathLike | None = None, db_url: str | None = None) -> "Course":
        root = Path(root or REPO_ROOT).resolve()
        db_url = normalize_db_url(db_url) if db_url else sqlite_url(root / "gradebook.db")
        return cls(root, db_url, read_config(root, db_url))

    @property
    def course_id(self) -> str:
        return str(self.config.CourseDirectory.get("course_id", "default_course"))

    def path(self, kind: str, *parts: str) -> Path:
        """``path("submitted", student, assignment)`` -> root/submitted/student/assignment."""
        return self.root.joinpath(kind, *parts)

    def assignments(self) -> list[str]:
        """Assignment ids found in source/ (folders holding a notebook), sorted."""
        source = self.path("source")
        if not source.is_dir():
            return []
        return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def students(self, assignment: str | None = None) -> list[str]:
        """Students with a folder under submitted/ (for ``assignment`` if given), sorted."""
        submitted = self.path("submitted")
        if not submitted.is_dir():
            return []
        return sorted(p.name for p in submitted.iterdir() if p.is_dir() and (
            assignment is None or (p / assignment).is_dir()))

    def limits(self):
        """The grading limits that nbgrader_config.py sets (``c.GradingLimits``)."""
        from .limits import GradingLimits

        return GradingLimits(config=self.config)

    def coursedir(self, assignment: str = "", student: str = "*"):
        from nbgrader.coursedir import CourseDirectory

        cd = CourseDirectory(config=self.config)
        cd.assignment_id = assignment
        cd.student_id = student
        return cd


def create_scratch(root: str | os.PathLike, assignments: list[str] | None = None,
                   source_root: str | os.PathLike | None = None, db_url: str | None = None) -> Course:
    """Make ``root`` a course holding copies of ``assignments`` from ``source_root``/source.

    ``source_root`` defaults to the repository; ``db_url`` to root/gradebook.db.
    """
    root = Path(root).resolve()
    src = Path(source_root or REPO_ROOT) / "source"
    chosen = assignments if assignments is not None else Course.open(src.parent).assignments()
    (root / "source").mkdir(parents=True, exist_ok=True)
    for assignment in chosen:
        dest = root / "source" / assignment
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src / assignment, dest, ignore=shutil.ignore_patterns(
            ".ipynb_checkpoints", "__pycache__", "*.pyc"))
    course = Course.open(root, db_url)
    (root / "nbgrader_config.py").write_text(SCRATCH_CONFIG.format(
        repo_config=str(REPO_CONFIG), db_url=course.db_url))
    return course
