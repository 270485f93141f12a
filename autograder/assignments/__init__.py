"""Everything instructor-side about an assignment, one folder per assignment.

``autograder/assignments/<id>/`` is named exactly like ``source/<id>/`` and holds

- ``reference.py``: the correct implementation; it imports only numpy,
  ``course.*`` and earlier assignments' ``reference`` modules, so the earlier
  references can be given to a sandbox without the graded one;
- ``hidden.py``: the hidden checks (what to call, and how to judge the results);
- ``mistakes.py``: realistic wrong implementations, built from the reference's source.

The ids start with a digit, so the modules are imported with :func:`load`.
Folders listed in ``$AUTOGRADER_ASSIGNMENTS_PATH`` (``os.pathsep``-separated)
hold more assignment folders, e.g. a test's toy assignment.
"""
from __future__ import annotations

import importlib
import inspect
import os
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
PATH_ENV = "AUTOGRADER_ASSIGNMENTS_PATH"


def folders() -> list[Path]:
    """This package's folder, then those of ``$AUTOGRADER_ASSIGNMENTS_PATH``."""
    return [FOLDER, *(Path(p) for p in os.environ.get(PATH_ENV, "").split(os.pathsep) if p)]


def _find_modules_in_every_folder() -> None:
    __path__[:] = [str(folder) for folder in folders()]


_find_modules_in_every_folder()


def ids() -> list[str]:
    """Every assignment that has a folder, in course order."""
    return sorted(p.name for folder in folders() if folder.is_dir() for p in folder.iterdir()
                  if (p / "reference.py").is_file())


def load(assignment: str, role: str):
    """The module ``autograder.assignments.<assignment>.<role>`` (reference, hidden or mistakes)."""
    _find_modules_in_every_folder()
    return importlib.import_module(f"{__name__}.{assignment}.{role}")


def _is_answer(obj) -> bool:
    """The answer to an auto-graded question: a plain value (autograder/answers.py)."""
    return type(obj) in (str, int, float)


def own_definitions(assignment: str) -> dict[str, object]:
    """The functions and classes that ``assignment``'s reference defines itself (leaving out
    those it takes from earlier assignments), and the answers to its questions."""
    module = load(assignment, "reference")
    return {name: obj for name, obj in vars(module).items() if not name.startswith("_") and (
        _is_answer(obj) or (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module.__name__)}


def references() -> dict[str, object]:
    """Every assignment's own reference definitions, by name (for tests and benchmarks)."""
    return {name: obj for assignment in ids() for name, obj in own_definitions(assignment).items()}


def checks_module_name(assignment: str) -> str:
    """``03_affine_relu`` -> ``affine_relu``: the name of its ``course.checks`` module."""
    return assignment.split("_", 1)[1]
