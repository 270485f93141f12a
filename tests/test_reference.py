"""The hidden reference implementation (autograder/assignments/*/reference.py) against numerical
gradients, hand-computed values and edge cases.

Properties that a plausible wrong implementation could break are written as
``_check_*`` helpers taking the implementation; each is run on the reference
(must pass) and on a deliberately wrong version (must fail), so the property
checks are proven able to fail.
"""
from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np
import pytest

from autograder import assignments
from course.gradcheck import (
    check_close,
    check_gradient,
    numerical_gradient,
    numerical_gradient_array,
)

ref = SimpleNamespace(**assignments.references())

# Classic float64 gradient-check threshold for a single smooth layer.
TIGHT = 1e-7
# Batchnorm and whole nets chain many operations (means, square roots,
# divisions, several layers) so round-off in the central difference grows;
# 1e-6 is still far below the ~1e-2 errors real mistakes produce.
LOOSE = 1e-6


def rng(seed=0):
    return np.random.default_rng(seed)


def layer_grad(forward, x, dout):
    """Numerical gradient of sum(forward(x) * dout) with respect to x."""
    return numerical_gradient_array(forward, x, dout)


# ---------------------------------------------------------------- 01 chain rule

def test_numerical_derivative_of_a_cube():
    # d/dx x^3 = 3 x^2 = 12 at x = 2
    assert ref.numerical_derivative(lambda x: x ** 3, 2.0) == pytest.approx(12.0, rel=1e-8)


def test_chain_forward_and_backward_by_hand():
    # x=2, w1=3, w2=-1, w3=0.5, target=1: y=6, z=-6, e=-3, L=0.5*(-4)^2=8.
    # dL/de=-4; dw3=-4*z=24; dw2=-4*w3*y=-12; dw1=-4*w3*w2*x=4.
    loss, cache = ref.chain_forward(2.0, 3.0, -1.0, 0.5, 1.0)
    assert loss == pytest.approx(8.0)
    dw1, dw2, dw3 = ref.chain_backward(cache)
    assert (dw1, dw2, dw3) == pytest.approx((4.0, -12.0, 24.0))


def test_chain_backward_matches_numerical_derivative():
    x, w, target = 0.7, [1.3, -0.4, 2.1], -0.5
    _, cache = ref.chain_forward(x, *w, target)
    analytic = ref.chain_backward(cache)
    for i in range(3):
        def loss_of(wi, i=i):
            ws = list(w)
            ws[i] = wi
            return ref.chain_forward(x, *ws, target)[0]
        check_gradient(f"dw{i + 1}", analytic[i], ref.numerical_derivative(loss_of, w[i]), TIGHT)


# ---------------------------------------------------------------- 02 graph layers

def test_mul_and_add_layers_price_example():
    # 2 apples at 100 and a tax factor of 1.1: price 220.
    apples, tax = ref.MulLayer(), ref.MulLayer()
    price = tax.forward(apples.forward(100, 2), 1.1)
    assert price == pytest.approx(220.0)
    dsubtotal, dtax = tax.backward(1)
    dapple, dcount = apples.backward(dsubtotal)
    assert (dapple, dcount, dtax) == pytest.approx((2.2, 110.0, 200.0))

    add = ref.AddLayer()
    assert add.forward(3.0, 4.0) == 7.0
    assert add.backward(2.5) == (2.5, 2.5)


def test_sigmoid_layer_gradient_and_extremes():
    x = rng().standard_normal((3, 4))
    dout = rng(1).standard_normal((3, 4))
    layer = ref.SigmoidLayer()
    out = layer.forward(x)
    check_close("sigmoid", out, 1 / (1 + np.exp(-x)), TIGHT)
    numerical = layer_grad(lambda z: ref.SigmoidLayer().forward(z), x, dout)
    check_gradient("dx", layer.backward(dout), numerical, TIGHT)
    with np.errstate(over="raise"):
        assert np.array_equal(ref.SigmoidLayer().forward(np.array([-1000.0, 1000.0])), [0.0, 1.0])


# ---------------------------------------------------------------- 03 affine, relu, sigmoid

