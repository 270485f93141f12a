"""course.solver: the Solver on tiny problems, and saving / loading a trained net."""
from __future__ import annotations

import json

import numpy as np
import pytest

from autograder import assignments
from course.solver import Solver, evaluate_accuracy, load_checkpoint, load_model, save_model


def plain_sgd(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


class LinearSoftmax:
    """A linear classifier with softmax loss: the smallest model the Solver can train."""

    def __init__(self, dim, classes, seed=0, dtype=np.float64):
        rng = np.random.default_rng(seed)
        self.params = {"W": (0.01 * rng.standard_normal((dim, classes))).astype(dtype),
                       "b": np.zeros(classes, dtype=dtype)}

    def loss(self, X, y=None):
        scores = X @ self.params["W"] + self.params["b"]
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        n = len(X)
        loss = -np.mean(np.log(probs[np.arange(n), y]))
        dscores = probs
        dscores[np.arange(n), y] -= 1
        dscores /= n
        return loss, {"W": X.T @ dscores, "b": dscores.sum(axis=0)}


def blobs(n_train=300, n_val=90, dim=5, classes=3, seed=0):
    """Well separated Gaussian blobs, one per class."""
    rng = np.random.default_rng(seed)
    centers = 4.0 * rng.standard_normal((classes, dim))

    def draw(n):
        y = rng.integers(classes, size=n)
        return centers[y] + rng.standard_normal((n, dim)), y

    X_train, y_train = draw(n_train)
    X_val, y_val = draw(n_val)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


class ScriptedModel:
    """Its validation accuracy after epoch e is ACCURACY[e], whatever the data.

    Every training step returns the gradient -1 for its single parameter w, so
    with sgd at learning rate 1 and one step per epoch, w counts the epochs.
    Test-mode scores make the first round(ACCURACY[w] * N) examples correct.
    bn_params mimic batch-norm running statistics that follow w.
    """

    ACCURACY = [0.0, 0.2, 0.8, 0.5, 0.4]

    def __init__(self):
        self.params = {"w": np.zeros(1)}
        self.bn_params = [{"mode": "train"}]

    def loss(self, X, y=None):
        n = len(X)
        if y is None:
            correct = int(round(self.ACCURACY[int(round(self.params["w"][0]))] * n))
            labels = self.labels[:n]
            scores = np.zeros((n, 2))
            predicted = np.where(np.arange(n) < correct, labels, 1 - labels)
            scores[np.arange(n), predicted] = 1.0
            return scores
        self.bn_params[0]["running_mean"] = self.params["w"].copy()
        return 0.0, {"w": -np.ones(1)}


def scripted_data(n=10):
    labels = np.zeros(n, dtype=int)
    return {"X_train": np.zeros((n, 1)), "y_train": labels, "X_val": np.zeros((n, 1)), "y_val": labels}


def train_scripted(**kwargs):
    model = ScriptedModel()
    model.labels = np.zeros(10, dtype=int)
    options = dict(update_rule=plain_sgd, optim_config={"learning_rate": 1.0}, batch_size=10,
                   num_epochs=4, num_train_samples=None, verbose=False)
    options.update(kwargs)
    solver = Solver(model, scripted_data(), **options)
    solver.train()
    return model, solver


def test_solver_learns_a_separable_problem():
    data = blobs()
    model = LinearSoftmax(5, 3)
    solver = Solver(model, data, update_rule=plain_sgd, optim_config={"learning_rate": 0.1},
                    num_epochs=5, batch_size=30, verbose=False, seed=0)
    solver.train()
    assert np.mean(solver.loss_history[-5:]) < 0.5 * np.mean(solver.loss_history[:5])
    assert solver.best_val_acc >= 0.9
    assert evaluate_accuracy(model, data["X_val"], data["y_val"]) == pytest.approx(solver.best_val_acc)


def test_history_lengths():
    data = blobs(n_train=95)
    solver = Solver(LinearSoftmax(5, 3), data, update_rule=plain_sgd, num_epochs=3, batch_size=20,
                    verbose=False, seed=0)
    solver.train()
    assert len(solver.loss_history) == 3 * (95 // 20)
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 3
    assert solver.epoch == 3


def test_best_parameters_and_running_statistics_are_restored():
    model, solver = train_scripted()
    assert solver.val_acc_history == pytest.approx([0.2, 0.8, 0.5, 0.4])
    assert solver.best_val_acc == pytest.approx(0.8)
    assert solver.best_epoch == 2
    assert model.params["w"][0] == pytest.approx(2.0)  # not 4, the last epoch's value
    # The running mean was last set during epoch 2's step, when w was 1.
    assert model.bn_params[0]["running_mean"][0] == pytest.approx(1.0)


def test_learning_rate_decays_once_per_epoch():
    seen = []

    def recording_rule(w, dw, config):
        seen.append(config["learning_rate"])
        return w - config["learning_rate"] * dw, config

    data = blobs(n_train=60)
    solver = Solver(LinearSoftmax(5, 3), data, update_rule=recording_rule,
                    optim_config={"learning_rate": 0.8}, lr_decay=0.5, num_epochs=3, batch_size=20,
                    verbose=False, seed=0)
    solver.train()
    per_epoch = 3 * 2  # 3 steps of 2 parameters
    expected = [0.8] * per_epoch + [0.4] * per_epoch + [0.2] * per_epoch
    assert seen == pytest.approx(expected)
    assert all(c["learning_rate"] == pytest.approx(0.1) for c in solver.optim_configs.values())


def test_each_parameter_gets_its_own_config():
    data = blobs(n_train=40)
    solver = Solver(LinearSoftmax(5, 3), data, update_rule=plain_sgd,
                    optim_config={"learning_rate": 0.1, "velocity": np.zeros(1)}, verbose=False)
    configs = list(solver.optim_configs.values())
    assert configs[0] is not configs[1]
    assert configs[0]["velocity"] is not configs[1]["velocity"]


def test_checkpoints_are_written_and_loadable(tmp_path):
    name = tmp_path / "run"
    _, solver = train_scripted(checkpoint_name=name, num_epochs=3)
    for epoch in (1, 2, 3):
        checkpoint = load_checkpoint(f"{name}_epoch_{epoch}.pkl")
        assert checkpoint["epoch"] == epoch
        assert checkpoint["params"]["w"][0] == pytest.approx(epoch)
        assert len(checkpoint["val_acc_history"]) == epoch
        assert checkpoint["update_rule"] == "plain_sgd"
        assert "learning_rate" in checkpoint["optim_configs"]["w"]
    assert not (tmp_path / "run_epoch_4.pkl").exists()


def test_quiet_mode_prints_nothing(capfd, tmp_path):
    Solver(LinearSoftmax(5, 3), blobs(), update_rule=plain_sgd, num_epochs=2, verbose=False,
           checkpoint_name=tmp_path / "quiet", print_every=1).train()
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_verbose_mode_reports_every_epoch(capfd):
    Solver(LinearSoftmax(5, 3), blobs(), update_rule=plain_sgd, num_epochs=2, verbose=True).train()
    out, err = capfd.readouterr()
    assert "(epoch 1/2)" in out + err and "(epoch 2/2)" in out + err


def test_verbose_mode_ends_with_a_text_summary_that_survives_saving(capfd):
    solver = Solver(LinearSoftmax(5, 3), blobs(), update_rule=plain_sgd, num_epochs=2, verbose=True).train()
    out, _ = capfd.readouterr()
    last = out.strip().splitlines()[-1]
    assert last.startswith("trained 2 epochs (") and f"best val acc {solver.best_val_acc:.3f}" in last
    assert f"at epoch {solver.best_epoch}" in last


def test_same_seed_same_run_and_other_seed_other_run():
    def run(seed):
        model = LinearSoftmax(5, 3, seed=0)
        solver = Solver(model, blobs(), update_rule=plain_sgd, num_epochs=2, batch_size=25,
                        verbose=False, seed=seed)
        solver.train()
        return solver.loss_history, model.params["W"]

    loss_a, w_a = run(1)
    loss_b, w_b = run(1)
    loss_c, _ = run(2)
    assert loss_a == loss_b
    np.testing.assert_array_equal(w_a, w_b)
    assert loss_a != loss_c


def test_update_rule_by_name():
    data = blobs()
    solver = Solver(LinearSoftmax(5, 3), data, update_rule="sgd", rules={"sgd": plain_sgd},
                    num_epochs=1, verbose=False)
    assert solver.update_rule is plain_sgd
    with pytest.raises(ValueError, match="Unknown update_rule 'adam'"):
        Solver(LinearSoftmax(5, 3), data, update_rule="adam", rules={"sgd": plain_sgd})
    with pytest.raises(ValueError, match="update_rule must be a function"):
        Solver(LinearSoftmax(5, 3), data)


def test_float32_model_trains_in_float32():
    seen = set()

    def dtype_rule(w, dw, config):
        seen.add(dw.dtype)
        return plain_sgd(w, dw, config)

    model = LinearSoftmax(5, 3, dtype=np.float32)
    Solver(model, blobs(), update_rule=dtype_rule, num_epochs=1, verbose=False).train()
    assert seen == {np.dtype(np.float32)}


def test_check_accuracy_on_a_subsample():
    model, solver = train_scripted(num_epochs=2)  # restored at epoch 2: accuracy 0.8
    X = np.zeros((10, 1))
    assert solver.check_accuracy(X, np.zeros(10, dtype=int)) == pytest.approx(0.8)
    seen = []
    score = model.loss
    model.loss = lambda X, y=None: (seen.append(len(X)), score(X, y))[1]
    assert solver.check_accuracy(X, np.zeros(10, dtype=int), num_samples=5) == pytest.approx(0.8)
    assert sum(seen) == 5, f"check_accuracy scored {sum(seen)} examples, not the 5 asked for"


# --- save_model / load_model -------------------------------------------------

class TinyNet:
    """Follows the FullyConnectedNet constructor and params of the course API (no training)."""

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=0.0,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float64, seed=None):
        rng = np.random.default_rng(seed)
        dims = [input_dim, *hidden_dims, num_classes]
        self.params = {}
        for i in range(1, len(dims)):
            self.params[f"W{i}"] = (weight_scale * rng.standard_normal((dims[i - 1], dims[i]))).astype(dtype)
            self.params[f"b{i}"] = np.zeros(dims[i], dtype=dtype)
            if normalization == "batchnorm" and i < len(dims) - 1:
                self.params[f"gamma{i}"] = np.ones(dims[i], dtype=dtype)
                self.params[f"beta{i}"] = np.zeros(dims[i], dtype=dtype)
        self.bn_params = [{"mode": "train"} for _ in hidden_dims] if normalization == "batchnorm" else []


def test_save_and_load_round_trip(tmp_path):
    net = TinyNet([4, 3], input_dim=6, num_classes=2, normalization="batchnorm", dtype=np.float32, seed=1)
    for i, bn_param in enumerate(net.bn_params):
        bn_param["running_mean"] = np.full(net.params[f"b{i + 1}"].shape, i + 0.5)
        bn_param["running_var"] = np.full(net.params[f"b{i + 1}"].shape, i + 2.0)
    path = tmp_path / "model.npz"
    architecture = save_model(path, net)
    assert architecture == {"hidden_dims": [4, 3], "input_dim": 6, "num_classes": 2,
                            "normalization": "batchnorm", "dtype": "float32"}
    loaded = load_model(path, TinyNet)
    assert set(loaded.params) == set(net.params)
    for name, value in net.params.items():
        np.testing.assert_array_equal(loaded.params[name], value)
        assert loaded.params[name].dtype == np.float32
    for mine, theirs in zip(loaded.bn_params, net.bn_params):
        np.testing.assert_array_equal(mine["running_mean"], theirs["running_mean"])
        np.testing.assert_array_equal(mine["running_var"], theirs["running_var"])


def test_layernorm_net_round_trip_without_running_statistics(tmp_path):
    """A layernorm net has gammas and betas but no running statistics: it is saved and rebuilt as layernorm."""
    FullyConnectedNet = assignments.load("06_dropout", "reference").FullyConnectedNet
    net = FullyConnectedNet([5, 4], input_dim=6, num_classes=3, normalization="layernorm", weight_scale=0.3, seed=0)
    rng = np.random.default_rng(1)
    for name in net.params:
        if name.startswith(("gamma", "beta")):
            net.params[name] = net.params[name] + rng.uniform(-0.5, 0.5, net.params[name].shape)
    path = tmp_path / "layernorm.npz"
    assert save_model(path, net)["normalization"] == "layernorm"
    loaded = load_model(path, FullyConnectedNet)
    assert loaded.normalization == "layernorm" and loaded.bn_params == []
    X = rng.standard_normal((4, 6))
    np.testing.assert_array_equal(loaded.loss(X), net.loss(X))


def test_save_needs_running_statistics(tmp_path):
    net = TinyNet([4], input_dim=6, num_classes=2, normalization="batchnorm")
    with pytest.raises(ValueError, match="running_mean"):
        save_model(tmp_path / "m.npz", net)


def test_load_explains_a_broken_file(tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not a model saved by save_model"):
        load_model(garbage, TinyNet)

    no_header = tmp_path / "no_header.npz"
    np.savez(no_header, W1=np.zeros((6, 2)))
    with pytest.raises(ValueError, match="no valid header"):
        load_model(no_header, TinyNet)

    net = TinyNet([4], input_dim=6, num_classes=2)
    good = tmp_path / "good.npz"
    save_model(good, net)
    with np.load(good) as f:
        arrays = dict(f)
    arrays["params/W1"] = np.zeros((6, 5))  # does not fit the architecture in the header
    wrong_shape = tmp_path / "wrong_shape.npz"
    np.savez(wrong_shape, **arrays)
    with pytest.raises(ValueError, match="hidden_dims is \\[4\\], but the saved weights say \\[5\\]"):
        load_model(wrong_shape, TinyNet)

    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.npz", TinyNet)


def test_load_refuses_a_header_that_disagrees_with_the_weights_before_building(tmp_path):
    """A hostile header asking for huge layers must not make the grader allocate them."""
    net = TinyNet([4], input_dim=6, num_classes=2)
    path = tmp_path / "model.npz"
    save_model(path, net)
    with np.load(path) as f:
        arrays = dict(f)
    header = json.loads(str(arrays["header"]))
    header["architecture"]["hidden_dims"] = [10**9]
    arrays["header"] = np.array(json.dumps(header))
    np.savez(path, **arrays)
    built = []

    class Recording(TinyNet):
        def __init__(self, *args, **kwargs):
            built.append(kwargs)
            super().__init__(*args, **kwargs)

    with pytest.raises(ValueError, match="hidden_dims"):
        load_model(path, Recording)
    assert built == []
