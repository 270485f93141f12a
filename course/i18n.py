"""The language the course speaks: English, or Simplified Chinese (zh_CN).

The Chinese notebooks call ``set_language("zh_CN")`` in their first code cell;
the environment variable ``COURSE_LANG`` overrides that choice for both
editions. Every message the package prints or raises goes through ``_`` (or
``ngettext``; ``N_`` marks texts kept in tables), looked up in the compiled gettext catalog
``course/locale/<lang>/LC_MESSAGES/course.mo`` when the message is made, so a
change of language takes effect at once. A message without a translation stays
English.
"""
from __future__ import annotations

import gettext
import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "course"
ENGLISH = "en"
LANGUAGES = (ENGLISH, "zh_CN")

_chosen = ENGLISH
# Fonts with Chinese glyphs on Linux (fonts-wqy-microhei, Noto CJK), Windows and macOS.
CJK_FONTS = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC"]


def set_language(lang: str) -> None:
    """The notebook's language (``"en"`` or ``"zh_CN"``); ``COURSE_LANG`` still wins."""
    global _chosen
    if lang not in LANGUAGES:
        raise ValueError(f"unknown course language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    _chosen = lang
    if lang != ENGLISH:
        _use_fonts_for_chinese()


def _use_fonts_for_chinese() -> None:
    """Plots of a Chinese notebook have Chinese labels: matplotlib falls back, glyph by glyph, from
    its default font to the first installed CJK font (fallback only follows ``font.family``)."""
    import matplotlib
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    families = list(matplotlib.rcParams["font.family"])
    matplotlib.rcParams["font.family"] = families + [f for f in CJK_FONTS if f in installed and f not in families]


def language() -> str:
    """``COURSE_LANG`` when set to a known language, else the notebook's choice, else English."""
    forced = os.environ.get("COURSE_LANG", "")
    return forced if forced in LANGUAGES else _chosen


@contextmanager
def speaking(lang: str):
    """Messages made inside the block are in ``lang`` (``COURSE_LANG`` still wins): the grader judges
    each notebook in the notebook's language."""
    global _chosen
    before, _chosen = _chosen, lang if lang in LANGUAGES else ENGLISH
    try:
        yield
    finally:
        _chosen = before


@lru_cache(maxsize=None)
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == ENGLISH:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` in the course's current language."""
    return _translations(language()).gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it: for texts kept in tables (hints,
    causes) and translated with ``_`` where they are shown, in the language of that moment."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for the count ``n``, in the current language."""
    return _translations(language()).ngettext(singular, plural, n)
