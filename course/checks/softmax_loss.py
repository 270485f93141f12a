"""Visible checks for 04_softmax_loss: the softmax cross-entropy loss, TwoLayerNet and the tuned net.

``check_softmax_loss(softmax_loss)`` checks known values, the numerical
gradient and large scores; ``check_TwoLayerNet(TwoLayerNet)`` checks the
initial parameters, the scores, the loss with and without L2 regularisation
and the numerical gradient of every parameter; ``check_tuned_net(filename,
TwoLayerNet, data)`` rebuilds the net saved with its hyper-parameters and
measures it against the validation target (the hidden test does the same with
the reference TwoLayerNet, outside the kernel).
"""
from __future__ import annotations

import os

import numpy as np

from course.checks.common import call_student, report_all, unpack, visible_check
from course.gradcheck import check_close, check_gradient, check_shape, numerical_gradient
from course.i18n import N_, _

VALUE_THRESHOLD = 1e-7
# The softmax is smooth: central differences agree with a right dx to ~1e-9.
SOFTMAX_GRAD_THRESHOLD = 1e-7
# The net has ReLU kinks; the inputs keep every hidden pre-activation at least 0.05 from
# its kink, so a right gradient still agrees to ~1e-8.
NET_GRAD_THRESHOLD = 1e-6
NET_REG = 0.7

BROADCAST_HINT = N_("per-row quantities (the row maximum, the sum of exponentials) must have shape "
                    "(N, 1) to broadcast along each row: use keepdims=True.")
LOSS_HINTS = {
    "not_finite": N_("the loss is NaN or inf: np.exp overflows (exp(710) is already inf). Subtract each row's "
                     "maximum from the scores before np.exp; softmax does not change."),
    "times_n": N_("the loss is N times too large: it is the mean over the batch, divide the sum by N."),
    # Any two numbers are proportional: say only by how much the loss is off.
    "scaled": N_("the loss is {scale:.4g} times the expected value."),
}
DX_HINTS = {
    "not_finite": N_("dx is NaN or inf: np.exp overflows (exp(710) is already inf). Subtract each row's maximum "
                     "from the scores before np.exp; softmax does not change."),
    "times_n": N_("dx is N times too large: the loss is the mean over the batch, so dx = (p - onehot) / N "
                  "is divided by N as well."),
    "shape": N_("dx must have the shape of x, (N, C)."),
}
SOFTMAX_CALL_HINTS = {
    "raised": BROADCAST_HINT,
    "modified_input": N_("x -= ... (or similar) changes the caller's scores, which must stay as they were: "
                         "write shifted = x - x.max(axis=1, keepdims=True)."),
}
# Once scores near 1000 pass, a non-finite loss on a wide spread is the underflow.
SPREAD_LOSS_HINTS = dict(LOSS_HINTS, not_finite=N_(
    "the loss is inf: a probability underflowed to 0 and np.log(0) is -inf. Compute the log-probabilities "
    "directly, log p = shifted - log(sum(exp(shifted))), instead of np.log(p)."))
NO_ONEHOT_CAUSE = N_("dx is p / N: subtract 1 at the correct class of every row, dx = (p - onehot) / N.")
L2_NO_HALF_CAUSE = N_("the L2 term is reg * sum(W^2): the course uses 0.5 * reg * sum(W^2), whose gradient "
                      "is reg * W.")
L2_BIASES_CAUSE = N_("the L2 term includes the biases: regularise only W1 and W2.")
L2_MISSING_CAUSE = N_("the loss has no L2 term: add 0.5 * reg * (sum(W1^2) + sum(W2^2)).")
REG_GRAD_MISSING_CAUSE = N_("the regularisation gradient is missing: add reg * W to the gradient of each W.")
NET_PARAM_HINTS = {
    "should_be_zero": N_("the loss did not change when this parameter changed: loss() must read the "
                         "weights from self.params at every call."),
}
PARAM_NAMES = ("W1", "b1", "W2", "b2")


