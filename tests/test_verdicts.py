"""The hidden-verdict contract: course.recorder runs a plan and writes plain data,
autograder.verdicts judges it against the reference in its own process.

The student side is hostile: every test here feeds the recorder or the judge
something a submission could produce and shows that only the data its
functions return counts."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import notebooks
import numpy as np
import pytest

from autograder import assignments, verdicts
from autograder.plans import Plan
from autograder.verdicts import Recorded, Verdict
from course import recorder
from course.recorder import NotAResult, Skipped, StepError

AFFINE = "03_affine_relu"
reference = assignments.load(AFFINE, "reference")


def record_and_judge(tmp_path, check: str, subject, assignment: str = AFFINE) -> Verdict:
    verdicts.write_inputs(assignment, tmp_path)
    recorder.record_into(tmp_path, check, subject)
    return verdicts.judge(assignment, check, tmp_path, tmp_path)


def roundtrip(tmp_path, plan: Plan, subject) -> Recorded:
    """Run ``plan`` on ``subject`` as the kernel does and load the results as the grader does."""
    (tmp_path / "t.plan.json").write_text(json.dumps(plan.to_json()))
    np.savez(tmp_path / "t.inputs.npz", **plan.arrays)
    recorder.record_into(tmp_path, "t", subject)
    return verdicts.load_recorded(tmp_path, "t", len(plan.steps))


def replayed(plan: Plan, subject) -> Recorded:
    return Recorded(*recorder.run_plan(plan.to_json(), plan.arrays, subject))


# --- plain data ---------------------------------------------------------------------


def test_plain_data_round_trips_exactly(tmp_path):
    value = (1, 2.5, True, None, "text", np.float32(0.5), np.arange(6).reshape(2, 3),
             [np.ones(2, dtype=np.float32)], {"W1": np.eye(2), "n": np.int64(3)})
    plan = Plan("f")
    plan.call(plan.subject(), label="f")
    [got] = roundtrip(tmp_path, plan, lambda: value).results
    assert got[:5] == (1, 2.5, True, None, "text") and type(got[5]) is float and got[5] == 0.5
    np.testing.assert_array_equal(got[6], value[6])
    assert got[7][0].dtype == np.float32 and got[8]["n"] == 3
    np.testing.assert_array_equal(got[8]["W1"], np.eye(2))


class Rigged:
    def __eq__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        return np.zeros(3)


class RiggedArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)


@pytest.mark.parametrize("make, kind", [
    (Rigged, "Rigged"),
    (lambda: np.zeros(3).view(RiggedArray), "RiggedArray"),
    (lambda: (x for x in range(3)), "generator"),
    (lambda: np.zeros(recorder.MAX_ARRAY_SIZE + 1), "too large"),
    (lambda: np.array(["a", "b"]), "dtype <U1"),
    (lambda: {1: np.zeros(2)}, "keys that are not strings"),
    (lambda: type("MyFloat", (float,), {"__eq__": lambda s, o: True})(1.0), "MyFloat"),
], ids=["rigged_eq", "ndarray_subclass", "generator", "huge_array", "strings", "int_keys", "float_subclass"])
def test_anything_but_plain_data_is_not_a_result(tmp_path, make, kind):
    plan = Plan("f")
    plan.call(plan.subject(), label="f")
    [got] = roundtrip(tmp_path, plan, make).results
    assert isinstance(got, NotAResult) and kind in got
    verdict = verdicts.judge_recorded(plan, Recorded([got], [[]]), replayed(plan, lambda: np.zeros(3)))
    assert not verdict.passed and "expected numbers or arrays" in verdict.message


def test_a_rigged_result_fails_the_real_check(tmp_path):
    def affine_forward(x, w, b):
        return Rigged(), None

    verdict = record_and_judge(tmp_path, "test_affine_forward", affine_forward)
    assert not verdict.passed and "Rigged" in verdict.message


# --- steps: errors, in-place changes, state, caches ------------------------------------


def test_an_exception_is_recorded_and_the_steps_that_need_it_are_skipped(tmp_path):
    def forward(x):
        raise ValueError("shapes (2,3) and (4,) not aligned")

    plan = Plan({"forward": "f", "backward": "g"})
    out = plan.call(plan.subject("forward"), np.ones(3), label="forward")
    plan.call(plan.subject("backward"), out.at(1), label="backward")
    got = roundtrip(tmp_path, plan, {"forward": forward, "backward": print})
    assert got.results == [StepError(("ValueError", "shapes (2,3) and (4,) not aligned")),
                           Skipped("step 0 has no result")]
    verdict = verdicts.judge_recorded(plan, got, replayed(plan, {"forward": lambda x: (x, x),
                                                                 "backward": lambda c: c}))
    assert verdict == Verdict(False, "hidden test: forward: raised ValueError: shapes (2,3) and (4,) not aligned")


def test_sys_exit_in_student_code_is_an_error_not_the_end_of_recording(tmp_path):
    plan = Plan("f")
    plan.call(plan.subject(), label="f")
    assert roundtrip(tmp_path, plan, sys.exit).results == [StepError(("SystemExit", ""))]


def test_an_input_modified_in_place_is_recorded_and_fails(tmp_path):
    def relu_forward(x):
        x[x < 0] = 0
        return x, x

    verdict = record_and_judge(tmp_path, "test_relu_forward", relu_forward)
    assert verdict == Verdict(False, "hidden test: relu_forward out for x (2, 3, 4, 5): modified an input "
                                     "array in place; work on a copy.")


def test_every_use_of_an_input_is_a_fresh_copy(tmp_path):
    def double_in_place(x):
        x *= 2
        return x

    plan = Plan("f")
    x = np.arange(3.0)
    plan.call(plan.subject(), x, label="first")
    plan.call(plan.subject(), x, label="second")
    got = roundtrip(tmp_path, plan, double_in_place)
    np.testing.assert_array_equal(got.results[1], 2 * x)  # not 4 * x: the first call's change is gone
    assert got.modified == [["a0"], ["a1"]]


class Counter:
    """A stateful class as a student might write it, and its 'reference'."""

    def __init__(self, start, scale=1.0):
        self.params = {"w": np.full(2, float(start))}
        self.scale = scale

    def step(self, dw):
        self.params["w"] = self.params["w"] - self.scale * dw
        return self.params["w"]


class OffByOneCounter(Counter):
    def step(self, dw):
        return super().step(dw) + (len(self.params) - 1 if self.scale == 1.0 else 1.0)


def _counter_plan():
    plan = Plan("Counter")
    obj = plan.call(plan.subject(), 3, scale=0.5, label="Counter(3, scale=0.5)", compare=[])
    plan.set(plan.get(obj, "params", label="params", compare=[]), np.array([1.0, -1.0]), key="w",
             label="params['w'] = ...")
    plan.set(obj, 2.0, attr="scale", label="scale = 2")
    plan.call(obj, np.array([0.5, 0.25]), method="step", label="step 1")
    plan.call(obj, np.array([1.0, 1.0]), method="step", label="step 2")
    plan.get(obj, "params", label="params after two steps")
    return plan


def test_a_stateful_class_script_is_replayed_and_judged(tmp_path):
    plan = _counter_plan()
    right = roundtrip(tmp_path, plan, Counter)
    np.testing.assert_array_equal(right.results[-1]["w"], [1.0 - 1.0 - 2.0, -1.0 - 0.5 - 2.0])
    assert verdicts.judge_recorded(plan, right, replayed(plan, Counter)).passed
    wrong = roundtrip(tmp_path, plan, OffByOneCounter)
    verdict = verdicts.judge_recorded(plan, wrong, replayed(plan, Counter))
    assert not verdict.passed and verdict.message.startswith("hidden test: step 1 does not match")


def test_a_result_is_recorded_as_it_was_after_its_step(tmp_path):
    """An optimizer that updates its config dict in place: each step's config is judged as it was then."""
    def in_place(w, dw, config):
        config["velocity"] = config.get("velocity", 0.0) * 0.5 - dw
        return w + config["velocity"], config

    plan = Plan("f")
    first = plan.call(plan.subject(), np.zeros(2), np.ones(2), {}, label="step 1")
    plan.call(plan.subject(), np.zeros(2), np.ones(2), first.at(1), label="step 2")
    got = roundtrip(tmp_path, plan, in_place)
    np.testing.assert_array_equal(got.results[0][1]["velocity"], [-1.0, -1.0])  # not step 2's -1.5
    np.testing.assert_array_equal(got.results[1][1]["velocity"], [-1.5, -1.5])


