"""The checks of 06_dropout: the shared tests of tests/check_harness.py
(checks pass on right answers, every listed mistake makes them fail), the
net's combined check, and the frequent mistakes that must be listed."""
from __future__ import annotations

import numpy as np
import pytest

from autograder import assignments
from autograder.mistake import Mistake, source_of, variant
from check_harness import CheckSpec, check_tests
from course.checks import dropout as visible

SPEC = CheckSpec(
    "06_dropout",
    # The names a FullyConnectedNet cell uses besides numpy: what the notebook loads or defines.
    mistake_namespace=("affine_forward", "affine_backward", "relu_forward", "relu_backward", "softmax_loss",
                       "batchnorm_forward", "batchnorm_backward_alt", "layernorm_forward", "layernorm_backward",
                       "dropout_forward", "dropout_backward"),
)
globals().update(check_tests(SPEC))

reference = assignments.load("06_dropout", "reference")


def test_visible_check_of_the_net_runs_both_aspects():
    visible.check_FullyConnectedNet(reference.FullyConnectedNet)
    gradients_only = next(m for m in SPEC.mistakes if m.name == "reg_missing_in_gradients")
    visible.check_FullyConnectedNet_api(SPEC.with_mistake(gradients_only)["FullyConnectedNet"])
    with pytest.raises(AssertionError):
        visible.check_FullyConnectedNet(SPEC.with_mistake(gradients_only)["FullyConnectedNet"])


def test_every_frequent_mistake_is_listed():
    names = {m.name for m in SPEC.mistakes}
    for required in ("no_inverse_scaling", "p_read_as_keep_probability", "scaled_at_test_time",
                     "layernorm_calls_batchnorm"):
        assert required in names


def test_hidden_dropout_checks_accept_a_mask_drawn_another_way():
    """The statistical judges hold for any right inverted dropout, not only the reference's draws."""
    other = variant(source_of(reference.dropout_forward), ("rng.random(x.shape) >= p", "rng.random(x.shape) < 1 - p"))
    dropout_forward = Mistake("dropout_forward", "other_draws", "", other).compile()
    assert not np.array_equal(dropout_forward(np.ones(50), {"mode": "train", "p": 0.5, "seed": 1})[0],
                              reference.dropout_forward(np.ones(50), {"mode": "train", "p": 0.5, "seed": 1})[0])
    SPEC.hidden.check_dropout_forward(dropout_forward)
    SPEC.hidden.check_dropout_backward(reference.dropout_backward, dropout_forward)


@pytest.mark.parametrize("off", [-0.03, 0.03])
def test_hidden_dropout_forward_rejects_a_rate_three_points_off(off):
    """The statistical judge still has the power to see a wrong rate (its bounds are five standard deviations)."""
    draw = "rng.random(x.shape) >= p"
    wrong = variant(source_of(reference.dropout_forward), (draw, f"{draw} + {off}"))
    with pytest.raises(AssertionError, match="fraction of zeros"):
        SPEC.hidden.check_dropout_forward(Mistake("dropout_forward", "rate_off", "", wrong).compile())


def test_hidden_dropout_forward_records_a_few_megabytes(tmp_path):
    """What each submission records for the statistical judge stays small (300 x 700 units recorded 44 MB)."""
    from autograder import verdicts
    from course import recorder

    verdicts.write_inputs("06_dropout", tmp_path)
    recorder.record_into(tmp_path, "test_dropout_forward", reference.dropout_forward)
    recorded = sum(f.stat().st_size for f in tmp_path.glob("test_dropout_forward.*"))
    assert recorded < 8_000_000, f"{recorded} bytes"
    assert verdicts.judge("06_dropout", "test_dropout_forward", tmp_path, tmp_path).passed
