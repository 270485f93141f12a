"""What flows through the grading pipeline: a job in, a result out, and the saved outcomes.

The coordinator (:mod:`autograder.grading`) builds one :class:`GradingJob` per
submission, a task process (:mod:`autograder.grade_one`, supervised by
:mod:`autograder.supervisor`) turns it into a :class:`GradingResult`, and the
coordinator records it. Both are plain dataclasses that cross process
boundaries as JSON, so every stage imports this module and none imports another.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

GRADED, TIMED_OUT, CRASHED, MALFORMED, TAMPERED = "graded", "timed out", "crashed", "malformed", "tampered"
SEVERITY = [MALFORMED, TIMED_OUT, CRASHED, TAMPERED, GRADED]
UNSANDBOXED = "unsandboxed"  # the note of every result graded with --no-sandbox
OUTCOMES_FILE = "outcomes.json"  # under autograded/: the last outcome of every submission


def worst(outcomes: list[str]) -> str:
    return min(outcomes, key=SEVERITY.index) if outcomes else GRADED


@dataclass(frozen=True)
class GradingJob:
    """Everything a task needs to grade one submission, decided once by the coordinator."""

    course_root: str
    assignment: str
    student: str
    template: str  # the run's template gradebook (SQLite), outside the course root
    workdir: str  # this task's private folder, outside the course root
    course_id: str
    config: dict  # the course's nbgrader configuration, read once per run
    limits: dict  # autograder.limits.GradingLimits values
    sandbox: bool = True

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> "GradingJob":
        return cls(**json.loads(path.read_text()))


@dataclass
class GradingResult:
    """One submission's grade: its outcome, why, and the points of every grade cell."""

    assignment: str
    student: str
    outcome: str
    scores: dict  # {notebook: {grade cell: points}}
    notes: list[str] = field(default_factory=list)
    timestamp: str | None = None
    seconds: float | None = None
    timings: dict = field(default_factory=dict)  # seconds per stage: sandbox, kernel_start, execute, verdicts
    late_penalties: dict = field(default_factory=dict)
    manual: dict = field(default_factory=dict)
    sandboxed: bool = True

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"

    @property
    def points(self) -> float:
        return sum(sum(cells.values()) for cells in self.scores.values())

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "GradingResult":
        data = json.loads(text)
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


def failed_result(job: GradingJob, outcome: str, note: str | list[str], seconds: float | None = None,
                  scores: dict | None = None) -> GradingResult:
    """The result of a submission that could not be graded: 0 points unless ``scores`` says otherwise."""
    from .course_dir import sqlite_url
    from .gradebook import zero_scores

    if scores is None:
        scores = zero_scores(sqlite_url(job.template), job.course_id, job.assignment)
    notes = [note] if isinstance(note, str) else list(note)
    return GradingResult(job.assignment, job.student, outcome, scores, notes + [UNSANDBOXED] * (not job.sandbox),
                         seconds=seconds, sandboxed=job.sandbox)


def save_outcomes(course, results: list[GradingResult]) -> None:
    """Merge ``results`` into the course's autograded/outcomes.json (the last outcome of every submission)."""
    path = course.path("autograded", OUTCOMES_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    known = json.loads(path.read_text()) if path.exists() else {}
    for r in results:
        known[r.key] = {"student": r.student, "assignment": r.assignment, "outcome": r.outcome, "notes": r.notes,
                        "sandboxed": r.sandboxed}
    path.write_text(json.dumps(known, indent=1, sort_keys=True))


def load_outcomes(course) -> list[dict]:
    """The saved outcomes of a course: dicts with student, assignment, outcome, notes, sandboxed."""
    path = course.path("autograded", OUTCOMES_FILE)
    return list(json.loads(path.read_text()).values()) if path.exists() else []
