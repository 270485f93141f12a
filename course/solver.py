"""Train a model with minibatch gradient descent: the course's Solver.

The Solver knows nothing about networks. A model is any object with

- ``model.params``: a dict of name -> numpy array, updated by the Solver;
- ``model.loss(X, y=None)``: the scores (N, C) when ``y`` is None (test mode),
  else ``(loss, grads)`` with ``grads`` keyed like ``params`` (train mode).

An update rule is a function ``rule(w, dw, config) -> (next_w, config)``; each
parameter gets its own ``config`` dict (a deep copy of ``optim_config``), so
state such as a velocity stays with its parameter between steps.

Example::

    solver = Solver(model, data, update_rule=adam,
                    optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, num_epochs=10, batch_size=100)
    solver.train()          # model.params now holds the best parameters seen
    solver.val_acc_history  # one validation accuracy per epoch

``save_model`` and ``load_model`` store a trained fully connected net in an
.npz file and rebuild it; ``evaluate_accuracy`` measures it on a data split.
"""
from __future__ import annotations

import copy
import os
import pickle
import sys
import time
from typing import Callable, Mapping

import numpy as np

from course.i18n import _

from .model_file import load_model, save_model  # noqa: F401 - the notebooks import them from here

__all__ = ["Solver", "load_checkpoint", "evaluate_accuracy", "save_model", "load_model"]


