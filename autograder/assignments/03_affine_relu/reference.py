"""Assignment 03: affine, ReLU and sigmoid layers."""
from __future__ import annotations

import numpy as np


def affine_forward(x, w, b):
    """out = x.reshape(N, D) @ w + b for x of shape (N, d1, ..., dk), D = d1 * ... * dk."""
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    x_flat = x.reshape(x.shape[0], -1)
    dx = (dout @ w.T).reshape(x.shape)
    dw = x_flat.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    out = np.maximum(x, 0)
    return out, x


def relu_backward(dout, cache):
    # The derivative at exactly 0 is taken as 0.
    return dout * (cache > 0)


def sigmoid_forward(x):
    e = np.exp(-np.abs(x))  # exp of a non-positive number: no overflow for large |x|
    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out, out


def sigmoid_backward(dout, cache):
    out = cache
    return dout * out * (1.0 - out)


# Answers to the auto-graded questions (autograder/answers.py).
relu_zero_gradient = "B"  # dx = 0 where x <= 0: the negative inputs and the exact zeros
