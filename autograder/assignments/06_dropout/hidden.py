"""Hidden checks for 06_dropout: statistics and exact properties of dropout on
fresh inputs, and FullyConnectedNet against the reference with the same parameters.

No check depends on which units a seed drops: a student's generator may draw
its mask in another order and still be right.
"""
from __future__ import annotations

import numpy as np

from autograder import assignments
from autograder.hidden import call_unmodified, rng
from course.checks.dropout import _check_net_gradient, mean_ratio_tolerance
from course.gradcheck import check_close, numerical_gradient, numerical_gradient_array

ref = assignments.load("06_dropout", "reference")


def check_dropout_forward(dropout_forward) -> None:
    r = rng("dropout_forward")
    x = r.uniform(1.0, 3.0, (300, 700))  # large and positive: zeros are dropped units
    for p in (0.1, 0.35, 0.8):
        # Seeded: the same submission gets the same grade at every regrade.
        out, _ = call_unmodified("dropout_forward", dropout_forward, x, {"mode": "train", "p": p, "seed": 21})
        dropped = float(np.mean(out == 0))
        if abs(dropped - p) > 0.01:
            raise AssertionError(f"p = {p}: fraction of zeros {dropped:.3f}, expected {p}")
        ratio = float(out.mean() / x.mean())
        if abs(ratio - 1) > mean_ratio_tolerance(p, x.size):
            raise AssertionError(f"p = {p}: mean(out) / mean(x) = {ratio:.3f}, expected 1 (inverted dropout)")
        kept = out != 0
        check_close(f"p = {p}: kept units", out[kept], x[kept] / (1 - p), 1e-12)
        test, _ = call_unmodified("dropout_forward", dropout_forward, x, {"mode": "test", "p": p})
        if not np.array_equal(test, x):
            raise AssertionError(f"p = {p}: test mode is not the identity")
        seeded = [dropout_forward(x, {"mode": "train", "p": p, "seed": 11})[0] for _ in range(2)]
        if not np.array_equal(*seeded):
            raise AssertionError(f"p = {p}: the same seed gave different masks")
    # Without a seed every call draws a new mask.
    a = dropout_forward(x, {"mode": "train", "p": 0.5})[0]
    b = dropout_forward(x, {"mode": "train", "p": 0.5})[0]
    if np.array_equal(a, b):
        raise AssertionError("two calls without a seed dropped the same units")
    # Other shapes: 1-D and 4-D inputs.
    for shape in ((1000,), (4, 3, 8, 8)):
        z = r.uniform(1.0, 2.0, shape)
        out, _ = dropout_forward(z, {"mode": "train", "p": 0.3, "seed": 0})
        if np.shape(out) != shape:
            raise AssertionError(f"input of shape {shape}: output of shape {np.shape(out)}")


def check_dropout_backward(dropout_backward, dropout_forward) -> None:
    r = rng("dropout_backward")
    for shape, p in (((20, 30), 0.4), ((3, 4, 5), 0.75)):
        x = r.standard_normal(shape) + 3.0
        dout = r.standard_normal(shape)
        param = {"mode": "train", "p": p, "seed": 5}
        out, cache = dropout_forward(x, dict(param))
        dx = call_unmodified("dropout_backward", dropout_backward, dout, cache)
        check_close(f"dx for p = {p}", dx, dout * np.asarray(out) / x, 1e-10)
        numeric = numerical_gradient_array(lambda z: dropout_forward(z, dict(param))[0], x.copy(), dout)
        check_close(f"dx against the numerical gradient, p = {p}", dx, numeric, 1e-7)
        _, cache = dropout_forward(x, {"mode": "test", "p": p})
        check_close(f"test-mode dx, p = {p}", dropout_backward(dout, cache), dout, 1e-12)


CONFIGS = [
    dict(hidden_dims=[7]),
    dict(hidden_dims=[6, 5, 4], normalization="batchnorm"),
    dict(hidden_dims=[5, 5], dropout=0.4),
    dict(hidden_dims=[6, 4], normalization="batchnorm", dropout=0.2, reg=0.5),
    dict(hidden_dims=[], reg=0.1),
]


