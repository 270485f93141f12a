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


def test_notebook_layernorm_cache_matches_the_reference(notebook_solutions):
    """The layernorm mistakes read the reference's cache: the notebook's must be the same."""
    mine = notebook_solutions
    rng = np.random.default_rng(1)
    x, dout = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    gamma, beta = rng.standard_normal(6), rng.standard_normal(6)
    _, cache = mine["layernorm_forward"](x, gamma, beta, {})
    _, ref_cache = reference.layernorm_forward(x, gamma, beta, {})
    assert set(cache) == set(ref_cache)
    for a, b in zip(reference.layernorm_backward(dout, cache), mine["layernorm_backward"](dout, ref_cache)):
        assert np.allclose(a, b, rtol=1e-9, atol=1e-12)


def test_layernorm_is_batchnorm_of_the_transpose():
    """What the notebook teaches, on the reference: layernorm(x) = batchnorm(x.T).T before gamma
    and beta, and its dx is batchnorm_backward_alt's on the transposes."""
    rng = np.random.default_rng(2)
    x, dout = rng.standard_normal((5, 7)) * 3 + 1, rng.standard_normal((5, 7))
    gamma, beta = rng.uniform(0.5, 2, 7), rng.standard_normal(7)
    ln_param = {"eps": 1e-3}
    out, cache = reference.layernorm_forward(x, gamma, beta, ln_param)
    assert ln_param == {"eps": 1e-3}
    bn_out, bn_cache = reference.batchnorm_forward(x.T, np.ones(5), np.zeros(5), {"mode": "train", "eps": 1e-3})
    assert np.allclose(out, gamma * bn_out.T + beta)
    dx, dgamma, dbeta = reference.layernorm_backward(dout, cache)
    bn_dx, _, _ = reference.batchnorm_backward_alt((dout * gamma).T, bn_cache)
    assert np.allclose(dx, bn_dx.T)
    assert np.allclose(dgamma, (dout * bn_out.T).sum(axis=0)) and np.allclose(dbeta, dout.sum(axis=0))


def test_every_frequent_mistake_is_listed():
    names = {m.name for m in SPEC.mistakes}
    for required in ("no_mean_path", "no_variance_path", "sums_without_axis", "sample_variance",
                     "running_statistics", "batch_axis", "param_sums_over_features"):
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
