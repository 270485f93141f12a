"""Visible checks for 05_batchnorm.

The forward pass is checked through properties any correct batch
normalisation has (each output feature has mean beta and standard deviation
gamma, test mode uses only the running statistics, ...), the backward passes
against numerical gradients of your own batchnorm_forward. Layer normalisation
is checked the same way, with each sample (row) in the place of each feature.
"""
from __future__ import annotations

import numpy as np

from course.checks.common import call_student, unpack, visible_check
from course.gradcheck import check_close, check_gradient, check_shape, explained, numerical_gradient_array
from course.i18n import N_, _

# Hints for the frequent mistakes; tests/ prove each one is reported.
HINT_DDOF = N_("use the uncorrected variance (divide by N, np.var's default ddof=0), "
               "not the sample variance with N - 1")
HINT_AXIS_FORWARD = N_("normalise each feature (column) separately: take the mean and the variance "
                       "over the batch with axis=0")
HINT_TEST_MODE = N_("in test mode normalise with bn_param['running_mean'] and bn_param['running_var'], "
                    "never with the statistics of the batch")
HINT_MOMENTUM = N_("running = momentum * running + (1 - momentum) * batch statistic: "
                   "momentum weights the old running value")
HINT_RUNNING_MISSING = N_("store the updated running_mean and running_var in bn_param "
                          "(start from zeros of shape (D,) when they are missing)")
HINT_AXIS_BACKWARD = N_("dgamma and dbeta have one entry per feature: sum over the batch with axis=0 "
                        "(the same holds for every sum in the backward pass)")
HINT_MEAN_PATH = N_("the path through the mean is missing: every x_i also changes the batch mean, "
                    "so the columns of dx must sum to zero")
HINT_VARIANCE_PATH = N_("the path through the variance is missing: every x_i also changes the batch "
                        "variance (in the closed form this is the x_hat * mean(dx_hat * x_hat) term)")
HINT_CLOSED_FORM = N_("collect the three paths: with g = gamma * dout, "
                      "dx = (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0)) / std")
HINT_DGAMMA_DOUT = N_("dgamma is the sum over the batch of dout * x_hat: weight x_hat by the upstream gradient")
HINT_LN_AXIS = N_("layer normalisation normalises each sample (row) over its own D features: take the mean and "
                  "the variance with axis=1, not over the batch")
HINT_LN_KEEPDIMS = N_("the mean of each row has shape (N,): keep it as a column (keepdims=True, shape (N, 1)) so "
                      "that it broadcasts against x of shape (N, D)")
HINT_LN_STATE = N_("layer normalisation keeps nothing between calls: every call, in training and at test time, "
                   "uses each sample's own mean and variance, and ln_param is left unchanged (no running averages)")
HINT_LN_EPS = N_("read eps from ln_param (default 1e-5) and add it to the variance before the square root")
HINT_LN_PARAM_AXIS = N_("gamma and beta are shared by all N samples, one entry per feature: dgamma and dbeta still "
                        "sum over the batch (axis=0), although the statistics are taken over axis 1")
HINT_LN_DX_AXIS = N_("in dx the means run over each sample's own features (axis=1, keepdims=True), the axis of "
                     "the forward statistics; the batch axis is batchnorm's")
HINT_LN_PATHS = N_("each sample's mean and variance depend on its x too: dx needs the paths through them, as in "
                   "batchnorm_backward_alt's closed form with the means taken over axis 1")

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
    check_shape(_("batchnorm_forward's out"), out, x.shape, hints={"shape": HINT_AXIS_FORWARD})
    if not np.all(np.isfinite(out)):
        raise AssertionError(_("batchnorm_forward's out contains NaN or inf: look for a division by zero "
                               "(add eps to the variance before the square root)."))
    return out, cache


