"""Field-label vocabulary: which wording means which field in which section (loaded from fields.toml).

Everything slow (normalising synonyms, compiling the section-phrase regex) happens once, in
``load_vocabulary``; ``FieldVocabulary.classify`` then costs a dict lookup for every label seen before.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process

from mailbot.errors import ConfigError

if TYPE_CHECKING:
    from mailbot.extract.learned import LearnedForm

#: Words that carry no meaning in a label: "What is the name of the child?" is "child name".
FILLERS = frozenset(
    [
        "the",
        "of",
        "a",
        "an",
        "is",
        "are",
        "what",
        "whats",
        "please",
        "give",
        "enter",
        "state",
        "provide",
        "details",
        "detail",
        "s",
        "his",
        "her",
        "their",
        "your",
        "any",
        "if",
        "known",
        "applicable",
        "this",
        "to",
        "for",
        "in",
        "on",
        "which",
        "who",
        "was",
        "were",
        "has",
        "have",
        "been",
        "be",
        "tick",
        "box",
        "as",
        "appropriate",
        "include",
        "including",
        "inc",
        "etc",
        "e",
        "g",
        "eg",
        "here",
        "below",
        "above",
        "following",
    ]
)

_APOSTROPHE_FORMS = re.compile(
    r"\b(child|children|young person|parent|carer|professional|worker)(?:'s|s'|'|s)(?=\W|$)"
)
_CHILD_REN = re.compile(r"child\s*\(\s*ren\s*\)|child/ren|childs?\b|children(?:'s)?", re.IGNORECASE)
_DOB = re.compile(r"d\.?\s?o\.?\s?b\.?(?![a-z])", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_LETTERS = re.compile(r"[a-z]+")
_CONSENT_WORD = re.compile(r"(?<![a-z])(?:consent|consents|consented|signed|agree|agrees|agreed)(?![a-z])")


#: A word in capitals (initials): "WPEHS", "CAMHS".
_ACRONYM = re.compile(r"\b[A-Z]{3,7}\b")
#: Two words offered as alternatives: "LCS / Mosaic", "Name/Alias".
_ALTERNATIVE = re.compile(r"\b([A-Za-z][\w'’]*)\s*/\s*([A-Za-z][\w'’]*)\b")

#: A form's own numbering before a heading: "Section 3:", "Part 2 -", "Step 4.".
_SECTION_NUMBER = re.compile(r"^\s*(?:section|part|step|stage)\s+\d{1,2}[a-z]?\s*[:.)\-–—]\s*", re.IGNORECASE)


def normalise_label(text: str) -> str:
    """Lower-case words of a label with punctuation, possessives and identifier styles flattened."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ")
    text = _DOB.sub(" dob ", text)
    if " " not in text.strip():
        text = _CAMEL.sub(" ", text)  # ChildName, child_dob_1, LPEmail: identifiers from PDF forms
    text = text.replace("_", " ").lower()  # "Childs_date_of_birth": words, so possessives flatten
    text = _CHILD_REN.sub("child", text)
    text = _APOSTROPHE_FORMS.sub(r"\1", text)
    text = text.replace("'", "").replace(".", "")
    return _NON_WORD.sub(" ", text).strip()


def label_key(text: str) -> tuple[str, int | None]:
    """The lookup key of a label (normalised, fillers and numbers removed) and its group number, if any."""
    group: int | None = None
    words: list[str] = []
    for word in normalise_label(text).split():
        if word.isdigit() and len(word) <= 2:
            if group is None:
                group = int(word)
            continue
        if word not in FILLERS:
            words.append(word)
    return " ".join(words), group


#: A strict heading is a section phrase and a few heading words; anything longer is running text.
_MAX_HEADING_SPACES = 24


@dataclass(frozen=True)
class LabelMatch:
    """What a label means: ``field`` within ``section`` (``field`` None: a known but unwanted label)."""

    section: str
    field: str | None
    group: int | None = None
    confidence: float = 0.9


DOCUMENT_SECTION = "document"


