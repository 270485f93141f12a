"""Visible checks for 07_solver_cifar10: the four update rules, the settings that overfit
50 images, the update-rule question and the saved best model.

Every rule is run for three steps on the same tiny problem: four weights, the
gradient g1 twice, then g3. The expected weights and optimizer state after
each step were worked out by hand from the update formulas in the notebook
(exact decimal arithmetic, then rounded to float). Each step starts from the
correct weights of the previous step, so one mistake is reported once, while
the state kept in ``config`` carries over as in training.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from course.checks.common import call_student, require_answered, require_choice, unpack, visible_check
from course.gradcheck import check_close, explained, hint_line
from course.i18n import N_, _

W0 = np.array([0.5, -1.2, 2.0, 0.0])
G1 = np.array([0.2, -0.4, 1.5, -0.05])
G3 = np.array([-0.3, 0.1, 0.5, 0.2])
GRADIENTS = [G1, G1, G3]

# Hints for the frequent mistakes (tests/test_checks_solver_cifar10.py feeds each one).
SGD_SIGN_HINT = N_("step against the gradient: next_w = w - learning_rate * dw.")
MOMENTUM_SIGN_HINT = N_("the velocity points uphill: v = momentum * v - learning_rate * dw, "
                        "then next_w = w + v.")
VELOCITY_HINT = N_("store the new velocity in config['velocity'] after every step: "
                   "the next call must continue from it, not from zero.")
RMSPROP_SQRT_HINT = N_("divide by the square root of the cache: "
                       "dw / (np.sqrt(cache) + epsilon), not dw / (cache + epsilon).")
CACHE_HINT = N_("store the new cache in config['cache']: "
                "cache = decay_rate * cache + (1 - decay_rate) * dw**2.")
ADAM_BIAS_HINT = N_("apply the bias correction: m_hat = m / (1 - beta1**t) and "
                    "v_hat = v / (1 - beta2**t), and step with m_hat / (np.sqrt(v_hat) + epsilon).")
ADAM_T_HINT = N_("increment config['t'] BEFORE using it: the first step uses t = 1 "
                 "(with t = 0, 1 - beta1**t is 0), and after k steps config['t'] is k.")
IN_PLACE_HINT = N_("return a new array (next_w = w - ...) instead of changing w in place.")

THRESHOLD = 1e-5

# Defaults of the course API, used when config is None.
DEFAULTS = {
    "sgd": {"learning_rate": 1e-2},
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}
STATE_KEYS = {"sgd": (), "sgd_momentum": ("velocity",), "rmsprop": ("cache",), "adam": ("m", "v", "t")}
# One step from W0 with gradient G1 and the default hyperparameters.
DEFAULT_STEP = {
    "sgd": [0.498, -1.196, 1.985, 0.0005],
    "sgd_momentum": [0.498, -1.196, 1.985, 0.0005],
    "rmsprop": [0.400000049999975, -1.1000000249999937, 1.9000000066666662, 0.0999998000004],
    "adam": [0.49900000005, -1.199000000025, 1.9990000000066668, 0.00099999980000004],
}

# Three steps with these hyperparameters: (expected next_w, expected state) per step.
CONFIGS = {
    "sgd": {"learning_rate": 0.1},
    "sgd_momentum": {"learning_rate": 0.1, "momentum": 0.9},
    "rmsprop": {"learning_rate": 0.01, "decay_rate": 0.9, "epsilon": 1e-8},
    "adam": {"learning_rate": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}
STEPS = {
    "sgd": [
        ([0.48, -1.16, 1.85, 0.005], {}),
        ([0.46, -1.12, 1.7, 0.01], {}),
        ([0.49, -1.13, 1.65, -0.01], {}),
    ],
    "sgd_momentum": [
        ([0.48, -1.16, 1.85, 0.005], {"velocity": [-0.02, 0.04, -0.15, 0.005]}),
        ([0.442, -1.084, 1.565, 0.0145], {"velocity": [-0.038, 0.076, -0.285, 0.0095]}),
        ([0.4378, -1.0256, 1.2585, 0.00305], {"velocity": [-0.0042, 0.0584, -0.3065, -0.01145]}),
    ],
    "rmsprop": [
        ([0.4683772283983154, -1.168377225898316, 1.9683772240649828, 0.031622756601696445],
         {"cache": [0.004, 0.016, 0.225, 0.00025]}),
        ([0.4454356576428379, -1.1454356538270491, 1.9454356510288038, 0.05456431946244166],
         {"cache": [0.0076, 0.0304, 0.4275, 0.000475]}),
        ([0.46927222048003847, -1.1513737449934867, 1.9376245812695223, 0.024506972437897748],
         {"cache": [0.01584, 0.02836, 0.40975, 0.0044275]}),
    ],
    "adam": [
        ([0.4900000005, -1.19000000025, 1.9900000000666667, 0.0099999980000004],
         {"m": [0.02, -0.04, 0.15, -0.005], "v": [4e-05, 0.00016, 0.00225, 2.5e-06], "t": 1}),
        ([0.48000000099999995, -1.1800000005, 1.9800000001333333, 0.0199999960000008],
         {"m": [0.038, -0.076, 0.285, -0.0095], "v": [7.996e-05, 0.00031984, 0.00449775, 4.9975e-06],
          "t": 2}),
        ([0.47934904408031304, -1.1735010086528026, 1.9710098588319087, 0.016551660369827213],
         {"m": [0.0042, -0.0584, 0.3065, 0.01145],
          "v": [0.00016988004, 0.00032952016, 0.00474325225, 4.49925025e-05], "t": 3}),
    ],
}


def _call(name, rule, w, dw, *config):
    """Call the rule on copies, check the return value and that w and dw are untouched
    (the rule may update the state arrays of its own config in place)."""
    with np.errstate(all="ignore"):  # a division by zero is reported below, not as a warning
        result = call_student(name, lambda w, dw: rule(w, dw, *config), w.copy(), dw.copy(),
                              hints={"modified_input": IN_PLACE_HINT})
    next_w, new_config = unpack(name, result, 2, "(next_w, config)")
    if not isinstance(new_config, dict):
        raise AssertionError(_("{name} must return its config dict as the second value; got {kind}.").format(
            name=name, kind=type(new_config).__name__))
    if np.shape(next_w) != w.shape:
        raise AssertionError(_("{name} returned next_w of shape {shape}, expected {expected}.").format(
            name=name, shape=np.shape(next_w), expected=w.shape))
    return np.asarray(next_w, dtype=np.float64), new_config


def _mistake_candidates(name, step, config, dw, state):
    """Steps (next_w - w) that known mistakes produce at this step, with their hint."""
    lr = config["learning_rate"]
    if name == "sgd_momentum" and step > 1:
        return [(VELOCITY_HINT, -lr * dw)]  # every step as if the velocity were zero
    if name == "rmsprop":
        cache = np.asarray(state["cache"])
        return [(RMSPROP_SQRT_HINT, -lr * dw / (cache + config["epsilon"]))]
    if name == "adam":
        m, v = np.asarray(state["m"]), np.asarray(state["v"])
        return [(ADAM_BIAS_HINT, -lr * m / (np.sqrt(v) + config["epsilon"]))]
    return []


STEP_HINTS = {
    "sgd": {"sign": SGD_SIGN_HINT},
    "sgd_momentum": {"sign": MOMENTUM_SIGN_HINT},
    "rmsprop": {"sign": SGD_SIGN_HINT},
    "adam": {"sign": SGD_SIGN_HINT, "not_finite": ADAM_T_HINT},
}
STATE_HINTS = {
    "velocity": {"all_zero": VELOCITY_HINT, "sign": MOMENTUM_SIGN_HINT},
    "cache": {"all_zero": CACHE_HINT},
    "m": {"all_zero": N_("store m in config['m'] after every step.")},
    "v": {"all_zero": N_("store v in config['v'] after every step.")},
}
MISSING_STATE_HINTS = {"velocity": VELOCITY_HINT, "cache": CACHE_HINT, "t": ADAM_T_HINT}


def _missing_state_hint(key: str) -> str:
    if key in MISSING_STATE_HINTS:
        return _(MISSING_STATE_HINTS[key])
    return _("store it in config[{key!r}].").format(key=key)


def _check_state(name, step, new_config, expected_state):
    for key, expected in expected_state.items():
        label = _("{name}: config[{key!r}] after step {step}").format(name=name, key=key, step=step)
        if key not in new_config or new_config[key] is None:
            raise explained(_("{label} is missing.").format(label=label), _missing_state_hint(key))
        if key == "t":
            if new_config["t"] != expected:
                raise explained(_("{label} is {got!r}, expected {expected}.").format(
                    label=label, got=new_config["t"], expected=expected), _(ADAM_T_HINT))
            continue
        check_close(label, new_config[key], expected, THRESHOLD, hints=STATE_HINTS.get(key))


def _check_defaults(name, rule):
    next_w, config = _call(name, rule, W0, G1)
    for key, value in DEFAULTS[name].items():
        if key not in config or not np.isclose(config[key], value, rtol=1e-12, atol=0):
            raise AssertionError(_("{name}(w, dw) with no config must return config[{key!r}] = {value} "
                                   "(the default); got {got!r}.").format(name=name, key=key, value=value,
                                                                         got=config.get(key, _("nothing"))))
    for key in STATE_KEYS[name]:
        if key not in config:
            raise explained(_("{name}(w, dw) with no config must store its state in config[{key!r}].").format(
                name=name, key=key), _missing_state_hint(key))
    check_close(_("{name}(w, dw) with the default hyperparameters: next_w - w").format(name=name), next_w - W0,
                np.array(DEFAULT_STEP[name]) - W0, THRESHOLD, hints=STEP_HINTS[name])


def _check_rule(name, rule):
    if not callable(rule):
        raise AssertionError(_("{name} is not a function.").format(name=name))
    config = dict(CONFIGS[name])
    w = W0
    for step, (dw, (expected_w, expected_state)) in enumerate(zip(GRADIENTS, STEPS[name]), start=1):
        next_w, config = _call(name, rule, w, dw, config)
        expected_step = np.array(expected_w) - w
        actual_step = next_w - w
        suspects = [(candidate, hint) for hint, candidate
                    in _mistake_candidates(name, step, CONFIGS[name], dw, expected_state)]
        check_close(_("{name} step {step}: next_w - w").format(name=name, step=step), actual_step, expected_step,
                    THRESHOLD,
                    hints=STEP_HINTS[name], suspects=suspects)
        _check_state(name, step, config, expected_state)
        w = np.array(expected_w)
    # Last: a wrong formula is explained better by the stepped run above.
    _check_defaults(name, rule)
    return True


@visible_check
def check_sgd(sgd):
    """sgd(w, dw, config=None): defaults, three steps, inputs untouched."""
    return _check_rule("sgd", sgd)


@visible_check
def check_sgd_momentum(sgd_momentum):
    """sgd_momentum: defaults, three steps with the velocity kept in config."""
    return _check_rule("sgd_momentum", sgd_momentum)


@visible_check
def check_rmsprop(rmsprop):
    """rmsprop: defaults, three steps with the cache kept in config."""
    return _check_rule("rmsprop", rmsprop)


@visible_check
def check_adam(adam):
    """adam: defaults, three steps with m, v and t kept in config."""
    return _check_rule("adam", adam)


# ---------------------------------------------------------------------------
# The question on the update rules: a multiple-choice answer, judged at grading time

@visible_check
def check_winning_rule(winning_rule):
    """Your answer is one of the letters offered; whether it is right is decided when your notebook is graded."""
    require_choice("winning_rule", winning_rule, "ABCDE")
    return winning_rule


# ---------------------------------------------------------------------------
# The saved best model

FULL_TARGET = 0.50    # full CIFAR-10 (50000 training images)
SUBSET_TARGET = 0.40  # the small shared subset (about 5000 training images)


def target_accuracy(num_training_images: int) -> float:
    """The test accuracy to reach, given how many training images the data has (train + val)."""
    return FULL_TARGET if num_training_images >= 50000 else SUBSET_TARGET


@visible_check
def check_best_model(filename, model_class, data):
    """Rebuild the model saved in ``filename`` with ``model_class`` and measure it on ``data``'s test split.

    Returns the test accuracy; fails if the file is missing or broken, or the
    accuracy is below the target for this data.
    """
    from course.solver import evaluate_accuracy, load_model

    if not os.path.isfile(filename):
        # NotImplementedError: the file is missing because this part is not done yet.
        raise NotImplementedError(
            _("{filename} not found beside the notebook: train your best model and save it with "
              "save_model({name!r}, model) first.").format(filename=filename, name=str(filename)))
    try:
        model = load_model(filename, model_class)
    except ValueError as err:
        raise AssertionError(_("{filename} could not be loaded: {error}").format(filename=filename,
                                                                                 error=err)) from None
    accuracy = evaluate_accuracy(model, data["X_test"], data["y_test"])
    target = target_accuracy(len(data["X_train"]) + len(data["X_val"]))
    print(_("Test accuracy of the saved model: {accuracy:.3f} (target {target:.2f})").format(accuracy=accuracy,
                                                                                           target=target))
    if accuracy < target:
        raise AssertionError(_("the saved model reaches {accuracy:.3f} test accuracy, below the target "
                               "{target:.2f}: keep tuning (see the tips above), then train and save again.").format(
            accuracy=accuracy, target=target))
    return accuracy


# ---------------------------------------------------------------------------
# Overfitting 50 images: the learning rate and the weight scale
#
# The grader replays exactly this training (autograder/.../hidden.py) with its
# reference net on the same 50 images: only the two chosen numbers are the student's.

NUM_TINY = 50
OVERFIT_EPOCHS = 20
OVERFIT_BATCH_SIZE = 25
OVERFIT_SEED = 0
OVERFIT_HIDDEN_DIMS = {"three_layer_settings": [100, 100], "five_layer_settings": [100, 100, 100, 100]}
SETTING_KEYS = ("learning_rate", "weight_scale")
MAX_SETTING = 10.0
CHANCE_LOSS = math.log(10)  # the softmax loss of a net that guesses among the 10 classes

EXPLODED_HINT = N_("the steps are too large: lower the learning rate, or the weight scale.")
STUCK_HINT = N_("the signal that reaches the output is too weak to learn from: raise the weight scale "
                "(every layer multiplies the signal by about the weight scale times the square root of its width, "
                "so a deeper net needs a larger scale), or the learning rate.")
SLOW_HINT = N_("the net learns, but too slowly for 20 epochs: raise the learning rate.")
SETTINGS_FORM_HINT = N_('write a dict of two plain numbers, e.g. {"learning_rate": 1e-2, "weight_scale": 1e-2}.')


def tiny_training_set(data) -> dict:
    """The first 50 training images, also given as the validation set: here only fitting them counts."""
    X, y = data["X_train"][:NUM_TINY], data["y_train"][:NUM_TINY]
    return {"X_train": X, "y_train": y, "X_val": X, "y_val": y}


def _sgd_step(w, dw, config):
    """Plain SGD, the course's own: the check depends only on the chosen numbers, not on your sgd."""
    return w - config["learning_rate"] * dw, config


