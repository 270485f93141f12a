"""Import a learning platform's "download all submissions" archive into submitted/.

This is nbgrader's ``zip_collect`` (ZipCollectApp with its extractor and
file-name collector plugins) with two course plugins:

- :class:`ArchiveTimesExtractor` keeps the time the archive records for each
  file (the platform's submission time), so a late submission stays late;
- :class:`PlatformCollector` matches each extracted file against the naming
  schemes of the common platforms (or the instructor's own pattern) and keeps
  a list of every file it could not place, with the reason.

Platform naming (each file of the archive, "download all submissions"):

- Canvas: ``<lastfirst>_<userid>_<submissionid>_<original name>``, with ``LATE_``
  after the name when late and ``-1``, ``-2``... before the extension for a
  student's later uploads of the same file;
- Moodle: ``<Full Name>_<participant id>_assignsubmission_file_<original name>``,
  or the same as a folder holding the file ("download submissions in folders").
"""
from __future__ import annotations

import copy
import datetime
import os
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.plugins import ExtractorPlugin, FileNameCollectorPlugin
from traitlets import List, Unicode

from .course_dir import Course

_NOTEBOOK_OR_FILE = r"(?P<file_id>[^/]+?)(?:-\d+)?\.(?:ipynb|npz)"
PLATFORM_PATTERNS = {
    "canvas": r"(?:.*/)?(?P<student_id>[A-Za-z0-9-]+)_(?:LATE_)?\d+_\d+_" + _NOTEBOOK_OR_FILE,
    "moodle": r"(?:.*/)?(?P<student_id>[^/_]+_\d+)_assignsubmission_file_?[/_]" + _NOTEBOOK_OR_FILE,
}
# Submitted files the course grades: notebooks and 07's trained model.
SUBMITTED_EXTENSIONS = [".ipynb", ".npz"]


@dataclass(frozen=True)
class Unmatched:
    path: str  # relative to the archive
    reason: str


@dataclass
class ZipCollection:
    """What ``collect --zip`` did: files placed per student, and every file it could not place."""

    collected: dict[str, list[str]] = field(default_factory=dict)  # student -> submitted files
    timestamps: dict[str, str] = field(default_factory=dict)  # student -> timestamp.txt
    unmatched: list[Unmatched] = field(default_factory=list)


def student_slug(name: str) -> str:
    """A folder-safe student id: ``Jane Smith_4567`` -> ``jane-smith_4567``."""
    return re.sub(r"[^a-z0-9_]+", "-", name.strip().lower()).strip("-")


class ArchiveTimesExtractor(ExtractorPlugin):
    """nbgrader's extractor, then each extracted file gets the time stored in its archive."""

    archive_timezone = Unicode("UTC", help="Time zone of the times the platform's archive records "
                                           "(ZIP stores local times without a zone).").tag(config=True)

    def extract(self, archive_path: str, extracted_path: str) -> None:
        super().extract(archive_path, extracted_path)
        from dateutil.tz import gettz

        zone = gettz(self.archive_timezone)
        for root, _, names in os.walk(archive_path):
            for name in names:
                stem, ext = os.path.splitext(name)
                if ext != ".zip":
                    continue
                # nbgrader extracts <root>/<name>.zip into <extracted>/<root>/<name>/
                dest = Path(extracted_path, os.path.relpath(root, archive_path), stem)
                with zipfile.ZipFile(os.path.join(root, name)) as archive:
                    for info in archive.infolist():
                        target = dest / info.filename
                        if not info.is_dir() and target.is_file():
                            when = datetime.datetime(*info.date_time, tzinfo=zone).timestamp()
                            os.utime(target, (when, when))


