"""CIFAR-10: download, load and preprocess the images the course trains on.

The data lives in the official "python version" layout: a folder
``cifar-10-batches-py/`` with five training batches ``data_batch_1`` ..
``data_batch_5``, one ``test_batch`` and ``batches.meta`` (the class names).
Each batch is a pickled dict with ``data`` (N x 3072 uint8, channel-major:
1024 red, then 1024 green, then 1024 blue values of a 32 x 32 image) and
``labels`` (N ints in 0..9).

Where the data is looked for, in order:

1. the ``root`` argument of the functions below,
2. the environment variable ``CIFAR10_DIR``,
3. ``<user cache dir>/backprop-course/cifar10`` (see :func:`default_root`).

A folder counts as ready when it holds ``cifar-10-batches-py/`` with all six
batch files; the ``cifar-10-batches-py`` folder itself is accepted as well.
When nothing is ready, :func:`download_cifar10` fetches the official archive
(about 163 MB), checks its MD5 and unpacks it there.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from course.i18n import _

__all__ = [
    "CIFAR10_URL",
    "CIFAR10_MD5",
    "CLASS_NAMES",
    "DatasetUnavailable",
    "default_root",
    "find_batches",
    "download_cifar10",
    "load_batch",
    "load_cifar10",
    "load_label_names",
    "get_cifar10_data",
    "write_synthetic_cifar10",
]

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
BATCHES_FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
META_FILE = "batches.meta"
ARCHIVE_NAME = "cifar-10-python.tar.gz"
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer",
               "dog", "frog", "horse", "ship", "truck")
IMAGE_SHAPE = (3, 32, 32)
ENV_VAR = "CIFAR10_DIR"


class DatasetUnavailable(RuntimeError):
    """CIFAR-10 is neither on disk nor downloadable (or the download is corrupt)."""


def default_root() -> Path:
    """``$CIFAR10_DIR`` if set, else ``<user cache dir>/backprop-course/cifar10``."""
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("backprop-course")) / "cifar10"


def _resolve_root(root) -> Path:
    return Path(root).expanduser() if root is not None else default_root()


def _is_batches_folder(folder: Path) -> bool:
    return all((folder / name).is_file() for name in (*TRAIN_BATCHES, TEST_BATCH))


def find_batches(root=None) -> Path | None:
    """The ready ``cifar-10-batches-py`` folder for ``root``, or None.

    ``root`` may be the folder that contains ``cifar-10-batches-py`` or that
    folder itself.
    """
    root = _resolve_root(root)
    for folder in (root / BATCHES_FOLDER, root):
        if _is_batches_folder(folder):
            return folder
    return None


def _unavailable_message(url: str, root: Path, reason) -> str:
    return _("Could not download CIFAR-10 from {url} ({reason}).\n"
             "Download the archive by hand and extract it into {root} (so that {example} exists), "
             "or set {env_var} to a folder containing {folder}.").format(
        url=url, reason=reason, root=root, example=root / BATCHES_FOLDER / "data_batch_1", env_var=ENV_VAR,
        folder=BATCHES_FOLDER)


def _md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch(url: str, target: Path, timeout: float, progress: bool) -> str:
    """Stream ``url`` into ``target`` with a progress bar; return its MD5."""
    from tqdm import tqdm

    digest = hashlib.md5()
    # The timeout bounds the connection and every read, so a dead network
    # raises instead of hanging the notebook.
    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = response.headers.get("Content-Length")
        with open(target, "wb") as out, tqdm(
                total=int(total) if total else None, unit="B", unit_scale=True,
                unit_divisor=1024, desc="CIFAR-10", disable=not progress) as bar:
            for chunk in iter(lambda: response.read(1 << 16), b""):
                out.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))
    return digest.hexdigest()


def _extract(archive: Path, root: Path) -> None:
    """Unpack ``archive`` into ``root`` so a half-unpacked folder never looks ready."""
    staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=root))
    try:
        with tarfile.open(archive, "r:*") as tar:
            # filter="data" refuses absolute paths, links out of the folder and devices.
            tar.extractall(staging, filter="data")
        unpacked = staging / BATCHES_FOLDER
        if not _is_batches_folder(unpacked):
            raise DatasetUnavailable(_("{archive} does not contain {folder}/ with {train} and {test}.").format(
                archive=archive, folder=BATCHES_FOLDER, train=", ".join(TRAIN_BATCHES), test=TEST_BATCH))
        target = root / BATCHES_FOLDER
        if target.exists():
            shutil.rmtree(target)
        unpacked.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def download_cifar10(root=None, url: str = CIFAR10_URL, md5: str | None = CIFAR10_MD5,
                     timeout: float = 30.0, progress: bool = True) -> Path:
    """Make sure CIFAR-10 is in ``root`` and return the folder that contains
    ``cifar-10-batches-py/``.

    Nothing is downloaded when the data is already there. An archive named
    ``cifar-10-python.tar.gz`` that you put into ``root`` yourself is used
    instead of downloading, if its MD5 is right. ``md5=None`` skips the check.

    Raises :class:`DatasetUnavailable` when the download fails (no network,
    timeout after ``timeout`` seconds of silence) or the MD5 does not match;
    a corrupt download is deleted.
    """
    root = _resolve_root(root)
    ready = find_batches(root)
    if ready is not None:
        return ready.parent
    root.mkdir(parents=True, exist_ok=True)
    archive = root / ARCHIVE_NAME
    if not (archive.is_file() and (md5 is None or _md5_of(archive) == md5)):
        partial = root / (ARCHIVE_NAME + ".part")
        try:
            got = _fetch(url, partial, timeout, progress)
        except (urllib.error.URLError, OSError, ValueError) as err:
            # URLError covers refused connections and unknown hosts, OSError
            # timeouts and resets, ValueError a malformed URL.
            partial.unlink(missing_ok=True)
            reason = err if isinstance(err, urllib.error.HTTPError) else getattr(err, "reason", err)
            raise DatasetUnavailable(_unavailable_message(url, root, reason)) from err
        if md5 is not None and got != md5:
            partial.unlink(missing_ok=True)
            raise DatasetUnavailable(
                _("The file downloaded from {url} is corrupt: MD5 {got}, expected {md5}. It was deleted; run "
                  "again to retry, or download it by hand and extract it into {root}.").format(
                    url=url, got=got, md5=md5, root=root))
        partial.replace(archive)
    _extract(archive, root)
    archive.unlink()  # the unpacked batches are all that is needed (saves 163 MB)
    return root


def _ready_folder(root, download: bool) -> Path:
    folder = find_batches(root)
    if folder is not None:
        return folder
    if not download:
        where = _resolve_root(root)
        raise DatasetUnavailable(
            _("CIFAR-10 is not in {where}: expected {expected} with {train} and {test}. Pass download=True, "
              "extract the archive there, or set {env_var} to a folder containing {folder}.").format(
                where=where, expected=where / BATCHES_FOLDER, train=", ".join(TRAIN_BATCHES), test=TEST_BATCH,
                env_var=ENV_VAR, folder=BATCHES_FOLDER))
    return download_cifar10(root) / BATCHES_FOLDER


def _unpickle(path) -> dict:
    with open(path, "rb") as fh:
        # The official files were pickled by Python 2; latin1 maps their byte
        # strings one to one. Keys come back as str (official) or bytes
        # (files pickled by Python 3 with bytes keys).
        raw = pickle.load(fh, encoding="latin1")
    return {key.decode("latin1") if isinstance(key, bytes) else key: value
            for key, value in raw.items()}


def load_batch(path, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Read one batch file: ``X`` of shape (N, 3, 32, 32) and ``dtype``, ``y`` int64 (N,).

    Any number of images per file is accepted. Pixel values stay in 0..255.
    """
    batch = _unpickle(path)
    try:
        data, labels = batch["data"], batch["labels"]
    except KeyError as err:
        raise ValueError(_("{path} is not a CIFAR-10 batch: it has no {key!r} entry.").format(
            path=path, key=err.args[0])) from None
    data = np.asarray(data)
    y = np.asarray(labels, dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != int(np.prod(IMAGE_SHAPE)) or len(data) != len(y):
        raise ValueError(_("{path}: data has shape {shape} for {count} labels; expected ({count}, {size}).").format(
            path=path, shape=data.shape, count=len(y), size=int(np.prod(IMAGE_SHAPE))))
    X = data.reshape(len(data), *IMAGE_SHAPE).astype(dtype)
    return X, y


def load_cifar10(root=None, download: bool = True, dtype=np.float64):
    """``(X_train, y_train, X_test, y_test)`` from the five training batches and the test batch.

    X arrays have shape (N, 3, 32, 32) with values 0..255; y arrays are int64.
    Downloads the data first when it is missing and ``download`` is True.
    """
    folder = _ready_folder(root, download)
    parts = [load_batch(folder / name, dtype) for name in TRAIN_BATCHES]
    X_train = np.concatenate([X for X, _ in parts])
    y_train = np.concatenate([y for _, y in parts])
    X_test, y_test = load_batch(folder / TEST_BATCH, dtype)
    return X_train, y_train, X_test, y_test


def load_label_names(root=None, download: bool = True) -> list[str]:
    """The ten class names from ``batches.meta``, index = label."""
    folder = _ready_folder(root, download)
    meta_path = folder / META_FILE
    if not meta_path.is_file():
        return list(CLASS_NAMES)  # same names in every copy of CIFAR-10
    names = _unpickle(meta_path)["label_names"]
    return [n.decode("latin1") if isinstance(n, bytes) else str(n) for n in names]


def get_cifar10_data(num_training: int | None = None, num_validation: int | None = None,
                     num_test: int | None = 1000, subtract_mean: bool = True, root=None,
                     dtype=np.float64, download: bool = True) -> dict[str, np.ndarray]:
    """CIFAR-10 split into train / validation / test, ready for a network.

    - The validation images are the LAST ``num_validation`` training images;
      the training images are the first ``num_training`` of the rest.
    - ``num_validation`` default: 1000 when there are at least 10000 training
      images, else a tenth of them.
    - ``num_training`` default: all images that are not validation images.
    - ``num_test`` default: 1000 (fewer if the test batch is smaller); None
      takes the whole test batch.
    - ``subtract_mean``: subtract the mean training image from every split.

    Full CIFAR-10: 49000 / 1000 / 1000 images. The shared subset (5 x 1017
    training, 1017 test images): 4577 / 508 / 1000.

    Returns ``{"X_train", "y_train", "X_val", "y_val", "X_test", "y_test"}``
    with X of shape (N, 3, 32, 32) and ``dtype``, y int64.
    """
    X_all, y_all, X_test, y_test = load_cifar10(root, download=download, dtype=dtype)
    total = len(X_all)
    if num_validation is None:
        num_validation = 1000 if total >= 10000 else total // 10
    if num_training is None:
        num_training = total - num_validation
    if num_training < 1 or num_validation < 0 or num_training + num_validation > total:
        raise ValueError(_("cannot take {train} training and {val} validation images from {total} training "
                           "images.").format(train=num_training, val=num_validation, total=total))
    num_test = len(X_test) if num_test is None else min(num_test, len(X_test))

    val = slice(total - num_validation, total)
    data = {
        "X_train": X_all[:num_training], "y_train": y_all[:num_training],
        "X_val": X_all[val], "y_val": y_all[val],
        "X_test": X_test[:num_test], "y_test": y_test[:num_test],
    }
    if subtract_mean:
        mean_image = data["X_train"].mean(axis=0)
        for key in ("X_train", "X_val", "X_test"):
            data[key] = data[key] - mean_image
    return {key: np.ascontiguousarray(value) for key, value in data.items()}


def _write_batch(path: Path, images: np.ndarray, labels: np.ndarray, label: str) -> None:
    batch = {b"batch_label": label.encode(), b"labels": [int(v) for v in labels],
             b"data": images.reshape(len(images), -1)}
    with open(path, "wb") as fh:
        pickle.dump(batch, fh, protocol=2)


def write_synthetic_cifar10(root, n_per_batch: int = 100, n_test: int | None = None,
                            seed: int = 0, noise: float = 40.0) -> Path:
    """Write a small fake CIFAR-10 in the official layout and return ``root``.

    ``root/cifar-10-batches-py/`` gets five training batches of
    ``n_per_batch`` images, a test batch of ``n_test`` (default
    ``n_per_batch``) images and ``batches.meta``. Every class has its own
    blocky colour template; each image is its template plus Gaussian pixel
    noise of std ``noise``, so a linear classifier learns the classes within
    a few epochs. The same ``seed`` gives the same files.
    """
    rng = np.random.default_rng(seed)
    # 4 x 4 colour blocks blown up to 32 x 32: classes differ in colour and layout.
    blocks = 128 + 45 * rng.standard_normal((len(CLASS_NAMES), 3, 4, 4))
    templates = np.kron(blocks, np.ones((1, 1, 8, 8)))

    def images_for(count: int):
        labels = rng.permutation(np.arange(count) % len(CLASS_NAMES))
        pixels = templates[labels] + noise * rng.standard_normal((count, *IMAGE_SHAPE))
        return np.clip(np.rint(pixels), 0, 255).astype(np.uint8), labels

    folder = Path(root) / BATCHES_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(TRAIN_BATCHES, start=1):
        _write_batch(folder / name, *images_for(n_per_batch), f"synthetic training batch {i} of 5")
    _write_batch(folder / TEST_BATCH, *images_for(n_test or n_per_batch), "synthetic testing batch")
    meta = {b"label_names": [n.encode() for n in CLASS_NAMES],
            b"num_cases_per_batch": n_per_batch, b"num_vis": int(np.prod(IMAGE_SHAPE))}
    with open(folder / META_FILE, "wb") as fh:
        pickle.dump(meta, fh, protocol=2)
    return Path(root)
