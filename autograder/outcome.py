"""Inspecting one submission before and after grading (the outcome kinds live in autograder.results).

Before grading, :func:`inspect_submission` compares the submitted folder with
the released one: a missing or renamed notebook, or one that is not valid
notebook JSON, makes it "malformed" (scored 0); a deleted or edited locked
cell (a test cell) makes it "tampered" (nbgrader restores those cells from the
gradebook, so the student is graded on the real tests). After grading,
:func:`classify` reads the error outputs nbgrader left in the graded notebook.
The outcome names the worst thing that happened; the points are whatever the
cells that ran earned.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .cells import grade_id, is_grade, locked_sources
from .preprocessors import KERNEL_DIED, NOT_RUN

TIMEOUT_ERRORS = {"CellTimeoutError", "KeyboardInterrupt", "TimeoutError"}


@dataclass
class Inspection:
    malformed: list[str] = field(default_factory=list)
    tampered: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # grade cells nbgrader does not know: dropped


def inspect_submission(release_dir: Path, submitted_dir: Path) -> Inspection:
    import nbformat

    found = Inspection()
    released = sorted(release_dir.glob("*.ipynb"))
    present = sorted(p.name for p in submitted_dir.glob("*.ipynb"))
    for release_nb in released:
        path = submitted_dir / release_nb.name
        if not path.exists():
            found.malformed.append(f"{release_nb.name} missing (folder has: {', '.join(present) or 'no notebook'})")
            continue
        try:
            submitted = nbformat.read(path, as_version=4)
            nbformat.validate(submitted)
        except Exception as err:  # noqa: BLE001 - any unreadable file is malformed
            found.malformed.append(f"{release_nb.name} is not a valid notebook ({type(err).__name__})")
            continue
        theirs = locked_sources(submitted)
        original = nbformat.read(release_nb, as_version=4)
        known = {grade_id(cell) for cell in original.cells if is_grade(cell)}
        found.unknown += [f"grade cell {grade_id(cell)} is not in the assignment: dropped, not graded"
                          for cell in submitted.cells if is_grade(cell) and grade_id(cell) not in known]
        for cell_id, source in locked_sources(original).items():
            if cell_id not in theirs:
                found.tampered.append(f"locked cell {cell_id} deleted (restored)")
            elif theirs[cell_id].strip() != source.strip():
                found.tampered.append(f"locked cell {cell_id} edited (restored)")
    return found


def classify(graded_notebooks: list[Path]) -> tuple[list[str], list[str]]:
    """(timed-out notes, crash notes) from the error outputs of graded notebooks."""
    import nbformat

    timeouts, crashes = [], []
    for path in graded_notebooks:
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            where = grade_id(cell) or f"cell {index}"
            for out in cell.get("outputs", []):
                if out.get("output_type") != "error":
                    continue
                if out.ename in TIMEOUT_ERRORS:
                    timeouts.append(f"{where}: cell time limit")
                elif out.ename == KERNEL_DIED:
                    crashes.append(f"{where}: kernel died")
                elif out.ename == NOT_RUN:
                    crashes.append(f"{where}: not run")
                elif out.ename == "MemoryError":
                    crashes.append(f"{where}: memory limit")
    return list(dict.fromkeys(timeouts)), list(dict.fromkeys(crashes))

