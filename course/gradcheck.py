"""Numerical gradients and checks that explain what is wrong.

Every visible test in the course goes through these functions: they compare an
analytic result with a reference (usually a central-difference gradient) and,
when the two disagree, raise an AssertionError that names the quantity, the
worst entry and, when the pattern is recognisable, the likely mistake.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = [
    "rel_error",
    "numerical_gradient",
    "numerical_gradient_array",
    "check_close",
    "check_gradient",
    "check_shape",
    "diagnose",
    "likely_cause",
    "hint",
]

# (known wrong value, its cause): a value a typical mistake produces on the check's inputs.
Suspects = Sequence[tuple[Any, str]]


def rel_error(a, b) -> float:
    """Largest entrywise relative error max(|a - b| / max(1e-8, |a| + |b|))."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.size == 0 and b.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f`` at ``x``.

    ``f`` is called with ``x`` itself, perturbed one entry at a time; every
    entry is restored afterwards, even if ``f`` raises.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        # x[idx] = old + h would be truncated to an integer: a silent zero gradient.
        raise TypeError(f"numerical_gradient needs a float array, got dtype {x.dtype}.")
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        try:
            x[idx] = old + h
            plus = float(f(x))
            x[idx] = old - h
            minus = float(f(x))
        finally:
            x[idx] = old
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def numerical_gradient_array(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                             dout: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Numerical gradient of ``sum(f(x) * dout)`` with respect to ``x``.

    This is what a layer's backward pass must return for the upstream gradient
    ``dout``; ``f`` returns an array of dout's shape.
    """
    dout = np.asarray(dout, dtype=np.float64)
    return numerical_gradient(lambda z: np.sum(np.asarray(f(z), dtype=np.float64) * dout), x, h)


def _fmt(v) -> str:
    text = np.array2string(np.asarray(v), precision=6, threshold=12, edgeitems=2)
    return text.replace("\n", "\n            ")


def diagnose(actual, expected, batch_size: int | None = None) -> str | None:
    """Name a recognisable relation between a wrong ``actual`` and ``expected``.

    Returns a key of :data:`GENERIC_HINTS` or None. Only shapes that already
    agree are compared entrywise.
    """
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        if a.size == e.size and e.ndim == 2 and a.shape == e.shape[::-1]:
            return "transposed"
        if a.size == e.size:
            return "reshaped"
        return "shape"
    if not np.all(np.isfinite(a)):
        return "not_finite"
    if np.count_nonzero(e) == 0:
        return "should_be_zero" if np.count_nonzero(a) else None
    if np.count_nonzero(a) == 0:
        return "all_zero"
    if rel_error(a, -e) < 1e-6:
        return "sign"
    if batch_size and batch_size > 1:
        if rel_error(a, e * batch_size) < 1e-6:
            return "times_n"
        if rel_error(a, e / batch_size) < 1e-6:
            return "over_n"
    scale = float(np.vdot(a, e) / np.vdot(e, e))
    # A factor of about 1 is no diagnosis: the values are just slightly off. (For a
    # single number "scaled" always holds; the factor itself is the information.)
    if abs(scale) > 1e-12 and abs(scale - 1) > 1e-3 and rel_error(a, scale * e) < 1e-6:
        return "scaled"
    return None


GENERIC_HINTS: dict[str, str] = {
    "transposed": "the shape is transposed: did you swap the operands of a dot product or forget a .T?",
    "reshaped": ("it has the right number of entries but the wrong shape: reshape it to the shape of the input "
                 "it belongs to."),
    "shape": "the shape is wrong.",
    "not_finite": "it contains NaN or inf: look for an overflow or a division by zero.",
    "should_be_zero": "it should be all zeros here.",
    "all_zero": "it is all zeros: is the gradient computed and returned at all?",
    "sign": "it has the opposite sign of the correct value.",
    "times_n": "it is N times too large (N = the batch size): divide by N where the loss averages over the batch.",
    "over_n": "it is N times too small (N = the batch size): did you average over the batch where a sum is needed?",
    "scaled": "it is off by a constant factor ({scale:.4g}x the correct value): a factor is missing or extra.",
    # Diagnoses of the call itself (course.checks.common.call_student).
    "modified_input": "the caller still needs its arrays: build new ones instead of changing them in place.",
}


def hint(kind: str | None, hints: Mapping[str, str] | None = None, actual=None, expected=None) -> str:
    """The "Hint:" line for a diagnosis ``kind``: the function's own hint from
    ``hints``, else the generic one of :data:`GENERIC_HINTS`; empty when neither has one."""
    if kind is None:
        return ""
    text = (hints or {}).get(kind) or GENERIC_HINTS.get(kind, "")
    if "{scale" in text:
        a = np.asarray(actual, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
        text = text.format(scale=float(np.vdot(a, e) / np.vdot(e, e)))
    return f"\n  Hint: {text}" if text else ""


def check_shape(name: str, actual, expected_shape, hints: Mapping[str, str] | None = None) -> None:
    """Assert that ``actual`` is an array of ``expected_shape``."""
    if actual is None:
        raise AssertionError(f"{name} is None: the function returned nothing for it.")
    shape = np.shape(actual)
    expected_shape = tuple(expected_shape)
    if shape != expected_shape:
        kind = "shape"
        if len(expected_shape) == 2 and shape == expected_shape[::-1]:
            kind = "transposed"
        elif int(np.prod(shape)) == int(np.prod(expected_shape)):
            kind = "reshaped"
        raise AssertionError(
            f"{name} has shape {shape}, expected {expected_shape}."
            + hint(kind, hints, np.zeros(shape), np.zeros(expected_shape)))


def _compare(name: str, actual, expected, threshold: float, what: str,
             hints: Mapping[str, str] | None, batch_size: int | None) -> float:
    if actual is None:
        raise AssertionError(f"{name} is None: the function returned nothing for it.")
    a = np.asarray(actual)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        kind = diagnose(a, e, batch_size)
        raise AssertionError(f"{name} has shape {a.shape}, expected {e.shape}." + hint(kind, hints, a, e))
    if not np.issubdtype(a.dtype, np.number) and a.dtype != bool:
        raise AssertionError(f"{name} has dtype {a.dtype}, expected numbers.")
    a = a.astype(np.float64)
    if a.size == 0:
        return 0.0
    errors = np.abs(a - e) / np.maximum(1e-8, np.abs(a) + np.abs(e))
    errors = np.where(np.isfinite(errors), errors, np.inf)
    err = float(np.max(errors))
    if err <= threshold:
        return err
    worst = np.unravel_index(int(np.argmax(errors)), errors.shape)
    worst_txt = tuple(int(i) for i in worst)
    kind = diagnose(a, e, batch_size)
    raise AssertionError(
        f"{name} does not match the {what}: relative error {err:.3e} > threshold {threshold:.3g}.\n"
        f"  Worst entry {worst_txt}: yours {a[worst]:.8g}, {what} {e[worst]:.8g}.\n"
        f"  Yours:    {_fmt(a)}\n  Expected: {_fmt(e)}"
        + hint(kind, hints, a, e))


def likely_cause(actual, suspects: Suspects = ()) -> str | None:
    """The cause of the first suspect whose known wrong value ``actual`` reproduces, else None.

    A suspect value may be a scalar or any array that broadcasts to ``actual``'s
    shape; it matches within a relative error of 1e-6, far tighter than chance.
    """
    if actual is None or not suspects:
        return None
    try:
        a = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if not np.all(np.isfinite(a)):
        return None
    for candidate, cause in suspects:
        try:
            c = np.broadcast_to(np.asarray(candidate, dtype=np.float64), a.shape)
        except (TypeError, ValueError):
            continue
        if rel_error(a, c) < 1e-6:
            return cause
    return None


def _compare_explained(name: str, actual, expected, threshold: float, what: str,
                       hints: Mapping[str, str] | None, batch_size: int | None, suspects: Suspects) -> float:
    try:
        return _compare(name, actual, expected, threshold, what, hints, batch_size)
    except AssertionError as err:
        cause = likely_cause(actual, suspects)
        if cause is None:
            raise
        raise AssertionError(f"{err}\n  Likely cause: {cause}") from None


def check_gradient(name: str, analytic, numerical, threshold: float = 1e-7,
                   hints: Mapping[str, str] | None = None, batch_size: int | None = None,
                   suspects: Suspects = ()) -> float:
    """Assert that an analytic gradient matches a numerical one.

    ``hints`` maps a diagnosis (keys of :data:`GENERIC_HINTS`) to the likely
    mistake in this particular function; ``batch_size`` lets the check
    recognise a factor of N; ``suspects`` lists (known wrong value, cause)
    pairs, and a failing value that equals one gets its cause added to the
    message. Returns the relative error when it passes.
    """
    return _compare_explained(name, analytic, numerical, threshold, "numerical gradient", hints,
                              batch_size, suspects)


def check_close(name: str, actual, expected, threshold: float = 1e-7,
                hints: Mapping[str, str] | None = None, batch_size: int | None = None,
                suspects: Suspects = ()) -> float:
    """Assert that a value matches a known correct value (relative error).

    ``hints``, ``batch_size`` and ``suspects`` work as in :func:`check_gradient`.
    """
    return _compare_explained(name, actual, expected, threshold, "expected value", hints,
                              batch_size, suspects)
