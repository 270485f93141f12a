"""Run a hidden test's *plan* on a subject and keep what came back as plain data.

The same interpreter runs in the student's kernel (:func:`course.recorder.record`
on the student's objects) and in the grader (on the reference), so both sides
make exactly the same calls. Nothing here knows the right answers.

A plan is JSON: ``{"reference": ..., "steps": [step, ...]}``; arrays live in
``<check>.inputs.npz``. Each step records one result (or the exception it
raised) and the names of the input arrays it modified in place.

==========  ===============================  ======================================
``do``      fields                           result
==========  ===============================  ======================================
``call``    target, args, kwargs, [method],  ``target(*args, **kwargs)``, or
            [seed]                           ``target.method(...)``; ``seed`` calls
                                             ``np.random.seed(seed)`` first
``get``     target, [attr]                   ``target``, or ``getattr(target, attr)``
``set``     target, attr or key, value       ``setattr`` / ``target[key] = value``
==========  ===============================  ======================================

Every step may also carry ``label`` (how messages name it), ``compare``
(which parts of its result are judged: a list of paths, default ``[[]]``, the
whole result) and ``tolerance`` (its comparison's threshold); the recorder
ignores them. A *value* (target, argument) is a
JSON number, string, bool or null, or one of

- ``{"array": name}``: a fresh copy of an input array, for every use;
- ``{"subject": key, "path": [...]}``: what was recorded (``subject[key]`` for
  a dict, the object itself when key is null), then ``[k]`` for each path entry;
- ``{"step": i, "path": [...]}``: the result of an earlier step, as it is;
- ``{"function": name}``: a test function from :data:`FUNCTIONS`;
- ``{"tuple": [...]}``, ``{"list": [...]}``, ``{"dict": {...}}`` of values.

Results are written as ``<check>.results.json`` and ``<check>.results.npz``:
numbers, strings, None, arrays of numbers, and tuples, lists and dicts (with
string keys) of those. Anything else is recorded as "not a result" with its
type name only.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from course.i18n import _

__all__ = ["record_into", "run_plan", "to_plain", "encode_results", "NotAResult", "StepError", "Skipped",
           "FUNCTIONS", "RECORD_DIR_ENV"]

RECORD_DIR_ENV = "COURSE_RECORD_DIR"
# One result array above this many entries is refused, so is a nest deeper than MAX_DEPTH.
MAX_ARRAY_SIZE = 1 << 22
MAX_ITEMS = 10_000
MAX_DEPTH = 8
MAX_TEXT = 2000

# Functions a plan can pass as arguments: entrywise ones (e.g. to numerical_derivative(f, x))
# and scalar functions of a whole array (to numerical_gradient(f, x)).
FUNCTIONS = {
    "sin": np.sin,
    "exp": np.exp,
    "square": np.square,
    "cube": lambda x: x ** 3,
    "cubic": lambda x: x ** 3 - 2.0 * x,
    "rational": lambda x: 1.0 / (1.0 + x ** 2),
    "plane_3x_4y": lambda v: 3.0 * v[0] + 4.0 * v[1],  # F = 3x + 4y of a 2-vector: gradient (3, 4)
    "sum_of_cubes": lambda v: np.sum(v ** 3),
    "sin_times_norm": lambda v: np.sum(np.sin(v)) * np.sum(v ** 2),  # every entry moves every partial
}

_NUMPY_SCALARS = {np.dtype(code).type for code in "?bhilqBHILQefdg"}
_NUMERIC_KINDS = "biuf"


class NotAResult(str):
    """A result that is no plain data; holds only the type's name."""


class StepError(tuple):
    """(exception type name, message) of a step that raised."""


class Skipped(str):
    """A step that could not run because a value it needs is missing; holds why."""


def to_plain(value, depth: int = 0):
    """``value`` as plain data: exact Python/numpy scalars, float64-or-integer arrays
    (copies), str, None, and tuples/lists/str-keyed dicts of those; any other
    object (subclasses too) becomes :class:`NotAResult`."""
    kind = type(value)
    if kind is NotAResult:  # already plain: run_plan's results go through here again when encoded
        return value
    if depth > MAX_DEPTH:
        return NotAResult(_("a structure nested too deep"))
    if value is None or kind in (bool, int, float):
        return value
    if kind is str:
        return value[:MAX_TEXT]
    if kind in _NUMPY_SCALARS:
        return value.item()
    if kind is np.ndarray:
        if value.dtype.kind not in _NUMERIC_KINDS:
            return NotAResult(_("array of dtype {dtype}").format(dtype=value.dtype))
        if value.size > MAX_ARRAY_SIZE:
            return NotAResult(_("array of {size} entries (too large)").format(size=value.size))
        return np.array(value, copy=True)
    if kind in (tuple, list):
        if len(value) > MAX_ITEMS:
            return NotAResult(_("{kind} of {count} items (too many)").format(kind=kind.__name__, count=len(value)))
        items = [to_plain(item, depth + 1) for item in value]
        return tuple(items) if kind is tuple else items
    if kind is dict:
        if len(value) > MAX_ITEMS:
            return NotAResult(_("{kind} of {count} items (too many)").format(kind="dict", count=len(value)))
        if not all(type(key) is str for key in value):
            return NotAResult(_("dict with keys that are not strings"))
        return {key: to_plain(item, depth + 1) for key, item in value.items()}
    return NotAResult(kind.__name__)


