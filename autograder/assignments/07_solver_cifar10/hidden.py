"""Hidden checks for 07_solver_cifar10.

Each update rule runs three scripts of NUM_STEPS steps on fresh random
inputs: all hyperparameters given, only the learning rate, and no config at
all; each step passes on the config the rule itself returned the step before
(state such as a velocity carries over as in training), and is compared with
the reference, next_w and every hyperparameter and state entry. A last call
without the config argument checks the defaults. Every step gets fresh
weights: the state of a rule depends only on the gradients, so one wrong step
is judged on its own.

The settings that overfit 50 images are plain numbers: the grader trains the
REFERENCE FullyConnectedNet with them, seeded, on the first 50 training images
of its data (the run course.checks.solver_cifar10 makes in the notebook), and
needs 100% training accuracy. The question is judged by autograder.answers.

The saved best model is read from the submission's folder (without pickle),
rebuilt with the REFERENCE FullyConnectedNet and measured on the test split
of the data the grader has (CIFAR10_DIR of the grading process).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from autograder import answers, assignments
from autograder.answers import answer_plan
from autograder.hidden import ModelFileProblem, check_model_file
from autograder.plans import Plan
from autograder.verdicts import PASSED, Verdict, judge_saved_net
from course.checks.solver_cifar10 import (
    DEFAULTS,
    STATE_KEYS,
    overfit_run,
    settings_problem,
    target_accuracy,
    tiny_training_set,
)
from course.i18n import N_, _

reference = assignments.load("07_solver_cifar10", "reference")
NUM_STEPS = 5
TOLERANCE = 1e-6
MODEL_FILE = "best_model.npz"
# A saved model of the course's nets is a few MB; a larger file is refused before it is read.
MAX_MODEL_BYTES = 200 << 20


def _hyperparameters(name, rng):
    if name == "sgd":
        return {"learning_rate": rng.uniform(1e-3, 1e-1)}
    if name == "sgd_momentum":
        return {"learning_rate": rng.uniform(1e-3, 1e-1), "momentum": rng.uniform(0.5, 0.95)}
    if name == "rmsprop":
        return {"learning_rate": rng.uniform(1e-3, 1e-1), "decay_rate": rng.uniform(0.8, 0.999),
                "epsilon": 1e-8}
    return {"learning_rate": rng.uniform(1e-4, 1e-2), "beta1": rng.uniform(0.8, 0.95),
            "beta2": rng.uniform(0.99, 0.9999), "epsilon": 1e-8}


def _judged_parts(name):
    """next_w, then every hyperparameter and state entry of the returned config."""
    return [[0], *([1, key] for key in (*DEFAULTS[name], *STATE_KEYS[name]))]


def _script(plan, name, rng, config, shape, what):
    """NUM_STEPS calls, each with the config the previous call returned."""
    for step in range(1, NUM_STEPS + 1):
        w = rng.standard_normal(shape)
        dw = rng.standard_normal(shape) * rng.uniform(0.1, 3.0)
        result = plan.call(plan.subject(), w, dw, config, compare=_judged_parts(name),
                           label=f"{name} step {step} ({what}, w of shape {shape}): (next_w, config)")
        config = result.at(1)


def _plan_rule(name, rng) -> Plan:
    plan = Plan(name)
    hyper = _hyperparameters(name, rng)
    _script(plan, name, rng, hyper, (6, 5), "all hyperparameters given")
    _script(plan, name, rng, {"learning_rate": hyper["learning_rate"]}, (7,), "only the learning rate")
    _script(plan, name, rng, None, (3, 4), "config=None")
    plan.call(plan.subject(), np.ones(3), np.ones(3), compare=_judged_parts(name),
              label=f"{name}(w, dw) without config: the defaults")
    return plan


def plan_test_sgd(rng) -> Plan:
    return _plan_rule("sgd", rng)


def plan_test_sgd_momentum(rng) -> Plan:
    return _plan_rule("sgd_momentum", rng)


def plan_test_rmsprop(rng) -> Plan:
    return _plan_rule("rmsprop", rng)


def plan_test_adam(rng) -> Plan:
    return _plan_rule("adam", rng)


def plan_test_three_layer_settings(rng) -> Plan:
    return answer_plan("three_layer_settings")


def plan_test_five_layer_settings(rng) -> Plan:
    return answer_plan("five_layer_settings")


def _judge_settings(name, recorded) -> Verdict:
    """Train the reference net with the recorded numbers on the grader's 50 images: 100% or not."""
    from course.data import get_cifar10_data

    settings = recorded.results[0]
    problem = settings_problem(name, settings)
    if problem:
        return Verdict(False, _("hidden test: {problem}").format(problem=problem))
    # The notebook's 50 images: the first of the training split, mean image subtracted, float32.
    tiny_data = tiny_training_set(get_cifar10_data(num_test=1, dtype=np.float32))
    net = assignments.load("06_dropout", "reference").FullyConnectedNet
    problem = overfit_run(net, tiny_data, name, settings).problem(name)
    if problem:
        return Verdict(False, _("hidden test: {problem}").format(problem=problem))
    return PASSED


def judge_test_three_layer_settings(plan, recorded, workdir) -> Verdict:
    return _judge_settings("three_layer_settings", recorded)


def judge_test_five_layer_settings(plan, recorded, workdir) -> Verdict:
    return _judge_settings("five_layer_settings", recorded)


# The question winning_rule (autograder/answers.py): every wrong answer gets this hint.
plan_test_winning_rule, judge_test_winning_rule = answers.question("winning_rule", reference.winning_rule, N_(
    "Compare the last part of each loss curve, then ask what each rule does with a gradient that is small."))


def plan_test_best_model(rng) -> Plan:
    """No calls: the judge reads the model file the notebook saved."""
    return Plan("FullyConnectedNet")


def saved_model_accuracy(path: Path) -> tuple[float, float]:
    """(test accuracy, target) of the model saved at ``path``, rebuilt with the reference net.

    The whole test batch of the data the grader has (CIFAR10_DIR) is used:
    10000 images of full CIFAR-10 or the subset's; the target follows the
    training set's size, as in the visible check.
    """
    from course.data import get_cifar10_data
    from course.solver import evaluate_accuracy, load_model

    check_model_file(path, MAX_MODEL_BYTES)
    try:  # load_model reads the arrays with allow_pickle=False
        model = load_model(path, assignments.load("06_dropout", "reference").FullyConnectedNet)
    except ValueError as err:
        raise ModelFileProblem(f"the saved model could not be loaded: {err}") from None
    # The same split and mean image as the notebook's get_cifar10_data(); float32 halves the memory.
    data = get_cifar10_data(num_test=None, dtype=np.float32)
    accuracy = evaluate_accuracy(model, data["X_test"], data["y_test"])
    return accuracy, target_accuracy(len(data["X_train"]) + len(data["X_val"]))


def judge_test_best_model(plan, recorded, workdir) -> Verdict:
    """The submitted model file (a fixed name in the submission's folder) against the target."""
    return judge_saved_net(lambda: saved_model_accuracy(Path(workdir) / MODEL_FILE), _best_model_shortfall)


def _best_model_shortfall(accuracy: float, target: float) -> str:
    return _("the saved model reaches {accuracy:.3f} test accuracy; the target is {target:.2f}.").format(
        accuracy=accuracy, target=target)