@visible_check
def check_batchnorm_forward(batchnorm_forward) -> None:
    """Train mode statistics, scale and shift, running averages and test mode."""
    N, D = 6, 4
    x = _batch(0, N, D)
    ones, zeros = np.ones(D), np.zeros(D)

    # gamma = 1, beta = 0: every output feature has mean 0 and standard deviation 1.
    out, _cache = _forward(batchnorm_forward, x, ones, zeros, {"mode": "train"})
    means, stds = out.mean(axis=0), out.std(axis=0)
    if not np.allclose(means, 0.0, atol=1e-6):
        raise explained(_("with gamma = 1 and beta = 0 each feature of the output should have mean 0, "
                          "yours have means {means}.").format(means=means), HINT_AXIS_FORWARD)
    if not np.allclose(stds, 1.0, atol=1e-4):
        hint = HINT_DDOF if np.allclose(stds, np.sqrt((N - 1) / N), atol=1e-4) else HINT_AXIS_FORWARD
        raise explained(_("with gamma = 1 and beta = 0 each feature of the output should have "
                          "standard deviation 1 (computed with ddof=0), yours have {stds}.").format(stds=stds), hint)

    # A hand-checkable case: the column [1, 2, 3] has mean 2 and variance 2/3.
    small = np.array([[1.0, -10.0], [2.0, 0.0], [3.0, 10.0]])
    hand, _cache = _forward(batchnorm_forward, small, np.ones(2), np.zeros(2), {"mode": "train"})
    expected = np.array([[-1.0], [0.0], [1.0]]) * np.array([1 / np.sqrt(2 / 3 + EPS), 10 / np.sqrt(200 / 3 + EPS)])
    check_close("batchnorm_forward(x=[[1, -10], [2, 0], [3, 10]], gamma=1, beta=0)", hand, expected, 1e-7)

    # Scale and shift: out = gamma * x_hat + beta, feature by feature.
    rng = np.random.default_rng(1)
    gamma, beta = rng.uniform(0.5, 2.0, D), rng.standard_normal(D)
    scaled, _cache = _forward(batchnorm_forward, x, gamma, beta, {"mode": "train"})
    check_close("batchnorm_forward(x, gamma, beta)", scaled, gamma * out + beta, 1e-7,
                hints={"scaled": N_("scale by gamma and shift by beta after normalising: out = gamma * x_hat + beta")})

    # Running averages over two training steps, from zeros when absent.
    bn_param = {"mode": "train", "momentum": 0.7}
    second = _batch(2, N, D)
    _forward(batchnorm_forward, x, ones, zeros, bn_param)
    _forward(batchnorm_forward, second, ones, zeros, bn_param)
    for key, stat in (("running_mean", np.mean), ("running_var", np.var)):
        if key not in bn_param:
            raise explained(_("bn_param has no {key!r} after a training step.").format(key=key), HINT_RUNNING_MISSING)
        expected = 0.7 * (0.3 * stat(x, axis=0)) + 0.3 * stat(second, axis=0)
        suspects = [(0.3 * (0.7 * stat(x, axis=0)) + 0.7 * stat(second, axis=0), HINT_MOMENTUM)]
        if key == "running_var":
            suspects.append((0.7 * (0.3 * np.var(x, axis=0, ddof=1)) + 0.3 * np.var(second, axis=0, ddof=1),
                             HINT_DDOF))
        check_close(_("bn_param[{key!r}] after two training steps with momentum 0.7").format(key=key), bn_param[key],
                    expected, 1e-7, hints={"shape": HINT_AXIS_FORWARD}, suspects=suspects)

    # Test mode with running statistics of mean 0 and variance 1: out = gamma * x + beta,
    # whatever the batch looks like, even a single example.
    for rows in (N, 1):
        batch = x[:rows]
        bn_param = {"mode": "test", "running_mean": np.zeros(D), "running_var": np.full(D, 1.0 - EPS)}
        out, _cache = _forward(batchnorm_forward, batch, gamma, beta, bn_param)
        with_batch_statistics = gamma * (batch - batch.mean(axis=0)) / np.sqrt(batch.var(axis=0) + EPS) + beta
        check_close(_("batchnorm_forward in test mode (running_mean 0, running_var 1 - eps, N = {rows})").format(
                    rows=rows),
                    out, gamma * batch + beta, 1e-7, suspects=[(with_batch_statistics, HINT_TEST_MODE)])
        if not (np.array_equal(bn_param["running_mean"], np.zeros(D))
                and np.array_equal(bn_param["running_var"], np.full(D, 1.0 - EPS))):
            raise AssertionError(_("batchnorm_forward changed the running statistics in test mode; "
                                   "only training steps update them."))


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


