"""The gettext catalogs of the translations, maintained with Babel.

- ``locale/<lang>/<assignment>.po``: one per assignment, the text units of its
  source notebook (markdown cells, comments, docstrings: autograder.notebook_text);
- ``locale/<lang>/course.po``: every message of the ``course`` package, extracted
  from its calls of ``_``/``N_``/``ngettext`` (course.i18n), and the verdicts the
  grader shows students (autograder/verdicts.py, custom judges); compiled to
  ``course/locale/<lang>/LC_MESSAGES/course.mo``, which ships with the package.

``update`` (``make i18n``) extracts the English text again, adds new msgids
untranslated, marks changed ones fuzzy (Babel carries the old translation
over as a draft) and drops removed ones; ``missing`` names every msgid without
a finished translation.
"""
from __future__ import annotations

import ast
import io
from dataclasses import dataclass
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.extract import extract, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from .course_dir import REPO_ROOT
from .notebook_text import text_units

LOCALE = REPO_ROOT / "locale"
COURSE_PACKAGE = REPO_ROOT / "course"
# Instructor-side modules whose messages students read (hidden verdicts), in the course's catalog.
STUDENT_FACING = ["autograder/verdicts.py", "autograder/answers.py", "autograder/assignments/*/hidden.py"]
COURSE_DOMAIN = "course"
TRANSLATED = ("zh_CN",)
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


@dataclass(frozen=True)
class Missing:
    """A msgid of ``domain`` with no finished translation: absent, empty or fuzzy."""

    domain: str
    msgid: str
    where: str
    state: str  # "untranslated" or "fuzzy (the English changed)"

    def __str__(self) -> str:
        first = self.msgid.strip().splitlines()[0][:70] if self.msgid.strip() else ""
        return f"{self.domain}: {self.where}: {self.state}: {first!r}"


def domains(source: Path = REPO_ROOT / "source") -> list[str]:
    """The course package's domain and one per assignment of ``source``."""
    return [COURSE_DOMAIN] + sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").exists())


def po_path(domain: str, lang: str) -> Path:
    return LOCALE / lang / f"{domain}.po"


def mo_path(lang: str) -> Path:
    return COURSE_PACKAGE / "locale" / lang / "LC_MESSAGES" / f"{COURSE_DOMAIN}.mo"


def template(domain: str, source: Path = REPO_ROOT / "source") -> Catalog:
    """The English msgids of ``domain``, freshly extracted, with where each comes from."""
    catalog = Catalog(project="backprop-from-scratch", domain=domain, charset="utf-8", fuzzy=False)
    if domain == COURSE_DOMAIN:
        for filename, lineno, message, comments, _context in extract_from_dir(
                str(COURSE_PACKAGE), keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)):
            catalog.add(message, locations=[(f"course/{filename}", lineno)], auto_comments=comments)
        for filename, lineno, summary in check_summaries():
            catalog.add(summary, locations=[(filename, lineno)], auto_comments=["the pass line of a visible check"])
        for path in sorted(p for pattern in STUDENT_FACING for p in REPO_ROOT.glob(pattern)):
            with path.open("rb") as f:
                for lineno, message, comments, _context in extract("python", f, KEYWORDS, ("TRANSLATORS:",)):
                    catalog.add(message, locations=[(str(path.relative_to(REPO_ROOT)), lineno)],
                                auto_comments=comments)
        return catalog
    path = source / domain / f"{domain}.ipynb"
    for unit in text_units(nbformat.read(path, as_version=4)):
        catalog.add(unit.msgid, locations=[(f"source/{domain}/{domain}.ipynb", unit.cell_number)],
                    auto_comments=[f"{unit.kind}, cell id {unit.cell_id}"])
    return catalog


def check_summaries() -> list[tuple[str, int, str]]:
    """(file, line, summary) of every visible check: the first docstring line its pass line shows
    (course.checks.common.summary_of), which no ``_()`` call marks."""
    found = []
    for path in sorted((COURSE_PACKAGE / "checks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            decorated = isinstance(node, ast.FunctionDef) and any(
                getattr(d, "id", getattr(d, "attr", None)) == "visible_check" for d in node.decorator_list)
            doc = ast.get_docstring(node) if decorated else None
            if doc and doc.strip().split("\n")[0].rstrip("."):
                found.append((str(path.relative_to(REPO_ROOT)), node.lineno, doc.strip().split("\n")[0].rstrip(".")))
    return found


def read(domain: str, lang: str) -> Catalog:
    path = po_path(domain, lang)
    if not path.exists():
        catalog = Catalog(locale=lang, domain=domain, charset="utf-8", project="backprop-from-scratch",
                          version="0.1.0", copyright_holder="the course's authors", fuzzy=False,
                          header_comment=f"# {domain}: the {lang} translation (make i18n keeps it up to date).")
        return catalog
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=domain)


def write(catalog: Catalog, path: Path) -> None:
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, omit_header=False, ignore_obsolete=True, include_previous=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != buf.getvalue():
        path.write_bytes(buf.getvalue())


def translations(domain: str, lang: str) -> dict[str, str]:
    """msgid -> msgstr for every finished (non-empty, non-fuzzy) translation of ``domain``."""
    return {m.id: m.string for m in read(domain, lang) if m.id and isinstance(m.id, str)
            and m.string and not m.fuzzy}


def missing(domain: str, lang: str) -> list[Missing]:
    """Every msgid of the current English text of ``domain`` without a finished translation."""
    catalog = read(domain, lang)
    out = []
    for message in template(domain):
        key = message.id
        if not key:  # the header
            continue
        done = catalog.get(key)
        where = ", ".join(f"{f}:{n}" if domain == COURSE_DOMAIN else f"{f} cell {n}" for f, n in message.locations)
        strings = done.string if done is not None else None
        empty = not strings or (isinstance(strings, tuple) and not all(strings))
        if done is None or empty:
            out.append(Missing(domain, _singular(key), where, "untranslated"))
        elif done.fuzzy:
            out.append(Missing(domain, _singular(key), where, "fuzzy (the English changed)"))
    return out


def _singular(msgid) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


def update(lang: str) -> dict[str, list[Missing]]:
    """Bring every catalog of ``lang`` up to the English text, compile the course's; returns what is left to do."""
    todo = {}
    for domain in domains():
        catalog = read(domain, lang)
        catalog.update(template(domain), update_header_comment=False, update_creation_date=False)
        write(catalog, po_path(domain, lang))
        todo[domain] = missing(domain, lang)
    compile_course(lang)
    return todo


def compile_course(lang: str) -> Path:
    """``course.po`` -> ``course.mo`` (finished translations only), rewritten only when it changes."""
    buf = io.BytesIO()
    write_mo(buf, read(COURSE_DOMAIN, lang), use_fuzzy=False)
    path = mo_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != buf.getvalue():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(buf.getvalue())
        tmp.replace(path)
    return path
