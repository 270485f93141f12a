"""Hidden checks for 05_batchnorm: the student's functions against the reference
on fresh inputs and edge cases."""
from __future__ import annotations

import numpy as np

from autograder import assignments
from autograder.hidden import call_unmodified, rng
from course.gradcheck import check_close

ref = assignments.load("05_batchnorm", "reference")


def _inputs(name, N, D):
    r = rng(name)
    x = r.standard_normal((N, D)) * r.uniform(0.5, 5.0, D) + r.uniform(-5.0, 5.0, D)
    gamma, beta = r.uniform(0.3, 3.0, D), r.standard_normal(D)
    return r, x, gamma, beta


def _run(batchnorm_forward, x, gamma, beta, bn_param):
    return call_unmodified("batchnorm_forward",
                           lambda x_, g_, b_: batchnorm_forward(x_, g_, b_, bn_param), x, gamma, beta)


def check_batchnorm_forward(batchnorm_forward) -> None:
    # Train mode on a small batch: N - 1 and N differ by 25 %, so a sample variance shows.
    r, x, gamma, beta = _inputs("batchnorm_forward/train", 4, 5)
    out, _ = _run(batchnorm_forward, x, gamma, beta, {"mode": "train"})
    expected, _ = ref.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    check_close("train-mode output (N = 4: the variance must be the uncorrected one)", out, expected, 1e-6)

    # Running statistics after several training steps, default and custom momentum and eps.
    for extra in ({}, {"momentum": 0.5, "eps": 1e-3}):
        mine, theirs = {"mode": "train", **extra}, {"mode": "train", **extra}
        for step in range(5):
            batch = r.standard_normal((16, 5)) * 3.0 + step
            _run(batchnorm_forward, batch, gamma, beta, mine)
            ref.batchnorm_forward(batch, gamma, beta, theirs)
        for key in ("running_mean", "running_var"):
            if key not in mine:
                raise AssertionError(f"bn_param has no {key} after training steps")
            check_close(f"{key} after 5 training steps {extra or '(defaults)'}", mine[key], theirs[key], 1e-6)

        # Test mode: the running statistics, never the batch's, and they stay unchanged.
        test_batch = r.standard_normal((8, 5)) * 10.0 - 4.0
        before = {k: np.copy(v) for k, v in mine.items() if k.startswith("running")}
        mine["mode"], theirs["mode"] = "test", "test"
        out, _ = _run(batchnorm_forward, test_batch, gamma, beta, mine)
        expected, _ = ref.batchnorm_forward(test_batch, gamma, beta, theirs)
        check_close("test-mode output (must use the running statistics, not the batch's)", out, expected, 1e-6)
        for key, value in before.items():
            if not np.array_equal(mine[key], value):
                raise AssertionError(f"test mode changed bn_param[{key!r}]")

    # A single example in test mode: no NaN, no division by a zero batch variance.
    single = x[:1]
    bn_param = {"mode": "test", "running_mean": r.standard_normal(5), "running_var": r.uniform(0.5, 2.0, 5)}
    out, _ = _run(batchnorm_forward, single, gamma, beta, dict(bn_param))
    if not np.all(np.isfinite(out)):
        raise AssertionError("test mode with N = 1 gives NaN or inf")
    expected, _ = ref.batchnorm_forward(single, gamma, beta, dict(bn_param))
    check_close("test-mode output for N = 1", out, expected, 1e-6)


def _check_backward(name, backward, batchnorm_forward, N, D):
    r, x, gamma, beta = _inputs(name, N, D)
    dout = r.standard_normal((N, D)) * 2.0 + 0.5  # not all ones: dgamma and dbeta must use dout
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = call_unmodified(name, backward, dout, cache)
    _, ref_cache = ref.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    ref_dx, ref_dgamma, ref_dbeta = ref.batchnorm_backward(dout, ref_cache)
    check_close(f"{name}: dbeta", dbeta, ref_dbeta, 1e-6)
    check_close(f"{name}: dgamma", dgamma, ref_dgamma, 1e-6)
    check_close(f"{name}: dx", dx, ref_dx, 1e-5)


def check_batchnorm_backward(batchnorm_backward, batchnorm_forward) -> None:
    for N, D in ((2, 3), (9, 4), (50, 7)):
        _check_backward("batchnorm_backward", batchnorm_backward, batchnorm_forward, N, D)


def check_batchnorm_backward_alt(batchnorm_backward_alt, batchnorm_forward) -> None:
    for N, D in ((2, 3), (9, 4), (50, 7)):
        _check_backward("batchnorm_backward_alt", batchnorm_backward_alt, batchnorm_forward, N, D)
