"""The checks of 07_solver_cifar10.

- the shared tests of tests/check_harness.py for the update rules (checks
  pass on right answers, every listed mistake makes them fail), and that
  they reject wrong defaults;
- the best-model checks accept a good saved model, and reject a weak, a
  missing and a broken one with a clear message, with the target that
  follows the data (0.40 on the subset, 0.50 on full CIFAR-10).
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

import course.data
from autograder import assignments, verdicts
from check_harness import CheckSpec, check_tests
from course.checks import solver_cifar10 as checks
from course.solver import Solver, save_model
from notebooks import SOURCE

reference = assignments.load("07_solver_cifar10", "reference")
hidden = assignments.load("07_solver_cifar10", "hidden")
FullyConnectedNet = assignments.load("06_dropout", "reference").FullyConnectedNet
MODEL_FILE = SOURCE / "07_solver_cifar10" / "best_model.npz"



@functools.cache
def _tiny_data():
    """The notebook's 50 images (the grader's data: CIFAR10_DIR)."""
    return checks.tiny_training_set(course.data.get_cifar10_data(num_test=1, dtype=np.float32))


# The overfitting checks train the net they are given on the 50 images they are given.
SPEC = CheckSpec("07_solver_cifar10", given={"FullyConnectedNet": lambda: FullyConnectedNet, "tiny_data": _tiny_data})
globals().update(check_tests(SPEC))


def _visible(name):
    return getattr(checks, f"check_{name}")


def _hidden(name):
    return getattr(SPEC.hidden, f"check_{name}")


def _judged_model(path):
    """The hidden verdict on ``path``, saved as the notebook saves it: best_model.npz in the submission's folder."""
    assert path.name == hidden.MODEL_FILE
    return verdicts.check_in_process("test_best_model", hidden.MODEL_FILE, workdir=path.parent)


@pytest.mark.parametrize("name", list(checks.DEFAULTS))  # the update rules
def test_checks_reject_wrong_defaults(name):
    rule = getattr(reference, name)

    def halved_default_learning_rate(w, dw, config=None):
        if config is None:
            config = {"learning_rate": 0.5 * checks.DEFAULTS[name]["learning_rate"]}
        return rule(w, dw, config)

    with pytest.raises(AssertionError, match="default"):
        _visible(name)(halved_default_learning_rate)
    with pytest.raises(AssertionError):
        _hidden(name)(halved_default_learning_rate)


def test_visible_check_needs_the_pair():
    with pytest.raises(AssertionError, match=r"\(next_w, config\)"):
        checks.check_sgd(lambda w, dw, config=None: w - 1e-2 * dw)


# --- the saved best model ----------------------------------------------------

@pytest.fixture(scope="module")
def synthetic_cifar(tmp_path_factory):
    """A small fake CIFAR-10 that a net learns in a few epochs, used as the grader's data."""
    root = tmp_path_factory.mktemp("cifar")
    course.data.write_synthetic_cifar10(root, n_per_batch=100, n_test=200, seed=3)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CIFAR10_DIR", str(root))
        return course.data.get_cifar10_data()


@pytest.fixture()
def grader_data(synthetic_cifar, monkeypatch):
    monkeypatch.setattr(course.data, "get_cifar10_data", lambda **kwargs: synthetic_cifar)
    return synthetic_cifar


def _net(seed=0):
    return FullyConnectedNet([20], normalization="batchnorm", weight_scale=1e-2,
                                       dtype=np.float32, seed=seed)


@pytest.fixture(scope="module")
def trained_model_file(synthetic_cifar, tmp_path_factory):
    model = _net()
    Solver(model, synthetic_cifar, update_rule=reference.adam, num_epochs=5, batch_size=50,
           verbose=False, seed=0).train()
    path = tmp_path_factory.mktemp("good") / "best_model.npz"
    save_model(path, model)
    return path