def _check_backward(name, backward, run, x, suspects, hints):
    """dx, dgamma, dbeta of ``backward`` against numerical gradients of ``run(x, gamma, beta) -> (out, cache)``,
    the student's forward pass; ``suspects(gamma, dout)`` are the dx of known mistakes, ``hints`` those of
    wrong shapes."""
    N, D = x.shape
    rng = np.random.default_rng(4)
    gamma, beta = rng.uniform(0.5, 2.0, D), rng.standard_normal(D)
    dout = rng.standard_normal((N, D))  # not all ones: dgamma must weight x_hat by dout

    def out(x_, gamma_, beta_):
        return run(x_, gamma_, beta_)[0]

    _out, cache = run(x, gamma, beta)
    dx, dgamma, dbeta = unpack(name, call_student(name, backward, dout, cache), 3, "(dx, dgamma, dbeta)")
    check_shape(_("{name}'s {part}").format(name=name, part="dbeta"), dbeta, (D,), hints)
    check_shape(_("{name}'s {part}").format(name=name, part="dgamma"), dgamma, (D,), hints)
    check_shape(_("{name}'s {part}").format(name=name, part="dx"), dx, (N, D), hints)

    dbeta_num = numerical_gradient_array(lambda b: out(x, gamma, b), beta.copy(), dout)
    check_gradient(_("{name}'s {part}").format(name=name, part="dbeta"), dbeta, dbeta_num, 1e-7)
    dgamma_num = numerical_gradient_array(lambda g: out(x, g, beta), gamma.copy(), dout)
    x_hat = out(x, np.ones(D), np.zeros(D))
    check_gradient(_("{name}'s {part}").format(name=name, part="dgamma"), dgamma, dgamma_num, 1e-7,
                   suspects=[(x_hat.sum(axis=0), HINT_DGAMMA_DOUT)])
    dx_num = numerical_gradient_array(lambda x_: out(x_, gamma, beta), x.copy(), dout)
    check_gradient(_("{name}'s {part}").format(name=name, part="dx"), dx, dx_num, 1e-6,
                   suspects=suspects(gamma, dout))


def _check_batchnorm_backward(name, backward, batchnorm_forward):
    x = _batch(3, 7, 5)
    _check_backward(name, backward, lambda x_, g, b: batchnorm_forward(x_, g, b, {"mode": "train"}), x,
                    lambda gamma, dout: _dx_suspects(x, gamma, dout),
                    {"shape": HINT_AXIS_BACKWARD, "reshaped": HINT_AXIS_BACKWARD})


@visible_check
def check_batchnorm_backward(batchnorm_backward, batchnorm_forward) -> None:
    """dx, dgamma, dbeta against numerical gradients of your batchnorm_forward (train mode)."""
    _check_batchnorm_backward("batchnorm_backward", batchnorm_backward, batchnorm_forward)


@visible_check
def check_batchnorm_backward_alt(batchnorm_backward_alt, batchnorm_forward) -> None:
    """The closed form must give the same gradients as the graph version."""
    _check_batchnorm_backward("batchnorm_backward_alt", batchnorm_backward_alt, batchnorm_forward)


# ---------------------------------------------------------------- layer normalisation

