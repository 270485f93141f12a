"""Handing assignments out and collecting them: nbgrader's exchange, a platform's zip, the student bundle."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import nbformat
import pytest
import tiny_assignment as tiny

from autograder import cli
from autograder.bundle import bundle, student_requirements
from autograder.course_dir import REPO_ROOT, Course, create_scratch
from autograder.exchange import collect_from_exchange, release_to_exchange
from autograder.release import release
from autograder.zip_collect import PLATFORM_PATTERNS, collect_zip

NOTEBOOK = f"{tiny.ASSIGNMENT}.ipynb"


@pytest.fixture
def course(tmp_path) -> Course:
    course = create_scratch(tmp_path / "course", [tiny.ASSIGNMENT], source_root=tiny.write_source(tmp_path / "src"))
    release(course)
    return course


def _student_exchange_app(action, course, exchange, student_dir, **traits):
    """A student's ``nbgrader fetch_assignment`` / ``nbgrader submit`` (nbgrader's own classes)."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeFactory
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.course_id = course.course_id
    config.Exchange.root = str(exchange)
    config.Exchange.cache = str(student_dir / ".cache")
    config.Exchange.assignment_dir = str(student_dir)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = tiny.ASSIGNMENT
    app = getattr(ExchangeFactory(config=config), action)(
        coursedir=coursedir, authenticator=Authenticator(config=config), config=config, **traits)
    app.start()


def test_exchange_round_trip_fetch_submit_collect(course, tmp_path):
    from nbgrader.utils import get_username

    exchange, student_dir = tmp_path / "exchange", tmp_path / "student"
    student_dir.mkdir()
    release_to_exchange(course, [tiny.ASSIGNMENT], exchange)
    assert (exchange / course.course_id / "outbound" / tiny.ASSIGNMENT / NOTEBOOK).is_file()

    _student_exchange_app("FetchAssignment", course, exchange, student_dir)
    fetched = student_dir / tiny.ASSIGNMENT / NOTEBOOK
    nb = nbformat.read(fetched, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("STUDENT_WAS_HERE"))
    nbformat.write(nb, fetched)
    _student_exchange_app("Submit", course, exchange, student_dir)

    assert collect_from_exchange(course, tiny.ASSIGNMENT, exchange) == [get_username()]
    submitted = course.path("submitted", get_username(), tiny.ASSIGNMENT)
    assert "STUDENT_WAS_HERE" in (submitted / NOTEBOOK).read_text()
    assert (submitted / "timestamp.txt").read_text().strip()


def test_release_command_with_exchange(course, tmp_path, capsys):
    exchange = tmp_path / "exchange"
    assert cli.main(["release", "--course", str(course.root), "--exchange", str(exchange)]) == 0
    assert (exchange / course.course_id / "outbound" / tiny.ASSIGNMENT / NOTEBOOK).is_file()


def _notebook_text(marker: str) -> str:
    nb = tiny.notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(marker))
    return nbformat.writes(nb)