def test_good_model_passes_both_checks(trained_model_file, grader_data):
    accuracy = checks.check_best_model(trained_model_file, FullyConnectedNet, grader_data)
    assert accuracy >= 0.9
    assert hidden.saved_model_accuracy(trained_model_file) == (pytest.approx(accuracy), 0.40)
    assert _judged_model(trained_model_file).passed


def test_untrained_model_fails_both_checks(tmp_path, grader_data):
    model = _net(seed=1)
    for bn_param in model.bn_params:
        bn_param.update(running_mean=np.zeros(20), running_var=np.ones(20))
    path = tmp_path / "best_model.npz"
    save_model(path, model)
    with pytest.raises(AssertionError, match="below the target 0.40"):
        checks.check_best_model(path, FullyConnectedNet, grader_data)
    verdict = _judged_model(path)
    assert not verdict.passed and "the target is 0.40" in verdict.message


def _mislabelled(data, fraction_correct, num_test, num_train=None):
    """The test split repeated to num_test images, with labels wrong except for the first fraction;
    with num_train, a training split of that many images (a view: the target depends on its size)."""
    repeats = -(-num_test // len(data["X_test"]))
    X = np.concatenate([data["X_test"]] * repeats)[:num_test]
    y = np.concatenate([data["y_test"]] * repeats)[:num_test].copy()
    wrong = np.arange(num_test) >= int(fraction_correct * num_test)
    y[wrong] = (y[wrong] + 1) % 10
    out = dict(data, X_test=X, y_test=y)
    if num_train is not None:
        out["X_train"] = np.broadcast_to(data["X_train"][:1], (num_train - len(data["X_val"]),) + X.shape[1:])
    return out


def test_target_follows_the_data(trained_model_file, synthetic_cifar, monkeypatch):
    # The trained model classifies the synthetic test images correctly, so its accuracy
    # on these relabelled copies is the fraction of labels left correct: 0.45.
    subset = _mislabelled(synthetic_cifar, 0.45, 1000)
    full = _mislabelled(synthetic_cifar, 0.45, 10000, num_train=50000)
    monkeypatch.setattr(course.data, "get_cifar10_data", lambda **kwargs: subset)
    assert hidden.saved_model_accuracy(trained_model_file) == (pytest.approx(0.45, abs=0.02), 0.40)
    assert _judged_model(trained_model_file).passed
    monkeypatch.setattr(course.data, "get_cifar10_data", lambda **kwargs: full)
    verdict = _judged_model(trained_model_file)
    assert not verdict.passed and "the target is 0.50" in verdict.message
    assert checks.target_accuracy(50000) == 0.50
    assert checks.target_accuracy(5085) == 0.40


def test_missing_model_file(tmp_path, grader_data):
    missing = tmp_path / "best_model.npz"
    with pytest.raises(NotImplementedError, match="train your best model and save it"):
        checks.check_best_model(missing, FullyConnectedNet, grader_data)
    verdict = _judged_model(missing)
    assert not verdict.passed and "not found" in verdict.message


def test_broken_model_file(tmp_path, grader_data):
    broken = tmp_path / "best_model.npz"
    broken.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(AssertionError, match="could not be loaded"):
        checks.check_best_model(broken, FullyConnectedNet, grader_data)
    verdict = _judged_model(broken)
    assert not verdict.passed and "could not be loaded" in verdict.message


def test_a_linked_model_file_is_refused(trained_model_file, tmp_path, grader_data):
    """A kernel could link best_model.npz to a good model it did not train (e.g. the instructor's)."""
    link = tmp_path / "best_model.npz"
    link.symlink_to(trained_model_file)
    verdict = _judged_model(link)
    assert not verdict.passed and "is a link" in verdict.message


def test_an_oversized_model_file_is_refused_before_it_is_read(trained_model_file, grader_data, monkeypatch):
    monkeypatch.setattr(hidden, "MAX_MODEL_BYTES", trained_model_file.stat().st_size - 1)
    verdict = _judged_model(trained_model_file)
    assert not verdict.passed and "larger than" in verdict.message


@pytest.mark.skipif(course.data.find_batches() is None or not MODEL_FILE.exists(),
                    reason="needs the CIFAR-10 data and the instructor's saved model")
def test_instructor_model_clears_the_course_bar():
    assert _judged_model(MODEL_FILE).passed  # the students' target
    accuracy, _ = hidden.saved_model_accuracy(MODEL_FILE)
    on_subset = len(course.data.load_cifar10(download=False)[3]) < 10000
    # The instructor's notebook asserts 0.43 on the subset.
    assert accuracy >= (0.43 if on_subset else 0.50)


# --- the overfitting settings and the question ------------------------------

def _verdict(check, answer):
    return verdicts.check_in_process(check, answer)


@pytest.mark.parametrize("settings", [
    {"learning_rate": float("nan"), "weight_scale": 1e-2},
    {"learning_rate": 1e-2, "weight_scale": float("inf")},
    {"learning_rate": -1e-2, "weight_scale": 1e-2},
    {"learning_rate": 1e-2, "weight_scale": 0},
    {"learning_rate": 1e-2, "weight_scale": 1e6},
    {"learning_rate": 10 ** 400, "weight_scale": 1e-2},
    {"learning_rate": True, "weight_scale": 1e-2},
    {"learning_rate": "1e-2", "weight_scale": 1e-2},
    {"learning_rate": 1e-2, "weight_scale": 1e-2, "seed": 3},
    [1e-2, 1e-2],
])
def test_settings_that_are_not_two_sane_numbers_are_refused_by_both_checks(settings):
    with pytest.raises(AssertionError, match="two plain numbers"):
        checks.check_three_layer_settings(settings, FullyConnectedNet, _tiny_data())
    verdict = _verdict("test_three_layer_settings", settings)
    assert not verdict.passed and verdict.message.startswith("hidden test: three_layer_settings")


def test_settings_are_judged_on_the_reference_net_not_the_kernels():
    """Only the numbers reach the grader: a net that fits anything in the kernel passes the visible
    check (which trains the net it is given) but not the hidden one."""
    class Memorizer(FullyConnectedNet):
        def loss(self, X, y=None):
            scores = np.zeros((len(X), 10))
            if y is None:
                scores[np.arange(len(X)), _tiny_data()["y_train"][:len(X)]] = 1.0
                return scores
            return 0.0, {name: np.zeros_like(w) for name, w in self.params.items()}

    stuck = {"learning_rate": 1e-2, "weight_scale": 1e-3}
    checks.check_five_layer_settings(stuck, Memorizer, _tiny_data())
    verdict = _verdict("test_five_layer_settings", stuck)
    assert not verdict.passed and "stuck" in verdict.message


def test_settings_are_read_as_plain_data_only():
    class Lying(dict):  # a dict subclass could say anything when the grader reads it
        pass

    verdict = _verdict("test_three_layer_settings", Lying(reference.three_layer_settings))
    assert not verdict.passed and "must be a dict" in verdict.message


@pytest.mark.parametrize("letter", sorted(set("ABCDE") - {reference.winning_rule}))
def test_a_wrong_choice_passes_the_visible_check_and_fails_the_hidden_one_without_the_answer(letter):
    assert checks.check_winning_rule(letter) == letter  # the form is right: nothing is revealed in the kernel
    verdict = _verdict("test_winning_rule", letter)
    assert not verdict.passed and "not the right answer" in verdict.message
    assert repr(reference.winning_rule) not in verdict.message


def test_the_choice_must_be_exact():
    """"c" and " C" are not the letter of a choice: the visible check says so before grading."""
    for answer in (reference.winning_rule.lower(), f" {reference.winning_rule}", 3):
        with pytest.raises(AssertionError, match="must be one of the letters"):
            checks.check_winning_rule(answer)
        assert not _verdict("test_winning_rule", answer).passed
