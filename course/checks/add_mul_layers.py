"""Visible checks for 02_add_mul_layers: MulLayer, AddLayer and SigmoidLayer.

Each class is checked twice: forward (values, shapes, inputs left alone) and
backward (numerical gradients of the true function, the shopping example's
known gradients). When a result matches a typical wrong formula the message
names it.
"""
from __future__ import annotations

import numpy as np

from course.checks.common import call_student, require_number, unpack, visible_check
from course.gradcheck import check_close, check_gradient, numerical_gradient_array
from course.i18n import N_, _


# Gradients against central differences of smooth functions agree to ~1e-9;
# a forward value is compared with the same formula evaluated here, so only rounding differs.
GRAD_THRESHOLD = 1e-7
VALUE_THRESHOLD = 1e-9
PAIR = "(dx, dy), one gradient per input"
NEW_ARRAY_HINTS = {"modified_input": N_("return a new array (x + y, x * y) instead of writing into an input.")}


def _forward(name, layer, *inputs):
    """``layer.forward(*inputs)``; an input changed in place fails the check."""
    return call_student(f"{name}.forward", layer.forward, *inputs, hints=NEW_ARRAY_HINTS)


def _backward(name, layer, dout):
    """``layer.backward(dout)`` of a node with two inputs: the pair (dx, dy)."""
    return unpack(f"{name}.backward", call_student(f"{name}.backward", layer.backward, dout), 2, PAIR)


def _random(shape, seed):
    return np.random.default_rng(seed).uniform(-2, 2, size=shape)


# ---------------------------------------------------------------- MulLayer

@visible_check
def check_MulLayer_forward(MulLayer):
    """x * y on numbers and on arrays, entrywise."""
    check_close("MulLayer().forward(100, 2)", _forward("MulLayer", MulLayer(), 100.0, 2.0), 200.0,
                VALUE_THRESHOLD)
    x, y = _random(5, 1), _random(5, 2)
    out = _forward("MulLayer", MulLayer(), x, y)
    check_close(_("MulLayer().forward(x, y) for vectors x, y"), out, x * y, VALUE_THRESHOLD,
                hints={"shape": N_("the product is entrywise: out = x * y has the shape of x "
                                   "(np.dot(x, y) would add the products up into one number).")})


@visible_check
def check_MulLayer_backward(MulLayer):
    """dx = dout * y, dy = dout * x; every object keeps its own inputs."""
    x, y, dout = _random((3, 4), 3), _random((3, 4), 4), _random((3, 4), 5)
    layer = MulLayer()
    _forward("MulLayer", layer, x, y)
    dx, dy = _backward("MulLayer", layer, dout)
    # Numerical gradients of the true function x * y, not of the student's forward.
    dx_num = numerical_gradient_array(lambda v: v * y, x.copy(), dout)
    dy_num = numerical_gradient_array(lambda v: x * v, y.copy(), dout)
    check_gradient("MulLayer dx", dx, dx_num, GRAD_THRESHOLD, suspects=[
        (dout * x, N_("dx must be dout times the OTHER input: the derivative of x * y with respect to x is y, "
                      "so dx = dout * y.")),
        (y, N_("the upstream gradient dout is missing: dx = dout * (local derivative y).")),
    ])
    check_gradient("MulLayer dy", dy, dy_num, GRAD_THRESHOLD, suspects=[
        (dout * y, N_("dy must be dout times the OTHER input: dy = dout * x.")),
        (x, N_("the upstream gradient dout is missing: dy = dout * (local derivative x).")),
    ])

    # The shopping example: two MulLayer objects, both forwards before both backwards.
    apple_layer, tax_layer = MulLayer(), MulLayer()
    apple_total = _forward("MulLayer", apple_layer, 100.0, 2.0)
    _forward("MulLayer", tax_layer, apple_total, 1.1)
    d_apple_total, d_tax = _backward("MulLayer", tax_layer, 1.0)
    d_price, d_count = _backward("MulLayer", apple_layer, d_apple_total)
    # One store shared by both objects holds the tax node's inputs (200, 1.1) when the apple node's
    # backward runs: d apple price = 1.1 * 1.1, d apple count = 1.1 * 200.
    shared = np.array([1.1 * 1.1, 1.1 * 200.0, 200.0])
    check_close(_("shopping graph apple_price * apple_count * tax with two MulLayer objects: gradients "
                  "(d apple price, d apple count, d tax)"), np.array([d_price, d_count, d_tax], dtype=np.float64),
                np.array([2.2, 110.0, 200.0]), VALUE_THRESHOLD, suspects=[(
                    shared, N_("every MulLayer object stores its own inputs (self.x, self.y) in forward; a second "
                               "object, or a forward call on another object, must not change what this one's "
                               "backward uses."))])


