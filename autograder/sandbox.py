"""One bubblewrap sandbox per submission: the student's kernel sees only what it needs.

The grading task (trusted, outside) builds a private folder for the submission::

    <task workdir>/sandbox/
        work/<assignment>/   a writable copy of the student's submitted folder (the kernel's cwd)
        record/              COURSE_RECORD_DIR: hidden-check inputs in, recorded results out
        lib/autograder/assignments/<earlier>/reference.py
                             the references of the EARLIER assignments only (course.previous.load)

plus ``/tmp/ag-*/`` for the kernel's connection file and unix sockets
(transport "ipc"; short, because a socket path has at most 107 bytes), and
starts the kernel in two nested bubblewraps. The outer one runs as root
only to build the view: read-only system, Python installation, the ``course``
package and the CIFAR-10 folder, the three private folders above, a private
/tmp; it unshares pid, network, ipc and uts. It then drops to an unprivileged
uid of its own (setpriv), and the inner ``bwrap --unshare-all`` adds a user
namespace. RLIMIT_NPROC, RLIMIT_AS and RLIMIT_FSIZE are set by ``prlimit`` for
the kernel: NPROC is only enforced for a uid that is not root outside, which
is why the uid is dropped before the inner bwrap rather than mapped inside it.
``--die-with-parent`` on both: when the task dies, the pid namespace's init
dies and every process of the submission with it.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from course.recorder import RECORD_DIR_ENV
from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, List, Unicode

from .course_dir import REPO_ROOT

BWRAP = "bwrap"
SANDBOX_HOME = Path("/home/student")
SANDBOX_LIB = Path("/opt/grader/lib")
SANDBOX_CIFAR = Path("/opt/grader/cifar-10")
SANDBOX_RECORD = Path("/opt/grader/record")
FIRST_UID = 200_000  # sandbox uids: FIRST_UID + task pid, unique among the tasks running at once


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot run here; the message says why and how to fix it."""


