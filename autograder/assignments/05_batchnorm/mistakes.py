"""Frequent batch normalisation mistakes, each the reference's own cell with a line or two changed.

The backward mistakes read the cache of the reference's batchnorm_forward
(a dict with mode, x_hat, centered, std, gamma), which is the notebook's too.
"""
from autograder import assignments
from autograder.mistake import Mistake, source_of, variant
from course.checks import batchnorm as visible

reference = assignments.load("05_batchnorm", "reference")
FORWARD = source_of(reference.batchnorm_forward)
BACKWARD = source_of(reference.batchnorm_backward)
BACKWARD_ALT = source_of(reference.batchnorm_backward_alt)
LN_FORWARD = source_of(reference.layernorm_forward)
LN_BACKWARD = source_of(reference.layernorm_backward)
LN_STATISTICS = "    mean = x.mean(axis=1, keepdims=True)\n    var = x.var(axis=1, keepdims=True)"
# Batchnorm's habit carried over: running averages kept in ln_param and used at test time.
LN_RUNNING = """    if ln_param.get("mode", "train") == "train":
        mean = x.mean(axis=1, keepdims=True)
        var = x.var(axis=1, keepdims=True)
        ln_param["running_mean"] = 0.9 * ln_param.get("running_mean", 0.0) + 0.1 * mean.mean()
        ln_param["running_var"] = 0.9 * ln_param.get("running_var", 0.0) + 0.1 * var.mean()
    else:
        mean, var = ln_param["running_mean"], ln_param["running_var"]"""
CLOSED_FORM = "dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)"

# The sample class takes the first mistake of each function: a test-mode-only forward
# mistake there leaves the (train-mode) backward checks unaffected.
MISTAKES = [
    Mistake("batchnorm_forward", "test_mode_uses_batch", visible.HINT_TEST_MODE,
            variant(FORWARD, ("mean, var = running_mean, running_var", "mean, var = x.mean(axis=0), x.var(axis=0)"))),
    Mistake("batchnorm_forward", "sample_variance", visible.HINT_DDOF,
            variant(FORWARD, ("var = x.var(axis=0)", "var = x.var(axis=0, ddof=1)"))),
    Mistake("batchnorm_forward", "statistics_without_axis", visible.HINT_AXIS_FORWARD,
            variant(FORWARD, ("mean = x.mean(axis=0)", "mean = x.mean()"), ("var = x.var(axis=0)", "var = x.var()"))),
    Mistake("batchnorm_forward", "momentum_swapped", visible.HINT_MOMENTUM,
            variant(FORWARD, ("momentum * running_mean + (1 - momentum) * mean",
                              "(1 - momentum) * running_mean + momentum * mean"),
                    ("momentum * running_var + (1 - momentum) * var",
                     "(1 - momentum) * running_var + momentum * var"))),
    Mistake("batchnorm_backward", "no_mean_path", visible.HINT_MEAN_PATH,
            variant(BACKWARD, ("dx = dcentered + dmean / N", "dx = dcentered"))),
    Mistake("batchnorm_backward", "no_variance_path", visible.HINT_VARIANCE_PATH,
            variant(BACKWARD, ("    dcentered = dcentered + 2.0 * centered * dvar / N\n", ""))),
    Mistake("batchnorm_backward", "sums_without_axis", visible.HINT_AXIS_BACKWARD,
            variant(BACKWARD, *((f"{total}.sum(axis=0)", f"{total}.sum()") for total in
                                ("dout", "(dout * x_hat)", "(dx_hat * centered)", "-dcentered")))),
    Mistake("batchnorm_backward", "dgamma_ignores_dout", visible.HINT_DGAMMA_DOUT,
            variant(BACKWARD, ("dgamma = (dout * x_hat)", "dgamma = (x_hat)"))),
    Mistake("batchnorm_backward_alt", "no_variance_term", visible.HINT_VARIANCE_PATH,
            variant(BACKWARD_ALT, (CLOSED_FORM, "dx_hat - dx_hat.mean(axis=0)"))),
    Mistake("batchnorm_backward_alt", "no_mean_term", visible.HINT_MEAN_PATH,
            variant(BACKWARD_ALT, (CLOSED_FORM, "dx_hat - x_hat * (dx_hat * x_hat).mean(axis=0)"))),
    # gamma forgotten: both extra paths are there, only the closed-form hint explains it.
    Mistake("batchnorm_backward_alt", "gamma_forgotten", visible.HINT_CLOSED_FORM,
            variant(BACKWARD_ALT, (CLOSED_FORM, CLOSED_FORM.replace("dx_hat", "dout")))),
    # First: its training-mode output is right, so the backward checks (fresh ln_param) still pass.
    Mistake("layernorm_forward", "running_statistics", visible.HINT_LN_STATE,
            variant(LN_FORWARD, (LN_STATISTICS, LN_RUNNING))),
    Mistake("layernorm_forward", "batch_axis", visible.HINT_LN_AXIS,
            variant(LN_FORWARD, ("mean = x.mean(axis=1, keepdims=True)", "mean = x.mean(axis=0, keepdims=True)"),
                    ("var = x.var(axis=1, keepdims=True)", "var = x.var(axis=0, keepdims=True)"))),
    Mistake("layernorm_forward", "no_keepdims", visible.HINT_LN_KEEPDIMS,
            variant(LN_FORWARD, (LN_STATISTICS, "    mean = x.mean(axis=1)\n    var = x.var(axis=1)"),
                    ("std = np.sqrt(var + eps)", "std = np.sqrt(var + eps)[:, None]"))),
    Mistake("layernorm_forward", "eps_ignored", visible.HINT_LN_EPS,
            variant(LN_FORWARD, ('eps = ln_param.get("eps", 1e-5)', "eps = 1e-5"))),
    Mistake("layernorm_backward", "param_sums_over_features", visible.HINT_LN_PARAM_AXIS,
            variant(LN_BACKWARD, ("dbeta = dout.sum(axis=0)", "dbeta = dout.sum(axis=1)"),
                    ("dgamma = (dout * x_hat).sum(axis=0)", "dgamma = (dout * x_hat).sum(axis=1)"))),
    Mistake("layernorm_backward", "dx_means_over_batch", visible.HINT_LN_DX_AXIS,
            variant(LN_BACKWARD, ("dx_hat.mean(axis=1, keepdims=True)", "dx_hat.mean(axis=0)"),
                    ("(dx_hat * x_hat).mean(axis=1, keepdims=True)", "(dx_hat * x_hat).mean(axis=0)"))),
    Mistake("layernorm_backward", "statistics_as_constants", visible.HINT_LN_PATHS,
            variant(LN_BACKWARD, ("""    dx = (dx_hat - dx_hat.mean(axis=1, keepdims=True)
          - x_hat * (dx_hat * x_hat).mean(axis=1, keepdims=True)) / std""", "    dx = dx_hat / std"))),
]
