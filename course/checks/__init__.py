"""Visible checks, one module per assignment.

Each function takes the student's implementation, runs it on small inputs and
raises AssertionError with an explanation (see :mod:`course.gradcheck`) when it
is wrong. The notebooks' grade cells call them; tests/ feed them deliberate
mistakes to prove that every check bites.
"""
