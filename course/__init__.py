"""Backpropagation from scratch: what students get besides the notebooks.

- :mod:`course.gradcheck` numerical gradients and checks that explain mistakes
- :mod:`course.checks` the visible checks each notebook runs
- :mod:`course.data` CIFAR-10 download, loading and preprocessing
- :mod:`course.plotting` loss curves and image grids
- :mod:`course.previous` your own functions from an earlier assignment
"""
import os

__version__ = "0.1.0"


def grading() -> bool:
    """True while nbgrader executes the notebook (validate or autograde).

    Notebooks use it to skip long training runs: grading must take seconds.
    """
    return bool(os.environ.get("NBGRADER_EXECUTION"))
