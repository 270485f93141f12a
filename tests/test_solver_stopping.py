"""course.solver.Solver's two early stops: ``max_iterations`` (in the middle of an epoch
if need be) and a diverging run (a non-finite loss is recorded, not applied, and ends training)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from course.solver import Solver


def add_one(w, dw, config):
    """An update rule that counts: every applied step adds 1 to every parameter."""
    return w + 1.0, config


class CountingModel:
    """Its parameter ``w`` counts the applied updates; the loss of the k-th training call
    (1-based) is ``LOSSES.get(k, 1.0)``, so a test can make one step diverge."""

    def __init__(self, losses=None):
        self.params = {"w": np.zeros(1)}
        self.losses = losses or {}
        self.train_calls = 0
        self.test_batches = []

    def loss(self, X, y=None):
        if y is None:
            self.test_batches.append(self.params["w"][0])
            return np.tile([1.0, 0.0], (len(X), 1))  # always class 0
        self.train_calls += 1
        loss = self.losses.get(self.train_calls, 1.0)
        if not np.isfinite(loss):
            np.exp(np.array([1e6]))  # the overflow a diverging net would hit
        return loss, {"w": np.ones(1)}


def data(n_train=100):
    y = np.zeros(n_train, dtype=int)
    return {"X_train": np.zeros((n_train, 3)), "y_train": y, "X_val": np.zeros((10, 3)), "y_val": np.zeros(10, int)}


def train(model, **options):
    return Solver(model, data(), update_rule=add_one, batch_size=10, verbose=False, seed=0, **options).train()


def test_max_iterations_stops_in_the_middle_of_an_epoch():
    model = CountingModel()
    solver = train(model, num_epochs=10, max_iterations=25)  # 10 steps per epoch: 2.5 epochs
    assert model.train_calls == 25 and len(solver.loss_history) == 25
    assert solver.epoch == 3 and len(solver.val_acc_history) == 3 and len(solver.train_acc_history) == 3
    # The partial epoch's accuracies were measured after its 5 steps, on the 25th update.
    assert model.test_batches[-2:] == [25.0, 25.0]
    assert not solver.diverged


def test_max_iterations_at_the_end_of_an_epoch_adds_no_empty_epoch():
    model = CountingModel()
    solver = train(model, num_epochs=10, max_iterations=20)
    assert model.train_calls == 20 and solver.epoch == 2 and len(solver.val_acc_history) == 2


def test_num_epochs_still_bounds_a_run_with_more_iterations_allowed():
    model = CountingModel()
    solver = train(model, num_epochs=2, max_iterations=1000)
    assert model.train_calls == 20 and solver.epoch == 2
    assert train(CountingModel(), num_epochs=2).epoch == 2  # without max_iterations: all epochs


def test_a_non_finite_loss_is_recorded_not_applied_and_stops_the_run():
    model = CountingModel({14: np.nan})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the overflow of the diverging step is silenced
        solver = train(model, num_epochs=10)
    assert solver.diverged
    assert model.train_calls == 14 and len(solver.loss_history) == 14 and np.isnan(solver.loss_history[-1])
    assert model.test_batches[-1] == 13.0  # the 14th update was not applied: w counts 13
    assert solver.epoch == 2 and len(solver.val_acc_history) == 2  # the partial second epoch is recorded


@pytest.mark.parametrize("loss", [np.inf, -np.inf])
def test_an_infinite_loss_also_stops(loss):
    solver = train(CountingModel({3: loss}), num_epochs=5)
    assert solver.diverged and len(solver.loss_history) == 3 and solver.epoch == 1


def test_diverging_run_says_so(capsys):
    Solver(CountingModel({2: np.nan}), data(), update_rule=add_one, batch_size=10, num_epochs=3, verbose=True,
           seed=0).train()
    assert "stopped at iteration 2" in capsys.readouterr().out


def test_negative_max_iterations_is_refused():
    with pytest.raises(ValueError, match="max_iterations"):
        Solver(CountingModel(), data(), update_rule=add_one, max_iterations=-1)
