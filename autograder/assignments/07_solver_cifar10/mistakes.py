"""Frequent mistakes in the update rules of 07_solver_cifar10.

Each source is a whole solution cell as a student might write it; ``hint`` is
the part of the visible check's message that explains the mistake.
"""
from __future__ import annotations

from autograder.mistake import Mistake, variant

_SGD_DEF = '''def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: next_w = w - learning_rate * dw.

    config keys: learning_rate (default 1e-2).
    Returns (next_w, config); w itself is not modified.
    """
'''
_MOMENTUM_DEF = '''def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum.

    config keys: learning_rate (default 1e-2), momentum (default 0.9),
    velocity (an array like w; zeros before the first step).
    Returns (next_w, config) with the new velocity stored in config.
    """
'''
_RMSPROP_DEF = '''def rmsprop(w, dw, config=None):
    """RMSprop: divide each step by a moving average of the squared gradients.

    config keys: learning_rate (default 1e-2), decay_rate (default 0.99),
    epsilon (default 1e-8), cache (an array like w; zeros before the first step).
    Returns (next_w, config) with the new cache stored in config.
    """
'''
_ADAM_DEF = '''def adam(w, dw, config=None):
    """Adam: momentum plus RMSprop, with bias correction.

    config keys: learning_rate (default 1e-3), beta1 (default 0.9),
    beta2 (default 0.999), epsilon (default 1e-8), m and v (arrays like w;
    zeros before the first step), t (the number of steps taken; 0 at first).
    Returns (next_w, config) with m, v and t updated in config.
    """
'''
_ADAM_SETUP = '''    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
'''

# The correct bodies; the momentum and t mistakes below change one or two of their lines.
_MOMENTUM_BODY = '''    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config
'''
_ADAM_BODY = '''    config.setdefault("t", 0)
    config["t"] += 1
    t = config["t"]
    config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
    config["v"] = config["beta2"] * config["v"] + (1 - config["beta2"]) * dw ** 2
    m_hat = config["m"] / (1 - config["beta1"] ** t)
    v_hat = config["v"] / (1 - config["beta2"] ** t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config
'''

MISTAKES = [
    Mistake("sgd", "gradient_ascent", "step against the gradient", _SGD_DEF + '''    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    return w + config["learning_rate"] * dw, config
'''),
    Mistake("sgd", "in_place", "instead of changing w in place", _SGD_DEF + '''    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config
'''),
    Mistake("sgd_momentum", "sign_flipped", "the velocity points uphill",
            _MOMENTUM_DEF + variant(_MOMENTUM_BODY,
                                    ('v = config["momentum"] * v - config["learning_rate"] * dw',
                                     'v = config["momentum"] * v + config["learning_rate"] * dw'))),
    # The zeros stored by setdefault are never replaced: every step starts from rest.
    Mistake("sgd_momentum", "velocity_not_stored", "store the new velocity in config['velocity']",
            _MOMENTUM_DEF + variant(_MOMENTUM_BODY,
                                    ('v = config.get("velocity", ', 'v = config.setdefault("velocity", '),
                                    ('    config["velocity"] = v\n', ''))),
    Mistake("sgd_momentum", "velocity_never_saved", "store the new velocity in config['velocity']",
            _MOMENTUM_DEF + variant(_MOMENTUM_BODY, ('    config["velocity"] = v\n', ''))),
    Mistake("rmsprop", "no_square_root", "divide by the square root of the cache", _RMSPROP_DEF + '''    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))
    cache = config["decay_rate"] * cache + (1 - config["decay_rate"]) * dw ** 2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (cache + config["epsilon"]), config
'''),
    Mistake("adam", "no_bias_correction", "apply the bias correction", _ADAM_DEF + _ADAM_SETUP + '''    config.setdefault("t", 0)
    config["t"] += 1
    config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
    config["v"] = config["beta2"] * config["v"] + (1 - config["beta2"]) * dw ** 2
    step = config["m"] / (np.sqrt(config["v"]) + config["epsilon"])
    return w - config["learning_rate"] * step, config
'''),
    # t = 0 in the first bias correction: 1 - beta1**0 = 0, a division by zero.
    Mistake("adam", "t_incremented_after_use", "increment config['t'] BEFORE using it",
            _ADAM_DEF + _ADAM_SETUP + variant(_ADAM_BODY,
                                              ('    config["t"] += 1\n', ''),
                                              ('    return w - ', '    config["t"] = t + 1\n    return w - '))),
    # Starting t at 1 hides the division by zero, but config['t'] no longer counts the steps.
    Mistake("adam", "t_starts_at_one", "increment config['t'] BEFORE using it",
            _ADAM_DEF + _ADAM_SETUP + variant(_ADAM_BODY,
                                              ('config.setdefault("t", 0)', 'config.setdefault("t", 1)'),
                                              ('    config["t"] += 1\n', ''),
                                              ('    return w - ', '    config["t"] += 1\n    return w - '))),
]
