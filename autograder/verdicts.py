"""Hidden verdicts, computed in the grading process from what the kernel recorded.

For a grade cell ``test_X`` whose hidden region is ``record("test_X", obj)``,
the assignment's ``hidden.py`` defines ``plan_test_X(rng) -> Plan`` (the calls
and their inputs, no expected values) and, only for checks that are not a
comparison with the reference, ``judge_test_X(plan, recorded, workdir) -> Verdict``.

1. :func:`write_inputs` writes every check's plan and inputs into the record
   folder before the kernel starts;
2. the kernel's :func:`course.recorder.record` runs the plan on the student's
   objects and writes the results there;
3. :func:`judge` draws the plan again (the kernel may have rewritten the files),
   loads the results as plain data (JSON and ``np.load(allow_pickle=False)``,
   size-capped), replays the plan on the reference, and compares every judged
   part with one comparator, :func:`course.gradcheck.check_close`;
4. :class:`JudgeHiddenChecks` turns a failed verdict into an error output of
   the grade cell, so that nbgrader's SaveAutoGrades scores it 0.
"""
from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade
from traitlets import Unicode

from autograder import assignments
from autograder.hidden import ModelFileProblem, rng
from autograder.plans import Plan
from course import plan_runner
from course.gradcheck import check_close
from course.i18n import _, speaking
from course.plan_runner import NotAResult, Skipped, StepError

HIDDEN_FAILED = "HiddenTestFailed"
HIDDEN_REGION = "### BEGIN HIDDEN TESTS"
TOLERANCE = 1e-8
# Caps on what a kernel may hand over: the results document, all arrays together, their count.
MAX_JSON_BYTES = 4 << 20
MAX_ARRAY_BYTES = 256 << 20
MAX_ARRAYS = 10_000  # 06's numerical gradients record (loss, grads) for ~500 small steps


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str = ""  # safe to show the student: names the failing call, never the hidden code


@dataclass(frozen=True)
class Recorded:
    """What the kernel recorded for one check: per step a plain value, StepError or Skipped."""
    results: list
    modified: list[list[str]]


class Unreadable(Exception):
    """Recorded results that are missing, too large or not plain data."""


PASSED = Verdict(True)


def judge_saved_net(measure, shortfall) -> Verdict:
    """The verdict on a net handed in as a file: ``measure()`` returns (accuracy, target) or raises
    ModelFileProblem; ``shortfall(accuracy, target)`` says what a net below its target lacks."""
    try:
        accuracy, target = measure()
    except ModelFileProblem as problem:
        return Verdict(False, _("hidden test: {problem}").format(problem=problem))
    if accuracy < target:
        return Verdict(False, _("hidden test: {problem}").format(problem=shortfall(accuracy, target)))
    return PASSED


def checks(assignment: str) -> list[str]:
    """The hidden checks of ``assignment`` judged outside the kernel (grade ids; none without a folder)."""
    if assignment not in assignments.ids():
        return []
    hidden = assignments.load(assignment, "hidden")
    return sorted(name.removeprefix("plan_") for name in vars(hidden) if name.startswith("plan_"))


def design(assignment: str, check: str) -> Plan:
    """The plan of ``check``, drawn from its seeded design: the same at every regrade."""
    hidden = assignments.load(assignment, "hidden")
    return getattr(hidden, f"plan_{check}")(rng(f"{assignment}/{check}"))


def write_inputs(assignment: str, record_dir: Path) -> None:
    """Write ``<check>.plan.json`` and ``<check>.inputs.npz`` for every check; no expected values."""
    record_dir.mkdir(parents=True, exist_ok=True)
    for check in checks(assignment):
        plan = design(assignment, check)
        for stale in record_dir.glob(f"{check}.results.*"):
            stale.unlink()
        (record_dir / f"{check}.plan.json").write_text(json.dumps(plan.to_json()))
        np.savez(record_dir / f"{check}.inputs.npz", **plan.arrays)


