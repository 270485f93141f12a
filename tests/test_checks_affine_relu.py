"""03_affine_relu: the shared tests of tests/check_harness.py (checks pass on
right answers and explain every listed mistake), and the worked example."""
import numpy as np

from check_harness import CheckSpec, check_tests
from course.checks import affine_relu as checks

SPEC = CheckSpec("03_affine_relu", test_unwritten=True)
globals().update(check_tests(SPEC))


def test_worked_example_matches_the_hand_computation():
    # The notebook's worked example, row by row: [1,2,3,4] @ w + b and [0,-1,2,1] @ w + b.
    x_flat = checks.EXAMPLE_X.reshape(2, 4)
    assert x_flat.tolist() == [[1, 2, 3, 4], [0, -1, 2, 1]]
    np.testing.assert_allclose(x_flat @ checks.EXAMPLE_W + checks.EXAMPLE_B, checks.EXAMPLE_OUT)
