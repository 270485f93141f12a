"""pytest runs the instructor notebooks under nbval (see pyproject.toml).

Running them retrains and rewrites files beside a notebook (07 saves
best_model.npz); the committed bytes are put back at the end of the session so
a test run leaves the tree as it found it.
"""
from pathlib import Path

_committed: dict[Path, bytes] = {}


def pytest_runtest_setup(item):
    for path in Path(str(item.fspath)).parent.glob("*.npz"):
        _committed.setdefault(path, path.read_bytes())


def pytest_sessionfinish(session):
    for path, data in _committed.items():
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
