"""Hidden checks for 01_chain_rule: the student's functions against the
reference on fresh seeded inputs, including zero and negative values."""
from __future__ import annotations

import numpy as np

from autograder import assignments
from autograder.hidden import assert_close, rng

ref = assignments.load("01_chain_rule", "reference")

_FUNCTIONS = [
    ("sin", np.sin),
    ("cubic", lambda v: v ** 3 - 2.0 * v),
    ("exp", np.exp),
    ("rational", lambda v: 1.0 / (1.0 + v ** 2)),
]


def check_numerical_derivative(numerical_derivative):
    g = rng("numerical_derivative")
    for name, f in _FUNCTIONS:
        for x in (float(g.uniform(-2, 2)), 0.0, -float(g.uniform(0.5, 2))):
            h = float(g.choice([0.3, 0.05, 1e-3]))
            assert_close(f"numerical_derivative({name}, {x:.4g}, h={h})",
                         numerical_derivative(f, x, h), ref.numerical_derivative(f, x, h), rtol=1e-8)
            assert_close(f"numerical_derivative({name}, {x:.4g}) with the default h",
                         numerical_derivative(f, x), ref.numerical_derivative(f, x), rtol=1e-7)
    xs = g.uniform(-2, 2, size=(3, 4))
    xs[0, 0] = 0.0
    assert_close("numerical_derivative on a (3, 4) array", numerical_derivative(np.sin, xs.copy(), 0.01),
                  ref.numerical_derivative(np.sin, xs, 0.01), rtol=1e-8)


def _random_chain_inputs(g):
    """Several (x, w1, w2, w3, target) draws: random, zero input, negative everything."""
    draws = [tuple(float(v) for v in g.normal(size=5)) for _ in range(3)]
    draws.append((0.0,) + tuple(float(v) for v in g.normal(size=4)))
    draws.append(tuple(-abs(float(v)) - 0.1 for v in g.normal(size=5)))
    draws.append((1.0, 0.2333, -0.233, -0.52133, -1.0))
    return draws


def check_chain_forward(chain_forward):
    g = rng("chain_forward")
    for args in _random_chain_inputs(g):
        loss, cache = chain_forward(*args)
        ref_loss, ref_cache = ref.chain_forward(*args)
        assert_close(f"chain_forward{args} loss", loss, ref_loss, rtol=1e-10)
        if not isinstance(cache, tuple) or len(cache) != len(ref_cache):
            raise AssertionError(f"chain_forward{args}: the cache must be (x, w1, w2, w3, y, z, e, target)")
        assert_close(f"chain_forward{args} cache", np.array(cache, dtype=np.float64),
                      np.array(ref_cache, dtype=np.float64), rtol=1e-12)


def check_chain_backward(chain_backward):
    g = rng("chain_backward")
    for args in _random_chain_inputs(g):
        _, cache = ref.chain_forward(*args)
        expected = ref.chain_backward(cache)
        for attempt in ("first", "second"):  # a second call on the same cache must agree
            grads = chain_backward(cache)
            if not isinstance(grads, (tuple, list)) or len(grads) != 3:
                raise AssertionError("chain_backward must return (dw1, dw2, dw3)")
            assert_close(f"chain_backward for {args} ({attempt} call)", np.array(grads, dtype=np.float64),
                          np.array(expected, dtype=np.float64), rtol=1e-9)
