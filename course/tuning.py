"""Choose a two-layer net's hyper-parameters: try settings, keep the best trial, save it.

A search is a list of :class:`Settings` (from :func:`grid` or seeded
:func:`random_settings`), trained one by one with :func:`run_trials` through
the course's ``Solver`` and compared on the validation set::

    candidates = grid(hidden_dim=[100, 200], learning_rate=[1e-3, 2e-3])
    trials = run_trials(TwoLayerNet, data, candidates, update_rule=sgd, seed=0)
    best = best_trial(trials)          # the highest best_val_acc
    save_tuned_net("tuned_net.npz", best.model, best.settings)

``save_tuned_net`` writes the model file of :mod:`course.model_file` with the
settings in its header; ``load_tuned_net`` reads it back (no pickle, every
array and setting checked) into a ``TwoLayerNet``-like class.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
import os
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np

from course.i18n import _
from course.model_file import read_model_file, save_model
from course.solver import Solver

__all__ = ["Settings", "Trial", "grid", "random_settings", "run_trials", "best_trial", "save_tuned_net",
           "load_tuned_net"]


@dataclass(frozen=True)
class Settings:
    """The hyper-parameters of one training run of a two-layer net (defaults: 04's fixed run)."""
    hidden_dim: int = 100
    learning_rate: float = 1e-3
    reg: float = 0.1
    weight_scale: float = 1e-3
    lr_decay: float = 0.95
    num_epochs: int = 10
    batch_size: int = 100

    def __post_init__(self):
        for name in _FIELDS:
            value = getattr(self, name)
            # bool is an int to Python, but hidden_dim=True is a slip, not a setting.
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(_("setting {name} must be a number, got {value!r}.").format(name=name, value=value))
            try:
                value = float(value)
            except OverflowError:
                value = math.inf
            # reg may be 0 (no penalty); every other setting must be positive.
            if not math.isfinite(value) or value < 0 or (value == 0 and name != "reg"):
                raise ValueError(_("setting {name} must be finite and positive, got {value!r}.").format(
                    name=name, value=getattr(self, name)))
            if name in _INTEGER_FIELDS:
                if value != int(value):
                    raise ValueError(_("setting {name} must be a whole number, got {value!r}.").format(
                        name=name, value=getattr(self, name)))
                value = int(value)
            object.__setattr__(self, name, value)

    @classmethod
    def from_mapping(cls, values: Mapping) -> "Settings":
        """Settings from a dict such as a saved file's header: exactly the fields, each a number."""
        if not isinstance(values, Mapping):
            raise ValueError(_("the hyper-parameters must be a dict, got {kind}.").format(kind=type(values).__name__))
        if set(values) != set(_FIELDS):
            raise ValueError(_("the hyper-parameters must be exactly {expected}, got {got}.").format(
                expected=sorted(_FIELDS), got=sorted(map(str, values))))
        return cls(**values)

    def label(self) -> str:
        """A short description for plots and tables."""
        return _("hidden {hidden_dim}, lr {learning_rate:.2g}, reg {reg:.2g}, {num_epochs} epochs").format(
            **dataclasses.asdict(self))


_FIELDS = tuple(f.name for f in dataclasses.fields(Settings))
_INTEGER_FIELDS = ("hidden_dim", "num_epochs", "batch_size")


@dataclass
class Trial:
    """One trained candidate: its settings, the best validation accuracy and the per-epoch history.

    ``model`` holds the parameters of the best epoch (the Solver puts them back).
    """
    settings: Settings
    best_val_acc: float
    best_epoch: int
    val_acc_history: list[float]
    train_acc_history: list[float]
    loss_history: list[float] = field(repr=False)
    model: object = field(repr=False)


def grid(**choices: Sequence) -> list[Settings]:
    """Every combination of the listed values (the other settings keep their defaults), in order.

    ``grid(hidden_dim=[100, 200], learning_rate=[1e-3, 2e-3])`` gives four Settings.
    """
    _check_names(choices)
    names = list(choices)
    return [Settings(**dict(zip(names, values))) for values in itertools.product(*(choices[n] for n in names))]


def random_settings(count: int, seed: int, **ranges) -> list[Settings]:
    """``count`` Settings drawn with ``np.random.default_rng(seed)``: the same seed, the same draws.

    Each range is a list (one of its values, uniformly) or a pair ``(low, high)``
    drawn log-uniformly, so that 1e-4..1e-2 is tried as often as 1e-2..1 (a whole
    number for hidden_dim, num_epochs and batch_size). Unlisted settings keep their defaults.
    """
    _check_names(ranges)
    rng = np.random.default_rng(seed)
    drawn = []
    for _i in range(int(count)):
        values = {}
        for name, spec in ranges.items():
            if isinstance(spec, tuple):
                low, high = spec
                if not 0 < low <= high:
                    raise ValueError(_("the range of {name} must be (low, high) with 0 < low <= high, "
                                       "got {spec!r}.").format(name=name, spec=spec))
                value = float(np.exp(rng.uniform(np.log(low), np.log(high))))
                values[name] = round(value) if name in _INTEGER_FIELDS else value
            else:
                values[name] = spec[int(rng.integers(len(spec)))]
        drawn.append(Settings(**values))
    return drawn


def _check_names(given: Mapping) -> None:
    unknown = set(given) - set(_FIELDS)
    if unknown:
        raise ValueError(_("unknown settings {names}; known: {known}.").format(names=sorted(unknown),
                                                                               known=list(_FIELDS)))


def run_trials(model_class, data: Mapping[str, np.ndarray], candidates: Sequence[Settings],
               update_rule: Callable, seed: int = 0, num_classes: int = 10, progress: bool = True) -> list[Trial]:
    """Train ``model_class`` once per candidate with the Solver; the trials in the order of ``candidates``.

    Every trial starts from ``np.random.seed(seed)`` (the initial weights) and
    the Solver's ``seed`` (the minibatches), so a candidate's result does not
    depend on the ones tried before it, and a rerun gives the same trials.
    """
    from tqdm.auto import tqdm

    input_dim = int(np.prod(np.shape(data["X_train"])[1:]))
    trials = []
    bar = tqdm(candidates, desc=_("trials"), unit=_("trial"), disable=not progress, dynamic_ncols=True)
    for settings in bar:
        np.random.seed(seed)
        model = model_class(input_dim=input_dim, hidden_dim=settings.hidden_dim, num_classes=num_classes,
                            weight_scale=settings.weight_scale, reg=settings.reg)
        solver = Solver(model, data, update_rule=update_rule, optim_config={"learning_rate": settings.learning_rate},
                        lr_decay=settings.lr_decay, num_epochs=settings.num_epochs,
                        batch_size=settings.batch_size, verbose=False, seed=seed).train()
        trials.append(Trial(settings, float(solver.best_val_acc), int(solver.best_epoch),
                            list(solver.val_acc_history), list(solver.train_acc_history),
                            list(solver.loss_history), model))
        bar.set_postfix_str(_("best val acc so far {best:.3f}").format(best=best_trial(trials).best_val_acc))
    return trials


def best_trial(trials: Sequence[Trial]) -> Trial:
    """The trial with the highest best validation accuracy (the first of equals)."""
    if not trials:
        raise ValueError(_("no trials to choose from."))
    return max(trials, key=lambda trial: trial.best_val_acc)


def save_tuned_net(filename: str | os.PathLike, model, settings: Settings) -> None:
    """Write the trained two-layer net and the settings that trained it to ``filename`` (.npz, no pickle)."""
    if not isinstance(settings, Settings):
        raise ValueError(_("save_tuned_net needs the Settings of the trial, got {kind}.").format(
            kind=type(settings).__name__))
    save_model(filename, model, hyperparameters=dataclasses.asdict(settings))


def load_tuned_net(filename: str | os.PathLike, model_class, input_dim: int, num_classes: int):
    """``(net, settings)`` from a file written by ``save_tuned_net``, rebuilt with ``model_class``.

    Raises FileNotFoundError when the file is missing and ValueError, saying
    what is wrong, when it is not a two-layer net for ``input_dim`` inputs and
    ``num_classes`` classes trained with the settings it names.
    """
    saved = read_model_file(filename)
    architecture = saved.architecture
    if len(architecture["hidden_dims"]) != 1 or architecture.get("normalization"):
        raise ValueError(_("{filename} holds a net with hidden layers {dims}: a two-layer net has exactly "
                           "one (W1, b1, W2, b2).").format(filename=filename, dims=architecture["hidden_dims"]))
    w1_shape = saved.params["W1"].shape
    if w1_shape[0] != input_dim:
        transposed = _(" Is it transposed?") if w1_shape[1] == input_dim else ""
        raise ValueError(_("{filename}: W1 has shape {shape}, expected ({input_dim}, hidden_dim): one row per "
                           "input pixel.{transposed}").format(filename=filename, shape=w1_shape,
                                                              input_dim=input_dim, transposed=transposed))
    if architecture["num_classes"] != num_classes:
        raise ValueError(_("{filename}: W2 has {got} columns, expected one per class ({classes}).").format(
            filename=filename, got=architecture["num_classes"], classes=num_classes))
    if saved.hyperparameters is None:
        raise ValueError(_("{filename} holds no hyper-parameters: save it with save_tuned_net(filename, net, "
                           "settings).").format(filename=filename))
    try:
        settings = Settings.from_mapping(saved.hyperparameters)
    except (ValueError, TypeError) as err:
        raise ValueError(_("{filename}: {error}").format(filename=filename, error=err)) from None
    hidden_dim = architecture["hidden_dims"][0]
    if settings.hidden_dim != hidden_dim:
        raise ValueError(_("{filename}: the saved hyper-parameters say hidden_dim={settings}, but W1 has {hidden} "
                           "columns: save the settings of the trial whose net you save.").format(
            filename=filename, settings=settings.hidden_dim, hidden=hidden_dim))
    try:
        net = model_class(input_dim=input_dim, hidden_dim=hidden_dim, num_classes=num_classes,
                          weight_scale=settings.weight_scale, reg=settings.reg)
    except Exception as err:  # noqa: BLE001 - whatever the constructor raises, the file does not fit it
        raise ValueError(_("{filename}: could not build {net}: {error}").format(
            filename=filename, net=getattr(model_class, "__name__", model_class), error=err)) from None
    saved.put_params_into(net)
    return net, settings