def test_a_seeded_call_is_reproducible_on_both_sides(tmp_path):
    plan = Plan("f")
    plan.call(plan.subject(), 4, seed=7, label="draw")
    got = roundtrip(tmp_path, plan, np.random.randn)
    assert verdicts.judge_recorded(plan, got, replayed(plan, np.random.randn)).passed


def test_a_step_can_carry_its_own_threshold(tmp_path):
    """A step's tolerance replaces the check's, for that step only."""
    plan = Plan("f")
    plan.call(plan.subject(), 1.0, label="strict", tolerance=1e-12)
    plan.call(plan.subject(), 1.0, label="default")
    off = Recorded([1.0 + 1e-10, 1.0 + 1e-10], [[], []])
    right = Recorded([1.0, 1.0], [[], []])
    verdict = verdicts.judge_recorded(plan, off, right, tolerance=1e-8)
    assert not verdict.passed and verdict.message.startswith("hidden test: strict does not match")
    plan.steps[0]["tolerance"] = 1e-8
    assert verdicts.judge_recorded(plan, off, right, tolerance=1e-8).passed
    assert not verdicts.judge_recorded(plan, off, right, tolerance=1e-12).passed  # "default" uses the check's


def test_chained_caches_stay_on_the_student_side(tmp_path):
    """A forward pass's cache (any object) goes into backward, whose result is judged."""
    class Cache:  # not plain data: it never leaves the kernel, only what backward returns does
        def __init__(self, x):
            self.x = x

    def forward(x):
        return x ** 2, Cache(x)

    def backward(dout, cache):
        return 2 * cache.x * dout

    plan = Plan({"forward": "f", "backward": "g"})
    out = plan.call(plan.subject("forward"), np.array([1.0, -2.0]), label="forward", compare=[[0]])
    plan.call(plan.subject("backward"), np.array([1.0, 1.0]), out.at(1), label="backward")
    got = roundtrip(tmp_path, plan, {"forward": forward, "backward": backward})
    assert got.results[0][1] == NotAResult("Cache")
    np.testing.assert_array_equal(got.results[1], [2.0, -4.0])
    wrong = {"forward": forward, "backward": lambda dout, cache: cache.x * dout}
    verdict = verdicts.judge_recorded(plan, roundtrip(tmp_path, plan, wrong),
                                      replayed(plan, {"forward": forward, "backward": backward}))
    assert not verdict.passed and "backward" in verdict.message


