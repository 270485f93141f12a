"""Reuse the functions you wrote in an earlier assignment.

Assignment 04 builds a network from the layers of 03, 06 reuses 04 and 05, and
so on. ``load("03_affine_relu", ["affine_forward", ...])`` reads your own
notebook ``../03_affine_relu/03_affine_relu.ipynb`` and runs the cells that
define those names, so you never copy code between notebooks. The imports and
``previous.load`` lines of that notebook's other cells run too, so a class
from 04 that calls your 03 layers works in 06.

While nbgrader autogrades (``NBGRADER_EXECUTION=autograde``) the names come
from the instructor's reference instead: each assignment is graded on its own
functions only, and a mistake in 03 costs no points in 04.
"""
from __future__ import annotations

import ast
import os
from pathlib import Path

import nbformat
import numpy as np

REFERENCE_PACKAGE = "autograder.assignments"


# Notebooks being loaded right now, innermost last: a notebook that itself
# loads an earlier assignment finds it in its own course folder.
_loading: list[Path] = []


def _target_names(target: ast.expr) -> set[str]:
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*(_target_names(t) for t in target.elts))
    return set()


def _defined_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names |= _target_names(target)
    return names


def _is_previous_load(node: ast.stmt) -> bool:
    """``a, b = previous.load(...)`` (or ``load(...)``) at the top level of a cell."""
    if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
        return False
    func = node.value.func
    return (isinstance(func, ast.Attribute) and func.attr == "load"
            and isinstance(func.value, ast.Name) and func.value.id == "previous") or (
        isinstance(func, ast.Name) and func.id == "load")


def _setup_statements(source: str) -> ast.Module | None:
    """The imports and ``previous.load`` assignments of an ordinary code cell.

    Solution cells may use names that the notebook imported or loaded from an
    earlier assignment in ordinary cells; those statements run too, the rest
    of such a cell (demos, plots, training) does not.
    """
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return None
    body = [node for node in tree.body
            if isinstance(node, (ast.Import, ast.ImportFrom)) or _is_previous_load(node)]
    return ast.Module(body=body, type_ignores=[]) if body else None


def _raises_not_implemented(node: ast.AST) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Raise) and inner.exc is not None:
            exc = inner.exc.func if isinstance(inner.exc, ast.Call) else inner.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return True
    return False


def _stubs(tree: ast.Module, names: set[str]) -> list[str]:
    """Functions (and methods of classes) among ``names`` that still ``raise NotImplementedError``."""
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in names and _raises_not_implemented(node):
            found.append(node.name)
        elif isinstance(node, ast.ClassDef) and node.name in names:
            found += [f"{node.name}.{item.name}" for item in node.body
                      if isinstance(item, ast.FunctionDef) and _raises_not_implemented(item)]
    return found


def reference_module(assignment: str):
    """The instructor's reference of ``assignment``: the one place that says where it is found."""
    import importlib

    return importlib.import_module(f"{REFERENCE_PACKAGE}.{assignment}.reference")


def _from_reference(assignment: str, names):
    module = reference_module(assignment)
    missing = [name for name in names if not hasattr(module, name)]
    if missing:
        raise NameError(f"the reference of {assignment} defines no {', '.join(missing)}.")
    return {name: getattr(module, name) for name in names}


def _from_notebook(path: Path, names):
    if not path.exists():
        raise FileNotFoundError(
            f"{path} not found. course.previous.load reads your earlier notebook; "
            "keep the assignment folders side by side as they were released.")
    if path.resolve() in _loading:
        raise RuntimeError(f"{path.name} loads itself through course.previous.load.")
    nb = nbformat.read(path, as_version=4)
    namespace = {"np": np, "__name__": f"previous_{path.stem}"}
    _loading.append(path.resolve())
    try:
        return _run_cells(path, nb, namespace, names)
    finally:
        _loading.pop()


def _run_cells(path: Path, nb, namespace: dict, names):
    wanted = set(names)
    found = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        nbgrader = cell.metadata.get("nbgrader", {})
        if nbgrader.get("grade") and not nbgrader.get("solution"):
            continue  # tests only: nothing in them is meant for reuse
        if not nbgrader.get("solution"):
            setup = _setup_statements(cell.source)
            if setup is not None:
                exec(compile(setup, str(path), "exec"), namespace)  # noqa: S102
                found |= _defined_names(setup) & wanted
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError as err:
            if any(name in cell.source for name in wanted - found):
                raise SyntaxError(f"a solution cell of {path.name} does not parse: {err}") from err
            continue
        defined = _defined_names(tree)
        for stub in _stubs(tree, wanted):
            # Said now, not when a later cell calls it far from the cause.
            print(f"{stub} from {path.parent.name}/{path.name} is not written yet: replace "
                  f"`raise NotImplementedError()` in its cell of that notebook and save it.")
        # Every solution cell up to the last wanted one runs, in order: the
        # wanted functions may call helpers defined in earlier cells.
        exec(compile(tree, str(path), "exec"), namespace)  # noqa: S102 - the student's own code
        found |= defined & wanted
        if found == wanted:
            break
    missing = wanted - found
    if missing:
        raise NameError(f"{path.name} defines no {', '.join(sorted(missing))} in its solution cells.")
    return {name: namespace[name] for name in names}


def load(assignment: str, names, course_dir: str | os.PathLike | None = None):
    """Return the objects ``names`` from your notebook of ``assignment``.

    Returns a single object for one name, else a tuple in the order asked.
    ``course_dir`` is the folder that holds the assignment folders (default:
    the parent of the current directory, where nbgrader runs the notebook).
    """
    single = isinstance(names, str)
    names = [names] if single else list(names)
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        objs = _from_reference(assignment, names)
    else:
        if course_dir is not None:
            root = Path(course_dir)
        elif _loading:  # called from a notebook that is itself being loaded
            root = _loading[-1].parent.parent
        else:
            root = Path.cwd().parent
        objs = _from_notebook(root / assignment / f"{assignment}.ipynb", names)
    values = tuple(objs[name] for name in names)
    return values[0] if single else values
