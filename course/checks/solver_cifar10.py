"""Visible checks for 07_solver_cifar10: the four update rules and the saved best model.

Every rule is run for three steps on the same tiny problem: four weights, the
gradient g1 twice, then g3. The expected weights and optimizer state after
each step were worked out by hand from the update formulas in the notebook
(exact decimal arithmetic, then rounded to float). Each step starts from the
correct weights of the previous step, so one mistake is reported once, while
the state kept in ``config`` carries over as in training.
"""
from __future__ import annotations

import os

import numpy as np

from course.checks.common import call_student, unpack, visible_check
from course.gradcheck import check_close, hint

W0 = np.array([0.5, -1.2, 2.0, 0.0])
G1 = np.array([0.2, -0.4, 1.5, -0.05])
G3 = np.array([-0.3, 0.1, 0.5, 0.2])
GRADIENTS = [G1, G1, G3]

# Hints for the frequent mistakes (tests/test_checks_solver_cifar10.py feeds each one).
SGD_SIGN_HINT = "step against the gradient: next_w = w - learning_rate * dw."
MOMENTUM_SIGN_HINT = ("the velocity points uphill: v = momentum * v - learning_rate * dw, "
                      "then next_w = w + v.")
VELOCITY_HINT = ("store the new velocity in config['velocity'] after every step: "
                 "the next call must continue from it, not from zero.")
RMSPROP_SQRT_HINT = ("divide by the square root of the cache: "
                     "dw / (np.sqrt(cache) + epsilon), not dw / (cache + epsilon).")
CACHE_HINT = ("store the new cache in config['cache']: "
              "cache = decay_rate * cache + (1 - decay_rate) * dw**2.")
ADAM_BIAS_HINT = ("apply the bias correction: m_hat = m / (1 - beta1**t) and "
                  "v_hat = v / (1 - beta2**t), and step with m_hat / (np.sqrt(v_hat) + epsilon).")
ADAM_T_HINT = ("increment config['t'] BEFORE using it: the first step uses t = 1 "
               "(with t = 0, 1 - beta1**t is 0), and after k steps config['t'] is k.")
IN_PLACE_HINT = "return a new array (next_w = w - ...) instead of changing w in place."

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
        raise AssertionError(f"{name} must return its config dict as the second value; "
                             f"got {type(new_config).__name__}.")
    if np.shape(next_w) != w.shape:
        raise AssertionError(f"{name} returned next_w of shape {np.shape(next_w)}, expected {w.shape}.")
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
    "m": {"all_zero": "store m in config['m'] after every step."},
    "v": {"all_zero": "store v in config['v'] after every step."},
}
MISSING_STATE_HINTS = {"velocity": VELOCITY_HINT, "cache": CACHE_HINT, "t": ADAM_T_HINT}


def _missing_state_hint(key):
    return hint("missing_state", {"missing_state": MISSING_STATE_HINTS.get(key, f"store it in config[{key!r}].")})


def _check_state(name, step, new_config, expected_state):
    for key, expected in expected_state.items():
        label = f"{name}: config[{key!r}] after step {step}"
        if key not in new_config or new_config[key] is None:
            raise AssertionError(f"{label} is missing." + _missing_state_hint(key))
        if key == "t":
            if new_config["t"] != expected:
                raise AssertionError(f"{label} is {new_config['t']!r}, expected {expected}."
                                     + hint("step_count", {"step_count": ADAM_T_HINT}))
            continue
        check_close(label, new_config[key], expected, THRESHOLD, hints=STATE_HINTS.get(key))


def _check_defaults(name, rule):
    next_w, config = _call(name, rule, W0, G1)
    for key, value in DEFAULTS[name].items():
        if key not in config or not np.isclose(config[key], value, rtol=1e-12, atol=0):
            raise AssertionError(f"{name}(w, dw) with no config must return config[{key!r}] = {value} "
                                 f"(the default); got {config.get(key, 'nothing')!r}.")
    for key in STATE_KEYS[name]:
        if key not in config:
            raise AssertionError(f"{name}(w, dw) with no config must store its state in config[{key!r}]."
                                 + _missing_state_hint(key))
    check_close(f"{name}(w, dw) with the default hyperparameters: next_w - w", next_w - W0,
                np.array(DEFAULT_STEP[name]) - W0, THRESHOLD, hints=STEP_HINTS[name])


def _check_rule(name, rule):
    if not callable(rule):
        raise AssertionError(f"{name} is not a function.")
    config = dict(CONFIGS[name])
    w = W0
    for step, (dw, (expected_w, expected_state)) in enumerate(zip(GRADIENTS, STEPS[name]), start=1):
        next_w, config = _call(name, rule, w, dw, config)
        expected_step = np.array(expected_w) - w
        actual_step = next_w - w
        suspects = [(candidate, hint) for hint, candidate
                    in _mistake_candidates(name, step, CONFIGS[name], dw, expected_state)]
        check_close(f"{name} step {step}: next_w - w", actual_step, expected_step, THRESHOLD,
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
            f"{filename} not found beside the notebook: train your best model and save it with "
            f"save_model({str(filename)!r}, model) first.")
    try:
        model = load_model(filename, model_class)
    except ValueError as err:
        raise AssertionError(f"{filename} could not be loaded: {err}") from None
    accuracy = evaluate_accuracy(model, data["X_test"], data["y_test"])
    target = target_accuracy(len(data["X_train"]) + len(data["X_val"]))
    print(f"Test accuracy of the saved model: {accuracy:.3f} (target {target:.2f})")
    if accuracy < target:
        raise AssertionError(f"the saved model reaches {accuracy:.3f} test accuracy, below the target "
                             f"{target:.2f}: keep tuning (see the tips above), then train and save again.")
    return accuracy
