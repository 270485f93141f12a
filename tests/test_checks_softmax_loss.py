"""04_softmax_loss: the shared tests of tests/check_harness.py (checks pass on
right answers and explain every listed mistake), the net check's manners, and
the tuned net: its catalogued mistakes (TUNED_NET_MISTAKES) and hostile files
fail the visible check and the hidden verdict with the reason."""
import re

import numpy as np
import pytest

import course.data
import course.solver
from autograder import assignments, verdicts
from check_harness import CheckSpec, check_tests
from course import previous
from course.checks import softmax_loss as checks
from course.tuning import Settings, load_tuned_net, save_tuned_net
from notebooks import SOURCE

reference = assignments.load("04_softmax_loss", "reference")

LAYERS = ["affine_forward", "affine_backward", "relu_forward", "relu_backward"]


def _load_notebook(graded):
    """softmax_loss and TwoLayerNet from source/04, wired to the layers of source/03
    (the notebook gets those from previous.load in a cell that is not a solution cell)."""
    layers = dict(zip(LAYERS, previous.load("03_affine_relu", LAYERS, course_dir=SOURCE)))
    objs = dict(zip(graded, previous.load("04_softmax_loss", graded, course_dir=SOURCE)))
    objs["TwoLayerNet"].loss.__globals__.update(layers)
    return objs


SPEC = CheckSpec(
    "04_softmax_loss",
    mistake_namespace=tuple(LAYERS) + ("softmax_loss",),  # names a TwoLayerNet mistake calls
    load_notebook=_load_notebook,
    test_unwritten=True,
)
globals().update(check_tests(SPEC))


def test_net_check_leaves_the_global_random_stream_alone():
    np.random.seed(7)
    expected = np.random.rand()
    np.random.seed(7)
    checks.check_TwoLayerNet(reference.TwoLayerNet)
    assert np.random.rand() == expected


def test_hidden_check_judges_the_initial_weights_by_shape_and_spread():
    """The script sets fresh parameters before any call, so only the custom judge sees the initial ones."""
    class Transposed(reference.TwoLayerNet):
        def __init__(self, input_dim, hidden_dim, num_classes, weight_scale, reg):
            super().__init__(input_dim, hidden_dim, num_classes, weight_scale, reg)
            self.params["W1"] = weight_scale * np.random.randn(hidden_dim, input_dim)

    class HalfScale(reference.TwoLayerNet):
        def __init__(self, input_dim, hidden_dim, num_classes, weight_scale, reg):
            super().__init__(input_dim, hidden_dim, num_classes, weight_scale / 2, reg)

    assert verdicts.check_in_process("test_TwoLayerNet", reference.TwoLayerNet).passed
    transposed = verdicts.check_in_process("test_TwoLayerNet", Transposed)
    assert transposed == verdicts.Verdict(False, "hidden test: params['W1'] should have shape (48, 9).")
    half = verdicts.check_in_process("test_TwoLayerNet", HalfScale)
    assert not half.passed and "expected about weight_scale=0.3" in half.message


# --- the tuned net: graded from tuned_net.npz, never by calling tune_TwoLayerNet -----------------

hidden = assignments.load("04_softmax_loss", "hidden")
mistakes = assignments.load("04_softmax_loss", "mistakes")
TUNED_FILE = SOURCE / "04_softmax_loss" / checks.TUNED_FILE
# A candidate that learns nothing in two epochs, then one that learns the synthetic classes; the
# first has another hidden size, so its settings cannot pass for the second's.
SYNTHETIC_CANDIDATES = [Settings(hidden_dim=8, learning_rate=1e-7, num_epochs=2, batch_size=50),
                        Settings(hidden_dim=16, learning_rate=1e-3, num_epochs=3, batch_size=50)]


@pytest.fixture(scope="module")
def synthetic_cifar(tmp_path_factory):
    """A small fake CIFAR-10 that a two-layer net learns in a few epochs, as the grader's data."""
    root = tmp_path_factory.mktemp("cifar")
    course.data.write_synthetic_cifar10(root, n_per_batch=100, n_test=20, seed=3)
    return course.data.get_cifar10_data(root=root)


@pytest.fixture()
def grader_data(synthetic_cifar, monkeypatch):
    monkeypatch.setattr(course.data, "get_cifar10_data", lambda **kwargs: synthetic_cifar)
    return synthetic_cifar


def _saved_by(tune, data, folder):
    """tuned_net.npz in ``folder``, as the notebook's cell saves what ``tune(data)`` returns."""
    net, settings = tune(data, SYNTHETIC_CANDIDATES)
    path = folder / checks.TUNED_FILE
    save_tuned_net(path, net, settings)
    return path


def _judged(path):
    """The hidden verdict on ``path`` (tuned_net.npz in a submission's folder)."""
    assert path.name == checks.TUNED_FILE
    return verdicts.check_in_process("test_tuned_net", checks.TUNED_FILE, workdir=path.parent)


