"""Frequent wrong solutions for 03_affine_relu, each with the hint its visible check must give.

Left out because they are mathematically identical to a right answer, so no
check can (or should) tell them apart:
- a ReLU mask taken from the output with ``out > 0``: max(x, 0) > 0 exactly
  where x > 0, so it is the correct mask (from the output with ``>= 0`` it is
  all ones, which ``relu_ungated`` covers);
- affine_forward with ``x.reshape(-1, w.shape[0])``: the same as (N, -1).
"""
import inspect

from autograder.mistakes import Mistake, variant
from autograder.reference import layers

# The correct cell is the reference's; the affine_backward mistakes below each
# change one or two of its lines (variant fails loudly if the reference changes).
_AFFINE_BACKWARD = "\n" + inspect.getsource(layers.affine_backward)

MISTAKES = [
    Mistake("affine_forward", "no_reshape", "flatten it to (N, D) with x.reshape(x.shape[0], -1)", '''
def affine_forward(x, w, b):
    out = x @ w + b
    cache = (x, w, b)
    return out, cache
'''),
    Mistake("affine_backward", "dx_left_flat", "reshape dx back to x.shape",
            variant(_AFFINE_BACKWARD, ("dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T"))),
    Mistake("affine_backward", "no_reshape", "flatten x to (N, D) before x_flat.T @ dout",
            variant(_AFFINE_BACKWARD,
                    ("    x_flat = x.reshape(x.shape[0], -1)\n", ""),
                    ("dw = x_flat.T @ dout", "dw = x.T @ dout"))),
    Mistake("affine_backward", "db_averaged", "db sums dout over axis 0 instead of averaging it",
            variant(_AFFINE_BACKWARD, ("db = dout.sum(axis=0)", "db = dout.mean(axis=0)"))),
    Mistake("affine_backward", "dw_transposed", "dw = x_flat.T @ dout, not dout.T @ x_flat",
            variant(_AFFINE_BACKWARD, ("dw = x_flat.T @ dout", "dw = dout.T @ x_flat"))),
    Mistake("affine_backward", "dx_without_transpose", "dx = dout (N, M) @ w.T (M, D)",
            variant(_AFFINE_BACKWARD,
                    ("dx = (dout @ w.T).reshape(x.shape)", "dx = (dout @ w).reshape(x.shape)"))),
    Mistake("affine_backward", "db_wrong_axis", "sum dout over axis 0 (the batch), not over axis 1",
            variant(_AFFINE_BACKWARD, ("db = dout.sum(axis=0)", "db = dout.sum(axis=1)"))),
    Mistake("relu_forward", "np_max", "np.max(x, 0) reduces x along axis 0", '''
def relu_forward(x):
    out = np.max(x, 0)
    cache = x
    return out, cache
'''),
    Mistake("relu_forward", "in_place", "relu_forward changed its input x in place", '''
def relu_forward(x):
    x[x < 0] = 0
    cache = x
    return x, cache
'''),
    Mistake("relu_backward", "mask_ge", "the mask is x > 0, not x >= 0", '''
def relu_backward(dout, cache):
    x = cache
    return dout * (x >= 0)
'''),
    Mistake("relu_backward", "relu_ungated", "the gradient must be blocked where x < 0", '''
def relu_backward(dout, cache):
    out = np.maximum(cache, 0)
    return dout * (out >= 0)
'''),
    Mistake("relu_backward", "times_output", "not the value max(x, 0)", '''
def relu_backward(dout, cache):
    x = cache
    return dout * np.maximum(x, 0)
'''),
    Mistake("sigmoid_forward", "exp_sign", "the exponent is -x", '''
def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(x))
    return out, out
'''),
    Mistake("sigmoid_backward", "no_one_minus", "the local gradient of the sigmoid is out * (1 - out)", '''
def sigmoid_backward(dout, cache):
    out = cache
    return dout * out
'''),
    Mistake("sigmoid_backward", "sigmoid_twice", "do not apply the sigmoid to it a second time", '''
def sigmoid_backward(dout, cache):
    s = 1.0 / (1.0 + np.exp(-cache))
    return dout * s * (1 - s)
'''),
]
