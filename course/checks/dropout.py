"""Visible checks for 06_dropout: inverted dropout and FullyConnectedNet.

Dropout is random, so its forward pass is checked through statistics of a
large input (the fraction of zeros, the mean) and exact properties (test mode
is the identity, a seed fixes the mask, survivors are x / (1 - p)). The
network is checked against the course API and numerical gradients.
"""
from __future__ import annotations

import numpy as np

from course.checks.common import call_student, unpack, visible_check
from course.gradcheck import (check_close, check_gradient, check_shape, explained,
                              numerical_gradient, numerical_gradient_array)
from course.i18n import N_, _

# Hints for the frequent mistakes; tests/ prove each one is reported.
HINT_NO_SCALE = N_("scale the kept units by 1 / (1 - p) in training (inverted dropout), "
                   "so that the expected output equals the input")
HINT_KEEP_PROB = N_("p is the probability of DROPPING a unit: keep a unit when its random number "
                    "is >= p, which happens with probability 1 - p")
HINT_TEST_SCALE = N_("in test mode return x unchanged: inverted dropout already scaled during training, "
                     "so nothing is scaled at test time")
HINT_SEED = N_("with a seed, draw the mask from np.random.default_rng(seed), so that every call "
               "with that seed drops the same units")
HINT_BACKWARD_MASK = N_("multiply dout by the same mask the forward pass applied, "
                        "the factor 1 / (1 - p) included")
HINT_REG_GRAD = N_("add reg * W to the gradient of every weight matrix (the derivative of 0.5 * reg * sum(W**2))")
HINT_REG_LOSS = N_("the penalty is 0.5 * reg * sum(W**2) over the weight matrices W1, W2, ... only "
                   "(no biases, gammas or betas)")
HINT_BN_PARAMS = N_("every batchnorm layer needs its own bn_param dict, e.g. "
                    "[{'mode': 'train'} for _ in range(L - 1)]; [{...}] * (L - 1) repeats ONE dict")
HINT_LAYERNORM_NET = N_("with normalization='layernorm' call layernorm_forward and layernorm_backward, no bn_param: "
                        "each image is normalised over its own features, so its scores never depend on the batch")
HINT_TEST_MODE_NET = N_("loss(X) without y runs in test mode: set mode 'test' in self.dropout_param and in "
                        "every bn_param before the forward pass")


def mean_ratio_tolerance(p: float, size: int) -> float:
    """Five standard deviations of mean(out) / mean(x) for a correct inverted dropout.

    Each unit is multiplied by mask / (1 - p), of variance p / (1 - p); a bound
    any tighter fails some correct random generators, any looser than the
    mistakes (a ratio of 1 - p, or 1 / (1 - p)) it is meant to catch is useless.
    """
    return 5.0 * float(np.sqrt(p / (1 - p) / size))


def _dropout(dropout_forward, x, param):
    out, cache = unpack("dropout_forward", call_student("dropout_forward", dropout_forward, x, dict(param)), 2,
                        "(out, cache)")
    out = np.asarray(out)
    check_shape(_("dropout_forward's out"), out, x.shape)
    return out, cache


