"""04_softmax_loss: the shared tests of tests/check_harness.py (checks pass on
right answers and explain every listed mistake), and the net check's manners."""
import numpy as np

from autograder import assignments, verdicts
from check_harness import CheckSpec, check_tests
from course import previous
from course.checks import softmax_loss as checks
from notebooks import SOURCE

reference = assignments.load("04_softmax_loss", "reference")

LAYERS = ["affine_forward", "affine_backward", "relu_forward", "relu_backward"]


def _load_notebook(graded):
    """softmax_loss and TwoLayerNet from source/04, wired to the layers of source/03
    (the notebook gets those from previous.load in a cell that is not a solution cell)."""
    layers = dict(zip(LAYERS, previous.load("03_affine_relu", LAYERS, course_dir=SOURCE)))
    objs = dict(zip(graded, previous.load("04_softmax_loss", graded, course_dir=SOURCE)))
    objs["TwoLayerNet"].loss.__globals__.update(layers)
    return objs


SPEC = CheckSpec(
    "04_softmax_loss",
    mistake_namespace=tuple(LAYERS) + ("softmax_loss",),  # names a TwoLayerNet mistake calls
    load_notebook=_load_notebook,
    test_unwritten=True,
)
globals().update(check_tests(SPEC))


def test_net_check_leaves_the_global_random_stream_alone():
    np.random.seed(7)
    expected = np.random.rand()
    np.random.seed(7)
    checks.check_TwoLayerNet(reference.TwoLayerNet)
    assert np.random.rand() == expected


def test_hidden_check_judges_the_initial_weights_by_shape_and_spread():
    """The script sets fresh parameters before any call, so only the custom judge sees the initial ones."""
    class Transposed(reference.TwoLayerNet):
        def __init__(self, input_dim, hidden_dim, num_classes, weight_scale, reg):
            super().__init__(input_dim, hidden_dim, num_classes, weight_scale, reg)
            self.params["W1"] = weight_scale * np.random.randn(hidden_dim, input_dim)

    class HalfScale(reference.TwoLayerNet):
        def __init__(self, input_dim, hidden_dim, num_classes, weight_scale, reg):
            super().__init__(input_dim, hidden_dim, num_classes, weight_scale / 2, reg)

    assert verdicts.check_in_process("test_TwoLayerNet", reference.TwoLayerNet).passed
    transposed = verdicts.check_in_process("test_TwoLayerNet", Transposed)
    assert transposed == verdicts.Verdict(False, "hidden test: params['W1'] should have shape (48, 9).")
    half = verdicts.check_in_process("test_TwoLayerNet", HalfScale)
    assert not half.passed and "expected about weight_scale=0.3" in half.message