def test_named_test_functions_are_passed_from_the_table(tmp_path):
    plan = Plan("f")
    plan.call(plan.subject(), plan.function("cube"), 2.0, label="derivative of x^3 at 2")
    [got] = roundtrip(tmp_path, plan, lambda f, x: (f(x + 1e-5) - f(x - 1e-5)) / 2e-5).results
    assert got == pytest.approx(12.0)


# --- what the grader loads ---------------------------------------------------------------


def test_nothing_recorded_fails_with_a_clear_message(tmp_path):
    verdicts.write_inputs(AFFINE, tmp_path)
    verdict = verdicts.judge(AFFINE, "test_affine_forward", tmp_path, tmp_path)
    assert verdict == Verdict(False, "hidden test test_affine_forward: nothing was recorded: the cell did not "
                                     "reach its hidden test.")


def test_write_inputs_holds_no_expected_values(tmp_path):
    verdicts.write_inputs(AFFINE, tmp_path)
    plan = verdicts.design(AFFINE, "test_affine_forward")
    with np.load(tmp_path / "test_affine_forward.inputs.npz") as npz:
        stored = [npz[name] for name in npz.files]
    expected = [reference.affine_forward(*(plan.arrays[a["array"]] for a in step["args"]))[0]
                for step in plan.steps]
    assert len(stored) == 9 and not any(e.shape == s.shape and np.allclose(e, s)
                                        for e in expected for s in stored)


def test_a_pickled_result_is_never_loaded(tmp_path):
    verdicts.write_inputs(AFFINE, tmp_path)
    recorder.record_into(tmp_path, "test_relu_forward", reference.relu_forward)
    np.savez(tmp_path / "test_relu_forward.results.npz", r0=np.array([Rigged()], dtype=object),
             r1=np.zeros(2))
    verdict = verdicts.judge(AFFINE, "test_relu_forward", tmp_path, tmp_path)
    assert verdict == Verdict(False, "hidden test test_relu_forward: the recorded results are not readable.")


