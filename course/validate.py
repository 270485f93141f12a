"""Check a notebook before handing it in: ``python -m course.validate NOTEBOOK...``.

Runs nbgrader's validator (what the Validate button runs), prints the same
summary, and exits with status 1 when a notebook fails: a test cell fails, a
test cell was edited, or a cell's type was changed. ``nbgrader validate``
itself exits 0 either way (nbgrader issue #1908), so a script or a CI job
cannot rely on it.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

# nbgrader's result keys that mean "do not hand this in yet".
PROBLEMS = ("type_changed", "changed", "failed")


@dataclass(frozen=True)
class Validation:
    notebook: Path
    problems: dict[str, int]  # kind of problem -> number of cells

    @property
    def passed(self) -> bool:
        return not any(self.problems.values())


def _validator(stream):
    from nbgrader.validator import Validator

    class RecordingValidator(Validator):
        """nbgrader's validator, keeping the results it prints."""

        def validate(self, filename):
            self.results = super().validate(filename)
            return self.results

    validator = RecordingValidator()
    validator.stream = stream
    return validator


def validate(notebook: str | Path, stream=None) -> Validation:
    """Validate one notebook, printing nbgrader's summary to ``stream`` (stdout by default)."""
    validator = _validator(stream or sys.stdout)
    validator.validate_and_print(str(notebook))
    return Validation(Path(notebook), {kind: len(validator.results.get(kind, [])) for kind in PROBLEMS})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.validate", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK")
    args = parser.parse_args(argv)
    failed = []
    for notebook in args.notebooks:
        if not notebook.is_file():
            print(f"{notebook}: no such notebook", file=sys.stderr)
            failed.append(notebook)
            continue
        print(f"== {notebook}")
        if not validate(notebook).passed:
            failed.append(notebook)
    if failed:
        print(f"NOT READY to hand in: {', '.join(map(str, failed))}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
