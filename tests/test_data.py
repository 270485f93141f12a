"""course.data: loading the official file layout, splitting, and the downloader.

The downloader is tested against a web server on 127.0.0.1 that serves a
small synthetic archive; nothing here touches the internet.
"""
from __future__ import annotations

import functools
import hashlib
import http.server
import os
import pickle
import socket
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

from course import data

SHARED_SUBSET = os.environ.get("CIFAR10_DIR", "")


@pytest.fixture(autouse=True)
def no_env_root(monkeypatch, tmp_path):
    # Every test names its folder; none may fall back to the shared subset or
    # to the user's real cache by accident.
    monkeypatch.delenv("CIFAR10_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture(scope="module")
def synthetic_root(tmp_path_factory):
    return data.write_synthetic_cifar10(tmp_path_factory.mktemp("synthetic"), n_per_batch=60, n_test=40)


def _raw_batch(path: Path):
    with open(path, "rb") as fh:
        raw = pickle.load(fh, encoding="bytes")
    return np.asarray(raw[b"data"]), list(raw[b"labels"])


# --- reading the official layout -------------------------------------------------------

def test_synthetic_round_trip_through_load_cifar10(synthetic_root):
    X_train, y_train, X_test, y_test = data.load_cifar10(synthetic_root, download=False)
    assert X_train.shape == (300, 3, 32, 32) and X_test.shape == (40, 3, 32, 32)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    # Pixel (c, h, w) of an image is entry c*1024 + h*32 + w of the stored row.
    folder = synthetic_root / "cifar-10-batches-py"
    rows1, labels1 = _raw_batch(folder / "data_batch_1")
    rows5, labels5 = _raw_batch(folder / "data_batch_5")
    assert X_train[0, 1, 2, 3] == rows1[0, 1024 + 2 * 32 + 3]
    np.testing.assert_array_equal(X_train[:60].reshape(60, -1), rows1)
    np.testing.assert_array_equal(X_train[240:].reshape(60, -1), rows5)
    assert y_train[:60].tolist() == labels1 and y_train[240:].tolist() == labels5
    rows_test, labels_test = _raw_batch(folder / "test_batch")
    np.testing.assert_array_equal(X_test.reshape(40, -1), rows_test)
    assert y_test.tolist() == labels_test


def test_synthetic_data_is_deterministic_and_balanced(tmp_path):
    a = data.load_cifar10(data.write_synthetic_cifar10(tmp_path / "a", n_per_batch=30, seed=3), download=False)
    b = data.load_cifar10(data.write_synthetic_cifar10(tmp_path / "b", n_per_batch=30, seed=3), download=False)
    c = data.load_cifar10(data.write_synthetic_cifar10(tmp_path / "c", n_per_batch=30, seed=4), download=False)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])
    assert np.bincount(a[1], minlength=10).tolist() == [15] * 10


def test_synthetic_classes_are_learnable(synthetic_root):
    # Nearest class mean on training images must classify test images well
    # above chance (10 %): the training tests of the course rely on it.
    X_train, y_train, X_test, y_test = data.load_cifar10(synthetic_root, download=False)
    flat_train, flat_test = X_train.reshape(len(X_train), -1), X_test.reshape(len(X_test), -1)
    means = np.stack([flat_train[y_train == c].mean(axis=0) for c in range(10)])
    dist = ((flat_test[:, None, :] - means[None]) ** 2).sum(axis=-1)
    assert (dist.argmin(axis=1) == y_test).mean() > 0.9


def test_load_batch_accepts_str_keys_any_size_and_dtype(tmp_path):
    # Python-2 pickles of the official archive load with str keys; the shared
    # subset has 1017 images per file and no "filenames" entry.
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 256, size=(7, 3072), dtype=np.uint8)
    path = tmp_path / "batch"
    with open(path, "wb") as fh:
        pickle.dump({"data": rows, "labels": [0, 1, 2, 3, 4, 5, 9], "batch_label": "x"}, fh, protocol=2)
    X, y = data.load_batch(path)
    assert X.shape == (7, 3, 32, 32) and X.dtype == np.float64
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 2, 3, 4, 5, 9]
    np.testing.assert_array_equal(X.reshape(7, -1), rows)
    X32, _ = data.load_batch(path, dtype=np.float32)
    assert X32.dtype == np.float32


def test_load_batch_rejects_a_file_that_is_not_a_batch(tmp_path):
    path = tmp_path / "batch"
    with open(path, "wb") as fh:
        pickle.dump({"labels": [1]}, fh)
    with pytest.raises(ValueError, match="data"):
        data.load_batch(path)
    with open(path, "wb") as fh:
        pickle.dump({"data": np.zeros((2, 100), np.uint8), "labels": [1, 2]}, fh)
    with pytest.raises(ValueError, match="3072"):
        data.load_batch(path)


