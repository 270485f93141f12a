"""Resource limits for grading one submission: ``c.GradingLimits.*`` in nbgrader_config.py.

The defaults live here only. The coordinator reads the configuration once,
applies the command line's overrides, and hands the values to every task
(:meth:`GradingLimits.as_dict`, rebuilt with ``GradingLimits(**values)``).
"""
from __future__ import annotations

from traitlets import Integer
from traitlets.config import Configurable


class GradingLimits(Configurable):
    cell_timeout = Integer(60, help="Seconds one cell may run; the kernel is then interrupted and the cell "
                                    "fails ('timed out').").tag(config=True)
    notebook_timeout = Integer(600, help="Wall-clock seconds for grading one student's assignment; its whole "
                                         "process tree is then killed ('timed out', 0 points).").tag(config=True)
    memory_mb = Integer(4096, help="Memory of one submission, in MiB: the address space of each of its "
                                   "processes (RLIMIT_AS) and the resident memory of all of them together "
                                   "('memory limit'). 0: no limit.").tag(config=True)
    max_processes = Integer(64, help="Processes a sandboxed submission may run at once (RLIMIT_NPROC).").tag(
        config=True)
    max_file_mb = Integer(256, help="Largest file a sandboxed submission may write, in MiB (RLIMIT_FSIZE).").tag(
        config=True)
    max_output_lines = Integer(1000, help="Lines of output kept per cell.").tag(config=True)
    max_output_chars = Integer(20000, help="Characters of text kept per output.").tag(config=True)

    def override(self, **values) -> "GradingLimits":
        """A copy with the values that are not None replaced (from the command line)."""
        return GradingLimits(**{**self.as_dict(), **{k: int(v) for k, v in values.items() if v is not None}})

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.trait_names(config=True)}
