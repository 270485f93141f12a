"""Assignment 02: nodes of a computational graph with forward and backward."""
from __future__ import annotations

import numpy as np


class MulLayer:
    """out = x * y; each input's gradient is dout times the other input."""

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x * y

    def backward(self, dout):
        return dout * self.y, dout * self.x


class AddLayer:
    """out = x + y; the gradient passes through to both inputs unchanged."""

    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return dout * 1, dout * 1


class SigmoidLayer:
    """out = 1 / (1 + exp(-x)); the local derivative is out * (1 - out)."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        e = np.exp(-np.abs(x))  # never overflows
        self.out = np.where(np.asarray(x) >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


# Answers to the auto-graded questions (autograder/answers.py).
sigmoid_shrink_factor = 4  # every sigmoid at its input 0 multiplies the gradient by sigma'(0) = 1/4
