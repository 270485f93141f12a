"""Visible checks for 03_affine_relu: the affine, ReLU and sigmoid layers.

``check_<name>(fn)`` runs your function on small seeded inputs and raises an
AssertionError that says what is wrong and, for the frequent mistakes, why.

A backward check builds its cache itself in the format the notebook fixes, so
each backward pass is graded on its own, independently of your forward pass:

- affine: ``cache = (x, w, b)`` with ``x`` in its original shape (N, d1, ..., dk)
- relu:   ``cache = x``
- sigmoid: ``cache = out``, the forward output sigma(x)
"""
from __future__ import annotations

import numpy as np

from course.checks.common import call_student, require_choice, report_all, unpack, visible_check
from course.gradcheck import check_close, check_gradient, check_shape, numerical_gradient_array
from course.i18n import N_, _

# Affine, ReLU (away from 0) and sigmoid are smooth, so central differences
# with h = 1e-5 agree with a correct analytic gradient to about 1e-9.
GRAD_THRESHOLD = 1e-7
VALUE_THRESHOLD = 1e-7

# The worked example of the notebook, small enough to multiply out by hand.
EXAMPLE_X = np.array([[[1.0, 2.0], [3.0, 4.0]],
                      [[0.0, -1.0], [2.0, 1.0]]])           # (N, d1, d2) = (2, 2, 2), D = 4
EXAMPLE_W = np.array([[1.0, 0.0, -1.0],
                      [0.0, 1.0, 0.0],
                      [2.0, 0.0, 1.0],
                      [0.0, -1.0, 1.0]])                     # (D, M) = (4, 3)
EXAMPLE_B = np.array([0.5, -1.0, 2.0])                       # (M,)
EXAMPLE_OUT = np.array([[7.5, -3.0, 8.0],
                        [4.5, -3.0, 5.0]])                   # worked out by hand in the notebook

# ReLU's known-value case: exact zeros and negative inputs with nonzero dout.
RELU_X = np.array([[-2.0, 0.0, 3.0, -0.5],
                   [0.0, 1.5, -1.0, 2.0]])
RELU_OUT = np.array([[0.0, 0.0, 3.0, 0.0],
                     [0.0, 1.5, 0.0, 2.0]])
RELU_DOUT = np.array([[1.0, 2.0, 3.0, 4.0],
                      [5.0, 6.0, 7.0, 8.0]])
RELU_DX = np.array([[0.0, 0.0, 3.0, 0.0],
                    [0.0, 6.0, 0.0, 8.0]])

# sigmoid(0) = 1/2, sigmoid(ln 3) = 3/4, sigmoid(-ln 3) = 1/4.
SIGMOID_X = np.array([[0.0, np.log(3.0), -np.log(3.0)]])
SIGMOID_OUT = np.array([[0.5, 0.75, 0.25]])

RESHAPE_HINT = N_("x has shape (N, d1, ..., dk): flatten it to (N, D) with x.reshape(x.shape[0], -1) "
                  "before the matrix product.")
BACKWARD_SHAPES_HINT = N_("write down the shape of every factor: dx = dout (N, M) @ w.T (M, D), "
                          "dw = x_flat.T (D, N) @ dout (N, M), where x_flat = x.reshape(N, -1).")

DX_HINTS = {
    "reshaped": N_("dx has the right entries but not x's shape: reshape dx back to x.shape "
                   "(the layer below expects a gradient shaped like the x it sent)."),
    "shape": N_("dx must have the shape of x, (N, d1, ..., dk): dx = (dout @ w.T).reshape(x.shape)."),
    "times_n": N_("dx is N times too large: nothing in an affine layer divides or multiplies by N."),
    "over_n": N_("dx is N times too small: nothing in an affine layer divides or multiplies by N."),
}
DW_HINTS = {
    "transposed": N_("dw is (M, D) instead of (D, M): dw = x_flat.T @ dout, not dout.T @ x_flat."),
    "reshaped": N_("dw must have w's shape (D, M): flatten x to (N, D) before x_flat.T @ dout."),
    "over_n": N_("dw is N times too small: the products over the batch add up, do not average them."),
    "times_n": N_("dw is N times too large: the products over the batch add up once, do not multiply by N."),
}
DB_HINTS = {
    "over_n": N_("db is N times too small: b is added to every row of the batch, so db sums dout over "
                 "axis 0 instead of averaging it."),
    "shape": N_("db must have b's shape (M,): sum dout over axis 0 (the batch), not over axis 1."),
    "transposed": N_("db must have b's shape (M,): sum dout over axis 0 (the batch), not over axis 1."),
}
RELU_OUT_HINTS = {
    "shape": N_("out must have x's shape: np.maximum(x, 0) compares entry by entry, while np.max(x, 0) "
                "reduces x along axis 0."),
    "reshaped": N_("out must have x's shape: np.maximum(x, 0) compares entry by entry."),
}
RELU_FORWARD_CALL_HINTS = {
    "modified_input": N_("x[x < 0] = 0 (or similar) changes the caller's x, which it still needs: build a new "
                         "array, e.g. np.maximum(x, 0)."),
}
RELU_GE_CAUSE = N_("the gradient must be 0 where x is exactly 0 (the course convention): the mask is "
                   "x > 0, not x >= 0.")
