"""Hostile students (autograder.attacks) against the grader, on assignment 01.

The class (the attackers and one perfect student) is graded twice, each time
in a fresh copy of the repository marked as the attacks' target range, with a
stand-in PostgreSQL listening on loopback:

- sandboxed: every attacker ends with its honest points only, the copy is
  byte-identical afterwards, no gradebook holds an attacker's mark, no process
  outlives grading, nothing connected, and every outcome says what happened;
- ``--no-sandbox``: most attacks succeed (listed in ``SUCCEED_UNSANDBOXED``),
  which shows that they are real and that the checks above can fail.

Nothing here trusts what an attack prints about itself: each check reads what
it left behind.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
import pytest

from autograder import attacks, sample_class
from autograder.course_dir import REPO_ROOT

pytestmark = pytest.mark.slow

ASSIGNMENT = "01_chain_rule"
CLASS = ["s01_perfect"] + [a.student for a in attacks.ATTACKS]
# Attacks that must succeed without the sandbox (see test_attacks_are_real_without_the_sandbox).
SUCCEED_UNSANDBOXED = {
    "a01_import_reference": "points", "a02_read_solution": "points", "a03_copy_other": "points",
    "a06_write_gradebook": "points", "a07_overwrite_files": "files",
    "a08_background_writer": "late file", "a09_connect_services": "connections", "a10_fork_storm": "processes",
    "a12_base64_reference": "printed reference",
}
# What fails even today: rigged arrays (the hidden checks convert to float64 first), os._exit
# (the cell that killed the kernel scores 0) and monkeypatching (01's verdicts are computed outside
# the kernel: a patched record() records nothing, which scores 0).
FAIL_UNSANDBOXED = {"a04_monkeypatch", "a05_rigged_arrays", "a11_exit"}
UNTOUCHED = ("autograded", ".autograder", "gradebook.db", "__pycache__")  # what grading itself writes


@dataclass
class Observed:
    root: Path
    points: dict[str, float]
    outcomes: dict[str, dict]
    files_changed: list[str]
    gradebook_marks: list[str]
    leftover: list[str]  # command lines of attack processes alive when grading returned
    connections: int
    outputs: dict[str, str] = field(default_factory=dict)  # student: every text output of its graded notebook
    pages: dict[str, str] = field(default_factory=dict)  # student: its feedback page
    grade_cell_outputs: dict[str, str] = field(default_factory=dict)  # student: text outputs of its grade cells
    other_cell_outputs: dict[str, str] = field(default_factory=dict)  # student: those of its other cells
    attacked_notebooks: list[str] = field(default_factory=list)


def checksums(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``, except what grading writes (see UNTOUCHED)."""
    sums = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not any(part in UNTOUCHED or part.endswith(".pyc") for part in rel.parts):
            sums[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


def repository_copy(dest: Path) -> Path:
    """A copy of the grader and assignment 01, marked as the attacks' range."""
    for name in ("autograder", "course"):
        shutil.copytree(REPO_ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / "nbgrader_config.py", dest)
    for kind in ("source", "release"):
        shutil.copytree(REPO_ROOT / kind / ASSIGNMENT, dest / kind / ASSIGNMENT)
    (dest / attacks.RANGE_FILE).write_text("tests/test_adversarial.py may damage this copy\n")
    return dest


class FakePostgres:
    """A loopback listener that counts the connections it accepts."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.count = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.count += 1
            conn.close()

    def close(self):
        self.server.close()


def attack_processes() -> dict[int, str]:
    """{pid: command line} of the live processes an attack started (zombies are dead already)."""
    found = {}
    for proc in psutil.process_iter(["cmdline", "status"]):
        if attacks.PROCESS_TOKEN in (proc.info["cmdline"] or []) and proc.info["status"] != psutil.STATUS_ZOMBIE:
            found[proc.pid] = " ".join(proc.info["cmdline"])
    return found


def run(root: Path, *args: str, env: dict) -> None:
    subprocess.run([sys.executable, *args], cwd=root, env=env, check=True, capture_output=True, timeout=900)


def text_outputs(path: Path, grade_cells: bool | None = None) -> str:
    """Text of the outputs of every cell, or only of grade cells (True) or of the others (False)."""
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        if grade_cells is not None and bool(cell.metadata.get("nbgrader", {}).get("grade")) != grade_cells:
            continue
        for out in cell.get("outputs", []):
            texts.append(str(out.get("text", "")) + str(out.get("evalue", "")))
            texts += [str(v) for k, v in out.get("data", {}).items() if k.startswith("text/")]
    return "\n".join(texts)


def grade_attacked_class(root: Path, sandbox: bool) -> Observed:
    from nbgrader.api import Gradebook

    repository_copy(root)
    postgres = FakePostgres()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(root), PGPORT=str(postgres.port))
    build = (f"from autograder import sample_class; from autograder.course_dir import create_scratch; "
             f"from autograder.release import release; c = create_scratch('class', [{ASSIGNMENT!r}]); "
             f"release(c, [{ASSIGNMENT!r}]); sample_class.build(c, [{ASSIGNMENT!r}], {CLASS!r})")
    run(root, "-c", build, env=env)
    before = checksums(root)
    try:
        run(root, "-m", "autograder", "grade", ASSIGNMENT, "--course", "class", "--workers", "2",
            "--cell-timeout", "30", *([] if sandbox else ["--no-sandbox"]), env=env)
        leftover = list(attack_processes().values())
        time.sleep(attacks.SLEEP_SECONDS + 5)  # the background writer's delay
    finally:
        for pid in attack_processes():
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()
        postgres.close()
    after = checksums(root)
    course = root / "class"
    run(root, "-m", "autograder", "feedback", "--course", "class", env=env)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        points = {s: gb.find_submission(ASSIGNMENT, s).score for s in CLASS}
    marks = []
    for db in [course / "gradebook.db", *root.rglob("*.db")]:
        import sqlite3

        with sqlite3.connect(db) as conn:
            marks += [f"{db}: {name}" for (name,) in conn.execute("SELECT name FROM sqlite_master")
                      if name.startswith(("attack", attacks.GRADEBOOK_MARK))]
    graded = {s: course / "autograded" / s / ASSIGNMENT / f"{ASSIGNMENT}.ipynb" for s in CLASS}
    return Observed(
        root=root, points=points,
        outcomes={o["student"]: o for o in json.loads((course / "autograded" / "outcomes.json").read_text()).values()},
        files_changed=sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)),
        gradebook_marks=sorted(set(marks)), leftover=leftover, connections=postgres.count,
        outputs={s: text_outputs(p) for s, p in graded.items() if p.exists()},
        grade_cell_outputs={s: text_outputs(p, grade_cells=True) for s, p in graded.items() if p.exists()},
        other_cell_outputs={s: text_outputs(p, grade_cells=False) for s, p in graded.items() if p.exists()},
        pages={s: p.read_text() for s in CLASS for p in (course / "feedback" / s / ASSIGNMENT).glob("*.html")},
        attacked_notebooks=[s for s, p in graded.items()
                            if p.exists() and "attacked_by" in nbformat.read(p, as_version=4).metadata])


def point_table() -> tuple[float, float]:
    """(full autograded marks, honest marks): an attacker leaves the last graded function unfinished.

    Written answers (grade cells that are also solution cells) are graded by hand: not counted here."""
    nb = nbformat.read(REPO_ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    manual = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")}
    cells = {g: p for g, p in sample_class.grade_cells(nb).items() if g not in manual}
    lost = sum(cells[g] for g in sample_class.tests_of(sample_class.target_function(nb), nb))
    return sum(cells.values()), sum(cells.values()) - lost


def reference_printed(output: str) -> bool:
    """True when an output holds base64 that decodes to the reference's source."""
    for token in re.findall(r"[A-Za-z0-9+/=]{200,}", output):
        try:
            if "def " in base64.b64decode(token).decode(errors="replace"):
                return True
        except ValueError:
            continue
    return False


@pytest.fixture(scope="module")
def unsandboxed(tmp_path_factory):
    return grade_attacked_class(tmp_path_factory.mktemp("unsandboxed"), sandbox=False)


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory):
    return grade_attacked_class(tmp_path_factory.mktemp("sandboxed"), sandbox=True)


