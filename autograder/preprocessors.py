"""nbgrader preprocessors that keep grading going when a submission misbehaves.

- :class:`ResilientExecute`: when the kernel dies in a cell (``os._exit``, a
  segfault, the memory limit), that cell gets an error output, a fresh kernel
  replays the notebook without it, and grading goes on. nbgrader's own
  Execute gives up on the whole submission instead.
  A cell that outlives its time limit and ignores the interrupt (it catches
  SIGINT) is handled the same way, marked as timed out: the cells before it
  keep their points.
- :class:`CapOutput`: nbgrader's LimitOutput counts lines only; one
  ``print("x" * 10**7)`` is a single line. This also caps characters.
- :class:`DropUnknownGradeCells`: a grade cell whose grade id the gradebook
  does not know (pasted from elsewhere) makes nbgrader fail the whole
  submission; it is dropped before grading (the inspection notes it).
"""
from __future__ import annotations

import time

from nbclient.client import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute, LimitOutput, NbGraderPreprocessor
from traitlets import Integer

from .cells import grade_id, is_grade

KERNEL_DIED = "KernelDied"
NOT_RUN = "NotRun"
CELL_TIMEOUT = "CellTimeoutError"


def error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class ResilientExecute(Execute):
    # Seconds spent starting kernels and running cells in this process (one task per process).
    timings = {"kernel_start": 0.0, "execute": 0.0}

    max_kernel_deaths = Integer(3, help="Kernel deaths tolerated per notebook before the rest is not run.").tag(
        config=True)

    def preprocess(self, nb, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)
        self._check_assign_resources(resources)
        killers: dict[int, NotebookNode] = {}
        finished = False
        for _ in range(self.max_kernel_deaths + 1):
            self.reset_execution_trackers()
            try:
                self._execute_all(resources, skip=set(killers))
                finished = True
                break
            except DeadKernelError:
                killers[self._running] = error_output(
                    KERNEL_DIED, "the kernel died while running this cell; it was skipped and the "
                                 "notebook re-run without it")
            except CellTimeoutError:  # the interrupt was ignored: the kernel is stuck in this cell
                killers[self._running] = error_output(
                    CELL_TIMEOUT, f"this cell ran past the {self.timeout} s limit and ignored the interrupt; "
                                  "it was skipped and the notebook re-run without it")
        for index, output in killers.items():
            nb.cells[index].outputs = [output]
        if not finished:
            # Cells never run must not pass: a grade cell without an error scores full marks.
            for cell in nb.cells[max(killers) + 1:]:
                if cell.cell_type == "code":
                    cell.outputs = [error_output(NOT_RUN, "not run: the kernel died too often")]
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _execute_all(self, resources, skip: set[int]) -> None:
        start = time.perf_counter()
        with self.setup_kernel():
            info_msg = self.wait_for_reply(self.kc.kernel_info())
            self.nb.metadata["language_info"] = info_msg["content"]["language_info"]
            ready = time.perf_counter()
            self.timings["kernel_start"] += ready - start
            try:
                for index, cell in enumerate(self.nb.cells):
                    if index in skip:
                        continue
                    self._running = index
                    self.preprocess_cell(cell, resources, index)
            finally:
                self.timings["execute"] += time.perf_counter() - ready


class CapOutput(LimitOutput):
    max_chars = Integer(20000, help="Characters of text kept per output (-1: no limit).").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type != "code" or self.max_chars < 0:
            return cell, resources
        for output in cell.outputs:
            if output.output_type == "stream" and len(output.text) > self.max_chars:
                output.text = output.text[:self.max_chars] + "\n... Output truncated ...\n"
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") and isinstance(value, str) and len(value) > self.max_chars:
                    output.data[mime] = value[:self.max_chars] + "\n... Output truncated ..."
        return cell, resources


class DropUnknownGradeCells(NbGraderPreprocessor):
    """Remove grade cells whose grade id the assignment's notebook does not have."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            known = {cell.name for cell in notebook.grade_cells + notebook.task_cells}
        nb.cells = [cell for cell in nb.cells if not is_grade(cell) or grade_id(cell) in known]
        return nb, resources
