"""Frequent dropout and FullyConnectedNet mistakes, each the reference's own cell with a line or two changed.

dropout_backward's mistake reads the cache of the reference's dropout_forward,
(mode, mask) with the mask already scaled by 1 / (1 - p), which is the notebook's too.
FullyConnectedNet's mistakes use affine_forward, ..., softmax_loss,
batchnorm_forward, batchnorm_backward_alt, layernorm_forward, layernorm_backward,
dropout_forward and dropout_backward from the namespace they are compiled in.
"""
from autograder import assignments
from autograder.mistake import Mistake, source_of, variant
from course.checks import dropout as visible

reference = assignments.load("06_dropout", "reference")
FORWARD = source_of(reference.dropout_forward)
BACKWARD = source_of(reference.dropout_backward)
NET = source_of(reference.FullyConnectedNet)
SCALED_MASK = "((rng.random(x.shape) >= p) / (1 - p))"
REG_GRAD = 'grads[f"W{i}"] = grads[f"W{i}"] + self.reg * p[f"W{i}"]'

MISTAKES = [
    Mistake("dropout_forward", "no_inverse_scaling", visible.HINT_NO_SCALE,
            variant(FORWARD, (SCALED_MASK, "(rng.random(x.shape) >= p)"))),
    Mistake("dropout_forward", "p_read_as_keep_probability", visible.HINT_KEEP_PROB,
            variant(FORWARD, (SCALED_MASK, "((rng.random(x.shape) < p) / p)"))),
    Mistake("dropout_forward", "scaled_at_test_time", visible.HINT_TEST_SCALE,
            variant(FORWARD, ("out = x.copy()", "out = x * (1 - p)"))),
    Mistake("dropout_forward", "seed_ignored", visible.HINT_SEED,
            variant(FORWARD, ("rng = np.random.default_rng(seed) if seed is not None else np.random",
                              "rng = np.random"))),
    Mistake("dropout_backward", "mask_without_scale", visible.HINT_BACKWARD_MASK,
            variant(BACKWARD, ("return dout * mask", "return dout * (mask > 0)"))),
    Mistake("FullyConnectedNet", "reg_missing_in_gradients", visible.HINT_REG_GRAD,
            variant(NET, (REG_GRAD, "pass"))),
    Mistake("FullyConnectedNet", "penalty_without_half", visible.HINT_REG_LOSS,
            variant(NET, ("loss += 0.5 * self.reg * sum(", "loss += self.reg * sum("),
                    (REG_GRAD, REG_GRAD.replace("self.reg", "2 * self.reg")))),
    Mistake("FullyConnectedNet", "one_bn_param_shared", visible.HINT_BN_PARAMS,
            variant(NET, ('[{"mode": "train"} for _ in range(self.num_layers - 1)]',
                          '[{"mode": "train"}] * (self.num_layers - 1)'))),
    Mistake("FullyConnectedNet", "mode_never_switched", visible.HINT_TEST_MODE_NET,
            variant(NET, ('            self.dropout_param["mode"] = mode\n', "            pass\n"),
                    ('            bn_param["mode"] = mode\n', "            pass\n"))),
    # Batchnorm's layers in the layernorm branch: its gradients are right, its scores depend on the batch.
    Mistake("FullyConnectedNet", "layernorm_calls_batchnorm", visible.HINT_LAYERNORM_NET,
            variant(NET, ('layernorm_forward(out, p[f"gamma{i}"], p[f"beta{i}"], {})',
                          'batchnorm_forward(out, p[f"gamma{i}"], p[f"beta{i}"], {"mode": "train"})'),
                    ('layernorm_backward(dout, layer["norm"])', 'batchnorm_backward_alt(dout, layer["norm"])'))),
]