class Solver:
    """Minibatch training with learning-rate decay, accuracy tracking and checkpoints.

    Parameters
    ----------
    model : object with ``params`` and ``loss(X, y=None)`` (see the module doc).
    data : dict with ``X_train``, ``y_train``, ``X_val``, ``y_val``.
    update_rule : a function ``(w, dw, config) -> (next_w, config)``, or the
        name of one in ``rules``.
    optim_config : dict of hyperparameters given to the update rule, e.g.
        ``{"learning_rate": 1e-3}``; copied once per parameter.
    rules : dict name -> update rule, used when ``update_rule`` is a string.
    lr_decay : after every epoch each ``learning_rate`` is multiplied by this.
    batch_size : training examples per gradient step.
    num_epochs : passes over the training set.
    max_iterations : stop after this many updates, in the middle of an epoch
        if need be (None: run all ``num_epochs``). The accuracies of that last,
        partial epoch are measured and recorded like those of a full one.
    num_train_samples : training examples used to measure the training
        accuracy after each epoch (None: all of them).
    num_val_samples : validation examples used per epoch (None: all).
    eval_batch_size : examples per forward pass when measuring accuracy.
    checkpoint_name : if given, the state after epoch ``e`` is written to
        ``f"{checkpoint_name}_epoch_{e}.pkl"`` (read it with ``load_checkpoint``).
    print_every : also print the loss every this many iterations (None: only
        one line per epoch).
    verbose : False is the quiet mode: no progress bar and no output at all.
    seed : seeds the order of the minibatches and the accuracy subsamples.

    A run that diverges stops cleanly: a step whose loss is not finite (NaN or
    inf) is recorded in ``loss_history`` but not applied, the accuracies of that
    partial epoch are recorded, training stops and ``diverged`` is True. numpy's
    overflow warnings inside the steps are silenced; the stop is the message.

    After ``train()``: ``loss_history`` (one loss per iteration),
    ``train_acc_history`` and ``val_acc_history`` (one per epoch),
    ``best_val_acc``, ``best_params``, ``diverged``; the best parameters are put back into
    ``model.params``. If the model keeps batch-norm running statistics in
    ``model.bn_params``, those of the best epoch are restored with them.
    """

    def __init__(self, model, data: Mapping[str, np.ndarray], update_rule: Callable | str | None = None,
                 optim_config: Mapping | None = None, lr_decay: float = 1.0, batch_size: int = 100,
                 num_epochs: int = 10, max_iterations: int | None = None, num_train_samples: int | None = 1000,
                 num_val_samples: int | None = None, eval_batch_size: int = 500,
                 checkpoint_name: str | os.PathLike | None = None, print_every: int | None = None,
                 verbose: bool = True, seed: int | None = None,
                 rules: Mapping[str, Callable] | None = None):
        self.model = model
        dtype = _float_dtype(model.params)
        # Cast once, here: a float32 model then trains in float32 without a
        # conversion in every step.
        self.X_train = np.asarray(data["X_train"], dtype=dtype)
        self.y_train = np.asarray(data["y_train"])
        self.X_val = np.asarray(data["X_val"], dtype=dtype)
        self.y_val = np.asarray(data["y_val"])
        if len(self.X_train) != len(self.y_train) or len(self.X_val) != len(self.y_val):
            raise ValueError(_("X_train/y_train and X_val/y_val must have the same number of examples."))

        self.update_rule = _resolve_rule(update_rule, rules)
        self.optim_config = dict(optim_config or {})
        self.lr_decay = float(lr_decay)
        self.batch_size = int(batch_size)
        self.num_epochs = int(num_epochs)
        self.max_iterations = None if max_iterations is None else int(max_iterations)
        self.num_train_samples = num_train_samples
        self.num_val_samples = num_val_samples
        self.eval_batch_size = int(eval_batch_size)
        self.checkpoint_name = None if checkpoint_name is None else os.fspath(checkpoint_name)
        self.print_every = print_every
        self.verbose = bool(verbose)
        self.seed = seed
        if self.batch_size < 1 or self.num_epochs < 0 or (self.max_iterations is not None and self.max_iterations < 0):
            raise ValueError(_("batch_size must be >= 1, num_epochs and max_iterations >= 0."))
        self._reset()

    def _reset(self):
        self.rng = np.random.default_rng(self.seed)
        self.epoch = 0
        self.best_val_acc = -1.0
        self.best_params = {}
        self.best_epoch = 0
        self._best_bn_params = None
        self.diverged = False
        self.loss_history: list[float] = []
        self.train_acc_history: list[float] = []
        self.val_acc_history: list[float] = []
        self.optim_configs = {name: copy.deepcopy(self.optim_config) for name in self.model.params}

    def _step(self, X_batch, y_batch):
        loss, grads = self.model.loss(X_batch, y_batch)
        if not np.isfinite(loss):
            self.diverged = True
            return loss  # not applied: the parameters stay those of the last finite step
        params = self.model.params
        configs = self.optim_configs
        rule = self.update_rule
        for name, w in params.items():
            params[name], configs[name] = rule(w, grads[name], configs[name])
        return loss

    def check_accuracy(self, X, y, num_samples: int | None = None, batch_size: int | None = None) -> float:
        """Fraction of ``X`` the model classifies as ``y`` (test mode).

        With ``num_samples`` a random subset of that size is used (faster).
        """
        if num_samples is not None and num_samples < len(X):
            idx = self.rng.choice(len(X), num_samples, replace=False)
            X, y = X[idx], np.asarray(y)[idx]
        return evaluate_accuracy(self.model, X, y, batch_size or self.eval_batch_size)

    def train(self):
        """Run ``num_epochs`` epochs (or ``max_iterations`` updates), then restore the best parameters.
        Returns self."""
        per_epoch = max(len(self.X_train) // self.batch_size, 1)
        total = per_epoch * self.num_epochs
        bar = _progress_bar(total if self.max_iterations is None else min(total, self.max_iterations), self.verbose)
        started = time.perf_counter()
        try:
            # A diverging run overflows in many places: it says so once, below.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                self._run_epochs(per_epoch, bar)
        finally:
            if bar is not None:
                bar.close()
        self._restore_best()
        if self.verbose and self.diverged:
            print(_("stopped at iteration {iteration}: the loss is {loss}, the run diverged (try a smaller "
                    "learning rate or weight scale)").format(iteration=len(self.loss_history),
                                                             loss=self.loss_history[-1]), flush=True)
        if self.verbose:
            # Plain text survives saving the notebook; a progress widget does not
            # always (its state is gone when the notebook is reopened).
            print(_("trained {epochs} epochs ({iterations} iterations) in {seconds:.1f} s; best val acc "
                    "{best:.3f} at epoch {epoch}").format(epochs=self.epoch, iterations=len(self.loss_history),
                                                          seconds=time.perf_counter() - started,
                                                          best=self.best_val_acc, epoch=self.best_epoch), flush=True)
        return self

    def _run_epochs(self, per_epoch, bar):
        for _epoch in range(self.num_epochs):
            if self._stopped():
                break
            start = time.perf_counter()
            order = self.rng.permutation(len(self.X_train))
            for it in range(per_epoch):
                idx = order[it * self.batch_size:(it + 1) * self.batch_size]
                loss = float(self._step(self.X_train[idx], self.y_train[idx]))
                self.loss_history.append(loss)
                if bar is not None:
                    bar.update(1)
                    if it % 10 == 0:  # updating the text every step would cost time
                        bar.set_postfix(epoch=self.epoch + 1, loss=f"{loss:.3f}", refresh=False)
                    if self.print_every and len(self.loss_history) % self.print_every == 0:
                        bar.write(_("(iteration {iteration}) loss {loss:.4f}").format(
                            iteration=len(self.loss_history), loss=loss))
                if self._stopped():
                    break
            self._end_epoch(bar, time.perf_counter() - start)

    def _stopped(self) -> bool:
        """The run diverged, or made its max_iterations updates."""
        return self.diverged or (self.max_iterations is not None and len(self.loss_history) >= self.max_iterations)

    def _end_epoch(self, bar, seconds):
        self.epoch += 1
        for config in self.optim_configs.values():
            if "learning_rate" in config:
                config["learning_rate"] *= self.lr_decay
        train_acc = self.check_accuracy(self.X_train, self.y_train, self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        if val_acc > self.best_val_acc:
            self.best_val_acc = val_acc
            self.best_epoch = self.epoch
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}
            bn_params = getattr(self.model, "bn_params", None)
            self._best_bn_params = copy.deepcopy(bn_params) if bn_params else None
        if bar is not None:
            bar.write(_("(epoch {epoch}/{epochs}) train acc {train_acc:.3f}; val acc {val_acc:.3f}; "
                        "loss {loss:.4f}; {seconds:.1f} s").format(
                epoch=self.epoch, epochs=self.num_epochs, train_acc=train_acc, val_acc=val_acc,
                loss=self.loss_history[-1], seconds=seconds))
        if self.checkpoint_name:
            self._save_checkpoint()

    def _restore_best(self):
        if not self.best_params:
            return
        for name, value in self.best_params.items():
            self.model.params[name] = value.copy()
        if self._best_bn_params is not None:
            # In place: the model's layers hold references to these dicts.
            for live, best in zip(self.model.bn_params, self._best_bn_params):
                live.clear()
                live.update(copy.deepcopy(best))

    def _save_checkpoint(self):
        checkpoint = {
            "params": {k: v.copy() for k, v in self.model.params.items()},
            "bn_params": copy.deepcopy(getattr(self.model, "bn_params", None)),
            "optim_configs": copy.deepcopy(self.optim_configs),
            "update_rule": getattr(self.update_rule, "__name__", repr(self.update_rule)),
            "lr_decay": self.lr_decay,
            "batch_size": self.batch_size,
            "epoch": self.epoch,
            "loss_history": list(self.loss_history),
            "train_acc_history": list(self.train_acc_history),
            "val_acc_history": list(self.val_acc_history),
        }
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.pkl"
        if self.verbose:
            print(_("Saving checkpoint to {filename}").format(filename=filename), file=sys.stderr)
        with open(filename, "wb") as f:
            pickle.dump(checkpoint, f)


def evaluate_accuracy(model, X, y, batch_size: int = 500) -> float:
    """Fraction of the examples ``X`` that ``model`` (test mode) classifies as ``y``."""
    y = np.asarray(y)
    if len(X) == 0 or len(X) != len(y):
        raise ValueError(_("need as many labels as examples (at least one): got {examples} and {labels}.").format(
            examples=len(X), labels=len(y)))
    correct = 0
    for start in range(0, len(X), batch_size):
        scores = model.loss(X[start:start + batch_size])
        correct += int(np.sum(np.argmax(scores, axis=1) == y[start:start + batch_size]))
    return correct / len(X)


def load_checkpoint(filename: str | os.PathLike) -> dict:
    """Read a checkpoint written by ``Solver``: params, optim_configs, histories, epoch, ..."""
    with open(filename, "rb") as f:
        return pickle.load(f)


def _float_dtype(params: Mapping[str, np.ndarray]):
    dtypes = {np.asarray(v).dtype for v in params.values()}
    floats = [d for d in dtypes if np.issubdtype(d, np.floating)]
    return np.result_type(*floats) if floats else np.float64


def _resolve_rule(update_rule, rules):
    if callable(update_rule):
        return update_rule
    if isinstance(update_rule, str):
        if not rules or update_rule not in rules:
            known = ", ".join(sorted(rules or {})) or _("none given")
            raise ValueError(_("Unknown update_rule {rule!r}: pass the function itself, "
                               "or rules={{name: function}} (known: {known}).").format(rule=update_rule, known=known))
        return rules[update_rule]
    raise ValueError(_("update_rule must be a function (w, dw, config) -> (next_w, config) "
                       "or the name of one in `rules`."))


def _progress_bar(total, verbose):
    if not verbose:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="it", leave=True, dynamic_ncols=True)