RELU_UNGATED_CAUSE = N_("the gradient must be blocked where x < 0: multiply dout by the mask (x > 0).")
RELU_TIMES_OUTPUT_CAUSE = N_("dx is dout times the ReLU output: the local gradient is the 0/1 mask "
                             "(x > 0), not the value max(x, 0).")
SIGMOID_SIGN_CAUSE = N_("out is 1 - sigmoid(x): the exponent is -x, sigmoid(x) = 1 / (1 + exp(-x)).")
SIGMOID_NO_ONE_MINUS_CAUSE = N_("dx is dout * out: the local gradient of the sigmoid is "
                                "out * (1 - out).")
SIGMOID_TWICE_CAUSE = N_("the cache already holds out = sigmoid(x): use out * (1 - out) directly, "
                         "do not apply the sigmoid to it a second time.")


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _away_from_zero(rng: np.random.Generator, shape) -> np.ndarray:
    """Random values with |x| >= 0.1, where ReLU is differentiable."""
    return rng.choice([-1.0, 1.0], size=shape) * (0.1 + np.abs(rng.standard_normal(shape)))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@visible_check
def check_affine_forward(affine_forward) -> None:
    """The worked example by value, then a 4-D batch against x.reshape(N, -1) @ w + b."""
    out, _cache = unpack("affine_forward", call_student("affine_forward", affine_forward, EXAMPLE_X.copy(),
                                             EXAMPLE_W.copy(), EXAMPLE_B.copy(), hints={"raised": RESHAPE_HINT}),
                     2, "(out, cache)")
    check_shape(_("affine_forward out (worked example)"), out, (2, 3))
    check_close(_("affine_forward out (worked example)"), out, EXAMPLE_OUT, VALUE_THRESHOLD)

    rng = _rng(301)
    x = rng.standard_normal((3, 2, 3, 2))       # N = 3, D = 12
    w = rng.standard_normal((12, 5))            # M = 5
    b = rng.standard_normal(5)
    out, _cache = unpack("affine_forward", call_student("affine_forward", affine_forward, x, w, b,
                                             hints={"raised": RESHAPE_HINT}), 2, "(out, cache)")
    check_shape(_("affine_forward out for x of shape (3, 2, 3, 2)"), out, (3, 5))
    expected = x.reshape(3, 12) @ w + b
    check_close(_("affine_forward out for x of shape (3, 2, 3, 2)"), out, expected, VALUE_THRESHOLD)


@visible_check
def check_affine_backward(affine_backward) -> None:
    """dx, dw, db against numerical gradients for x of shape (4, 2, 3) (N=4, D=6, M=5)."""
    rng = _rng(302)
    N, M = 4, 5
    x = rng.standard_normal((N, 2, 3))
    w = rng.standard_normal((6, M))
    b = rng.standard_normal(M)
    dout = rng.standard_normal((N, M))

    dx_num = numerical_gradient_array(lambda z: z.reshape(N, -1) @ w + b, x.copy(), dout)
    dw_num = numerical_gradient_array(lambda z: x.reshape(N, -1) @ z + b, w.copy(), dout)
    db_num = numerical_gradient_array(lambda z: x.reshape(N, -1) @ w + z, b.copy(), dout)

    result = call_student("affine_backward", affine_backward, dout.copy(), (x.copy(), w.copy(), b.copy()),
                   hints={"raised": BACKWARD_SHAPES_HINT})
    dx, dw, db = unpack("affine_backward", result, 3, "(dx, dw, db)")
    report_all([
        lambda: check_gradient("affine_backward dx", dx, dx_num, GRAD_THRESHOLD, DX_HINTS, batch_size=N),
        lambda: check_gradient("affine_backward dw", dw, dw_num, GRAD_THRESHOLD, DW_HINTS, batch_size=N),
        lambda: check_gradient("affine_backward db", db, db_num, GRAD_THRESHOLD, DB_HINTS, batch_size=N),
    ])