class PlatformCollector(FileNameCollectorPlugin):
    """Matches a file against each platform's naming; remembers what it could not match."""

    patterns = List(Unicode(), default_value=list(PLATFORM_PATTERNS.values()),
                    help="Regular expressions tried in turn on each file's path inside the archive; "
                         "each names the groups `student_id` and `file_id` "
                         "(optionally `timestamp`).").tag(config=True)
    valid_ext = List(default_value=SUBMITTED_EXTENSIONS,
                     help="Extensions of the files students submit.").tag(config=True)
    released = List(Unicode(), help="File names of the released assignment (matched files must be one).",
                    ).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.unmatched: list[Unmatched] = []
        self.students: set[str] = set()

    def collect(self, submitted_file: str) -> dict | None:
        extracted = self.parent._format_collect_path(self.parent.extracted_directory)
        relative = os.path.relpath(submitted_file, extracted).replace(os.sep, "/")
        ext = os.path.splitext(submitted_file)[1]
        if ext not in self.valid_ext:
            return self._skip(relative, f"not a submitted file type ({', '.join(self.valid_ext)})")
        found = next((m for m in (re.fullmatch(p, relative) for p in self.patterns) if m), None)
        if found is None:
            return self._skip(relative, "its name matches no platform pattern (see --pattern)")
        file_name = found["file_id"] + ext
        if self.released and file_name not in self.released:
            return self._skip(relative, f"{file_name} is not a file of this assignment")
        info = {"student_id": student_slug(found["student_id"]), "file_id": file_name}
        self.students.add(info["student_id"])
        stamp = found.groupdict().get("timestamp")
        info["timestamp"] = stamp or datetime.datetime.fromtimestamp(
            os.path.getmtime(submitted_file), datetime.UTC).isoformat(" ")
        return info

    def _skip(self, relative: str, reason: str) -> None:
        self.unmatched.append(Unmatched(relative, reason))


def released_files(course: Course, assignment: str) -> list[str]:
    """The files a student hands in: the released notebooks, plus the model 07 trains."""
    from nbgrader.utils import find_all_notebooks

    notebooks = find_all_notebooks(str(course.path("release", assignment)))
    extra = course.config.Autograde.get("exclude_overwriting", {}).get(assignment, [])
    return sorted(notebooks) + list(extra)


def collect_zip(course: Course, assignment: str, archive: str | os.PathLike,
                patterns: list[str] | None = None) -> ZipCollection:
    """Extract ``archive`` and copy each student's files to submitted/<student>/<assignment>/.

    Every file is either collected or listed in ``unmatched`` with its reason.
    A student already in submitted/ is replaced by the archive's version.
    """
    from nbgrader.apps.zipcollectapp import ZipCollectApp

    if course.assignments() and assignment not in course.assignments():
        raise SystemExit(f"no such assignment in {course.path('source')}: {assignment}")
    config = copy.deepcopy(course.config)  # the course's own stays as read
    config.ZipCollectApp.force = True
    config.ExtractorPlugin.force = True
    config.ZipCollectApp.extractor_plugin = ArchiveTimesExtractor
    config.ZipCollectApp.collector_plugin = PlatformCollector
    config.PlatformCollector.released = released_files(course, assignment)
    if patterns:
        config.PlatformCollector.patterns = list(patterns)

    app = ZipCollectApp(config=config)
    app.coursedir = course.coursedir(assignment)
    archive_dir = Path(app._format_collect_path(app.archive_directory))
    if archive_dir.exists():
        shutil.rmtree(archive_dir)
    archive_dir.mkdir(parents=True)
    shutil.copy(archive, archive_dir / Path(archive).name)
    app.init_plugins()
    app.extract_archive_files()
    app.process_extracted_files()

    collector = app.collector_plugin_inst
    result = ZipCollection(unmatched=sorted(collector.unmatched, key=lambda u: u.path))
    for student in sorted(collector.students):
        folder = course.path("submitted", student, assignment)
        result.collected[student] = sorted(p.name for p in folder.iterdir() if p.name != "timestamp.txt")
        stamp = folder / "timestamp.txt"
        if stamp.exists():
            result.timestamps[student] = stamp.read_text().strip()
    return result
