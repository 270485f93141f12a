"""The student's way in, in a real browser (Playwright driving Debian's chromium, offline).

1. build the student bundle and a local nbgrader exchange holding 01;
2. start the student Lab from the unpacked bundle;
3. fetch 01 from the Assignment List;
4. Run All: the first check says `numerical_derivative` is not written yet;
5. type a correct numerical_derivative, run its check: the pass line;
6. type the one-sided difference: its hint;
7. Validate: nbgrader's result;
8. Submit;
9. the instructor collects and grades; the feedback page shows the score and no hidden test.

Screenshots of every step go to build/browser/ (CI keeps them). Every request
that leaves the machine is refused, so the test also proves nothing needs the
network. A second test checks the student Lab of a clone: no instructor tool,
and nothing outside the working folder. A third is the instructor's side of a
written question: a score and a comment typed in nbgrader's formgrader reach
`export` and `report`.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import tiny_assignment as tiny

from autograder import cli
from autograder.bundle import bundle
from autograder.course_dir import REPO_ROOT, Course, create_scratch
from autograder.exchange import collect_from_exchange, release_to_exchange
from autograder.grading import grade
from autograder.limits import GradingLimits
from autograder.release import release

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO_ROOT / "build" / "browser"
ASSIGNMENT = "01_chain_rule"
TOKEN = "browser-test"
CORRECT = "def numerical_derivative(f, x, h=1e-5):\n    return (f(x + h) - f(x - h)) / (2 * h)\n"
ONE_SIDED = "def numerical_derivative(f, x, h=1e-5):\n    return (f(x + h) - f(x)) / h\n"
WAIT_MS = 60_000  # a kernel start and a notebook run on a loaded 2-core machine


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: `make browser-env` installs it")
        pytest.skip("chromium is missing: `make browser-env` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyter_server(cwd: Path, command: list[str], env: dict | None = None):
    """A Jupyter server (``command`` plus a free port and TOKEN) run in ``cwd``; yields its URL once it answers,
    and stops it however the test ends."""
    port = _free_port()
    log = open(cwd / "server.log", "w")
    server = subprocess.Popen(
        [*command, f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
         "--no-browser"], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"{command} did not start:\n" + (cwd / "server.log").read_text())
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def student_lab(base: Path, *args: str, env: dict | None = None):
    """``python -m course.lab`` run from ``base`` (a bundle or a clone); yields its URL."""
    return jupyter_server(base, [sys.executable, "-m", "course.lab", *args], env)


def formgrader(course: Course, jupyter_config: Path):
    """nbgrader's formgrader: a Jupyter server on the course folder (whose nbgrader_config.py names the gradebook)
    with the formgrader server extension on, and no Jupyter settings but nbgrader's (``jupyter_config``, empty)."""
    jupyter_config.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(jupyter_config)}
    return jupyter_server(course.root, [
        sys.executable, "-m", "jupyter_server", f"--ServerApp.root_dir={course.root}", "--allow-root",
        '--ServerApp.jpserver_extensions={"nbgrader.server_extensions.formgrader": True}'], env)