def test_oversized_results_are_refused_before_loading(tmp_path, monkeypatch):
    verdicts.write_inputs(AFFINE, tmp_path)
    recorder.record_into(tmp_path, "test_relu_forward", reference.relu_forward)
    assert verdicts.judge(AFFINE, "test_relu_forward", tmp_path, tmp_path).passed
    monkeypatch.setattr(verdicts, "MAX_ARRAY_BYTES", 100)
    verdict = verdicts.judge(AFFINE, "test_relu_forward", tmp_path, tmp_path)
    assert verdict == Verdict(False, "hidden test test_relu_forward: the recorded arrays are too large.")


def test_a_rewritten_plan_does_not_change_what_is_judged(tmp_path):
    """The kernel can rewrite the plan to easy inputs; the grader draws it again."""
    verdicts.write_inputs(AFFINE, tmp_path)
    wrong = lambda x: (np.where(x > 0, x, 0.0) if x.ndim == 1 else x, x)  # noqa: E731 - right on 1-D only
    easy = Plan("relu_forward")
    easy.call(easy.subject(), np.array([1.0, -1.0]), label="easy")
    easy.call(easy.subject(), np.array([2.0]), label="easy")
    (tmp_path / "test_relu_forward.plan.json").write_text(json.dumps(easy.to_json()))
    np.savez(tmp_path / "test_relu_forward.inputs.npz", **easy.arrays)
    recorder.record_into(tmp_path, "test_relu_forward", wrong)
    assert not verdicts.judge(AFFINE, "test_relu_forward", tmp_path, tmp_path).passed


# --- a hostile kernel ------------------------------------------------------------------------

# Runs in a separate interpreter, as the kernel would: it patches every
# comparison it can reach, then records a wrong affine_forward (no bias).
HOSTILE_KERNEL = """
import numpy as np, numpy.testing, course.gradcheck as gc, course.recorder as rec

np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
for name in ("check_close", "check_gradient", "rel_error", "diagnose", "likely_cause"):
    setattr(gc, name, lambda *a, **k: None)
rec.to_plain = lambda value, depth=0: value
rec.MAX_ARRAY_SIZE = 0

def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w, None

rec.record("test_affine_forward", affine_forward)
"""


def test_patching_numpy_gradcheck_and_the_recorder_in_the_kernel_changes_no_verdict(tmp_path):
    verdicts.write_inputs(AFFINE, tmp_path)
    env = {"COURSE_RECORD_DIR": str(tmp_path), "PYTHONPATH": str(assignments.FOLDER.parent.parent),
           "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", textwrap.dedent(HOSTILE_KERNEL)], env=env, check=True, timeout=120)
    verdict = verdicts.judge(AFFINE, "test_affine_forward", tmp_path, tmp_path)
    assert not verdict.passed and "does not match the expected value" in verdict.message
    # The same kernel with the bias added passes: the patches neither help nor hurt.
    subprocess.run([sys.executable, "-c", textwrap.dedent(HOSTILE_KERNEL).replace(" @ w,", " @ w + b,")],
                   env=env, check=True, timeout=120)
    assert verdicts.judge(AFFINE, "test_affine_forward", tmp_path, tmp_path).passed


# --- record() without a record folder ---------------------------------------------------------


def test_record_without_a_folder_judges_in_process(monkeypatch):
    monkeypatch.delenv("COURSE_RECORD_DIR", raising=False)
    recorder.record("test_sigmoid_forward", reference.sigmoid_forward)  # passes: no exception
    with pytest.raises(AssertionError, match="hidden test: sigmoid_forward out"):
        recorder.record("test_sigmoid_forward", lambda x: (1 / (1 + np.exp(x)), None))