def test_tuned_net_of_the_reference_search_passes_both_checks(grader_data, tmp_path):
    path = _saved_by(reference.tune_TwoLayerNet, grader_data, tmp_path)
    assert checks.check_tuned_net(path, reference.TwoLayerNet, grader_data) == 1.0
    assert hidden.tuned_net_accuracy(path) == (1.0, checks.TUNED_SUBSET_TARGET)
    assert _judged(path).passed


@pytest.mark.parametrize("mistake", mistakes.TUNED_NET_MISTAKES, ids=lambda m: m.name)
def test_tuned_net_mistakes_fail_both_checks_with_their_hint(mistake, grader_data, tmp_path):
    path = _saved_by(mistake.compile(vars(reference)), grader_data, tmp_path)
    with pytest.raises(AssertionError, match=re.escape(mistake.hint)):
        checks.check_tuned_net(path, reference.TwoLayerNet, grader_data)
    verdict = _judged(path)
    assert not verdict.passed and mistake.hint in verdict.message


def test_untrained_net_shows_its_accuracy_and_the_target(grader_data, tmp_path):
    path = _saved_by(mistakes.TUNED_NET_MISTAKES[0].compile(vars(reference)), grader_data, tmp_path)
    accuracy = course.solver.evaluate_accuracy(load_tuned_net(path, reference.TwoLayerNet, 3072, 10)[0],
                                               grader_data["X_val"], grader_data["y_val"])
    shown = f"reaches {accuracy:.3f} validation accuracy, below the target 0.43"
    with pytest.raises(AssertionError, match=shown):
        checks.check_tuned_net(path, reference.TwoLayerNet, grader_data)
    assert shown in _judged(path).message


def test_target_follows_the_data():
    assert checks.tuned_target(5085) == checks.TUNED_SUBSET_TARGET == 0.43
    assert checks.tuned_target(50000) == checks.TUNED_FULL_TARGET == 0.48


def test_a_net_short_of_the_target_is_told_to_keep_searching(grader_data, tmp_path):
    path = _saved_by(reference.tune_TwoLayerNet, grader_data, tmp_path)
    # The net classifies every validation image right: with 30 of 50 labels moved, it scores 0.400.
    y_val = grader_data["y_val"]
    harder = dict(grader_data, y_val=np.where(np.arange(len(y_val)) < 20, y_val, (y_val + 1) % 10))
    with pytest.raises(AssertionError, match=r"reaches 0\.400 validation accuracy, below the target 0\.43: try other"):
        checks.check_tuned_net(path, reference.TwoLayerNet, harder)


def test_missing_tuned_net_says_what_to_run(grader_data, tmp_path):
    missing = tmp_path / checks.TUNED_FILE
    with pytest.raises(NotImplementedError, match="write tune_TwoLayerNet and run the cell below it"):
        checks.check_tuned_net(missing, reference.TwoLayerNet, grader_data)
    verdict = _judged(missing)
    assert not verdict.passed and "not found beside the notebook" in verdict.message


def test_transposed_tuned_net_is_named_in_both_checks(grader_data, tmp_path):
    """A TwoLayerNet that keeps W1 as (hidden, input) trains on x @ W1.T; its file says so by its shapes."""
    flipped = reference.TwoLayerNet(input_dim=16, hidden_dim=3072, num_classes=10)
    path = tmp_path / checks.TUNED_FILE
    save_tuned_net(path, flipped, Settings(hidden_dim=3072))
    with pytest.raises(AssertionError, match=r"W1 has shape \(16, 3072\), expected \(3072, hidden_dim\).*transposed"):
        checks.check_tuned_net(path, reference.TwoLayerNet, grader_data)
    verdict = _judged(path)
    assert not verdict.passed and "Is it transposed?" in verdict.message


def test_a_linked_or_oversized_tuned_net_is_refused(grader_data, tmp_path, monkeypatch):
    good = _saved_by(reference.tune_TwoLayerNet, grader_data, tmp_path)
    link_folder = tmp_path / "linked"
    link_folder.mkdir()
    (link_folder / checks.TUNED_FILE).symlink_to(good)
    verdict = _judged(link_folder / checks.TUNED_FILE)
    assert not verdict.passed and "is a link" in verdict.message
    monkeypatch.setattr(hidden, "MAX_TUNED_BYTES", good.stat().st_size - 1)
    verdict = _judged(good)
    assert not verdict.passed and "larger than" in verdict.message


def test_a_pickled_tuned_net_is_never_unpickled(grader_data, tmp_path):
    path = tmp_path / checks.TUNED_FILE
    with open(path, "wb") as out:
        np.savez(out, header=np.array([{"format": "pickled"}], dtype=object))
    with pytest.raises(AssertionError, match="could not be loaded.*allow_pickle=False"):
        checks.check_tuned_net(path, reference.TwoLayerNet, grader_data)
    verdict = _judged(path)
    assert not verdict.passed and "allow_pickle=False" in verdict.message


@pytest.mark.skipif(course.data.find_batches() is None or not TUNED_FILE.exists(),
                    reason="needs the CIFAR-10 data and the instructor's tuned net")
def test_instructor_tuned_net_clears_the_bar_and_is_not_released():
    assert _judged(TUNED_FILE).passed
    assert not (SOURCE.parent / "release" / "04_softmax_loss" / checks.TUNED_FILE).exists()