def _platform_zip(path: Path, members: dict[str, tuple[str, tuple]]) -> Path:
    """A platform's archive: name -> (content, ZIP date_time)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, (content, when) in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=when), content)
    return path


ON_TIME, LATE = (2026, 3, 1, 9, 30, 0), (2026, 3, 9, 23, 0, 0)


def test_canvas_and_moodle_zips_collect_matched_report_unmatched_and_keep_late_times(course, tmp_path):
    archive = _platform_zip(tmp_path / "submissions.zip", {
        f"smithjane_4101_7001_{NOTEBOOK}": (_notebook_text("JANE"), ON_TIME),
        f"doejohn_LATE_4102_7002_{NOTEBOOK}": (_notebook_text("JOHN_LATE"), LATE),
        f"Ada Lovelace_88_assignsubmission_file_/{NOTEBOOK}": (_notebook_text("ADA"), ON_TIME),
        f"Alan Turing_89_assignsubmission_file_{NOTEBOOK}": (_notebook_text("ALAN"), ON_TIME),
        "smithjane_4101_7001_notes.txt": ("not a notebook", ON_TIME),
        "random_upload.ipynb": (_notebook_text("WHO"), ON_TIME),
        "roe_4103_7003_homework.ipynb": (_notebook_text("WRONG_NAME"), ON_TIME),
    })
    result = collect_zip(course, tiny.ASSIGNMENT, archive)

    assert sorted(result.collected) == ["ada-lovelace_88", "alan-turing_89", "doejohn", "smithjane"]
    assert all(files == [NOTEBOOK] for files in result.collected.values())
    for student, marker in [("smithjane", "JANE"), ("doejohn", "JOHN_LATE"), ("ada-lovelace_88", "ADA")]:
        assert marker in course.path("submitted", student, tiny.ASSIGNMENT, NOTEBOOK).read_text()
    assert result.timestamps["doejohn"].startswith("2026-03-09 23:00:00")
    assert result.timestamps["smithjane"].startswith("2026-03-01 09:30:00")
    assert (course.path("submitted", "doejohn", tiny.ASSIGNMENT, "timestamp.txt").read_text()
            .startswith("2026-03-09 23:00:00"))
    unmatched = {u.path.split("/")[-1]: u.reason for u in result.unmatched}
    assert sorted(unmatched) == ["random_upload.ipynb", "roe_4103_7003_homework.ipynb",
                                 "smithjane_4101_7001_notes.txt"]
    assert "not a file of this assignment" in unmatched["roe_4103_7003_homework.ipynb"]
    assert "matches no platform pattern" in unmatched["random_upload.ipynb"]


def test_canvas_resubmission_keeps_the_newest(course, tmp_path):
    archive = _platform_zip(tmp_path / "canvas.zip", {
        f"smithjane_4101_7001_{NOTEBOOK}": (_notebook_text("FIRST"), ON_TIME),
        f"smithjane_LATE_4101_7009_{tiny.ASSIGNMENT}-1.ipynb": (_notebook_text("SECOND"), LATE),
    })
    result = collect_zip(course, tiny.ASSIGNMENT, archive)
    assert result.collected == {"smithjane": [NOTEBOOK]} and not result.unmatched
    assert "SECOND" in course.path("submitted", "smithjane", tiny.ASSIGNMENT, NOTEBOOK).read_text()


def test_custom_pattern_and_collect_command_exit_code(course, tmp_path, capsys):
    archive = _platform_zip(tmp_path / "lms.zip", {
        f"ps_alice_2026-03-02T10-00-00_{NOTEBOOK}": (_notebook_text("ALICE"), ON_TIME),
        "stray.ipynb": (_notebook_text("STRAY"), ON_TIME),
    })
    pattern = rf"(?:.*/)?ps_(?P<student_id>[a-z]+)_[0-9T-]+_(?P<file_id>{tiny.ASSIGNMENT})\.ipynb"
    code = cli.main(["collect", tiny.ASSIGNMENT, "--course", str(course.root), "--zip", str(archive),
                     "--pattern", pattern])
    out = capsys.readouterr().out
    assert code == 1, "a file left out must make the command fail"
    assert "collected alice" in out and "NOT COLLECTED" in out and "stray.ipynb" in out
    assert "ALICE" in course.path("submitted", "alice", tiny.ASSIGNMENT, NOTEBOOK).read_text()
    assert set(PLATFORM_PATTERNS) == {"canvas", "moodle"}


def test_bundle_holds_the_student_files_only(tmp_path):
    real = Course.open(REPO_ROOT)
    path = bundle(real, tmp_path / "dist")
    assert path.name == f"{real.course_id}-student-0.1.0.zip"
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        top = path.stem
        assert all(name.startswith(top + "/") for name in names)
        inner = {name[len(top) + 1:] for name in names}
        for assignment in real.assignments():
            assert f"release/{assignment}/{assignment}.ipynb" in inner
        assert {"course/__init__.py", "course/lab.py", "course/checks/common.py",
                "requirements.txt", "README.md", "Makefile"} <= inner
        forbidden = [n for n in inner if n.startswith(("source/", "autograder/"))
                     or n.endswith(("best_model.npz", "tuned_net.npz")) or "__pycache__" in n]
        assert forbidden == []
        for name in names:
            text = archive.read(name).decode("utf-8", errors="replace")
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, name
        requirements = archive.read(f"{top}/requirements.txt").decode()
    assert requirements == student_requirements()
    pinned = dict(line.split("==") for line in requirements.splitlines())
    assert {"numpy", "jupyterlab", "nbgrader", "ipykernel"} <= set(pinned)


def test_student_lab_config_matches_the_course(tmp_path):
    from course import lab

    assert lab.COURSE_ID == Course.open(REPO_ROOT).course_id
    lab.write_student_config(tmp_path / "no-exchange", tmp_path / "work", None)
    page = json.loads((tmp_path / "no-exchange" / "labconfig" / "page_config.json").read_text())
    assert set(page["disabledExtensions"]) == {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                                               "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:assignment-list"}
    lab.write_student_config(tmp_path / "exchange", tmp_path / "work", tmp_path / "ex")
    page = json.loads((tmp_path / "exchange" / "labconfig" / "page_config.json").read_text())
    assert "@jupyter/nbgrader:assignment-list" not in page["disabledExtensions"]
    server = json.loads((tmp_path / "exchange" / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"] == {"nbgrader.server_extensions.formgrader": False,
                                                          "nbgrader.server_extensions.course_list": False}
    assert str(tmp_path / "ex") in (tmp_path / "exchange" / "nbgrader_config.py").read_text()
    widgets = tmp_path / "exchange" / "lab" / "user-settings" / "@jupyter-widgets" / "jupyterlab-manager"
    assert json.loads((widgets / "plugin.jupyterlab-settings").read_text()) == {"saveState": True}


def test_student_work_folder_is_a_copy_that_is_never_overwritten(tmp_path):
    from course import lab

    work = tmp_path / "work"
    assert lab.copy_notebooks(REPO_ROOT / "release", work) == Course.open(REPO_ROOT).assignments()
    mine = work / "01_chain_rule" / "01_chain_rule.ipynb"
    mine.write_text("my answers")
    assert lab.copy_notebooks(REPO_ROOT / "release", work) == []
    assert mine.read_text() == "my answers"
    assert lab.first_notebook(work) == "01_chain_rule/01_chain_rule.ipynb"