def check_available() -> None:
    """Raise SandboxUnavailable unless a trivial command runs in the sandbox this module builds."""
    if shutil.which(BWRAP) is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed. Install it (Debian/Ubuntu: `apt-get install bubblewrap`, "
            "or `bash .ci/system-packages.sh`), or grade with --no-sandbox (student code then runs unconfined).")
    probe = subprocess.run([*outer_args([], Path("/")), *inner_args(Path("/")), "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap cannot create its namespaces here: {probe.stderr.strip()}. It needs user namespaces "
            "(Linux: sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0; not available on "
            "macOS), and to be started as root for the unprivileged uid. Or grade with --no-sandbox.")


def _dirs_for(path: Path, made: set[Path]) -> list[str]:
    """``--dir`` for each missing parent of a mount point, world-traversable (bwrap's default is 0700)."""
    args = []
    for parent in reversed(path.parents):
        if parent != Path("/") and parent not in made:
            made.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def system_paths() -> list[Path]:
    """Read-only: the system and the Python installation (venv and its base interpreter)."""
    paths = [Path(p) for p in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc") if os.path.exists(p)]
    for prefix in {sys.prefix, sys.base_prefix, os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}:
        if not any(Path(prefix).is_relative_to(p) for p in paths):
            paths.append(Path(prefix))
    return paths


def outer_args(binds: list[tuple[str, Path, Path]], cwd: Path) -> list[str]:
    """The outer bwrap: the filesystem view; ``binds`` are (kind, source, target), kind "--bind" or "--ro-bind"."""
    args = [BWRAP, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    made: set[Path] = set()
    for path in system_paths():
        args += _dirs_for(path, made) + ["--ro-bind", str(path), str(path)]
    for kind, source, target in binds:
        args += _dirs_for(target, made) + [kind, str(source), str(target)]
    return args + ["--chdir", str(cwd)]


def inner_args(cwd: Path, uid: int = FIRST_UID) -> list[str]:
    """Drop to ``uid`` with no capabilities, then ``bwrap --unshare-all`` around what follows."""
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", BWRAP, "--unshare-all", "--die-with-parent", "--new-session",
            "--dev-bind", "/", "/", "--chdir", str(cwd)]


def runtime_dir(root: Path) -> Path:
    """The sandbox's socket folder: short (a socket path has at most 107 bytes), named after ``root``
    so that whoever removes ``root`` (the supervisor, after a killed task) can remove it too."""
    return Path("/tmp") / f"ag-{hashlib.sha1(str(root).encode()).hexdigest()[:16]}"


def earlier_references(assignment: str, folders: list[Path] | None = None) -> list[Path]:
    """The reference modules of the assignments before ``assignment`` (never its own), found in
    ``folders`` (default: where autograder.assignments looks)."""
    from . import assignments

    return sorted((p for folder in (folders or assignments.folders()) for p in folder.glob("*/reference.py")
                   if p.parent.name < assignment), key=lambda p: p.parent.name)


@dataclass
class Sandbox:
    """The private folders of one submission's sandbox and the command that starts a kernel in it."""

    root: Path  # <task workdir>/sandbox, outside the course root
    assignment: str
    uid: int
    limits: dict  # GradingLimits values
    env: dict  # the kernel's whole environment (set with --clearenv)
    runtime: Path  # connection file and sockets
    cifar_dir: str | None = None

    @classmethod
    def create(cls, root: Path, assignment: str, submitted: Path, limits: dict, cifar_dir: str | None) -> "Sandbox":
        """Copy the submission, the earlier references and make the private folders, owned by the sandbox uid."""
        if root.exists():
            shutil.rmtree(root)
        uid = FIRST_UID + os.getpid()
        # Symlinks stay links: followed here, as root, they would copy whatever they point at.
        shutil.copytree(submitted, root / "work" / assignment, symlinks=True)
        (root / "record").mkdir(parents=True)
        runtime = runtime_dir(root)
        shutil.rmtree(runtime, ignore_errors=True)
        runtime.mkdir(mode=0o700)
        lib = root / "lib"
        lib.mkdir()
        for reference in earlier_references(assignment):
            target = lib / "autograder" / "assignments" / reference.parent.name / "reference.py"
            target.parent.mkdir(parents=True)
            shutil.copyfile(reference, target)
        for folder in (root / "work", runtime, root / "record"):
            for path in [folder, *folder.rglob("*")]:
                os.chown(path, uid, uid, follow_symlinks=False)
        env = {
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
            "HOME": "/tmp", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp", "MALLOC_ARENA_MAX": "2",
            "PYTHONPATH": str(SANDBOX_LIB), "NBGRADER_EXECUTION": "autograde",
            RECORD_DIR_ENV: str(SANDBOX_RECORD), "LANG": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        }
        if cifar_dir:
            env["CIFAR10_DIR"] = str(SANDBOX_CIFAR)
        return cls(root, assignment, uid, limits, env, runtime, cifar_dir)

    @property
    def workdir(self) -> Path:
        """The submission's private copy, as the trusted process sees it (judges read files here)."""
        return self.root / "work" / self.assignment

    @property
    def record_dir(self) -> Path:
        return self.root / "record"

    @property
    def cwd(self) -> Path:
        return SANDBOX_HOME / self.assignment

    def remove(self) -> None:
        shutil.rmtree(self.runtime, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def binds(self) -> list[tuple[str, Path, Path]]:
        binds = [("--ro-bind", REPO_ROOT / "course", SANDBOX_LIB / "course"),
                 ("--bind", self.workdir, self.cwd),
                 # The same path inside and out: the connection file names the sockets by it.
                 ("--bind", self.runtime, self.runtime),
                 ("--bind", self.record_dir, SANDBOX_RECORD)]
        if (self.root / "lib" / "autograder").exists():
            binds.append(("--ro-bind", self.root / "lib" / "autograder", SANDBOX_LIB / "autograder"))
        if self.cifar_dir:
            binds.append(("--ro-bind", Path(self.cifar_dir), SANDBOX_CIFAR))
        return binds

    def wrap(self, command: list[str]) -> list[str]:
        """``command`` run inside the sandbox, with its environment and limits."""
        limits = []
        if self.limits.get("memory_mb", 0) > 0:
            limits.append(f"--as={self.limits['memory_mb'] * 1024 * 1024}")
        limits += [f"--nproc={self.limits['max_processes']}", f"--fsize={self.limits['max_file_mb'] * 1024 * 1024}"]
        bwrap, *outer = outer_args(self.binds(), self.cwd)
        env = ["--clearenv"] + [arg for key, value in self.env.items() for arg in ("--setenv", key, value)]
        return [bwrap, *env, *outer, *inner_args(self.cwd, self.uid), "prlimit", *limits, "--", *command]


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel started inside the sandbox, reached over unix sockets (the sandbox has no network)."""

    command_prefix = List(Unicode(), help="Argv put before the kernel's command: Sandbox.wrap([]).").tag(config=True)
    sandbox_uid = Integer(-1, help="The sandbox's uid, which must read the connection file.").tag(config=True)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self.sandbox_uid >= 0:
            os.chown(self.connection_file, self.sandbox_uid, self.sandbox_uid)

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        # A signal to bwrap would end the whole sandbox: interrupt through the control channel instead.
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec

    def format_kernel_cmd(self, extra_arguments=None) -> list[str]:
        return [*self.command_prefix, *super().format_kernel_cmd(extra_arguments)]


def kernel_config(config, sandbox: Sandbox):
    """``config`` with nbclient's kernels started in ``sandbox`` over ipc."""
    config.ResilientExecute.kernel_manager_class = SandboxedKernelManager
    config.SandboxedKernelManager.command_prefix = sandbox.wrap([])
    config.SandboxedKernelManager.sandbox_uid = sandbox.uid
    config.SandboxedKernelManager.transport = "ipc"
    config.SandboxedKernelManager.ip = str(sandbox.runtime / "k")  # unix socket paths are short
    config.SandboxedKernelManager.connection_file = str(sandbox.runtime / "kernel.json")
    return config
