"""What each language lacks against English: missing keys, extra keys, placeholder mismatches.

    python -m tests.catalogue_gaps        # every language; exit 1 when anything is amiss
    python -m tests.catalogue_gaps pt     # one language

English gains keys as the club grows; run this to see what a translation still needs.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from conversations.catalogue import MESSAGES, Catalogue

__all__ = ["Gaps", "gaps", "main"]


@dataclass
class Gaps:
    language: str
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    placeholders: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)
    """key -> (English's placeholders, this language's)."""

    @property
    def none(self) -> bool:
        return not (self.missing or self.extra or self.placeholders)


def _texts(folder: Path, language: str) -> dict[str, str]:
    data = tomllib.loads((folder / f"{language}.toml").read_text(encoding="utf-8"))
    return dict(data["text"])


def gaps(language: str, folder: Path = MESSAGES) -> Gaps:
    english, other = _texts(folder, "en"), _texts(folder, language)
    found = Gaps(language, sorted(set(english) - set(other)), sorted(set(other) - set(english)))
    for key in sorted(set(english) & set(other)):
        want, have = Catalogue.placeholders(english[key]), Catalogue.placeholders(other[key])
        if want != have:
            found.placeholders[key] = (want, have)
    return found


def main(argv: list[str]) -> int:
    languages = argv or sorted(p.stem for p in MESSAGES.glob("*.toml") if p.stem != "en")
    amiss = False
    for language in languages:
        found = gaps(language)
        if found.none:
            print(f"{language}: complete")
            continue
        amiss = True
        for key in found.missing:
            print(f"{language}: missing {key}")
        for key in found.extra:
            print(f"{language}: not in English {key}")
        for key, (want, have) in found.placeholders.items():
            print(f"{language}: {key} has {sorted(have)}, English has {sorted(want)}")
    return 1 if amiss else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
