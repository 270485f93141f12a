"""Hidden checks for 06_dropout, judged outside the kernel by statistics and exact properties.

No check depends on which units a seed drops: a student's generator may draw
its mask in another order and still be right. So dropout is judged by the
fraction of zeros and the mean ratio (each within five standard deviations:
:func:`zeros_tolerance`, :func:`course.checks.dropout.mean_ratio_tolerance`), the kept
units (x / (1 - p)), a seed that fixes the mask and calls without one that do
not; its backward pass against the student's own seeded mask. FullyConnectedNet
is a stateful script: built from the same arguments as the reference, given
the same parameters, then compared in test mode, and without dropout in train
mode; with dropout its gradients are compared with central differences of the
student's own loss, every parameter entry moved by +-h through ``net.params``.
"""
from __future__ import annotations

import numpy as np

from autograder import assignments
from autograder.plans import Plan, Ref
from autograder.verdicts import PASSED, Verdict, judge_recorded, replay
from course.checks.dropout import mean_ratio_tolerance
from course.gradcheck import check_close

ASSIGNMENT = "06_dropout"
P_VALUES = (0.1, 0.35, 0.8)
OTHER_SHAPES = ((1000,), (4, 3, 8, 8))
BACKWARD_CASES = (((20, 30), 0.4), ((3, 4, 5), 0.75))
CONFIGS = [
    dict(hidden_dims=[7]),
    dict(hidden_dims=[6, 5, 4], normalization="batchnorm"),
    dict(hidden_dims=[5, 5], dropout=0.4),
    dict(hidden_dims=[6, 4], normalization="batchnorm", dropout=0.2, reg=0.5),
    dict(hidden_dims=[], reg=0.1),
    dict(hidden_dims=[6, 5], normalization="layernorm"),
]
N, D, C = 7, 9, 5
H = 1e-5  # the step of course.gradcheck.numerical_gradient


class _Failed(Exception):
    """A judged property does not hold; its message is the verdict's."""


def _judged(plan: Plan, recorded, check) -> Verdict:
    """Errors, skipped steps and inputs changed in place first (every step's ``compare`` is
    empty, so judge_recorded checks only those), then ``check(results)``."""
    verdict = judge_recorded(plan, recorded, replay(ASSIGNMENT, plan))
    if not verdict.passed:
        return verdict
    try:
        check(recorded.results)
    except (_Failed, AssertionError) as err:
        return Verdict(False, f"hidden test: {err}")
    return PASSED


def _array(label: str, value, shape=None) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise _Failed(f"{label}: expected an array, got {type(value).__name__}.")
    if shape is not None and value.shape != tuple(shape):
        raise _Failed(f"{label}: shape {value.shape}, expected {tuple(shape)}.")
    return value


def _pair(label: str, value):
    if not isinstance(value, tuple) or len(value) != 2:
        raise _Failed(f"{label}: must return a tuple of 2 values, got {type(value).__name__}.")
    return value


# --- dropout_forward --------------------------------------------------------------------------------


# 20,000 units: every statistic below stays within five standard deviations for a correct dropout, and every
# catalogued mistake lands tens of deviations beyond (no 1 / (1 - p) at p = 0.1: a mean ratio of 0.9, 42 of them);
# each submission records 4.2 MB for this plan (300 x 700 units recorded 43.7 MB).
FORWARD_SHAPE = (100, 200)


def zeros_tolerance(p: float, size: int) -> float:
    """Five standard deviations of the fraction of units a correct dropout drops (binomial, ``size`` draws)."""
    return 5.0 * float(np.sqrt(p * (1 - p) / size))


def plan_test_dropout_forward(rng) -> Plan:
    plan = Plan("dropout_forward")
    x = Ref(plan.value(rng.uniform(1.0, 3.0, FORWARD_SHAPE)))  # positive: zeros are dropped units
    for p in P_VALUES:
        plan.call(plan.subject(), x, {"mode": "train", "p": p, "seed": 21}, compare=[],
                  label=f"dropout_forward train mode, p = {p}, seed 21")
        plan.call(plan.subject(), x, {"mode": "test", "p": p}, compare=[],
                  label=f"dropout_forward test mode, p = {p}")
        for call in ("first", "second"):
            plan.call(plan.subject(), x, {"mode": "train", "p": p, "seed": 11}, compare=[],
                      label=f"dropout_forward p = {p}, seed 11 ({call} call)")
    # np.random seeded before the first: the same two masks at every regrade.
    plan.call(plan.subject(), x, {"mode": "train", "p": 0.5}, seed=0, compare=[],
              label="dropout_forward without a seed (first call)")
    plan.call(plan.subject(), x, {"mode": "train", "p": 0.5}, compare=[],
              label="dropout_forward without a seed (second call)")
    for shape in OTHER_SHAPES:
        plan.call(plan.subject(), rng.uniform(1.0, 2.0, shape), {"mode": "train", "p": 0.3, "seed": 0},
                  compare=[], label=f"dropout_forward for an input of shape {shape}")
    return plan


