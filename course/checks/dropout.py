"""Visible checks for 06_dropout: inverted dropout and FullyConnectedNet.

Dropout is random, so its forward pass is checked through statistics of a
large input (the fraction of zeros, the mean) and exact properties (test mode
is the identity, a seed fixes the mask, survivors are x / (1 - p)). The
network is checked against the course API and numerical gradients.
"""
from __future__ import annotations

import numpy as np

from course.checks.common import call_student, unpack, visible_check
from course.gradcheck import check_close, check_gradient, check_shape, numerical_gradient, numerical_gradient_array

# Hints for the frequent mistakes; tests/ prove each one is reported.
HINT_NO_SCALE = ("scale the kept units by 1 / (1 - p) in training (inverted dropout), "
                 "so that the expected output equals the input")
HINT_KEEP_PROB = ("p is the probability of DROPPING a unit: keep a unit when its random number "
                  "is >= p, which happens with probability 1 - p")
HINT_TEST_SCALE = ("in test mode return x unchanged: inverted dropout already scaled during training, "
                   "so nothing is scaled at test time")
HINT_SEED = ("with a seed, draw the mask from np.random.default_rng(seed), so that every call "
             "with that seed drops the same units")
HINT_BACKWARD_MASK = ("multiply dout by the same mask the forward pass applied, "
                      "the factor 1 / (1 - p) included")
HINT_REG_GRAD = "add reg * W to the gradient of every weight matrix (the derivative of 0.5 * reg * sum(W**2))"
HINT_REG_LOSS = ("the penalty is 0.5 * reg * sum(W**2) over the weight matrices W1, W2, ... only "
                 "(no biases, gammas or betas)")
HINT_BN_PARAMS = ("every batchnorm layer needs its own bn_param dict, e.g. "
                  "[{'mode': 'train'} for _ in range(L - 1)]; [{...}] * (L - 1) repeats ONE dict")