def _pair(FullyConnectedNet, config, D=9, C=5):
    kwargs = dict(input_dim=D, num_classes=C, weight_scale=0.4, seed=3, **config)
    mine, theirs = FullyConnectedNet(**kwargs), ref.FullyConnectedNet(**kwargs)
    return mine, theirs


def check_FullyConnectedNet_api(FullyConnectedNet) -> None:
    for config in CONFIGS:
        mine, theirs = _pair(FullyConnectedNet, config)
        shapes = {k: np.shape(v) for k, v in mine.params.items()}
        expected = {k: v.shape for k, v in theirs.params.items()}
        if shapes != expected:
            raise AssertionError(f"{config}: parameters {shapes}, expected {expected}")
        for k, v in theirs.params.items():
            if not k.startswith("W"):
                check_close(f"{config}: initial {k}", mine.params[k], v, 0)
        if len(mine.bn_params) != len(theirs.bn_params):
            raise AssertionError(f"{config}: {len(mine.bn_params)} bn_params, expected {len(theirs.bn_params)}")
        if len({id(p) for p in mine.bn_params}) != len(mine.bn_params):
            raise AssertionError(f"{config}: the bn_params share a dict")
        if theirs.dropout_param and mine.dropout_param.get("p") != theirs.dropout_param["p"]:
            raise AssertionError(f"{config}: dropout_param {mine.dropout_param}")
    # Without a seed the global generator is used: np.random.seed makes nets reproducible.
    state = np.random.get_state()
    try:
        np.random.seed(0)
        a = FullyConnectedNet([5], input_dim=4, num_classes=3)
        np.random.seed(0)
        b = FullyConnectedNet([5], input_dim=4, num_classes=3)
    finally:
        np.random.set_state(state)
    if not all(np.array_equal(a.params[k], b.params[k]) for k in a.params):
        raise AssertionError("seed=None: the weights ignore np.random.seed")
    big = FullyConnectedNet([300, 300], input_dim=200, num_classes=10, weight_scale=2e-2, seed=9)
    for k in ("W1", "W2", "W3"):
        if abs(float(big.params[k].std()) / 2e-2 - 1) > 0.05:
            raise AssertionError(f"{k} standard deviation {big.params[k].std():.4f}, expected weight_scale 0.02")


def check_FullyConnectedNet_gradients(FullyConnectedNet) -> None:
    r = rng("FullyConnectedNet")
    N, D, C = 7, 9, 5
    X = r.standard_normal((N, D))
    y = r.integers(0, C, N)
    for config in CONFIGS:
        mine, theirs = _pair(FullyConnectedNet, config)
        for k, value in theirs.params.items():  # the same starting point whatever the student's draws
            if not k.startswith("W"):  # nonzero biases keep units with all inputs dropped off ReLU's kink
                value += r.uniform(-0.3, 0.3, value.shape)
            mine.params[k] = value.copy()
        # Test mode (dropout is the identity): scores equal the reference's.
        check_close(f"{config}: scores", mine.loss(X), theirs.loss(X), 1e-7)
        if not config.get("dropout"):
            loss, grads = mine.loss(X, y)
            ref_loss, ref_grads = theirs.loss(X, y)
            check_close(f"{config}: loss", loss, ref_loss, 1e-8)
            for k in ref_grads:
                _check_net_gradient(f"{config}: grads[{k!r}]", grads[k], ref_grads[k], 1e-6)
            for i, (p, q) in enumerate(zip(mine.bn_params, theirs.bn_params)):
                for key in ("running_mean", "running_var"):
                    check_close(f"{config}: bn_params[{i}][{key!r}] after one step", p[key], q[key], 1e-7)
        else:  # the student's own seeded mask: gradients against numerical ones
            loss, grads = mine.loss(X, y)
            for k in sorted(mine.params):
                numeric = numerical_gradient(lambda _: mine.loss(X, y)[0], mine.params[k])
                _check_net_gradient(f"{config}: grads[{k!r}] against numerical", grads[k], numeric, 1e-6)
    # A float32 net still returns a gradient for every parameter.
    small = FullyConnectedNet([4], input_dim=5, num_classes=3, dtype=np.float32, seed=0)
    _, grads = small.loss(r.standard_normal((3, 5)), np.array([0, 1, 2]))
    if set(grads) != set(small.params):
        raise AssertionError("float32 net: grads keys differ from params")
