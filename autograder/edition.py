"""A language edition of an assignment folder: the same files, its notebooks translated.

``python -m autograder release`` writes ``release_<lang>/<assignment>/`` beside
``release/``: the same layout, so nbgrader's exchange releases it as it is
(``nbgrader release_assignment --CourseDirectory.release_directory=release_zh_CN``)
and the student bundle packs it like the English one. The tests build the
instructor edition of ``source/`` the same way and run it under nbval.

An edition notebook differs from the English one only in its translatable text
(autograder.notebook_text), in ``metadata.course.language`` (read by the
grader) and in the line that sets the course's language at the top of its
first code cell that nbgrader does not track; graded cells, their ids and
checksums are untouched.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from . import catalogs
from .notebook_text import text_units, translatable, translate_notebook

LANGUAGE_LINE = 'from course.i18n import set_language; set_language("{lang}")\n'


def release_dir(lang: str) -> str:
    return f"release_{lang}"


def notebook_language(nb) -> str:
    """The edition a notebook belongs to: ``metadata.course.language``, English when absent."""
    return str(nb.metadata.get("course", {}).get("language", "en"))


def translate(nb, domain: str, lang: str, strings: dict[str, str] | None = None):
    """``nb`` (an assignment's notebook, English) in ``lang``; untranslated units stay English."""
    strings = catalogs.translations(domain, lang) if strings is None else strings
    translate_notebook(nb, lambda unit: strings.get(unit.msgid))
    first_code = next((c for c in nb.cells if c.cell_type == "code" and translatable(c)
                       and not c.metadata.get("nbgrader", {}).get("solution")), None)
    if first_code is not None:
        first_code.source = LANGUAGE_LINE.format(lang=lang) + first_code.source
    nb.metadata["course"] = {"language": lang}
    return nb


def write_edition(src: Path, dest: Path, domain: str, lang: str) -> int:
    """Copy the assignment folder ``src`` to ``dest`` with its notebooks in ``lang``; returns how many
    text units were left in English."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc"))
    strings = catalogs.translations(domain, lang)
    left = 0
    for path in sorted(dest.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        left += sum(unit.msgid not in strings for unit in text_units(nb))
        nbformat.write(translate(nb, domain, lang, strings), path)
    return left
