"""Hidden checks for 02_add_mul_layers: the reference on fresh seeded numbers
and arrays (zeros and negatives included), backward after several forwards,
repeated backwards, interleaved objects.

Each ``plan_<grade id>`` is a script on the recorded class (construct, call
methods); :mod:`autograder.verdicts` replays it on the reference class and
compares, and fails a call that changes an input array in place.
"""
from __future__ import annotations

from autograder import answers, assignments
from autograder.plans import Plan
from course.i18n import N_

reference = assignments.load("02_add_mul_layers", "reference")

# The old checks' np.allclose rtol 1e-9, as a relative error (course.gradcheck).
TOLERANCE = 5e-10
SHAPES = [(), (4,), (2, 3)]
SIGMOID_SHAPES = SHAPES + [(3, 2, 2)]
CALLS = ("first", "second")  # backward must not consume what forward stored


def _values(rng, shape):
    """Random values in [-3, 3] with a zero and a negative entry when there is room."""
    if shape == ():
        return float(rng.uniform(-3, 3))
    v = rng.uniform(-3, 3, size=shape)
    v.flat[0] = 0.0
    v.flat[-1] = -abs(v.flat[-1]) - 0.5
    return v


def _sigmoid_inputs(rng, shape):
    # |x| <= 8 keeps s * (1 - s) free of cancellation, so any exact formula agrees to 1e-9.
    if shape == ():
        return float(rng.uniform(-8, 8))
    v = rng.uniform(-8, 8, size=shape)
    v.flat[0] = 0.0
    return v


def _new(plan: Plan, name: str):
    return plan.call(plan.subject(), label=f"{name}()", compare=[])


def _plan_forward(name: str, rng, draw, shapes, inputs: int) -> Plan:
    plan = Plan(name)
    for shape in shapes:
        plan.call(_new(plan, name), *(draw(rng, shape) for _ in range(inputs)), method="forward",
                  label=f"{name}.forward on shape {shape}")
    return plan


def _backward_after_two_forwards(plan: Plan, name: str, rng, draw, shapes, inputs: int) -> None:
    """Backward must use the inputs of the latest forward call, and give the same twice."""
    for shape in shapes:
        layer = _new(plan, name)
        for which in ("an earlier", "the latest"):
            plan.call(layer, *(draw(rng, shape) for _ in range(inputs)), method="forward",
                      label=f"{name}.forward ({which} call) on shape {shape}", compare=[])
        dout = _values(rng, shape)
        for attempt in CALLS:
            plan.call(layer, dout, method="backward",
                      label=f"{name}.backward, shape {shape}, {attempt} call after two forwards")


def _plan_binary_backward(name: str, rng) -> Plan:
    plan = Plan(name)
    _backward_after_two_forwards(plan, name, rng, _values, SHAPES, 2)
    # Two objects interleaved: each keeps its own inputs.
    one, two = _new(plan, name), _new(plan, name)
    for layer, label in ((one, "first"), (two, "second")):
        plan.call(layer, _values(rng, (3,)), _values(rng, (3,)), method="forward",
                  label=f"{name}.forward of the {label} of two objects", compare=[])
    dout = _values(rng, (3,))
    for layer, label in ((one, "first"), (two, "second")):
        plan.call(layer, dout, method="backward", label=f"{name}.backward (dx, dy) of the {label} of two objects")
    return plan


def plan_test_MulLayer_forward(rng) -> Plan:
    return _plan_forward("MulLayer", rng, _values, SHAPES, 2)


def plan_test_MulLayer_backward(rng) -> Plan:
    return _plan_binary_backward("MulLayer", rng)


def plan_test_AddLayer_forward(rng) -> Plan:
    return _plan_forward("AddLayer", rng, _values, SHAPES, 2)


def plan_test_AddLayer_backward(rng) -> Plan:
    return _plan_binary_backward("AddLayer", rng)


def plan_test_SigmoidLayer_forward(rng) -> Plan:
    return _plan_forward("SigmoidLayer", rng, _sigmoid_inputs, SIGMOID_SHAPES, 1)


def plan_test_SigmoidLayer_backward(rng) -> Plan:
    plan = Plan("SigmoidLayer")
    _backward_after_two_forwards(plan, "SigmoidLayer", rng, _sigmoid_inputs, SIGMOID_SHAPES, 1)
    return plan


# The question sigmoid_shrink_factor (autograder/answers.py): every wrong answer gets this hint.
plan_test_sigmoid_shrink_factor, judge_test_sigmoid_shrink_factor = answers.question(
    "sigmoid_shrink_factor", reference.sigmoid_shrink_factor, N_(
        "Divide the gradient at one layer by the gradient at the layer below it (one step further from "
        "the loss), in your table or on your plot: how many times smaller did it get?"), rel_tol=0.1)
