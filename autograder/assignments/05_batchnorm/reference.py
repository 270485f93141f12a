"""Assignment 05: batch normalisation, forward and two backward passes."""
from __future__ import annotations

import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalisation of x (N, D) per feature.

    bn_param: mode ('train' or 'test'), eps (1e-5), momentum (0.9),
    running_mean, running_var (zeros of shape (D,) when missing). In train
    mode the batch mean and uncorrected variance are used and the running
    statistics are updated in bn_param; test mode uses the running ones.
    """
    mode = bn_param.get("mode", "train")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    if mode == "train":
        mean = x.mean(axis=0)
        var = x.var(axis=0)  # uncorrected: divides by N
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mean
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        mean, var = running_mean, running_var
    else:
        raise ValueError(f"invalid batchnorm mode {mode!r}")

    centered = x - mean
    std = np.sqrt(var + eps)
    x_hat = centered / std
    out = gamma * x_hat + beta
    cache = {"mode": mode, "x_hat": x_hat, "centered": centered, "std": std, "gamma": gamma}
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward through the graph of batchnorm_forward, one node at a time."""
    x_hat, centered, std, gamma = cache["x_hat"], cache["centered"], cache["std"], cache["gamma"]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if cache["mode"] == "test":  # mean and std are constants
        return dx_hat / std, dgamma, dbeta
    N = dout.shape[0]
    # x_hat = centered * inv_std
    dinv_std = (dx_hat * centered).sum(axis=0)
    dcentered = dx_hat / std
    # inv_std = (var + eps)^(-1/2)
    dvar = dinv_std * (-0.5) * std ** -3
    # var = mean(centered^2)
    dcentered = dcentered + 2.0 * centered * dvar / N
    # centered = x - mean(x)
    dmean = -dcentered.sum(axis=0)
    dx = dcentered + dmean / N
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Same result as batchnorm_backward from the simplified closed form
    dx = (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)) / std."""
    x_hat, std, gamma = cache["x_hat"], cache["std"], cache["gamma"]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if cache["mode"] == "test":
        return dx_hat / std, dgamma, dbeta
    dx = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / std
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalisation of x (N, D): each sample over its own D features.

    ln_param: optional eps (1e-5); nothing is stored in it. The mean and the
    uncorrected variance are taken per row, gamma and beta act per feature.
    """
    eps = ln_param.get("eps", 1e-5)
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)  # uncorrected: divides by D
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    out = gamma * x_hat + beta
    cache = {"x_hat": x_hat, "std": std, "gamma": gamma}
    return out, cache


def layernorm_backward(dout, cache):
    """batchnorm_backward_alt's closed form on the transposed problem: the means over axis 1."""
    x_hat, std, gamma = cache["x_hat"], cache["std"], cache["gamma"]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = (dx_hat - dx_hat.mean(axis=1, keepdims=True)
          - x_hat * (dx_hat * x_hat).mean(axis=1, keepdims=True)) / std
    return dx, dgamma, dbeta
