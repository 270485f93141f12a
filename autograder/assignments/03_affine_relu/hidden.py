"""Hidden checks for 03_affine_relu: the reference on fresh shapes and edge cases.

Fresh shapes include a 4-D input, a one-sample batch and D != M, so that a
missing reshape or a swapped transpose cannot hide; ReLU gets exact zeros;
every call is judged on its inputs being left unchanged too. Each
``plan_<grade id>`` only lists the calls; :mod:`autograder.verdicts` replays
them on the reference and compares.
"""
from __future__ import annotations

import numpy as np

from autograder import answers, assignments
from autograder.plans import Plan
from course.i18n import N_

reference = assignments.load("03_affine_relu", "reference")

# (x shape, M): a 4-D batch, one sample, a plain 2-D batch; D != M in each.
AFFINE_CASES = [((3, 2, 4, 3), 7), ((1, 5, 2), 3), ((6, 9), 4)]
RELU_SHAPES = [(2, 3, 4, 5), (1, 6)]
SIGMOID_SHAPES = [(3, 2, 4), (1, 5)]


def _affine_inputs(rng, x_shape, M):
    D = int(np.prod(x_shape[1:]))
    return rng.standard_normal(x_shape), rng.standard_normal((D, M)), rng.standard_normal(M)


def _relu_input(rng, shape):
    x = rng.standard_normal(shape)
    x[rng.random(shape) < 0.3] = 0.0  # exact zeros, where the gradient is 0 by convention
    return x


def plan_test_affine_forward(rng) -> Plan:
    plan = Plan("affine_forward")
    for x_shape, M in AFFINE_CASES:
        plan.call(plan.subject(), *_affine_inputs(rng, x_shape, M),
                  label=f"affine_forward out for x {x_shape}, M={M}", compare=[[0]])
    return plan


def plan_test_affine_backward(rng) -> Plan:
    plan = Plan("affine_backward")
    for x_shape, M in AFFINE_CASES:
        cache = _affine_inputs(rng, x_shape, M)
        dout = rng.standard_normal((x_shape[0], M))
        plan.call(plan.subject(), dout, cache, label=f"affine_backward (dx, dw, db) for x {x_shape}, M={M}")
    return plan


def plan_test_relu_forward(rng) -> Plan:
    plan = Plan("relu_forward")
    for shape in RELU_SHAPES:
        plan.call(plan.subject(), _relu_input(rng, shape), label=f"relu_forward out for x {shape}",
                  compare=[[0]])
    return plan


def plan_test_relu_backward(rng) -> Plan:
    plan = Plan("relu_backward")
    for shape in RELU_SHAPES:
        x = _relu_input(rng, shape)
        plan.call(plan.subject(), rng.standard_normal(shape), x,
                  label=f"relu_backward dx for x {shape} with exact zeros")
    return plan


def plan_test_sigmoid_forward(rng) -> Plan:
    plan = Plan("sigmoid_forward")
    for shape in SIGMOID_SHAPES:
        plan.call(plan.subject(), rng.standard_normal(shape) * 4, label=f"sigmoid_forward out for x {shape}",
                  compare=[[0]])
    return plan


def plan_test_sigmoid_backward(rng) -> Plan:
    plan = Plan("sigmoid_backward")
    for shape in SIGMOID_SHAPES:
        out = 1.0 / (1.0 + np.exp(-rng.standard_normal(shape) * 4))  # the cache: sigmoid(x)
        plan.call(plan.subject(), rng.standard_normal(shape), out, label=f"sigmoid_backward dx for x {shape}")
    return plan


# The question relu_zero_gradient (autograder/answers.py): every wrong answer gets this hint.
plan_test_relu_zero_gradient, judge_test_relu_zero_gradient = answers.question(
    "relu_zero_gradient", reference.relu_zero_gradient, N_(
        "Look at the printed dx entry by entry, with the input x each one came from, exact zeros included."))
