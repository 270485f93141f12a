"""The translatable text of a notebook, and the notebook with that text translated.

A notebook's text units are its markdown cells (whole, so a translator sees a
paragraph with its formulas) and, in its code cells, each block of comment
lines, each end-of-line comment, each docstring and each string literal the
cell shows (printed, or a plot's title, axis label or legend label; every
literal of an implicitly concatenated string is a unit). Graded and locked cells are
never units: their bytes (and nbgrader's checksums) stay those of the English
edition, so one gradebook grades both. Nor are nbgrader's solution and hidden
regions (instructor-only) or its markers.
"""
from __future__ import annotations

import ast
import inspect
import io
import re
import tokenize
from dataclasses import dataclass
from typing import Callable, Iterator

PROTECTED_REGION = re.compile(r"^[ \t]*### BEGIN (SOLUTION|HIDDEN TESTS)\b.*?^[ \t]*### END \1\b[^\n]*",
                              re.S | re.M)
# Comments that are code, not prose: nbgrader's markers and stub, linter pragmas.
UNTRANSLATED_COMMENT = re.compile(r"^(#+ *(BEGIN|END) (SOLUTION|HIDDEN TESTS)|# *YOUR CODE HERE|# *noqa|# *type:)")
MAGIC_LINE = re.compile(r"^[ \t]*[%!].*$", re.M)
# Calls whose string arguments a student reads, and keyword arguments that are labels.
DISPLAY_CALLS = {"print", "title", "suptitle", "set_title", "xlabel", "ylabel", "set_xlabel", "set_ylabel", "text"}
DISPLAY_KEYWORDS = {"label", "title"}
STRING_LITERAL = re.compile(r"^([A-Za-z]*)(\'\'\'|\"\"\"|\'|\")(.*)\2$", re.S)


@dataclass(frozen=True)
class TextUnit:
    """A piece of English prose in a cell: ``msgid``, where it is, and how a translation replaces it."""

    cell_index: int
    cell_id: str
    kind: str  # "markdown", "comment", "docstring" or "string"
    msgid: str
    start: int  # character span in the cell's source
    end: int
    render: Callable[[str], str]

    @property
    def cell_number(self) -> int:
        """1 for the first cell, as a reader counts."""
        return self.cell_index + 1


def translatable(cell) -> bool:
    """A cell whose text may differ between editions: neither graded nor locked."""
    meta = cell.metadata.get("nbgrader", {})
    return not (meta.get("grade") or meta.get("locked") or meta.get("task"))


def text_units(nb) -> list[TextUnit]:
    """Every translatable unit of ``nb``, in reading order."""
    units = []
    for index, cell in enumerate(nb.cells):
        if not translatable(cell) or not cell.source.strip():
            continue
        cell_id = cell.get("id", str(index))
        if cell.cell_type == "markdown":
            units.append(TextUnit(index, cell_id, "markdown", cell.source, 0, len(cell.source), lambda t: t))
        elif cell.cell_type == "code":
            units += sorted(_code_units(index, cell_id, cell.source), key=lambda u: u.start)
    return units


def translate_notebook(nb, translate: Callable[[TextUnit], str | None]):
    """``nb`` with every unit that ``translate`` returns text for replaced (in place); returns ``nb``."""
    by_cell: dict[int, list[TextUnit]] = {}
    for unit in text_units(nb):
        by_cell.setdefault(unit.cell_index, []).append(unit)
    for index, units in by_cell.items():
        source = nb.cells[index].source
        for unit in reversed(units):  # from the end, so earlier spans keep their offsets
            text = translate(unit)
            if text is not None:
                source = source[:unit.start] + unit.render(text) + source[unit.end:]
        nb.cells[index].source = source
    return nb


def _code_units(index: int, cell_id: str, source: str) -> Iterator[TextUnit]:
    protected = [m.span() for m in PROTECTED_REGION.finditer(source)]

    def free(start: int, end: int) -> bool:
        return not any(a < end and start < b for a, b in protected)

    offsets = _line_offsets(source)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        tokens = []
    try:
        # IPython magics are not Python: blank them (same length) so ast keeps every offset.
        tree = ast.parse(MAGIC_LINE.sub(lambda m: " " * len(m.group()), source))
    except SyntaxError:
        tree = None
    units = list(_comment_units(index, cell_id, tokens, offsets))
    if tree is not None:
        units += _docstring_units(index, cell_id, source, tree, offsets)
        units += _string_units(index, cell_id, tokens, tree, offsets)
    yield from (u for u in units if free(u.start, u.end))