def test_record_without_autograder_says_hidden_tests_run_at_grading(tmp_path):
    script = "from course.recorder import record; record('test_sigmoid_forward', print)"
    course_only = tmp_path / "site"
    course_only.mkdir()
    (course_only / "course").symlink_to(assignments.FOLDER.parent.parent / "course")
    done = subprocess.run([sys.executable, "-c", script], env={"PYTHONPATH": str(course_only)},
                          cwd=course_only, capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout == "test_sigmoid_forward: hidden tests run when your notebook is graded.\n"


# --- the course's notebooks and the assignments' folders ---------------------------------------


@pytest.mark.parametrize("assignment", notebooks.assignments())
def test_every_grade_cell_with_points_has_a_hidden_region(assignment):
    """Points never depend only on code that runs in the student's kernel.

    Written answers (grade and solution cells) are scored by hand, not by running code."""
    nb = notebooks.read(notebooks.notebook_path(notebooks.SOURCE, assignment))
    without = [notebooks.nbgrader_meta(c)["grade_id"] for c in notebooks.grade_cells(nb)
               if notebooks.nbgrader_meta(c).get("points") and not notebooks.nbgrader_meta(c).get("solution")
               and verdicts.HIDDEN_REGION not in c.source]
    assert without == []


@pytest.mark.parametrize("assignment", notebooks.assignments())
def test_recorded_cells_and_planned_checks_are_the_same(assignment):
    """A hidden region that records ``test_X`` has ``plan_test_X`` in hidden.py, and back."""
    nb = notebooks.read(notebooks.notebook_path(notebooks.SOURCE, assignment))
    recorded = {check for check, cell in verdicts.hidden_grade_cells(nb).items()
                if f'record("{check}",' in notebooks.HIDDEN_REGION.search(cell.source).group(1)}
    assert recorded == set(verdicts.checks(assignment))


def test_every_assignment_of_source_has_a_folder_and_back():
    assert assignments.ids() == notebooks.assignments()


@pytest.mark.parametrize("assignment", notebooks.assignments())
def test_a_reference_imports_only_numpy_course_and_earlier_references(assignment):
    """So that the references of earlier assignments can go into a sandbox without this one's."""
    import ast

    tree = ast.parse((assignments.FOLDER / assignment / "reference.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {node.args[0].value for node in ast.walk(tree)
                 if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module"}
    earlier = {f"autograder.assignments.{a}.reference" for a in assignments.ids() if a < assignment}
    allowed = {"__future__", "importlib", "numpy"} | earlier
    assert {m for m in imported if m not in allowed and not m.startswith("course")} == set()


# --- custom judges: statistics and files ---------------------------------------------------------

CUSTOM = {
    "reference.py": '''
        import numpy as np


        def keep_mask(shape, p):
            return (np.random.rand(*shape) >= p) / (1 - p)
    ''',
    "hidden.py": '''
        import numpy as np

        from autograder.plans import Plan
        from autograder.verdicts import PASSED, Verdict


        def plan_test_keep_mask(rng):
            plan = Plan("keep_mask")
            plan.call(plan.subject(), (200, 50), 0.3, label="keep_mask((200, 50), p=0.3)")
            return plan


        def judge_test_keep_mask(plan, recorded, workdir):
            """A random mask: its mean, not its entries, is what a right answer shares."""
            [mask] = recorded.results
            if not isinstance(mask, np.ndarray) or abs(mask.mean() - 1.0) > 0.05:
                return Verdict(False, "hidden test: the mask's mean is not 1.")
            saved = np.load(workdir / "mask.npz", allow_pickle=False)["mask"]
            return PASSED if saved.shape == mask.shape else Verdict(False, "hidden test: mask.npz is missing.")
    ''',
    "mistakes.py": "MISTAKES = []\n",
}


@pytest.fixture
def custom_assignment(tmp_path, monkeypatch):
    folder = tmp_path / "assignments" / "00_custom"
    folder.mkdir(parents=True)
    for name, text in CUSTOM.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip())
    monkeypatch.setenv(assignments.PATH_ENV, str(tmp_path / "assignments"))
    return tmp_path


def test_a_custom_judge_decides_on_the_recorded_values_and_the_workdir(custom_assignment):
    record_dir, workdir = custom_assignment / "record", custom_assignment / "work"
    workdir.mkdir()
    np.savez(workdir / "mask.npz", mask=np.ones((200, 50)))

    def unscaled(shape, p):
        return (np.random.rand(*shape) >= p).astype(float)

    custom_reference = assignments.load("00_custom", "reference")
    for subject, passed in [(custom_reference.keep_mask, True), (unscaled, False)]:
        verdicts.write_inputs("00_custom", record_dir)
        recorder.record_into(record_dir, "test_keep_mask", subject)
        assert verdicts.judge("00_custom", "test_keep_mask", record_dir, workdir).passed is passed
    recorder.record_into(record_dir, "test_keep_mask", custom_reference.keep_mask)
    (workdir / "mask.npz").unlink()
    verdict = verdicts.judge("00_custom", "test_keep_mask", record_dir, workdir)  # the judge raises: the cell fails
    assert not verdict.passed and verdict.message.startswith("hidden test test_keep_mask: could not be judged "
                                                             "(FileNotFoundError")