def _stable_log_softmax(x):
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _expected_softmax_loss(x, y):
    """Mean cross-entropy and its gradient (p - onehot) / N, computed without overflow."""
    log_p = _stable_log_softmax(x)
    rows = np.arange(len(y))
    dx = np.exp(log_p)
    dx[rows, y] -= 1
    return -log_p[rows, y].mean(), dx / len(y)


def _run_softmax(softmax_loss, x, y, label):
    loss, dx = unpack("softmax_loss", call_student("softmax_loss", softmax_loss, x.copy(), y.copy(),
                                                   hints=SOFTMAX_CALL_HINTS), 2, "(loss, dx)")
    if np.ndim(loss) != 0 and np.size(loss) != 1:
        raise AssertionError(_("softmax_loss loss ({label}) must be a single number, got shape {shape}: "
                               "average the per-sample losses over the batch.").format(label=_(label),
                                                                                       shape=np.shape(loss)))
    return float(np.asarray(loss).reshape(())), dx


@visible_check
def check_softmax_loss(softmax_loss) -> None:
    """Zero scores (loss = log C), random scores against numerical gradients, then huge scores."""
    N, C = 4, 5
    y = np.array([0, 1, 2, 4])
    loss, dx = _run_softmax(softmax_loss, np.zeros((N, C)), y, N_("zero scores"))
    onehot = np.eye(C)[y]
    # All scores equal: p = 1/C in every row, so the loss is log(C).
    check_close(_("softmax_loss loss for zero scores (log C)"), loss, np.log(C), VALUE_THRESHOLD,
                LOSS_HINTS, batch_size=N)
    check_shape("softmax_loss dx", dx, (N, C), DX_HINTS)
    check_close(_("softmax_loss dx for zero scores"), dx, (1.0 / C - onehot) / N,
                VALUE_THRESHOLD, suspects=[(np.full((N, C), 1.0 / C / N), NO_ONEHOT_CAUSE)],
                hints=DX_HINTS, batch_size=N)

    rng = np.random.default_rng(401)
    N, C = 6, 4
    x = rng.standard_normal((N, C)) * 2
    y = rng.integers(0, C, N)
    loss, dx = _run_softmax(softmax_loss, x, y, N_("random scores"))
    want_loss, want_dx = _expected_softmax_loss(x, y)
    check_close("softmax_loss loss", loss, want_loss, VALUE_THRESHOLD, LOSS_HINTS, batch_size=N)
    dx_num = numerical_gradient(lambda z: _run_softmax(softmax_loss, z, y, N_("random scores"))[0], x.copy())
    check_gradient("softmax_loss dx", dx, dx_num, SOFTMAX_GRAD_THRESHOLD,
                   suspects=[(np.exp(_stable_log_softmax(x)) / N, NO_ONEHOT_CAUSE)],
                   hints=DX_HINTS, batch_size=N)

    # Scores near 1000 overflow np.exp without the shift; in a spread of
    # [-1000, 1000] the correct class of rows 0 and 2 has probability e^-2000,
    # which is 0 in float64, while its log-probability -2000 is finite.
    huge = [
        (N_("scores shifted by +1000"), x + 1000.0, y, LOSS_HINTS),
        (N_("scores spread over [-1000, 1000]"),
         np.array([[1000.0, -1000.0, 0.0, 500.0],
                   [-1000.0, -999.0, -1000.0, -998.0],
                   [3.0, 1000.0, -1000.0, 999.0]]),
         np.array([1, 0, 2]), SPREAD_LOSS_HINTS),
    ]
    for label, scores, labels, loss_hints in huge:
        loss, dx = _run_softmax(softmax_loss, scores, labels, label)
        want_loss, want_dx = _expected_softmax_loss(scores, labels)
        check_close(_("softmax_loss loss for {label}").format(label=_(label)), loss, want_loss, VALUE_THRESHOLD,
                    loss_hints, batch_size=len(labels))
        check_close(_("softmax_loss dx for {label}").format(label=_(label)), dx, want_dx, VALUE_THRESHOLD,
                    DX_HINTS, batch_size=len(labels))


