"""course.plotting: each helper draws what it promises and returns it (Agg backend)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_moving_average_known_values():
    np.testing.assert_allclose(plotting.moving_average([1, 2, 3, 4, 10], 2), [1.5, 2.5, 3.5, 7])
    np.testing.assert_allclose(plotting.moving_average([1, 2, 3], 1), [1, 2, 3])
    with pytest.raises(ValueError):
        plotting.moving_average([1, 2], 3)


def test_plot_loss_draws_raw_and_smoothed_curves():
    loss = np.linspace(2.3, 1.0, 100) + 0.1 * np.random.default_rng(0).standard_normal(100)
    ax = plotting.plot_loss(loss, window=10)
    raw, smooth = ax.get_lines()
    np.testing.assert_allclose(raw.get_ydata(), loss)
    np.testing.assert_allclose(smooth.get_ydata(), plotting.moving_average(loss, 10))
    assert smooth.get_xdata()[0] == 9  # the first average ends at iteration 9
    # Too short to smooth: only the raw points.
    assert len(plotting.plot_loss([2.0, 1.0]).get_lines()) == 1


def test_plot_history_loss_only():
    fig = plotting.plot_history(np.linspace(2, 1, 50))
    assert len(fig.axes) == 1
    assert len(fig.axes[0].get_lines()) == 2


def test_plot_history_with_accuracies():
    fig = plotting.plot_history(np.linspace(2, 1, 50), train_acc=[0.2, 0.3, 0.4], val_acc=[0.2, 0.25, 0.3])
    assert isinstance(fig, plt.Figure)
    loss_ax, acc_ax = fig.axes
    assert len(loss_ax.get_lines()) == 2
    train, val = acc_ax.get_lines()
    assert train.get_label() == "train" and val.get_label() == "val"
    np.testing.assert_allclose(val.get_ydata(), [0.2, 0.25, 0.3])
    np.testing.assert_allclose(train.get_xdata(), [1, 2, 3])  # epochs count from 1


def test_plot_history_reads_a_solver_and_uses_given_axes():
    class FakeSolver:
        loss_history = list(np.linspace(2, 1, 40))
        train_acc_history = [0.1, 0.5]
        val_acc_history = [0.1, 0.4]

    fig, axes = plt.subplots(1, 2)
    assert plotting.plot_history(FakeSolver(), ax=axes) is fig
    assert len(axes[0].get_lines()) == 2 and len(axes[1].get_lines()) == 2
    with pytest.raises(ValueError, match="two axes"):
        plotting.plot_history([1.0, 0.5], train_acc=[0.1], ax=axes[0])


def test_to_hwc_accepts_both_layouts():
    chw = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    hwc = plotting.to_hwc(chw)
    assert hwc.shape == (2, 4, 5, 3)
    assert hwc[1, 2, 3, 0] == chw[1, 0, 2, 3]
    assert plotting.to_hwc(hwc) is hwc
    assert plotting.to_hwc(chw[0]).shape == (1, 4, 5, 3)
    with pytest.raises(ValueError):
        plotting.to_hwc(np.zeros((2, 4, 4, 4)))


def test_show_image_grid_one_axes_per_image_with_labels():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(10, 3, 32, 32)).astype(np.uint8)
    fig = plotting.show_image_grid(images, labels=[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], ncols=4,
                                   class_names=["c%d" % i for i in range(10)])
    assert len(fig.axes) == 10  # 3 rows of 4, the two unused places removed
    assert [ax.get_title() for ax in fig.axes][:3] == ["c0", "c1", "c2"]
    for ax, image in zip(fig.axes, images):
        (shown,) = ax.get_images()
        np.testing.assert_array_equal(shown.get_array(), image.transpose(1, 2, 0))


def test_show_image_grid_channels_last_and_mean_subtracted_images():
    rng = np.random.default_rng(1)
    images = rng.standard_normal((3, 32, 32, 3)) * 50  # negative values, as after mean subtraction
    fig = plotting.show_image_grid(images, labels=["a", "b", "c"])
    assert len(fig.axes) == 3 and fig.axes[2].get_title() == "c"
    shown = fig.axes[0].get_images()[0].get_array()
    assert shown.shape == (32, 32, 3) and shown.min() == 0 and shown.max() == 255
    with pytest.raises(ValueError, match="labels"):
        plotting.show_image_grid(images, labels=[1])


def test_rescale_to_uint8():
    np.testing.assert_array_equal(plotting.rescale_to_uint8([-1.0, 0.0, 1.0]), [0, 128, 255])
    np.testing.assert_array_equal(plotting.rescale_to_uint8([3.0, 3.0]), [0, 0])


def test_visualize_weights_one_rescaled_image_per_column():
    rng = np.random.default_rng(2)
    W = rng.standard_normal((3 * 32 * 32, 10)) * np.logspace(-3, 1, 10)  # very different scales
    fig = plotting.visualize_weights(W, labels=list("abcdefghij"))
    assert len(fig.axes) == 10
    assert fig.axes[9].get_title() == "j"
    for j, ax in enumerate(fig.axes):
        shown = ax.get_images()[0].get_array()
        assert shown.shape == (32, 32, 3)
        assert shown.min() == 0 and shown.max() == 255  # each filter stretched on its own
        # Pixel (row 4, col 7) of channel 2 is weight 2*1024 + 4*32 + 7 of column j.
        expected = plotting.rescale_to_uint8(W[:, j])[2 * 1024 + 4 * 32 + 7]
        assert shown[4, 7, 2] == expected
    with pytest.raises(ValueError, match="3072"):
        plotting.visualize_weights(np.zeros((100, 4)))


def test_no_library_function_calls_show(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("library code must not call plt.show()")

    monkeypatch.setattr(plt, "show", refuse)
    plotting.plot_history([2.0, 1.5, 1.0], [0.1], [0.1])
    plotting.show_image_grid(np.zeros((2, 3, 32, 32)))
    plotting.visualize_weights(np.ones((3072, 2)))
    plotting.draw_chain({"x": 1, "w1": 1, "y": 1, "w2": 1, "z": 1, "w3": 1, "e": 1, "target": 0, "L": 0.5}, {})
    plotting.draw_network([np.ones((2, 2))])
    plotting.draw_affine_shapes(2, 3, 4)
    plotting.draw_batchnorm_graph()
    plotting.show_dropout_mask(np.ones((2, 3)))
    plotting.plot_curves({"a": {"x": [1, 2]}}, "x")


def _texts(ax):
    return [t.get_text() for t in ax.texts if t.get_text()]  # arrows are empty annotations


def _red_texts(ax):
    return [t.get_text() for t in ax.texts if t.get_color() == "tab:red"]


def test_draw_graph_values_black_gradients_red_operators_as_circles():
    nodes = {"a": (0, 0, "a"), "b": (0, 2, "b"), "m": (2, 1, "×"), "out": (4, 1, "out")}
    edges = [("a", "m", 3.0, 2.0), ("b", "m", 2.0, 3.0), ("m", "out", 6.0, "1")]
    ax = plotting.draw_graph(nodes, edges, title="a graph")
    assert ax.get_title() == "a graph"
    assert len([p for p in ax.patches if isinstance(p, plt.Circle)]) == 1  # only the operator
    assert sorted(_red_texts(ax)) == ["1", "2", "3"]
    values = [t.get_text() for t in ax.texts
              if t.get_color() == "black" and t.get_text() not in ("", "a", "b", "×", "out")]
    assert sorted(values) == ["2", "3", "6"]
    assert len([c for c in ax.get_children() if type(c).__name__ == "Annotation"]) == 3  # one arrow per edge


def test_draw_chain_puts_each_gradient_under_its_edge():
    values = {"x": 1.0, "w1": 0.5, "y": 0.5, "w2": -2.0, "z": -1.0, "w3": 3.0, "e": -3.0, "target": -1.0, "L": 2.0}
    grads = {"w1": 11.0, "w2": -2.5, "w3": -1.5, "y": -12.0, "z": 6.0, "e": -7.0}  # distinct, to find each
    ax = plotting.draw_chain(values, grads, title="chain")
    by_text = {t.get_text(): t for t in ax.texts}
    # The gradient of w2 sits just below the value of w2, on the same edge.
    assert abs(by_text["-2.5"].get_position()[0] - by_text["-2"].get_position()[0]) < 1e-9
    assert by_text["-2.5"].get_position()[1] < by_text["-2"].get_position()[1]
    assert sorted(_red_texts(ax)) == sorted(["11", "-2.5", "-1.5", "-12", "6", "-7", "1"])
    assert ax.get_title() == "chain"


def test_draw_network_labels_every_weight_bias_and_activation():
    W1, W2 = [[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]
    ax = plotting.draw_network([W1, W2], biases=[[0.35, 0.36], [0.6, 0.61]],
                               activations=[[0.05, 0.1], [0.59, 0.6], [0.75, 0.77]],
                               layer_names=["in", "hidden", "out"])
    texts = _texts(ax)
    for w in ("0.15", "0.2", "0.25", "0.3", "0.4", "0.45", "0.5", "0.55"):
        assert texts.count(w) == 1, w
    assert {"b = 0.35", "b = 0.36", "b = 0.6", "b = 0.61", "0.59", "0.77", "in", "hidden", "out"} <= set(texts)
    assert len([p for p in ax.patches if isinstance(p, plt.Circle)]) == 6
    assert len(ax.get_lines()) == 8  # every unit to every unit of the next layer
    # Row j of a weight matrix feeds unit j: 0.25 (unit 1 from input 0) goes down from the upper input,
    # 0.2 (unit 0 from input 1) up from the lower one; each is written a third of the way along its edge.
    by_text = {t.get_text(): t.get_position() for t in ax.texts}
    assert by_text["0.15"][1] > by_text["0.25"][1] > 0 > by_text["0.2"][1] > by_text["0.3"][1]
    with pytest.raises(ValueError, match="inputs"):
        plotting.draw_network([np.ones((3, 2)), np.ones((2, 4))])


def test_draw_affine_shapes_proportional_rectangles():
    ax = plotting.draw_affine_shapes(2, 4, 3, names=("A", "B", "c", "R"))
    sizes = [(round(p.get_width(), 9), round(p.get_height(), 9)) for p in ax.patches]
    unit = 3.0 / 4
    assert sizes == [(4 * unit, 2 * unit), (3 * unit, 4 * unit), (3 * unit, unit), (3 * unit, 2 * unit)]
    assert {"A\n(2, 4)", "B\n(4, 3)", "c\n(3,)", "R\n(2, 3)"} <= set(_texts(ax))
    with pytest.raises(ValueError):
        plotting.draw_affine_shapes(0, 4, 3)


def test_draw_batchnorm_graph_has_both_extra_paths_and_optional_gradients():
    ax = plotting.draw_batchnorm_graph(grads={"x̂": "γ·dout"}, title="bn")
    texts = _texts(ax)
    assert texts.count("x") == 3  # the input box and its two edges: to the mean and to the subtraction
    assert texts.count("c") == 2  # c feeds both the variance and the product
    assert _red_texts(ax) == ["γ·dout"]
    assert ax.get_title() == "bn"


def test_show_dropout_mask_black_where_dropped_and_kept_fraction_in_title():
    mask = np.array([[0.0, 2.0, 2.0, 0.0], [2.0, 2.0, 2.0, 2.0]])
    ax = plotting.show_dropout_mask(mask, title="kept {kept:.2f}")
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), mask != 0)
    assert ax.get_title() == "kept 0.75"


def test_plot_curves_one_line_per_run():
    runs = {"with": {"val_acc": [0.2, 0.3, 0.4]}, "without": {"val_acc": [0.1, 0.1, 0.2]}}
    ax = plotting.plot_curves(runs, "val_acc", ylabel="validation accuracy", styles={"without": "s--"})
    with_line, without_line = ax.get_lines()
    assert with_line.get_label() == "with" and without_line.get_linestyle() == "--"
    np.testing.assert_allclose(without_line.get_ydata(), [0.1, 0.1, 0.2])
    np.testing.assert_allclose(with_line.get_xdata(), [1, 2, 3])
    assert ax.get_ylabel() == "validation accuracy"


def test_plot_loss_curves_one_smoothed_line_per_run_ending_before_a_divergence():
    runs = {"steady": {"loss_history": [4.0, 2.0, 0.0, 2.0, 4.0]},
            "diverged": {"loss_history": [1.0, 3.0, float("nan"), 5.0]}}
    ax = plotting.plot_loss_curves(runs, window=2)
    steady, diverged = ax.get_lines()
    np.testing.assert_allclose(steady.get_xdata(), [2, 3, 4, 5])
    np.testing.assert_allclose(steady.get_ydata(), [3.0, 1.0, 1.0, 3.0])
    np.testing.assert_allclose(diverged.get_xdata(), [2])
    np.testing.assert_allclose(diverged.get_ydata(), [2.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["steady", "diverged"]
    assert ax.get_xlabel() == "iteration"
    plt.close("all")
