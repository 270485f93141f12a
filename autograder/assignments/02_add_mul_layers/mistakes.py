"""Realistic wrong solutions for 02_add_mul_layers, one solution cell (one class) each,
with the hint its visible check must give.

Every mistake is the reference's own source with one or two lines changed
(``variant`` fails loudly when the reference changes under it).
"""
from autograder import assignments
from autograder.mistake import Mistake, answer_source, source_of, variant

reference = assignments.load("02_add_mul_layers", "reference")
MUL_LAYER = source_of(reference.MulLayer)
ADD_LAYER = source_of(reference.AddLayer)
SIGMOID_LAYER = source_of(reference.SigmoidLayer)
MUL_GRADIENTS = "return dout * self.y, dout * self.x"
ADD_GRADIENTS = "return dout * 1, dout * 1"
SIGMOID_GRADIENT = "return dout * self.out * (1.0 - self.out)"

MISTAKES = [
    Mistake("MulLayer", "dot_instead_of_times", "np.dot(x, y) would add the products up",
            variant(MUL_LAYER, ("return x * y", "return np.dot(x, y)"))),
    Mistake("MulLayer", "no_swap", "dx must be dout times the OTHER input",
            variant(MUL_LAYER, (MUL_GRADIENTS, "return dout * self.x, dout * self.y"))),
    Mistake("MulLayer", "no_upstream", "the upstream gradient dout is missing",
            variant(MUL_LAYER, (MUL_GRADIENTS, "return self.y, self.x"))),
    # The inputs stored on the class: every object shares the latest forward's.
    Mistake("MulLayer", "shared_class_cache", "every MulLayer object stores its own inputs",
            variant(MUL_LAYER, ("self.x = x\n        self.y = y", "MulLayer.x = x\n        MulLayer.y = y"),
                    (MUL_GRADIENTS, "return dout * MulLayer.y, dout * MulLayer.x"))),
    Mistake("AddLayer", "in_place", "changed its input x in place",
            variant(ADD_LAYER, ("        return x + y", "        x += y\n        return x"))),
    Mistake("AddLayer", "dy_zero", "passes dout unchanged to BOTH inputs",
            variant(ADD_LAYER, (ADD_GRADIENTS, "return dout * 1, 0"))),
    Mistake("AddLayer", "local_derivative_only", "must return dout * 1, not 1",
            variant(ADD_LAYER, (ADD_GRADIENTS, "return 1, 1"))),
    Mistake("AddLayer", "single_gradient", "must return the tuple (dx, dy), one gradient per input",
            variant(ADD_LAYER, (ADD_GRADIENTS, "return dout"))),
    # sigma(-x) = e / (1 + e) where x >= 0: the two branches of the stable form swapped.
    Mistake("SigmoidLayer", "exp_sign", "with a minus sign",
            variant(SIGMOID_LAYER,
                    ("1.0 / (1.0 + e), e / (1.0 + e)", "e / (1.0 + e), 1.0 / (1.0 + e)"),
                    (SIGMOID_GRADIENT, "return -dout * self.out * (1.0 - self.out)"))),
    Mistake("SigmoidLayer", "derivative_of_input", "uses the OUTPUT s = sigma(x), not the input x",
            variant(SIGMOID_LAYER, ("        return self.out\n", "        self.x = x\n        return self.out\n"),
                    (SIGMOID_GRADIENT, "return dout * self.x * (1.0 - self.x)"))),
    Mistake("SigmoidLayer", "no_upstream", "the upstream gradient dout is missing",
            variant(SIGMOID_LAYER, (SIGMOID_GRADIENT, "return self.out * (1.0 - self.out)"))),
    # The question sigmoid_shrink_factor: an answer of the wrong form, and a wrong answer of the right form.
    Mistake("sigmoid_shrink_factor", "wrong_form", "must be one number",
            answer_source("sigmoid_shrink_factor", [4, 4, 4])),
    Mistake("sigmoid_shrink_factor", "wrong_answer", "how many times smaller did it get?",
            answer_source("sigmoid_shrink_factor", 0.25), right_form=True),
]
