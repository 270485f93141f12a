"""Where a course lives: its folders, its nbgrader configuration and its gradebook URL.

The real course is the repository itself (``source/``, ``release/``,
``submitted/``... beside ``nbgrader_config.py``). A scratch course is any other
folder with the same layout; it gets a small ``nbgrader_config.py`` that loads
the repository's settings and overrides only the root and the gradebook, so a
plain ``nbgrader`` command run there behaves exactly like ``python -m autograder``.
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Course:
    """A course folder and the gradebook it writes to."""

    root: Path
    db_url: str

    @classmethod
    def open(cls, root: str | os.PathLike | None = None, db_url: str | None = None) -> "Course":
        root = Path(root or REPO_ROOT).resolve()
        return cls(root, normalize_db_url(db_url) if db_url else sqlite_url(root / "gradebook.db"))

    @property
    def course_id(self) -> str:
        return str(self.config().CourseDirectory.get("course_id", "default_course"))

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

    def config(self):
        """The nbgrader configuration: the repository's settings, this root and gradebook."""
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        config = Config()
        if REPO_CONFIG.exists():
            config.merge(PyFileConfigLoader(REPO_CONFIG.name, str(REPO_CONFIG.parent)).load_config())
        config.CourseDirectory.root = str(self.root)
        config.CourseDirectory.db_url = self.db_url
        return config

    def coursedir(self, assignment: str = "", student: str = "*"):
        from nbgrader.coursedir import CourseDirectory

        cd = CourseDirectory(config=self.config())
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


def default_cifar_dir() -> str | None:
    """The CIFAR-10 subset beside the repository (as the Makefile finds it), if any."""
    candidate = REPO_ROOT.parent / "shared" / "data" / "cifar-10-subset"
    return str(candidate) if candidate.is_dir() else None


def grading_env(base: dict | None = None) -> dict:
    """Environment for every grading process and kernel.

    Set explicitly (not inherited by luck): kernels must import ``autograder``
    (course.previous loads the reference under autograde) and ``course``.
    """
    env = dict(os.environ if base is None else base)
    paths = [str(REPO_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                                if p and Path(p).resolve() != REPO_ROOT]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    if not env.get("CIFAR10_DIR") and default_cifar_dir():
        env["CIFAR10_DIR"] = default_cifar_dir()
    env.setdefault("MPLBACKEND", "Agg")
    # One BLAS thread per kernel: workers already use every core, and fewer
    # threads keep the address space small under the memory limit.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["MALLOC_ARENA_MAX"] = "2"
    env.pop("NBGRADER_EXECUTION", None)
    env["PATH"] = _with_venv_bin(env.get("PATH", ""))
    return env


def _with_venv_bin(path: str) -> str:
    # nbgrader runs the `alembic` command when it creates a gradebook: it must be
    # found even when the venv's python is called without activating the venv.
    venv_bin = os.path.dirname(sys.executable)
    return path if venv_bin in path.split(os.pathsep) else os.pathsep.join([venv_bin, path])


def prepare_process_env() -> None:
    """Make this process's environment the grading one (PATH, PYTHONPATH, CIFAR10_DIR...)."""
    os.environ.update(grading_env())
