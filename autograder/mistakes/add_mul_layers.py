"""Realistic wrong solutions for 02_add_mul_layers, one solution cell (one class) each."""
from autograder.mistakes import Mistake

MISTAKES = [
    Mistake("MulLayer", "dot_instead_of_times", "np.dot(x, y) would add the products up", '''
class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x, self.y = x, y
        return np.dot(x, y)

    def backward(self, dout):
        return dout * self.y, dout * self.x
'''),
    Mistake("MulLayer", "no_swap", "dx must be dout times the OTHER input", '''
class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return dout * self.x, dout * self.y
'''),
    Mistake("MulLayer", "no_upstream", "the upstream gradient dout is missing", '''
class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return self.y, self.x
'''),
    Mistake("MulLayer", "shared_class_cache", "every MulLayer object stores its own inputs", '''
class MulLayer:
    x = None
    y = None

    def forward(self, x, y):
        MulLayer.x, MulLayer.y = x, y
        return x * y

    def backward(self, dout):
        return dout * MulLayer.y, dout * MulLayer.x
'''),
    Mistake("AddLayer", "in_place", "changed its input x in place", '''
class AddLayer:
    def forward(self, x, y):
        x += y
        return x

    def backward(self, dout):
        return dout, dout
'''),
    Mistake("AddLayer", "dy_zero", "passes dout unchanged to BOTH inputs", '''
class AddLayer:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return dout, 0
'''),
    Mistake("AddLayer", "local_derivative_only", "must return dout * 1, not 1", '''
class AddLayer:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return 1, 1
'''),
    Mistake("AddLayer", "single_gradient", "must return a pair (dx, dy)", '''
class AddLayer:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return dout
'''),
    Mistake("SigmoidLayer", "exp_sign", "with a minus sign", '''
class SigmoidLayer:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = 1 / (1 + np.exp(x))
        return self.out

    def backward(self, dout):
        return -dout * self.out * (1 - self.out)
'''),
    Mistake("SigmoidLayer", "derivative_of_input", "uses the OUTPUT s = sigma(x), not the input x", '''
class SigmoidLayer:
    def __init__(self):
        self.x = None

    def forward(self, x):
        self.x = x
        return 1 / (1 + np.exp(-x))

    def backward(self, dout):
        return dout * self.x * (1 - self.x)
'''),
    Mistake("SigmoidLayer", "no_upstream", "the upstream gradient dout is missing", '''
class SigmoidLayer:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return self.out * (1 - self.out)
'''),
]
