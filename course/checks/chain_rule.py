"""Visible checks for 01_chain_rule: numerical_derivative, numerical_gradient, chain_forward, chain_backward.

Expected values come from closed forms written here (x³ has an exact central
difference, F = 3x + 4y an exact gradient, the chain's derivatives from the
numerical gradient of the loss spelled out below), never from the functions under test.
"""
from __future__ import annotations

import numpy as np

from course.checks.common import call_student, require_number, report_all, unpack, visible_check
from course import gradcheck
from course.gradcheck import check_close, check_gradient, check_shape
from course.i18n import N_, _

CACHE_LAYOUT = ("x", "w1", "w2", "w3", "y", "z", "e", "target")
CACHE_ORDER_CAUSE = N_("the cache is the tuple ('x', 'w1', 'w2', 'w3', 'y', 'z', 'e', 'target'), in that order.")


def _cube(v):
    return v ** 3


# ---------------------------------------------------------------- numerical_derivative

@visible_check
def check_numerical_derivative(numerical_derivative):
    """Central difference: exact on a cubic, accurate with the default h, entrywise on arrays."""
    # For f(x) = x³ the central difference is exactly 3x² + h², so a large h
    # tells the central difference apart from the usual wrong formulas.
    x, h, f = 2.0, 0.1, _cube
    got = call_student("numerical_derivative", numerical_derivative, f, x, h)
    check_close(_("numerical_derivative(lambda x: x**3, 2.0, h=0.1) (for x³ the central difference "
                  "(f(x + h) - f(x - h)) / (2h) is exactly 3x² + h²)"), got, 3 * x ** 2 + h ** 2, threshold=1e-9,
                suspects=[
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
                     N_("the result does not depend on the argument h: use the h passed in instead of a fixed "
                        "step.")),
                ])

    # The default h must give about 10 correct digits on a smooth function.
    check_close(_("numerical_derivative(np.sin, 0.7) (default h)"),
                call_student("numerical_derivative", numerical_derivative, np.sin, 0.7), np.cos(0.7), threshold=1e-8,
                hints={"scaled": N_("with the default h the central difference of sin at 0.7 is within 1e-10 "
                                    "of cos(0.7): is the default h=1e-5 and the formula central?")})

    # f works entrywise on arrays, so the same formula must too.
    xs = np.array([-1.5, -0.3, 0.0, 0.8, 2.5])
    array_hint = N_("x is an array here: write the formula with whole arrays (no float() or math "
                    "functions) so the result has the shape of x.")
    got = call_student("numerical_derivative", numerical_derivative, lambda v: v ** 3 - 2 * v, xs,
                       hints={"raised": array_hint,
                              "modified_input": N_("compute x + h and x - h as new values instead of modifying "
                                                   "x in place.")})
    check_close(_("numerical_derivative of x³ - 2x at an array of points"), got, 3 * xs ** 2 - 2, threshold=1e-8,
                hints={"shape": array_hint,
                       "reshaped": N_("the result must have the shape of x.")})


# ---------------------------------------------------------------- numerical_gradient

def _plane(v):
    return 3 * v[0] + 4 * v[1]


def _sum_of_cubes(v):
    return np.sum(v ** 3)


GRADIENT_CALL_HINTS = {
    "modified_input": N_("after probing x[idx] with old + h and old - h, put the old value back (x[idx] = old): "
                         "the caller's x must come back unchanged, and the next entry must be probed at the "
                         "original point."),
    "raised": N_("x is a float array here: index it with a tuple of indices (np.ndindex(*x.shape) gives them "
                 "all) and call f with the whole array."),
}
GRADIENT_SHAPE_HINTS = {
    "shape": N_("return one partial derivative per entry of x, an array of x's shape (np.zeros_like(x) to "
                "start)."),
    "reshaped": N_("return an array of x's shape, not a flat one."),
}
TWICE_THE_GRADIENT = N_("twice the gradient: divide by 2h, not by h (the two probes are 2h apart).")
ALL_AT_ONCE = N_("every entry is the same number: you moved all coordinates at once. Change only x[idx], so "
                 "each entry measures how f changes along its own coordinate.")