def _net_case():
    """Parameters and inputs for a net with D = 6, H = 5, C = 3; every hidden
    pre-activation is at least 0.05 away from ReLU's kink."""
    rng = np.random.default_rng(408)  # seed chosen so no unit is near the kink
    params = {
        "W1": rng.standard_normal((6, 5)) * 0.5,
        "b1": rng.standard_normal(5) * 0.1,
        "W2": rng.standard_normal((5, 3)) * 0.5,
        "b2": rng.standard_normal(3) * 0.1,
    }
    X = rng.standard_normal((4, 2, 3))   # (N, d1, d2): the net flattens it like the data images
    y = np.array([0, 2, 1, 2])
    pre = X.reshape(4, -1) @ params["W1"] + params["b1"]
    assert np.min(np.abs(pre)) > 0.05, "check set-up: a hidden unit sits on ReLU's kink"
    return params, X, y


def _expected_scores(params, X):
    hidden = np.maximum(X.reshape(len(X), -1) @ params["W1"] + params["b1"], 0)
    return hidden @ params["W2"] + params["b2"]


def _make_net(TwoLayerNet, params, reg):
    net = TwoLayerNet(input_dim=6, hidden_dim=5, num_classes=3, weight_scale=1e-2, reg=reg)
    for name in PARAM_NAMES:
        net.params[name] = params[name].copy()
    return net


def _check_init(TwoLayerNet) -> None:
    np.random.seed(403)
    net = TwoLayerNet(input_dim=40, hidden_dim=30, num_classes=3, weight_scale=1e-2)
    missing = [name for name in PARAM_NAMES if name not in getattr(net, "params", {})]
    if missing:
        raise AssertionError(_("TwoLayerNet.params has no {names}: store W1, b1, W2, b2 in the dict "
                               "self.params.").format(names=", ".join(missing)))
    for name, shape in (("W1", (40, 30)), ("b1", (30,)), ("W2", (30, 3)), ("b2", (3,))):
        check_shape(f"TwoLayerNet.params['{name}']", net.params[name], shape)
    for name in ("b1", "b2"):
        if np.any(net.params[name] != 0):
            raise AssertionError(_("TwoLayerNet.params['{name}'] should start at zero.").format(name=name))
    for name in ("W1", "W2"):
        std = float(np.std(net.params[name]))
        if not 0.5e-2 < std < 2e-2:
            raise AssertionError(
                _("TwoLayerNet.params['{name}'] has standard deviation {std:.3g} for weight_scale=1e-2: "
                  "draw it as weight_scale * np.random.randn(rows, cols).").format(name=name, std=std))


@visible_check
def check_TwoLayerNet(TwoLayerNet) -> None:
    """Initial parameters, scores, loss and numerical gradients without and with reg."""
    state = np.random.get_state()  # the nets built here draw from np.random: restore the notebook's stream
    try:
        _check_net(TwoLayerNet)
    finally:
        np.random.set_state(state)


def _check_net(TwoLayerNet) -> None:
    _check_init(TwoLayerNet)
    params, X, y = _net_case()

    net = _make_net(TwoLayerNet, params, reg=0.0)
    scores = call_student("TwoLayerNet.loss", net.loss, X.copy())
    want_scores = _expected_scores(params, X)
    check_shape("TwoLayerNet.loss(X) scores", scores, want_scores.shape)
    check_close("TwoLayerNet.loss(X) scores", scores, want_scores, VALUE_THRESHOLD)
    data_loss = _expected_softmax_loss(want_scores, y)[0]

    for reg in (0.0, NET_REG):
        net = _make_net(TwoLayerNet, params, reg=reg)
        loss, grads = unpack("TwoLayerNet.loss", call_student("TwoLayerNet.loss", net.loss, X.copy(), y.copy()),
                             2, "(loss, grads)")
        sum_w2 = np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2)
        sum_b2 = np.sum(params["b1"] ** 2) + np.sum(params["b2"] ** 2)
        check_close(_("TwoLayerNet loss with reg={reg}").format(reg=reg), loss,
                    data_loss + 0.5 * reg * sum_w2, VALUE_THRESHOLD, hints=LOSS_HINTS,
                    suspects=[(data_loss + reg * sum_w2, L2_NO_HALF_CAUSE),
                              (data_loss + 0.5 * reg * (sum_w2 + sum_b2), L2_BIASES_CAUSE),
                              (data_loss, L2_MISSING_CAUSE)] if reg else [])
        missing = [name for name in PARAM_NAMES if name not in grads]
        if missing:
            raise AssertionError(_("TwoLayerNet grads has no entry for {names}: return a gradient for every "
                                   "entry of self.params.").format(names=", ".join(missing)))

        def one(name, reg=reg, net=net, grads=grads):
            num = numerical_gradient(lambda _: net.loss(X, y)[0], net.params[name])
            suspects = [(num - reg * params[name], REG_GRAD_MISSING_CAUSE)] if reg and name[0] == "W" else []
            check_gradient(_("TwoLayerNet grads['{name}'] with reg={reg}").format(name=name, reg=reg), grads[name], num,
                           NET_GRAD_THRESHOLD, suspects=suspects, hints=NET_PARAM_HINTS, batch_size=len(y))

        report_all([lambda name=name: one(name) for name in PARAM_NAMES])


