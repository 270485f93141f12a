"""course.tuning: candidates from a grid or seeded draws, trials trained through the Solver, the
best one picked, and the tuned-net file read back with every setting and array checked."""
from __future__ import annotations

import dataclasses
import json
import zipfile

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import course.data  # noqa: E402
from autograder import assignments  # noqa: E402
from course import plotting, tuning  # noqa: E402
from course.model_file import save_model  # noqa: E402
from course.tuning import Settings, Trial  # noqa: E402

reference = assignments.load("04_softmax_loss", "reference")
TwoLayerNet = reference.TwoLayerNet


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    """A fake CIFAR-10 a two-layer net learns in a few epochs, cut to 8x8 pixels so a trial takes milliseconds."""
    root = tmp_path_factory.mktemp("cifar")
    course.data.write_synthetic_cifar10(root, n_per_batch=60, n_test=20, seed=5)
    data = course.data.get_cifar10_data(root=root)
    return {key: value[:, :, ::4, ::4] / 40.0 if key.startswith("X") else value for key, value in data.items()}


def _trial(acc, hidden_dim=10):
    return Trial(Settings(hidden_dim=hidden_dim), acc, 1, [acc], [acc], [2.3], model=None)


# --- candidates ---------------------------------------------------------------

def test_grid_is_every_combination_in_order_with_defaults_elsewhere():
    candidates = tuning.grid(hidden_dim=[50, 100], learning_rate=[1e-3, 2e-3, 5e-3])
    assert [(c.hidden_dim, c.learning_rate) for c in candidates] == [
        (50, 1e-3), (50, 2e-3), (50, 5e-3), (100, 1e-3), (100, 2e-3), (100, 5e-3)]
    assert {c.reg for c in candidates} == {Settings().reg}
    with pytest.raises(ValueError, match="unknown settings"):
        tuning.grid(hidden_size=[10])


def test_random_settings_follow_the_seed():
    ranges = {"learning_rate": (1e-4, 1e-1), "hidden_dim": [50, 100, 200]}
    first = tuning.random_settings(20, seed=3, **ranges)
    assert first == tuning.random_settings(20, seed=3, **ranges)
    assert first != tuning.random_settings(20, seed=4, **ranges)
    assert len(first) == 20 and len({c.learning_rate for c in first}) == 20


def test_random_ranges_are_log_uniform_and_lists_are_choices():
    drawn = tuning.random_settings(400, seed=0, learning_rate=(1e-4, 1e-1), reg=[0.0, 0.5], num_epochs=(2, 20))
    rates = np.array([c.learning_rate for c in drawn])
    assert rates.min() >= 1e-4 and rates.max() <= 1e-1
    # Log-uniform: each decade as likely; a plain uniform draw would put ~1% below 1e-3, not a third.
    assert 0.25 < np.mean(rates < 1e-3) < 0.42
    assert {c.reg for c in drawn} == {0.0, 0.5}
    assert all(isinstance(c.num_epochs, int) and 2 <= c.num_epochs <= 20 for c in drawn)
    with pytest.raises(ValueError, match="0 < low <= high"):
        tuning.random_settings(1, seed=0, learning_rate=(0.0, 1.0))


@pytest.mark.parametrize("bad", [{"hidden_dim": 0}, {"hidden_dim": 2.5}, {"hidden_dim": True},
                                 {"learning_rate": -1e-3}, {"learning_rate": float("nan")}, {"reg": -0.1},
                                 {"num_epochs": float("inf")}, {"batch_size": "100"}, {"hidden_dim": 10 ** 400}])
def test_settings_refuse_what_no_training_could_use(bad):
    with pytest.raises(ValueError, match="setting"):
        Settings(**bad)


