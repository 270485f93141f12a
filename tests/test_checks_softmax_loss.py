"""04_softmax_loss: the shared tests of tests/check_harness.py (checks pass on
right answers and explain every listed mistake), and the net check's manners."""
import numpy as np

from autograder import assignments
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
