"""Instructor-only: the hidden reference solutions, hidden-test helpers and the
grading command (``python -m autograder``). Never released to students."""
