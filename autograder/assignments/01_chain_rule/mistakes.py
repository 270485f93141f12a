"""Realistic wrong solutions for 01_chain_rule, one solution cell each."""
from autograder.mistake import Mistake, variant

# The correct cells; most chain mistakes below change one of their lines.
_CHAIN_FORWARD = '''
def chain_forward(x, w1, w2, w3, target):
    y = w1 * x
    z = w2 * y
    e = w3 * z
    loss = 0.5 * (e - target) ** 2
    return loss, (x, w1, w2, w3, y, z, e, target)
'''

_CHAIN_BACKWARD = '''
def chain_backward(cache):
    x, w1, w2, w3, y, z, e, target = cache
    de = e - target
    dz = de * w3
    dy = dz * w2
    return dy * x, dz * y, de * z
'''

MISTAKES = [
    Mistake("numerical_derivative", "one_sided", "one-sided difference", '''
def numerical_derivative(f, x, h=1e-5):
    return (f(x + h) - f(x)) / h
'''),
    Mistake("numerical_derivative", "divides_by_h", "divide by 2h, not by h", '''
def numerical_derivative(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / h
'''),
    Mistake("numerical_derivative", "precedence", "with parentheses", '''
def numerical_derivative(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / 2 * h
'''),
    Mistake("numerical_derivative", "fixed_step", "use the h passed in", '''
def numerical_derivative(f, x, h=1e-5):
    step = 1e-5
    return (f(x + step) - f(x - step)) / (2 * step)
'''),
    Mistake("numerical_derivative", "scalar_only", "no float()", '''
def numerical_derivative(f, x, h=1e-5):
    x = float(x)
    return (f(x + h) - f(x - h)) / (2 * h)
'''),
    Mistake("chain_forward", "no_half", "don't forget the ½",
            variant(_CHAIN_FORWARD, ("loss = 0.5 * (e - target) ** 2", "loss = (e - target) ** 2"))),
    Mistake("chain_forward", "cache_without_intermediates", "chain_backward unpacks exactly this tuple", '''
def chain_forward(x, w1, w2, w3, target):
    e = w3 * w2 * w1 * x
    loss = 0.5 * (e - target) ** 2
    return loss, (x, w1, w2, w3, target)
'''),
    Mistake("chain_forward", "cache_order", "in that order",
            variant(_CHAIN_FORWARD, ("(x, w1, w2, w3, y, z, e, target)", "(x, w1, w2, w3, e, z, y, target)"))),
    Mistake("chain_backward", "skips_a_link", "dL/dw1 = (e - target) * w3 * w2 * x", '''
def chain_backward(cache):
    x, w1, w2, w3, y, z, e, target = cache
    de = e - target
    dw3 = de * z
    dw2 = de * w3 * y
    dw1 = de * w2 * x
    return dw1, dw2, dw3
'''),
    Mistake("chain_backward", "target_minus_e", "dL/de = e - target, not target - e",
            variant(_CHAIN_BACKWARD, ("de = e - target", "de = target - e"))),
    Mistake("chain_backward", "half_not_cancelled", "the ½ of L was not used",
            variant(_CHAIN_BACKWARD, ("de = e - target", "de = 2 * (e - target)"))),
    Mistake("chain_backward", "input_instead_of_y", "dL/dw2 = (e - target) * w3 * y",
            variant(_CHAIN_BACKWARD, ("return dy * x, dz * y, de * z", "return dy * x, dz * x, de * z"))),
]
