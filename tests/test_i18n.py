"""The Simplified Chinese edition (issue 11): complete catalogs, a release in
sync with them, graded cells identical in both editions, messages that follow
the notebook's language, the glossary's terms, the Chinese instructor
notebooks under nbval and a mixed class graded alike."""
from __future__ import annotations

import ast
import csv
import io
import re
import subprocess
import sys

import nbformat
import pytest
from babel.messages.mofile import write_mo

import real_course
from autograder import catalogs
from autograder.edition import LANGUAGE_LINE, notebook_language, release_dir, translate, write_edition
from autograder.notebook_text import MAGIC_LINE, text_units, translate_notebook
from course import i18n
from notebooks import RELEASE, ROOT, SOURCE, assignments, notebook_path, read

LANG = "zh_CN"
ASSIGNMENTS = assignments()
RELEASE_ZH = ROOT / release_dir(LANG)
GLOSSARY = catalogs.LOCALE / LANG / "glossary.tsv"
slow = pytest.mark.slow


# --- the catalogs --------------------------------------------------------------

@pytest.mark.parametrize("domain", catalogs.domains())
def test_every_english_text_has_a_finished_translation(domain):
    todo = catalogs.missing(domain, LANG)
    assert not todo, (f"{len(todo)} texts of {domain} have no finished translation; run `make i18n` and "
                      "translate them in " + str(catalogs.po_path(domain, LANG).relative_to(ROOT)) + ":\n"
                      + "\n".join(map(str, todo)))


def test_a_new_markdown_cell_is_named_as_untranslated(tmp_path):
    nb = read(notebook_path(SOURCE, ASSIGNMENTS[0]))
    nb.cells.insert(2, nbformat.v4.new_markdown_cell("## A brand new section\n\nNobody translated me."))
    (tmp_path / ASSIGNMENTS[0]).mkdir()
    nbformat.write(nb, notebook_path(tmp_path, ASSIGNMENTS[0]))
    template = catalogs.template(ASSIGNMENTS[0], source=tmp_path)
    done = catalogs.translations(ASSIGNMENTS[0], LANG)
    new = [m for m in template if m.id and m.id not in done]
    assert [m.id for m in new] == [nb.cells[2].source]
    assert new[0].locations == [(f"source/{ASSIGNMENTS[0]}/{ASSIGNMENTS[0]}.ipynb", 3)]


@pytest.mark.parametrize("domain", catalogs.domains())
def test_translations_keep_placeholders_formulas_and_code(domain):
    """Format fields, inline code and formulas of each msgid are in its translation, unchanged."""
    wrong = []
    for msgid, msgstr in catalogs.translations(domain, LANG).items():
        english, chinese = _kept(msgid), _kept(msgstr)
        if english != chinese:
            wrong.append(f"{msgid[:60]!r}: {sorted(english ^ chinese)[:4]}")
    assert not wrong, f"{domain}: translations that change placeholders, code or formulas:\n" + "\n".join(wrong)


def _kept(text: str) -> set[str]:
    """What a translation must keep: $$ blocks, then $formulas$, `code` and {fields} outside them."""
    blocks = re.findall(r"\$\$.+?\$\$", text, re.S)
    text = re.sub(r"\$\$.+?\$\$", " ", text, flags=re.S)
    inline = re.findall(r"\$[^$]+\$", text)
    text = re.sub(r"\$[^$]+\$", " ", text)
    code = re.findall(r"``[^`]+``|`[^`\n]+`", text)
    return set(blocks + inline + code + re.findall(r"\{[^{}\s]*\}", re.sub(r"``[^`]+``|`[^`\n]+`", " ", text)))


def test_compiled_course_catalog_is_in_sync():
    buf = io.BytesIO()
    write_mo(buf, catalogs.read(catalogs.COURSE_DOMAIN, LANG), use_fuzzy=False)
    assert catalogs.mo_path(LANG).read_bytes() == buf.getvalue(), \
        "course.mo is stale: run `python -m autograder release` (or make i18n) and commit it"


# --- the glossary ----------------------------------------------------------------