def judge_test_dropout_forward(plan: Plan, recorded, workdir) -> Verdict:
    x = plan.arrays["a0"]

    def check(results):
        outs = iter(_array(step["label"], _pair(step["label"], result)[0])
                    for step, result in zip(plan.steps, results))
        for p in P_VALUES:
            out = next(outs)
            if out.shape != x.shape:
                raise _Failed(f"p = {p}: output of shape {out.shape}, expected {x.shape}")
            dropped = float(np.mean(out == 0))
            if abs(dropped - p) > zeros_tolerance(p, x.size):
                raise _Failed(f"p = {p}: fraction of zeros {dropped:.3f}, expected {p}")
            ratio = float(out.mean() / x.mean())
            if abs(ratio - 1) > mean_ratio_tolerance(p, x.size):
                raise _Failed(f"p = {p}: mean(out) / mean(x) = {ratio:.3f}, expected 1 (inverted dropout)")
            kept = out != 0
            check_close(f"p = {p}: kept units", out[kept], x[kept] / (1 - p), 1e-12)
            if not np.array_equal(next(outs), x):
                raise _Failed(f"p = {p}: test mode is not the identity")
            if not np.array_equal(next(outs), next(outs)):
                raise _Failed(f"p = {p}: the same seed gave different masks")
        if np.array_equal(next(outs), next(outs)):
            raise _Failed("two calls without a seed dropped the same units")
        for shape in OTHER_SHAPES:
            if next(outs).shape != shape:
                raise _Failed(f"input of shape {shape}: output of another shape")

    return _judged(plan, recorded, check)


# --- dropout_backward -------------------------------------------------------------------------------


def plan_test_dropout_backward(rng) -> Plan:
    """Per case: forward on x and on another x' with the same seed (one mask: out = x * mask
    for both, so the numerical gradient of the forward pass is dout * out / x), backward;
    then the test-mode pair."""
    plan = Plan({"forward": "dropout_forward", "backward": "dropout_backward"})
    for shape, p in BACKWARD_CASES:
        param = {"mode": "train", "p": p, "seed": 5}
        x, other = rng.standard_normal(shape) + 3.0, rng.standard_normal(shape) + 3.0
        dout = rng.standard_normal(shape)
        forward = plan.call(plan.subject("forward"), x, param, compare=[], label=f"dropout_forward, p = {p}")
        plan.call(plan.subject("forward"), other, param, compare=[],
                  label=f"dropout_forward on another x with the same seed, p = {p}")
        plan.call(plan.subject("backward"), dout, forward.at(1), compare=[], label=f"dropout_backward, p = {p}")
        test = plan.call(plan.subject("forward"), x, {"mode": "test", "p": p}, compare=[],
                         label=f"dropout_forward test mode, p = {p}")
        plan.call(plan.subject("backward"), dout, test.at(1), compare=[],
                  label=f"dropout_backward test mode, p = {p}")
    return plan


def judge_test_dropout_backward(plan: Plan, recorded, workdir) -> Verdict:
    def argument(index):
        return plan.arrays[plan.steps[index]["args"][0]["array"]]

    def check(results):
        for case, (shape, p) in enumerate(BACKWARD_CASES):
            first = 5 * case  # forward, forward on another x, backward, test-mode forward and backward
            x, other, dout = argument(first), argument(first + 1), argument(first + 2)
            label = plan.steps[first]["label"]
            out = _array(label, _pair(label, results[first])[0], shape)
            again = _array(f"{label} (another x)", _pair(label, results[first + 1])[0], shape)
            check_close(f"p = {p}: the seeded mask out / x for two inputs (out must be x * mask)",
                        again / other, out / x, 1e-10)
            check_close(f"dx for p = {p}", _array(f"dropout_backward, p = {p}", results[first + 2], shape),
                        dout * out / x, 1e-10)
            check_close(f"test-mode dx, p = {p}",
                        _array(f"dropout_backward test mode, p = {p}", results[first + 4], shape), dout, 1e-12)

    return _judged(plan, recorded, check)


# --- FullyConnectedNet -----------------------------------------------------------------------------


