"""The checks of 01_chain_rule: the shared tests of tests/check_harness.py
(checks pass on right answers, every listed mistake makes them fail)."""
from __future__ import annotations

from check_harness import CheckSpec, check_tests

SPEC = CheckSpec(
    "01_chain_rule",
    hidden_rejects_with=(AssertionError, TypeError),  # scalar_only crashes with a TypeError; that fails a grade cell too
)
globals().update(check_tests(SPEC))