KEY_TERMS = {
    "backpropagation": "反向传播", "forward pass": "前向传播", "chain rule": "链式法则",
    "computational graph": "计算图", "numerical gradient": "数值梯度", "central difference": "中心差分",
    "affine layer": "仿射层", "batch normalization": "批量归一化", "dropout": "随机失活",
    "momentum": "动量", "regularization": "正则化", "learning rate": "学习率", "minibatch": "小批量",
    "overfit": "过拟合", "validation set": "验证集",
}


def glossary() -> list[dict]:
    with GLOSSARY.open(encoding="utf-8") as f:
        return list(csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"))


def test_glossary_fixes_the_key_terms():
    terms = {row["english"]: row["chinese"].split(" / ") for row in glossary()}
    wrong = {en: zh for en, zh in KEY_TERMS.items() if zh not in terms.get(en, [])}
    assert not wrong, f"{GLOSSARY.name} must translate {wrong}"
    avoided = {row["english"]: row["avoid"] for row in glossary()}
    assert "批归一化" in avoided["batch normalization"]


def _prose(text: str) -> str:
    """``text`` without inline code, formulas, identifiers and quoted keys (``dropout_forward`` and
    ``'momentum'`` are not the terms dropout and momentum)."""
    return re.sub(r"`[^`\n]*`|\$\$.+?\$\$|\$[^$\n]+\$|\b\w*_\w*\b|'\w+'|\"\w+\"", " ", text, flags=re.S)


def test_translations_use_the_glossary_terms():
    """A msgid that uses a glossary term gets one of its Chinese forms, never an avoided variant."""
    problems = []
    for domain in catalogs.domains():
        for msgid, msgstr in catalogs.translations(domain, LANG).items():
            for row in glossary():
                forms = row["chinese"].split(" / ")
                avoid = [a for a in row["avoid"].split(" / ") if a]
                if any(a in msgstr for a in avoid):
                    problems.append(f"{domain}: {msgid[:50]!r} uses {avoid} for {row['english']!r}")
                used = re.search(rf"\b{re.escape(row['english'])}", _prose(msgid), re.I)
                if used and not any(f in msgstr for f in forms):
                    problems.append(f"{domain}: {msgid[:50]!r} translates {row['english']!r} without {forms}")
    assert not problems, "\n".join(problems)


# --- the notebooks' text ---------------------------------------------------------

TOY = nbformat.v4.new_notebook(cells=[
    nbformat.v4.new_markdown_cell("# Title\n\nSome prose."),
    nbformat.v4.new_code_cell('%matplotlib inline\n# Two lines of\n# comment.\nx = 1  # inline\n'
                              'def f(a):\n    """Doc line.\n\n    More doc.\n    """\n    return a\n'
                              'print(f"loss {x:.2f}, "\n      "done", "x")\nplt.plot(x, label=\'the curve\')\n'
                              'y = "not shown"\n'),
    nbformat.v4.new_code_cell('def g():\n    """Stub doc."""\n    ### BEGIN SOLUTION\n    # secret comment\n'
                              '    return 1\n    ### END SOLUTION\n',
                              metadata={"nbgrader": {"solution": True, "grade": False, "grade_id": "g"}}),
    nbformat.v4.new_code_cell("# graded comment\nassert g() == 1\n",
                              metadata={"nbgrader": {"grade": True, "grade_id": "test_g", "locked": True}}),
])


def test_text_units_are_prose_outside_graded_cells_and_solutions():
    units = [(u.kind, u.msgid) for u in text_units(TOY)]
    assert units == [("markdown", "# Title\n\nSome prose."), ("comment", "Two lines of\ncomment."),
                     ("comment", "inline"), ("docstring", "Doc line.\n\nMore doc."),
                     ("string", "loss {x:.2f}, "), ("string", "done"), ("string", "the curve"),
                     ("docstring", "Stub doc.")]


def test_translated_code_keeps_its_code_and_layout():
    def fake(unit):
        upper = f"<{unit.msgid.upper()}>"
        return {"markdown": "# 标题", "string": upper}.get(unit.kind, upper + "\n第二行")

    nb = translate_notebook(nbformat.from_dict(TOY), fake)
    assert nb.cells[0].source == "# 标题"
    assert nb.cells[1].source == ('%matplotlib inline\n# <TWO LINES OF\n# COMMENT.>\n# 第二行\n'
                                  'x = 1  # <INLINE> 第二行\n'
                                  'def f(a):\n    """<DOC LINE.\n\n    MORE DOC.>\n    第二行\n    """\n'
                                  '    return a\nprint(f"<LOSS {X:.2F}, >"\n      "<DONE>", "x")\n'
                                  'plt.plot(x, label=\'<THE CURVE>\')\ny = "not shown"\n')
    assert nb.cells[2].source.startswith('def g():\n    """<STUB DOC.>\n    第二行"""\n    ### BEGIN SOLUTION\n'
                                         '    # secret comment\n')
    assert nb.cells[3].source == TOY.cells[3].source


@pytest.mark.parametrize("folder", [SOURCE, RELEASE], ids=["source", "release"])
def test_identity_translation_changes_no_byte(folder):
    for a in ASSIGNMENTS:
        nb = read(notebook_path(folder, a))
        assert translate_notebook(read(notebook_path(folder, a)), lambda u: u.msgid) == nb


# --- the Chinese release -----------------------------------------------------------

@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_chinese_release_is_in_sync_with_release_and_catalogs(assignment, tmp_path):
    write_edition(RELEASE / assignment, tmp_path / assignment, assignment, LANG)
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(RELEASE_ZH) for p in (RELEASE_ZH / assignment).rglob("*") if p.is_file())
    assert generated == committed, f"{RELEASE_ZH.name}/{assignment} has other files than release/"
    stale = [str(p) for p in generated if (tmp_path / p).read_bytes() != (RELEASE_ZH / p).read_bytes()]
    assert not stale, f"{stale} stale: run `python -m autograder release` and commit {RELEASE_ZH.name}/"