def _build(plan: Plan, config: dict, label: str) -> Ref:
    kwargs = dict(input_dim=D, num_classes=C, weight_scale=0.4, **config)
    return plan.call(plan.subject(), keywords=dict(kwargs, seed=3), compare=[], label=label)


def plan_test_FullyConnectedNet_api(rng) -> Plan:
    plan = Plan("FullyConnectedNet")
    for config in CONFIGS:
        net = _build(plan, config, f"FullyConnectedNet({config})")
        if config.get("normalization") == "batchnorm":  # mark the first dict: a shared one shows it everywhere
            plan.set(plan.get(net, "bn_params", compare=[], label=f"{config}: bn_params").at(0), 1,
                     key="shared_probe", label=f"{config}: bn_params[0]['shared_probe'] = 1")
        for attr in ("params", "bn_params", "dropout_param"):
            plan.get(net, attr, compare=[], label=f"{config}: {attr}")
    # Without a seed the global generator is used: np.random.seed makes nets reproducible.
    for call in ("first", "second"):
        net = plan.call(plan.subject(), [5], input_dim=4, num_classes=3, seed=0, compare=[],
                        label=f"FullyConnectedNet([5], input_dim=4, num_classes=3) after np.random.seed(0), {call}")
        plan.get(net, "params", compare=[], label=f"params of the {call} net built after np.random.seed(0)")
    big = plan.call(plan.subject(), [300, 300], input_dim=200, num_classes=10, weight_scale=2e-2,
                    keywords={"seed": 9}, compare=[], label="FullyConnectedNet([300, 300], weight_scale=2e-2)")
    plan.get(big, "params", compare=[], label="params of FullyConnectedNet([300, 300], weight_scale=2e-2)")
    return plan


def judge_test_FullyConnectedNet_api(plan: Plan, recorded, workdir) -> Verdict:
    reference = replay(ASSIGNMENT, plan).results

    def check(results):
        i = 0
        for config in CONFIGS:
            i += 3 if config.get("normalization") == "batchnorm" else 1  # built (bn_params marked)
            mine, theirs = results[i], reference[i]
            if not isinstance(mine, dict):
                raise _Failed(f"{config}: params is a {type(mine).__name__}, expected a dict")
            shapes = {key: np.shape(v) for key, v in mine.items()}
            expected = {key: v.shape for key, v in theirs.items()}
            if shapes != expected:
                raise _Failed(f"{config}: parameters {shapes}, expected {expected}")
            for key, value in theirs.items():
                if not key.startswith("W"):
                    check_close(f"{config}: initial {key}", mine[key], value, 0)
            bn_params, expected_bn = results[i + 1], reference[i + 1]
            if not isinstance(bn_params, list) or len(bn_params) != len(expected_bn):
                raise _Failed(f"{config}: bn_params should be a list of {len(expected_bn)} dicts")
            if sum(isinstance(b, dict) and "shared_probe" in b for b in bn_params) > 1:
                raise _Failed(f"{config}: the bn_params share a dict")
            dropout_param, expected_dropout = results[i + 2], reference[i + 2]
            if expected_dropout and (not isinstance(dropout_param, dict)
                                     or dropout_param.get("p") != expected_dropout["p"]):
                raise _Failed(f"{config}: dropout_param {dropout_param}")
            i += 3
        first, second = results[i + 1], results[i + 3]  # each net built, then its params
        if not (isinstance(first, dict) and isinstance(second, dict) and set(first) == set(second)
                and all(np.array_equal(first[key], second[key]) for key in first)):
            raise _Failed("seed=None: the weights ignore np.random.seed")
        big = results[i + 5]
        for key in ("W1", "W2", "W3"):
            std = float(np.std(_array(f"params[{key!r}]", big.get(key) if isinstance(big, dict) else None)))
            if abs(std / 2e-2 - 1) > 0.05:
                raise _Failed(f"{key} standard deviation {std:.4f}, expected weight_scale 0.02")

    return _judged(plan, recorded, check)


def _net_inputs(rng):
    return rng.standard_normal((N, D)), rng.integers(0, C, N)


