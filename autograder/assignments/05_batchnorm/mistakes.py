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
]
