"""Numerical gradients and checks that explain what is wrong.

Every visible test in the course goes through these functions: they compare an
analytic result with a reference (usually a central-difference gradient) and,
when the two disagree, raise an AssertionError that names the quantity, the
worst entry and, when the pattern is recognisable, the likely mistake.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

from course.i18n import N_, _

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
    "hint_line",
    "explained",
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
        raise TypeError(_("numerical_gradient needs a float array, got dtype {dtype}.").format(dtype=x.dtype))
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


# English texts (N_): hint() translates them when it shows one, as it does the checks' own hints.
GENERIC_HINTS: dict[str, str] = {
    "transposed": N_("the shape is transposed: did you swap the operands of a dot product or forget a .T?"),
    "reshaped": N_("it has the right number of entries but the wrong shape: reshape it to the shape of the "
                   "input it belongs to."),
    "shape": N_("the shape is wrong."),
    "not_finite": N_("it contains NaN or inf: look for an overflow or a division by zero."),
    "should_be_zero": N_("it should be all zeros here."),
    "all_zero": N_("it is all zeros: is the gradient computed and returned at all?"),
    "sign": N_("it has the opposite sign of the correct value."),
    "times_n": N_("it is N times too large (N = the batch size): divide by N where the loss averages over the "
                  "batch."),
    "over_n": N_("it is N times too small (N = the batch size): did you average over the batch where a sum is "
                 "needed?"),
    "scaled": N_("it is off by a constant factor ({scale:.4g}x the correct value): a factor is missing or extra."),
    # Diagnoses of the call itself (course.checks.common.call_student).
    "modified_input": N_("the caller still needs its arrays: build new ones instead of changing them in place."),
}


def hint(kind: str | None, hints: Mapping[str, str] | None = None, actual=None, expected=None) -> str:
    """The "Hint:" line for a diagnosis ``kind``: the function's own hint from
    ``hints``, else the generic one of :data:`GENERIC_HINTS`; empty when neither has one."""
    if kind is None:
        return ""
    text = (hints or {}).get(kind) or GENERIC_HINTS.get(kind, "")
    text = _(text) if text else ""
    if "{scale" in text:
        a = np.asarray(actual, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
        text = text.format(scale=float(np.vdot(a, e) / np.vdot(e, e)))
    return hint_line(text)


def hint_line(text: str) -> str:
    """The "Hint:" line for a hint ``text`` (an English N_ text is translated; a made one stays)."""
    return "\n  " + _("Hint: {hint}").format(hint=_(text)) if text else ""


def explained(message, text: str) -> AssertionError:
    """A failed check: ``message`` followed by the hint ``text`` (see :func:`hint_line`)."""
    return AssertionError(f"{message}{hint_line(text)}")


def check_shape(name: str, actual, expected_shape, hints: Mapping[str, str] | None = None) -> None:
    """Assert that ``actual`` is an array of ``expected_shape``."""
    if actual is None:
        raise AssertionError(_("{name} is None: the function returned nothing for it.").format(name=name))
    shape = np.shape(actual)
    expected_shape = tuple(expected_shape)
    if shape != expected_shape:
        kind = "shape"
        if len(expected_shape) == 2 and shape == expected_shape[::-1]:
            kind = "transposed"
        elif int(np.prod(shape)) == int(np.prod(expected_shape)):
            kind = "reshaped"
        raise AssertionError(
            _("{name} has shape {shape}, expected {expected}.").format(name=name, shape=shape, expected=expected_shape)
            + hint(kind, hints, np.zeros(shape), np.zeros(expected_shape)))


def _compare(name: str, actual, expected, threshold: float, what: str,
             hints: Mapping[str, str] | None, batch_size: int | None, suspects: Suspects) -> float:
    if actual is None:
        raise AssertionError(_("{name} is None: the function returned nothing for it.").format(name=name))
    a = np.asarray(actual)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        kind = diagnose(a, e, batch_size)
        raise AssertionError(_("{name} has shape {shape}, expected {expected}.").format(
            name=name, shape=a.shape, expected=e.shape) + _explanation(kind, hints, a, e, suspects))
    if not np.issubdtype(a.dtype, np.number) and a.dtype != bool:
        raise AssertionError(_("{name} has dtype {dtype}, expected numbers.").format(name=name, dtype=a.dtype))
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
    what = _(what)
    raise AssertionError(
        _("{name} does not match the {what}: relative error {err:.3e} > threshold {threshold:.3g}.").format(
            name=name, what=what, err=err, threshold=threshold) + "\n  "
        + _("Worst entry {index}: yours {yours:.8g}, {what} {expected:.8g}.").format(
            index=worst_txt, yours=a[worst], what=what, expected=e[worst]) + "\n  "
        + _("Yours:    {yours}").format(yours=_fmt(a)) + "\n  " + _("Expected: {expected}").format(expected=_fmt(e))
        + _explanation(kind, hints, a, e, suspects))


def _explanation(kind: str | None, hints: Mapping[str, str] | None, actual, expected, suspects: Suspects) -> str:
    """The one explanation a failed comparison gets, the most specific: the cause of a known mistake whose
    value ``actual`` reproduces (``suspects``), else the hint for the diagnosis ``kind`` (see :func:`hint`)."""
    cause = likely_cause(actual, suspects)
    if cause is not None:
        return "\n  " + _("Likely cause: {cause}").format(cause=cause)
    return hint(kind, hints, actual, expected)


def likely_cause(actual, suspects: Suspects = ()) -> str | None:
    """The cause (translated) of the first suspect whose known wrong value ``actual`` reproduces, else None.

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
            return _(cause)
    return None


def check_gradient(name: str, analytic, numerical, threshold: float = 1e-7,
                   hints: Mapping[str, str] | None = None, batch_size: int | None = None,
                   suspects: Suspects = ()) -> float:
    """Assert that an analytic gradient matches a numerical one.

    ``hints`` maps a diagnosis (keys of :data:`GENERIC_HINTS`) to the likely
    mistake in this particular function; ``batch_size`` lets the check
    recognise a factor of N; ``suspects`` lists (known wrong value, cause)
    pairs, and a failing value that equals one is explained by its cause
    instead of the hint. Returns the relative error when it passes.
    """
    return _compare(name, analytic, numerical, threshold, N_("numerical gradient"), hints, batch_size, suspects)


def check_close(name: str, actual, expected, threshold: float = 1e-7,
                hints: Mapping[str, str] | None = None, batch_size: int | None = None,
                suspects: Suspects = ()) -> float:
    """Assert that a value matches a known correct value (relative error).

    ``hints``, ``batch_size`` and ``suspects`` work as in :func:`check_gradient`.
    """
    return _compare(name, actual, expected, threshold, N_("expected value"), hints, batch_size, suspects)
