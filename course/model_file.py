"""The file format of a trained model: ``save_model`` / ``load_model`` (.npz, no pickle).

Assignment 07 hands in ``best_model.npz`` written by ``save_model``; the grader
rebuilds it with ``load_model`` (``allow_pickle=False``, every array checked).
Assignment 04 hands in ``tuned_net.npz``, the same format with the training
hyper-parameters in the header (``course.tuning.save_tuned_net``);
``read_model_file`` is the checked reading both share.
"""
from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass

import numpy as np

from course.i18n import _

# A saved model holds the parameters and what is needed to rebuild the net
# around them: the architecture is read off the parameter shapes, so the file
# works with any FullyConnectedNet that follows the course API.
MODEL_FORMAT = "backprop-course fully connected net, version 1"
NORMALIZATIONS = (None, "batchnorm", "layernorm")


def _normalization(model) -> str | None:
    if "gamma1" not in model.params:
        return None
    return "layernorm" if getattr(model, "normalization", None) == "layernorm" else "batchnorm"


def save_model(filename: str | os.PathLike, model, hyperparameters: dict | None = None) -> dict:
    """Write a FullyConnectedNet's parameters (and batch-norm running statistics) to ``filename`` (.npz).

    A net with gamma/beta parameters is a batchnorm net unless its ``normalization``
    attribute says "layernorm" (which has no running statistics to save).

    Returns the architecture stored with them (the constructor arguments that
    ``load_model`` passes to rebuild the net). ``hyperparameters``, a dict of
    numbers (how the net was trained), is kept in the header as it is.
    """
    params = model.params
    num_layers = sum(1 for name in params if name.startswith("W"))
    weights = [np.asarray(params.get(f"W{i}")) for i in range(1, num_layers + 1)]
    if num_layers == 0 or any(w.ndim != 2 for w in weights):
        raise ValueError(_("save_model expects params W1..WL (2-d arrays), b1..bL, and gamma/beta with batchnorm."))
    architecture = {
        "hidden_dims": [int(w.shape[1]) for w in weights[:-1]],
        "input_dim": int(weights[0].shape[0]),
        "num_classes": int(weights[-1].shape[1]),
        "normalization": _normalization(model),
        "dtype": np.dtype(weights[0].dtype).name,
    }
    arrays = {f"params/{name}": np.asarray(value) for name, value in params.items()}
    if architecture["normalization"] == "batchnorm":
        bn_params = getattr(model, "bn_params", None) or []
        if len(bn_params) != num_layers - 1:
            raise ValueError(_("a batchnorm net needs model.bn_params with {count} dicts.").format(
                count=num_layers - 1))
        for i, bn_param in enumerate(bn_params):
            for key in ("running_mean", "running_var"):
                if key not in bn_param:
                    raise ValueError(_("bn_params[{i}] has no {key}: train the model before saving it.").format(
                        i=i, key=key))
                arrays[f"bn/{i}/{key}"] = np.asarray(bn_param[key])
    header = {"format": MODEL_FORMAT, "architecture": architecture}
    if hyperparameters is not None:
        header["hyperparameters"] = dict(hyperparameters)
    arrays["header"] = np.array(json.dumps(header))
    with open(filename, "wb") as f:  # an open file: np.savez would append .npz to a bare name
        np.savez(f, **arrays)
    return architecture


@dataclass(frozen=True)
class SavedModel:
    """What a file written by ``save_model`` holds, checked: the architecture matches the weights,
    every parameter is a finite float array."""
    filename: str
    architecture: dict
    params: dict          # name -> array
    bn_stats: dict        # "bn/<layer>/<key>" -> array
    hyperparameters: object  # as saved (None when there were none): the reader checks them

    def put_params_into(self, model) -> None:
        """Set ``model.params`` (built from the architecture) to the saved values, shape by shape."""
        if set(self.params) != set(model.params):
            raise ValueError(_("{filename} has parameters {saved}, the net built from its architecture has "
                               "{built}.").format(filename=self.filename, saved=sorted(self.params),
                                                  built=sorted(model.params)))
        for name, value in self.params.items():
            expected = np.shape(model.params[name])
            if value.shape != expected:
                raise ValueError(_("{filename}: {name} has shape {shape}, expected {expected}.").format(
                    filename=self.filename, name=name, shape=value.shape, expected=expected))
            model.params[name] = value.astype(np.asarray(model.params[name]).dtype)