def test_label_names_and_both_folder_forms(synthetic_root):
    assert data.load_label_names(synthetic_root) == list(data.CLASS_NAMES)
    batches = synthetic_root / "cifar-10-batches-py"
    assert data.find_batches(synthetic_root) == batches
    assert data.find_batches(batches) == batches
    X_a = data.load_cifar10(synthetic_root, download=False)[0]
    X_b = data.load_cifar10(batches, download=False)[0]
    np.testing.assert_array_equal(X_a, X_b)


def test_incomplete_folder_is_not_ready(tmp_path, synthetic_root):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"):
        (folder / name).write_bytes((synthetic_root / "cifar-10-batches-py" / name).read_bytes())
    assert data.find_batches(tmp_path) is None  # test_batch missing
    with pytest.raises(data.DatasetUnavailable, match="test_batch"):
        data.load_cifar10(tmp_path, download=False)


def test_cifar10_dir_environment_variable_is_used(monkeypatch, synthetic_root):
    monkeypatch.setenv("CIFAR10_DIR", str(synthetic_root))
    assert data.default_root() == synthetic_root
    assert data.load_cifar10(download=False)[0].shape == (300, 3, 32, 32)


def test_default_root_is_the_user_cache_without_the_variable(tmp_path):
    root = data.default_root()
    assert root.parts[-2:] == ("backprop-course", "cifar10")


# --- preprocessing -----------------------------------------------------------------------

def test_get_cifar10_data_splits_from_the_end_and_subtracts_the_mean(synthetic_root):
    X_all, y_all, X_test_raw, y_test_raw = data.load_cifar10(synthetic_root, download=False)
    split = data.get_cifar10_data(root=synthetic_root)
    assert sorted(split) == sorted(["X_train", "y_train", "X_val", "y_val", "X_test", "y_test"])
    # 300 training images (< 10000): a tenth for validation, the rest for training.
    assert len(split["X_train"]) == 270 and len(split["X_val"]) == 30 and len(split["X_test"]) == 40
    mean = X_all[:270].mean(axis=0)
    np.testing.assert_allclose(split["X_train"].mean(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(split["X_val"], X_all[270:] - mean)
    np.testing.assert_allclose(split["X_test"], X_test_raw - mean)
    np.testing.assert_array_equal(split["y_val"], y_all[270:])
    np.testing.assert_array_equal(split["y_test"], y_test_raw)


def test_get_cifar10_data_explicit_sizes_and_raw_pixels(synthetic_root):
    X_all, y_all, _, _ = data.load_cifar10(synthetic_root, download=False)
    split = data.get_cifar10_data(num_training=50, num_validation=20, num_test=10,
                                  subtract_mean=False, root=synthetic_root, dtype=np.float32)
    assert [len(split[k]) for k in ("X_train", "X_val", "X_test", "y_test")] == [50, 20, 10, 10]
    assert split["X_train"].dtype == np.float32
    np.testing.assert_array_equal(split["X_train"], X_all[:50])
    np.testing.assert_array_equal(split["X_val"], X_all[-20:])  # validation stays at the end
    with pytest.raises(ValueError, match="300 training images"):
        data.get_cifar10_data(num_training=290, num_validation=20, root=synthetic_root)


def test_default_split_sizes_of_the_full_dataset(monkeypatch):
    # The full set is too large to make here: fake the loader with 50000 / 10000 images.
    def fake_load(root=None, download=True, dtype=np.float64):
        return (np.zeros((50000, 3, 1, 1), dtype), np.zeros(50000, np.int64),
                np.zeros((10000, 3, 1, 1), dtype), np.zeros(10000, np.int64))
    monkeypatch.setattr(data, "load_cifar10", fake_load)
    split = data.get_cifar10_data()
    assert [len(split[k]) for k in ("X_train", "X_val", "X_test")] == [49000, 1000, 1000]


@pytest.mark.skipif(not (SHARED_SUBSET and data.find_batches(SHARED_SUBSET)),
                    reason="CIFAR10_DIR does not point to the shared CIFAR-10 subset")
def test_real_shared_subset():
    X_train, y_train, X_test, y_test = data.load_cifar10(SHARED_SUBSET, download=False)
    assert X_train.shape == (5085, 3, 32, 32) and y_train.shape == (5085,)
    assert X_test.shape == (1017, 3, 32, 32) and y_test.shape == (1017,)
    for X, y in ((X_train, y_train), (X_test, y_test)):
        assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))
        assert X.min() == 0 and X.max() == 255 and np.all(X == np.round(X))
    assert data.load_label_names(SHARED_SUBSET)[:2] == ["airplane", "automobile"]
    split = data.get_cifar10_data(root=SHARED_SUBSET)
    assert [len(split[k]) for k in ("X_train", "X_val", "X_test")] == [4577, 508, 1000]
    assert abs(split["X_train"].mean()) < 1e-8


