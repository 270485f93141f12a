"""Frequent wrong solutions for 04_softmax_loss, each with the hint its visible check must give.

Every mistake is the reference's own source with one or a few lines changed
(``variant`` fails loudly when the reference changes under it). The
TwoLayerNet mistakes call the layers of 03 and softmax_loss by name: compile
them with a namespace that provides those (e.g. the reference module).
"""
from autograder import assignments
from autograder.mistake import Mistake, source_of, variant

reference = assignments.load("04_softmax_loss", "reference")
SOFTMAX_LOSS = source_of(reference.softmax_loss)
TWO_LAYER_NET = source_of(reference.TwoLayerNet)

_SHIFT = "shifted = x - x.max(axis=1, keepdims=True)  # largest score 0: exp never overflows"
_LOG_PROBS = "log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))"
# Probabilities first, then their log: right on mild scores, -log(0) = inf once p underflows.
_LOG_OF_P = ("p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
             "    log_probs = np.log(p)")
_REG_GRADIENT = """        grads["W1"] = grads["W1"] + self.reg * p["W1"]
        grads["W2"] = grads["W2"] + self.reg * p["W2"]
"""

MISTAKES = [
    Mistake("softmax_loss", "no_max_shift", "Subtract each row's maximum from the scores before np.exp",
            variant(SOFTMAX_LOSS, (_SHIFT, "shifted = x"))),
    Mistake("softmax_loss", "log_of_underflowed_p", "instead of np.log(p)",
            variant(SOFTMAX_LOSS, (_LOG_PROBS, _LOG_OF_P))),
    Mistake("softmax_loss", "shift_in_place", "softmax_loss changed its input x in place",
            variant(SOFTMAX_LOSS, (_SHIFT, "x -= x.max(axis=1, keepdims=True)\n    shifted = x"))),
    Mistake("softmax_loss", "dx_not_divided_by_n", "so dx = (p - onehot) / N is divided by N as well",
            variant(SOFTMAX_LOSS, ("    dx /= N\n", ""))),
    Mistake("softmax_loss", "loss_summed", "it is the mean over the batch, divide the sum by N",
            variant(SOFTMAX_LOSS, ("log_probs[rows, y].mean()", "log_probs[rows, y].sum()"))),
    Mistake("softmax_loss", "no_onehot", "subtract 1 at the correct class of every row",
            variant(SOFTMAX_LOSS, ("    dx[rows, y] -= 1\n", ""))),
    Mistake("softmax_loss", "no_keepdims", "use keepdims=True",
            variant(SOFTMAX_LOSS, (_SHIFT, "shifted = x - x.max(axis=1)"),
                    (_LOG_PROBS, "log_probs = shifted - np.log(np.exp(shifted).sum(axis=1))"))),
    Mistake("TwoLayerNet", "l2_without_half", "the course uses 0.5 * reg * sum(W^2)",
            variant(TWO_LAYER_NET, ("data_loss + 0.5 * self.reg * (", "data_loss + self.reg * ("))),
    Mistake("TwoLayerNet", "reg_gradient_missing", "add reg * W to the gradient of each W",
            variant(TWO_LAYER_NET, (_REG_GRADIENT, ""))),
    Mistake("TwoLayerNet", "biases_regularized", "regularise only W1 and W2",
            variant(TWO_LAYER_NET,
                    ('(np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))', "sum(np.sum(v ** 2) for v in p.values())"),
                    (_REG_GRADIENT, """        for name in p:
            grads[name] = grads[name] + self.reg * p[name]
"""))),
    Mistake("TwoLayerNet", "weights_not_scaled", "draw it as weight_scale * np.random.randn(rows, cols)",
            variant(TWO_LAYER_NET,
                    ('"W1": weight_scale * np.random.randn(', '"W1": np.random.randn('),
                    ('"W2": weight_scale * np.random.randn(', '"W2": np.random.randn('))),
]

# The tuned net is graded from the file the notebook saves, not by calling tune_TwoLayerNet: these
# mistakes are proven by saving what they return (tests/test_checks_softmax_loss.py), not by the
# shared tests of MISTAKES.
TUNE = source_of(reference.tune_TwoLayerNet)
_RETURN_BEST = "    return best.model, best.settings\n"

TUNED_NET_MISTAKES = [
    # The search finished, then a fresh net was built "with the best settings" and never trained.
    Mistake("tune_TwoLayerNet", "untrained_net", "the saved parameters look untrained",
            variant(TUNE, (_RETURN_BEST, "    net = TwoLayerNet(hidden_dim=best.settings.hidden_dim, "
                                         "weight_scale=best.settings.weight_scale, reg=best.settings.reg)\n"
                                         "    return net, best.settings\n"))),
    # The settings of another trial (here the first candidate's) beside the best trial's net.
    Mistake("tune_TwoLayerNet", "settings_of_another_trial", "save the settings of the trial whose net you save",
            variant(TUNE, (_RETURN_BEST, "    return best.model, trials[0].settings\n"))),
]
