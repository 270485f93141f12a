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
