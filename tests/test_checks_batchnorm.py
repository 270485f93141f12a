"""The checks of 05_batchnorm: the shared tests of tests/check_harness.py
(checks pass on right answers, every listed mistake makes them fail), the
notebook's cache format, and the frequent mistakes that must be listed."""
from __future__ import annotations

import numpy as np

from autograder import assignments
from check_harness import CheckSpec, check_tests

SPEC = CheckSpec("05_batchnorm")
globals().update(check_tests(SPEC))

reference = assignments.load("05_batchnorm", "reference")


def test_notebook_solution_matches_the_reference(notebook_solutions):
    """The notebook's cache format is the reference's, so the mistakes (written
    against it) run with either forward pass."""
    mine = notebook_solutions
    rng = np.random.default_rng(0)
    x, dout = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    _, cache = mine["batchnorm_forward"](x, gamma, beta, {"mode": "train"})
    _, ref_cache = reference.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert set(cache) == set(ref_cache)
    for a, b in zip(reference.batchnorm_backward(dout, cache), mine["batchnorm_backward"](dout, ref_cache)):
        assert np.allclose(a, b, rtol=1e-9, atol=1e-12)


def test_every_frequent_mistake_is_listed():
    names = {m.name for m in SPEC.mistakes}
    for required in ("no_mean_path", "no_variance_path", "sums_without_axis", "sample_variance"):
        assert required in names