class _Missing(Exception):
    """A value refers to a step that failed."""


def _follow(obj, path):
    for key in path:
        obj = obj[key]
    return obj


def _resolve(value, subject, results, arrays, fresh: dict):
    """The Python object a plan value stands for; fresh copies of inputs are noted in ``fresh``."""
    if not isinstance(value, dict):
        return value
    if "array" in value:
        copy = np.array(arrays[value["array"]], copy=True)
        fresh.setdefault(value["array"], []).append(copy)
        return copy
    if "subject" in value:
        key = value["subject"]
        return _follow(subject if key is None else subject[key], value.get("path", []))
    if "step" in value:
        earlier = results[value["step"]]
        if isinstance(earlier, (StepError, Skipped)):
            raise _Missing(f"step {value['step']} has no result")
        return _follow(earlier, value.get("path", []))
    if "function" in value:
        return FUNCTIONS[value["function"]]
    if "tuple" in value or "list" in value:
        items = [_resolve(v, subject, results, arrays, fresh) for v in value.get("tuple", value.get("list"))]
        return tuple(items) if "tuple" in value else items
    if "dict" in value:
        return {k: _resolve(v, subject, results, arrays, fresh) for k, v in value["dict"].items()}
    raise ValueError(f"unknown plan value {sorted(value)}")


def _run_step(step: dict, subject, results, arrays, fresh: dict):
    def value(v):
        return _resolve(v, subject, results, arrays, fresh)

    target = value(step["target"])
    kind = step["do"]
    if kind == "call":
        if "method" in step:
            target = getattr(target, step["method"])
        args = [value(v) for v in step.get("args", [])]
        kwargs = {k: value(v) for k, v in step.get("kwargs", {}).items()}
        if "seed" in step:
            np.random.seed(step["seed"])
        return target(*args, **kwargs)
    if kind == "get":
        return getattr(target, step["attr"]) if "attr" in step else target
    if kind == "set":
        if "attr" in step:
            setattr(target, step["attr"], value(step["value"]))
        else:
            target[step["key"]] = value(step["value"])
        return None
    raise ValueError(f"unknown plan step {kind!r}")


def run_plan(plan: dict, arrays, subject) -> tuple[list, list[list[str]]]:
    """Run ``plan`` on ``subject``: (result of each step as plain data, input names each step modified).

    Each result is taken as plain data right after its step, so a later step
    that changes the same object (an optimizer's config, a net's params) does
    not change what an earlier step returned; later steps get the objects
    themselves. A step that raises gets a :class:`StepError`; one that needs a
    failed step's result is :class:`Skipped`. Both sides run this: the kernel
    on the student's objects, the grader on the reference.
    """
    objects: list = []
    results: list = []
    modified: list[list[str]] = []
    for step in plan["steps"]:
        fresh: dict[str, list[np.ndarray]] = {}
        try:
            result = _run_step(step, subject, objects, arrays, fresh)
        except _Missing as missing:
            result = Skipped(str(missing))
        except (Exception, SystemExit) as err:  # noqa: BLE001 - the student's error is a result to judge
            result = StepError((type(err).__name__, str(err)[:MAX_TEXT]))
        objects.append(result)
        results.append(result if isinstance(result, (StepError, Skipped)) else to_plain(result))
        modified.append(sorted(name for name, copies in fresh.items()
                               if any(not np.array_equal(c, arrays[name], equal_nan=True) for c in copies)))
    return results, modified


def _encode(plain, arrays: dict):
    """JSON for a :func:`to_plain` value; arrays go into ``arrays`` under fresh names."""
    if isinstance(plain, NotAResult):
        return {"not_a_result": str(plain)}
    if isinstance(plain, np.ndarray):
        name = f"r{len(arrays)}"
        arrays[name] = plain
        return {"array": name}
    if isinstance(plain, tuple):
        return {"tuple": [_encode(v, arrays) for v in plain]}
    if isinstance(plain, list):
        return {"list": [_encode(v, arrays) for v in plain]}
    if isinstance(plain, dict):
        return {"dict": {k: _encode(v, arrays) for k, v in plain.items()}}
    return plain


def encode_results(results: list, modified: list[list[str]]) -> tuple[dict, dict]:
    """(JSON document, arrays) for the results of :func:`run_plan`."""
    arrays: dict[str, np.ndarray] = {}
    steps = []
    for result, changed in zip(results, modified):
        if isinstance(result, StepError):
            entry = {"error": result[0], "message": result[1]}
        elif isinstance(result, Skipped):
            entry = {"skipped": str(result)}
        else:
            entry = {"value": _encode(to_plain(result), arrays)}
        entry["modified"] = changed
        steps.append(entry)
    return {"steps": steps}, arrays


def record_into(folder: Path, check: str, subject) -> None:
    plan_file = folder / f"{check}.plan.json"
    if not plan_file.exists():
        print(_("record: no hidden test named {check!r} at grading time.").format(check=check))
        return
    plan = json.loads(plan_file.read_text())
    with np.load(folder / f"{check}.inputs.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    with np.errstate(all="ignore"):
        results, modified = run_plan(plan, arrays, subject)
    document, result_arrays = encode_results(results, modified)
    np.savez(folder / f"{check}.results.npz", **result_arrays)
    (folder / f"{check}.results.json").write_text(json.dumps(document))
