"""The checks of 02_add_mul_layers: the shared tests of tests/check_harness.py
(checks pass on right answers, every listed mistake makes them fail), with a
forward and a backward grade cell per layer class."""
from __future__ import annotations

from check_harness import CheckSpec, check_tests

SPEC = CheckSpec("02_add_mul_layers")
globals().update(check_tests(SPEC))
