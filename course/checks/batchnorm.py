"""Visible checks for 05_batchnorm.

The forward pass is checked through properties any correct batch
normalisation has (each output feature has mean beta and standard deviation
gamma, test mode uses only the running statistics, ...), the backward passes
against numerical gradients of your own batchnorm_forward.
"""
from __future__ import annotations

import numpy as np

from course.checks.common import call_student, unpack, visible_check
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
    # bn_param is passed on, not checked: training steps store the running statistics in it.
    def forward(x, gamma, beta):
        return batchnorm_forward(x, gamma, beta, bn_param)

    out, cache = unpack("batchnorm_forward", call_student("batchnorm_forward", forward, x, gamma, beta), 2,
                        "(out, cache)")
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
        suspects = [(0.3 * (0.7 * stat(x, axis=0)) + 0.7 * stat(second, axis=0), HINT_MOMENTUM)]
        if key == "running_var":
            suspects.append((0.7 * (0.3 * np.var(x, axis=0, ddof=1)) + 0.3 * np.var(second, axis=0, ddof=1),
                             HINT_DDOF))
        check_close(f"bn_param[{key!r}] after two training steps with momentum 0.7", bn_param[key],
                    expected, 1e-7, hints={"shape": HINT_AXIS_FORWARD}, suspects=suspects)

    # Test mode with running statistics of mean 0 and variance 1: out = gamma * x + beta,
    # whatever the batch looks like, even a single example.
    for rows in (N, 1):
        batch = x[:rows]
        bn_param = {"mode": "test", "running_mean": np.zeros(D), "running_var": np.full(D, 1.0 - EPS)}
        out, _ = _forward(batchnorm_forward, batch, gamma, beta, bn_param)
        with_batch_statistics = gamma * (batch - batch.mean(axis=0)) / np.sqrt(batch.var(axis=0) + EPS) + beta
        check_close(f"batchnorm_forward in test mode (running_mean 0, running_var 1 - eps, N = {rows})",
                    out, gamma * batch + beta, 1e-7, suspects=[(with_batch_statistics, HINT_TEST_MODE)])
        if not (np.array_equal(bn_param["running_mean"], np.zeros(D))
                and np.array_equal(bn_param["running_var"], np.full(D, 1.0 - EPS))):
            raise AssertionError("batchnorm_forward changed the running statistics in test mode; "
                                 "only training steps update them.")


def _dx_suspects(x, gamma, dout):
    """dx without the path through the mean, without the one through the variance, and the
    closed form with dout in place of gamma * dout."""
    centered = x - x.mean(axis=0)
    std = np.sqrt(x.var(axis=0) + EPS)
    x_hat, g = centered / std, dout * gamma
    without_variance = (g - g.mean(axis=0)) / std
    without_mean = (g - x_hat * (g * x_hat).mean(axis=0)) / std
    gamma_forgotten = (dout - dout.mean(axis=0) - x_hat * (dout * x_hat).mean(axis=0)) / std
    return [(without_mean, HINT_MEAN_PATH), (without_variance, HINT_VARIANCE_PATH),
            (gamma_forgotten, HINT_CLOSED_FORM)]


def _check_backward(name, backward, batchnorm_forward):
    N, D = 7, 5
    x = _batch(3, N, D)
    rng = np.random.default_rng(4)
    gamma, beta = rng.uniform(0.5, 2.0, D), rng.standard_normal(D)
    dout = rng.standard_normal((N, D))  # not all ones: dgamma must weight x_hat by dout

    def run(x_, gamma_, beta_):
        return batchnorm_forward(x_, gamma_, beta_, {"mode": "train"})[0]

    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = unpack(name, call_student(name, backward, dout, cache), 3, "(dx, dgamma, dbeta)")
    hints = {"shape": HINT_AXIS_BACKWARD, "reshaped": HINT_AXIS_BACKWARD}
    check_shape(f"{name}'s dbeta", dbeta, (D,), hints)
    check_shape(f"{name}'s dgamma", dgamma, (D,), hints)
    check_shape(f"{name}'s dx", dx, (N, D), hints)

    dbeta_num = numerical_gradient_array(lambda b: run(x, gamma, b), beta.copy(), dout)
    check_gradient(f"{name}'s dbeta", dbeta, dbeta_num, 1e-7)
    dgamma_num = numerical_gradient_array(lambda g: run(x, g, beta), gamma.copy(), dout)
    x_hat = run(x, np.ones(D), np.zeros(D))
    check_gradient(f"{name}'s dgamma", dgamma, dgamma_num, 1e-7, suspects=[(x_hat.sum(axis=0), HINT_DGAMMA_DOUT)])
    dx_num = numerical_gradient_array(lambda x_: run(x_, gamma, beta), x.copy(), dout)
    check_gradient(f"{name}'s dx", dx, dx_num, 1e-6, suspects=_dx_suspects(x, gamma, dout))


@visible_check
def check_batchnorm_backward(batchnorm_backward, batchnorm_forward) -> None:
    """dx, dgamma, dbeta against numerical gradients of your batchnorm_forward (train mode)."""
    _check_backward("batchnorm_backward", batchnorm_backward, batchnorm_forward)


@visible_check
def check_batchnorm_backward_alt(batchnorm_backward_alt, batchnorm_forward) -> None:
    """The closed form must give the same gradients as the graph version."""
    _check_backward("batchnorm_backward_alt", batchnorm_backward_alt, batchnorm_forward)
