"""Hidden checks for 04_softmax_loss: the reference on fresh inputs, huge
scores (all shifted by +1000, and a spread of thousands), one-sample batches,
and inputs left unmodified."""
from __future__ import annotations

import numpy as np

from autograder import assignments
from autograder.hidden import assert_same, rng, run

ref = assignments.load("04_softmax_loss", "reference")

NET_TOLERANCE = 1e-7


def _score_cases(g):
    yield "random scores", g.standard_normal((7, 10))
    yield "scores shifted by +1000", g.standard_normal((5, 6)) + 1000.0
    yield "scores spread over thousands", g.standard_normal((5, 6)) * 2000.0
    yield "one sample", g.standard_normal((1, 4))


def check_softmax_loss(softmax_loss) -> None:
    g = rng("softmax_loss")
    for label, x in _score_cases(g):
        y = g.integers(0, x.shape[1], x.shape[0])
        loss, dx = run("softmax_loss", softmax_loss, x, y)
        want_loss, want_dx = ref.softmax_loss(x, y)
        assert_same(f"softmax_loss loss ({label})", loss, want_loss)
        assert_same(f"softmax_loss dx ({label})", dx, want_dx)


def check_TwoLayerNet(TwoLayerNet) -> None:
    g = rng("TwoLayerNet")
    input_dim, hidden_dim, num_classes = 3 * 4 * 4, 9, 5
    state = np.random.get_state()
    try:
        np.random.seed(int(g.integers(2**31)))
        net = TwoLayerNet(input_dim=input_dim, hidden_dim=hidden_dim, num_classes=num_classes,
                          weight_scale=0.3, reg=0.25)
    finally:
        np.random.set_state(state)
    shapes = {"W1": (input_dim, hidden_dim), "b1": (hidden_dim,),
              "W2": (hidden_dim, num_classes), "b2": (num_classes,)}
    for name, shape in shapes.items():
        if np.shape(net.params.get(name)) != shape:
            raise AssertionError(f"hidden test: params['{name}'] should have shape {shape}.")
    for name in ("W1", "W2"):
        std = float(np.std(net.params[name]))
        if not 0.2 < std < 0.4:
            raise AssertionError(f"hidden test: params['{name}'] has std {std:.3g}, expected about weight_scale=0.3.")

    # Same parameters in the reference net, then compare on fresh batches.
    reference = ref.TwoLayerNet(input_dim=input_dim, hidden_dim=hidden_dim, num_classes=num_classes,
                                reg=0.25)
    for name in shapes:
        net.params[name] = g.standard_normal(shapes[name]) * 0.3
        reference.params[name] = net.params[name].copy()
    for N in (6, 1):
        X = g.standard_normal((N, 3, 4, 4))
        y = g.integers(0, num_classes, N)
        scores = run("TwoLayerNet.loss", net.loss, X)
        assert_same(f"TwoLayerNet scores (N={N})", scores, reference.loss(X), NET_TOLERANCE)
        loss, grads = run("TwoLayerNet.loss", net.loss, X, y)
        want_loss, want_grads = reference.loss(X, y)
        assert_same(f"TwoLayerNet loss (N={N}, reg=0.25)", loss, want_loss, NET_TOLERANCE)
        for name in shapes:
            assert_same(f"TwoLayerNet grads['{name}'] (N={N}, reg=0.25)", grads.get(name), want_grads[name],
                  NET_TOLERANCE)
