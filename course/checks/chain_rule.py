"""Visible checks for 01_chain_rule: numerical_derivative, chain_forward, chain_backward.

Expected values come from closed forms written here (x³ has an exact central
difference, the chain's derivatives from the numerical gradient of the loss
spelled out below), never from the functions under test.
"""
from __future__ import annotations

import numpy as np

from course.checks.common import report_all, visible_check
from course.gradcheck import check_close, check_gradient, hint_line, likely_cause, numerical_gradient
from course.i18n import N_, _

CACHE_LAYOUT = ("x", "w1", "w2", "w3", "y", "z", "e", "target")


def _matches(actual, candidate, rtol=1e-6) -> bool:
    """True when ``actual`` equals ``candidate`` within ``rtol`` (the tolerance of each exact check below)."""
    try:
        return bool(np.allclose(np.asarray(actual, dtype=np.float64), candidate, rtol=rtol, atol=1e-12))
    except (TypeError, ValueError):
        return False


def _explain(actual, suspects) -> str:
    """The hint of the first known wrong formula that ``actual`` reproduces, else ''."""
    cause = likely_cause(actual, suspects)
    return hint_line(cause)


# ---------------------------------------------------------------- numerical_derivative

@visible_check
def check_numerical_derivative(numerical_derivative):
    """Central difference: exact on a cubic, accurate with the default h, entrywise on arrays."""
    # For f(x) = x³ the central difference is exactly 3x² + h², so a large h
    # tells the central difference apart from the usual wrong formulas.
    x, h = 2.0, 0.1
    got = numerical_derivative(lambda v: v ** 3, x, h=h)
    expected = 3 * x ** 2 + h ** 2
    if not _matches(got, expected, rtol=1e-9):
        f = lambda v: v ** 3  # noqa: E731
        hint = _explain(got, [
            ((f(x + h) - f(x)) / h,
             N_("this is the one-sided difference (f(x + h) - f(x)) / h; use the central difference "
                "(f(x + h) - f(x - h)) / (2 * h), whose error shrinks like h² instead of h.")),
            ((f(x) - f(x - h)) / h,
             N_("this is the one-sided difference (f(x) - f(x - h)) / h; use the central difference "
                "(f(x + h) - f(x - h)) / (2 * h).")),
            ((f(x + h) - f(x - h)) / h,
             N_("twice the central difference: divide by 2h, not by h (the two points are 2h apart).")),
            ((f(x + h) - f(x - h)) / 2 * h,
             N_("`/ 2 * h` divides by 2 and then multiplies by h: write / (2 * h) with parentheses.")),
            (3 * x ** 2,
             N_("the result does not depend on the argument h: use the h passed in instead of a fixed step.")),
        ])
        raise AssertionError(
            _("numerical_derivative(lambda x: x**3, 2.0, h=0.1) returned {got!r}, expected {expected:.10g}.").format(
                got=got, expected=expected) + "\n  "
            + _("For x³ the central difference (f(x + h) - f(x - h)) / (2h) is exactly 3x² + h².") + hint)

    # The default h must give about 10 correct digits on a smooth function.
    check_close(_("numerical_derivative(np.sin, 0.7) (default h)"), numerical_derivative(np.sin, 0.7),
                np.cos(0.7), threshold=1e-8,
                hints={"scaled": N_("with the default h the central difference of sin at 0.7 is within 1e-10 "
                                    "of cos(0.7): is the default h=1e-5 and the formula central?")})

    # f works entrywise on arrays, so the same formula must too.
    xs = np.array([-1.5, -0.3, 0.0, 0.8, 2.5])
    before = xs.copy()
    array_hint = N_("x is an array here: write the formula with whole arrays (no float() or math "
                    "functions) so the result has the shape of x.")
    try:
        got = numerical_derivative(lambda v: v ** 3 - 2 * v, xs)
    except (TypeError, ValueError) as err:
        raise AssertionError(_("numerical_derivative failed on an array of points: {error}").format(error=err)
                             + hint_line(array_hint)) from err
    if not np.array_equal(xs, before):
        raise AssertionError(_("numerical_derivative changed the array x passed in: compute x + h and x - h "
                               "as new values instead of modifying x in place."))
    check_close(_("numerical_derivative of x³ - 2x at an array of points"), got, 3 * xs ** 2 - 2, threshold=1e-8,
                hints={"shape": array_hint,
                       "reshaped": N_("the result must have the shape of x.")})