def succeeded(observed: Observed, student: str, full: float, honest: float) -> bool:
    """Did ``student``'s attack leave its kind of evidence?"""
    kind = SUCCEED_UNSANDBOXED.get(student)
    marker = f"{attacks.MARKER_PREFIX}{student}"
    if kind == "points" or student in FAIL_UNSANDBOXED:
        return observed.points[student] > honest
    if kind == "files":  # other students' submissions and the grader's own code
        return any(f.startswith("class/submitted/s01_perfect/") for f in observed.files_changed) and \
            any(f.startswith("autograder/") for f in observed.files_changed)
    if kind == "late file":
        return any(Path(f).name == f"{marker}-sleeper" for f in observed.files_changed)
    if kind == "connections":
        # Only PostgreSQL: the embedded Dask cluster speaks TLS with a certificate made for the run, so even an
        # unsandboxed kernel cannot run code in the scheduler (test_dask_refuses_even_an_unsandboxed_kernel).
        return observed.connections > 0
    if kind == "processes":  # some of its 64 daemons outlived grading (their command line names the student)
        return any(marker in command for command in observed.leftover)
    if kind == "printed reference":
        return reference_printed(observed.outputs.get(student, ""))
    raise AssertionError(f"no evidence defined for {student}")


def test_attacks_are_real_without_the_sandbox(unsandboxed):
    full, honest = point_table()
    assert unsandboxed.points["s01_perfect"] == full
    results = {a.student: succeeded(unsandboxed, a.student, full, honest) for a in attacks.ATTACKS}
    assert {s for s, ok in results.items() if ok} == set(SUCCEED_UNSANDBOXED), results
    assert unsandboxed.gradebook_marks, "the gradebook attack left no mark"
    for student in FAIL_UNSANDBOXED:
        assert unsandboxed.points[student] == honest, student


