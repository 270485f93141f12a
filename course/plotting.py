"""Pictures of training and diagrams: loss and accuracy curves, image grids, learned weights,
computational graphs, networks, matrix shapes and dropout masks.

Every function draws into new (or given) matplotlib axes and returns the
figure or axes; none calls ``plt.show()``, so they work the same in a
notebook (``%matplotlib inline`` shows the figure) and in a script or test.
Every word a diagram shows is a parameter with an English default, so that a
translated notebook passes its own text.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from course.i18n import N_, _

__all__ = [
    "moving_average",
    "plot_loss",
    "plot_accuracy",
    "plot_history",
    "to_hwc",
    "show_image_grid",
    "rescale_to_uint8",
    "visualize_weights",
    "draw_graph",
    "draw_chain",
    "draw_network",
    "draw_affine_shapes",
    "draw_batchnorm_graph",
    "show_dropout_mask",
    "plot_curves",
    "plot_trials",
    "plot_loss_curves",
]


def moving_average(values, window: int) -> np.ndarray:
    """Mean of each run of ``window`` consecutive values (length ``len(values) - window + 1``)."""
    values = np.asarray(values, dtype=np.float64)
    window = int(window)
    if window < 1 or window > len(values):
        raise ValueError(_("window must be between 1 and {most}, got {window}.").format(most=len(values),
                                                                                         window=window))
    sums = np.cumsum(np.concatenate([[0.0], values]))
    return (sums[window:] - sums[:-window]) / window


def plot_loss(loss_history, ax=None, window: int | None = None):
    """Loss per iteration (faint dots) and its moving average (a line); returns the axes.

    ``window`` defaults to a twentieth of the run (at least 1); the average
    is drawn only when it smooths over more than one value.
    """
    loss = np.asarray(loss_history, dtype=np.float64)
    if ax is None:
        ax = plt.subplots(figsize=(7, 4))[1]
    steps = np.arange(len(loss))
    ax.plot(steps, loss, ".", alpha=0.3, markersize=3, label=_("loss"))
    if window is None:
        window = max(1, len(loss) // 20)
    if 1 < window <= len(loss):
        # Each average belongs to the last iteration of its window.
        ax.plot(steps[window - 1:], moving_average(loss, window), "-", linewidth=2,
                label=_("mean of {window}").format(window=window))
        ax.legend()
    ax.set_xlabel(_("iteration"))
    ax.set_ylabel(_("loss"))
    ax.set_title(_("Training loss"))
    return ax


def plot_accuracy(train_acc=None, val_acc=None, ax=None):
    """Training and validation accuracy per epoch as lines with markers; returns the axes."""
    if ax is None:
        ax = plt.subplots(figsize=(7, 4))[1]
    for values, label in ((train_acc, _("train")), (val_acc, _("val"))):
        if values is not None and len(values):
            ax.plot(np.arange(1, len(values) + 1), np.asarray(values, dtype=np.float64),
                    "o-", label=label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(_("epoch"))
    ax.set_ylabel(_("accuracy"))
    ax.set_title(_("Accuracy"))
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
            raise ValueError(_("plot_history needs two axes (loss, accuracy) when accuracies are given."))
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
        raise ValueError(_("expected images of shape (N, 3, H, W) or (N, H, W, 3), got {shape}.").format(
            shape=images.shape))
    if images.shape[-1] == 3:
        return images
    if images.shape[1] == 3:
        return images.transpose(0, 2, 3, 1)
    raise ValueError(_("no colour axis of length 3 in images of shape {shape}.").format(shape=images.shape))


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
        raise ValueError(_("{labels} labels for {images} images.").format(labels=len(labels), images=len(images)))
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
        raise ValueError(_("expected W of shape ({size}, H), got {shape}.").format(size=size, shape=W.shape))
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


# ---------------------------------------------------------------- diagrams

OPERATORS = ("×", "+", "−", "÷", "exp", "mean", "x²", "1/√")


def _label(value) -> str:
    return value if isinstance(value, str) else f"{value:.4g}"


def draw_graph(nodes, edges, title: str = "", ax=None, operators=OPERATORS):
    """A computational graph with forward values above each edge and gradients below it.

    ``nodes``: name -> (x, y, label); a label in ``operators`` is drawn as a
    circle, any other as a box. ``edges``: (from, to, value, gradient); value
    (black) and gradient (red) are numbers (shown with 4 significant digits),
    strings (shown as they are) or None (nothing shown). Returns the axes.
    """
    if ax is None:
        ax = plt.subplots(figsize=(10, 5))[1]

    def reach(label, ux):
        # How far from its centre an arrow stops: a circle's radius, or half a box's width.
        if label in operators:
            return 0.38
        return max(0.35, abs(ux) * (0.065 * len(label) + 0.2))

    for x, y, label in nodes.values():
        if label in operators:
            ax.add_patch(plt.Circle((x, y), 0.3, fill=False, lw=1.5))
            ax.text(x, y, label, ha="center", va="center", fontsize=14 if len(label) == 1 else 8)
        else:
            ax.text(x, y, label, ha="center", va="center", fontsize=10,
                    bbox={"boxstyle": "round", "fc": "white", "ec": "0.6"})
    for start, end, value, grad in edges:
        (x0, y0, label0), (x1, y1, label1) = nodes[start], nodes[end]
        length = np.hypot(x1 - x0, y1 - y0)
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        head, tail = reach(label1, ux), reach(label0, ux)
        ax.annotate("", xy=(x1 - head * ux, y1 - head * uy), xytext=(x0 + tail * ux, y0 + tail * uy),
                    arrowprops={"arrowstyle": "->", "lw": 1.2})
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        steep = abs(uy) > abs(ux)  # a steep edge gets its labels on its right
        above = (mx + 0.15, my + 0.05, "left", "bottom") if steep else (mx, my + 0.1, "center", "bottom")
        below = (mx + 0.15, my - 0.05, "left", "top") if steep else (mx, my - 0.1, "center", "top")
        for text, (tx, ty, ha, va), color in ((value, above, "black"), (grad, below, "tab:red")):
            if text is not None:
                ax.text(tx, ty, _label(text), ha=ha, va=va, fontsize=10, color=color)
    xs = [x for x, _, _ in nodes.values()]
    ys = [y for _, y, _ in nodes.values()]
    ax.set_xlim(min(xs) - 0.9, max(xs) + 0.9)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.9)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(_(title) if title else "")
    return ax


def draw_chain(values, grads, title: str = N_("Forward values (black), gradients of L (red)"), ax=None):
    """The chain x -> (×w1) -> y -> (×w2) -> z -> (×w3) -> e -> L = (e - target)^2 / 2.

    ``values``: x, w1, y, w2, z, w3, e, target, L. ``grads``: the gradient of L
    with respect to w1, w2, w3, y, z, e (any missing one is left blank).
    Returns the axes.
    """
    nodes = {"x": (0, 0, "x"), "m1": (2, 0, "×"), "w1": (2, 1.6, "w1"), "m2": (4, 0, "×"),
             "w2": (4, 1.6, "w2"), "m3": (6, 0, "×"), "w3": (6, 1.6, "w3"),
             "loss": (8.5, 0, "½(e − target)²"), "target": (8.5, 1.6, "target"), "L": (11, 0, "L")}
    edges = [("x", "m1", values["x"], None), ("w1", "m1", values["w1"], grads.get("w1")),
             ("m1", "m2", values["y"], grads.get("y")), ("w2", "m2", values["w2"], grads.get("w2")),
             ("m2", "m3", values["z"], grads.get("z")), ("w3", "m3", values["w3"], grads.get("w3")),
             ("m3", "loss", values["e"], grads.get("e")), ("target", "loss", values["target"], None),
             ("loss", "L", values["L"], 1.0)]
    if ax is None:
        ax = plt.subplots(figsize=(11, 3))[1]
    return draw_graph(nodes, edges, title, ax=ax)


def draw_network(weights, biases=None, activations=None, layer_names=None, title: str = "", ax=None):
    """A fully connected network as circles in columns joined by weighted edges.

    ``weights``: one matrix per layer, row j = the weights into unit j of the
    next layer (shape (units out, units in)); ``biases``: one vector per layer,
    written under the units; ``activations``: one vector per column of units
    (inputs first), written inside the circles. Returns the axes.
    """
    weights = [np.asarray(w, dtype=np.float64) for w in weights]
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    for w, n_in in zip(weights[1:], sizes[1:-1]):
        if w.shape[1] != n_in:
            raise ValueError(_("a layer with {inputs} inputs follows a layer of {units} units.").format(
                inputs=w.shape[1], units=n_in))
    if ax is None:
        ax = plt.subplots(figsize=(3 * len(sizes), 1.6 * max(sizes) + 1))[1]
    gap = 1.6  # between two units of a column
    position = {(c, j): (3.0 * c, ((size - 1) / 2 - j) * gap) for c, size in enumerate(sizes) for j in range(size)}
    top = (max(sizes) - 1) / 2 * gap
    for c, w in enumerate(weights):
        for j in range(w.shape[0]):
            for k in range(w.shape[1]):
                (x0, y0), (x1, y1) = position[(c, k)], position[(c + 1, j)]
                ax.plot([x0 + 0.35, x1 - 0.35], [y0, y1], color="0.6", lw=1, zorder=1)
                # Each weight is written a third of the way from its input, where the edges are apart.
                ax.text(x0 + 0.35 + (x1 - x0 - 0.7) / 3, y0 + (y1 - y0) / 3, f"{w[j, k]:.4g}",
                        fontsize=8, ha="center", va="center", bbox={"fc": "white", "ec": "none", "pad": 0.5})
    for (c, j), (x, y) in position.items():
        ax.add_patch(plt.Circle((x, y), 0.35, fc="white", ec="black", lw=1.5, zorder=2))
        if activations is not None:
            ax.text(x, y, f"{np.asarray(activations[c])[j]:.4g}", ha="center", va="center", fontsize=8, zorder=3)
        if biases is not None and c > 0:
            ax.text(x, y - 0.5, f"b = {np.asarray(biases[c - 1])[j]:.4g}", ha="center", va="top", fontsize=8)
    if layer_names is not None:
        for c, name in enumerate(layer_names):
            ax.text(3.0 * c, top + 0.5, name, ha="center", va="bottom", fontsize=10)
    ax.set_xlim(-0.8, 3.0 * (len(sizes) - 1) + 0.8)
    ax.set_ylim(-top - 1.0, top + 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(_(title) if title else "")
    return ax


def draw_affine_shapes(N: int, D: int, M: int, names=("X", "W", "b", "out"), title: str = "", ax=None):
    """out = X W + b drawn as rectangles whose sides are proportional to the shapes.

    X is (N, D), W (D, M), b (M,) (drawn as one row, broadcast to N rows)
    and out (N, M); each rectangle is labelled with its name and shape.
    Returns the axes.
    """
    if min(N, D, M) < 1:
        raise ValueError(_("N, D and M must be positive, got {N}, {D}, {M}.").format(N=N, D=D, M=M))
    unit = 3.0 / max(N, D, M)  # the largest side is 3
    shapes = [(names[0], N, D), (names[1], D, M), (names[2], 1, M), (names[3], N, M)]
    if ax is None:
        ax = plt.subplots(figsize=(10, 3.5))[1]
    left, top = 0.0, 0.0
    for i, (name, rows, cols) in enumerate(shapes):
        width, height = cols * unit, rows * unit
        ax.add_patch(plt.Rectangle((left, top - height), width, height, fc=f"C{i}", alpha=0.35, ec="black"))
        shape = f"({cols},)" if name == names[2] else f"({rows}, {cols})"
        ax.text(left + width / 2, top - height / 2, f"{name}\n{shape}", ha="center", va="center", fontsize=10)
        if i < len(shapes) - 1:
            ax.text(left + width + 0.35, top - 0.5 * unit * min(N, rows), ("·", "+", "=")[i],
                    ha="center", va="center", fontsize=18)
        left += width + 0.7
    ax.set_xlim(-0.2, left)
    ax.set_ylim(-3.3, 0.4)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(_(title) if title else "")
    return ax


def draw_batchnorm_graph(grads=None, title: str = N_("Batch normalisation of one feature, node by node"), ax=None):
    """The batch normalisation graph: x -> μ, c = x - μ, σ² = mean(c²), s = 1/√(σ²+ε), x̂ = c s, y = γ x̂ + β.

    ``grads`` optionally maps an edge's value name (x, μ, c, c², σ², s, x̂,
    γ, γx̂, β, y) to a text for its gradient, written in red. Returns the axes.
    """
    grads = grads or {}
    nodes = {"x": (0, 1.5, "x"), "mean": (2, 3, "mean"), "minus": (2, 0, "−"),
             "square": (4, 3, "x²"), "var": (6, 3, "mean"), "inv": (8, 3, "1/√"),
             "times": (8, 0, "×"), "gamma": (10, 1.5, "γ"), "scale": (10, 0, "×"),
             "beta": (12, 1.5, "β"), "shift": (12, 0, "+"), "y": (14, 0, "y")}
    edges = [("x", "mean", "x", None), ("x", "minus", "x", grads.get("x")), ("mean", "minus", "μ", grads.get("μ")),
             ("minus", "square", "c", None), ("minus", "times", "c", grads.get("c")),
             ("square", "var", "c²", grads.get("c²")), ("var", "inv", "σ²", grads.get("σ²")),
             ("inv", "times", "s", grads.get("s")), ("times", "scale", "x̂", grads.get("x̂")),
             ("gamma", "scale", "γ", grads.get("γ")), ("scale", "shift", "γx̂", grads.get("γx̂")),
             ("beta", "shift", "β", grads.get("β")), ("shift", "y", "y", grads.get("y"))]
    if ax is None:
        ax = plt.subplots(figsize=(12, 4))[1]
    return draw_graph(nodes, edges, title, ax=ax)


def show_dropout_mask(mask, title: str = N_("Dropout mask: {kept:.0%} of the units kept"), xlabel: str = N_("unit"),
                      ylabel: str = N_("sample"), ax=None):
    """A dropout mask as an image: dropped units (0) black, kept ones (1 / (1 - p)) white.

    ``title`` may use ``{kept}``, the fraction of entries that are not zero.
    Returns the axes.
    """
    mask = np.atleast_2d(np.asarray(mask, dtype=np.float64))
    if ax is None:
        ax = plt.subplots(figsize=(8, 2.5))[1]
    ax.imshow(mask != 0, cmap="gray", vmin=0, vmax=1, interpolation="nearest", aspect="auto")
    ax.set_xlabel(_(xlabel))
    ax.set_ylabel(_(ylabel))
    ax.set_title(_(title).format(kept=float(np.mean(mask != 0))))
    return ax


def plot_curves(histories, key: str, ax=None, ylabel: str | None = None, title: str = "", styles=None):
    """One line per run of a per-epoch quantity, e.g. validation accuracy; returns the axes.

    ``histories``: label -> history dict (or object) holding ``key``, a list
    with one value per epoch; ``styles``: label -> matplotlib format string.
    """
    if ax is None:
        ax = plt.subplots(figsize=(7, 4))[1]
    for label, history in histories.items():
        values = history[key] if isinstance(history, dict) else getattr(history, key)
        values = np.asarray(values, dtype=np.float64)
        ax.plot(np.arange(1, len(values) + 1), values, (styles or {}).get(label, "o-"), label=str(label))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(_("epoch"))
    ax.set_ylabel(key if ylabel is None else _(ylabel))
    ax.set_title(_(title) if title else "")
    ax.legend()
    return ax


def plot_trials(trials, ax=None, title: str = N_("Validation accuracy of each trial (best: thick line)")):
    """One validation-accuracy curve per trial of a search (``course.tuning.Trial``), the best
    trial's thick, each labelled with its settings; returns the axes."""
    if ax is None:
        ax = plt.subplots(figsize=(8, 4.5))[1]
    best = max(range(len(trials)), key=lambda i: trials[i].best_val_acc) if trials else None
    for i, trial in enumerate(trials):
        values = np.asarray(trial.val_acc_history, dtype=np.float64)
        ax.plot(np.arange(1, len(values) + 1), values, "o-", linewidth=3 if i == best else 1,
                markersize=4, label=f"{trial.settings.label()}: {trial.best_val_acc:.3f}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(_("epoch"))
    ax.set_ylabel(_("validation accuracy"))
    ax.set_title(_(title))
    ax.legend(fontsize="small")
    return ax


def plot_loss_curves(histories, window: int = 20, ax=None, title: str = "", key: str = "loss_history"):
    """One line per run of the training loss per iteration, smoothed by a moving average; returns the axes.

    ``histories``: label -> history dict (or object, e.g. a Solver) holding
    ``key``, one loss per iteration. Each average is drawn at the last iteration
    of its ``window`` (shorter runs use their whole length); a run that
    diverged ends at its last finite loss.
    """
    if ax is None:
        ax = plt.subplots(figsize=(7, 4))[1]
    for label, history in histories.items():
        values = np.asarray(history[key] if isinstance(history, dict) else getattr(history, key), dtype=np.float64)
        finite = values[:np.argmin(np.isfinite(values))] if not np.all(np.isfinite(values)) else values
        if len(finite) == 0:
            continue
        size = min(int(window), len(finite))
        ax.plot(np.arange(size, len(finite) + 1), moving_average(finite, size), "-", label=str(label))
    ax.set_xlabel(_("iteration"))
    ax.set_ylabel(_("training loss (mean of {window} iterations)").format(window=window))
    ax.set_title(_(title) if title else "")
    ax.legend()
    return ax


def plot_overfit(runs, sweep=None, learning_rate=None):
    """The overfitting runs on 50 images; returns the figure.

    Left, the loss of each run on a log scale (an exploding loss stays on the
    chart): ``runs`` maps a label to a loss history or a solver. Right, with
    ``sweep`` (label -> {weight scale: best training accuracy}), the training
    accuracy each net reaches against the weight scale, at ``learning_rate``.
    """
    fig, axes = plt.subplots(1, 2 if sweep else 1, figsize=(13 if sweep else 7, 4), squeeze=False)
    ax_loss = axes[0, 0]
    for label, history in runs.items():
        losses = np.asarray(getattr(history, "loss_history", history), dtype=np.float64)
        ax_loss.plot(np.arange(1, len(losses) + 1), losses, label=str(label))
    ax_loss.set_yscale("log")
    ax_loss.set(xlabel=_("iteration"), ylabel=_("training loss (log scale)"), title=_("Loss on the 50 images"))
    ax_loss.legend()
    if sweep:
        ax_acc = axes[0, 1]
        for label, accuracy in sweep.items():
            scales = sorted(accuracy)
            ax_acc.plot(scales, [accuracy[s] for s in scales], "o-", label=str(label))
        ax_acc.set_xscale("log")
        ax_acc.axhline(1.0, color="gray", linestyle=":")
        ax_acc.set(xlabel=_("weight scale"), ylabel=_("best training accuracy"),
                   title=_("Which weight scales fit the 50 images (learning rate {lr:g})").format(lr=learning_rate))
        ax_acc.legend()
    fig.tight_layout()
    return fig
