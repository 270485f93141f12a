"""Resource limits for grading one submission, read from nbgrader_config.py.

- ``cell_timeout``: seconds one cell may run (``c.Execute.timeout``); the
  kernel is then interrupted and the cell fails.
- ``notebook_timeout``: wall-clock seconds for grading one student's
  assignment (``c.GradingLimits.notebook_timeout``); the whole process tree is
  then killed and the submission is reported "timed out".
- ``memory_mb``: address-space limit of the grading process and its kernel
  (``c.GradingLimits.memory_mb``); an allocation beyond it raises MemoryError.
- ``max_output_lines`` / ``max_output_chars``: output kept per cell
  (``c.LimitOutput.max_lines``, ``c.GradingLimits.max_output_chars``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

DEFAULTS = {
    "cell_timeout": 60,
    "notebook_timeout": 600,
    "memory_mb": 4096,
    "max_output_lines": 1000,
    "max_output_chars": 20000,
}


@dataclass(frozen=True)
class Limits:
    cell_timeout: int = DEFAULTS["cell_timeout"]
    notebook_timeout: int = DEFAULTS["notebook_timeout"]
    memory_mb: int = DEFAULTS["memory_mb"]
    max_output_lines: int = DEFAULTS["max_output_lines"]
    max_output_chars: int = DEFAULTS["max_output_chars"]

    @classmethod
    def from_config(cls, config) -> "Limits":
        section = config.GradingLimits if "GradingLimits" in config else {}
        values = {
            "cell_timeout": config.Execute.get("timeout", DEFAULTS["cell_timeout"]),
            "notebook_timeout": section.get("notebook_timeout", DEFAULTS["notebook_timeout"]),
            "memory_mb": section.get("memory_mb", DEFAULTS["memory_mb"]),
            "max_output_lines": config.LimitOutput.get("max_lines", DEFAULTS["max_output_lines"]),
            "max_output_chars": section.get("max_output_chars", DEFAULTS["max_output_chars"]),
        }
        return cls(**{k: int(v) for k, v in values.items()})

    def override(self, **values) -> "Limits":
        """A copy with the values that are not None replaced (from the command line)."""
        return replace(self, **{k: int(v) for k, v in values.items() if v is not None})

    def as_dict(self) -> dict:
        return asdict(self)