@visible_check
def check_dropout_forward(dropout_forward) -> None:
    """Fraction of zeros, preserved mean, survivors x / (1 - p), test mode, seeds."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 500)) + 10.0  # positive: a zero in out means a dropped unit
    for p in (0.25, 0.7):  # never 0.5: p and 1 - p must be told apart
        test, _cache = _dropout(dropout_forward, x, {"mode": "test", "p": p})
        check_close(_("dropout_forward in test mode (p = {p}; it must return x unchanged)").format(p=p), test, x, 0,
                    suspects=[(x * (1 - p), HINT_TEST_SCALE)])

        out, _cache = _dropout(dropout_forward, x, {"mode": "train", "p": p, "seed": 1})
        dropped = float(np.mean(out == 0))
        if abs(dropped - p) > 0.01:
            hint = _(HINT_KEEP_PROB) if abs(dropped - (1 - p)) < 0.01 else _(
                "drop each unit with probability p = {p}.").format(p=p)
            raise explained(_("with p = {p} dropout_forward zeroed {dropped:.3f} of the units, "
                              "expected about {p}.").format(p=p, dropped=dropped), hint)
        ratio = float(out.mean() / x.mean())
        if abs(ratio - 1.0) > mean_ratio_tolerance(p, x.size):
            hint = _(HINT_NO_SCALE) if abs(ratio - (1 - p)) < 0.01 else _(HINT_NO_SCALE) + _(
                "; the mean is off by {ratio:.3f}x").format(ratio=ratio)
            raise explained(_("with p = {p} the mean of the output should stay the mean of the input in "
                              "expectation; mean(out) / mean(x) = {ratio:.3f}.").format(p=p, ratio=ratio), hint)
        kept = out != 0
        check_close(_("the units dropout_forward kept (p = {p})").format(p=p), out[kept], x[kept] / (1 - p), 1e-12,
                    hints={"scaled": HINT_NO_SCALE})

        again, _cache = _dropout(dropout_forward, x, {"mode": "train", "p": p, "seed": 1})
        if not np.array_equal(again, out):
            raise explained(_("two calls with the same seed dropped different units."), HINT_SEED)
        other, _cache = _dropout(dropout_forward, x, {"mode": "train", "p": p, "seed": 2})
        if np.array_equal(other, out):
            raise explained(_("seeds 1 and 2 dropped the same units."), HINT_SEED)

    out, _cache = _dropout(dropout_forward, x[:3], {"mode": "train", "p": 0.0})
    check_close(_("dropout_forward with p = 0 (nothing dropped)"), out, x[:3], 1e-12)


@visible_check
def check_dropout_backward(dropout_backward, dropout_forward) -> None:
    """dx against the numerical gradient of your seeded dropout_forward; identity in test mode."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 10)) + 5.0
    dout = rng.standard_normal((8, 10))
    for p in (0.3, 0.6):
        param = {"mode": "train", "p": p, "seed": 4}
        out, cache = unpack("dropout_forward", dropout_forward(x, dict(param)), 2, "(out, cache)")
        dx = call_student("dropout_backward", dropout_backward, dout, cache)
        check_shape(_("dropout_backward's dx"), dx, x.shape)
        dx_num = numerical_gradient_array(lambda z: dropout_forward(z, dict(param))[0], x.copy(), dout)
        unscaled = dout * (np.asarray(out) != 0)  # x > 0: the zeros of out are the dropped units
        check_gradient(_("dropout_backward's dx (p = {p})").format(p=p), dx, dx_num, 1e-7,
                       suspects=[(unscaled, HINT_BACKWARD_MASK)])
    _out, cache = unpack("dropout_forward", dropout_forward(x, {"mode": "test", "p": 0.3}), 2, "(out, cache)")
    check_close(_("dropout_backward in test mode (the identity)"), call_student("dropout_backward", dropout_backward,
                                                                             dout, cache), dout, 1e-12)


def _expected_shapes(input_dim, hidden_dims, num_classes, normalized):
    dims = [input_dim, *hidden_dims, num_classes]
    shapes = {}
    for i in range(1, len(dims)):
        shapes[f"W{i}"], shapes[f"b{i}"] = (dims[i - 1], dims[i]), (dims[i],)
        if normalized and i < len(dims) - 1:
            shapes[f"gamma{i}"], shapes[f"beta{i}"] = (dims[i],), (dims[i],)
    return shapes


def _same_params(a, b):
    return set(a.params) == set(b.params) and all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


