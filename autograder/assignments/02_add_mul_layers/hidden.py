"""Hidden checks for 02_add_mul_layers: the student's layers against the
reference on fresh seeded numbers and arrays (zeros and negatives included),
backward after several forwards, repeated backwards, interleaved objects."""
from __future__ import annotations

import numpy as np

from autograder import assignments
from autograder.hidden import assert_close, call_unmodified, rng

ref = assignments.load("02_add_mul_layers", "reference")

_SHAPES = [(), (4,), (2, 3)]


def _values(g, shape):
    """Random values in [-3, 3] with a zero and a negative entry when there is room."""
    if shape == ():
        return float(g.uniform(-3, 3))
    v = g.uniform(-3, 3, size=shape)
    v.flat[0] = 0.0
    v.flat[-1] = -abs(v.flat[-1]) - 0.5
    return v


def _pair(what, result):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what} must return (dx, dy)")
    return result


def _check_binary_forward(name, Student, Reference):
    g = rng(f"{name}_forward")
    for shape in _SHAPES:
        x, y = _values(g, shape), _values(g, shape)
        out = call_unmodified(f"{name}.forward", Student().forward, x, y)
        assert_close(f"{name}.forward on shape {shape}", out, Reference().forward(x, y))


def _check_binary_backward(name, Student, Reference):
    g = rng(f"{name}_backward")
    for shape in _SHAPES:
        first = (_values(g, shape), _values(g, shape))
        latest = (_values(g, shape), _values(g, shape))
        dout = _values(g, shape)
        layer, reference = Student(), Reference()
        # Backward must use the inputs of the latest forward call.
        layer.forward(*first)
        layer.forward(*latest)
        reference.forward(*latest)
        expected = reference.backward(dout)
        for attempt in ("first", "second"):  # backward must not consume the cache
            got = _pair(f"{name}.backward", call_unmodified(f"{name}.backward", layer.backward, dout))
            for label, a, e in zip(("dx", "dy"), got, expected):
                assert_close(f"{name}.backward {label}, shape {shape}, {attempt} call after two forwards", a, e)

    # Two objects interleaved: each keeps its own inputs.
    one, two = Student(), Student()
    a, b, c, d = (_values(g, (3,)) for _ in range(4))
    one.forward(a, b)
    two.forward(c, d)
    dout = _values(g, (3,))
    for layer, inputs, label in ((one, (a, b), "first"), (two, (c, d), "second")):
        reference = Reference()
        reference.forward(*inputs)
        for grad_name, got, want in zip(("dx", "dy"), _pair(f"{name}.backward", layer.backward(dout)),
                                        reference.backward(dout)):
            assert_close(f"{name}.backward {grad_name} of the {label} of two objects", got, want)


def check_MulLayer_forward(MulLayer):
    _check_binary_forward("MulLayer", MulLayer, ref.MulLayer)


def check_MulLayer_backward(MulLayer):
    _check_binary_backward("MulLayer", MulLayer, ref.MulLayer)


def check_AddLayer_forward(AddLayer):
    _check_binary_forward("AddLayer", AddLayer, ref.AddLayer)


def check_AddLayer_backward(AddLayer):
    _check_binary_backward("AddLayer", AddLayer, ref.AddLayer)


def _sigmoid_inputs(g, shape):
    # |x| <= 8 keeps s * (1 - s) free of cancellation, so any exact formula agrees to 1e-9.
    if shape == ():
        return float(g.uniform(-8, 8))
    v = g.uniform(-8, 8, size=shape)
    v.flat[0] = 0.0
    return v


def check_SigmoidLayer_forward(SigmoidLayer):
    g = rng("SigmoidLayer_forward")
    for shape in _SHAPES + [(3, 2, 2)]:
        x = _sigmoid_inputs(g, shape)
        out = call_unmodified("SigmoidLayer.forward", SigmoidLayer().forward, x)
        assert_close(f"SigmoidLayer.forward on shape {shape}", out, ref.SigmoidLayer().forward(x))


def check_SigmoidLayer_backward(SigmoidLayer):
    g = rng("SigmoidLayer_backward")
    for shape in _SHAPES + [(3, 2, 2)]:
        first, latest = _sigmoid_inputs(g, shape), _sigmoid_inputs(g, shape)
        dout = _values(g, shape)
        layer, reference = SigmoidLayer(), ref.SigmoidLayer()
        layer.forward(first)
        layer.forward(latest)
        reference.forward(latest)
        expected = reference.backward(dout)
        for attempt in ("first", "second"):
            got = call_unmodified("SigmoidLayer.backward", layer.backward, dout)
            assert_close(f"SigmoidLayer.backward, shape {shape}, {attempt} call after two forwards", got, expected)