@visible_check
def check_numerical_gradient(numerical_gradient):
    """Central differences one entry at a time: F = 3x + 4y, a cubic on a 2-D array, x left unchanged."""
    got = call_student("numerical_gradient", numerical_gradient, _plane, np.array([1.0, 2.0]),
                       hints=GRADIENT_CALL_HINTS)
    check_close(_("numerical_gradient of F(x, y) = 3x + 4y at (1, 2) (its gradient is (3, 4) everywhere)"),
                got, np.array([3.0, 4.0]), threshold=1e-8, hints=GRADIENT_SHAPE_HINTS,
                suspects=[(np.array([6.0, 8.0]), TWICE_THE_GRADIENT), (np.array([7.0, 7.0]), ALL_AT_ONCE)])

    # For v³ the central difference is exactly 3v² + h² in each coordinate; a large h
    # tells it apart from the one-sided (f(x + h) - f(x)) / h = 3v² + 3vh + h².
    x = np.array([[0.5, -1.0, 1.5], [2.0, 0.0, -0.5]])
    h = 0.1
    got = call_student("numerical_gradient", numerical_gradient, _sum_of_cubes, x, h, hints=GRADIENT_CALL_HINTS)
    check_close(_("numerical_gradient of sum(x**3) at a (2, 3) array, h=0.1 (the central difference is exactly "
                  "3x² + h² in each entry)"), got, 3 * x ** 2 + h ** 2, threshold=1e-9, hints=GRADIENT_SHAPE_HINTS,
                suspects=[
                    (3 * x ** 2 + 3 * x * h + h ** 2,
                     N_("this is the one-sided difference (f(x + h) - f(x)) / h in each entry; probe both sides, "
                        "(f(x + h) - f(x - h)) / (2h), whose error shrinks like h² instead of h.")),
                    (2 * (3 * x ** 2 + h ** 2), TWICE_THE_GRADIENT),
                    ((_sum_of_cubes(x + h) - _sum_of_cubes(x - h)) / (2 * h), ALL_AT_ONCE),
                    (3 * x ** 2, N_("the result does not depend on the argument h: use the h passed in.")),
                ])


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
    loss, cache = unpack("chain_forward", call_student("chain_forward", chain_forward, x, w1, w2, w3, target),
                         2, "(loss, cache)")
    check_close(_("chain_forward(x={x}, w1={w1}, w2={w2}, w3={w3}, target={target}) loss "
                  "(y = {y:.6g}, z = {z:.6g}, e = {e:.6g})").format(x=x, w1=w1, w2=w2, w3=w3, target=target,
                                                                    y=y, z=z, e=e),
                loss, loss_expected, threshold=1e-10, suspects=[
                    ((e - target) ** 2,
                     N_("the loss is twice too large: L = ½ (e - target)², don't forget the ½.")),
                    (0.5 * (e - target), N_("the difference must be squared: L = ½ (e - target)².")),
                    (0.5 * (w1 * w2 * w3 - target) ** 2, N_("the input x is missing: y = w1 * x.")),
                ])

    expected_cache = (x, w1, w2, w3, y, z, e, target)
    check_shape(_("the cache"), cache, (len(CACHE_LAYOUT),), hints={
        kind: _("the cache must be the tuple {layout} of 8 values: chain_backward unpacks exactly this "
                "tuple, so keep every value in that order.").format(layout=CACHE_LAYOUT)
        for kind in ("shape", "reshaped")})
    # A single number that is wrong is off by some factor: the diagnosis is the layout.
    order_hints = {kind: CACHE_ORDER_CAUSE for kind in ("scaled", "sign", "all_zero")}
    for key, got, want in zip(CACHE_LAYOUT, cache, expected_cache):
        check_close(_("cache entry {key!r}").format(key=key), got, want, threshold=1e-12, hints=order_hints)


@visible_check
def check_chain_backward(chain_backward):
    """dL/dw1, dL/dw2, dL/dw3 against the numerical gradient of the loss."""
    x, w1, w2, w3, target = 1.5, 0.8, -1.3, 0.6, -0.4
    y, z, e, _loss = _chain_values(x, w1, w2, w3, target)
    cache = (x, w1, w2, w3, y, z, e, target)

    result = unpack("chain_backward", call_student("chain_backward", chain_backward, cache), 3, "(dw1, dw2, dw3)")

    def loss(w):
        return 0.5 * (w[2] * (w[1] * (w[0] * x)) - target) ** 2

    numerical = gradcheck.numerical_gradient(loss, np.array([w1, w2, w3]))
    formulas = {
        "dw1": "dL/dw1 = (e - target) * w3 * w2 * x",
        "dw2": "dL/dw2 = (e - target) * w3 * y",
        "dw3": "dL/dw3 = (e - target) * z",
    }
    def check(i, name):
        hints = {  # made here, translated; hint() leaves them as they are and fills in {scale}
            "sign": _("{name} has the wrong sign: dL/de = e - target, not target - e.").format(name=name),
            "scaled": _("{name} is {{scale:.4g}}x the correct value. The chain rule gives {formula}: "
                        "the upstream gradient times every local derivative between the weight and the loss "
                        "(a factor 2 means the ½ of L was not used to cancel the 2 of the square).").format(
                name=name, formula=formulas[name]),
        }
        check_gradient(name, result[i], numerical[i], threshold=1e-7, hints=hints)

    # Every wrong gradient is reported, each with its own hint.
    report_all([lambda i=i, name=name: check(i, name) for i, name in enumerate(("dw1", "dw2", "dw3"))])


# ---------------------------------------------------------------- questions

@visible_check
def check_central_error_factor(central_error_factor):
    """Your answer is a number; whether it is right is decided when your notebook is graded."""
    require_number("central_error_factor", central_error_factor)
