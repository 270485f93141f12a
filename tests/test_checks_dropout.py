"""The visible and hidden checks of 06_dropout: they pass on correct code
(the reference and the notebook's own solutions) and fail on every listed
mistake, the visible ones with the mistake's hint in the message."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder import reference
from autograder.hidden import dropout as hidden
from autograder.mistakes.dropout import MISTAKES
from course import previous
from course.checks import dropout as visible

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["dropout_forward", "dropout_backward", "FullyConnectedNet"]
# The names a FullyConnectedNet cell uses besides numpy: what the notebook loads or defines.
NET_NAMESPACE = ["affine_forward", "affine_backward", "relu_forward", "relu_backward", "softmax_loss",
                 "batchnorm_forward", "batchnorm_backward_alt", "dropout_forward", "dropout_backward"]


def _implementation(which, monkeypatch):
    if which == "reference":
        return {name: getattr(reference, name) for name in NAMES}
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return dict(zip(NAMES, previous.load("06_dropout", NAMES, course_dir=ROOT / "source")))


def _run(module, name, impl):
    if name == "dropout_forward":
        module.check_dropout_forward(impl[name])
    elif name == "dropout_backward":  # checked through the forward pass that made its cache
        module.check_dropout_backward(impl[name], impl["dropout_forward"])
    else:
        module.check_FullyConnectedNet_api(impl[name])
        module.check_FullyConnectedNet_gradients(impl[name])


@pytest.mark.parametrize("which", ["reference", "notebook"])
@pytest.mark.parametrize("name", NAMES)
def test_checks_pass_on_correct_code(which, name, monkeypatch):
    impl = _implementation(which, monkeypatch)
    _run(visible, name, impl)
    _run(hidden, name, impl)


def test_visible_check_of_the_net_runs_both_aspects():
    visible.check_FullyConnectedNet(reference.FullyConnectedNet)
    with pytest.raises(AssertionError):
        visible.check_FullyConnectedNet(_with_mistake(MISTAKES[-1])["FullyConnectedNet"])


def test_every_frequent_mistake_is_listed():
    names = {m.name for m in MISTAKES}
    for required in ("no_inverse_scaling", "p_read_as_keep_probability", "scaled_at_test_time"):
        assert required in names
    assert {m.function for m in MISTAKES} == set(NAMES)


def _with_mistake(mistake):
    impl = {name: getattr(reference, name) for name in NAMES}
    namespace = {name: getattr(reference, name) for name in NET_NAMESPACE}
    impl[mistake.function] = mistake.compile(namespace)
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
