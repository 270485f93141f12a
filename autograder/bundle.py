"""The student bundle: ``dist/<course>-student-<version>.zip``.

Everything a student needs to work alone: the released notebooks, the
``course`` package, pinned requirements, a README and a Makefile whose ``make
lab`` sets up a virtualenv and opens JupyterLab at the first notebook. Never
``source/``, ``autograder/`` or the instructor's trained model.
"""
from __future__ import annotations

import re
import tomllib
import zipfile
from pathlib import Path

from .course_dir import REPO_ROOT, Course

# What a student installs besides the `course` package's own dependencies.
STUDENT_TOOLS = ["jupyterlab", "nbgrader", "ipykernel", "ipywidgets"]
STUDENT_FILES = Path(__file__).with_name("student")  # README.md and Makefile of the bundle
SKIPPED = {"__pycache__", ".ipynb_checkpoints"}


def project() -> dict:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]


def pinned_versions() -> dict[str, str]:
    """name -> version from requirements.txt and constraints.txt (names normalized)."""
    pins = {}
    for name in ("constraints.txt", "requirements.txt"):
        for line in (REPO_ROOT / name).read_text().splitlines():
            match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line.strip())
            if match:
                pins[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return pins


def student_requirements() -> str:
    """One pinned line per package a student installs."""
    pins = pinned_versions()
    names = [re.split(r"[<>=!~ ;\[]", dep)[0] for dep in project()["dependencies"]] + STUDENT_TOOLS
    return "".join(f"{name}=={pins[re.sub(r'[-_.]+', '-', name).lower()]}\n" for name in names)


def _files(folder: Path, ignore: list[str]):
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not SKIPPED & set(relative.parts) and not any(path.match(p) for p in ignore):
            yield path, relative


def bundle(course: Course, dist: Path | None = None) -> Path:
    """Write the student zip from release/ (run ``release`` first); returns its path."""
    meta = project()
    top = f"{course.course_id}-student-{meta['version']}"
    dist = Path(dist or course.path("dist"))
    dist.mkdir(parents=True, exist_ok=True)
    target = dist / f"{top}.zip"
    release = course.path("release")
    missing = [a for a in course.assignments() if not (release / a).is_dir()]
    if missing:
        raise SystemExit(f"not released yet (run `release` first): {', '.join(missing)}")
    # The release-only ignore list keeps the instructor's trained model out.
    ignore = list(course.config.GenerateAssignmentApp.CourseDirectory.get("ignore", []))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for assignment in course.assignments():
            for path, relative in _files(release / assignment, ignore):
                archive.write(path, f"{top}/release/{assignment}/{relative}")
        for path, relative in _files(REPO_ROOT / "course", ["*.pyc"]):
            archive.write(path, f"{top}/course/{relative}")
        for path, relative in _files(STUDENT_FILES, []):
            archive.write(path, f"{top}/{relative}")
        archive.writestr(f"{top}/requirements.txt", student_requirements())
    return target