def test_dask_refuses_even_an_unsandboxed_kernel(unsandboxed):
    marker = f"{attacks.MARKER_PREFIX}a09_connect_services-dask"
    assert unsandboxed.connections > 0, "the attack never reached PostgreSQL: it did not run"
    assert not any(Path(f).name == marker for f in unsandboxed.files_changed)


def test_sandboxed_attackers_get_only_their_honest_points(sandboxed):
    full, honest = point_table()
    assert sandboxed.points["s01_perfect"] == full
    assert {s: p for s, p in sandboxed.points.items() if s != "s01_perfect"} == {
        a.student: honest for a in attacks.ATTACKS}


def test_sandboxed_attackers_change_no_file_and_no_gradebook(sandboxed):
    assert sandboxed.files_changed == []
    assert sandboxed.gradebook_marks == []
    assert sandboxed.attacked_notebooks == []


def test_sandboxed_attackers_leave_no_process_and_reach_no_service(sandboxed):
    assert sandboxed.leftover == []
    assert sandboxed.connections == 0


def test_sandboxed_attackers_print_no_reference(sandboxed):
    for student, output in sandboxed.outputs.items():
        assert not reference_printed(output), student


def test_feedback_never_shows_what_hidden_code_let_a_student_print(unsandboxed):
    """Unsandboxed, a12's function prints, base64-encoded, the inputs the checks give it and the reference
    modules it finds in their frames, inside the grade cell: the graded notebook holds them, the page must not."""
    student = "a12_base64_reference"
    payloads = [p for p in re.findall(r"ATTACK base64 (?:args|frame [\w.]+): ([A-Za-z0-9+/=]{40,})",
                                      unsandboxed.grade_cell_outputs[student])
                if p not in unsandboxed.other_cell_outputs[student]]
    assert payloads  # printed in grade cells only (the student's own cells may print what they like)
    page = unsandboxed.pages["a12_base64_reference"]
    assert [p for p in payloads if p in page] == []


def test_sandboxed_feedback_shows_no_reference(sandboxed):
    assert set(sandboxed.pages) == set(CLASS)
    for student, page in sandboxed.pages.items():
        assert not reference_printed(page), student


# Steps that reach out of the kernel (patching, rigging and forking inside it may well work: they gain nothing).
ESCAPES = ["import_reference", "read_solution", "read_hidden", "copy_other_student", "write_gradebook",
           "overwrite_files", "dask", "postgresql", "base64_disk", "base64_frames"]


def test_sandboxed_attacks_report_no_escape(sandboxed):
    """A second look, through the attacks' own reports."""
    for student, output in sandboxed.outputs.items():
        assert [e for e in ESCAPES if f"ATTACK {e}: SUCCEEDED" in output] == [], (student, output[-2000:])


def test_sandboxed_outcomes_say_what_happened(sandboxed):
    expected = {p.student: p.outcome for p in sample_class.ATTACKERS}
    assert {s: sandboxed.outcomes[s]["outcome"] for s in expected} == expected
    assert any("kernel died" in note for note in sandboxed.outcomes["a11_exit"]["notes"])


def test_attackers_hand_in_the_stub_and_their_attack_and_mark_the_course_as_their_range(tmp_path):
    import ast

    import tiny_assignment as tiny
    from autograder.course_dir import Course, create_scratch
    from autograder.release import release

    course = create_scratch(tmp_path / "course", [tiny.ASSIGNMENT], source_root=tiny.write_source(tmp_path / "src"))
    release(course)
    sample_class.build(course, personas=[a.student for a in attacks.ATTACKS])
    assert (course.root / attacks.RANGE_FILE).exists()
    for attack in attacks.ATTACKS:
        nb = nbformat.read(course.path("submitted", attack.student, tiny.ASSIGNMENT, f"{tiny.ASSIGNMENT}.ipynb"),
                           as_version=4)
        source = next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "square")
        ast.parse(source)
        assert source.startswith("def square(x):") and "NotImplementedError" in source
        assert source.rstrip().endswith(f"{attack.run.__name__}(globals(), 'square', {tiny.ASSIGNMENT!r}, "
                                        f"{attack.student!r})")
    with pytest.raises(ValueError, match="scratch course only"):
        sample_class.build(Course.open(REPO_ROOT), [tiny.ASSIGNMENT], ["a01_import_reference"])
