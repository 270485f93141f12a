"""The checks of 05_batchnorm: the shared tests of tests/check_harness.py
(checks pass on right answers, every listed mistake makes them fail), the
notebook's cache format, and the frequent mistakes that must be listed."""
from __future__ import annotations

import re

import numpy as np
import pytest

from autograder import assignments
from autograder.mistake import Mistake, source_of, variant
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


FORWARD = source_of(reference.batchnorm_forward)


@pytest.mark.parametrize("edit, message", [
    (("        mean, var = running_mean, running_var\n",
      "        mean, var = running_mean, running_var\n        bn_param['running_mean'] = 0.5 * running_mean\n"),
     "after a test-mode call (must stay unchanged)"),
    (('        bn_param["running_mean"] = momentum', '        _ = momentum'), "raised KeyError"),
    (('eps = bn_param.get("eps", 1e-5)', 'eps = 1e-5'), "(momentum 0.5, eps 0.001)"),
])
def test_hidden_forward_script_carries_bn_param_across_calls(edit, message):
    """One bn_param lives through the training steps and the test-mode call: its state is judged."""
    wrong = Mistake("batchnorm_forward", "probe", "", variant(FORWARD, edit)).compile()
    with pytest.raises(AssertionError, match=re.escape(message)):
        SPEC.hidden.check_batchnorm_forward(wrong)
