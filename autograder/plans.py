"""Build the plans that :mod:`course.recorder` runs (see its docstring for the JSON).

A hidden check's ``plan_<check>(rng)`` returns a :class:`Plan`::

    plan = Plan("affine_forward")
    x = rng.standard_normal((3, 4))
    plan.call(plan.subject(), x, w, b, label="affine_forward out for x (3, 4)", compare=[[0]])

Arrays passed as arguments become the plan's inputs; a step's return value is
a :class:`Ref` that later steps can pass on (``ref.at(1)`` is its item 1).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

# Which parts of a step's result are judged: paths of keys and indices, () is the whole.
Parts = Sequence[Sequence]


class Ref(dict):
    """A plan value that refers to the subject, a step's result or an input (not plain data)."""

    def at(self, *path) -> Ref:
        return Ref(self, path=[*self.get("path", []), *path])


class Plan:
    """Steps and input arrays of one hidden check; ``reference`` names the
    reference object the grader replays them on (or a dict of names, for a
    subject recorded as a dict)."""

    def __init__(self, reference: str | dict[str, str]):
        self.reference = reference
        self.steps: list[dict] = []
        self.arrays: dict[str, np.ndarray] = {}

    def subject(self, key: str | None = None) -> Ref:
        return Ref(subject=key)

    def function(self, name: str) -> Ref:
        """A test function of course.recorder.FUNCTIONS, to pass as an argument."""
        return Ref(function=name)

    def value(self, obj):
        """The plan value for a Python argument: arrays become inputs, containers are tagged."""
        if isinstance(obj, Ref):
            return dict(obj)
        if isinstance(obj, np.ndarray):
            name = f"a{len(self.arrays)}"
            self.arrays[name] = obj.copy()
            return {"array": name}
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, tuple):
            return {"tuple": [self.value(v) for v in obj]}
        if isinstance(obj, list):
            return {"list": [self.value(v) for v in obj]}
        if isinstance(obj, dict):
            return {"dict": {str(k): self.value(v) for k, v in obj.items()}}
        return obj

    def _add(self, step: dict, label: str, compare, tolerance: float | None = None) -> Ref:
        step.update(label=label, compare=[list(p) for p in compare])
        if tolerance is not None:  # this step's threshold instead of the check's
            step["tolerance"] = float(tolerance)
        self.steps.append(step)
        return Ref(step=len(self.steps) - 1)

    def call(self, target, *args, label: str, compare: Parts = ((),), method: str | None = None,
             seed: int | None = None, tolerance: float | None = None, keywords: dict | None = None,
             **kwargs) -> Ref:
        """``target(*args, **keywords, **kwargs)``; ``keywords`` holds named arguments whose names
        are this method's own (e.g. a class's ``seed``, unlike ``seed`` here, which seeds np.random)."""
        kwargs = {**(keywords or {}), **kwargs}
        step = {"do": "call", "target": self.value(target), "args": [self.value(a) for a in args],
                "kwargs": {k: self.value(v) for k, v in kwargs.items()}}
        if method is not None:
            step["method"] = method
        if seed is not None:
            step["seed"] = int(seed)
        return self._add(step, label, compare, tolerance)

    def get(self, target, attr: str | None = None, *, label: str, compare: Parts = ((),)) -> Ref:
        step = {"do": "get", "target": self.value(target)}
        if attr is not None:
            step["attr"] = attr
        return self._add(step, label, compare)

    def set(self, target, value, *, attr: str | None = None, key: str | None = None, label: str) -> Ref:
        step = {"do": "set", "target": self.value(target), "value": self.value(value)}
        step.update({"attr": attr} if attr is not None else {"key": key})
        return self._add(step, label, ())

    def to_json(self) -> dict:
        return {"reference": self.reference, "steps": self.steps}
