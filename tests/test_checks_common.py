"""course.checks.common: calling the student's code with the input checks built in."""
from __future__ import annotations

import numpy as np
import pytest

from course.checks.common import call_student, unpack


def test_an_array_changed_in_place_fails_with_its_parameter_name_and_hint():
    def backward(dout, cache):
        x, w = cache
        w *= 2  # inside the cache tuple
        return dout

    with pytest.raises(AssertionError, match=r"^backward changed its input cache in place\.\n  Hint: build it anew"):
        call_student("backward", backward, np.ones(2), (np.ones(2), np.ones(2)),
                     hints={"modified_input": "build it anew"})


def test_replacing_a_dict_entry_is_not_a_change_in_place():
    def forward(x, param):  # batchnorm updates its running statistics this way
        param["running_mean"] = param["running_mean"] + 1
        return x

    param = {"running_mean": np.zeros(2)}
    assert call_student("forward", forward, np.ones(2), param).tolist() == [1.0, 1.0]


def test_numpy_errors_fail_with_the_raised_hint_and_others_pass_through():
    def bad_shapes(x):
        return x @ np.ones(5)

    with pytest.raises(AssertionError, match=r"raised ValueError: .*\n  Hint: flatten x"):
        call_student("f", bad_shapes, np.ones((2, 3)), hints={"raised": "flatten x"})

    def unwritten(x):
        raise NotImplementedError

    with pytest.raises(NotImplementedError):
        call_student("f", unwritten, 1.0)


def test_unpack_names_what_was_expected():
    with pytest.raises(AssertionError, match=r"f must return the tuple \(out, cache\), got list\."):
        unpack("f", [1, 2], 2, "(out, cache)")
    assert unpack("f", (1, 2), 2, "(out, cache)") == (1, 2)