def test_settings_from_a_mapping_need_exactly_the_fields():
    fields = dataclasses.asdict(Settings(hidden_dim=64))
    assert Settings.from_mapping(fields) == Settings(hidden_dim=64)
    with pytest.raises(ValueError, match="exactly"):
        Settings.from_mapping({k: v for k, v in fields.items() if k != "reg"})
    with pytest.raises(ValueError, match="exactly"):
        Settings.from_mapping(dict(fields, dropout=0.5))
    with pytest.raises(ValueError, match="must be a dict"):
        Settings.from_mapping([1, 2])


# --- trials -------------------------------------------------------------------

def test_best_trial_picks_the_highest_validation_accuracy():
    trials = [_trial(0.30), _trial(0.52, hidden_dim=20), _trial(0.41), _trial(0.52, hidden_dim=30)]
    assert tuning.best_trial(trials) is trials[1]  # the first of equals
    with pytest.raises(ValueError):
        tuning.best_trial([])


def test_run_trials_trains_each_candidate_with_the_solver(small_data):
    candidates = [Settings(hidden_dim=16, learning_rate=1e-6, num_epochs=3, batch_size=25),  # far too small a step
                  Settings(hidden_dim=16, learning_rate=0.05, num_epochs=3, batch_size=25, weight_scale=1e-2)]
    trials = tuning.run_trials(TwoLayerNet, small_data, candidates, update_rule=reference.sgd, progress=False)
    assert [t.settings for t in trials] == candidates
    slow, good = trials
    assert len(good.val_acc_history) == 3 and len(good.loss_history) == 3 * (len(small_data["y_train"]) // 25)
    assert good.best_val_acc == max(good.val_acc_history) > 0.8 > slow.best_val_acc
    assert tuning.best_trial(trials) is good
    # The model holds the parameters of its best epoch, at the trial's hidden size.
    from course.solver import evaluate_accuracy
    assert evaluate_accuracy(good.model, small_data["X_val"], small_data["y_val"]) == good.best_val_acc
    assert good.model.params["W1"].shape == (3 * 8 * 8, 16) and good.model.reg == good.settings.reg


def test_run_trials_follows_the_seed_whatever_ran_before(small_data):
    candidate = Settings(hidden_dim=8, learning_rate=0.02, num_epochs=2, batch_size=25, weight_scale=1e-2)

    def run(seed, before=()):
        trials = tuning.run_trials(TwoLayerNet, small_data, [*before, candidate], update_rule=reference.sgd,
                                   seed=seed, progress=False)
        return trials[-1].loss_history

    np.random.seed(123)  # the global stream the nets draw from: run_trials seeds it for every trial
    alone = run(0)
    assert run(0, before=[Settings(hidden_dim=4, num_epochs=1)]) == alone
    assert run(1) != alone


# --- the file of a tuned net --------------------------------------------------

@pytest.fixture()
def tuned(small_data, tmp_path):
    """(path, net, settings) of a small trained net saved with save_tuned_net."""
    settings = Settings(hidden_dim=12, learning_rate=0.05, num_epochs=2, batch_size=25, weight_scale=1e-2, reg=0.01)
    [trial] = tuning.run_trials(TwoLayerNet, small_data, [settings], update_rule=reference.sgd, progress=False)
    path = tmp_path / "tuned_net.npz"
    tuning.save_tuned_net(path, trial.model, trial.settings)
    return path, trial.model, settings


def _load(path, input_dim=3 * 8 * 8, num_classes=10):
    return tuning.load_tuned_net(path, TwoLayerNet, input_dim, num_classes)


def _rewrite(path, change):
    """The saved file with its arrays (header parsed as JSON) changed by ``change(arrays, header)``."""
    with np.load(path) as f:
        arrays = {key: f[key] for key in f.files}
    header = json.loads(str(arrays.pop("header")))
    change(arrays, header)
    with open(path, "wb") as out:
        np.savez(out, header=np.array(json.dumps(header)), **arrays)


def test_a_tuned_net_comes_back_with_its_settings(tuned):
    path, net, settings = tuned
    loaded, loaded_settings = _load(path)
    assert loaded_settings == settings and isinstance(loaded, TwoLayerNet) and loaded.reg == settings.reg
    for name, value in net.params.items():
        np.testing.assert_array_equal(loaded.params[name], value)


def test_save_tuned_net_wants_the_settings_object(tuned):
    path, net, settings = tuned
    with pytest.raises(ValueError, match="Settings"):
        tuning.save_tuned_net(path, net, dataclasses.asdict(settings))


@pytest.mark.parametrize("change, message", [
    (lambda a, h: a.update({"params/W1": a["params/W1"].T.copy(), "params/W2": a["params/W2"]}),
     "the header's"),
    (lambda a, h: h.pop("hyperparameters"), "holds no hyper-parameters"),
    (lambda a, h: h["hyperparameters"].update(hidden_dim=99), "hidden_dim=99, but W1 has 12 columns"),
    (lambda a, h: h["hyperparameters"].update(learning_rate="fast"), "learning_rate must be a number"),
    (lambda a, h: h["hyperparameters"].update(reg=-1), "reg must be finite and positive"),
    (lambda a, h: h["hyperparameters"].pop("num_epochs"), "exactly"),
    (lambda a, h: h.update(hyperparameters=[1, 2]), "must be a dict"),
    (lambda a, h: a.update({"params/b2": np.array(["x"] * 10)}), "not floats"),
    (lambda a, h: a.update({"params/b1": np.full(12, np.nan)}), "NaN or inf"),
    (lambda a, h: h.update(format="something else"), "no valid header"),
    (lambda a, h: h.update(architecture=None), "no valid header"),
])
def test_a_damaged_or_forged_file_is_refused_with_the_reason(tuned, change, message):
    path = tuned[0]
    _rewrite(path, change)
    with pytest.raises(ValueError, match=message):
        _load(path)


def test_shapes_for_another_input_or_a_transposed_W1_are_named(tuned, small_data):
    path, net, settings = tuned
    with pytest.raises(ValueError, match=r"W1 has shape \(192, 12\), expected \(3072, hidden_dim\)"):
        _load(path, input_dim=3072)
    with pytest.raises(ValueError, match="one per class"):
        _load(path, num_classes=5)
    # A net that keeps W1 as (hidden, input) saves a consistent header: the input size gives it away.
    flipped = TwoLayerNet(input_dim=12, hidden_dim=192, num_classes=10)
    tuning.save_tuned_net(path, flipped, dataclasses.replace(settings, hidden_dim=192))
    with pytest.raises(ValueError, match="Is it transposed"):
        _load(path)


def test_a_deeper_net_or_a_pickle_is_not_a_tuned_net(tuned):
    path = tuned[0]
    FullyConnectedNet = assignments.load("06_dropout", "reference").FullyConnectedNet
    save_model(path, FullyConnectedNet([12, 12], input_dim=192), hyperparameters={})
    with pytest.raises(ValueError, match="exactly one"):
        _load(path)
    with open(path, "wb") as out:
        np.savez(out, header=np.array([{"format": "x"}], dtype=object))
    with pytest.raises(ValueError, match="not a model saved by save_model"):
        _load(path)
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not an .npz"):
        _load(path)
    assert not zipfile.is_zipfile(path)


# --- the plot -----------------------------------------------------------------

def test_plot_trials_draws_one_curve_per_trial_and_marks_the_best():
    trials = [_trial(0.30), _trial(0.52, hidden_dim=20), _trial(0.41)]
    trials[1].val_acc_history = [0.4, 0.52]
    ax = plotting.plot_trials(trials)
    lines = ax.get_lines()
    assert len(lines) == 3
    np.testing.assert_allclose(lines[1].get_ydata(), [0.4, 0.52])
    assert [line.get_linewidth() for line in lines] == [1, 3, 1]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[1].startswith("hidden 20,") and labels[1].endswith("0.520")
    plt.close("all")
