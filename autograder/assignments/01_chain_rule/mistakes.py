"""Realistic wrong solutions for 01_chain_rule, each with the hint its visible check must give.

Every mistake is the reference's own source with one or two lines changed
(``variant`` fails loudly when the reference changes under it).
"""
from autograder import assignments
from autograder.mistake import Mistake, answer_source, source_of, variant

reference = assignments.load("01_chain_rule", "reference")
NUMERICAL_DERIVATIVE = source_of(reference.numerical_derivative)
NUMERICAL_GRADIENT = source_of(reference.numerical_gradient)
CHAIN_FORWARD = source_of(reference.chain_forward)
CHAIN_BACKWARD = source_of(reference.chain_backward)
CENTRAL = "return (f(x + h) - f(x - h)) / (2 * h)"

MISTAKES = [
    Mistake("numerical_derivative", "one_sided", "one-sided difference",
            variant(NUMERICAL_DERIVATIVE, (CENTRAL, "return (f(x + h) - f(x)) / h"))),
    Mistake("numerical_derivative", "divides_by_h", "divide by 2h, not by h",
            variant(NUMERICAL_DERIVATIVE, (CENTRAL, "return (f(x + h) - f(x - h)) / h"))),
    Mistake("numerical_derivative", "precedence", "with parentheses",
            variant(NUMERICAL_DERIVATIVE, (CENTRAL, "return (f(x + h) - f(x - h)) / 2 * h"))),
    Mistake("numerical_derivative", "fixed_step", "use the h passed in",
            variant(NUMERICAL_DERIVATIVE,
                    (CENTRAL, "step = 1e-5\n    return (f(x + step) - f(x - step)) / (2 * step)"))),
    Mistake("numerical_derivative", "scalar_only", "no float()",
            variant(NUMERICAL_DERIVATIVE, (CENTRAL, f"x = float(x)\n    {CENTRAL}"))),
    Mistake("numerical_gradient", "x_not_restored", "put the old value back",
            variant(NUMERICAL_GRADIENT, ("        x[idx] = old\n", ""))),
    Mistake("numerical_gradient", "one_sided", "one-sided difference",
            variant(NUMERICAL_GRADIENT, ("x[idx] = old - h", "x[idx] = old"), ("/ (2 * h)", "/ h"))),
    Mistake("numerical_gradient", "all_coordinates_at_once", "you moved all coordinates at once",
            variant(NUMERICAL_GRADIENT, ("x[idx] = old + h\n        plus = f(x)", "plus = f(x + h)"),
                    ("x[idx] = old - h\n        minus = f(x)", "minus = f(x - h)"))),
    Mistake("numerical_gradient", "divides_by_h", "divide by 2h, not by h",
            variant(NUMERICAL_GRADIENT, ("/ (2 * h)", "/ h"))),
    Mistake("chain_forward", "no_half", "don't forget the ½",
            variant(CHAIN_FORWARD, ("loss = 0.5 * (e - target) ** 2", "loss = (e - target) ** 2"))),
    Mistake("chain_forward", "cache_without_intermediates", "chain_backward unpacks exactly this tuple",
            variant(CHAIN_FORWARD, ("cache = (x, w1, w2, w3, y, z, e, target)", "cache = (x, w1, w2, w3, target)"))),
    Mistake("chain_forward", "cache_order", "in that order",
            variant(CHAIN_FORWARD, ("(x, w1, w2, w3, y, z, e, target)", "(x, w1, w2, w3, e, z, y, target)"))),
    Mistake("chain_backward", "skips_a_link", "dL/dw1 = (e - target) * w3 * w2 * x",
            variant(CHAIN_BACKWARD, ("dw1 = dy * x", "dw1 = de * w2 * x"))),
    Mistake("chain_backward", "target_minus_e", "dL/de = e - target, not target - e",
            variant(CHAIN_BACKWARD, ("de = e - target", "de = target - e"))),
    Mistake("chain_backward", "half_not_cancelled", "the ½ of L was not used",
            variant(CHAIN_BACKWARD, ("de = e - target", "de = 2 * (e - target)"))),
    Mistake("chain_backward", "input_instead_of_y", "dL/dw2 = (e - target) * w3 * y",
            variant(CHAIN_BACKWARD, ("dw2 = dz * y", "dw2 = dz * x"))),
    # The question central_error_factor: an answer of the wrong form, and a wrong answer of the right form.
    Mistake("central_error_factor", "wrong_form", "write the number without quotes",
            answer_source("central_error_factor", "100 times")),
    Mistake("central_error_factor", "wrong_answer", "compare its error at two values of h ten times apart",
            answer_source("central_error_factor", 10), right_form=True),
]
