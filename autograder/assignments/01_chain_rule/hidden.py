"""Hidden checks for 01_chain_rule: the reference on fresh seeded inputs,
including zero and negative values.

Each ``plan_<grade id>`` only lists the calls; :mod:`autograder.verdicts`
replays them on the reference and compares. Thresholds are relative errors
(``course.gradcheck``): half the ``rtol`` of ``np.allclose``, the old checks'.
"""
from __future__ import annotations

import numpy as np

from autograder import answers, assignments
from autograder.plans import Plan
from course.i18n import N_

reference = assignments.load("01_chain_rule", "reference")

# Test functions of course.recorder.FUNCTIONS: smooth, with a zero derivative
# (rational at 0) and a fast-growing one (exp).
FUNCTIONS = ["sin", "cubic", "exp", "rational"]
# Scalar functions of a whole array, for numerical_gradient: the seed's plane F = 3x + 4y, a
# separable one and one where every entry changes every partial derivative.
ARRAY_FUNCTIONS = ["plane_3x_4y", "sum_of_cubes", "sin_times_norm"]
STEP_TOLERANCE = 5e-9     # numerical_derivative with a given h
DEFAULT_H_TOLERANCE = 5e-8
LOSS_TOLERANCE = 5e-11
CACHE_TOLERANCE = 5e-13   # the cache holds inputs and products: equal up to rounding
GRADIENT_TOLERANCE = 5e-10
CALLS = ("first", "second")  # a second call on the same cache must agree


def plan_test_numerical_derivative(rng) -> Plan:
    plan = Plan("numerical_derivative")
    for name in FUNCTIONS:
        f = plan.function(name)
        for x in (float(rng.uniform(-2, 2)), 0.0, -float(rng.uniform(0.5, 2))):
            h = float(rng.choice([0.3, 0.05, 1e-3]))
            plan.call(plan.subject(), f, x, h, label=f"numerical_derivative({name}, {x:.4g}, h={h})",
                      tolerance=STEP_TOLERANCE)
            plan.call(plan.subject(), f, x, label=f"numerical_derivative({name}, {x:.4g}) with the default h",
                      tolerance=DEFAULT_H_TOLERANCE)
    xs = rng.uniform(-2, 2, size=(3, 4))
    xs[0, 0] = 0.0
    plan.call(plan.subject(), plan.function("sin"), xs, 0.01, label="numerical_derivative(sin) on a (3, 4) array",
              tolerance=STEP_TOLERANCE)
    return plan


def plan_test_numerical_gradient(rng) -> Plan:
    plan = Plan("numerical_gradient")
    plane = plan.function("plane_3x_4y")
    for point in (rng.uniform(-2, 2, size=2), np.zeros(2)):
        plan.call(plan.subject(), plane, point, label=f"numerical_gradient(F = 3x + 4y) at {np.round(point, 4)}",
                  tolerance=DEFAULT_H_TOLERANCE)
    for name in ARRAY_FUNCTIONS[1:]:
        f = plan.function(name)
        for shape in ((3,), (2, 3), (2, 2, 2)):
            x = rng.uniform(-1.5, 1.5, size=shape)
            h = float(rng.choice([0.2, 0.05]))
            plan.call(plan.subject(), f, x, h, label=f"numerical_gradient({name}) at an array of shape {shape}, "
                                                    f"h={h}", tolerance=STEP_TOLERANCE)
            plan.call(plan.subject(), f, x, label=f"numerical_gradient({name}) at an array of shape {shape} "
                                                 "with the default h", tolerance=DEFAULT_H_TOLERANCE)
    return plan


def _chain_inputs(rng) -> list[tuple[float, ...]]:
    """Several (x, w1, w2, w3, target) draws: random, zero input, negative everything, a fixed one."""
    draws = [tuple(float(v) for v in rng.normal(size=5)) for _ in range(3)]
    draws.append((0.0,) + tuple(float(v) for v in rng.normal(size=4)))
    draws.append(tuple(-abs(float(v)) - 0.1 for v in rng.normal(size=5)))
    draws.append((1.0, 0.2333, -0.233, -0.52133, -1.0))
    return draws


def _show(args) -> str:
    return ", ".join(f"{v:.4g}" for v in args)


def plan_test_chain_forward(rng) -> Plan:
    plan = Plan("chain_forward")
    for args in _chain_inputs(rng):
        plan.call(plan.subject(), *args, label=f"chain_forward({_show(args)}) loss", compare=[[0]],
                  tolerance=LOSS_TOLERANCE)
        plan.call(plan.subject(), *args, label=f"chain_forward({_show(args)}) cache "
                                               "(x, w1, w2, w3, y, z, e, target)", compare=[[1]],
                  tolerance=CACHE_TOLERANCE)
    return plan


def plan_test_chain_backward(rng) -> Plan:
    plan = Plan("chain_backward")
    for args in _chain_inputs(rng):
        # The reference's cache: chain_backward is judged on its own. (The fixed draw's
        # cache reveals nothing: the notebook works that example out.)
        _, cache = reference.chain_forward(*args)
        for attempt in CALLS:
            plan.call(plan.subject(), cache, label=f"chain_backward (dw1, dw2, dw3) for ({_show(args)}), "
                                                   f"{attempt} call", tolerance=GRADIENT_TOLERANCE)
    return plan


# The question central_error_factor (autograder/answers.py): every wrong answer gets this hint.
plan_test_central_error_factor, judge_test_central_error_factor = answers.question(
    "central_error_factor", reference.central_error_factor, N_(
        "Read the central difference's curve where it falls in a straight line (h from 0.1 down to 0.0001): "
        "compare its error at two values of h ten times apart."), rel_tol=0.3)
