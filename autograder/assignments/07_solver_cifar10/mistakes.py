"""Frequent mistakes in the update rules of 07_solver_cifar10, in the settings that
should overfit 50 images, and in the form of the answer to the question.

Every mistake is the reference's own source with one or a few lines changed
(``variant`` fails loudly when the reference changes under it), or for the
settings and the question, the reference's answer cell with other values; ``hint`` is
the part of the visible check's message that explains the mistake.
"""
from __future__ import annotations

from autograder import assignments
from autograder.mistake import Mistake, answer_source, source_of, variant

reference = assignments.load("07_solver_cifar10", "reference")
SGD = source_of(reference.sgd)
SGD_MOMENTUM = source_of(reference.sgd_momentum)
RMSPROP = source_of(reference.rmsprop)
ADAM = source_of(reference.adam)


def _settings(name: str, **changed) -> str:
    """The answer cell of the reference's settings ``name`` with some numbers changed."""
    return answer_source(name, {**getattr(reference, name), **changed})


_SGD_STEP = 'return w - config["learning_rate"] * dw, config'
_STORE_VELOCITY = '    config["velocity"] = velocity\n'
_T_BEFORE_USE = '    config["t"] += 1  # before use: the first step has t = 1\n'
_T_READ = '    t = config["t"]\n'
_ADAM_RETURN = "    return w - "

MISTAKES = [
    Mistake("sgd", "gradient_ascent", "step against the gradient",
            variant(SGD, (_SGD_STEP, 'return w + config["learning_rate"] * dw, config'))),
    Mistake("sgd", "in_place", "instead of changing w in place",
            variant(SGD, (_SGD_STEP, 'w -= config["learning_rate"] * dw\n    return w, config'))),
    Mistake("sgd_momentum", "sign_flipped", "the velocity points uphill",
            variant(SGD_MOMENTUM, ('velocity - config["learning_rate"] * dw',
                                   'velocity + config["learning_rate"] * dw'))),
    # The zeros stored by setdefault are never replaced: every step starts from rest.
    Mistake("sgd_momentum", "velocity_not_stored", "store the new velocity in config['velocity']",
            variant(SGD_MOMENTUM, ('config.get("velocity", ', 'config.setdefault("velocity", '),
                    (_STORE_VELOCITY, ""))),
    Mistake("sgd_momentum", "velocity_never_saved", "store the new velocity in config['velocity']",
            variant(SGD_MOMENTUM, (_STORE_VELOCITY, ""))),
    Mistake("rmsprop", "no_square_root", "divide by the square root of the cache",
            variant(RMSPROP, ("(np.sqrt(cache) + ", "(cache + "))),
    Mistake("adam", "no_bias_correction", "apply the bias correction",
            variant(ADAM, ('config["m"] / (1 - beta1 ** t)', 'config["m"]'),
                    ('config["v"] / (1 - beta2 ** t)', 'config["v"]'))),
    # t = 0 in the first bias correction: 1 - beta1**0 = 0, a division by zero.
    Mistake("adam", "t_incremented_after_use", "increment config['t'] BEFORE using it",
            variant(ADAM, (_T_BEFORE_USE, ""), (_T_READ, _T_READ + '    config["t"] = t + 1\n'))),
    # Starting t at 1 hides the division by zero, but config['t'] no longer counts the steps.
    Mistake("adam", "t_starts_at_one", "increment config['t'] BEFORE using it",
            variant(ADAM, ('config.setdefault("t", 0)', 'config.setdefault("t", 1)'), (_T_BEFORE_USE, ""),
                    (_ADAM_RETURN, '    config["t"] += 1\n' + _ADAM_RETURN))),
    # SGD steps ten times too large: the loss overflows within a few iterations.
    Mistake("three_layer_settings", "learning_rate_too_large", "lower the learning rate",
            _settings("three_layer_settings", learning_rate=1e-1)),
    Mistake("three_layer_settings", "learning_rate_too_small", "too slowly for 20 epochs",
            _settings("three_layer_settings", learning_rate=1e-3)),
    # The 3-layer net's weight scale: five layers shrink the signal until the loss cannot move.
    Mistake("five_layer_settings", "three_layer_weight_scale", "a deeper net needs a larger scale",
            _settings("five_layer_settings", weight_scale=1e-2)),
    Mistake("five_layer_settings", "weight_scale_too_large", "lower the learning rate, or the weight scale",
            _settings("five_layer_settings", weight_scale=2e-1)),
    Mistake("five_layer_settings", "key_misspelled", "a dict of two plain numbers",
            answer_source("five_layer_settings", {"lr": reference.five_layer_settings["learning_rate"],
                                                  "weight_scale": reference.five_layer_settings["weight_scale"]})),
    # The rule's name instead of the letter of its choice.
    Mistake("winning_rule", "rule_name", "must be one of the letters", answer_source("winning_rule", "adam")),
    # Adam, for the wrong reason (d): the learning rates are the ones the notebook chose, not the cause.
    Mistake("winning_rule", "wrong_reason", "what each rule does with a gradient that is small",
            answer_source("winning_rule", "D"), right_form=True),
]