@visible_check
def check_FullyConnectedNet_api(FullyConnectedNet) -> None:
    """Parameter names, shapes and initial values, bn_params, dropout_param, scores in test mode."""
    for normalization in (None, "batchnorm", "layernorm"):
        model = FullyConnectedNet([6, 5], input_dim=8, num_classes=3, dropout=0.3,
                                  normalization=normalization, weight_scale=0.1, seed=0)
        expected = _expected_shapes(8, [6, 5], 3, normalization is not None)
        if set(model.params) != set(expected):
            raise AssertionError(_("with normalization={normalization!r} the parameters should be named "
                                   "{expected}, yours are {yours}.").format(
                normalization=normalization, expected=sorted(expected), yours=sorted(model.params)))
        for name, shape in expected.items():
            check_shape(f"params[{name!r}]", model.params[name], shape)
            value = model.params[name]
            if name.startswith("gamma") and not np.all(value == 1):
                raise AssertionError(_("{name} should start at ones (no rescaling before training).").format(name=name))
            if name[0] == "b" and not np.all(value == 0):  # biases and betas
                raise AssertionError(_("{name} should start at zeros.").format(name=name))
        if model.dropout_param.get("p") != 0.3:
            raise AssertionError(_("self.dropout_param['p'] should be the dropout argument, 0.3."))
        if normalization == "batchnorm":
            if len(model.bn_params) != 2:
                raise AssertionError(_("with 2 hidden layers self.bn_params should hold 2 dicts, "
                                       "yours holds {count}.").format(count=len(model.bn_params)))
            if model.bn_params[0] is model.bn_params[1]:
                raise explained(_("self.bn_params holds the same dict twice."), HINT_BN_PARAMS)

    big = FullyConnectedNet([200], input_dim=300, num_classes=10, weight_scale=0.05, seed=1)
    std = float(big.params["W1"].std())
    if abs(std / 0.05 - 1) > 0.05 or abs(float(big.params["W1"].mean())) > 0.005:
        raise AssertionError(_("W1 should hold weight_scale * N(0, 1) draws: with weight_scale 0.05 its standard "
                               "deviation is {std:.4f}.").format(std=std))
    if not _same_params(big, FullyConnectedNet([200], input_dim=300, num_classes=10, weight_scale=0.05, seed=1)):
        raise AssertionError(_("two nets built with the same seed have different parameters: draw the weights "
                               "from np.random.default_rng(seed) when a seed is given."))
    small = FullyConnectedNet([4], input_dim=5, num_classes=3, dtype=np.float32, seed=0)
    wrong = [k for k, v in small.params.items() if v.dtype != np.float32]
    if wrong:
        raise AssertionError(_("with dtype=np.float32 these parameters are not float32: {wrong}.").format(wrong=wrong))

    # loss(X) without y: scores, computed in test mode.
    rng = np.random.default_rng(2)
    X = rng.standard_normal((5, 8))
    y = rng.integers(0, 3, 5)
    plain = FullyConnectedNet([6, 5], input_dim=8, num_classes=3, weight_scale=0.3, seed=5)
    dropped = FullyConnectedNet([6, 5], input_dim=8, num_classes=3, weight_scale=0.3, seed=5, dropout=0.5)
    scores = plain.loss(X)
    check_shape(_("loss(X) (the scores)"), scores, (5, 3))
    dropped.loss(X, y)  # a training step first: the mode must be switched back
    try:
        check_close(_("loss(X) of a net with dropout (test mode: dropout is the identity)"), dropped.loss(X),
                    scores, 1e-10)
    except AssertionError as err:
        raise explained(err, HINT_TEST_MODE_NET) from None

    bn = FullyConnectedNet([6, 5], input_dim=8, num_classes=3, weight_scale=0.3, seed=5,
                           normalization="batchnorm")
    bn.loss(X, y)
    if any(p.get("mode") != "train" for p in bn.bn_params):
        raise explained(_("after loss(X, y) every bn_param should be in mode 'train'."), HINT_TEST_MODE_NET)
    full = bn.loss(X)
    try:
        check_close(_("with batchnorm, test-mode scores of the first image alone"), bn.loss(X[:1]), full[:1], 1e-10)
    except AssertionError as err:
        raise explained(f"{err}\n  " + _("In test mode an image's scores must not depend on the rest of the batch."),
                        HINT_TEST_MODE_NET) from None
    ln = FullyConnectedNet([6, 5], input_dim=8, num_classes=3, weight_scale=0.3, seed=5,
                           normalization="layernorm")
    try:
        check_close(_("with layernorm, scores of the first image alone"), ln.loss(X[:1]), ln.loss(X)[:1], 1e-10)
    except AssertionError as err:
        raise explained(err, HINT_LAYERNORM_NET) from None

    result = plain.loss(X, y)
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(_("loss(X, y) should return the tuple (loss, grads)."))
    loss, grads = result
    if set(grads) != set(plain.params):
        raise AssertionError(_("grads should have the keys of params {expected}, yours has {yours}.").format(
            expected=sorted(plain.params), yours=sorted(grads)))
    for name in plain.params:
        check_shape(f"grads[{name!r}]", grads[name], plain.params[name].shape)