def read_model_file(filename: str | os.PathLike) -> SavedModel:
    """The checked contents of a file written by ``save_model`` (read without pickle).

    Raises FileNotFoundError when it is missing, ValueError with an explanation
    when it is not such a model.
    """
    if not os.path.isfile(filename):
        raise FileNotFoundError(_("{filename} not found.").format(filename=filename))
    if not zipfile.is_zipfile(filename):
        raise ValueError(_("{filename} is not a model saved by save_model: not an .npz (zip) file.").format(
            filename=filename))
    try:
        with np.load(filename, allow_pickle=False) as f:
            arrays = {key: f[key] for key in f.files}
    except Exception as err:  # noqa: BLE001 - a damaged archive or arrays of objects: not a saved model
        raise ValueError(_("{filename} is not a model saved by save_model: {error}").format(filename=filename,
                                                                                          error=err)) from None
    try:
        header = json.loads(str(arrays.pop("header")))
        architecture = dict(header["architecture"])
        if header.get("format") != MODEL_FORMAT:
            raise ValueError(_("unknown format {format!r}").format(format=header.get("format")))
    except (KeyError, ValueError, TypeError, AttributeError) as err:
        raise ValueError(_("{filename} has no valid header (was it written by save_model?): {error}").format(
            filename=filename, error=err)) from None
    _check_architecture(filename, architecture, arrays)
    for key, value in arrays.items():
        name = key.split("/", 1)[-1] if key.startswith("params/") else key
        # Strings or integers pass np.load without pickle, but they are no parameters.
        if value.dtype.kind != "f":
            raise ValueError(_("{filename}: {name} holds {dtype} values, not floats.").format(
                filename=filename, name=name, dtype=value.dtype))
        if not np.all(np.isfinite(value)):
            raise ValueError(_("{filename}: {name} contains NaN or inf.").format(filename=filename, name=name))
    params = {key.split("/", 1)[1]: value for key, value in arrays.items() if key.startswith("params/")}
    bn_stats = {key: value for key, value in arrays.items() if key.startswith("bn/")}
    return SavedModel(os.fspath(filename), architecture, params, bn_stats, header.get("hyperparameters"))


def load_model(filename: str | os.PathLike, model_class):
    """Rebuild the net saved by ``save_model`` with ``model_class`` (a FullyConnectedNet class).

    Raises ValueError with an explanation when the file is not such a model.
    """
    saved = read_model_file(filename)
    architecture = dict(saved.architecture)
    architecture["dtype"] = np.dtype(architecture.get("dtype", "float64")).type
    try:
        model = model_class(**architecture)
    except Exception as err:  # noqa: BLE001 - whatever the constructor raises, the file does not fit it
        raise ValueError(_("{filename}: could not build {net}(**{architecture}): {error}").format(
            filename=filename, net=getattr(model_class, "__name__", model_class), architecture=architecture,
            error=err)) from None
    saved.put_params_into(model)
    # Layer normalisation keeps no running statistics: only a batchnorm net has them to restore.
    bn_params = (getattr(model, "bn_params", None) or []) if architecture.get("normalization") == "batchnorm" else []
    for i, bn_param in enumerate(bn_params):
        for key in ("running_mean", "running_var"):
            if f"bn/{i}/{key}" not in saved.bn_stats:
                raise ValueError(_("{filename} lacks the batch-norm running statistics of layer {layer}.").format(
                    filename=filename, layer=i + 1))
            bn_param[key] = saved.bn_stats[f"bn/{i}/{key}"]
    return model


def _check_architecture(filename, architecture: dict, arrays: dict) -> None:
    """The header must describe the weights the file holds, before a net is built from it:
    a header that asks for huge layers would otherwise allocate them."""
    weights = []
    while f"params/W{len(weights) + 1}" in arrays:
        weights.append(arrays[f"params/W{len(weights) + 1}"])
    if not weights or any(w.ndim != 2 for w in weights):
        raise ValueError(_("{filename} holds no weights W1..WL of two dimensions.").format(filename=filename))
    described = {"hidden_dims": [int(w.shape[1]) for w in weights[:-1]], "input_dim": int(weights[0].shape[0]),
                 "num_classes": int(weights[-1].shape[1])}
    for key, value in described.items():
        if architecture.get(key) != value:
            raise ValueError(_("{filename}: the header's {key} is {header!r}, but the saved weights say "
                               "{value!r}.").format(filename=filename, key=key, header=architecture.get(key),
                                                    value=value))
    if architecture.get("dtype", "float64") not in ("float32", "float64"):
        raise ValueError(_("{filename}: dtype {dtype!r} is neither float32 nor float64.").format(
            filename=filename, dtype=architecture.get("dtype")))
    if architecture.get("normalization") not in NORMALIZATIONS:
        raise ValueError(_("{filename}: unknown normalization {normalization!r}.").format(
            filename=filename, normalization=architecture.get("normalization")))