def _decode(value, arrays):
    """A results-document value as plain data; anything unexpected is Unreadable."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is not dict or len(value) != 1:
        raise Unreadable("unexpected value")
    (kind, inner), = value.items()
    if kind == "array" and type(inner) is str and inner in arrays:
        return arrays[inner]
    if kind == "not_a_result" and type(inner) is str:
        return NotAResult(inner)
    if kind in ("tuple", "list") and type(inner) is list:
        items = [_decode(v, arrays) for v in inner]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict" and type(inner) is dict:
        return {str(k): _decode(v, arrays) for k, v in inner.items()}
    raise Unreadable(f"unexpected value of kind {kind!r}")


def _load_arrays(path: Path) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(path) as archive:  # sizes from the zip directory, before anything is read
        infos = archive.infolist()
        if len(infos) > MAX_ARRAYS or sum(i.file_size for i in infos) > MAX_ARRAY_BYTES:
            raise Unreadable("the recorded arrays are too large")
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    if any(a.dtype.kind not in "biuf" for a in arrays.values()):
        raise Unreadable("a recorded array does not hold numbers")
    return arrays


def load_recorded(record_dir: Path, check: str, steps: int) -> Recorded:
    document_path = record_dir / f"{check}.results.json"
    arrays_path = record_dir / f"{check}.results.npz"
    if not document_path.is_file() or not arrays_path.is_file():
        raise Unreadable("nothing was recorded: the cell did not reach its hidden test")
    if document_path.stat().st_size > MAX_JSON_BYTES:
        raise Unreadable("the recorded results are too large")
    try:
        document = json.loads(document_path.read_text())
        arrays = _load_arrays(arrays_path)
    except (ValueError, OSError, zipfile.BadZipFile) as err:
        raise Unreadable("the recorded results are not readable") from err
    entries = document.get("steps") if type(document) is dict else None
    if type(entries) is not list or len(entries) != steps:
        raise Unreadable("the recorded results do not match the hidden test")
    results, modified = [], []
    for entry in entries:
        if type(entry) is not dict:
            raise Unreadable("unexpected step")
        if "error" in entry:
            results.append(StepError((str(entry["error"]), str(entry.get("message", "")))))
        elif "skipped" in entry:
            results.append(Skipped(str(entry["skipped"])))
        elif "value" in entry:
            results.append(_decode(entry["value"], arrays))
        else:
            raise Unreadable("unexpected step")
        changed = entry.get("modified", [])
        modified.append([str(name) for name in changed] if type(changed) is list else [])
    return Recorded(results, modified)


def _reference_subject(assignment: str, reference):
    module = assignments.load(assignment, "reference")
    if isinstance(reference, dict):
        return {key: getattr(module, name) for key, name in reference.items()}
    return getattr(module, reference)


def replay(assignment: str, plan: Plan) -> Recorded:
    """The plan run on the reference, in this (trusted) process, as plain data."""
    return Recorded(*plan_runner.run_plan(plan.to_json(), plan.arrays, _reference_subject(assignment, plan.reference)))


class _Mismatch(Exception):
    """The student's result lacks a part that the reference's has."""


def _tuple_problem(label: str, got, want) -> str:
    if isinstance(got, (tuple, list)):
        return _("{label}: must return a tuple of {count} values, got {kind} of length {length}.").format(
            label=label, count=len(want), kind=type(got).__name__, length=len(got))
    return _("{label}: must return a tuple of {count} values, got {kind}.").format(
        label=label, count=len(want), kind=type(got).__name__)


def _part(label: str, got, want, path):
    """(label, got, want) at ``path`` of both results; _Mismatch when the student's has no such part."""
    for key in path:
        if isinstance(want, (tuple, list)) and (not isinstance(got, (tuple, list)) or len(got) != len(want)):
            raise _Mismatch(_tuple_problem(label, got, want))
        if isinstance(want, dict) and (not isinstance(got, dict) or key not in got):
            raise _Mismatch(_("{label}: has no entry {key!r}.").format(label=label, key=key))
        got, want = got[key], want[key]
    return label, got, want  # the step's label names the part it judges


def compare(label: str, got, want, tolerance: float) -> str | None:
    """The one comparator: None when ``got`` matches ``want``, else what is wrong."""
    if isinstance(want, NotAResult):
        return None  # not judged by value (e.g. a cache object): only that it exists
    if isinstance(got, NotAResult):
        return _("{label}: got a {got}, expected numbers or arrays.").format(label=label, got=got)
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return _tuple_problem(label, got, want)
        problems = (compare(f"{label}[{i}]", g, w, tolerance) for i, (g, w) in enumerate(zip(got, want)))
        return next((p for p in problems if p), None)
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return _("{label}: expected a dict, got {kind}.").format(label=label, kind=type(got).__name__)
        problems = (compare(f"{label}[{k!r}]", got.get(k), w, tolerance) for k, w in want.items())
        return next((p for p in problems if p), None)
    if want is None or isinstance(want, str):
        return None if got == want else _("{label}: expected {want!r}, got {kind}.").format(
            label=label, want=want, kind=type(got).__name__)
    try:
        check_close(label, got, want, tolerance)
    except AssertionError as err:
        return str(err)
    return None