# (normalization, dropout, reg): every combination the net must differentiate correctly.
GRADIENT_CASES = [(None, 0.0, 0.0), (None, 0.0, 0.7), ("batchnorm", 0.0, 0.0),
                  (None, 0.25, 0.0), ("batchnorm", 0.25, 0.3), ("layernorm", 0.25, 0.3)]


def _check_net_gradient(name, analytic, numeric, threshold, suspects=()):
    """check_gradient, except for gradients that are zero in exact arithmetic (the biases
    before a batchnorm layer): there only an absolute bound makes sense."""
    if np.max(np.abs(numeric)) < 1e-8:
        worst = float(np.max(np.abs(np.asarray(analytic, dtype=float))))
        if worst > 1e-8:
            raise AssertionError(_("{name} should be zero (the numerical gradient is), yours has an entry "
                                   "{worst:.3e}.").format(name=name, worst=worst))
        return
    check_gradient(name, analytic, numeric, threshold, suspects=suspects)


@visible_check
def check_FullyConnectedNet_gradients(FullyConnectedNet) -> None:
    """Initial loss, the L2 penalty and numerical gradients of the whole net."""
    rng = np.random.default_rng(7)
    N, D, C, hidden = 6, 10, 4, [8, 6]
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)

    tiny = FullyConnectedNet(hidden, input_dim=D, num_classes=C, weight_scale=1e-4, seed=0)
    loss, _cache = tiny.loss(X, y)
    if abs(loss - np.log(C)) > 0.01:
        raise AssertionError(_("with tiny weights every class is equally likely, so the loss should be "
                               "log({C}) = {expected:.4f}; yours is {loss:.4f}.").format(C=C, expected=np.log(C),
                                                                                         loss=loss))

    without = FullyConnectedNet(hidden, input_dim=D, num_classes=C, weight_scale=0.5, seed=0)
    with_reg = FullyConnectedNet(hidden, input_dim=D, num_classes=C, weight_scale=0.5, seed=0, reg=0.4)
    penalty = 0.5 * 0.4 * sum(np.sum(with_reg.params[f"W{i}"] ** 2) for i in (1, 2, 3))
    check_close(_("loss(reg = 0.4) - loss(reg = 0)"), with_reg.loss(X, y)[0] - without.loss(X, y)[0], penalty, 1e-8,
                suspects=[(2 * penalty, HINT_REG_LOSS)])

    for normalization, dropout, reg in GRADIENT_CASES:
        model = FullyConnectedNet(hidden, input_dim=D, num_classes=C, dropout=dropout, normalization=normalization,
                                  reg=reg, weight_scale=0.5, seed=1)
        # Nonzero biases: a unit whose inputs were all dropped would otherwise sit exactly on ReLU's kink.
        for name, value in model.params.items():
            if not name.startswith("W"):
                value += rng.uniform(-0.3, 0.3, value.shape)
        _out, grads = model.loss(X, y)
        label = f"normalization={normalization!r}, dropout={dropout}, reg={reg}"
        for name in sorted(model.params):
            numeric = numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name])
            without_reg = [(numeric - reg * model.params[name], HINT_REG_GRAD)] if name.startswith("W") and reg else []
            _check_net_gradient(f"grads[{name!r}] ({label})", grads[name], numeric, 1e-6, without_reg)


@visible_check
def check_FullyConnectedNet(FullyConnectedNet) -> None:
    """Both aspects: the API and the gradients."""
    check_FullyConnectedNet_api(FullyConnectedNet)
    check_FullyConnectedNet_gradients(FullyConnectedNet)
