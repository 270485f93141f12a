"""Pictures of training: loss and accuracy curves, image grids, learned weights.

Every function draws into new (or given) matplotlib axes and returns the
figure or axes; none calls ``plt.show()``, so they work the same in a
notebook (``%matplotlib inline`` shows the figure) and in a script or test.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

__all__ = [
    "moving_average",
    "plot_loss",
    "plot_accuracy",
    "plot_history",
    "to_hwc",
    "show_image_grid",
    "rescale_to_uint8",
    "visualize_weights",
]


def moving_average(values, window: int) -> np.ndarray:
    """Mean of each run of ``window`` consecutive values (length ``len(values) - window + 1``)."""
    values = np.asarray(values, dtype=np.float64)
    window = int(window)
    if window < 1 or window > len(values):
        raise ValueError(f"window must be between 1 and {len(values)}, got {window}.")
    sums = np.cumsum(np.concatenate([[0.0], values]))
    return (sums[window:] - sums[:-window]) / window


def plot_loss(loss_history, ax=None, window: int | None = None):
    """Loss per iteration (faint dots) and its moving average (a line); returns the axes.

    ``window`` defaults to a twentieth of the run (at least 1); the average
    is drawn only when it smooths over more than one value.
    """
    loss = np.asarray(loss_history, dtype=np.float64)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    steps = np.arange(len(loss))
    ax.plot(steps, loss, ".", alpha=0.3, markersize=3, label="loss")
    if window is None:
        window = max(1, len(loss) // 20)
    if 1 < window <= len(loss):
        # Each average belongs to the last iteration of its window.
        ax.plot(steps[window - 1:], moving_average(loss, window), "-", linewidth=2,
                label=f"mean of {window}")
        ax.legend()
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    ax.set_title("Training loss")
    return ax


def plot_accuracy(train_acc=None, val_acc=None, ax=None):
    """Training and validation accuracy per epoch as lines with markers; returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for values, label in ((train_acc, "train"), (val_acc, "val")):
        if values is not None and len(values):
            ax.plot(np.arange(1, len(values) + 1), np.asarray(values, dtype=np.float64),
                    "o-", label=label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy")
    ax.legend()
    return ax


def plot_history(loss_history, train_acc=None, val_acc=None, ax=None):
    """Loss curve, plus accuracy curves below it when given; returns the figure.

    ``loss_history`` may also be a solver with ``loss_history``,
    ``train_acc_history`` and ``val_acc_history`` attributes. ``ax`` is one
    axes for the loss alone, or two (loss, accuracy) when accuracies are drawn.
    """
    if hasattr(loss_history, "loss_history"):
        solver = loss_history
        loss_history = solver.loss_history
        train_acc = getattr(solver, "train_acc_history", None) if train_acc is None else train_acc
        val_acc = getattr(solver, "val_acc_history", None) if val_acc is None else val_acc
    with_acc = any(v is not None and len(v) for v in (train_acc, val_acc))
    if ax is None:
        fig, axes = plt.subplots(2 if with_acc else 1, 1, figsize=(7, 7 if with_acc else 4),
                                 squeeze=False)
        axes = list(axes[:, 0])
    else:
        axes = list(np.atleast_1d(ax))
        if len(axes) < (2 if with_acc else 1):
            raise ValueError("plot_history needs two axes (loss, accuracy) when accuracies are given.")
        fig = axes[0].figure
    plot_loss(loss_history, ax=axes[0])
    if with_acc:
        plot_accuracy(train_acc, val_acc, ax=axes[1])
    fig.tight_layout()
    return fig


def to_hwc(images) -> np.ndarray:
    """Images as (N, H, W, 3): accepts (N, 3, H, W) or (N, H, W, 3), also without N."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4:
        raise ValueError(f"expected images of shape (N, 3, H, W) or (N, H, W, 3), got {images.shape}.")
    if images.shape[-1] == 3:
        return images
    if images.shape[1] == 3:
        return images.transpose(0, 2, 3, 1)
    raise ValueError(f"no colour axis of length 3 in images of shape {images.shape}.")


def rescale_to_uint8(image) -> np.ndarray:
    """Stretch the values of one array linearly onto 0..255 (a constant array gives 0)."""
    image = np.asarray(image, dtype=np.float64)
    low, high = image.min(), image.max()
    span = high - low if high > low else 1.0
    return np.rint(255 * (image - low) / span).astype(np.uint8)


def _displayable(image: np.ndarray) -> np.ndarray:
    # Raw pixels (0..255) are shown as they are; anything else, e.g. images
    # with the mean subtracted, is stretched so its contrast stays visible.
    if image.dtype == np.uint8:
        return image
    if image.min() >= 0 and image.max() <= 255 and image.max() > 1:
        return np.rint(image).astype(np.uint8)
    return rescale_to_uint8(image)


def _grid(count: int, ncols: int):
    ncols = max(1, min(int(ncols), count))
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.45 * nrows), squeeze=False)
    axes = list(axes.ravel())
    for extra in axes[count:]:
        fig.delaxes(extra)
    return fig, axes[:count]


def show_image_grid(images, labels=None, ncols: int = 8, class_names=None, title: str | None = None):
    """Show images in a grid, one per axes, with optional labels; returns the figure.

    ``images``: (N, 3, 32, 32) or (N, 32, 32, 3). ``labels`` are ints (shown
    as ``class_names[label]`` when ``class_names`` is given) or strings.
    """
    images = to_hwc(images)
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"{len(labels)} labels for {len(images)} images.")
    fig, axes = _grid(len(images), ncols)
    for i, ax in enumerate(axes):
        ax.imshow(_displayable(images[i]))
        ax.axis("off")
        if labels is not None:
            label = labels[i]
            if class_names is not None and not isinstance(label, str):
                label = class_names[int(label)]
            ax.set_title(str(label), fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def visualize_weights(W, ncols: int | None = None, labels=None, image_shape=(3, 32, 32)):
    """Show each column of ``W`` (shape (D, H), D = 3*32*32) as an image; returns the figure.

    Column j holds the weights of hidden unit (or class) j on every input
    pixel, in the (3, 32, 32) order of the data. Each is stretched to 0..255
    on its own, so faint and strong filters are equally visible. ``labels``
    titles the images (e.g. class names for a linear classifier).
    """
    W = np.asarray(W, dtype=np.float64)
    size = int(np.prod(image_shape))
    if W.ndim != 2 or W.shape[0] != size:
        raise ValueError(f"expected W of shape ({size}, H), got {W.shape}.")
    count = W.shape[1]
    if ncols is None:
        ncols = math.ceil(math.sqrt(count))
    filters = W.T.reshape(count, *image_shape)
    fig, axes = _grid(count, ncols)
    for j, ax in enumerate(axes):
        ax.imshow(rescale_to_uint8(to_hwc(filters[j])[0]))
        ax.axis("off")
        if labels is not None:
            ax.set_title(str(labels[j]), fontsize=8)
    return fig