def judge_recorded(plan: Plan, student: Recorded, reference: Recorded, tolerance: float = TOLERANCE) -> Verdict:
    """The first difference between the student's and the reference's results, step by step."""
    for index, step in enumerate(plan.steps):
        label = _("hidden test: {label}").format(label=step["label"])
        got, want = student.results[index], reference.results[index]
        if isinstance(got, Skipped):
            return Verdict(False, _("{label}: not run, an earlier call failed.").format(label=label))
        if isinstance(want, StepError):
            if isinstance(got, StepError) and got[0] == want[0]:
                continue
            return Verdict(False, _("{label}: should raise {error}.").format(label=label, error=want[0]))
        if isinstance(got, StepError):
            return Verdict(False, _("{label}: raised {error}: {message}").format(label=label, error=got[0],
                                                                                 message=got[1]))
        if set(student.modified[index]) - set(reference.modified[index]):
            return Verdict(False, _("{label}: modified an input array in place; work on a copy.").format(label=label))
        for path in step["compare"]:
            try:
                problem = compare(*_part(label, got, want, path), step.get("tolerance", tolerance))
            except _Mismatch as mismatch:
                problem = str(mismatch)
            if problem:
                return Verdict(False, problem)
    return PASSED


def judge(assignment: str, check: str, record_dir: Path, workdir: Path) -> Verdict:
    """The verdict of ``check`` on what the kernel recorded in ``record_dir``."""
    hidden = assignments.load(assignment, "hidden")
    plan = design(assignment, check)
    try:
        student = load_recorded(Path(record_dir), check, len(plan.steps))
    except Unreadable as why:
        return Verdict(False, _("hidden test {check}: {why}.").format(check=check, why=why))
    custom = getattr(hidden, f"judge_{check}", None)
    if custom is not None:
        try:
            return custom(plan, student, Path(workdir))
        except Exception as err:  # noqa: BLE001 - e.g. a file the notebook should have saved: this cell fails
            return Verdict(False, _("hidden test {check}: could not be judged ({error}: {message}).").format(
                check=check, error=type(err).__name__, message=err))
    return judge_recorded(plan, student, replay(assignment, plan), getattr(hidden, "TOLERANCE", TOLERANCE))


def check_in_process(check: str, subject, workdir: Path | None = None) -> Verdict:
    """Record and judge ``check`` right here (the instructor running source/ under nbval)."""
    owners = [a for a in assignments.ids() if check in checks(a)]
    if not owners:
        return Verdict(False, f"no assignment has a hidden test {check!r}.")
    with tempfile.TemporaryDirectory(prefix="record-") as folder:
        write_inputs(owners[0], Path(folder))
        plan_runner.record_into(Path(folder), check, subject)
        return judge(owners[0], check, Path(folder), workdir or Path.cwd())


def hidden_grade_cells(nb) -> dict[str, object]:
    """grade id -> cell, for every grade cell with a hidden region."""
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in nb.cells
            if cell.cell_type == "code" and is_grade(cell) and HIDDEN_REGION in cell.source}


class JudgeHiddenChecks(NbGraderPreprocessor):
    """After execution, before SaveAutoGrades: a grade cell whose hidden check
    fails (or recorded nothing) gets an error output, so it scores 0."""

    record_dir = Unicode("", help="Folder holding the plans written by write_inputs and the results "
                                  "the kernel recorded (its COURSE_RECORD_DIR).").tag(config=True)

    def preprocess(self, nb, resources):
        assignment = resources["nbgrader"]["assignment"]
        workdir = Path(resources.get("metadata", {}).get("path") or ".")
        judged = set(checks(assignment))
        # A verdict speaks the notebook's language (metadata.course.language of the Chinese edition).
        with speaking(nb.metadata.get("course", {}).get("language", "en")):
            for check, cell in hidden_grade_cells(nb).items():
                if check not in judged or any(o.get("output_type") == "error" for o in cell.outputs):
                    continue  # judged in the kernel (not converted yet), or already failed
                verdict = judge(assignment, check, Path(self.record_dir), workdir)
                if not verdict.passed:
                    cell.outputs.append(_error_output(verdict.message))
        return nb, resources


def _error_output(message: str):
    from nbformat.v4 import new_output

    return new_output("error", ename=HIDDEN_FAILED, evalue=message, traceback=[f"{HIDDEN_FAILED}: {message}"])
