"""The message catalogue: every text and button label a person sees, per language.

Texts live in `config/messages/<language>.toml`; code only names their keys.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from conversations.model import Choice, Param, Text

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
        values = {name: self._value(language, value) for name, value in message.params.items()}
        return self.template(language, message.key).format_map(values)

    def _value(self, language: str, value: Param) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, Text):
            return self.render(language, value)
        items = [self.render(language, item) for item in value]
        if len(items) <= 1:
            return "".join(items)
        joiner = self.template(language, "common.and")
        return f"{', '.join(items[:-1])} {joiner} {items[-1]}"

    def label(self, language: str, choice: Choice) -> str:
        return self.render(language, choice.label)

    def vocabulary(self, language: str) -> Mapping[str, Sequence[str]]:
        own = self._words.get(language, {})
        base = self._words[BASE_LANGUAGE]
        return {name: [*own.get(name, []), *base[name]] for name in base}

    @staticmethod
    def placeholders(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}
