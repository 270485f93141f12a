"""Hidden checks for 04_softmax_loss: the reference on fresh inputs, huge
scores (all shifted by +1000, and a spread of thousands), one-sample batches,
and inputs left unmodified.

TwoLayerNet is a stateful script: build the net with a seed, read its initial
parameters (judged by their shapes and spread, since the values depend on the
order of the random draws), set fresh parameters, then call ``loss`` with and
without labels on a batch of 6 and of 1.

The tuned net is read from the submission's folder (``tuned_net.npz``, a
fixed name; without pickle, every array and hyper-parameter checked),
rebuilt with the REFERENCE TwoLayerNet and measured on the validation split
of the data the grader has (CIFAR10_DIR of the grading process): nothing is
trained at grading time.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from autograder import assignments
from autograder.hidden import ModelFileProblem, check_model_file
from autograder.plans import Plan
from autograder.verdicts import PASSED, Verdict, judge_recorded, judge_saved_net, replay
from course.checks.softmax_loss import CIFAR10_CLASSES, TUNED_FILE, tuned_shortfall, tuned_target

ASSIGNMENT = "04_softmax_loss"
NET_TOLERANCE = 1e-7

INPUT_SHAPE, HIDDEN_DIM, NUM_CLASSES = (3, 4, 4), 9, 5
INPUT_DIM = int(np.prod(INPUT_SHAPE))
WEIGHT_SCALE, REG = 0.3, 0.25
PARAM_SHAPES = {"W1": (INPUT_DIM, HIDDEN_DIM), "b1": (HIDDEN_DIM,),
                "W2": (HIDDEN_DIM, NUM_CLASSES), "b2": (NUM_CLASSES,)}
# The spread of weight_scale * randn over 432 and 45 entries stays within this band.
INIT_STD_BAND = (0.2, 0.4)
INIT_PARAMS_STEP = 1  # the step that reads net.params right after __init__ (recorded as it was then)


def _score_cases(rng):
    yield "random scores", rng.standard_normal((7, 10))
    yield "scores shifted by +1000", rng.standard_normal((5, 6)) + 1000.0
    yield "scores spread over thousands", rng.standard_normal((5, 6)) * 2000.0
    yield "one sample", rng.standard_normal((1, 4))


def plan_test_softmax_loss(rng) -> Plan:
    plan = Plan("softmax_loss")
    for label, x in _score_cases(rng):
        y = rng.integers(0, x.shape[1], x.shape[0])
        plan.call(plan.subject(), x, y, label=f"softmax_loss (loss, dx) for {label} {x.shape}")
    return plan


def plan_test_TwoLayerNet(rng) -> Plan:
    plan = Plan("TwoLayerNet")
    net = plan.call(plan.subject(), input_dim=INPUT_DIM, hidden_dim=HIDDEN_DIM, num_classes=NUM_CLASSES,
                    weight_scale=WEIGHT_SCALE, reg=REG, seed=int(rng.integers(2**31)),
                    label=f"TwoLayerNet(weight_scale={WEIGHT_SCALE}, reg={REG})", compare=[])
    params = plan.get(net, "params", label="TwoLayerNet.params after __init__", compare=[])
    for name, shape in PARAM_SHAPES.items():
        plan.set(params, rng.standard_normal(shape) * WEIGHT_SCALE, key=name, label=f"params['{name}'] = ...")
    for N in (6, 1):
        X = rng.standard_normal((N, *INPUT_SHAPE))
        y = rng.integers(0, NUM_CLASSES, N)
        plan.call(net, X, method="loss", label=f"TwoLayerNet.loss(X) scores (N={N})")
        plan.call(net, X, y, method="loss", label=f"TwoLayerNet.loss(X, y) (loss, grads) (N={N}, reg={REG})")
    return plan


def _init_problem(params) -> str | None:
    """What is wrong with the initial parameters, judged by shape and spread only."""
    if not isinstance(params, dict):
        return "TwoLayerNet.params should be a dict of arrays."
    for name, shape in PARAM_SHAPES.items():
        if not isinstance(params.get(name), np.ndarray) or params[name].shape != shape:
            return f"params['{name}'] should have shape {shape}."
    for name in ("W1", "W2"):
        std = float(np.std(params[name]))
        if not INIT_STD_BAND[0] < std < INIT_STD_BAND[1]:
            return f"params['{name}'] has std {std:.3g}, expected about weight_scale={WEIGHT_SCALE}."
    return None


def judge_test_TwoLayerNet(plan, recorded, workdir) -> Verdict:
    """Every call against the reference (tolerance NET_TOLERANCE), then the initial weights' statistics."""
    verdict = judge_recorded(plan, recorded, replay(ASSIGNMENT, plan), NET_TOLERANCE)
    if not verdict.passed:
        return verdict
    problem = _init_problem(recorded.results[INIT_PARAMS_STEP])
    return PASSED if problem is None else Verdict(False, f"hidden test: {problem}")


# A two-layer net of a few hundred hidden units is a few MB; a larger file is refused before it is read.
MAX_TUNED_BYTES = 64 << 20


def plan_test_tuned_net(rng) -> Plan:
    """No calls: the judge reads the file the notebook saved."""
    return Plan("TwoLayerNet")


def tuned_net_accuracy(path: Path) -> tuple[float, float]:
    """(validation accuracy, target) of the net saved at ``path``, rebuilt with the reference TwoLayerNet.

    The split and mean image are the notebook's ``get_cifar10_data()``'s; float32 halves the memory.
    """
    from course.data import get_cifar10_data
    from course.solver import evaluate_accuracy
    from course.tuning import load_tuned_net

    check_model_file(path, MAX_TUNED_BYTES)
    data = get_cifar10_data(num_test=0, dtype=np.float32)
    input_dim = int(np.prod(data["X_val"].shape[1:]))
    try:
        net, _settings = load_tuned_net(path, assignments.load(ASSIGNMENT, "reference").TwoLayerNet, input_dim,
                                        CIFAR10_CLASSES)
    except ValueError as err:
        raise ModelFileProblem(f"{path.name} could not be loaded: {err}") from None
    accuracy = evaluate_accuracy(net, data["X_val"], data["y_val"])
    return accuracy, tuned_target(len(data["X_train"]) + len(data["X_val"]))


def judge_test_tuned_net(plan, recorded, workdir) -> Verdict:
    """The submitted tuned net (a fixed name in the submission's folder) against the validation target."""
    return judge_saved_net(lambda: tuned_net_accuracy(Path(workdir) / TUNED_FILE), tuned_shortfall)
