"""The message catalogue: every text and button label a person sees, per language.

Texts live in `conversations/messages/<language>.toml`; code only names their keys. Dates and
times (`Moment` parameters) are written with Babel in the language's own way: a clock time
on the language's own 12-hour or 24-hour clock, with the part of the day only on a 12-hour
one ("1:30 in the afternoon", "13:30"), never both ("13:30 de la tarde").
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time

from conversations.languages import Language
from conversations.model import Choice, Moment, Param, PartsOf, Text
from conversations.sms_segments import segments

__all__ = ["MESSAGES", "Catalogue", "LanguageInfo"]

MESSAGES = Path(__file__).with_name("messages")
BASE_LANGUAGE = "en"


@dataclass(frozen=True)
class LanguageInfo:
    code: str
    own_name: str
    reviewed: bool
    speech: str
    speech_tld: str
    locale: str = "en_GB"
    """Babel's locale for dates and times: "pt_PT", not Brazil's "pt"."""
    clock: str = ""
    """Babel pattern for a time: "h:mm B" gives "1:30 in the afternoon" (a 12-hour clock
    carries the part of the day); empty means the locale's own, such as "13:30"."""
    clock_on_the_hour: str = ""
    """Pattern for a time on the hour ("h B" for "10 in the morning"); empty means `clock`."""
    phone_voice: str = ""
    """The telephone provider's voice for this language, when no recording can be played."""
    order: int = 100
    """Where the language comes when people choose one: the most spoken first."""
    names: tuple[str, ...] = ()
    """Other names people may type for it, besides those Babel knows."""


class Catalogue:
    """Looks up texts by key; a key missing in a language falls back to English."""

    def __init__(
        self,
        texts: Mapping[str, Mapping[str, str]],
        words: Mapping[str, Mapping[str, Sequence[str]]],
        info: Mapping[str, LanguageInfo],
    ) -> None:
        self._texts = texts
        self._words = words
        self.info = info

    @classmethod
    def load(cls, folder: Path = MESSAGES) -> Catalogue:
        texts: dict[str, dict[str, str]] = {}
        words: dict[str, dict[str, list[str]]] = {}
        info: dict[str, LanguageInfo] = {}
        for path in sorted(folder.glob("*.toml")):
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            code = path.stem
            meta = data["meta"]
            info[code] = LanguageInfo(
                code,
                meta["own_name"],
                bool(meta.get("reviewed", False)),
                meta.get("speech", code),
                meta.get("speech_tld", "com"),
                meta.get("locale", code),
                meta.get("clock", ""),
                meta.get("clock_on_the_hour", ""),
                meta.get("phone_voice", ""),
                int(meta.get("order", 100)),
                tuple(meta.get("names", ())),
            )
            texts[code] = dict(data["text"])
            words[code] = {name: list(values) for name, values in data["words"].items()}
        return cls(texts, words, info)

    @property
    def languages(self) -> list[str]:
        return list(self._texts)

    def has(self, key: str) -> bool:
        return key in self._texts[BASE_LANGUAGE]

    def keys(self, language: str = BASE_LANGUAGE) -> set[str]:
        return set(self._texts[language])

    def template(self, language: str, key: str) -> str:
        own = self._texts.get(language, {})
        if key in own:
            return own[key]
        return self._texts[BASE_LANGUAGE][key]

    def render(self, language: str, message: Text) -> str:
        return self.template(language, message.key).format_map(_Values(self, language, message))

    def written(self, language: str, value: Param) -> str:
        """A parameter as the language writes it."""
        if isinstance(value, str):
            return value
        if isinstance(value, Text):
            return self.render(language, value)
        if isinstance(value, Moment):
            return self.moment(language, value)
        if isinstance(value, PartsOf):
            return str(segments(self.render(language, value.text)))
        items = [item if isinstance(item, str) else self.render(language, item) for item in value]
        if len(items) <= 1:
            return "".join(items)
        joiner = self.template(language, "common.and")
        return f"{', '.join(items[:-1])} {joiner} {items[-1]}"

    def moment(self, language: str, moment: Moment) -> str:
        """A weekday, a date (day and month, or with the year too) or a clock time, as the
        language writes it."""
        info = self.info.get(language) or self.info[BASE_LANGUAGE]
        at = moment.at.replace(tzinfo=None)  # already the club's local time
        if moment.form == "clock":
            pattern = info.clock_on_the_hour if at.minute == 0 else ""
            return _written(info.locale, "clock", at, pattern or info.clock or "short")
        return _written(info.locale, moment.form, at, "")

    def language_list(self) -> tuple[Language, ...]:
        """The club's languages, most spoken first, each with the names people may type."""
        ordered = sorted(self.info.values(), key=lambda info: (info.order, info.code))
        locales = [Locale.parse(info.locale) for info in ordered]
        found = []
        for info in ordered:
            here = Locale.parse(info.locale)
            names = {here.get_language_name(other) or "" for other in locales}
            names |= {here.get_language_name(Locale("en")) or "", *info.names}
            word = tuple(self._words[info.code].get("language", ()))
            found.append(Language(info.code, info.own_name, tuple(sorted(names - {""})), word))
        return tuple(found)

    def label(self, language: str, choice: Choice) -> str:
        return self.render(language, choice.label)

    def vocabulary(self, language: str) -> Mapping[str, Sequence[str]]:
        """The language's own words, then English's, less English words that mean
        something else in this language ("no" is "in the" in Portuguese, "yeah" in Polish)."""
        own = self._words.get(language, {})
        base = self._words[BASE_LANGUAGE]
        false_friends = set(own.get("false_friends", []))
        return {
            name: [*own.get(name, []), *(w for w in base[name] if w not in false_friends)]
            for name in base
        }

    @staticmethod
    def placeholders(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@lru_cache(maxsize=4096)
def _written(locale: str, form: str, at: datetime, pattern: str) -> str:
    """Babel's writing of a moment, remembered: a reminder run writes the same few dates
    and times for every person, and Babel takes a third of a millisecond each time."""
    if form == "weekday":
        return format_date(at, "EEEE", locale=locale)
    if form == "date":
        return format_skeleton("MMMMd", at, locale=locale)
    if form == "date_and_year":
        return format_skeleton("yMMMMd", at, locale=locale)
    if form == "clock":
        return format_time(at, pattern, locale=locale)
    raise ValueError(f"no way to write a moment as {form!r}")


class _Values(dict[str, str]):
    """A text's parameters, each written only if its template asks for it: the texts of
    one message often share a dict of parameters (a reminder's weekday, date and time),
    and writing a date costs more than the rest of a text."""

    def __init__(self, catalogue: Catalogue, language: str, message: Text) -> None:
        super().__init__()
        self._catalogue = catalogue
        self._language = language
        self._params = message.params

    def __missing__(self, name: str) -> str:
        value = self._catalogue.written(self._language, self._params[name])
        self[name] = value
        return value