def test_affine_forward_value_and_gradients_4d():
    r = rng()
    x = r.standard_normal((2, 3, 4, 5))
    w = r.standard_normal((60, 3))
    b = r.standard_normal(3)
    dout = r.standard_normal((2, 3))
    out, cache = ref.affine_forward(x, w, b)
    check_close("out", out, x.reshape(2, 60) @ w + b, TIGHT)
    dx, dw, db = ref.affine_backward(dout, cache)
    assert dx.shape == x.shape
    check_gradient("dx", dx, layer_grad(lambda z: ref.affine_forward(z, w, b)[0], x, dout), TIGHT)
    check_gradient("dw", dw, layer_grad(lambda z: ref.affine_forward(x, z, b)[0], w, dout), TIGHT)
    check_gradient("db", db, layer_grad(lambda z: ref.affine_forward(x, w, z)[0], b, dout), TIGHT)


def test_affine_with_a_single_example():
    r = rng(2)
    x, w, b = r.standard_normal((1, 4)), r.standard_normal((4, 3)), r.standard_normal(3)
    dout = r.standard_normal((1, 3))
    out, cache = ref.affine_forward(x, w, b)
    dx, dw, db = ref.affine_backward(dout, cache)
    assert out.shape == (1, 3) and dx.shape == (1, 4) and dw.shape == (4, 3) and db.shape == (3,)
    check_gradient("dw", dw, layer_grad(lambda z: ref.affine_forward(x, z, b)[0], w, dout), TIGHT)


