"""Frequent wrong solutions for 04_softmax_loss, each with the hint its visible check must give.

The TwoLayerNet mistakes call the layers of 03 and softmax_loss by name:
compile them with a namespace that provides those (e.g. the reference module).
"""
from autograder.mistake import Mistake, variant

# The correct cells; most mistakes below change one or two of their lines.
_SOFTMAX_LOSS = """
def softmax_loss(x, y):
    N = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    p = np.exp(log_p)
    loss = -log_p[np.arange(N), y].mean()
    dx = p.copy()
    dx[np.arange(N), y] -= 1
    return loss, dx / N
"""

_TWO_LAYER_NET = """
class TwoLayerNet:
    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        self.reg = reg
        self.params = {"W1": weight_scale * np.random.randn(input_dim, hidden_dim), "b1": np.zeros(hidden_dim),
                       "W2": weight_scale * np.random.randn(hidden_dim, num_classes), "b2": np.zeros(num_classes)}

    def loss(self, X, y=None):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        h, cache1 = affine_forward(X, W1, b1)
        a, cache_relu = relu_forward(h)
        scores, cache2 = affine_forward(a, W2, b2)
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        grads = {}
        da, grads["W2"], grads["b2"] = affine_backward(dscores, cache2)
        dh = relu_backward(da, cache_relu)
        _, grads["W1"], grads["b1"] = affine_backward(dh, cache1)
        grads["W1"] += self.reg * W1
        grads["W2"] += self.reg * W2
        return loss, grads
"""

# Probabilities first, then their log: right on mild scores, -log(0) = inf once p underflows.
_LOG_OF_UNDERFLOWED_P = """
def softmax_loss(x, y):
    N = x.shape[0]
    exp = np.exp(x - x.max(axis=1, keepdims=True))
    p = exp / exp.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(N), y]).mean()
    dx = p.copy()
    dx[np.arange(N), y] -= 1
    return loss, dx / N
"""

MISTAKES = [
    Mistake("softmax_loss", "no_max_shift", "Subtract each row's maximum from the scores before np.exp",
            variant(_LOG_OF_UNDERFLOWED_P,
                    ("exp = np.exp(x - x.max(axis=1, keepdims=True))", "exp = np.exp(x)"))),
    Mistake("softmax_loss", "log_of_underflowed_p", "instead of np.log(p)", _LOG_OF_UNDERFLOWED_P),
    Mistake("softmax_loss", "shift_in_place", "softmax_loss changed its input x in place", """
def softmax_loss(x, y):
    N = x.shape[0]
    x -= x.max(axis=1, keepdims=True)
    log_p = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(N), y].mean()
    dx = np.exp(log_p)
    dx[np.arange(N), y] -= 1
    return loss, dx / N
"""),
    Mistake("softmax_loss", "dx_not_divided_by_n", "so dx = (p - onehot) / N is divided by N as well",
            variant(_SOFTMAX_LOSS, ("return loss, dx / N", "return loss, dx"))),
    Mistake("softmax_loss", "loss_summed", "it is the mean over the batch, divide the sum by N",
            variant(_SOFTMAX_LOSS, ("loss = -log_p[np.arange(N), y].mean()", "loss = -log_p[np.arange(N), y].sum()"))),
    Mistake("softmax_loss", "no_onehot", "subtract 1 at the correct class of every row",
            variant(_SOFTMAX_LOSS, ("""    dx = p.copy()
    dx[np.arange(N), y] -= 1
    return loss, dx / N""", "    return loss, p / N"))),
    Mistake("softmax_loss", "no_keepdims", "use keepdims=True",
            variant(_SOFTMAX_LOSS,
                    ("shifted = x - x.max(axis=1, keepdims=True)", "shifted = x - x.max(axis=1)"),
                    ("np.exp(shifted).sum(axis=1, keepdims=True)", "np.exp(shifted).sum(axis=1)"))),
    Mistake("TwoLayerNet", "l2_without_half", "the course uses 0.5 * reg * sum(W^2)",
            variant(_TWO_LAYER_NET, ("loss += 0.5 * self.reg * (", "loss += self.reg * ("))),
    Mistake("TwoLayerNet", "reg_gradient_missing", "add reg * W to the gradient of each W",
            variant(_TWO_LAYER_NET, ("""        grads["W1"] += self.reg * W1
        grads["W2"] += self.reg * W2
""", ""))),
    Mistake("TwoLayerNet", "biases_regularized", "regularise only W1 and W2",
            variant(_TWO_LAYER_NET,
                    ("""        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        h, cache1 = affine_forward(X, W1, b1)""",
                     """        h, cache1 = affine_forward(X, self.params["W1"], self.params["b1"])"""),
                    ("affine_forward(a, W2, b2)", """affine_forward(a, self.params["W2"], self.params["b2"])"""),
                    ("(np.sum(W1 * W1) + np.sum(W2 * W2))", "sum(np.sum(p * p) for p in self.params.values())"),
                    ("""        grads["W1"] += self.reg * W1
        grads["W2"] += self.reg * W2""", """        for name, p in self.params.items():
            grads[name] += self.reg * p"""))),
    Mistake("TwoLayerNet", "weights_not_scaled", "draw it as weight_scale * np.random.randn(rows, cols)",
            variant(_TWO_LAYER_NET,
                    ('"W1": weight_scale * np.random.randn(', '"W1": np.random.randn('),
                    ('"W2": weight_scale * np.random.randn(', '"W2": np.random.randn('))),
]