@dataclass
class FieldVocabulary:
    """Label and section synonyms, precompiled. Build it with ``load_vocabulary``."""

    section_phrases: dict[str, str]
    ignored_sections: frozenset[str]
    fields: dict[str, dict[str, str]]
    relationships: dict[str, frozenset[str]]
    kinds: tuple[tuple[str, re.Pattern[str]], ...]
    placeholders: frozenset[str]
    #: words that never change what a label asks for ("current URN", "LP (if identified)").
    neutral: frozenset[str] = frozenset()
    #: words that make a label ask for something else ("previous URN", "next review date").
    unwanted: frozenset[str] = frozenset()
    #: forms an administrator taught mailbot (``mailbot forms learn``), read from their learned places.
    learned_forms: tuple[LearnedForm, ...] = ()
    _section_pattern: re.Pattern[str] = field(init=False, repr=False)
    _prefixes: dict[str, dict[str, str]] = field(init=False, repr=False)
    _cache: dict[tuple[str, str | None], LabelMatch | None] = field(init=False, repr=False)
    _section_cache: dict[str, tuple[str | None, str]] = field(init=False, repr=False)
    _qualified: dict[str, tuple[str, str]] = field(init=False, repr=False)
    _raw_cache: dict[tuple[str, str | None], LabelMatch | None] = field(init=False, repr=False)
    _placeholder_cache: dict[str, bool] = field(init=False, repr=False)
    _heading_cache: dict[tuple[str, bool], tuple[str, int | None] | None] = field(init=False, repr=False)
    _heading_vocabulary: frozenset[str] = field(init=False, repr=False)
    _words: tuple[str, ...] = field(init=False, repr=False)
    _spelling: dict[str, str | None] = field(init=False, repr=False)
    _specific: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        phrases = sorted(self.section_phrases, key=len, reverse=True)
        self._section_pattern = re.compile(
            r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, phrases)) + r")(?![a-z0-9])"
        )
        self._prefixes = {
            section: {k: f for k, f in mapping.items() if " " in k}
            for section, mapping in self.fields.items()
        }
        words = {word for phrase in self.section_phrases for word in phrase.split()}
        self._heading_vocabulary = frozenset(
            words
            | {word + "s" for word in words}
            | _HEADING_WORDS
            | FILLERS
            | set("abcdefghijklmnopqrstuvwxyz")
            | {"children", "childs", "ren", "and"}
        )
        known = {w for mapping in self.fields.values() for key in mapping for w in key.split()}
        self._words = tuple(sorted(known | words))
        owners: dict[str, set[tuple[str, str]]] = {}
        for section, mapping in self.fields.items():
            for key, name in mapping.items():
                if key and " " not in key:
                    owners.setdefault(key, set()).add(("child" if section == "household" else section, name))
        self._specific = frozenset(word for word, owner in owners.items() if len(owner) == 1)
        self._spelling = {}
        self._cache = {}
        self._section_cache = {}
        self._raw_cache = {}
        self._placeholder_cache = {}
        self._heading_cache = {}
        # Synonyms that carry their own section's word ("parent carer consent" names consent even
        # though "parent carer" is longer) are recognised in any section.
        self._qualified = {}
        for section, mapping in self.fields.items():
            own = {p for p, s in self.section_phrases.items() if s == section}
            for key, name in mapping.items():
                if key and any(re.search(rf"(?<![a-z0-9]){re.escape(p)}(?![a-z0-9])", key) for p in own):
                    self._qualified.setdefault(key, (section, name))

    def find_section(self, key: str) -> tuple[str | None, str]:
        """The section named inside ``key`` (longest phrase) and the key with that phrase removed."""
        cached = self._section_cache.get(key)
        if cached is not None:
            return cached
        best: re.Match[str] | None = None
        for match in self._section_pattern.finditer(key):
            if best is None or len(match.group(0)) > len(best.group(0)):
                best = match
        if best is None:
            result: tuple[str | None, str] = (None, key)
        else:
            rest = (key[: best.start()] + " " + key[best.end() :]).split()
            result = (self.section_phrases[best.group(0)], " ".join(rest))
        if len(self._section_cache) < 20000:
            self._section_cache[key] = result
        return result

    def heading_section(self, text: str, *, strict: bool) -> tuple[str, int | None] | None:
        """The section a heading (or a lone bold line, when ``strict``) opens, with its group number.

        ``strict`` demands that nothing but the section phrase and filler words remain, so an ordinary
        sentence mentioning "child" does not open a section.
        """
        if strict and text.count(" ") > _MAX_HEADING_SPACES:
            return None  # a sentence: no section phrase plus heading words runs this long
        if strict and " " in text.strip() and not self._heading_words_only(text):
            return None
        # "Section 1: Details of the child": a form's section number is no child's number.
        text = _SECTION_NUMBER.sub("", text, count=1)
        cache_key = (text, strict)
        if cache_key in self._heading_cache:
            return self._heading_cache[cache_key]
        result = self._heading_section(text, strict=strict)
        if len(self._heading_cache) < 50000:
            self._heading_cache[cache_key] = result
        return result

    def _heading_words_only(self, text: str) -> bool:
        """Cheap test before normalising: every word is one a strict heading may hold.

        Never False for a real heading: normalising only merges words ("child's" -> "child"), so a
        word outside section phrases, heading words and fillers stays in the label's remainder.
        """
        return all(word in self._heading_vocabulary for word in _LETTERS.findall(text.lower()))

    def _heading_section(self, text: str, *, strict: bool) -> tuple[str, int | None] | None:
        key, group = label_key(text)
        if not key or len(key) > 120:
            return None
        section, rest = self.find_section(key)
        if section is None:
            return None
        if strict and rest and not set(rest.split()) <= _HEADING_WORDS:
            return None
        return section, group

    def classify(self, label: str, section: str | None) -> LabelMatch | None:
        """What ``label`` means when read inside ``section`` (None when it is no label we know)."""
        raw_key = (label, section)
        if raw_key in self._raw_cache:
            return self._raw_cache[raw_key]
        result = self._classify(label, section)
        if result is None and "/" in label:
            result = self._alternatives(label, section)
        if result is None and _ACRONYM.search(label):
            result = self._service_named(label, section)
        if len(self._raw_cache) < 50000:
            self._raw_cache[raw_key] = result
        return result

    def _service_named(self, label: str, section: str | None) -> LabelMatch | None:
        """ "What are you asking WPEHS to do?": a service's initials we do not know stand for a service."""
        plain = _ACRONYM.sub(lambda m: m.group(0) if m.group(0).lower() in self._words else "service", label)
        if plain == label:
            return None
        found = self._classify(plain, section)
        if found is None or found.field is None:
            return None
        return LabelMatch(found.section, found.field, found.group, round(found.confidence * 0.9, 3))

    def _alternatives(self, label: str, section: str | None) -> LabelMatch | None:
        """ "LCS / Mosaic ID" is "LCS ID" or "Mosaic ID": the one field both, or either alone, mean."""
        found = _ALTERNATIVE.search(label)
        if found is None:
            return None
        before, after = label[: found.start()], label[found.end() :]
        readings = {
            self._classify(f"{before}{word}{after}", section) for word in (found.group(1), found.group(2))
        } - {None}
        fields = {(m.section, m.field) for m in readings if m is not None}
        if len(fields) != 1:
            return None
        match = next(m for m in readings if m is not None)
        return LabelMatch(match.section, match.field, match.group, round(match.confidence * 0.9, 3))

    def _classify(self, label: str, section: str | None) -> LabelMatch | None:
        if not any(char.isalpha() for char in label):
            return None  # "24/7/11", "2928397": values, never labels
        key, group = label_key(label)
        cache_key = (key, section)
        if cache_key in self._cache:
            cached = self._cache[cache_key]
            if cached is None or group is None:
                return cached
            return LabelMatch(cached.section, cached.field, group, cached.confidence)
        result = self._classify_key(key, section)
        if len(self._cache) < 50000:
            self._cache[cache_key] = result
        if result is not None and group is not None:
            return LabelMatch(result.section, result.field, group, result.confidence)
        return result

    def _classify_key(self, key: str, section: str | None) -> LabelMatch | None:
        """The label's field by its wording, else by its meaning (see ``_meaning``)."""
        found = self._classify_wording(key, section)
        if found is not None or not key:
            return found
        meaning = self._meaning(key)
        if not meaning or meaning == key:
            return None
        if " " not in meaning and meaning not in self._specific:
            return None  # "Date completed" is not any "Date": a bare word must name one field only
        found = self._classify_wording(meaning, section)
        if found is None or found.field is None:
            return found
        return LabelMatch(found.section, found.field, found.group, round(found.confidence * 0.9, 3))

    def _meaning(self, key: str) -> str | None:
        """The label said plainly: misspelt words put right, words that never change what a label asks
        for left out ("Current URN" is "URN"); None when a word makes it ask for something else
        ("Previous URN", "Next review date"), which no field's plain wording may then match."""
        words: list[str] = []
        for word in key.split():
            plain = self._spelt(word)
            if plain in self.unwanted:
                return None
            if plain not in self.neutral:
                words.append(plain)
        return " ".join(words)

    def _spelt(self, word: str) -> str:
        """``word`` as the vocabulary spells it when it is a near miss ("organisaton"), else itself."""
        if len(word) < 5 or word.isdigit():
            return word
        if word not in self._spelling:
            close = process.extractOne(word, self._words, scorer=fuzz.ratio, score_cutoff=88)
            self._spelling[word] = close[0] if close is not None else None
        return self._spelling[word] or word

    def _classify_wording(self, key: str, section: str | None) -> LabelMatch | None:
        if not key and section is None:
            return None
        document = self.fields[DOCUMENT_SECTION]
        if key and key in document:
            return LabelMatch(DOCUMENT_SECTION, document[key], None, 0.9)
        if section is not None and section not in self.ignored_sections:
            mapping = self.fields.get(section)
            if mapping is not None and key in mapping:
                return LabelMatch(section, mapping[key], None, 0.9)
        qualified = self._qualified.get(key)
        if qualified is not None:
            return LabelMatch(qualified[0], qualified[1], None, 0.95)
        named, rest = self.find_section(key)
        if named is not None:
            asked = self._lookup(DOCUMENT_SECTION, key)
            if asked is not None and asked[0] == "work_requested":
                # "What support would you like from the school nursing team?": a question asking for
                # work stays one, whoever it names.
                return LabelMatch(DOCUMENT_SECTION, asked[0], None, 0.7)
            if named not in self.ignored_sections and named != "consent" and _CONSENT_WORD.search(key):
                # "Has the family consented to this referral?": the family's consent, not a family member.
                found_consent = self._lookup("consent", key)
                if found_consent is not None and found_consent[0] == "given":
                    return LabelMatch("consent", "given", None, 0.8)
            if named in self.ignored_sections and _CONSENT_WORD.search(key) and "consent" in self.fields:
                # "Signed by (parent/carer)", "Parent/carer consents to sharing": consent, not a parent.
                return self._consent_label(key)
            if named in self.ignored_sections and section is not None and section in self.fields:
                found_here = self._lookup(section, key)
                if found_here is not None and not found_here[1]:
                    return LabelMatch(section, found_here[0], None, 0.75)
            if named in self.ignored_sections:
                # "Parent's name", "Social worker": a label for someone we do not want. A sentence that
                # merely mentions "school" is no label at all.
                if not rest or any(self._lookup(s, rest) for s in ("child", "lead_professional", "consent")):
                    return LabelMatch(named, None)
                return None
            found = self._lookup(named, rest)
            if rest and (found is None or not found[1]):
                # "Consent obtained from ...": the whole label's synonym beats a prefix of the rest.
                found = self._lookup(named, key) or found
            if found is not None:
                return LabelMatch(named, found[0], None, 0.95 if found[1] else 0.75)
            found_doc = self._lookup(DOCUMENT_SECTION, key)
            if found_doc is not None and not (
                named == "lead_professional" and found_doc[0] == "consent_given"
            ):
                # "I am happy to be the lead professional: ..." is the writer taking the lead, no consent.
                return LabelMatch(DOCUMENT_SECTION, found_doc[0], None, 0.7)
            return None
        if not key:
            return None
        found_doc = self._lookup(DOCUMENT_SECTION, key)
        if found_doc is not None:
            # Document labels mean the same wherever they appear, even in a parent's or social
            # worker's section ("Level of need on the Continuum of Need: Level 2").
            return LabelMatch(DOCUMENT_SECTION, found_doc[0], None, 0.7)
        if section is not None and section in self.ignored_sections:
            found_any = self._lookup(section if section in self.fields else "child", key)
            if found_any is None:
                found_any = self._lookup("lead_professional", key)
            return LabelMatch(section, None) if found_any is not None else None
        found_doc = self._lookup(DOCUMENT_SECTION, key)
        if found_doc is not None:
            return LabelMatch(DOCUMENT_SECTION, found_doc[0], None, 0.7)
        effective = section if section in self.fields else None
        if effective is not None:
            found = self._lookup(effective, key)
            if found is not None:
                return LabelMatch(effective, found[0], None, 0.9 if found[1] else 0.7)
            if effective != "child" and "child" in self.fields:
                # "Date of birth" beside a child's name on a consent form: only a child has one here.
                found = self._lookup("child", key)
                if found is not None and found[1] and found[0] in _CHILD_ONLY_FIELDS:
                    return LabelMatch("child", found[0], None, 0.7)
        if section is None:
            # No section yet: read child fields, marked weak so only whole child records are kept.
            found = self._lookup("child", key)
            if found is not None and found[0] != "blob":
                return LabelMatch("child", found[0], None, 0.55)
        return None

    def _consent_label(self, key: str) -> LabelMatch:
        found = self._lookup("consent", key)
        if found is not None:
            return LabelMatch("consent", found[0], None, 0.85)
        words = set(key.split())
        if words & {"name", "signed", "print", "by"}:
            return LabelMatch("consent", "signed_by", None, 0.8)
        if "signature" in words:
            return LabelMatch("consent", "signature", None, 0.8)
        if "date" in words:
            return LabelMatch("consent", "date", None, 0.8)
        return LabelMatch("consent", "given", None, 0.8)

    def _lookup(self, section: str, key: str) -> tuple[str, bool] | None:
        """Field for ``key`` in ``section``: exact (True) or by a multi-word synonym prefix (False)."""
        mapping = self.fields.get(section)
        if mapping is None:
            return None
        if key in mapping:
            return mapping[key], True
        # The longest multi-word synonym the key starts with (whole words): one dict lookup per word,
        # however many synonyms the council's vocabulary holds.
        prefixes = self._prefixes[section]
        words = key.split()
        for count in range(len(words) - 1, 1, -1):
            name = prefixes.get(" ".join(words[:count]))
            if name is not None:
                return name, False
        return None

    def kind_of(self, text: str) -> str | None:
        """The document kind a title or file name names, or None."""
        normalised = " ".join(normalise_label(text).split())
        best: tuple[int, int, str] | None = None
        for kind, pattern in self.kinds:
            match = next(
                (m for m in pattern.finditer(normalised) if not self._names_a_team(normalised, m)), None
            )
            if match is not None:
                # The phrase written first names the document: "Family Plan (CAF / TAF)" is a plan.
                rank = (match.start(), -len(match.group(0)), kind)
                if best is None or rank < best:
                    best = rank
        return best[2] if best is not None else None

    def _names_a_team(self, text: str, match: re.Match[str]) -> bool:
        """ "Preston Assessment Team 2", "CAF Database Team": the kind's words name a team, not a title.

        One word may stand between them, unless it names a kind itself ("Family Plan (CAF / Team ...").
        """
        following = text[match.end() :].split()[:2]
        if following[:1] and following[0] in _TEAM_WORDS:
            return True
        return (
            len(following) == 2
            and following[1] in _TEAM_WORDS
            and not any(pattern.fullmatch(following[0]) for _kind, pattern in self.kinds)
        )

    def is_placeholder(self, value: str) -> bool:
        """True for a blank form's prompt ("Click here to enter text.") or filler, not an answer."""
        known = self._placeholder_cache.get(value)
        if known is not None:
            return known
        key = normalise_label(value)
        result = not key or key in self.placeholders or not key.strip("x ")
        if len(self._placeholder_cache) < 50000:
            self._placeholder_cache[value] = result
        return result