def _check_relu_zero_gradient(relu_forward, relu_backward):
    x = np.array([[-1.0, 0.0, 2.0], [0.0, 3.0, -0.5]])
    out, cache = relu_forward(x)
    assert np.array_equal(out, [[0.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    dx = relu_backward(np.ones_like(x), cache)
    assert np.array_equal(dx, [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]), "gradient at exactly 0 must be 0"


def test_relu_gradient_at_zero_is_zero():
    _check_relu_zero_gradient(ref.relu_forward, ref.relu_backward)


def test_relu_zero_check_catches_mask_with_ge():
    def wrong_backward(dout, cache):
        return dout * (cache >= 0)
    with pytest.raises(AssertionError):
        _check_relu_zero_gradient(ref.relu_forward, wrong_backward)


def test_relu_gradient_matches_numerical():
    x = rng(3).standard_normal((4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep clear of the kink, where a central difference is not a derivative
    dout = rng(4).standard_normal((4, 5))
    _, cache = ref.relu_forward(x)
    check_gradient("dx", ref.relu_backward(dout, cache),
                   layer_grad(lambda z: ref.relu_forward(z)[0], x, dout), TIGHT)


def test_sigmoid_functions_value_gradient_and_no_overflow():
    x = rng(5).standard_normal((3, 4))
    dout = rng(6).standard_normal((3, 4))
    out, cache = ref.sigmoid_forward(x)
    check_close("out", out, 1 / (1 + np.exp(-x)), TIGHT)
    check_gradient("dx", ref.sigmoid_backward(dout, cache),
                   layer_grad(lambda z: ref.sigmoid_forward(z)[0], x, dout), TIGHT)
    with np.errstate(over="raise"):
        out, _ = ref.sigmoid_forward(np.array([-1000.0, 0.0, 1000.0]))
    assert np.array_equal(out, [0.0, 0.5, 1.0])


# ---------------------------------------------------------------- 04 softmax and TwoLayerNet

def _check_softmax_huge_logits(softmax_loss):
    r = rng(7)
    x = r.standard_normal((5, 4))
    y = r.integers(0, 4, 5)
    loss, dx = softmax_loss(x, y)
    with np.errstate(all="ignore"):
        shifted_loss, shifted_dx = softmax_loss(x + 1000.0, y)
        wide_loss, wide_dx = softmax_loss(x * 1000.0, y)
    assert shifted_loss == pytest.approx(loss, rel=1e-12)
    assert np.allclose(shifted_dx, dx, rtol=0, atol=1e-12)
    assert np.isfinite(wide_loss) and np.all(np.isfinite(wide_dx))
    assert np.allclose(wide_dx.sum(axis=1), 0.0, atol=1e-12)


def test_softmax_huge_logits():
    _check_softmax_huge_logits(ref.softmax_loss)


def test_softmax_huge_logit_check_catches_unshifted_softmax():
    def unshifted(x, y):
        probs = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
        n = x.shape[0]
        dx = probs.copy()
        dx[np.arange(n), y] -= 1
        return -np.log(probs[np.arange(n), y]).mean(), dx / n
    with pytest.raises(AssertionError):
        _check_softmax_huge_logits(unshifted)


def test_softmax_loss_value_and_gradient():
    r = rng(8)
    x = 1e-3 * r.standard_normal((50, 10))
    y = r.integers(0, 10, 50)
    loss, dx = ref.softmax_loss(x, y)
    assert loss == pytest.approx(np.log(10), abs=1e-2)  # near-uniform probabilities
    x = r.standard_normal((6, 5))
    y = r.integers(0, 5, 6)
    loss, dx = ref.softmax_loss(x, y)
    probs = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.log(probs[np.arange(6), y]).mean(), rel=1e-12)
    check_gradient("dx", dx, numerical_gradient(lambda z: ref.softmax_loss(z, y)[0], x), TIGHT)


def test_softmax_single_example():
    x = np.array([[1.0, 2.0, 3.0]])
    loss, dx = ref.softmax_loss(x, np.array([2]))
    assert loss == pytest.approx(np.log(np.exp(1) + np.exp(2) + np.exp(3)) - 3)
    check_gradient("dx", dx, numerical_gradient(lambda z: ref.softmax_loss(z, np.array([2]))[0], x), TIGHT)


def test_two_layer_net_params_scores_and_gradients():
    np.random.seed(0)
    net = ref.TwoLayerNet(input_dim=5, hidden_dim=4, num_classes=3, weight_scale=0.5, reg=0.3)
    assert {k: v.shape for k, v in net.params.items()} == {"W1": (5, 4), "b1": (4,), "W2": (4, 3), "b2": (3,)}
    assert not net.params["b1"].any() and not net.params["b2"].any()
    np.random.seed(0)
    assert np.array_equal(ref.TwoLayerNet(5, 4, 3, 0.5).params["W1"], net.params["W1"])  # global seed controls it

    r = rng(9)
    X, y = r.standard_normal((4, 5)), r.integers(0, 3, 4)
    scores = net.loss(X)
    p = net.params
    check_close("scores", scores, np.maximum(X @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"], TIGHT)
    loss, grads = net.loss(X, y)
    net_without_reg = copy.deepcopy(net)
    net_without_reg.reg = 0.0
    penalty = 0.5 * 0.3 * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))
    assert loss - net_without_reg.loss(X, y)[0] == pytest.approx(penalty, rel=1e-10)
    for name in p:
        numerical = numerical_gradient(lambda _: net.loss(X, y)[0], p[name])
        check_gradient(name, grads[name], numerical, LOOSE)


def test_two_layer_net_initial_loss_is_log_c():
    np.random.seed(1)
    net = ref.TwoLayerNet(input_dim=20, hidden_dim=10, num_classes=10, weight_scale=1e-3)
    r = rng(10)
    loss, _ = net.loss(r.standard_normal((30, 20)), r.integers(0, 10, 30))
    assert loss == pytest.approx(np.log(10), abs=1e-3)


# ---------------------------------------------------------------- 05 batchnorm

def _bn_inputs(seed=11, n=6, d=4):
    r = rng(seed)
    return (3.0 * r.standard_normal((n, d)) + 2.0, r.standard_normal(d),
            r.standard_normal(d), r.standard_normal((n, d)))


@pytest.mark.parametrize("backward", [ref.batchnorm_backward, ref.batchnorm_backward_alt])
def test_batchnorm_train_gradients(backward):
    x, gamma, beta, dout = _bn_inputs()
    _, cache = ref.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = backward(dout, cache)

    def forward(x_, gamma_, beta_):
        return ref.batchnorm_forward(x_, gamma_, beta_, {"mode": "train"})[0]
    check_gradient("dx", dx, layer_grad(lambda z: forward(z, gamma, beta), x, dout), LOOSE)
    check_gradient("dgamma", dgamma, layer_grad(lambda z: forward(x, z, beta), gamma, dout), LOOSE)
    check_gradient("dbeta", dbeta, layer_grad(lambda z: forward(x, gamma, z), beta, dout), LOOSE)


def test_batchnorm_gradient_check_catches_ignoring_batch_statistics():
    x, gamma, beta, dout = _bn_inputs()
    _, cache = ref.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    wrong_dx = dout * gamma / cache["std"]  # treats mean and variance as constants
    numerical = layer_grad(lambda z: ref.batchnorm_forward(z, gamma, beta, {"mode": "train"})[0], x, dout)
    with pytest.raises(AssertionError):
        check_gradient("dx", wrong_dx, numerical, LOOSE)


@pytest.mark.parametrize("backward", [ref.batchnorm_backward, ref.batchnorm_backward_alt])
def test_batchnorm_test_mode_gradient(backward):
    x, gamma, beta, dout = _bn_inputs(12)
    bn_param = {"mode": "test", "running_mean": rng(1).standard_normal(4),
                "running_var": rng(2).random(4) + 0.5}
    _, cache = ref.batchnorm_forward(x, gamma, beta, dict(bn_param))
    dx, _, _ = backward(dout, cache)
    numerical = layer_grad(lambda z: ref.batchnorm_forward(z, gamma, beta, dict(bn_param))[0], x, dout)
    check_gradient("dx", dx, numerical, LOOSE)


def _check_bn_uncorrected_variance(batchnorm_forward):
    x, gamma, beta, _ = _bn_inputs(13, n=4)
    bn_param = {"mode": "train"}
    out, _ = batchnorm_forward(x, np.ones(4), np.zeros(4), bn_param)
    centered = x - x.mean(axis=0)
    variance = (centered ** 2).sum(axis=0) / 4  # divide by N
    check_close("out", out, centered / np.sqrt(variance + 1e-5), TIGHT)
    check_close("running_mean", bn_param["running_mean"], 0.1 * x.mean(axis=0), TIGHT)
    check_close("running_var", bn_param["running_var"], 0.1 * variance, TIGHT)


def _check_bn_test_mode_after_training(batchnorm_forward):
    gamma, beta = rng(14).standard_normal(3), rng(15).standard_normal(3)
    bn_param = {"mode": "train", "momentum": 0.8}
    mean, var = np.zeros(3), np.zeros(3)
    r = rng(16)
    for _ in range(5):
        batch = r.standard_normal((8, 3)) * [1.0, 2.0, 0.5] + [0.0, 1.0, -3.0]
        batchnorm_forward(batch, gamma, beta, bn_param)
        mean = 0.8 * mean + 0.2 * batch.mean(axis=0)
        var = 0.8 * var + 0.2 * ((batch - batch.mean(axis=0)) ** 2).mean(axis=0)
    bn_param["mode"] = "test"
    x = r.standard_normal((1, 3))  # N = 1 must work in test mode
    out, _ = batchnorm_forward(x, gamma, beta, bn_param)
    assert np.all(np.isfinite(out))
    check_close("test-mode out", out, (x - mean) / np.sqrt(var + 1e-5) * gamma + beta, TIGHT)


def test_batchnorm_uncorrected_variance_and_running_stats():
    _check_bn_uncorrected_variance(ref.batchnorm_forward)


def test_batchnorm_test_mode_uses_running_statistics():
    _check_bn_test_mode_after_training(ref.batchnorm_forward)


def _wrong_bn(ddof=0, swap_momentum=False):
    def forward(x, gamma, beta, bn_param):
        m = bn_param.get("momentum", 0.9)
        if swap_momentum:
            m = 1 - m
        if bn_param["mode"] == "test":
            mu, var = bn_param["running_mean"], bn_param["running_var"]
        else:
            mu, var = x.mean(axis=0), x.var(axis=0, ddof=ddof)
            bn_param["running_mean"] = m * bn_param.get("running_mean", 0) + (1 - m) * mu
            bn_param["running_var"] = m * bn_param.get("running_var", 0) + (1 - m) * var
        return gamma * (x - mu) / np.sqrt(var + 1e-5) + beta, None
    return forward


def test_batchnorm_checks_catch_wrong_variants():
    with pytest.raises(AssertionError):
        _check_bn_uncorrected_variance(_wrong_bn(ddof=1))
    with pytest.raises(AssertionError):
        _check_bn_test_mode_after_training(_wrong_bn(swap_momentum=True))


def test_batchnorm_defaults_and_single_example():
    x = rng(17).standard_normal((1, 3)).astype(np.float32)
    bn_param = {"mode": "test"}
    out, _ = ref.batchnorm_forward(x, np.ones(3, np.float32), np.zeros(3, np.float32), bn_param)
    assert np.all(np.isfinite(out))
    bn_param = {"mode": "train"}
    out, _ = ref.batchnorm_forward(x, np.ones(3, np.float32), np.zeros(3, np.float32), bn_param)
    assert np.all(np.isfinite(out))
    assert bn_param["running_mean"].shape == (3,) and bn_param["running_mean"].dtype == np.float32
    assert bn_param["running_var"].dtype == np.float32


# ---------------------------------------------------------------- 06 dropout

def _check_dropout_statistics(dropout_forward):
    x = np.ones((200, 500)) * 2.0
    for p in (0.25, 0.6):
        out, _ = dropout_forward(x, {"mode": "train", "p": p, "seed": 3})
        assert abs(np.mean(out == 0) - p) < 0.01, "fraction of dropped units must be p"
        assert abs(out.mean() - 2.0) < 0.02, "inverted dropout keeps the mean"
        assert set(np.unique(out)) <= {0.0, 2.0 / (1 - p)}
    out, _ = dropout_forward(x, {"mode": "test", "p": 0.6})
    assert np.array_equal(out, x)


def test_dropout_statistics():
    _check_dropout_statistics(ref.dropout_forward)


def test_dropout_statistics_catch_keep_probability_convention():
    def keep_prob_dropout(x, dropout_param):
        p = dropout_param["p"]
        if dropout_param["mode"] == "test":
            return x, None
        mask = (np.random.default_rng(dropout_param.get("seed")).random(x.shape) < p) / p
        return x * mask, mask
    with pytest.raises(AssertionError):
        _check_dropout_statistics(keep_prob_dropout)


def test_dropout_seed_determinism_p_zero_and_gradient():
    x = rng(18).standard_normal((6, 5))
    dout = rng(19).standard_normal((6, 5))
    param = {"mode": "train", "p": 0.4, "seed": 7}
    out1, cache = ref.dropout_forward(x, param)
    out2, _ = ref.dropout_forward(x, param)
    assert np.array_equal(out1, out2)
    assert np.array_equal(ref.dropout_forward(x, {"mode": "train", "p": 0.0})[0], x)
    check_gradient("dx", ref.dropout_backward(dout, cache),
                   layer_grad(lambda z: ref.dropout_forward(z, param)[0], x, dout), TIGHT)
    out, cache = ref.dropout_forward(x, {"mode": "test", "p": 0.4})
    assert np.array_equal(ref.dropout_backward(dout, cache), dout)


def test_dropout_without_seed_uses_global_state():
    x = np.ones((4, 50))
    np.random.seed(5)
    a, _ = ref.dropout_forward(x, {"mode": "train", "p": 0.5})
    np.random.seed(5)
    b, _ = ref.dropout_forward(x, {"mode": "train", "p": 0.5})
    assert np.array_equal(a, b)


# ---------------------------------------------------------------- 06 FullyConnectedNet

def test_fully_connected_net_param_names_shapes_and_init():
    net = ref.FullyConnectedNet([5, 4], input_dim=6, num_classes=3, normalization="batchnorm",
                                dropout=0.5, seed=3, dtype=np.float32)
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {"W1": (6, 5), "b1": (5,), "gamma1": (5,), "beta1": (5,),
                      "W2": (5, 4), "b2": (4,), "gamma2": (4,), "beta2": (4,),
                      "W3": (4, 3), "b3": (3,)}
    assert all(v.dtype == np.float32 for v in net.params.values())
    for i in (1, 2):
        assert np.array_equal(net.params[f"gamma{i}"], np.ones(net.params[f"gamma{i}"].shape))
        assert not net.params[f"beta{i}"].any()
    assert not any(net.params[f"b{i}"].any() for i in (1, 2, 3))
    assert net.dropout_param["p"] == 0.5 and net.dropout_param["seed"] == 3
    assert len(net.bn_params) == 2
    plain = ref.FullyConnectedNet([5], input_dim=6, num_classes=3)
    assert set(plain.params) == {"W1", "b1", "W2", "b2"}

    wide = ref.FullyConnectedNet([300], input_dim=200, weight_scale=0.05, seed=0)
    assert wide.params["W1"].std() == pytest.approx(0.05, rel=0.02)
    assert abs(wide.params["W1"].mean()) < 1e-3


def test_fully_connected_net_seeding():
    a = ref.FullyConnectedNet([4], input_dim=3, num_classes=2, seed=1)
    b = ref.FullyConnectedNet([4], input_dim=3, num_classes=2, seed=1)
    assert np.array_equal(a.params["W1"], b.params["W1"])
    np.random.seed(2)
    c = ref.FullyConnectedNet([4], input_dim=3, num_classes=2)
    np.random.seed(2)
    d = ref.FullyConnectedNet([4], input_dim=3, num_classes=2)
    assert np.array_equal(c.params["W2"], d.params["W2"])


@pytest.mark.parametrize("normalization", [None, "batchnorm"])
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_fully_connected_net_gradients(normalization, dropout):
    r = rng(20)
    X, y = r.standard_normal((5, 6)), r.integers(0, 3, 5)
    net = ref.FullyConnectedNet([4, 5], input_dim=6, num_classes=3, dropout=dropout,
                                normalization=normalization, reg=0.2, weight_scale=0.5, seed=4)
    loss, grads = net.loss(X, y)
    assert set(grads) == set(net.params)
    for name, value in net.params.items():
        numerical = numerical_gradient(lambda _: net.loss(X, y)[0], value)
        if normalization and name in ("b1", "b2"):
            # A bias followed by batchnorm is subtracted again with the batch
            # mean: its gradient is exactly zero, and the central difference is
            # pure round-off, so a relative error is meaningless here.
            assert np.abs(grads[name]).max() < 1e-10 and np.abs(numerical).max() < 1e-8
            continue
        check_gradient(name, grads[name], numerical, LOOSE)


def test_fully_connected_net_regularises_weights_only():
    r = rng(21)
    X, y = r.standard_normal((4, 6)), r.integers(0, 3, 4)
    net = ref.FullyConnectedNet([5], input_dim=6, num_classes=3, normalization="batchnorm",
                                reg=0.7, seed=5)
    for name, value in net.params.items():  # non-zero b, gamma, beta: a penalty on them would show
        net.params[name] = value + 0.3
    loss, grads = net.loss(X, y)
    no_reg = copy.deepcopy(net)
    no_reg.reg = 0.0
    loss0, grads0 = no_reg.loss(X, y)
    penalty = 0.5 * 0.7 * (np.sum(net.params["W1"] ** 2) + np.sum(net.params["W2"] ** 2))
    assert loss - loss0 == pytest.approx(penalty, rel=1e-10)
    for name in ("b1", "b2", "gamma1", "beta1"):
        assert np.allclose(grads[name], grads0[name], rtol=0, atol=1e-14)
    check_close("dW1 penalty", grads["W1"] - grads0["W1"], 0.7 * net.params["W1"], TIGHT)


def test_fully_connected_net_test_mode_scores():
    r = rng(22)
    X = r.standard_normal((3, 2, 2))  # multi-dimensional input is flattened
    net = ref.FullyConnectedNet([5], input_dim=4, num_classes=3, dropout=0.5, seed=6)
    scores = net.loss(X)
    p = net.params
    expected = np.maximum(X.reshape(3, 4) @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]
    check_close("scores", scores, expected, TIGHT)  # no dropout at test time
    assert net.dropout_param["mode"] == "test"


# ---------------------------------------------------------------- 07 update rules

def test_sgd_step_and_default():
    w, dw = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    next_w, config = ref.sgd(w, dw)
    assert config["learning_rate"] == 1e-2
    check_close("next_w", next_w, [1.0 - 0.005, -2.0 - 0.03], TIGHT)


def test_sgd_momentum_two_steps():
    w0, g1, g2 = np.array([1.0, -2.0]), np.array([0.5, 3.0]), np.array([-1.0, 0.25])
    lr, mu = 0.1, 0.9
    w1, config = ref.sgd_momentum(w0, g1, {"learning_rate": lr})
    assert config["momentum"] == 0.9
    check_close("w after one step", w1, w0 - lr * g1, TIGHT)
    w2, config = ref.sgd_momentum(w1, g2, config)
    check_close("velocity", config["velocity"], -mu * lr * g1 - lr * g2, TIGHT)
    check_close("w after two steps", w2, w0 - lr * g1 - mu * lr * g1 - lr * g2, TIGHT)


def test_rmsprop_two_steps():
    w0, g1, g2 = np.array([1.0, -2.0]), np.array([0.5, 3.0]), np.array([-1.0, 0.25])
    w1, config = ref.rmsprop(w0, g1)
    assert (config["learning_rate"], config["decay_rate"], config["epsilon"]) == (1e-2, 0.99, 1e-8)
    # From a zero cache: cache = 0.01 g^2, so the step is lr * g / (0.1 |g| + eps).
    check_close("w after one step", w1, w0 - 1e-2 * g1 / (0.1 * np.abs(g1) + 1e-8), TIGHT)
    w2, config = ref.rmsprop(w1, g2, config)
    cache2 = 0.99 * 0.01 * g1 ** 2 + 0.01 * g2 ** 2
    check_close("cache", config["cache"], cache2, TIGHT)
    check_close("w after two steps", w2, w1 - 1e-2 * g2 / (np.sqrt(cache2) + 1e-8), TIGHT)


def _check_adam_two_steps(adam):
    w0, g1, g2 = np.array([1.0, -2.0]), np.array([0.5, 3.0]), np.array([-1.0, 0.25])
    w1, config = adam(w0, g1)
    assert (config["learning_rate"], config["beta1"], config["beta2"]) == (1e-3, 0.9, 0.999)
    assert config["t"] == 1
    # With bias correction the first step is lr * g / (|g| + eps): almost lr * sign(g).
    check_close("w after one step", w1, w0 - 1e-3 * g1 / (np.abs(g1) + 1e-8), TIGHT)
    w2, config = adam(w1, g2, config)
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    v = 0.999 * 0.001 * g1 ** 2 + 0.001 * g2 ** 2
    m_hat, v_hat = m / (1 - 0.9 ** 2), v / (1 - 0.999 ** 2)
    assert config["t"] == 2
    check_close("w after two steps", w2, w1 - 1e-3 * m_hat / (np.sqrt(v_hat) + 1e-8), TIGHT)


def test_adam_two_steps():
    _check_adam_two_steps(ref.adam)


def test_adam_check_catches_missing_bias_correction_and_late_t():
    def adam_without_correction(w, dw, config=None):
        config = dict(config or {})
        for key, value in dict(learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8, t=0).items():
            config.setdefault(key, value)
        m = 0.9 * config.get("m", 0) + 0.1 * dw
        v = 0.999 * config.get("v", 0) + 0.001 * dw ** 2
        config.update(m=m, v=v, t=config["t"] + 1)
        return w - 1e-3 * m / (np.sqrt(v) + 1e-8), config

    def adam_t_after_use(w, dw, config=None):
        config = dict(config or {})
        config.setdefault("t", 0)
        t = config["t"] if config["t"] else 1  # uses t before incrementing (0 -> treated as 1 once)
        m = 0.9 * config.get("m", 0) + 0.1 * dw
        v = 0.999 * config.get("v", 0) + 0.001 * dw ** 2
        config.update(m=m, v=v, t=config["t"] + 1, learning_rate=1e-3, beta1=0.9, beta2=0.999)
        return w - 1e-3 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8), config

    for wrong in (adam_without_correction, adam_t_after_use):
        with pytest.raises(AssertionError):
            _check_adam_two_steps(wrong)


# ---------------------------------------------------------------- no input is modified

def _mutation_cases():
    r = rng(23)
    x4, w, b = r.standard_normal((2, 3, 2, 2)), r.standard_normal((12, 5)), r.standard_normal(5)
    dout = r.standard_normal((2, 5))
    _, affine_cache = ref.affine_forward(x4, w, b)
    x = r.standard_normal((4, 5))
    _, relu_cache = ref.relu_forward(x)
    _, sigmoid_cache = ref.sigmoid_forward(x)
    y = r.integers(0, 5, 4)
    gamma, beta = r.standard_normal(5), r.standard_normal(5)
    _, bn_cache = ref.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    _, drop_cache = ref.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 1})
    dw = r.standard_normal((12, 5))
    state = {"learning_rate": 0.1, "velocity": np.ones((12, 5)), "cache": np.ones((12, 5)),
             "m": np.ones((12, 5)), "v": np.ones((12, 5)), "t": 3}
    return [
        (ref.affine_forward, (x4, w, b)),
        (ref.affine_backward, (dout, affine_cache)),
        (ref.relu_forward, (x,)),
        (ref.relu_backward, (x, relu_cache)),
        (ref.sigmoid_forward, (x,)),
        (ref.sigmoid_backward, (x, sigmoid_cache)),
        (ref.softmax_loss, (x, y)),
        (lambda x_, g_, b_: ref.batchnorm_forward(x_, g_, b_, {"mode": "train"}), (x, gamma, beta)),
        (ref.batchnorm_backward, (x, bn_cache)),
        (ref.batchnorm_backward_alt, (x, bn_cache)),
        (ref.dropout_forward, (x, {"mode": "train", "p": 0.5})),
        (ref.dropout_forward, (x, {"mode": "test", "p": 0.5})),
        (ref.dropout_backward, (x, drop_cache)),
        (ref.sgd, (w, dw, state)),
        (ref.sgd_momentum, (w, dw, state)),
        (ref.rmsprop, (w, dw, state)),
        (ref.adam, (w, dw, state)),
    ]


def call_unmodified(name: str, fn, *args, **kwargs):
    """Call ``fn`` and assert it did not modify any array passed in (nested in lists, tuples and dicts)."""
    before = copy.deepcopy((args, kwargs))
    result = fn(*args, **kwargs)
    for old, new in zip(_leaves(before), _leaves((args, kwargs))):
        if isinstance(old, np.ndarray) and not np.array_equal(old, new, equal_nan=True):
            raise AssertionError(f"{name} modified an input array in place; work on a copy.")
    return result


def _leaves(obj):
    if isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _leaves(item)
    elif isinstance(obj, dict):
        for key in sorted(obj, key=str):
            yield from _leaves(obj[key])
    else:
        yield obj


@pytest.mark.parametrize("case", range(len(_mutation_cases())))
def test_no_input_is_modified(case):
    fn, args = _mutation_cases()[case]
    call_unmodified(getattr(fn, '__name__', 'fn'), fn, *args)


def test_update_rules_leave_callers_config_alone():
    w, dw = np.ones(3), np.ones(3)
    config = {"learning_rate": 0.1}
    for rule in (ref.sgd, ref.sgd_momentum, ref.rmsprop, ref.adam):
        _, returned = rule(w, dw, config)
        assert config == {"learning_rate": 0.1} and returned is not config


def test_nets_do_not_modify_inputs_or_params():
    r = rng(24)
    X, y = r.standard_normal((4, 6)), r.integers(0, 3, 4)
    for net in (ref.TwoLayerNet(6, 5, 3, weight_scale=0.1),
                ref.FullyConnectedNet([5], input_dim=6, num_classes=3, normalization="batchnorm",
                                      dropout=0.2, seed=0)):
        params = copy.deepcopy(net.params)
        call_unmodified("loss", net.loss, X, y)
        assert all(np.array_equal(params[k], net.params[k]) for k in params)


def test_mutation_check_catches_in_place_relu():
    def in_place_relu(x):
        x[x < 0] = 0
        return x, x
    with pytest.raises(AssertionError):
        call_unmodified("in_place_relu", in_place_relu, rng(25).standard_normal((3, 3)))


def test_all_course_names_are_exported():
    names = ["numerical_derivative", "chain_forward", "chain_backward", "MulLayer", "AddLayer",
             "affine_forward", "affine_backward", "relu_forward", "relu_backward", "sigmoid_forward",
             "sigmoid_backward", "softmax_loss", "TwoLayerNet", "batchnorm_forward", "batchnorm_backward",
             "batchnorm_backward_alt", "dropout_forward", "dropout_backward", "FullyConnectedNet",
             "sgd", "sgd_momentum", "rmsprop", "adam"]
    for name in names:
        assert callable(getattr(ref, name)), name
