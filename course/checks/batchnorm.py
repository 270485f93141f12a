"""Visible checks for 05_batchnorm.

The forward pass is checked through properties any correct batch
normalisation has (each output feature has mean beta and standard deviation
gamma, test mode uses only the running statistics, ...), the backward passes
against numerical gradients of your own batchnorm_forward.
"""
from __future__ import annotations

import numpy as np

from course.checks.common import visible_check
from course.gradcheck import check_close, check_gradient, check_shape, numerical_gradient_array

# Hints for the frequent mistakes; tests/ prove each one is reported.
HINT_DDOF = ("use the uncorrected variance (divide by N, np.var's default ddof=0), "
             "not the sample variance with N - 1")
HINT_AXIS_FORWARD = ("normalise each feature (column) separately: take the mean and the variance "
                     "over the batch with axis=0")
HINT_TEST_MODE = ("in test mode normalise with bn_param['running_mean'] and bn_param['running_var'], "
                  "never with the statistics of the batch")
HINT_MOMENTUM = ("running = momentum * running + (1 - momentum) * batch statistic: "
                 "momentum weights the old running value")
HINT_RUNNING_MISSING = ("store the updated running_mean and running_var in bn_param "
                        "(start from zeros of shape (D,) when they are missing)")
HINT_AXIS_BACKWARD = ("dgamma and dbeta have one entry per feature: sum over the batch with axis=0 "
                      "(the same holds for every sum in the backward pass)")
HINT_MEAN_PATH = ("the path through the mean is missing: every x_i also changes the batch mean, "
                  "so the columns of dx must sum to zero")
HINT_VARIANCE_PATH = ("the path through the variance is missing: every x_i also changes the batch "
                      "variance (in the closed form this is the x_hat * mean(dx_hat * x_hat) term)")
HINT_CLOSED_FORM = ("collect the three paths: with g = gamma * dout, "
                    "dx = (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0)) / std")
HINT_DGAMMA_DOUT = "dgamma is the sum over the batch of dout * x_hat: weight x_hat by the upstream gradient"

EPS = 1e-5


def _batch(seed, N=6, D=4):
    """Features with very different means and scales, so that normalising matters."""
    rng = np.random.default_rng(seed)
    scales = np.linspace(1.0, 4.0, D)
    shifts = np.linspace(-3.0, 10.0, D)
    return rng.standard_normal((N, D)) * scales + shifts


def _forward(batchnorm_forward, x, gamma, beta, bn_param):
    x_before, g_before, b_before = x.copy(), gamma.copy(), beta.copy()
    out, cache = batchnorm_forward(x, gamma, beta, bn_param)
    for name, before, now in (("x", x_before, x), ("gamma", g_before, gamma), ("beta", b_before, beta)):
        if not np.array_equal(before, now):
            raise AssertionError(f"batchnorm_forward modified its input {name} in place; work on a copy.")
    check_shape("batchnorm_forward's out", out, x.shape, hints={"shape": HINT_AXIS_FORWARD})
    if not np.all(np.isfinite(out)):
        raise AssertionError("batchnorm_forward's out contains NaN or inf: look for a division by zero "
                             "(add eps to the variance before the square root).")
    return out, cache


