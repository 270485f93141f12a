"""nbgrader settings for the course (read by nbgrader and by `python -m autograder`)."""
import os

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = here
c.CourseDirectory.course_id = "backprop-from-scratch"
# The gradebook: SQLite by default; `python -m autograder grade --db URL` overrides it.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")
# Files in source/<assignment>/ that never reach students.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# What students see in place of the solutions.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Limits while grading (a cell, a whole notebook, memory, processes, output):
# c.GradingLimits.cell_timeout, .notebook_timeout, .memory_mb, ... Their defaults
# and meaning: autograder/limits.py (`python -m autograder grade --help`).
c.Execute.interrupt_on_timeout = True
c.Execute.execute_retries = 0
# A deleted test cell is put back when grading (nbgrader's checksums restore edited ones).
c.OverwriteCells.add_missing_cells = True

# 07_solver_cifar10: the instructor's trained best_model.npz stays out of release/ (04: tuned_net.npz)
# (generate_assignment only: a plain CourseDirectory.ignore would also drop the
# students' own file at autograde) ...
c.GenerateAssignmentApp.CourseDirectory.ignore = c.CourseDirectory.ignore + ["best_model.npz", "tuned_net.npz"]
# ... and autograde grades the student's own file instead of overwriting it with the source's.
c.Autograde.exclude_overwriting = {"07_solver_cifar10": ["best_model.npz"], "04_softmax_loss": ["tuned_net.npz"]}
