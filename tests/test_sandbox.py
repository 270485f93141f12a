"""The student's kernel runs in a bubblewrap sandbox: what it can and cannot reach.

A probe notebook, one grade cell per property, is graded with the sandbox on
(every cell must pass) and with --no-sandbox (the same cells must fail: the
checks are real, not vacuous).
"""
from __future__ import annotations

import socket

import nbformat
import pytest

from autograder import results as rs
from autograder import sandbox
from autograder.course_dir import create_scratch
from autograder.grading import grade
from autograder.limits import GradingLimits

pytestmark = pytest.mark.slow

ASSIGNMENT = "98_probe"
LIMITS = GradingLimits(cell_timeout=30, notebook_timeout=120, memory_mb=777, max_processes=48)


def probes(course_root: str, port: int) -> dict[str, str]:
    """{grade id: cell source}; each cell asserts one thing the sandbox guarantees."""
    return {
        # Of autograder, only the earlier assignments' references (course.previous.load) are there.
        "test_no_instructor_code": (
            "import importlib.util\nfor name in ('autograder.verdicts', 'autograder.hidden', 'autograder.grading', "
            "'autograder.assignments.03_affine_relu.hidden'):\n"
            "    assert importlib.util.find_spec(name) is None, name"),
        "test_no_course_folder": f"import os\nassert not os.path.exists({course_root!r})",
        "test_no_network": (
            "import socket\ns = socket.socket()\ns.settimeout(2)\n"
            f"try:\n    s.connect(('127.0.0.1', {port}))\n    reached = True\n"
            "except OSError:\n    reached = False\nassert not reached"),
        "test_unprivileged": "import os\nassert os.getuid() != 0 and os.geteuid() != 0",
        "test_limits": (
            "import resource\n"
            "assert resource.getrlimit(resource.RLIMIT_AS)[0] == 777 * 1024 * 1024\n"
            "assert resource.getrlimit(resource.RLIMIT_NPROC)[0] == 48"),
        "test_cifar_and_course": (
            "import os, course\nassert os.listdir(os.environ['CIFAR10_DIR'])\n"
            "assert os.environ.get('COURSE_RECORD_DIR') and os.access(os.environ['COURSE_RECORD_DIR'], os.W_OK)"),
        # course.previous.load finds the earlier assignments' references (this one sorts after all of them).
        "test_previous_load": "from course import previous\nf = previous.load('03_affine_relu', 'affine_forward')\n"
                              "assert callable(f)",
        # The submission holds a symlink to the course's config: in the sandbox it leads nowhere.
        "test_no_symlink_leak": "import os\nassert not os.path.exists('leak.py')",
        "test_private_copy": "open('written_by_kernel.txt', 'w').write('x')\nimport os\nassert os.getcwd() != "
                             f"os.path.join({course_root!r}, 'submitted', 'alice', {ASSIGNMENT!r})",
    }


def graded_cell(grade_id: str, source: str):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 1, "grade_id": grade_id, "schema_version": 3}})


def one_notebook_course(tmp_path, assignment: str, student: str, cells):
    """A released course of one notebook (``cells``), handed in unchanged by ``student``."""
    from autograder.release import release

    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src = tmp_path / "src" / "source" / assignment
    src.mkdir(parents=True)
    nbformat.write(nb, src / f"{assignment}.ipynb")
    course = create_scratch(tmp_path / "course", [assignment], source_root=tmp_path / "src")
    release(course)
    course.path("submitted", student, assignment).mkdir(parents=True)
    nbformat.write(nb, course.path("submitted", student, assignment, f"{assignment}.ipynb"))
    return course


def probe_course(tmp_path, port):
    cells = [graded_cell(grade_id, source) for grade_id, source in probes(str(tmp_path / "course"), port).items()]
    course = one_notebook_course(tmp_path, ASSIGNMENT, "alice", cells)
    course.path("submitted", "alice", ASSIGNMENT, "leak.py").symlink_to(course.root / "nbgrader_config.py")
    return course


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


def test_the_kernel_sees_only_its_sandbox(tmp_path, listener):
    course = probe_course(tmp_path, listener)
    [result] = grade(course, workers=1, limits=LIMITS, progress=False)
    assert result.sandboxed and rs.UNSANDBOXED not in result.notes
    assert result.scores[ASSIGNMENT] == {grade_id: 1.0 for grade_id in probes("", 0)}, result.notes
    assert not course.path("submitted", "alice", ASSIGNMENT, "written_by_kernel.txt").exists()