HINT_TEST_MODE_NET = ("loss(X) without y runs in test mode: set mode 'test' in self.dropout_param and in "
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
    check_shape("dropout_forward's out", out, x.shape)
    return out, cache


@visible_check
def check_dropout_forward(dropout_forward) -> None:
    """Fraction of zeros, preserved mean, survivors x / (1 - p), test mode, seeds."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 500)) + 10.0  # positive: a zero in out means a dropped unit
    for p in (0.25, 0.7):  # never 0.5: p and 1 - p must be told apart
        test, _ = _dropout(dropout_forward, x, {"mode": "test", "p": p})
        check_close(f"dropout_forward in test mode (p = {p}; it must return x unchanged)", test, x, 0,
                    suspects=[(x * (1 - p), HINT_TEST_SCALE)])

        out, _ = _dropout(dropout_forward, x, {"mode": "train", "p": p, "seed": 1})
        dropped = float(np.mean(out == 0))
        if abs(dropped - p) > 0.01:
            hint = HINT_KEEP_PROB if abs(dropped - (1 - p)) < 0.01 else f"drop each unit with probability p = {p}."
            raise AssertionError(f"with p = {p} dropout_forward zeroed {dropped:.3f} of the units, "
                                 f"expected about {p}.\n  Hint: {hint}")
        ratio = float(out.mean() / x.mean())
        if abs(ratio - 1.0) > mean_ratio_tolerance(p, x.size):
            hint = HINT_NO_SCALE if abs(ratio - (1 - p)) < 0.01 else f"{HINT_NO_SCALE}; the mean is off by {ratio:.3f}x"
            raise AssertionError(f"with p = {p} the mean of the output should stay the mean of the input in "
                                 f"expectation; mean(out) / mean(x) = {ratio:.3f}.\n  Hint: {hint}")
        kept = out != 0
        check_close(f"the units dropout_forward kept (p = {p})", out[kept], x[kept] / (1 - p), 1e-12,
                    hints={"scaled": HINT_NO_SCALE})

        again, _ = _dropout(dropout_forward, x, {"mode": "train", "p": p, "seed": 1})
        if not np.array_equal(again, out):
            raise AssertionError(f"two calls with the same seed dropped different units.\n  Hint: {HINT_SEED}")
        other, _ = _dropout(dropout_forward, x, {"mode": "train", "p": p, "seed": 2})
        if np.array_equal(other, out):
            raise AssertionError(f"seeds 1 and 2 dropped the same units.\n  Hint: {HINT_SEED}")

    out, _ = _dropout(dropout_forward, x[:3], {"mode": "train", "p": 0.0})
    check_close("dropout_forward with p = 0 (nothing dropped)", out, x[:3], 1e-12)


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
        check_shape("dropout_backward's dx", dx, x.shape)
        dx_num = numerical_gradient_array(lambda z: dropout_forward(z, dict(param))[0], x.copy(), dout)
        unscaled = dout * (np.asarray(out) != 0)  # x > 0: the zeros of out are the dropped units
        check_gradient(f"dropout_backward's dx (p = {p})", dx, dx_num, 1e-7, suspects=[(unscaled, HINT_BACKWARD_MASK)])
    _, cache = unpack("dropout_forward", dropout_forward(x, {"mode": "test", "p": 0.3}), 2, "(out, cache)")
    check_close("dropout_backward in test mode (the identity)", call_student("dropout_backward", dropout_backward,
                                                                             dout, cache), dout, 1e-12)


def _expected_shapes(input_dim, hidden_dims, num_classes, batchnorm):
    dims = [input_dim, *hidden_dims, num_classes]
    shapes = {}
    for i in range(1, len(dims)):
        shapes[f"W{i}"], shapes[f"b{i}"] = (dims[i - 1], dims[i]), (dims[i],)
        if batchnorm and i < len(dims) - 1:
            shapes[f"gamma{i}"], shapes[f"beta{i}"] = (dims[i],), (dims[i],)
    return shapes


def _same_params(a, b):
    return set(a.params) == set(b.params) and all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


@visible_check
def check_FullyConnectedNet_api(FullyConnectedNet) -> None:
    """Parameter names, shapes and initial values, bn_params, dropout_param, scores in test mode."""
    for normalization in (None, "batchnorm"):
        model = FullyConnectedNet([6, 5], input_dim=8, num_classes=3, dropout=0.3,
                                  normalization=normalization, weight_scale=0.1, seed=0)
        expected = _expected_shapes(8, [6, 5], 3, normalization == "batchnorm")
        if set(model.params) != set(expected):
            raise AssertionError(f"with normalization={normalization!r} the parameters should be named "
                                 f"{sorted(expected)}, yours are {sorted(model.params)}.")
        for name, shape in expected.items():
            check_shape(f"params[{name!r}]", model.params[name], shape)
            value = model.params[name]
            if name.startswith("gamma") and not np.all(value == 1):
                raise AssertionError(f"{name} should start at ones (no rescaling before training).")
            if name[0] == "b" and not np.all(value == 0):  # biases and betas
                raise AssertionError(f"{name} should start at zeros.")
        if model.dropout_param.get("p") != 0.3:
            raise AssertionError("self.dropout_param['p'] should be the dropout argument, 0.3.")
        if normalization == "batchnorm":
            if len(model.bn_params) != 2:
                raise AssertionError(f"with 2 hidden layers self.bn_params should hold 2 dicts, "
                                     f"yours holds {len(model.bn_params)}.")
            if model.bn_params[0] is model.bn_params[1]:
                raise AssertionError(f"self.bn_params holds the same dict twice.\n  Hint: {HINT_BN_PARAMS}")

    big = FullyConnectedNet([200], input_dim=300, num_classes=10, weight_scale=0.05, seed=1)
    std = float(big.params["W1"].std())
    if abs(std / 0.05 - 1) > 0.05 or abs(float(big.params["W1"].mean())) > 0.005:
        raise AssertionError(f"W1 should hold weight_scale * N(0, 1) draws: with weight_scale 0.05 its standard "
                             f"deviation is {std:.4f}.")
    if not _same_params(big, FullyConnectedNet([200], input_dim=300, num_classes=10, weight_scale=0.05, seed=1)):
        raise AssertionError("two nets built with the same seed have different parameters: draw the weights "
                             "from np.random.default_rng(seed) when a seed is given.")
    small = FullyConnectedNet([4], input_dim=5, num_classes=3, dtype=np.float32, seed=0)
    wrong = [k for k, v in small.params.items() if v.dtype != np.float32]
    if wrong:
        raise AssertionError(f"with dtype=np.float32 these parameters are not float32: {wrong}.")

    # loss(X) without y: scores, computed in test mode.
    rng = np.random.default_rng(2)
    X = rng.standard_normal((5, 8))
    y = rng.integers(0, 3, 5)
    plain = FullyConnectedNet([6, 5], input_dim=8, num_classes=3, weight_scale=0.3, seed=5)
    dropped = FullyConnectedNet([6, 5], input_dim=8, num_classes=3, weight_scale=0.3, seed=5, dropout=0.5)
    scores = plain.loss(X)
    check_shape("loss(X) (the scores)", scores, (5, 3))
    dropped.loss(X, y)  # a training step first: the mode must be switched back
    try:
        check_close("loss(X) of a net with dropout (test mode: dropout is the identity)", dropped.loss(X),
                    scores, 1e-10)
    except AssertionError as err:
        raise AssertionError(f"{err}\n  Hint: {HINT_TEST_MODE_NET}") from None

    bn = FullyConnectedNet([6, 5], input_dim=8, num_classes=3, weight_scale=0.3, seed=5,
                           normalization="batchnorm")
    bn.loss(X, y)
    if any(p.get("mode") != "train" for p in bn.bn_params):
        raise AssertionError(f"after loss(X, y) every bn_param should be in mode 'train'."
                             f"\n  Hint: {HINT_TEST_MODE_NET}")
    full = bn.loss(X)
    try:
        check_close("with batchnorm, test-mode scores of the first image alone", bn.loss(X[:1]), full[:1], 1e-10)
    except AssertionError as err:
        raise AssertionError(f"{err}\n  In test mode an image's scores must not depend on the rest of the batch."
                             f"\n  Hint: {HINT_TEST_MODE_NET}") from None

    result = plain.loss(X, y)
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError("loss(X, y) should return the tuple (loss, grads).")
    loss, grads = result
    if set(grads) != set(plain.params):
        raise AssertionError(f"grads should have the keys of params {sorted(plain.params)}, yours has {sorted(grads)}.")
    for name in plain.params:
        check_shape(f"grads[{name!r}]", grads[name], plain.params[name].shape)


# (normalization, dropout, reg): every combination the net must differentiate correctly.
GRADIENT_CASES = [(None, 0.0, 0.0), (None, 0.0, 0.7), ("batchnorm", 0.0, 0.0),
                  (None, 0.25, 0.0), ("batchnorm", 0.25, 0.3)]


def _check_net_gradient(name, analytic, numeric, threshold, suspects=()):
    """check_gradient, except for gradients that are zero in exact arithmetic (the biases
    before a batchnorm layer): there only an absolute bound makes sense."""
    if np.max(np.abs(numeric)) < 1e-8:
        worst = float(np.max(np.abs(np.asarray(analytic, dtype=float))))
        if worst > 1e-8:
            raise AssertionError(f"{name} should be zero (the numerical gradient is), yours has an entry {worst:.3e}.")
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
    loss, _ = tiny.loss(X, y)
    if abs(loss - np.log(C)) > 0.01:
        raise AssertionError(f"with tiny weights every class is equally likely, so the loss should be "
                             f"log({C}) = {np.log(C):.4f}; yours is {loss:.4f}.")

    without = FullyConnectedNet(hidden, input_dim=D, num_classes=C, weight_scale=0.5, seed=0)
    with_reg = FullyConnectedNet(hidden, input_dim=D, num_classes=C, weight_scale=0.5, seed=0, reg=0.4)
    penalty = 0.5 * 0.4 * sum(np.sum(with_reg.params[f"W{i}"] ** 2) for i in (1, 2, 3))
    check_close("loss(reg = 0.4) - loss(reg = 0)", with_reg.loss(X, y)[0] - without.loss(X, y)[0], penalty, 1e-8,
                suspects=[(2 * penalty, HINT_REG_LOSS)])

    for normalization, dropout, reg in GRADIENT_CASES:
        model = FullyConnectedNet(hidden, input_dim=D, num_classes=C, dropout=dropout, normalization=normalization,
                                  reg=reg, weight_scale=0.5, seed=1)
        # Nonzero biases: a unit whose inputs were all dropped would otherwise sit exactly on ReLU's kink.
        for name, value in model.params.items():
            if not name.startswith("W"):
                value += rng.uniform(-0.3, 0.3, value.shape)
        _, grads = model.loss(X, y)
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
