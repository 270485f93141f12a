"""Open JupyterLab for a student: ``python -m course.lab [--exchange DIR] [LAB ARGS...]``.

Lab opens in your own working folder (``work/`` beside this package), which
starts as a copy of the released notebooks and is never overwritten: your
answers stay yours, and the course's own files stay untouched. Only the
nbgrader tools a student uses are on: Validate, and the Assignment List when
the course hands assignments out through an exchange folder (``--exchange``).
Formgrader, Create Assignment and the Course List are instructor tools.

The settings live in ``work/.jupyter`` (a Jupyter config folder of its own),
so nothing is installed into or changed in your Jupyter setup.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parents[1]  # the repository or the unpacked bundle
COURSE_ID = "backprop-from-scratch"
INSTRUCTOR_LAB_PLUGINS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                          "@jupyter/nbgrader:course-list"]
INSTRUCTOR_SERVER_EXTENSIONS = ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"]
EXCHANGE_LAB_PLUGIN = "@jupyter/nbgrader:assignment-list"
EXCHANGE_SERVER_EXTENSION = "nbgrader.server_extensions.assignment_list"


def copy_notebooks(notebooks: Path, work: Path) -> list[str]:
    """Copy each assignment folder of ``notebooks`` that ``work`` does not have yet; returns those copied."""
    work.mkdir(parents=True, exist_ok=True)
    copied = []
    for folder in sorted(p for p in notebooks.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))):
        if not (work / folder.name).exists():
            shutil.copytree(folder, work / folder.name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
            copied.append(folder.name)
    return copied


def write_student_config(config_dir: Path, work: Path, exchange: Path | None, course_id: str = COURSE_ID) -> None:
    """A Jupyter config folder with the student's extensions only (nbgrader's documented switches)."""
    disabled = INSTRUCTOR_LAB_PLUGINS + ([] if exchange else [EXCHANGE_LAB_PLUGIN])
    off = INSTRUCTOR_SERVER_EXTENSIONS + ([] if exchange else [EXCHANGE_SERVER_EXTENSION])
    (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
    (config_dir / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {name: True for name in disabled}}, indent=1))
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {name: False for name in off}}}, indent=1))
    settings = config_dir / "lab" / "user-settings"
    # Progress-bar widgets are saved with the notebook, so a reopened notebook still shows them;
    # a notebook starts its kernel without asking; no news fetched (a course may run offline).
    for plugin, values in {"@jupyter-widgets/jupyterlab-manager/plugin": {"saveState": True},
                           "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True},
                           "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                                           "checkForUpdates": False}}.items():
        target = settings / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    lines = [f"c.CourseDirectory.course_id = {course_id!r}"]
    if exchange:
        # Fetched assignments land in the working folder, where Lab shows them.
        lines += [f"c.Exchange.root = {str(exchange)!r}", f"c.Exchange.assignment_dir = {str(work)!r}"]
    (config_dir / "nbgrader_config.py").write_text("c = get_config()  # noqa: F821\n" + "\n".join(lines) + "\n")


def first_notebook(work: Path) -> str | None:
    found = sorted(work.glob("*/*.ipynb"))
    return found[0].relative_to(work).as_posix() if found else None


def lab_command(work: Path, lab_args: list[str]) -> list[str]:
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={work}"]
    start = first_notebook(work)
    if start:
        command.append(f"--LabApp.default_url=/lab/tree/{start}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI run as root
    return command + lab_args


def lab_env(config_dir: Path) -> dict:
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config_dir))
    # Kernels import `course` from here without installing it.
    env["PYTHONPATH"] = os.pathsep.join([str(BASE)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.lab", description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=BASE / "work", help="your working folder (default: %(default)s)")
    parser.add_argument("--notebooks", type=Path, default=BASE / "release",
                        help="the released notebooks copied into the working folder (default: %(default)s)")
    parser.add_argument("--exchange", type=Path, default=os.environ.get("COURSE_EXCHANGE") or None,
                        help="the course's nbgrader exchange folder: fetch and submit from the Assignment List "
                             "(default: $COURSE_EXCHANGE; without one, the notebooks are copied from --notebooks)")
    parser.add_argument("--dry-run", action="store_true", help="prepare the folder and print the command only")
    args, lab_args = parser.parse_known_args(argv)
    work = args.work.resolve()
    exchange = args.exchange.resolve() if args.exchange else None
    if exchange is None:
        copy_notebooks(args.notebooks, work)
    work.mkdir(parents=True, exist_ok=True)
    config_dir = work / ".jupyter"
    write_student_config(config_dir, work, exchange)
    command = lab_command(work, lab_args)
    if args.dry_run:
        print(" ".join(command))
        return 0
    os.chdir(work)  # nbgrader's server extensions work relative to the current folder
    return os.execvpe(command[0], command, lab_env(config_dir))


if __name__ == "__main__":
    sys.exit(main())
