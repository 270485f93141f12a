"""Hidden reference implementation of the whole course API (instructor only).

``from autograder.reference import affine_forward`` etc. ``Solver`` is the
student-facing ``course.solver.Solver``, re-exported lazily.
"""
from .chain_rule import chain_backward, chain_forward, numerical_derivative
from .graph_layers import AddLayer, MulLayer, SigmoidLayer
from .layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
)
from .losses import softmax_loss
from .nets import FullyConnectedNet, TwoLayerNet
from .optim import adam, rmsprop, sgd, sgd_momentum

# Solver stays out of __all__: `import *` must work before course/solver.py exists.
__all__ = [
    "numerical_derivative", "chain_forward", "chain_backward",
    "MulLayer", "AddLayer", "SigmoidLayer",
    "affine_forward", "affine_backward", "relu_forward", "relu_backward",
    "sigmoid_forward", "sigmoid_backward",
    "softmax_loss", "TwoLayerNet",
    "batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
    "dropout_forward", "dropout_backward", "FullyConnectedNet",
    "sgd", "sgd_momentum", "rmsprop", "adam",
]


def __getattr__(name):
    if name == "Solver":
        from course.solver import Solver
        return Solver
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
