"""Assignment 01: derivatives by finite differences and by the chain rule."""
from __future__ import annotations

import numpy as np


def numerical_derivative(f, x, h=1e-5):
    """Central difference (f(x + h) - f(x - h)) / 2h; works entrywise on arrays."""
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f, x, h=1e-5):
    """Central differences of the scalar function f at the float array x, one entry at a time;
    x is probed in place and every entry is restored."""
    grad = np.zeros(x.shape)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = f(x)
        x[idx] = old - h
        minus = f(x)
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def chain_forward(x, w1, w2, w3, target):
    """L = 0.5 * (e - target)^2 with y = w1 x, z = w2 y, e = w3 z."""
    y = w1 * x
    z = w2 * y
    e = w3 * z
    loss = 0.5 * (e - target) ** 2
    cache = (x, w1, w2, w3, y, z, e, target)
    return loss, cache


def chain_backward(cache):
    """Gradients (dL/dw1, dL/dw2, dL/dw3), one multiplication per link of the chain."""
    x, w1, w2, w3, y, z, e, target = cache
    de = e - target
    dw3 = de * z
    dz = de * w3
    dw2 = dz * y
    dy = dz * w2
    dw1 = dy * x
    return dw1, dw2, dw3


# Answers to the auto-graded questions (autograder/answers.py).
central_error_factor = 100  # the central difference's error goes like h², so h / 10 divides it by 100