def _samples(seed, N=5, D=4):
    """Samples (rows) with very different means and scales, so that normalising each one matters."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, D)) * np.linspace(1.0, 4.0, N)[:, None] + np.linspace(-3.0, 10.0, N)[:, None]


def _layernorm(x, gamma, beta, eps=EPS):
    x_hat = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + eps)
    return gamma * x_hat + beta


def _ln_forward(layernorm_forward, x, gamma, beta, ln_param):
    result = call_student("layernorm_forward", layernorm_forward, x, gamma, beta, ln_param,
                          hints={"raised": HINT_LN_KEEPDIMS})
    out, cache = unpack("layernorm_forward", result, 2, "(out, cache)")
    check_shape(_("layernorm_forward's out"), out, x.shape, hints={"shape": HINT_LN_KEEPDIMS})
    if not np.all(np.isfinite(out)):
        raise AssertionError(_("layernorm_forward's out contains NaN or inf: look for a division by zero "
                               "(add eps to the variance before the square root)."))
    return out, cache


@visible_check
def check_layernorm_forward(layernorm_forward) -> None:
    """Each sample normalised over its features, scale and shift, eps, and nothing kept in ln_param."""
    N, D = 5, 4  # N != D: statistics over the wrong axis cannot have the right shape by chance
    x = _samples(0, N, D)
    ones, zeros = np.ones(D), np.zeros(D)

    # gamma = 1, beta = 0: every output row has mean 0 and standard deviation 1.
    ln_param = {}
    out, _cache = _ln_forward(layernorm_forward, x, ones, zeros, ln_param)
    means, stds = out.mean(axis=1), out.std(axis=1)
    if not (np.allclose(means, 0.0, atol=1e-6) and np.allclose(stds, 1.0, atol=1e-4)):
        raise explained(_("with gamma = 1 and beta = 0 each sample (row) of the output should have mean 0 and "
                          "standard deviation 1, yours have means {means} and standard deviations {stds}.").format(
                            means=means, stds=stds), HINT_LN_AXIS)
    if ln_param:
        raise explained(_("layernorm_forward stored {keys} in ln_param.").format(keys=sorted(ln_param)),
                        HINT_LN_STATE)

    # A hand-checkable case: the row [1, 2, 3] has mean 2 and variance 2/3.
    small = np.array([[1.0, 2.0, 3.0], [-10.0, 0.0, 10.0]])
    hand, _cache = _ln_forward(layernorm_forward, small, np.ones(3), np.zeros(3), {})
    expected = np.array([[-1.0, 0.0, 1.0]]) * np.array([[1 / np.sqrt(2 / 3 + EPS)], [10 / np.sqrt(200 / 3 + EPS)]])
    check_close("layernorm_forward(x=[[1, 2, 3], [-10, 0, 10]], gamma=1, beta=0)", hand, expected, 1e-7)

    # Scale and shift per feature, and eps from ln_param (large enough to show).
    rng = np.random.default_rng(1)
    gamma, beta = rng.uniform(0.5, 2.0, D), rng.standard_normal(D)
    scaled, _cache = _ln_forward(layernorm_forward, x, gamma, beta, {})
    check_close("layernorm_forward(x, gamma, beta)", scaled, gamma * out + beta, 1e-7,
                hints={"scaled": N_("scale by gamma and shift by beta after normalising: out = gamma * x_hat + beta")})
    flat = x * 0.1
    wide, _cache = _ln_forward(layernorm_forward, flat, gamma, beta, {"eps": 0.5})
    check_close("layernorm_forward(x, gamma, beta, {'eps': 0.5})", wide, _layernorm(flat, gamma, beta, 0.5), 1e-7,
                suspects=[(_layernorm(flat, gamma, beta), HINT_LN_EPS)])

    # The same in any mode and for a single sample: no batch, no running statistics.
    for rows in (N, 1):
        ln_param = {"mode": "test"}
        alone, _cache = _ln_forward(layernorm_forward, x[:rows], gamma, beta, ln_param)
        check_close(_("layernorm_forward with ln_param {{'mode': 'test'}} (N = {rows})").format(rows=rows), alone,
                    _layernorm(x[:rows], gamma, beta), 1e-7)
        if set(ln_param) != {"mode"}:
            raise explained(_("layernorm_forward stored {keys} in ln_param.").format(
                keys=sorted(set(ln_param) - {"mode"})), HINT_LN_STATE)


def _ln_dx_suspects(x, gamma, dout):
    """dx with the statistics taken as constants, and with batchnorm's means over the batch axis."""
    x_hat = _layernorm(x, 1.0, 0.0)
    std = np.sqrt(x.var(axis=1, keepdims=True) + EPS)
    g = dout * gamma
    over_batch = (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0)) / std
    return [(g / std, HINT_LN_PATHS), (over_batch, HINT_LN_DX_AXIS)]


@visible_check
def check_layernorm_backward(layernorm_backward, layernorm_forward) -> None:
    """dx, dgamma, dbeta against numerical gradients of your layernorm_forward."""
    x = _samples(3, 7, 5)
    _check_backward("layernorm_backward", layernorm_backward,
                    lambda x_, g, b: layernorm_forward(x_, g, b, {}), x,
                    lambda gamma, dout: _ln_dx_suspects(x, gamma, dout),
                    {"shape": HINT_LN_PARAM_AXIS, "reshaped": HINT_LN_PARAM_AXIS})
