"""Frequent wrong solutions for 03_affine_relu, each with the hint its visible check must give.

Every mistake is the reference's own source with one or two lines changed
(``variant`` fails loudly when the reference changes under it).

Left out because they are mathematically identical to a right answer, so no
check can (or should) tell them apart:
- a ReLU mask taken from the output with ``out > 0``: max(x, 0) > 0 exactly
  where x > 0, so it is the correct mask (from the output with ``>= 0`` it is
  all ones, which ``relu_ungated`` covers);
- affine_forward with ``x.reshape(-1, w.shape[0])``: the same as (N, -1).
"""
from autograder import assignments
from autograder.mistake import Mistake, answer_source, source_of, variant

reference = assignments.load("03_affine_relu", "reference")
AFFINE_FORWARD = source_of(reference.affine_forward)
AFFINE_BACKWARD = source_of(reference.affine_backward)
RELU_FORWARD = source_of(reference.relu_forward)
RELU_BACKWARD = source_of(reference.relu_backward)
SIGMOID_FORWARD = source_of(reference.sigmoid_forward)
SIGMOID_BACKWARD = source_of(reference.sigmoid_backward)

MISTAKES = [
    Mistake("affine_forward", "no_reshape", "flatten it to (N, D) with x.reshape(x.shape[0], -1)",
            variant(AFFINE_FORWARD, ("x.reshape(x.shape[0], -1) @ w", "x @ w"))),
    Mistake("affine_backward", "dx_left_flat", "reshape dx back to x.shape",
            variant(AFFINE_BACKWARD, ("dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T"))),
    Mistake("affine_backward", "no_reshape", "flatten x to (N, D) before x_flat.T @ dout",
            variant(AFFINE_BACKWARD,
                    ("    x_flat = x.reshape(x.shape[0], -1)\n", ""),
                    ("dw = x_flat.T @ dout", "dw = x.T @ dout"))),
    Mistake("affine_backward", "db_averaged", "db sums dout over axis 0 instead of averaging it",
            variant(AFFINE_BACKWARD, ("db = dout.sum(axis=0)", "db = dout.mean(axis=0)"))),
    Mistake("affine_backward", "dw_transposed", "dw = x_flat.T @ dout, not dout.T @ x_flat",
            variant(AFFINE_BACKWARD, ("dw = x_flat.T @ dout", "dw = dout.T @ x_flat"))),
    Mistake("affine_backward", "dx_without_transpose", "dx = dout (N, M) @ w.T (M, D)",
            variant(AFFINE_BACKWARD,
                    ("dx = (dout @ w.T).reshape(x.shape)", "dx = (dout @ w).reshape(x.shape)"))),
    Mistake("affine_backward", "db_wrong_axis", "sum dout over axis 0 (the batch), not over axis 1",
            variant(AFFINE_BACKWARD, ("db = dout.sum(axis=0)", "db = dout.sum(axis=1)"))),
    Mistake("relu_forward", "np_max", "np.max(x, 0) reduces x along axis 0",
            variant(RELU_FORWARD, ("np.maximum(x, 0)", "np.max(x, 0)"))),
    Mistake("relu_forward", "in_place", "relu_forward changed its input x in place",
            variant(RELU_FORWARD, ("    out = np.maximum(x, 0)\n", "    x[x < 0] = 0\n    out = x\n"))),
    Mistake("relu_backward", "mask_ge", "the mask is x > 0, not x >= 0",
            variant(RELU_BACKWARD, ("(cache > 0)", "(cache >= 0)"))),
    Mistake("relu_backward", "relu_ungated", "the gradient must be blocked where x < 0",
            variant(RELU_BACKWARD, ("(cache > 0)", "(np.maximum(cache, 0) >= 0)"))),
    Mistake("relu_backward", "times_output", "not the value max(x, 0)",
            variant(RELU_BACKWARD, ("(cache > 0)", "np.maximum(cache, 0)"))),
    # sigmoid(-x) = 1 / (1 + exp(x)): the two branches of the stable form swapped.
    Mistake("sigmoid_forward", "exp_sign", "the exponent is -x",
            variant(SIGMOID_FORWARD, ("1.0 / (1.0 + e), e / (1.0 + e)", "e / (1.0 + e), 1.0 / (1.0 + e)"))),
    Mistake("sigmoid_backward", "no_one_minus", "the local gradient of the sigmoid is out * (1 - out)",
            variant(SIGMOID_BACKWARD, ("dout * out * (1.0 - out)", "dout * out"))),
    Mistake("sigmoid_backward", "sigmoid_twice", "do not apply the sigmoid to it a second time",
            variant(SIGMOID_BACKWARD, ("    out = cache\n", "    out = 1.0 / (1.0 + np.exp(-cache))\n"))),
    # The question relu_zero_gradient: an answer of the wrong form, and a wrong answer of the right form.
    Mistake("relu_zero_gradient", "wrong_form", "must be one of the letters",
            answer_source("relu_zero_gradient", "b")),
    Mistake("relu_zero_gradient", "wrong_answer", "exact zeros included",
            answer_source("relu_zero_gradient", "A"), right_form=True),
]
