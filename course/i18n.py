"""The language the course speaks: English, or Simplified Chinese (zh_CN).

The Chinese notebooks call ``set_language("zh_CN")`` in their first code cell;
the environment variable ``COURSE_LANG`` overrides that choice for both
editions. Every message the package prints or raises goes through ``_`` (or
``ngettext``), looked up in the compiled gettext catalog
``course/locale/<lang>/LC_MESSAGES/course.mo`` when the message is made, so a
change of language takes effect at once. A message without a translation stays
English.
"""
from __future__ import annotations

import gettext
import os
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "course"
ENGLISH = "en"
LANGUAGES = (ENGLISH, "zh_CN")

_chosen = ENGLISH


def set_language(lang: str) -> None:
    """The notebook's language (``"en"`` or ``"zh_CN"``); ``COURSE_LANG`` still wins."""
    global _chosen
    if lang not in LANGUAGES:
        raise ValueError(f"unknown course language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    _chosen = lang


def language() -> str:
    """``COURSE_LANG`` when set to a known language, else the notebook's choice, else English."""
    forced = os.environ.get("COURSE_LANG", "")
    return forced if forced in LANGUAGES else _chosen


@lru_cache(maxsize=None)
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == ENGLISH:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` in the course's current language."""
    return _translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for the count ``n``, in the current language."""
    return _translations(language()).ngettext(singular, plural, n)
