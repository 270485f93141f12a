"""Hidden checks for 03_affine_relu: the reference on fresh shapes and edge cases.

Fresh shapes include a 4-D input, a one-sample batch and D != M, so that a
missing reshape or a swapped transpose cannot hide; ReLU gets exact zeros;
every call asserts that the inputs were not modified.
"""
from __future__ import annotations

import numpy as np

from autograder import assignments
from autograder.hidden import call_unmodified, rng
from course.gradcheck import check_close

ref = assignments.load("03_affine_relu", "reference")

TOLERANCE = 1e-8


def assert_same(what: str, actual, expected, tol: float = TOLERANCE) -> None:
    check_close(f"hidden test: {what}", actual, expected, tol)


def run(name: str, fn, *args):
    """call_unmodified, with numpy's errors (bad shapes) reported as a failed check."""
    try:
        return call_unmodified(name, fn, *args)
    except (ValueError, IndexError, TypeError, KeyError) as err:
        raise AssertionError(f"hidden test: {name} raised {type(err).__name__}: {err}") from err


# (x shape, M): a 4-D batch, one sample, a plain 2-D batch; D != M in each.
AFFINE_CASES = [((3, 2, 4, 3), 7), ((1, 5, 2), 3), ((6, 9), 4)]


def _affine_inputs(g, x_shape, M):
    D = int(np.prod(x_shape[1:]))
    return g.standard_normal(x_shape), g.standard_normal((D, M)), g.standard_normal(M)


def check_affine_forward(affine_forward) -> None:
    g = rng("affine_forward")
    for x_shape, M in AFFINE_CASES:
        x, w, b = _affine_inputs(g, x_shape, M)
        out, _ = run("affine_forward", affine_forward, x, w, b)
        assert_same(f"affine_forward out for x {x_shape}, M={M}", out, ref.affine_forward(x, w, b)[0])


def check_affine_backward(affine_backward) -> None:
    g = rng("affine_backward")
    for x_shape, M in AFFINE_CASES:
        x, w, b = _affine_inputs(g, x_shape, M)
        dout = g.standard_normal((x_shape[0], M))
        dx, dw, db = run("affine_backward", affine_backward, dout, (x, w, b))
        want = ref.affine_backward(dout, (x, w, b))
        for label, got, exp in zip(("dx", "dw", "db"), (dx, dw, db), want):
            assert_same(f"affine_backward {label} for x {x_shape}, M={M}", got, exp)


def _relu_input(g, shape):
    x = g.standard_normal(shape)
    x[g.random(shape) < 0.3] = 0.0  # exact zeros, where the gradient is 0 by convention
    return x


def check_relu_forward(relu_forward) -> None:
    g = rng("relu_forward")
    for shape in [(2, 3, 4, 5), (1, 6)]:
        x = _relu_input(g, shape)
        out, _ = run("relu_forward", relu_forward, x)
        assert_same(f"relu_forward out for x {shape}", out, ref.relu_forward(x)[0])


def check_relu_backward(relu_backward) -> None:
    g = rng("relu_backward")
    for shape in [(2, 3, 4, 5), (1, 6)]:
        x = _relu_input(g, shape)
        dout = g.standard_normal(shape)
        dx = run("relu_backward", relu_backward, dout, x)
        assert_same(f"relu_backward dx for x {shape} with exact zeros", dx, ref.relu_backward(dout, x))


def check_sigmoid_forward(sigmoid_forward) -> None:
    g = rng("sigmoid_forward")
    for shape in [(3, 2, 4), (1, 5)]:
        x = g.standard_normal(shape) * 4
        out, _ = run("sigmoid_forward", sigmoid_forward, x)
        assert_same(f"sigmoid_forward out for x {shape}", out, ref.sigmoid_forward(x)[0])


def check_sigmoid_backward(sigmoid_backward) -> None:
    g = rng("sigmoid_backward")
    for shape in [(3, 2, 4), (1, 5)]:
        x = g.standard_normal(shape) * 4
        out = ref.sigmoid_forward(x)[0]
        dout = g.standard_normal(shape)
        dx = run("sigmoid_backward", sigmoid_backward, dout, out)
        assert_same(f"sigmoid_backward dx for x {shape}", dx, ref.sigmoid_backward(dout, out))
