"""Hidden checks for 07_solver_cifar10.

The update rules are compared with the reference over several steps on fresh
random inputs and hyperparameters (state carried in config, as in training);
the saved best model is rebuilt with the REFERENCE FullyConnectedNet and
measured on the test split of the data the grader has.
"""
from __future__ import annotations

import os

import numpy as np

from autograder import assignments
from autograder.hidden import call_unmodified, rng
from course.checks.solver_cifar10 import STATE_KEYS, target_accuracy
from course.gradcheck import rel_error

reference = assignments.load("07_solver_cifar10", "reference")

NUM_STEPS = 5
THRESHOLD = 1e-6


def _hyperparameters(name, gen):
    if name == "sgd":
        return {"learning_rate": gen.uniform(1e-3, 1e-1)}
    if name == "sgd_momentum":
        return {"learning_rate": gen.uniform(1e-3, 1e-1), "momentum": gen.uniform(0.5, 0.95)}
    if name == "rmsprop":
        return {"learning_rate": gen.uniform(1e-3, 1e-1), "decay_rate": gen.uniform(0.8, 0.999),
                "epsilon": 1e-8}
    return {"learning_rate": gen.uniform(1e-4, 1e-2), "beta1": gen.uniform(0.8, 0.95),
            "beta2": gen.uniform(0.99, 0.9999), "epsilon": 1e-8}


def _run(name, student, config_for_student, config_for_reference, gen, shape):
    """NUM_STEPS steps of both rules from the same weights; asserts agreement at every step."""
    ref_rule = getattr(reference, name)
    w = gen.standard_normal(shape)
    student_config, ref_config = config_for_student, config_for_reference
    for step in range(1, NUM_STEPS + 1):
        dw = gen.standard_normal(shape) * gen.uniform(0.1, 3.0)
        ref_w, ref_config = ref_rule(w.copy(), dw.copy(), ref_config)
        # Only w and dw must stay untouched: the rule may update its own state arrays in place.
        with np.errstate(all="ignore"):
            result = call_unmodified(f"{name} (w, dw)", lambda w_, dw_: student(w_, dw_, student_config), w, dw)
        assert isinstance(result, tuple) and len(result) == 2, f"{name} must return (next_w, config)."
        next_w, student_config = result
        assert isinstance(student_config, dict), f"{name} must return its config dict."
        assert np.shape(next_w) == shape, f"{name}: next_w has shape {np.shape(next_w)}, expected {shape}."
        err = rel_error(next_w, ref_w)
        assert err < THRESHOLD, f"{name}: next_w differs from the reference at step {step} (rel. error {err:.2e})."
        for key in STATE_KEYS[name]:
            assert key in student_config, f"{name}: config[{key!r}] missing after step {step}."
            if key == "t":
                assert student_config["t"] == ref_config["t"], (
                    f"{name}: config['t'] is {student_config['t']} after step {step}, expected {ref_config['t']}.")
            else:
                err = rel_error(student_config[key], ref_config[key])
                assert err < THRESHOLD, f"{name}: config[{key!r}] differs from the reference at step {step}."
        # Continue both from the reference weights: a wrong step is reported once.
        w = ref_w


def _check_rule(name, student):
    assert callable(student), f"{name} is not a function."
    gen = rng(name)
    # All hyperparameters given.
    hyper = _hyperparameters(name, gen)
    _run(name, student, dict(hyper), dict(hyper), gen, (6, 5))
    # Only the learning rate: the other defaults must be filled in.
    lr_only = {"learning_rate": hyper["learning_rate"]}
    _run(name, student, dict(lr_only), dict(lr_only), gen, (7,))
    # No config at all.
    _run(name, student, None, None, gen, (3, 4))
    _, config = student(np.ones(3), np.ones(3))
    _, ref_config = getattr(reference, name)(np.ones(3), np.ones(3))
    for key, value in ref_config.items():
        assert key in config, f"{name}(w, dw) without config must fill in config[{key!r}]."
        if np.isscalar(value):
            assert np.isclose(config[key], value), f"{name}: default {key} should be {value}, got {config[key]}."


def check_sgd(sgd):
    _check_rule("sgd", sgd)


def check_sgd_momentum(sgd_momentum):
    _check_rule("sgd_momentum", sgd_momentum)


def check_rmsprop(rmsprop):
    _check_rule("rmsprop", rmsprop)


def check_adam(adam):
    _check_rule("adam", adam)


def check_best_model(filename="best_model.npz") -> float:
    """Test accuracy of the saved model, rebuilt with the reference net; asserts the target.

    The whole test batch of the data the grader has (CIFAR10_DIR) is used:
    10000 images of full CIFAR-10 or the subset's; the target follows the
    training set's size, as in the visible check (course.checks.solver_cifar10.target_accuracy).
    """
    from course.data import get_cifar10_data
    from course.solver import evaluate_accuracy, load_model

    assert os.path.isfile(filename), f"{filename} not found beside the notebook: the saved model is missing."
    try:
        model = load_model(filename, assignments.load("06_dropout", "reference").FullyConnectedNet)
    except ValueError as err:
        raise AssertionError(f"the saved model could not be loaded: {err}") from None
    # The same split and mean image as the notebook's get_cifar10_data(); float32 halves the memory.
    data = get_cifar10_data(num_test=None, dtype=np.float32)
    accuracy = evaluate_accuracy(model, data["X_test"], data["y_test"])
    target = target_accuracy(len(data["X_train"]) + len(data["X_val"]))
    assert accuracy >= target, (
        f"the saved model reaches {accuracy:.3f} test accuracy on {len(data['X_test'])} images; "
        f"the target is {target:.2f}.")
    return accuracy