def _line_offsets(source: str) -> list[int]:
    offsets, total = [0], 0
    for line in source.splitlines(keepends=True):
        total += len(line)
        offsets.append(total)
    return offsets


def _comment_units(index, cell_id, tokens, offsets) -> Iterator[TextUnit]:
    tokens = [t for t in tokens if t.type == tokenize.COMMENT]
    block: list[tokenize.TokenInfo] = []
    for tok in tokens + [None]:
        own_line = tok is not None and not tok.line[:tok.start[1]].strip()
        if block and (tok is None or not own_line or tok.start[0] != block[-1].start[0] + 1
                      or tok.start[1] != block[0].start[1]):
            yield _comment_block(index, cell_id, block, offsets)
            block = []
        if tok is None or UNTRANSLATED_COMMENT.match(tok.string) or not re.search(r"[A-Za-z]{2}", tok.string):
            continue
        if own_line:
            block.append(tok)
        else:
            yield _comment_block(index, cell_id, [tok], offsets, inline=True)


def _comment_block(index, cell_id, block, offsets, inline=False) -> TextUnit:
    """One unit for consecutive whole-line comments (a sentence often spans them), or an end-of-line one."""
    indent = " " * block[0].start[1]
    msgid = "\n".join(re.sub(r"^# ?", "", t.string) for t in block)
    start = offsets[block[0].start[0] - 1] + block[0].start[1]
    end = offsets[block[-1].end[0] - 1] + block[-1].end[1]
    if inline:
        return TextUnit(index, cell_id, "comment", msgid, start, end, lambda text: "# " + " ".join(text.split("\n")))
    return TextUnit(index, cell_id, "comment", msgid, start, end,
                    lambda text: ("\n" + indent).join("# " + line if line else "#" for line in text.split("\n")))


def _docstring_units(index, cell_id, source, tree, offsets) -> Iterator[TextUnit]:
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        doc = node.body[0] if node.body else None
        if not (isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str)):
            continue
        start = offsets[doc.lineno - 1] + doc.col_offset
        end = offsets[doc.end_lineno - 1] + doc.end_col_offset
        literal = source[start:end]
        quote = next(q for q in ('"""', "'''", '"', "'") if literal.rstrip(q) != literal and q in literal)
        prefix = literal[:literal.index(quote)]
        closing_on_own_line = bool(re.search(r"\n[ \t]*" + re.escape(quote) + r"$", literal))
        yield TextUnit(index, cell_id, "docstring", inspect.cleandoc(doc.value.value), start, end,
                       _docstring_renderer(prefix, quote, " " * doc.col_offset, closing_on_own_line))


def _string_units(index, cell_id, tokens, tree, offsets) -> Iterator[TextUnit]:
    """Each string literal token inside a displayed argument (see DISPLAY_CALLS) with some prose in it."""
    def span(node) -> tuple[int, int]:
        return offsets[node.lineno - 1] + node.col_offset, offsets[node.end_lineno - 1] + node.end_col_offset

    shown = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            args = (list(node.args) if func in DISPLAY_CALLS else []) + [
                k.value for k in node.keywords if k.arg in DISPLAY_KEYWORDS]
            shown += [span(a) for a in args if isinstance(a, ast.JoinedStr)
                      or (isinstance(a, ast.Constant) and isinstance(a.value, str))]
    for tok in tokens:
        if tok.type != tokenize.STRING:
            continue
        start = offsets[tok.start[0] - 1] + tok.start[1]
        end = offsets[tok.end[0] - 1] + tok.end[1]
        literal = STRING_LITERAL.match(tok.string)
        prose = literal and re.search(r"[A-Za-z]{2}", re.sub(r"\{[^{}]*\}", "", literal[3]))  # not just fields
        if prose and any(a <= start and end <= b for a, b in shown):
            prefix, quote = literal[1], literal[2]
            yield TextUnit(index, cell_id, "string", literal[3], start, end,
                           lambda text, prefix=prefix, quote=quote: f"{prefix}{quote}{text}{quote}")


def _docstring_renderer(prefix: str, quote: str, indent: str, closing_on_own_line: bool) -> Callable[[str], str]:
    def render(text: str) -> str:
        lines = text.split("\n")
        body = "\n".join([lines[0]] + [indent + line if line else "" for line in lines[1:]])
        if len(lines) > 1 and closing_on_own_line:
            body += "\n" + indent
        q = quote if len(lines) == 1 or len(quote) == 3 else '"""'
        return f"{prefix}{q}{body}{q}"
    return render
