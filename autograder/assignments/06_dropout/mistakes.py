"""Frequent dropout and FullyConnectedNet mistakes, each a whole solution cell of 06_dropout.

dropout_backward's mistakes read the cache of the notebook's dropout_forward,
(mode, mask) with the mask already scaled by 1 / (1 - p), as the reference does.
FullyConnectedNet's mistakes use affine_forward, ..., softmax_loss,
batchnorm_forward, batchnorm_backward_alt, dropout_forward and
dropout_backward from the namespace they are compiled in.
"""
from autograder.mistake import Mistake
from course.checks import dropout as visible

_FORWARD = '''def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode == "train":
        seed = dropout_param.get("seed")
        rng = np.random.default_rng(seed) if seed is not None else np.random
        keep = rng.random(x.shape) {keep}
        mask = {mask}
        out = x * mask
    else:
        mask = None
        out = {test_out}
    return out, (mode, mask)
'''
_RIGHT_FORWARD = dict(keep=">= p", mask="keep / (1.0 - p)", test_out="x")


def _forward(**wrong):
    return _FORWARD.format(**{**_RIGHT_FORWARD, **wrong})


_FCN = '''class FullyConnectedNet:
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=0.0,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float64, seed=None):
        self.normalization = normalization
        self.use_dropout = dropout > 0
        self.reg = reg
        self.dtype = dtype
        self.num_layers = len(hidden_dims) + 1
        self.params = {{}}
        rng = np.random.default_rng(seed) if seed is not None else np.random
        sizes = [input_dim] + list(hidden_dims) + [num_classes]
        for i in range(1, self.num_layers + 1):
            self.params[f"W{{i}}"] = (weight_scale * rng.standard_normal((sizes[i - 1], sizes[i]))).astype(dtype)
            self.params[f"b{{i}}"] = np.zeros(sizes[i], dtype=dtype)
            if normalization == "batchnorm" and i < self.num_layers:
                self.params[f"gamma{{i}}"] = np.ones(sizes[i], dtype=dtype)
                self.params[f"beta{{i}}"] = np.zeros(sizes[i], dtype=dtype)
        self.dropout_param = {{}}
        if self.use_dropout:
            self.dropout_param = {{"mode": "train", "p": dropout}}
            if seed is not None:
                self.dropout_param["seed"] = seed
        self.bn_params = []
        if normalization == "batchnorm":
            self.bn_params = {bn_params}

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        {set_mode}
        L = self.num_layers
        caches = []
        h = X
        for i in range(1, L):
            h, affine_cache = affine_forward(h, self.params[f"W{{i}}"], self.params[f"b{{i}}"])
            bn_cache = dropout_cache = None
            if self.normalization == "batchnorm":
                h, bn_cache = batchnorm_forward(h, self.params[f"gamma{{i}}"], self.params[f"beta{{i}}"],
                                                self.bn_params[i - 1])
            h, relu_cache = relu_forward(h)
            if self.use_dropout:
                h, dropout_cache = dropout_forward(h, self.dropout_param)
            caches.append((affine_cache, bn_cache, relu_cache, dropout_cache))
        scores, scores_cache = affine_forward(h, self.params[f"W{{L}}"], self.params[f"b{{L}}"])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        loss += {penalty}
        grads = {{}}
        dh, grads[f"W{{L}}"], grads[f"b{{L}}"] = affine_backward(dscores, scores_cache)
        for i in range(L - 1, 0, -1):
            affine_cache, bn_cache, relu_cache, dropout_cache = caches[i - 1]
            if self.use_dropout:
                dh = dropout_backward(dh, dropout_cache)
            dh = relu_backward(dh, relu_cache)
            if self.normalization == "batchnorm":
                dh, grads[f"gamma{{i}}"], grads[f"beta{{i}}"] = batchnorm_backward_alt(dh, bn_cache)
            dh, grads[f"W{{i}}"], grads[f"b{{i}}"] = affine_backward(dh, affine_cache)
        {reg_grad}
        return loss, grads
'''
_SET_MODE = '''if self.use_dropout:
            self.dropout_param["mode"] = mode
        for bn_param in self.bn_params:
            bn_param["mode"] = mode'''
_RIGHT_FCN = dict(
    bn_params='[{"mode": "train"} for _ in range(self.num_layers - 1)]',
    set_mode=_SET_MODE,
    penalty='0.5 * self.reg * sum(np.sum(self.params[f"W{i}"] ** 2) for i in range(1, L + 1))',
    reg_grad='''for i in range(1, L + 1):
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * self.params[f"W{i}"]''',
)


def _fcn(**wrong):
    return _FCN.format(**{**_RIGHT_FCN, **wrong})


MISTAKES = [
    Mistake("dropout_forward", "no_inverse_scaling", visible.HINT_NO_SCALE,
            _forward(mask="keep.astype(x.dtype)")),
    Mistake("dropout_forward", "p_read_as_keep_probability", visible.HINT_KEEP_PROB,
            _forward(keep="< p", mask="keep / p")),
    Mistake("dropout_forward", "scaled_at_test_time", visible.HINT_TEST_SCALE,
            _forward(test_out="x * (1 - p)")),
    Mistake("dropout_forward", "seed_ignored", visible.HINT_SEED,
            _forward().replace("rng = np.random.default_rng(seed) if seed is not None else np.random",
                               "rng = np.random")),
    Mistake("dropout_backward", "mask_without_scale", visible.HINT_BACKWARD_MASK,
            '''def dropout_backward(dout, cache):
    mode, mask = cache
    if mode == "train":
        return dout * (mask > 0)
    return dout
'''),
    Mistake("FullyConnectedNet", "reg_missing_in_gradients", visible.HINT_REG_GRAD,
            _fcn(reg_grad="pass")),
    Mistake("FullyConnectedNet", "penalty_without_half", visible.HINT_REG_LOSS,
            _fcn(penalty='self.reg * sum(np.sum(self.params[f"W{i}"] ** 2) for i in range(1, L + 1))',
                 reg_grad='''for i in range(1, L + 1):
            grads[f"W{i}"] = grads[f"W{i}"] + 2 * self.reg * self.params[f"W{i}"]''')),
    Mistake("FullyConnectedNet", "one_bn_param_shared", visible.HINT_BN_PARAMS,
            _fcn(bn_params='[{"mode": "train"}] * (self.num_layers - 1)')),
    Mistake("FullyConnectedNet", "mode_never_switched", visible.HINT_TEST_MODE_NET,
            _fcn(set_mode="pass")),
]