# ---------------------------------------------------------------- the chain

def _chain_values(x, w1, w2, w3, target):
    y = w1 * x
    z = w2 * y
    e = w3 * z
    return y, z, e, 0.5 * (e - target) ** 2


@visible_check
def check_chain_forward(chain_forward):
    """Loss of the three-weight chain and the cache layout chain_backward relies on."""
    # No input is ±1, so a dropped factor always changes the result.
    x, w1, w2, w3, target = 1.5, 0.8, -1.3, 0.6, -0.4
    y, z, e, loss_expected = _chain_values(x, w1, w2, w3, target)
    result = chain_forward(x, w1, w2, w3, target)
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(_("chain_forward must return a pair (loss, cache)."))
    loss, cache = result
    if not _matches(loss, loss_expected, rtol=1e-10):
        hint = _explain(loss, [
            ((e - target) ** 2, N_("the loss is twice too large: L = ½ (e - target)², don't forget the ½.")),
            (0.5 * (e - target), N_("the difference must be squared: L = ½ (e - target)².")),
            (0.5 * (w1 * w2 * w3 - target) ** 2, N_("the input x is missing: y = w1 * x.")),
        ])
        raise AssertionError(
            _("chain_forward(x={x}, w1={w1}, w2={w2}, w3={w3}, target={target}) returned loss {loss!r}, "
              "expected {expected:.10g} (y = {y:.6g}, z = {z:.6g}, e = {e:.6g}).").format(
                x=x, w1=w1, w2=w2, w3=w3, target=target, loss=loss, expected=loss_expected, y=y, z=z, e=e)
            + hint)

    expected_cache = (x, w1, w2, w3, y, z, e, target)
    if not isinstance(cache, tuple) or len(cache) != len(CACHE_LAYOUT):
        raise AssertionError(
            _("the cache must be the tuple {layout} of 8 values; got {cache!r}.").format(layout=CACHE_LAYOUT,
                                                                                         cache=cache)
            + hint_line(N_("chain_backward unpacks exactly this tuple, so keep every value in that order.")))
    for key, got, want in zip(CACHE_LAYOUT, cache, expected_cache):
        if not _matches(got, want, rtol=1e-12):
            raise AssertionError(
                _("cache entry {key!r} is {got!r}, expected {want:.10g}.").format(key=key, got=got, want=want)
                + hint_line(_("the cache is the tuple {layout}, in that order.").format(layout=CACHE_LAYOUT)))


@visible_check
def check_chain_backward(chain_backward):
    """dL/dw1, dL/dw2, dL/dw3 against the numerical gradient of the loss."""
    x, w1, w2, w3, target = 1.5, 0.8, -1.3, 0.6, -0.4
    y, z, e, _loss = _chain_values(x, w1, w2, w3, target)
    cache = (x, w1, w2, w3, y, z, e, target)

    result = chain_backward(cache)
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise AssertionError(_("chain_backward must return three gradients (dw1, dw2, dw3)."))

    def loss(w):
        return 0.5 * (w[2] * (w[1] * (w[0] * x)) - target) ** 2

    numerical = numerical_gradient(loss, np.array([w1, w2, w3]))
    formulas = {
        "dw1": "dL/dw1 = (e - target) * w3 * w2 * x",
        "dw2": "dL/dw2 = (e - target) * w3 * y",
        "dw3": "dL/dw3 = (e - target) * z",
    }
    def check(i, name):
        # Formatted (hint() translates only an exact msgid), with {scale} left for hint() to fill in.
        hints = {
            "sign": _("{name} has the wrong sign: dL/de = e - target, not target - e.").format(name=name),
            "scaled": _("{name} is {{scale:.4g}}x the correct value. The chain rule gives {formula}: "
                        "the upstream gradient times every local derivative between the weight and the loss "
                        "(a factor 2 means the ½ of L was not used to cancel the 2 of the square).").format(
                name=name, formula=formulas[name]),
        }
        check_gradient(name, result[i], numerical[i], threshold=1e-7, hints=hints)

    # Every wrong gradient is reported, each with its own hint.
    report_all([lambda i=i, name=name: check(i, name) for i, name in enumerate(("dw1", "dw2", "dw3"))])