def _tracked(nb) -> list:
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells if c.metadata.get("nbgrader")
            and (c.metadata.nbgrader.get("grade") or c.metadata.nbgrader.get("locked"))]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_chinese_release_keeps_graded_cells_ids_and_checksums(assignment):
    english, chinese = read(notebook_path(RELEASE, assignment)), read(notebook_path(RELEASE_ZH, assignment))
    assert _tracked(chinese) == _tracked(english)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in english.cells]
    assert [c.metadata.get("nbgrader", {}).get("grade_id") for c in chinese.cells] == ids
    assert (notebook_language(english), notebook_language(chinese)) == ("en", LANG)
    first_code = next(c for c in chinese.cells if c.cell_type == "code")
    assert first_code.source.startswith(LANGUAGE_LINE.format(lang=LANG))
    for cell in chinese.cells:
        if cell.cell_type == "code":
            ast.parse(MAGIC_LINE.sub("", cell.source))  # the translated comments and docstrings still parse


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_chinese_release_speaks_chinese(assignment):
    """Every markdown cell a student reads (the graded ones excepted) is mostly Chinese."""
    english_only = [c.source[:60] for c in read(notebook_path(RELEASE_ZH, assignment)).cells
                    if c.cell_type == "markdown" and not c.metadata.get("nbgrader", {}).get("grade")
                    and not re.search(r"[\u4e00-\u9fff]", c.source)]
    assert not english_only, f"{assignment}: markdown cells without Chinese: {english_only}"


# --- messages follow the notebook ------------------------------------------------

def _any_course_translation() -> tuple[str, str]:
    return next(iter(catalogs.translations(catalogs.COURSE_DOMAIN, LANG).items()))


def test_course_messages_follow_the_notebook_language_and_course_lang(monkeypatch):
    msgid, msgstr = _any_course_translation()
    monkeypatch.delenv("COURSE_LANG", raising=False)
    monkeypatch.setattr(i18n, "_chosen", i18n.ENGLISH)
    assert i18n._(msgid) == msgid
    i18n.set_language(LANG)
    assert i18n._(msgid) == msgstr
    monkeypatch.setenv("COURSE_LANG", "en")
    assert i18n._(msgid) == msgid
    i18n.set_language("en")
    monkeypatch.setenv("COURSE_LANG", LANG)
    assert i18n._(msgid) == msgstr
    with pytest.raises(ValueError, match="unknown course language"):
        i18n.set_language("fr")