def settings_problem(name: str, settings) -> str | None:
    """What is wrong with the form of ``settings`` (None when it is a dict of two sane numbers)."""
    if type(settings) is not dict or set(settings) != set(SETTING_KEYS):
        return _("{name} must be a dict with exactly the keys 'learning_rate' and 'weight_scale'; got {got}.").format(
            name=name, got=repr(settings)[:100])
    for key in SETTING_KEYS:
        value = settings[key]
        if type(value) not in (int, float) and not isinstance(value, np.floating):
            return _("{name}[{key!r}] must be a plain number; got {kind}.").format(
                name=name, key=key, kind=type(value).__name__)
        if not 0 < value <= MAX_SETTING:  # also false for nan and inf
            return _("{name}[{key!r}] = {value!r} is not a sensible choice: pick a positive number up to "
                     "{limit}.").format(name=name, key=key, value=value, limit=MAX_SETTING)
    return None


@dataclass(frozen=True)
class OverfitRun:
    """What a training run on the 50 images did: its loss per iteration, its training accuracy per epoch."""
    losses: tuple[float, ...]
    train_acc: tuple[float, ...]

    @property
    def epochs_to_fit(self) -> int | None:
        """The first epoch after which every training image is classified right (None: never)."""
        return next((epoch for epoch, acc in enumerate(self.train_acc, start=1) if acc == 1.0), None)

    def problem(self, name: str) -> str | None:
        """Why the run did not reach 100% training accuracy, with what to change (None when it did)."""
        if self.epochs_to_fit is not None:
            return None
        losses = np.array(self.losses, dtype=np.float64)
        first = losses[0]
        end = losses[-(len(losses) // OVERFIT_EPOCHS or 1):].mean()  # the last epoch's iterations
        best = max(self.train_acc, default=0.0)  # a run stopped by a non-finite loss may end before an epoch
        if not np.isfinite(losses).all():
            return _("{name}: the loss became {value} (an overflow); the best training accuracy is {best:.0%}.").format(
                name=name, value=losses[~np.isfinite(losses)][0], best=best) + hint_line(EXPLODED_HINT)
        if losses.max() > 2 * max(first, CHANCE_LOSS):
            return _("{name}: the loss exploded, from {first:.3g} up to {peak:.3g}; the best training accuracy is "
                     "{best:.0%}.").format(name=name, first=first, peak=losses.max(), best=best) + \
                hint_line(EXPLODED_HINT)
        if end > 0.9 * CHANCE_LOSS:
            return _("{name}: the loss is stuck near {chance:.2f}, the loss of guessing among the 10 classes (it went "
                     "from {first:.3g} to {end:.3g}); the best training accuracy is {best:.0%}.").format(
                name=name, chance=CHANCE_LOSS, first=first, end=end, best=best) + hint_line(STUCK_HINT)
        return _("{name}: the loss falls from {first:.3g} to {end:.3g}, but after {epochs} epochs the training "
                 "accuracy is only {best:.0%}, not 100%.").format(
            name=name, first=first, end=end, epochs=OVERFIT_EPOCHS, best=best) + hint_line(SLOW_HINT)


def train_on_tiny_set(model_class, tiny_data, hidden_dims, settings, update_rule=_sgd_step):
    """Train ``model_class(hidden_dims, weight_scale=...)`` on the 50 images with SGD, seeded; return the Solver.

    The same initial weights and minibatches at every call: 20 epochs of minibatches of 25.
    """
    from course.solver import Solver

    require_answered("settings", settings)  # the released cell's `...`: say so, not "not subscriptable"
    np.random.seed(OVERFIT_SEED)  # the initial weights
    model = model_class(list(hidden_dims), weight_scale=float(settings["weight_scale"]))
    solver = Solver(model, tiny_data, update_rule=update_rule,
                    optim_config={"learning_rate": float(settings["learning_rate"])},
                    num_epochs=OVERFIT_EPOCHS, batch_size=OVERFIT_BATCH_SIZE, num_train_samples=None,
                    verbose=False, seed=OVERFIT_SEED)
    return solver.train()  # the Solver stops a diverging run quietly: the check diagnoses it


def overfit_run(model_class, tiny_data, name: str, settings) -> OverfitRun:
    """The run that judges ``settings`` for the net of ``name`` (three_layer_settings or five_layer_settings)."""
    solver = train_on_tiny_set(model_class, tiny_data, OVERFIT_HIDDEN_DIMS[name], settings)
    return OverfitRun(tuple(float(x) for x in solver.loss_history), tuple(solver.train_acc_history))


def _check_settings(name, settings, model_class, tiny_data):
    require_answered(name, settings)
    problem = settings_problem(name, settings)
    if problem:
        raise explained(problem, SETTINGS_FORM_HINT)
    run = overfit_run(model_class, tiny_data, name, settings)
    problem = run.problem(name)
    if problem:
        raise AssertionError(problem)
    return run


@visible_check
def check_three_layer_settings(three_layer_settings, model_class, tiny_data):
    """the 3-layer net fits the 50 images with these settings."""
    return _check_settings("three_layer_settings", three_layer_settings, model_class, tiny_data)


@visible_check
def check_five_layer_settings(five_layer_settings, model_class, tiny_data):
    """the 5-layer net fits the 50 images with these settings."""
    return _check_settings("five_layer_settings", five_layer_settings, model_class, tiny_data)
