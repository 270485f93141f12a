"""Assignment 07: first-order update rules.

Each rule is (w, dw, config=None) -> (next_w, config). The returned config is
a new dict holding the defaults and the updated state; neither w nor the
caller's config is modified. Each rule is one self-contained cell, as in the
notebook, so that a mistake can be written as a change of a line or two.
"""
from __future__ import annotations

import numpy as np


def sgd(w, dw, config=None):
    """w - learning_rate * dw."""
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def sgd_momentum(w, dw, config=None):
    """v = momentum * v - learning_rate * dw; w + v."""
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    velocity = config.get("velocity", np.zeros_like(w))
    velocity = config["momentum"] * velocity - config["learning_rate"] * dw
    config["velocity"] = velocity
    return w + velocity, config


def rmsprop(w, dw, config=None):
    """cache = decay * cache + (1 - decay) * dw^2; w - lr * dw / (sqrt(cache) + eps)."""
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    decay = config["decay_rate"]
    cache = decay * config.get("cache", np.zeros_like(w)) + (1 - decay) * dw ** 2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def adam(w, dw, config=None):
    """Adam with bias correction; t is incremented before it is used."""
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    beta1, beta2 = config["beta1"], config["beta2"]
    config["t"] += 1  # before use: the first step has t = 1
    t = config["t"]
    config["m"] = beta1 * config["m"] + (1 - beta1) * dw
    config["v"] = beta2 * config["v"] + (1 - beta2) * dw ** 2
    m_hat = config["m"] / (1 - beta1 ** t)
    v_hat = config["v"] / (1 - beta2 ** t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


# Settings that fit the 50 training images with SGD (20 epochs, minibatches of 25):
# the 5-layer net needs a larger weight scale, or its signal fades layer by layer.
three_layer_settings = {"learning_rate": 1e-2, "weight_scale": 1e-2}

five_layer_settings = {"learning_rate": 1e-2, "weight_scale": 5e-2}

# The question on the update rules: Adam, which keeps a velocity and scales each parameter's step.
winning_rule = "C"
