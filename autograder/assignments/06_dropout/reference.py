"""Assignment 06: inverted dropout and a fully connected net of any depth."""
from __future__ import annotations

import importlib

import numpy as np

_layers = importlib.import_module("autograder.assignments.03_affine_relu.reference")
_losses = importlib.import_module("autograder.assignments.04_softmax_loss.reference")
_batchnorm = importlib.import_module("autograder.assignments.05_batchnorm.reference")
affine_forward, affine_backward = _layers.affine_forward, _layers.affine_backward
relu_forward, relu_backward = _layers.relu_forward, _layers.relu_backward
softmax_loss = _losses.softmax_loss
batchnorm_forward, batchnorm_backward_alt = _batchnorm.batchnorm_forward, _batchnorm.batchnorm_backward_alt
layernorm_forward, layernorm_backward = _batchnorm.layernorm_forward, _batchnorm.layernorm_backward


def dropout_forward(x, dropout_param):
    """Inverted dropout: in train mode drop each unit with probability p and
    scale the kept ones by 1 / (1 - p); test mode returns x unchanged.

    dropout_param: p, mode ('train' or 'test'), optional seed (a seed makes
    the mask the same on every call).
    """
    p = dropout_param["p"]
    mode = dropout_param.get("mode", "train")
    if not 0 <= p < 1:
        raise ValueError(f"dropout probability p must be in [0, 1), got {p}")
    if mode == "train":
        seed = dropout_param.get("seed")
        rng = np.random.default_rng(seed) if seed is not None else np.random
        mask = ((rng.random(x.shape) >= p) / (1 - p)).astype(x.dtype)
        out = x * mask
    elif mode == "test":
        mask = None
        out = x.copy()
    else:
        raise ValueError(f"invalid dropout mode {mode!r}")
    return out, (mode, mask)


def dropout_backward(dout, cache):
    mode, mask = cache
    if mode == "train":
        return dout * mask
    return dout.copy()


class FullyConnectedNet:
    """{affine - [batchnorm or layernorm] - relu - [dropout]} x (L - 1) - affine - softmax.

    params: W1..WL, b1..bL and, with either normalization, gamma1..gamma(L-1),
    beta1..beta(L-1). bn_params: one dict per layer with batchnorm, else []
    (layernorm keeps no state). The L2 penalty 0.5 * reg * sum(W^2) covers weights only.
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=0.0,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float64, seed=None):
        if normalization not in (None, "batchnorm", "layernorm"):
            raise ValueError(f"normalization must be None, 'batchnorm' or 'layernorm', got {normalization!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.normalization = normalization
        self.use_dropout = dropout > 0
        self.reg = reg
        self.dtype = dtype
        self.num_layers = len(hidden_dims) + 1

        # A seed gives a private generator; without one the global np.random
        # state is used, so np.random.seed in a notebook makes nets reproducible.
        if seed is not None:
            generator = np.random.default_rng(seed)

            def randn(*shape):
                return generator.standard_normal(shape)
        else:
            randn = np.random.randn
        dims = [input_dim, *hidden_dims, num_classes]
        self.params = {}
        for i in range(1, self.num_layers + 1):
            fan_in, fan_out = dims[i - 1], dims[i]
            self.params[f"W{i}"] = weight_scale * randn(fan_in, fan_out)
            self.params[f"b{i}"] = np.zeros(fan_out)
            if normalization and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(fan_out)
                self.params[f"beta{i}"] = np.zeros(fan_out)
        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout}
            if seed is not None:
                self.dropout_param["seed"] = seed
        self.bn_params = []
        if normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]

    def loss(self, X, y=None):
        """Scores (N, C) when y is None (test mode), else (loss, grads) (train mode)."""
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        for bn_param in self.bn_params:
            bn_param["mode"] = mode

        p = self.params
        caches = []
        out = X
        for i in range(1, self.num_layers):
            layer = {}
            out, layer["affine"] = affine_forward(out, p[f"W{i}"], p[f"b{i}"])
            if self.normalization == "batchnorm":
                out, layer["norm"] = batchnorm_forward(out, p[f"gamma{i}"], p[f"beta{i}"],
                                                       self.bn_params[i - 1])
            elif self.normalization == "layernorm":
                out, layer["norm"] = layernorm_forward(out, p[f"gamma{i}"], p[f"beta{i}"], {})
            out, layer["relu"] = relu_forward(out)
            if self.use_dropout:
                out, layer["dropout"] = dropout_forward(out, self.dropout_param)
            caches.append(layer)
        L = self.num_layers
        scores, last_cache = affine_forward(out, p[f"W{L}"], p[f"b{L}"])
        if mode == "test":
            return scores

        loss, dout = softmax_loss(scores, y)
        if self.reg:  # skipped at reg = 0: a full pass over every weight for nothing
            loss += 0.5 * self.reg * sum(np.sum(p[f"W{i}"] ** 2) for i in range(1, L + 1))
        grads = {}
        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, last_cache)
        for i in range(L - 1, 0, -1):
            layer = caches[i - 1]
            if self.use_dropout:
                dout = dropout_backward(dout, layer["dropout"])
            dout = relu_backward(dout, layer["relu"])
            if self.normalization == "batchnorm":
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward_alt(dout, layer["norm"])
            elif self.normalization == "layernorm":
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dout, layer["norm"])
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, layer["affine"])
        if self.reg:
            for i in range(1, L + 1):
                grads[f"W{i}"] = grads[f"W{i}"] + self.reg * p[f"W{i}"]
        return loss, grads
