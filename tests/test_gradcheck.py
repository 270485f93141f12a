"""course.gradcheck: numerical gradients, and checks whose messages explain mistakes.

Every check is shown failing on a deliberately wrong value, and each message
is checked for what a student needs: the name, the worst entry, the error,
the threshold and the hint for the recognised mistake.
"""
from __future__ import annotations

import numpy as np
import pytest

from course import gradcheck
from course.gradcheck import (check_close, check_gradient, check_shape, diagnose, numerical_gradient,
                              numerical_gradient_array, rel_error)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# --- numerical gradients ------------------------------------------------------------------

def test_numerical_gradient_of_sum_of_squares(rng):
    x = rng.standard_normal((3, 4))
    grad = numerical_gradient(lambda z: np.sum(z ** 2), x)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-8, atol=1e-8)


def test_numerical_gradient_of_a_non_quadratic_function(rng):
    # d/dx sum(sin(x) * c) = cos(x) * c; the central difference is exact to O(h^2).
    x = rng.standard_normal(5)
    c = rng.standard_normal(5)
    grad = numerical_gradient(lambda z: np.sum(np.sin(z) * c), x)
    np.testing.assert_allclose(grad, np.cos(x) * c, rtol=1e-7, atol=1e-9)


def test_numerical_gradient_leaves_x_unchanged(rng):
    x = rng.standard_normal((2, 3))
    before = x.copy()
    numerical_gradient(lambda z: np.sum(z ** 3), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_restores_x_when_f_raises(rng):
    x = rng.standard_normal((2, 2))
    before = x.copy()
    calls = []

    def failing(z):
        calls.append(z.copy())
        if len(calls) == 3:  # fails while entry (0, 1) is perturbed
            raise RuntimeError("boom")
        return float(np.sum(z))

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(failing, x)
    assert not np.array_equal(calls[2], before)  # x really was perturbed when f raised
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_refuses_integer_arrays():
    with pytest.raises(TypeError, match="float"):
        numerical_gradient(lambda z: np.sum(z ** 2), np.arange(3))


def test_numerical_gradient_array_of_matrix_product(rng):
    x = rng.standard_normal((4, 3))
    A = rng.standard_normal((3, 5))
    dout = rng.standard_normal((4, 5))
    dx = numerical_gradient_array(lambda z: z @ A, x, dout)
    np.testing.assert_allclose(dx, dout @ A.T, rtol=1e-7, atol=1e-9)
    dA = numerical_gradient_array(lambda z: x @ z, A, dout)
    np.testing.assert_allclose(dA, x.T @ dout, rtol=1e-7, atol=1e-9)


def test_rel_error_known_values():
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([1.0], [3.0]) == pytest.approx(0.5)
    assert rel_error([0.0, 1.0], [0.0, -1.0]) == pytest.approx(1.0)
    assert rel_error([1e-12], [0.0]) == pytest.approx(1e-4)  # tiny values are measured against 1e-8
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0


# --- the checks pass on correct values and return the error -----------------------------

def test_passing_checks_return_the_error(rng):
    e = rng.standard_normal((3, 4))
    close = e * (1 + 1e-9)
    assert check_gradient("dW", close, e) == pytest.approx(rel_error(close, e))
    assert 0 < check_close("out", close, e) < 1e-8
    assert check_gradient("db", e, e) == 0.0
    assert check_shape("out", e, (3, 4)) is None


def test_threshold_is_respected(rng):
    e = rng.standard_normal(6) + 3
    a = e * (1 + 2e-5)  # relative error about 1e-5
    with pytest.raises(AssertionError):
        check_close("x", a, e)
    assert check_close("x", a, e, threshold=1e-4) < 1e-4


# --- the messages --------------------------------------------------------------------------

def _message(check, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        check(*args, **kwargs)
    return str(info.value)


def test_message_names_parameter_worst_entry_error_and_threshold(rng):
    expected = rng.standard_normal((3, 4))
    wrong = expected.copy()
    wrong[1, 2] += 1.0  # a single wrong entry: the worst one
    message = _message(check_gradient, "dW2", wrong, expected, threshold=1e-7)
    assert message.startswith("dW2 does not match the numerical gradient")
    assert "Worst entry (1, 2)" in message
    err = abs(wrong[1, 2] - expected[1, 2]) / (abs(wrong[1, 2]) + abs(expected[1, 2]))
    assert f"relative error {err:.3e}" in message
    assert "threshold 1e-07" in message
    assert f"yours {wrong[1, 2]:.8g}" in message
    assert "Hint" not in message  # nothing recognisable about a random slip
    assert "expected value" in _message(check_close, "out", wrong, expected)


def test_threshold_is_printed_without_rounding(rng):
    e = rng.standard_normal(3)
    assert "threshold 1.5e-07" in _message(check_close, "x", -e, e, threshold=1.5e-7)


BATCH = 5


@pytest.mark.parametrize("kind, make_wrong, hint_words", [
    ("times_n", lambda e: e * BATCH, "N times too large"),
    ("over_n", lambda e: e / BATCH, "N times too small"),
    ("sign", lambda e: -e, "opposite sign"),
    ("all_zero", lambda e: np.zeros_like(e), "all zeros"),
    ("not_finite", lambda e: np.where(np.arange(e.size).reshape(e.shape) == 4, np.nan, e), "NaN"),
    ("scaled", lambda e: 0.5 * e, "0.5x"),
    ("transposed", lambda e: e.T, "transposed"),
    ("reshaped", lambda e: e.reshape(-1), "wrong shape"),
    ("shape", lambda e: e[:, :2], "shape is wrong"),
])
def test_each_mistake_is_diagnosed_with_its_hint(rng, kind, make_wrong, hint_words):
    expected = rng.standard_normal((3, 4))
    wrong = make_wrong(expected)
    assert diagnose(wrong, expected, batch_size=BATCH) == kind
    for check in (check_gradient, check_close):
        message = _message(check, "dW1", wrong, expected, batch_size=BATCH)
        assert message.startswith("dW1 ")
        assert hint_words in message.split("Hint:")[1]
        if wrong.shape == expected.shape:
            assert "Worst entry (" in message and "threshold 1e-07" in message
        else:
            assert f"shape {wrong.shape}, expected {expected.shape}" in message


def test_nan_is_the_worst_entry(rng):
    expected = rng.standard_normal((2, 3))
    wrong = expected.copy()
    wrong[1, 0] = np.nan
    message = _message(check_gradient, "dx", wrong, expected)
    assert "Worst entry (1, 0)" in message and "relative error inf" in message and "NaN" in message


def test_factor_of_n_needs_the_batch_size(rng):
    expected = rng.standard_normal((3, 4))
    # Without batch_size the factor is still seen, as a constant scale.
    assert diagnose(expected * BATCH, expected) == "scaled"
    assert "5x" in _message(check_gradient, "dW", expected * BATCH, expected)


def test_should_be_zero():
    expected = np.zeros((2, 2))
    message = _message(check_gradient, "dx", np.ones((2, 2)), expected)
    assert "should be all zeros" in message


def test_function_specific_hints_replace_the_generic_ones(rng):
    expected = rng.standard_normal((3, 4))
    hints = {"times_n": "softmax_loss: divide dx by N, as the loss averages over the batch.",
             "transposed": "dW must have the shape of W: use x.T @ dout."}
    message = _message(check_gradient, "dx", expected * BATCH, expected, hints=hints, batch_size=BATCH)
    assert "Hint: softmax_loss: divide dx by N" in message
    assert "N times too large" not in message
    # Keys the caller did not override keep the generic wording.
    assert "opposite sign" in _message(check_gradient, "dx", -expected, expected, hints=hints)
    assert "x.T @ dout" in _message(check_shape, "dW", expected.T, (3, 4), hints=hints)


def test_check_shape_messages(rng):
    x = rng.standard_normal((3, 4))
    assert "transposed" in _message(check_shape, "dW", x, (4, 3))
    message = _message(check_shape, "out", x, (2, 6))
    assert "out has shape (3, 4), expected (2, 6)" in message and "wrong shape" in message
    assert "shape is wrong" in _message(check_shape, "out", x, (3, 5))
    assert "None" in _message(check_shape, "out", None, (3, 4))


def test_none_and_non_numbers_are_reported():
    assert "dx is None" in _message(check_gradient, "dx", None, np.ones(2))
    assert "dtype" in _message(check_close, "out", np.array(["a", "b"]), np.ones(2))


def test_hint_keys_are_the_documented_ones():
    # The keys documented for `hints`; a renamed key would silently drop function-specific hints.
    assert set(gradcheck.GENERIC_HINTS) == {"transposed", "reshaped", "shape", "not_finite",
                                           "should_be_zero", "all_zero", "sign", "times_n",
                                           "over_n", "scaled", "modified_input"}


# --- suspects: known wrong values and their causes -----------------------------------------

@pytest.mark.parametrize("check", [check_close, check_gradient])
def test_suspects_add_the_cause_of_a_matching_value(rng, check):
    expected = rng.standard_normal((3, 4))
    ungated = expected + 1.0  # a made-up wrong answer that no generic diagnosis recognises
    suspects = [(expected * 3.0, "the other cause."), (ungated, "the mask is missing.")]
    message = _message(check, "dx", ungated.copy(), expected, suspects=suspects)
    assert message.endswith("\n  Likely cause: the mask is missing.")
    assert "the other cause" not in message


@pytest.mark.parametrize("check", [check_close, check_gradient])
def test_a_matching_suspect_replaces_the_generic_hint(rng, check):
    # Twice the answer: the generic diagnosis ("off by a constant factor") holds, and so does a known mistake;
    # the student reads one explanation, the known mistake's.
    expected = rng.standard_normal((3, 4))
    message = _message(check, "dx", 2.0 * expected, expected, suspects=[(2.0 * expected, "x**2 is counted twice.")])
    assert "Hint:" not in message and "constant factor" not in message, message
    assert message.endswith("\n  Likely cause: x**2 is counted twice."), message
    # The same for a wrong shape: a known mistake's transposed answer is not given the generic "transposed" hint.
    message = _message(check, "dx", expected.T.copy(), expected, suspects=[(expected.T, "dx is dout.T @ W.")])
    assert "Hint:" not in message and message.endswith("\n  Likely cause: dx is dout.T @ W."), message
    # Without a matching suspect, the generic hint stays.
    message = _message(check, "dx", 2.0 * expected, expected, suspects=[(3.0, "a cause.")])
    assert "Hint: it is off by a constant factor (2x the correct value)" in message and "Likely cause" not in message


@pytest.mark.parametrize("check", [check_close, check_gradient])
def test_suspects_stay_silent_when_the_value_does_not_match(rng, check):
    expected = rng.standard_normal((3, 4))
    ungated = expected + 1.0
    suspects = [(ungated, "the mask is missing.")]
    # Wrong, but not the suspected wrong value (off by far more than the 1e-6 match tolerance).
    message = _message(check, "dx", ungated + 1e-3, expected, suspects=suspects)
    assert "Likely cause" not in message
    # A passing value is never blamed, even when it equals a suspect.
    assert check("dx", expected, expected, suspects=[(expected, "should not appear.")]) == 0.0


def test_suspects_broadcast_scalars_and_ignore_unusable_values():
    expected = np.array([0.5, -2.0, 3.0])
    message = _message(check_gradient, "dx", np.ones(3), expected, suspects=[(1.0, "dout is missing.")])
    assert "Likely cause: dout is missing." in message
    # None, NaN and a suspect that cannot take the value's shape name no cause and do not crash.
    for wrong in (None, np.array([np.nan, 1.0, 1.0]), np.ones(4)):
        message = _message(check_gradient, "dx", wrong, expected, suspects=[(np.ones((2, 3)), "a cause.")])
        assert "Likely cause" not in message
    for wrong in (None, np.array([np.nan, 1.0, 1.0])):
        assert "Likely cause" not in _message(check_gradient, "dx", wrong, expected, suspects=[(1.0, "a cause.")])