# --- the downloader -------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def archive_server(tmp_path_factory, synthetic_root):
    """Serve a synthetic cifar-10-python.tar.gz from 127.0.0.1; yields (url, md5)."""
    serve_dir = tmp_path_factory.mktemp("served")
    archive = serve_dir / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(synthetic_root / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    md5 = hashlib.md5(archive.read_bytes()).hexdigest()
    handler = functools.partial(_QuietHandler, directory=str(serve_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/cifar-10-python.tar.gz", md5
    finally:
        server.shutdown()
        server.server_close()


def test_download_extracts_and_then_uses_the_cache(tmp_path, archive_server, synthetic_root):
    url, md5 = archive_server
    root = tmp_path / "cache"
    result = data.download_cifar10(root, url=url, md5=md5)  # with the progress bar
    assert result == root
    assert data.find_batches(root) == root / "cifar-10-batches-py"
    assert not (root / "cifar-10-python.tar.gz").exists()
    assert [p.name for p in root.iterdir()] == ["cifar-10-batches-py"]  # no leftovers
    np.testing.assert_array_equal(data.load_cifar10(root, download=False)[0],
                                  data.load_cifar10(synthetic_root, download=False)[0])
    # Ready now: a second call must not touch the network (this URL would fail).
    assert data.download_cifar10(root, url="http://127.0.0.1:9/nothing", md5=md5) == root


def test_load_cifar10_downloads_into_cifar10_dir(tmp_path, monkeypatch, archive_server):
    url, md5 = archive_server
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path / "env-root"))
    # load_cifar10 downloads from the official URL; point it at the test server.
    monkeypatch.setattr(data, "download_cifar10",
                        functools.partial(data.download_cifar10, url=url, md5=md5, progress=False))
    X_train, *_ = data.load_cifar10()
    assert X_train.shape == (300, 3, 32, 32)
    assert (tmp_path / "env-root" / "cifar-10-batches-py" / "test_batch").is_file()


def test_md5_mismatch_deletes_the_download(tmp_path, archive_server):
    url, md5 = archive_server
    root = tmp_path / "cache"
    with pytest.raises(data.DatasetUnavailable) as info:
        data.download_cifar10(root, url=url, md5="0" * 32, progress=False)
    message = str(info.value)
    assert "MD5" in message and md5 in message and "0" * 32 in message
    assert list(root.iterdir()) == []  # neither the archive nor a partial file remains
    assert data.find_batches(root) is None


def test_an_archive_put_there_by_hand_is_used(tmp_path, archive_server):
    url, md5 = archive_server
    root = tmp_path / "cache"
    root.mkdir()
    import urllib.request
    with urllib.request.urlopen(url, timeout=10) as response:
        (root / "cifar-10-python.tar.gz").write_bytes(response.read())
    assert data.download_cifar10(root, url="http://127.0.0.1:9/x", md5=md5, progress=False) == root
    assert data.find_batches(root) is not None


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_offline_error_says_what_to_do(tmp_path):
    root = tmp_path / "cache"
    url = f"http://127.0.0.1:{_closed_port()}/cifar-10-python.tar.gz"
    with pytest.raises(data.DatasetUnavailable) as info:
        data.download_cifar10(root, url=url, timeout=5, progress=False)
    assert isinstance(info.value, RuntimeError)
    message = str(info.value)
    assert url in message
    assert "by hand" in message and str(root) in message
    assert "CIFAR10_DIR" in message and "cifar-10-batches-py" in message
    assert not any(root.iterdir())


def test_missing_file_on_the_server_is_reported(tmp_path, archive_server):
    url, _ = archive_server
    missing = url.rsplit("/", 1)[0] + "/missing.tar.gz"
    with pytest.raises(data.DatasetUnavailable, match="404"):
        data.download_cifar10(tmp_path / "cache", url=missing, progress=False)


def test_archive_without_the_batches_is_rejected(tmp_path):
    # A valid download of the wrong archive must not leave a folder that looks ready.
    serve = tmp_path / "serve"
    (serve / "other").mkdir(parents=True)
    (serve / "other" / "readme.txt").write_text("not cifar")
    archive = tmp_path / "cache" / "cifar-10-python.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(serve / "other", arcname="other")
    with pytest.raises(data.DatasetUnavailable, match="does not contain"):
        data.download_cifar10(archive.parent, md5=None, progress=False)
    assert data.find_batches(archive.parent) is None
    assert not any(p.name.startswith(".extract") for p in archive.parent.iterdir())


def test_unsafe_archive_members_are_refused(tmp_path):
    archive = tmp_path / "cache" / "cifar-10-python.tar.gz"
    archive.parent.mkdir()
    evil = tmp_path / "evil.txt"
    evil.write_text("outside")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(evil, arcname="../escaped.txt")
    with pytest.raises(tarfile.TarError):
        data.download_cifar10(archive.parent, md5=None, progress=False)
    assert not (tmp_path / "escaped.txt").exists()