@contextmanager
def offline_page(browser, refused: list[str], shot=None):
    context = browser.new_context(viewport={"width": 1400, "height": 900})

    def local_only(route):
        if route.request.url.startswith(("http://127.0.0.1", "file://", "data:", "blob:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        yield page
    except Exception:
        if shot is not None:  # what the page showed when the test gave up
            shot(page, "FAILED")
            (shot.folder / "FAILED.txt").write_text(page.locator("body").inner_text())
        raise
    finally:
        context.close()


class Shots:
    """Numbered screenshots of one test under build/browser/<test>/."""

    def __init__(self, name: str):
        self.folder = SHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def __call__(self, page, step: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{step}.png"))


def _student_env(home: Path) -> dict:
    """A student's environment: no `autograder` to import, and a Jupyter data folder
    (nbgrader's cache of submissions) of their own."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JUPYTER_CONFIG_DIR")}
    env["JUPYTER_DATA_DIR"] = str(home / "jupyter-data")
    return env


def _menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def _notebook(page):
    return page.locator(".jp-NotebookPanel:visible")


def _cell(page, text: str):
    return _notebook(page).locator(".jp-CodeCell").filter(has_text=text).first


def _replace_cell(page, cell, code: str) -> None:
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code.rstrip("\n"))  # typed text, without the editor's auto-indent


def _wait_for_output(cell, text: str) -> None:
    # Lab skips rendering cells out of view (content-visibility): wait for the
    # output in the page, then bring it into view for the screenshot.
    output = cell.locator(".jp-OutputArea-output", has_text=text)
    output.wait_for(state="attached")
    output.scroll_into_view_if_needed()


def _run_solution_and_check(page, code: str, expected: str):
    """Type ``code`` in the numerical_derivative cell, run it and its check; returns the check cell."""
    solution = _cell(page, "def numerical_derivative(f, x, h")
    solution.scroll_into_view_if_needed()
    _replace_cell(page, solution, code)
    page.keyboard.press("Shift+Enter")  # runs the cell, selects the check below
    check = _cell(page, "checks.check_numerical_derivative(numerical_derivative)")
    check.click()
    page.keyboard.press("Shift+Enter")
    _wait_for_output(check, expected)
    return check


def test_student_fetches_works_validates_submits_and_reads_feedback(browser, tmp_path):
    shot, refused = Shots("student_path"), []
    # 1. the bundle, unpacked where a student would, and an exchange holding 01
    bundled = bundle(Course.open(REPO_ROOT), tmp_path / "dist")
    with zipfile.ZipFile(bundled) as archive:
        archive.extractall(tmp_path / "student")
    student = tmp_path / "student" / bundled.stem
    instructor = create_scratch(tmp_path / "instructor", [ASSIGNMENT])
    release(instructor)
    exchange = tmp_path / "exchange"
    release_to_exchange(instructor, [ASSIGNMENT], exchange)

    # 2. the student Lab of the bundle, with the course's exchange
    with student_lab(student, f"--exchange={exchange}", env=_student_env(tmp_path)) as url, \
            offline_page(browser, refused, shot) as page:
        page.goto(f"{url}/lab?reset&token={TOKEN}")
        page.locator("#jp-main-dock-panel").wait_for()
        shot(page, "lab")

        # 3. fetch from the Assignment List
        _menu(page, "Nbgrader", "Assignment List")
        assignments = page.locator("#nbgrader-assignment-list")
        assignments.get_by_role("button", name="Fetch", exact=True).click()
        assignments.locator("#fetched_assignments_list").get_by_role("button", name="Submit", exact=True).wait_for()
        shot(page, "fetched")
        assert (student / "work" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()

        # 4. Run All: the stub is named
        page.goto(f"{url}/lab/tree/{ASSIGNMENT}/{ASSIGNMENT}.ipynb?reset&token={TOKEN}")
        _notebook(page).locator(".jp-CodeCell").first.wait_for()
        page.locator("#jp-main-statusbar", has_text="Python 3 (ipykernel) | Idle").wait_for()  # kernel ready
        _menu(page, "Run", "Run All Cells")
        check = _cell(page, "checks.check_numerical_derivative(numerical_derivative)")
        message = "`numerical_derivative` is not written yet: replace `raise NotImplementedError()` in its cell"
        _wait_for_output(check, message)
        shot(page, "not-written-yet")
        assert "chain_rule.py" not in check.inner_text()  # no source of the check itself

        # 5. a correct function passes
        check = _run_solution_and_check(page, CORRECT, "✓ numerical_derivative passed")
        shot(page, "passes")

        # 6. the one-sided difference gets its hint
        check = _run_solution_and_check(page, ONE_SIDED, "Likely cause: this is the one-sided difference")
        assert "Hint:" not in check.inner_text()  # one explanation: the known mistake's
        shot(page, "one-sided-hint")
        _run_solution_and_check(page, CORRECT, "✓ numerical_derivative passed")
        page.keyboard.press("Control+s")
        page.locator(".jp-mod-dirty").first.wait_for(state="detached")

        # 7. Validate: nbgrader runs the notebook; chain_forward and chain_backward are still stubs
        _notebook(page).get_by_role("button", name="Validate").click()
        dialog = page.locator(".jp-Dialog")
        dialog.get_by_text("Validation Results").wait_for()
        shot(page, "validated")
        report = dialog.inner_text()
        assert "checks.check_chain_forward(chain_forward)" in report and "`chain_forward` is not written yet" in report
        assert "check_numerical_derivative" not in report  # it passes now
        dialog.get_by_role("button", name="Ok").click()

        # 8. Submit from the Assignment List
        _menu(page, "Nbgrader", "Assignment List")
        assignments.locator("#fetched_assignments_list").get_by_role("button", name="Submit", exact=True).click()
        assignments.locator("#submitted_assignments_list .list_item").first.wait_for()
        shot(page, "submitted")

    # 9. the instructor collects, grades and writes feedback; the student opens it
    from nbgrader.utils import get_username

    who = get_username()
    assert collect_from_exchange(instructor, ASSIGNMENT, exchange) == [who]
    course = ["--course", str(instructor.root)]
    assert cli.main(["grade", ASSIGNMENT, *course, "--workers", "1"]) == 0
    assert cli.main(["feedback", ASSIGNMENT, *course]) == 0
    feedback = instructor.path("feedback", who, ASSIGNMENT, f"{ASSIGNMENT}.html")
    with offline_page(browser, refused, shot) as page:
        page.goto(feedback.as_uri())
        text = page.locator("body").inner_text()
        shot(page, "feedback")
    points = re.search(r"(\d+(?:\.\d+)?) / (\d+(?:\.\d+)?) points", text)
    assert points, text[:2000]
    assert 0 < float(points[1]) < float(points[2]), "numerical_derivative earns its points; the stubs do not"
    assert "HIDDEN TESTS" not in text and "record(" not in text
    assert "$$" not in text, "the feedback's formulas are raw TeX: MathJax did not render them offline"
    assert refused == [], f"requests that needed the network: {refused}"


def test_student_lab_of_a_clone_has_no_instructor_tools_and_no_way_out(browser, tmp_path):
    shot, refused = Shots("student_lab_clone"), []
    # A clone: the solutions sit beside the student's working folder.
    clone = tmp_path / "clone"
    shutil.copytree(REPO_ROOT / "course", clone / "course", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO_ROOT / "release", clone / "release")
    (clone / "source").mkdir()
    (clone / "source" / "SOLUTIONS.md").write_text("the answers")
    with student_lab(clone, env=_student_env(tmp_path)) as url, offline_page(browser, refused, shot) as page:
        page.goto(f"{url}/lab?reset&token={TOKEN}")
        page.locator("#jp-main-dock-panel").wait_for()
        page.locator(".jp-DirListing-item").first.wait_for()
        shot(page, "lab")
        listed = page.locator(".jp-DirListing-item .jp-DirListing-itemText").all_inner_texts()
        assert sorted(listed) == Course.open(REPO_ROOT).assignments()
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).click()
        items = [t for t in page.locator(".lm-Menu:visible .lm-Menu-itemLabel").all_inner_texts() if t.strip()]
        shot(page, "nbgrader-menu")
        page.keyboard.press("Escape")
        assert items == [], f"the student's Nbgrader menu offers {items}"
        app_text = page.locator("body").inner_text()
        for tool in ("Formgrader", "Create Assignment", "Course List", "Assignment List"):
            assert tool not in app_text
        for path in ("/formgrader", "/assignments", "/courses", "/api/contents/source",
                     "/api/contents/..%2Fsource", "/files/..%2Fsource/SOLUTIONS.md"):
            response = page.request.get(f"{url}{path}?token={TOKEN}")
            assert response.status in (400, 403, 404), (path, response.status)
        assert page.request.get(f"{url}/api/contents/{ASSIGNMENT}?token={TOKEN}").ok
    assert (clone / "work" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    assert refused == [], f"requests that needed the network: {refused}"


# nbgrader's grading page loads MathJax 2.7 from this CDN (its template hard-codes it) and stops its set-up
# without it; offline, the browser gets the same files from jupyter-server-mathjax's copy.
MATHJAX_CDN = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/"
COMMENT = "Right: sigma' <= 1/4 per layer. Say what that does to ten layers."


def _mathjax_from_local_copy(route) -> None:
    import jupyter_server_mathjax

    static = (Path(jupyter_server_mathjax.__file__).parent / "static").resolve()
    path = route.request.url[len(MATHJAX_CDN):].split("?")[0]
    local = static / ("MathJax.js" if path == "latest.js" else path)
    if local.is_file() and static in local.resolve().parents:
        route.fulfill(path=local)
    else:
        route.fulfill(status=404)


def test_instructor_scores_a_written_answer_in_formgrader(browser, tmp_path):
    from nbgrader.api import Gradebook

    # A small class of the tiny assignment with its written question: alice solves both functions, bob one;
    # both answer the question, which `grade` leaves to the instructor.
    course = create_scratch(tmp_path / "course", [tiny.ASSIGNMENT],
                            source_root=tiny.write_source_with_question(tmp_path / "src"))
    release(course)
    tiny.submit_answered(course, "alice", solved=("double", "square"))
    tiny.submit_answered(course, "bob", solved=("double",))
    results = grade(course, workers=1, limits=GradingLimits(**tiny.TEST_LIMITS), progress=False)
    assert {r.student: (r.outcome, r.manual) for r in results} == {
        student: ("graded", {tiny.ASSIGNMENT: [tiny.QUESTION]}) for student in ("alice", "bob")}
    with Gradebook(course.db_url, course.course_id) as gb:
        alice = gb.find_submission_notebook(tiny.ASSIGNMENT, tiny.ASSIGNMENT, "alice").id

    refused, screenshot = [], tmp_path / "formgrader.png"
    with formgrader(course, tmp_path / "instructor-jupyter") as url, offline_page(browser, refused) as page:
        page.route(f"{MATHJAX_CDN}**", _mathjax_from_local_copy)
        # the instructor logs in with the server's token, then opens alice's notebook to grade
        page.goto(f"{url}/login?next=/formgrader/submissions/{alice}/")
        page.locator("#password_input").fill(TOKEN)
        page.locator("#password_input").press("Enter")
        page.wait_for_url(f"**/formgrader/submissions/{alice}/")
        page.wait_for_function("() => formgrader.loaded && formgrader.grades.loaded && formgrader.comments.loaded")
        assert tiny.ANSWER in page.locator("body").inner_text()  # the instructor reads the student's answer
        score = page.locator(f"input.score#{tiny.QUESTION}")
        with page.expect_response(lambda r: r.request.method == "PUT" and "/formgrader/api/grade/" in r.url) as put:
            score.fill("1.5")
            score.press("Tab")  # formgrader saves a score when the field loses focus
        assert put.value.ok, put.value.status
        comment = page.locator(f"textarea#{tiny.QUESTION}-comment")
        with page.expect_response(lambda r: r.request.method == "PUT" and "/formgrader/api/comment/" in r.url) as put:
            comment.fill(COMMENT)
            comment.press("Tab")
        assert put.value.ok, put.value.status
        page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and screenshot.stat().st_size > 10_000
    assert refused == [], f"requests that needed the network: {refused}"

    with Gradebook(course.db_url, course.course_id) as gb:
        answer = gb.find_comment(tiny.QUESTION, tiny.ASSIGNMENT, tiny.ASSIGNMENT, "alice")
        assert answer.manual_comment == COMMENT
    # alice: 2 + 3 + 1.5 by hand; bob: 2, his answer not scored yet.
    args = ["--course", str(course.root)]
    assert cli.main(["export", *args, "--output", str(tmp_path / "grades.csv")]) == 0
    assert (tmp_path / "grades.csv").read_text().splitlines() == [
        f"student,{tiny.ASSIGNMENT},total", "alice,6.5,6.5", "bob,2,2"]
    assert cli.main(["report", *args, "--output", str(tmp_path / "report.html")]) == 0
    report = (tmp_path / "report.html").read_text()
    assert "2 submissions, mean 4.25 / 7" in report