# ---------------------------------------------------------------------------
# The tuned net: hyper-parameters chosen by the student, saved with its parameters

TUNED_FILE = "tuned_net.npz"
# Validation accuracy to reach. On the course subset (4577 training images) the fixed run of the
# notebook stops at about 0.41 and a small search over the hidden size, learning rate and L2
# strength reaches 0.43-0.45; a learning rate 5x too large or too small stays below 0.30.
TUNED_SUBSET_TARGET = 0.43
# Full CIFAR-10 (49000 training images): CS231n's bar for a tuned two-layer net.
TUNED_FULL_TARGET = 0.48
# Ten classes: an untrained net scores about 0.10; below this the parameters were never trained.
UNTRAINED_BELOW = 0.2
CIFAR10_CLASSES = 10


def tuned_target(num_training_images: int) -> float:
    """The validation accuracy the tuned net must reach, given the number of training images (train + val)."""
    return TUNED_FULL_TARGET if num_training_images >= 50000 else TUNED_SUBSET_TARGET


def tuned_shortfall(accuracy: float, target: float) -> str:
    """Why a saved net below the target fails, in the words of both the visible and the hidden check."""
    message = _("the saved net reaches {accuracy:.3f} validation accuracy, below the target {target:.2f}").format(
        accuracy=accuracy, target=target)
    if accuracy < UNTRAINED_BELOW:
        return message + _(": about chance (0.10 for ten classes), so the saved parameters look untrained. Save "
                           "the net the search trained (best.model), not a new TwoLayerNet built with its settings.")
    return message + _(": try other settings (the learning rate first, then the hidden size and reg), "
                       "then search and save again.")


@visible_check
def check_tuned_net(filename, TwoLayerNet, data) -> float:
    """The saved net, rebuilt with its hyper-parameters, reaches the validation target.

    Returns the validation accuracy; fails when the file is missing, is not a
    two-layer net with hyper-parameters that fit its parameters, or falls short.
    """
    from course.solver import evaluate_accuracy
    from course.tuning import load_tuned_net

    if not os.path.isfile(filename):
        # NotImplementedError: the file is missing because this part is not done yet.
        raise NotImplementedError(
            _("{filename} not found beside the notebook: write tune_TwoLayerNet and run the cell below it, "
              "which saves the net it returns.").format(filename=filename))
    input_dim = int(np.prod(np.shape(data["X_val"])[1:]))
    try:
        net, settings = load_tuned_net(filename, TwoLayerNet, input_dim, CIFAR10_CLASSES)
    except ValueError as err:
        raise AssertionError(_("{filename} could not be loaded: {error}").format(filename=filename,
                                                                                 error=err)) from None
    accuracy = evaluate_accuracy(net, data["X_val"], data["y_val"])
    target = tuned_target(len(data["X_train"]) + len(data["X_val"]))
    print(_("Validation accuracy of the saved net: {accuracy:.3f} (target {target:.2f}); {settings}").format(
        accuracy=accuracy, target=target, settings=settings.label()))
    if accuracy < target:
        raise AssertionError(tuned_shortfall(accuracy, target))
    return accuracy