#: "Preston Assessment Team", "Plan Review Service": a kind's word naming a team is no document's title.
_TEAM_WORDS = frozenset(
    ["team", "teams", "service", "services", "unit", "hub", "office", "manager", "officer"]
)

#: Child fields whose label means the child's wherever it appears outside a named person's section.
_CHILD_ONLY_FIELDS = frozenset(["date_of_birth", "lcs_id"])

_HEADING_WORDS = frozenset(
    [
        "details",
        "detail",
        "information",
        "info",
        "contact",
        "contacts",
        "section",
        "part",
        "data",
        "record",
        "records",
        "and",
        "identifying",
        "about",
        "profile",
        "summary",
        "personal",
        "new",
        "proposed",
        "identified",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "a",
        "b",
        "c",
        "d",
        "involved",
        "including",
        "with",
        "form",
        "sheet",
        "box",
    ]
)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        elif isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = list(merged[key]) + [v for v in value if v not in merged[key]]
        else:
            merged[key] = value
    return merged


def _phrases(values: Any, where: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError([f"fields.toml {where}: must be a list of strings"])
    return values


def vocabulary_from_mapping(raw: dict[str, Any]) -> FieldVocabulary:
    """Build the vocabulary from parsed TOML; raises ConfigError naming each malformed entry."""
    try:
        sections_raw = raw["sections"]
        fields_raw = raw["fields"]
    except KeyError as missing:
        raise ConfigError([f"fields.toml: missing table [{missing.args[0]}]"]) from None
    section_phrases: dict[str, str] = {}
    for section, values in sections_raw.items():
        for phrase in _phrases(values, f"[sections] {section}"):
            key, _group = label_key(phrase)
            if key:
                section_phrases.setdefault(key, section)
    fields: dict[str, dict[str, str]] = {}
    for section, mapping in fields_raw.items():
        fields[section] = {}
        for name, values in mapping.items():
            for phrase in _phrases(values, f"[fields.{section}] {name}"):
                fields[section].setdefault(label_key(phrase)[0], name)
    fields.setdefault(DOCUMENT_SECTION, {})
    ignored = frozenset(
        _phrases(raw.get("ignored_sections", {}).get("names", []), "[ignored_sections] names")
    )
    relationships = {
        name: frozenset(normalise_label(v) for v in _phrases(values, f"[relationships] {name}"))
        for name, values in raw.get("relationships", {}).items()
    }
    kinds: list[tuple[str, re.Pattern[str]]] = []
    for kind, values in raw.get("kinds", {}).items():
        if kind not in {"assessment", "plan", "taf_minutes", "consent", "other"}:
            raise ConfigError([f"fields.toml [kinds]: unknown document kind {kind!r}"])
        words = sorted(
            {normalise_label(v) for v in _phrases(values, f"[kinds] {kind}")}, key=len, reverse=True
        )
        kinds.append(
            (kind, re.compile(r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, words)) + r")(?![a-z0-9])"))
        )
    placeholders = frozenset(
        normalise_label(v)
        for v in _phrases(raw.get("placeholders", {}).get("values", []), "[placeholders] values")
    )
    qualifiers = raw.get("qualifiers", {})
    neutral = frozenset(
        w
        for v in _phrases(qualifiers.get("neutral", []), "[qualifiers] neutral")
        for w in label_key(v)[0].split()
    )
    unwanted = frozenset(
        w
        for v in _phrases(qualifiers.get("unwanted", []), "[qualifiers] unwanted")
        for w in label_key(v)[0].split()
    )
    return FieldVocabulary(
        section_phrases, ignored, fields, relationships, tuple(kinds), placeholders, neutral, unwanted
    )


def _read_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"{where}: {error}"]) from None


def load_vocabulary(path: Path | None = None, forms_dir: Path | None = None) -> FieldVocabulary:
    """Load the packaged default vocabulary, with the council's file at ``path`` merged over it, and the
    forms learned into ``forms_dir`` (``mailbot forms learn``).

    A council file's lists are added to the default ones (so it may hold only its own wording); with
    ``replace = true`` at its top it is used alone. Raises ConfigError for an unreadable or malformed file.
    """
    vocabulary = _load_wording(path)
    if forms_dir is not None:
        from mailbot.extract.learned import load_learned_forms  # learned.py reads labels with this module

        vocabulary.learned_forms = load_learned_forms(forms_dir)
    return vocabulary


def _load_wording(path: Path | None) -> FieldVocabulary:
    default_text = resources.files("mailbot.extract").joinpath("fields.toml").read_text(encoding="utf-8")
    raw = _read_toml(default_text, "mailbot/extract/fields.toml")
    if path is not None:
        try:
            council_text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError([f"{path}: cannot read ({error.strerror})"]) from None
        council = _read_toml(council_text, str(path))
        raw = council if council.pop("replace", False) else _merge(raw, council)
    return vocabulary_from_mapping(raw)
