"""The checks of 01_chain_rule: the shared tests of tests/check_harness.py
(checks pass on right answers, every listed mistake makes them fail)."""
from __future__ import annotations

from check_harness import CheckSpec, check_tests

SPEC = CheckSpec("01_chain_rule")
globals().update(check_tests(SPEC))
