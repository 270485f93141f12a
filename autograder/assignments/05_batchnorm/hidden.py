"""Hidden checks for 05_batchnorm: the reference on fresh inputs and edge cases.

The forward check is a stateful script: one bn_param dict is carried through
five training steps (default and custom momentum and eps), its running
statistics are read back, then it is switched to test mode, where the output
must use them and leave them unchanged; a single example in test mode must not
divide by a zero batch variance. The backward checks run the student's own
forward pass in train mode and hand its cache to the student's backward pass,
on a two-sample, a small and a large batch. Layer normalisation is checked on
batches of several sizes and a custom eps, then through one ln_param carried
across calls and switched to test mode, where nothing may have been kept; its
backward pass the way batchnorm's is. :mod:`autograder.verdicts` replays
every step on the reference and compares.
"""
from __future__ import annotations

from autograder.plans import Plan

# The loosest of the old in-kernel tolerances (forward 1e-6, dx 1e-5), tightened to one.
TOLERANCE = 1e-6
D = 5
RUNNING = ("running_mean", "running_var")
BACKWARD_SHAPES = ((2, 3), (9, 4), (50, 7))


def _inputs(rng, N, D):
    """Features with very different means and scales; gamma away from 0."""
    x = rng.standard_normal((N, D)) * rng.uniform(0.5, 5.0, D) + rng.uniform(-5.0, 5.0, D)
    return x, rng.uniform(0.3, 3.0, D), rng.standard_normal(D)


def plan_test_batchnorm_forward(rng) -> Plan:
    plan = Plan("batchnorm_forward")
    x, gamma, beta = _inputs(rng, 4, D)
    # N = 4: N - 1 and N differ by 25 %, so a sample variance shows.
    plan.call(plan.subject(), x, gamma, beta, {"mode": "train"}, compare=[[0]],
              label="batchnorm_forward train-mode out for N = 4 (the variance must be the uncorrected one)")
    for extra in ({}, {"momentum": 0.5, "eps": 1e-3}):
        settings = f"momentum {extra['momentum']}, eps {extra['eps']}" if extra else "default momentum and eps"
        # A get of a fresh dict: later steps pass this one object, so its state carries over.
        bn_param = plan.get({"mode": "train", **extra}, label="bn_param", compare=[])
        for step in range(5):
            plan.call(plan.subject(), rng.standard_normal((16, D)) * 3.0 + step, gamma, beta, bn_param,
                      label=f"batchnorm_forward training step {step + 1} ({settings})", compare=[[0]])
        for key in RUNNING:
            plan.get(bn_param.at(key), label=f"bn_param[{key!r}] after 5 training steps ({settings})")
        plan.set(bn_param, "test", key="mode", label="bn_param['mode'] = 'test'")
        plan.call(plan.subject(), rng.standard_normal((8, D)) * 10.0 - 4.0, gamma, beta, bn_param, compare=[[0]],
                  label=f"batchnorm_forward test-mode out ({settings}; must use the running statistics, "
                        "not the batch's)")
        for key in RUNNING:
            plan.get(bn_param.at(key), label=f"bn_param[{key!r}] after a test-mode call (must stay unchanged)")
    # A single example in test mode: no NaN, no division by a zero batch variance.
    bn_param = {"mode": "test", "running_mean": rng.standard_normal(D), "running_var": rng.uniform(0.5, 2.0, D)}
    plan.call(plan.subject(), x[:1], gamma, beta, bn_param, compare=[[0]],
              label="batchnorm_forward test-mode out for N = 1")
    return plan


def _backward_plan(rng, backward: str, forward: str = "batchnorm_forward", param: dict | None = None) -> Plan:
    """The student's train-mode forward makes the cache their backward pass reads."""
    plan = Plan({"forward": forward, "backward": backward})
    for N, D_ in BACKWARD_SHAPES:
        x, gamma, beta = _inputs(rng, N, D_)
        dout = rng.standard_normal((N, D_)) * 2.0 + 0.5  # not all ones: dgamma and dbeta must use dout
        forward_call = plan.call(plan.subject("forward"), x, gamma, beta, {"mode": "train"} if param is None else param,
                                 compare=[], label=f"{forward} for the cache, x ({N}, {D_})")
        plan.call(plan.subject("backward"), dout, forward_call.at(1),
                  label=f"{backward} (dx, dgamma, dbeta) for x ({N}, {D_})")
    return plan


def plan_test_batchnorm_backward(rng) -> Plan:
    return _backward_plan(rng, "batchnorm_backward")


def plan_test_batchnorm_backward_alt(rng) -> Plan:
    return _backward_plan(rng, "batchnorm_backward_alt")


def _samples(rng, N, D):
    """Samples (rows) with very different means and scales; gamma away from 0."""
    x = rng.standard_normal((N, D)) * rng.uniform(0.5, 5.0, (N, 1)) + rng.uniform(-5.0, 5.0, (N, 1))
    return x, rng.uniform(0.3, 3.0, D), rng.standard_normal(D)


def plan_test_layernorm_forward(rng) -> Plan:
    plan = Plan("layernorm_forward")
    # N = 1, N < D, N > D: statistics over the batch axis cannot match by chance.
    for N in (1, 3, 8):
        x, gamma, beta = _samples(rng, N, D)
        plan.call(plan.subject(), x, gamma, beta, {}, compare=[[0]], label=f"layernorm_forward out for x ({N}, {D})")
    x, gamma, beta = _samples(rng, 4, D)
    plan.call(plan.subject(), x * 0.1, gamma, beta, {"eps": 0.1}, compare=[[0]],
              label="layernorm_forward out with ln_param {'eps': 0.1}")
    # One ln_param through three training calls and a test-mode call: nothing may carry over.
    ln_param = plan.get({"mode": "train"}, label="ln_param", compare=[])
    for step, N in enumerate((6, 6, 2)):
        x, gamma, beta = _samples(rng, N, D)
        plan.call(plan.subject(), x + step, gamma, beta, ln_param, compare=[[0]],
                  label=f"layernorm_forward call {step + 1} with the same ln_param")
    plan.set(ln_param, "test", key="mode", label="ln_param['mode'] = 'test'")
    x, gamma, beta = _samples(rng, 5, D)
    plan.call(plan.subject(), x * 3.0 - 4.0, gamma, beta, ln_param, compare=[[0]],
              label="layernorm_forward out with ln_param {'mode': 'test'} after three calls "
                    "(each sample's own statistics: nothing is kept between calls)")
    return plan


def plan_test_layernorm_backward(rng) -> Plan:
    return _backward_plan(rng, "layernorm_backward", "layernorm_forward", {})