@visible_check
def check_relu_forward(relu_forward) -> None:
    """Known values with zeros and negatives, the shape of a 3-D input, and x left unchanged."""
    out, _cache = unpack("relu_forward", call_student("relu_forward", relu_forward, RELU_X.copy(),
                                                 hints=RELU_FORWARD_CALL_HINTS), 2, "(out, cache)")
    check_shape("relu_forward out", out, RELU_X.shape, RELU_OUT_HINTS)
    check_close("relu_forward out", out, RELU_OUT, VALUE_THRESHOLD)

    x = _rng(303).standard_normal((2, 3, 4))
    out, _cache = unpack("relu_forward", call_student("relu_forward", relu_forward, x.copy()), 2, "(out, cache)")
    check_shape(_("relu_forward out for x of shape (2, 3, 4)"), out, x.shape, RELU_OUT_HINTS)
    check_close(_("relu_forward out for x of shape (2, 3, 4)"), out, np.where(x > 0, x, 0.0), VALUE_THRESHOLD)


@visible_check
def check_relu_backward(relu_backward) -> None:
    """Known values at x = 0 and x < 0, then a numerical gradient away from 0."""
    dx = call_student("relu_backward", relu_backward, RELU_DOUT.copy(), RELU_X.copy())
    check_close(_("relu_backward dx (x with exact zeros)"), dx, RELU_DX, VALUE_THRESHOLD,
                suspects=[(RELU_DOUT * (RELU_X >= 0), RELU_GE_CAUSE),
                          (RELU_DOUT, RELU_UNGATED_CAUSE),
                          (RELU_DOUT * RELU_OUT, RELU_TIMES_OUTPUT_CAUSE)])

    rng = _rng(304)
    x = _away_from_zero(rng, (3, 4, 2))
    dout = rng.standard_normal(x.shape)
    dx_num = numerical_gradient_array(lambda z: np.maximum(z, 0), x.copy(), dout)
    dx = call_student("relu_backward", relu_backward, dout.copy(), x.copy())
    check_gradient("relu_backward dx", dx, dx_num, GRAD_THRESHOLD,
                   suspects=[(dout, RELU_UNGATED_CAUSE), (dout * np.maximum(x, 0), RELU_TIMES_OUTPUT_CAUSE)])


@visible_check
def check_sigmoid_forward(sigmoid_forward) -> None:
    """sigmoid(0) = 1/2, sigmoid(+-ln 3) = 3/4, 1/4, then a 3-D input."""
    out, _cache = unpack("sigmoid_forward", call_student("sigmoid_forward", sigmoid_forward, SIGMOID_X.copy()),
                     2, "(out, cache)")
    check_close("sigmoid_forward out", out, SIGMOID_OUT, VALUE_THRESHOLD,
                suspects=[(1.0 - SIGMOID_OUT, SIGMOID_SIGN_CAUSE)])

    x = _rng(305).standard_normal((2, 3, 4)) * 3
    out, _cache = unpack("sigmoid_forward", call_student("sigmoid_forward", sigmoid_forward, x.copy()),
                     2, "(out, cache)")
    check_shape(_("sigmoid_forward out for x of shape (2, 3, 4)"), out, x.shape)
    check_close(_("sigmoid_forward out for x of shape (2, 3, 4)"), out, _sigmoid(x),
                VALUE_THRESHOLD, suspects=[(_sigmoid(-x), SIGMOID_SIGN_CAUSE)])


@visible_check
def check_sigmoid_backward(sigmoid_backward) -> None:
    """dx against the numerical gradient, with cache = out = sigmoid(x)."""
    rng = _rng(306)
    x = rng.standard_normal((3, 5)) * 2
    dout = rng.standard_normal(x.shape)
    out = _sigmoid(x)
    dx_num = numerical_gradient_array(_sigmoid, x.copy(), dout)
    dx = call_student("sigmoid_backward", sigmoid_backward, dout.copy(), out.copy())
    s_of_out = _sigmoid(out)
    check_gradient("sigmoid_backward dx", dx, dx_num, GRAD_THRESHOLD,
                   suspects=[(dout * out, SIGMOID_NO_ONE_MINUS_CAUSE),
                             (dout * s_of_out * (1 - s_of_out), SIGMOID_TWICE_CAUSE)])


# ---------------------------------------------------------------- questions

@visible_check
def check_relu_zero_gradient(relu_zero_gradient):
    """Your answer is one of the letters offered; whether it is right is decided when your notebook is graded."""
    require_choice("relu_zero_gradient", relu_zero_gradient, "ABCD")
