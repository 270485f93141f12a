"""Realistic wrong solutions for 02_add_mul_layers, one solution cell (one class) each."""
from autograder.mistake import Mistake, variant

# The correct cells; most mistakes below change one or two of their lines.
_MUL_LAYER = """
class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return dout * self.y, dout * self.x
"""

_ADD_LAYER = """
class AddLayer:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return dout, dout
"""

_SIGMOID_LAYER = """
class SigmoidLayer:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * self.out * (1 - self.out)
"""

MISTAKES = [
    Mistake("MulLayer", "dot_instead_of_times", "np.dot(x, y) would add the products up",
            variant(_MUL_LAYER, ("return x * y", "return np.dot(x, y)"))),
    Mistake("MulLayer", "no_swap", "dx must be dout times the OTHER input",
            variant(_MUL_LAYER, ("return dout * self.y, dout * self.x", "return dout * self.x, dout * self.y"))),
    Mistake("MulLayer", "no_upstream", "the upstream gradient dout is missing",
            variant(_MUL_LAYER, ("return dout * self.y, dout * self.x", "return self.y, self.x"))),
    Mistake("MulLayer", "shared_class_cache", "every MulLayer object stores its own inputs", """
class MulLayer:
    x = None
    y = None

    def forward(self, x, y):
        MulLayer.x, MulLayer.y = x, y
        return x * y

    def backward(self, dout):
        return dout * MulLayer.y, dout * MulLayer.x
"""),
    Mistake("AddLayer", "in_place", "changed its input x in place",
            variant(_ADD_LAYER, ("        return x + y", "        x += y\n        return x"))),
    Mistake("AddLayer", "dy_zero", "passes dout unchanged to BOTH inputs",
            variant(_ADD_LAYER, ("return dout, dout", "return dout, 0"))),
    Mistake("AddLayer", "local_derivative_only", "must return dout * 1, not 1",
            variant(_ADD_LAYER, ("return dout, dout", "return 1, 1"))),
    Mistake("AddLayer", "single_gradient", "must return a pair (dx, dy)",
            variant(_ADD_LAYER, ("return dout, dout", "return dout"))),
    Mistake("SigmoidLayer", "exp_sign", "with a minus sign",
            variant(_SIGMOID_LAYER,
                    ("self.out = 1 / (1 + np.exp(-x))", "self.out = 1 / (1 + np.exp(x))"),
                    ("return dout * self.out * (1 - self.out)", "return -dout * self.out * (1 - self.out)"))),
    # Keeps the input instead of the output, so it differs from the right cell on most lines.
    Mistake("SigmoidLayer", "derivative_of_input", "uses the OUTPUT s = sigma(x), not the input x", """
class SigmoidLayer:
    def __init__(self):
        self.x = None

    def forward(self, x):
        self.x = x
        return 1 / (1 + np.exp(-x))

    def backward(self, dout):
        return dout * self.x * (1 - self.x)
"""),
    Mistake("SigmoidLayer", "no_upstream", "the upstream gradient dout is missing",
            variant(_SIGMOID_LAYER, ("return dout * self.out * (1 - self.out)", "return self.out * (1 - self.out)"))),
]
