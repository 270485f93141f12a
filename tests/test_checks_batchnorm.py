"""The visible and hidden checks of 05_batchnorm: they pass on correct code
(the reference and the notebook's own solutions) and fail on every listed
mistake, the visible ones with the mistake's hint in the message."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder import reference
from autograder.hidden import batchnorm as hidden
from autograder.mistakes.batchnorm import MISTAKES
from course import previous
from course.checks import batchnorm as visible

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt"]


def _notebook_solutions(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return dict(zip(NAMES, previous.load("05_batchnorm", NAMES, course_dir=ROOT / "source")))


def _implementation(which, monkeypatch):
    if which == "reference":
        return {name: getattr(reference, name) for name in NAMES}
    return _notebook_solutions(monkeypatch)


def _run(module, name, impl):
    check = getattr(module, f"check_{name}")
    if name == "batchnorm_forward":
        check(impl[name])
    else:  # a backward pass is checked through the forward pass that made its cache
        check(impl[name], impl["batchnorm_forward"])


@pytest.mark.parametrize("which", ["reference", "notebook"])
@pytest.mark.parametrize("name", NAMES)
def test_checks_pass_on_correct_code(which, name, monkeypatch):
    impl = _implementation(which, monkeypatch)
    _run(visible, name, impl)
    _run(hidden, name, impl)


def test_notebook_solution_matches_the_reference(monkeypatch):
    """The notebook's cache format is the reference's, so the mistakes (written
    against it) run with either forward pass."""
    import numpy as np

    mine = _notebook_solutions(monkeypatch)
    rng = np.random.default_rng(0)
    x, gamma, beta, dout = rng.standard_normal((5, 3)), rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((5, 3))
    _, cache = mine["batchnorm_forward"](x, gamma, beta, {"mode": "train"})
    _, ref_cache = reference.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert set(cache) == set(ref_cache)
    for a, b in zip(reference.batchnorm_backward(dout, cache), mine["batchnorm_backward"](dout, ref_cache)):
        assert np.allclose(a, b, rtol=1e-9, atol=1e-12)


def test_every_frequent_mistake_is_listed():
    names = {m.name for m in MISTAKES}
    for required in ("no_mean_path", "no_variance_path", "sums_without_axis", "sample_variance"):
        assert required in names
    assert {m.function for m in MISTAKES} == set(NAMES)


def _with_mistake(mistake):
    impl = {name: getattr(reference, name) for name in NAMES}
    impl[mistake.function] = mistake.compile()
    return impl


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.function}:{m.name}")
def test_visible_check_explains_the_mistake(mistake):
    with pytest.raises(AssertionError) as err:
        _run(visible, mistake.function, _with_mistake(mistake))
    assert mistake.hint in str(err.value)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.function}:{m.name}")
def test_hidden_check_catches_the_mistake(mistake):
    with pytest.raises(AssertionError):
        _run(hidden, mistake.function, _with_mistake(mistake))