@visible_check
def check_batchnorm_forward(batchnorm_forward) -> None:
    """Train mode statistics, scale and shift, running averages and test mode."""
    N, D = 6, 4
    x = _batch(0, N, D)
    ones, zeros = np.ones(D), np.zeros(D)

    # gamma = 1, beta = 0: every output feature has mean 0 and standard deviation 1.
    out, _ = _forward(batchnorm_forward, x, ones, zeros, {"mode": "train"})
    means, stds = out.mean(axis=0), out.std(axis=0)
    if not np.allclose(means, 0.0, atol=1e-6):
        raise AssertionError(f"with gamma = 1 and beta = 0 each feature of the output should have mean 0, "
                             f"yours have means {means}.\n  Hint: {HINT_AXIS_FORWARD}")
    if not np.allclose(stds, 1.0, atol=1e-4):
        hint = HINT_DDOF if np.allclose(stds, np.sqrt((N - 1) / N), atol=1e-4) else HINT_AXIS_FORWARD
        raise AssertionError(f"with gamma = 1 and beta = 0 each feature of the output should have "
                             f"standard deviation 1 (computed with ddof=0), yours have {stds}.\n  Hint: {hint}")

    # A hand-checkable case: the column [1, 2, 3] has mean 2 and variance 2/3.
    small = np.array([[1.0, -10.0], [2.0, 0.0], [3.0, 10.0]])
    hand, _ = _forward(batchnorm_forward, small, np.ones(2), np.zeros(2), {"mode": "train"})
    expected = np.array([[-1.0], [0.0], [1.0]]) * np.array([1 / np.sqrt(2 / 3 + EPS), 10 / np.sqrt(200 / 3 + EPS)])
    check_close("batchnorm_forward(x=[[1, -10], [2, 0], [3, 10]], gamma=1, beta=0)", hand, expected, 1e-7)

    # Scale and shift: out = gamma * x_hat + beta, feature by feature.
    rng = np.random.default_rng(1)
    gamma, beta = rng.uniform(0.5, 2.0, D), rng.standard_normal(D)
    scaled, _ = _forward(batchnorm_forward, x, gamma, beta, {"mode": "train"})
    check_close("batchnorm_forward(x, gamma, beta)", scaled, gamma * out + beta, 1e-7,
                hints={"scaled": "scale by gamma and shift by beta after normalising: out = gamma * x_hat + beta"})

    # Running averages over two training steps, from zeros when absent.
    bn_param = {"mode": "train", "momentum": 0.7}
    second = _batch(2, N, D)
    _forward(batchnorm_forward, x, ones, zeros, bn_param)
    _forward(batchnorm_forward, second, ones, zeros, bn_param)
    for key, stat in (("running_mean", np.mean), ("running_var", np.var)):
        if key not in bn_param:
            raise AssertionError(f"bn_param has no {key!r} after a training step.\n  Hint: {HINT_RUNNING_MISSING}")
        expected = 0.7 * (0.3 * stat(x, axis=0)) + 0.3 * stat(second, axis=0)
        try:
            check_close(f"bn_param[{key!r}] after two training steps with momentum 0.7", bn_param[key],
                        expected, 1e-7, hints={"shape": HINT_AXIS_FORWARD})
        except AssertionError as err:
            value = np.asarray(bn_param[key], dtype=float)
            swapped = 0.3 * (0.7 * stat(x, axis=0)) + 0.7 * stat(second, axis=0)
            with_ddof = 0.7 * (0.3 * np.var(x, axis=0, ddof=1)) + 0.3 * np.var(second, axis=0, ddof=1)
            if value.shape == swapped.shape and np.allclose(value, swapped):
                raise AssertionError(f"{err}\n  Hint: {HINT_MOMENTUM}") from None
            if key == "running_var" and value.shape == with_ddof.shape and np.allclose(value, with_ddof):
                raise AssertionError(f"{err}\n  Hint: {HINT_DDOF}") from None
            raise

    # Test mode with running statistics of mean 0 and variance 1: out = gamma * x + beta,
    # whatever the batch looks like, even a single example.
    for rows in (N, 1):
        batch = x[:rows]
        bn_param = {"mode": "test", "running_mean": np.zeros(D), "running_var": np.full(D, 1.0 - EPS)}
        try:
            out, _ = _forward(batchnorm_forward, batch, gamma, beta, bn_param)
            check_close(f"batchnorm_forward in test mode (running_mean 0, running_var 1 - eps, N = {rows})",
                        out, gamma * batch + beta, 1e-7)
        except AssertionError as err:
            raise AssertionError(f"{err}\n  Hint: {HINT_TEST_MODE}") from None
        if not (np.array_equal(bn_param["running_mean"], np.zeros(D))
                and np.array_equal(bn_param["running_var"], np.full(D, 1.0 - EPS))):
            raise AssertionError("batchnorm_forward changed the running statistics in test mode; "
                                 "only training steps update them.")