def plan_test_FullyConnectedNet_gradients(rng) -> Plan:
    reference = assignments.load(ASSIGNMENT, "reference")
    plan = Plan("FullyConnectedNet")
    X, y = _net_inputs(rng)
    for config in CONFIGS:
        net = _build(plan, config, f"FullyConnectedNet({config})")
        params = plan.get(net, "params", compare=[], label=f"{config}: params")
        # The same starting point whatever the student's draws; nonzero biases keep units with
        # all inputs dropped off ReLU's kink.
        start = {}
        for key, value in reference.FullyConnectedNet(input_dim=D, num_classes=C, weight_scale=0.4, seed=3,
                                                      **config).params.items():
            start[key] = value + (0 if key.startswith("W") else rng.uniform(-0.3, 0.3, value.shape))
            plan.set(params, start[key], key=key, label=f"{config}: params[{key!r}] = the test's values")
        plan.call(net, X, method="loss", compare=[], label=f"{config}: scores (test mode)")
        plan.call(net, X, y, method="loss", compare=[], label=f"{config}: loss and grads")
        if config.get("dropout"):  # the student's own seeded mask: central differences of their loss
            for key in sorted(start):
                for idx in np.ndindex(*start[key].shape):
                    for sign in (1, -1):
                        moved = start[key].copy()
                        moved[idx] += sign * H
                        plan.set(params, moved, key=key, label=f"{config}: params[{key!r}] moved")
                        plan.call(net, X, y, method="loss", compare=[],
                                  label=f"{config}: loss with params[{key!r}]{list(idx)} moved by {sign * H:+g}")
                plan.set(params, start[key], key=key, label=f"{config}: params[{key!r}] back")
        else:
            plan.get(net, "bn_params", compare=[], label=f"{config}: bn_params after one step")
    # A float32 net still returns a gradient for every parameter.
    small = plan.call(plan.subject(), [4], input_dim=5, num_classes=3, dtype="float32", keywords={"seed": 0},
                      compare=[], label="FullyConnectedNet([4], dtype=float32)")
    plan.get(small, "params", compare=[], label="params of the float32 net")
    plan.call(small, rng.standard_normal((3, 5)), np.array([0, 1, 2]), method="loss", compare=[],
              label="loss of the float32 net")
    return plan


def _net_gradient(name, analytic, numeric, threshold=1e-6):
    """check_close, except for gradients that are zero in exact arithmetic (the biases
    before a batchnorm layer): there only an absolute bound makes sense."""
    if np.max(np.abs(numeric)) < 1e-8:
        worst = float(np.max(np.abs(_array(name, analytic))))
        if worst > 1e-8:
            raise _Failed(f"{name} should be zero (the numerical gradient is), yours has an entry {worst:.3e}.")
        return
    check_close(name, analytic, numeric, threshold)


def _grads(label, result) -> tuple:
    loss, grads = _pair(label, result)
    if not isinstance(grads, dict):
        raise _Failed(f"{label}: grads is a {type(grads).__name__}, expected a dict")
    return loss, grads


def judge_test_FullyConnectedNet_gradients(plan: Plan, recorded, workdir) -> Verdict:
    reference = replay(ASSIGNMENT, plan).results
    labels = [step["label"] for step in plan.steps]

    def check(results):
        i = 0
        for config in CONFIGS:
            i += 2 + sum(1 for _ in reference[i + 1])  # build, get params, one set per parameter
            check_close(f"{config}: scores", results[i], reference[i], 1e-7)
            loss, grads = _grads(labels[i + 1], results[i + 1])
            _, ref_grads = reference[i + 1]
            i += 2
            if config.get("dropout"):
                for key in sorted(ref_grads):
                    numeric = np.zeros(ref_grads[key].shape)
                    for idx in np.ndindex(*numeric.shape):
                        plus, minus = (_grads(labels[i + k], results[i + k])[0] for k in (1, 3))
                        numeric[idx] = (float(plus) - float(minus)) / (2 * H)
                        i += 4
                    i += 1
                    _net_gradient(f"{config}: grads[{key!r}] against numerical", grads.get(key), numeric)
            else:
                check_close(f"{config}: loss", loss, reference[i - 1][0], 1e-8)
                for key in ref_grads:
                    _net_gradient(f"{config}: grads[{key!r}]", grads.get(key), ref_grads[key])
                bn_params = results[i]
                for index, expected in enumerate(reference[i]):
                    for key in ("running_mean", "running_var"):
                        mine = bn_params[index].get(key) if isinstance(bn_params, list) and len(
                            bn_params) > index and isinstance(bn_params[index], dict) else None
                        check_close(f"{config}: bn_params[{index}][{key!r}] after one step", mine, expected[key],
                                    1e-7)
                i += 1
        params, (_, grads) = results[i + 1], _grads(labels[i + 2], results[i + 2])
        if not isinstance(params, dict) or set(grads) != set(params):
            raise _Failed("float32 net: grads keys differ from params")

    return _judged(plan, recorded, check)