def test_without_the_sandbox_the_same_probes_fail_and_the_outcome_says_unsandboxed(tmp_path, listener):
    course = probe_course(tmp_path, listener)
    with pytest.warns(UserWarning, match="--no-sandbox"):
        [result] = grade(course, workers=1, limits=LIMITS, progress=False, sandbox=False)
    assert not result.sandboxed and rs.UNSANDBOXED in result.notes
    failed = {cell for cell, points in result.scores[ASSIGNMENT].items() if points == 0}
    assert {"test_no_instructor_code", "test_no_course_folder", "test_no_network", "test_unprivileged",
            "test_no_symlink_leak"} <= failed
    saved = {o["student"]: o for o in rs.load_outcomes(course)}
    assert saved["alice"]["sandboxed"] is False and rs.UNSANDBOXED in saved["alice"]["notes"]
    from autograder.report import build

    assert "1 submission(s) graded unsandboxed" in build(course)


def test_grade_stops_with_a_reason_where_bubblewrap_cannot_run(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "BWRAP", "bwrap-not-installed-here")
    course = create_scratch(tmp_path / "course", [])
    with pytest.raises(sandbox.SandboxUnavailable, match="--no-sandbox"):
        grade(course, [ASSIGNMENT], progress=False)


def test_a_sandbox_holds_only_the_earlier_assignments_references(tmp_path):
    for assignment in ("01_a", "02_b", "03_c"):
        path = tmp_path / assignment / "reference.py"
        path.parent.mkdir(parents=True)
        path.write_text("")
    assert [p.parent.name for p in sandbox.earlier_references("02_b", [tmp_path])] == ["01_a"]
    assert sandbox.earlier_references("01_a", [tmp_path]) == []
    assert [p.parent.name for p in sandbox.earlier_references("04_softmax_loss")] == [
        "01_chain_rule", "02_add_mul_layers", "03_affine_relu"]


def test_the_submission_as_a_whole_has_a_memory_limit(tmp_path):
    """Three children of 450 MB each stay under RLIMIT_AS (1000 MB) but not under 1000 MB together."""
    hog = ("import os, time\nimport numpy as np\nkids = []\nfor _ in range(3):\n    pid = os.fork()\n"
           "    if pid == 0:\n        try:\n            block = np.ones(450 * 2**20 // 8)\n            time.sleep(20)\n"
           "        finally:\n            os._exit(0)\n"
           "    kids.append(pid)\nfor pid in kids:\n    os.waitpid(pid, 0)")
    course = one_notebook_course(tmp_path, "97_hog", "bob", [graded_cell("test_before", "x = 1"),
                                                            nbformat.v4.new_code_cell(hog)])
    limits = GradingLimits(cell_timeout=60, notebook_timeout=120, memory_mb=1000)
    [result] = grade(course, workers=1, limits=limits, progress=False)
    assert result.outcome == "crashed", result.notes
    assert any(note.startswith("memory limit: the submission's processes together") for note in result.notes)
    assert result.scores["97_hog"] == {"test_before": 1.0}  # the cells before keep their points


@pytest.mark.parametrize("sandboxed", [True, False])
def test_nothing_a_submission_starts_outlives_its_grading(tmp_path, sandboxed):
    import time
    import uuid
    import warnings

    import psutil

    token = f"daemon-{uuid.uuid4().hex}"
    daemon = (f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', "
              f"{token!r}], start_new_session=True)\ntime.sleep(2)")
    course = one_notebook_course(tmp_path, "96_daemon", "carol",
                                 [nbformat.v4.new_code_cell(daemon), graded_cell("test_x", "x = 1")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # --no-sandbox warns
        [result] = grade(course, workers=1, limits=LIMITS, progress=False, sandbox=sandboxed)
    assert result.scores["96_daemon"] == {"test_x": 1.0}, result.notes
    time.sleep(1)
    alive = [p.pid for p in psutil.process_iter(["cmdline"]) if token in " ".join(p.info["cmdline"] or [])]
    assert alive == [], "the submission's daemon still runs"


def test_the_real_course_grades_the_same_in_and_out_of_the_sandbox(tmp_path):
    """Hidden verdicts judged outside the kernel: honest and mistaken work scores as unsandboxed."""
    import shutil
    import warnings

    import real_course
    from autograder import sample_class
    from autograder.release import release

    converted = "03_affine_relu"  # its hidden regions record (course.recorder) instead of importing autograder
    scores = {}
    for sandboxed in (True, False):
        course = create_scratch(tmp_path / f"course-{sandboxed}", [converted])
        release(course, [converted])
        sample_class.build(course, [converted], real_course.STUDENTS,
                           mistakes={converted: real_course.one_mistake(converted)})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # --no-sandbox warns
            results = grade(course, [converted], workers=2, progress=False, sandbox=sandboxed,
                            limits=GradingLimits(cell_timeout=60, notebook_timeout=300))
        scores[sandboxed] = {r.student: (r.outcome, r.scores) for r in results}
        shutil.rmtree(course.root, ignore_errors=True)
    assert scores[True] == scores[False]
    perfect = scores[True]["s01_perfect"][1][converted]
    assert scores[True]["s01_perfect"][0] == "graded" and all(perfect.values()), perfect
    assert sum(scores[True]["s02_mistakes"][1][converted].values()) < sum(perfect.values())