def _report_dx(name, dx, dx_num, x, threshold, otherwise=None):
    try:
        check_gradient(name, dx, dx_num, threshold)
    except AssertionError as err:
        dx = np.asarray(dx, dtype=float)
        if dx.shape != x.shape:
            raise
        centered = x - x.mean(axis=0)
        scale = np.abs(dx).sum(axis=0) + 1e-12
        if np.any(np.abs(dx.sum(axis=0)) > 1e-4 * scale):
            raise AssertionError(f"{err}\n  Hint: {HINT_MEAN_PATH}") from None
        size = np.linalg.norm(dx, axis=0) * np.linalg.norm(centered, axis=0) + 1e-12
        if np.any(np.abs((dx * centered).sum(axis=0)) > 1e-4 * size):
            raise AssertionError(f"{err}\n  Hint: {HINT_VARIANCE_PATH}") from None
        if otherwise:
            raise AssertionError(f"{err}\n  Hint: {otherwise}") from None
        raise


def _check_backward(name, backward, batchnorm_forward, dx_hint=None):
    N, D = 7, 5
    x = _batch(3, N, D)
    rng = np.random.default_rng(4)
    gamma, beta = rng.uniform(0.5, 2.0, D), rng.standard_normal(D)
    dout = rng.standard_normal((N, D))  # not all ones: dgamma must weight x_hat by dout

    def run(x_, gamma_, beta_):
        return batchnorm_forward(x_, gamma_, beta_, {"mode": "train"})[0]

    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    result = backward(dout, cache)
    if not isinstance(result, tuple) or len(result) != 3:
        raise AssertionError(f"{name} should return the tuple (dx, dgamma, dbeta).")
    dx, dgamma, dbeta = result
    hints = {"shape": HINT_AXIS_BACKWARD, "reshaped": HINT_AXIS_BACKWARD}
    check_shape(f"{name}'s dbeta", dbeta, (D,), hints)
    check_shape(f"{name}'s dgamma", dgamma, (D,), hints)
    check_shape(f"{name}'s dx", dx, (N, D), hints)

    dbeta_num = numerical_gradient_array(lambda b: run(x, gamma, b), beta.copy(), dout)
    check_gradient(f"{name}'s dbeta", dbeta, dbeta_num, 1e-7)
    dgamma_num = numerical_gradient_array(lambda g: run(x, g, beta), gamma.copy(), dout)
    try:
        check_gradient(f"{name}'s dgamma", dgamma, dgamma_num, 1e-7)
    except AssertionError as err:
        x_hat = run(x, np.ones(D), np.zeros(D))
        if np.allclose(np.asarray(dgamma, dtype=float), x_hat.sum(axis=0), atol=1e-8):
            raise AssertionError(f"{err}\n  Hint: {HINT_DGAMMA_DOUT}") from None
        raise
    dx_num = numerical_gradient_array(lambda x_: run(x_, gamma, beta), x.copy(), dout)
    _report_dx(f"{name}'s dx", dx, dx_num, x, 1e-6, otherwise=dx_hint)


@visible_check
def check_batchnorm_backward(batchnorm_backward, batchnorm_forward) -> None:
    """dx, dgamma, dbeta against numerical gradients of your batchnorm_forward (train mode)."""
    _check_backward("batchnorm_backward", batchnorm_backward, batchnorm_forward)


@visible_check
def check_batchnorm_backward_alt(batchnorm_backward_alt, batchnorm_forward) -> None:
    """The closed form must give the same gradients as the graph version."""
    _check_backward("batchnorm_backward_alt", batchnorm_backward_alt, batchnorm_forward, HINT_CLOSED_FORM)