# ---------------------------------------------------------------- AddLayer

@visible_check
def check_AddLayer_forward(AddLayer):
    check_close("AddLayer().forward(200, 450)", _forward("AddLayer", AddLayer(), 200.0, 450.0), 650.0,
                VALUE_THRESHOLD)
    x, y = _random((2, 3), 6), _random((2, 3), 7)
    out = _forward("AddLayer", AddLayer(), x, y)
    check_close(_("AddLayer().forward(x, y) for arrays"), out, x + y, VALUE_THRESHOLD)


@visible_check
def check_AddLayer_backward(AddLayer):
    """dx = dy = dout: an addition hands the upstream gradient to both inputs."""
    x, y, dout = _random((2, 3), 8), _random((2, 3), 9), _random((2, 3), 10)
    layer = AddLayer()
    _forward("AddLayer", layer, x, y)
    dx, dy = _backward("AddLayer", layer, dout)
    dx_num = numerical_gradient_array(lambda v: v + y, x.copy(), dout)
    dy_num = numerical_gradient_array(lambda v: x + v, y.copy(), dout)
    missing_dout = N_("the local derivative is 1, but backward must return dout * 1, not 1.")
    check_gradient("AddLayer dx", dx, dx_num, GRAD_THRESHOLD, suspects=[(1.0, missing_dout)])
    check_gradient("AddLayer dy", dy, dy_num, GRAD_THRESHOLD, suspects=[
        (0.0, N_("dy is zero: an addition passes dout unchanged to BOTH inputs, dx = dy = dout.")),
        (1.0, missing_dout),
    ])
    # A number in, numbers out (the shopping example's tax node sends 1.1 back).
    dx, dy = _backward("AddLayer", AddLayer(), 1.1)
    check_close("AddLayer().backward(1.1)", np.array([dx, dy], dtype=np.float64), np.array([1.1, 1.1]),
                VALUE_THRESHOLD)


# ---------------------------------------------------------------- SigmoidLayer

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@visible_check
def check_SigmoidLayer_forward(SigmoidLayer):
    check_close("SigmoidLayer().forward(0.0)", _forward("SigmoidLayer", SigmoidLayer(), 0.0), 0.5,
                VALUE_THRESHOLD)
    x = np.array([[-4.0, -1.0, -0.25], [0.0, 0.5, 3.0]])
    out = _forward("SigmoidLayer", SigmoidLayer(), x)
    check_close("SigmoidLayer().forward(x)", out, _sigmoid(x), VALUE_THRESHOLD, suspects=[
        (_sigmoid(-x), N_("this is sigma(-x) = 1 - sigma(x): the sigmoid is 1 / (1 + exp(-x)), with a minus sign.")),
        (np.exp(-x), N_("the sigmoid is 1 / (1 + exp(-x)): add 1 and take the reciprocal.")),
    ])


@visible_check
def check_SigmoidLayer_backward(SigmoidLayer):
    """dx = dout * s * (1 - s) with s the output of forward."""
    x = np.array([[-3.0, -0.7, 0.0], [0.4, 1.5, 2.5]])
    dout = _random((2, 3), 11)
    layer = SigmoidLayer()
    _forward("SigmoidLayer", layer, x)
    dx = call_student("SigmoidLayer.backward", layer.backward, dout)
    dx_num = numerical_gradient_array(_sigmoid, x.copy(), dout)
    s = _sigmoid(x)
    check_gradient("SigmoidLayer dx", dx, dx_num, GRAD_THRESHOLD, suspects=[
        (dout * x * (1 - x), N_("sigma'(x) = s (1 - s) uses the OUTPUT s = sigma(x), not the input x: "
                                "keep the output of forward in self.")),
        (s * (1 - s), N_("the upstream gradient dout is missing: dx = dout * s * (1 - s).")),
        (-dout * s * (1 - s), N_("wrong sign: the derivative of the sigmoid is positive, dx = dout * s * (1 - s).")),
    ])


# ---------------------------------------------------------------- questions

@visible_check
def check_sigmoid_shrink_factor(sigmoid_shrink_factor):
    """Your answer is a number; whether it is right is decided when your notebook is graded."""
    require_number("sigmoid_shrink_factor", sigmoid_shrink_factor)
