"""Frequent batch normalisation mistakes, each a whole solution cell of 05_batchnorm.

The backward mistakes read the cache of the notebook's batchnorm_forward
(a dict with mode, x_hat, centered, std, gamma), as the reference does.
"""
from autograder.mistake import Mistake
from course.checks import batchnorm as visible

_FORWARD = '''def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        mu = {mean}
        var = {var}
        running_mean = {running_mean}
        running_var = {running_var}
    else:
        mu, var = {test_stats}
    centered = x - mu
    std = np.sqrt(var + eps)
    x_hat = centered / std
    out = gamma * x_hat + beta
    cache = {{"mode": mode, "x_hat": x_hat, "centered": centered, "std": std, "gamma": gamma}}
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache
'''
_RIGHT = dict(
    mean="np.mean(x, axis=0)",
    var="np.var(x, axis=0)",
    running_mean="momentum * running_mean + (1 - momentum) * mu",
    running_var="momentum * running_var + (1 - momentum) * var",
    test_stats="running_mean, running_var",
)


def _forward(**wrong):
    return _FORWARD.format(**{**_RIGHT, **wrong})


_BACKWARD = '''def batchnorm_backward(dout, cache):
    x_hat, centered, std, gamma = cache["x_hat"], cache["centered"], cache["std"], cache["gamma"]
    N = dout.shape[0]
    dbeta = np.sum(dout{axis})
    dgamma = np.sum({dgamma_term}{axis})
    dx_hat = dout * gamma
    dinv_std = np.sum(dx_hat * centered{axis})
    dcentered = dx_hat / std
    dvar = dinv_std * (-0.5) / std ** 3
    {variance_path}
    dmu = -np.sum(dcentered{axis})
    dx = dcentered{mean_path}
    return dx, dgamma, dbeta
'''
_RIGHT_BACKWARD = dict(
    axis=", axis=0",
    dgamma_term="dout * x_hat",
    variance_path="dcentered = dcentered + dvar * 2.0 * centered / N",
    mean_path=" + dmu / N",
)


def _backward(**wrong):
    return _BACKWARD.format(**{**_RIGHT_BACKWARD, **wrong})


_ALT = '''def batchnorm_backward_alt(dout, cache):
    x_hat, std, gamma = cache["x_hat"], cache["std"], cache["gamma"]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = ({dx_terms}) / std
    return dx, dgamma, dbeta
'''

# The sample class takes the first mistake of each function: a test-mode-only forward
# mistake there leaves the (train-mode) backward checks unaffected.
MISTAKES = [
    Mistake("batchnorm_forward", "test_mode_uses_batch", visible.HINT_TEST_MODE,
            _forward(test_stats="np.mean(x, axis=0), np.var(x, axis=0)")),
    Mistake("batchnorm_forward", "sample_variance", visible.HINT_DDOF,
            _forward(var="np.var(x, axis=0, ddof=1)")),
    Mistake("batchnorm_forward", "statistics_without_axis", visible.HINT_AXIS_FORWARD,
            _forward(mean="np.mean(x)", var="np.var(x)")),
    Mistake("batchnorm_forward", "momentum_swapped", visible.HINT_MOMENTUM,
            _forward(running_mean="(1 - momentum) * running_mean + momentum * mu",
                     running_var="(1 - momentum) * running_var + momentum * var")),
    Mistake("batchnorm_backward", "no_mean_path", visible.HINT_MEAN_PATH,
            _backward(mean_path="")),
    Mistake("batchnorm_backward", "no_variance_path", visible.HINT_VARIANCE_PATH,
            _backward(variance_path="pass")),
    Mistake("batchnorm_backward", "sums_without_axis", visible.HINT_AXIS_BACKWARD,
            _backward(axis="")),
    Mistake("batchnorm_backward", "dgamma_ignores_dout", visible.HINT_DGAMMA_DOUT,
            _backward(dgamma_term="x_hat")),
    Mistake("batchnorm_backward_alt", "no_variance_term", visible.HINT_VARIANCE_PATH,
            _ALT.format(dx_terms="dx_hat - dx_hat.mean(axis=0)")),
    Mistake("batchnorm_backward_alt", "no_mean_term", visible.HINT_MEAN_PATH,
            _ALT.format(dx_terms="dx_hat - x_hat * (dx_hat * x_hat).mean(axis=0)")),
    # gamma forgotten: both extra paths are there, only the closed-form hint explains it.
    Mistake("batchnorm_backward_alt", "gamma_forgotten", visible.HINT_CLOSED_FORM,
            _ALT.format(dx_terms="dout - dout.mean(axis=0) - x_hat * (dout * x_hat).mean(axis=0)")),
]