def test_the_language_line_of_a_chinese_notebook_sets_chinese(monkeypatch):
    msgid, msgstr = _any_course_translation()
    monkeypatch.delenv("COURSE_LANG", raising=False)
    monkeypatch.setattr(i18n, "_chosen", i18n.ENGLISH)
    exec(LANGUAGE_LINE.format(lang=LANG), {})  # noqa: S102 - the line the edition writes
    assert i18n._(msgid) == msgstr


def test_chinese_plot_labels_have_glyphs(monkeypatch):
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt

    monkeypatch.setattr(i18n, "_chosen", i18n.ENGLISH)
    with matplotlib.rc_context():
        i18n.set_language(LANG)
        fig, ax = plt.subplots()
        ax.set_title("反向传播的计算量")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
            fig.canvas.draw()
        plt.close(fig)


# --- running and grading the Chinese edition ---------------------------------------

@pytest.fixture(scope="module")
def chinese_source(tmp_path_factory):
    """source/ in Chinese: every assignment side by side (later notebooks load earlier ones)."""
    root = tmp_path_factory.mktemp("source_zh_CN")
    for a in ASSIGNMENTS:
        write_edition(SOURCE / a, root / a, a, LANG)
    return root


@slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_chinese_instructor_notebook_passes_nbval(assignment, chinese_source):
    """The instructor notebook built from source/ and the catalogs runs like the English one."""
    nb = read(notebook_path(chinese_source, assignment))
    assert nb == translate(read(notebook_path(SOURCE, assignment)), assignment, LANG)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                          "--nbval-lax", "--nbval-current-env", "--rootdir", str(chinese_source),
                          str(notebook_path(chinese_source, assignment))],
                         cwd=chinese_source, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]


@slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_chinese_twins_get_the_english_grades_in_one_run(assignment):
    _, results = real_course.graded_course()
    scores = {r.student: (r.outcome, r.scores.get(assignment)) for r in results if r.assignment == assignment}
    for twin, student in real_course.CHINESE_TWINS.items():
        assert scores[twin] == scores[student], f"{assignment}: {twin} {scores[twin]} != {student} {scores[student]}"


# What the course's checks and the grader raise (course.checks.common, autograder.verdicts).
COURSE_ERRORS = {"AssertionError", "CheckFailed", "NotWrittenYet", "HiddenTestFailed"}


@slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_chinese_submission_is_graded_with_chinese_messages(assignment):
    """The graded notebook of the Chinese twin with a mistake explains it in Chinese: the visible
    check in its kernel and the hidden verdict the grader appends (course.i18n.speaking). Errors
    that numpy or Python raise in the student's own code keep their own words."""
    course, _results = real_course.graded_course()
    nb = read(course.path("autograded", "zh_s02_mistakes", assignment, f"{assignment}.ipynb"))
    errors = [f"{out.ename}: {out.evalue}" for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade")
              for out in cell.get("outputs", []) if out.output_type == "error" and out.ename in COURSE_ERRORS]
    assert errors, f"{assignment}: the mistake failed no grade cell"
    english = [e for e in errors if not re.search(r"[\u4e00-\u9fff]", e)]
    assert not english, f"{assignment}: messages without Chinese: {english}"


def test_chinese_bundle_holds_the_chinese_edition_where_the_english_one_goes(tmp_path):
    import json
    import zipfile

    from autograder.bundle import bundle
    from autograder.course_dir import Course

    path = bundle(Course.open(ROOT), tmp_path, lang=LANG)
    assert path.name.startswith(f"backprop-from-scratch-student-{LANG}-")
    with zipfile.ZipFile(path) as archive:
        top = path.stem
        for a in ASSIGNMENTS:
            nb = json.loads(archive.read(f"{top}/release/{a}/{a}.ipynb"))
            assert nb["metadata"]["course"]["language"] == LANG
        assert archive.read(f"{top}/course/locale/{LANG}/LC_MESSAGES/course.mo") == catalogs.mo_path(LANG).read_bytes()
