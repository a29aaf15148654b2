"""The shapes of the YAML files: the contract between operators and the code."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


LangCode = Annotated[str, Field(pattern=r"^[a-z]{2}$")]
RegionCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
NodeId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,29}$")]
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.]*$")]


# --- config.yaml -------------------------------------------------------------------------


class StateConfig(Strict):
    backend: Literal["memory", "sqlite", "redis"] = "memory"
    sqlite_path: str = "var/state.sqlite3"
    redis_url: str | None = None
    ttl_minutes: int = Field(30, ge=1, le=24 * 60)


class StatsConfig(Strict):
    enabled: bool = True
    sqlite_path: str = "var/stats.sqlite3"


class DirectoryConfig(Strict):
    stale_after_days: int = Field(365, ge=1)
    needs_review: Literal["hide", "caveat"] = "hide"
    max_lines_shown: int = Field(4, ge=1, le=10)
    findahelpline_url: str = "https://findahelpline.com"


class FloodConfig(Strict):
    max_messages: int = Field(20, ge=1)
    per_seconds: float = Field(10, gt=0)


class CrisisConfig(Strict):
    split_window_seconds: int = Field(120, ge=0, le=600)


class TelegramConfig(Strict):
    max_retries: int = Field(5, ge=0, le=20)
    concurrent_updates: int = Field(64, ge=1)


class Config(Strict):
    default_language: LangCode = "it"
    languages: list[LangCode] = Field(default_factory=lambda: ["it", "en"], min_length=1)
    default_region: RegionCode | None = None
    state: StateConfig = StateConfig()
    stats: StatsConfig = StatsConfig()
    directory: DirectoryConfig = DirectoryConfig()
    flood: FloodConfig = FloodConfig()
    crisis: CrisisConfig = CrisisConfig()
    telegram: TelegramConfig = TelegramConfig()

    @model_validator(mode="after")
    def _default_is_offered(self) -> Config:
        if self.default_language not in self.languages:
            raise ValueError(f"default_language '{self.default_language}' is not in languages")
        return self


# --- flows/*.yaml --------------------------------------------------------------------------

Audience = Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")]
TopicId = Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")]


class SetVars(Strict):
    """What pressing an option records about the conversation: the minimum, no free text."""

    audience: Audience | None = None
    topic: TopicId | None = None
    region: RegionCode | None = None


class Option(Strict):
    label: Key
    goto: NodeId
    set: SetVars = SetVars()
    when: SetVars | None = Field(
        None, description="Show this option only when the conversation matches these values."
    )


class Node(Strict):
    text: Key = Field(description="Message key of what the bot says on arriving here.")
    options: list[Option] = Field(default_factory=list)
    choose: Literal["region", "region_typed"] | None = Field(
        None,
        description="region: one button per covered country; region_typed: the user types a "
        "country name in any language.",
    )
    goto: NodeId | None = Field(None, description="Where a choice made with `choose` leads.")
    other: NodeId | None = Field(None, description="Where the 'another country' button leads.")
    skip_if_known: bool = Field(False, description="Skip a `choose: region` node if known.")
    helplines: bool = Field(False, description="Show the helplines that fit after the text.")

    @model_validator(mode="after")
    def _choose_needs_goto(self) -> Node:
        if self.choose and not self.goto:
            raise ValueError("a node with 'choose' needs 'goto'")
        return self


GlobalButton = Literal["back", "restart", "sos"]


class Flow(Strict):
    start: NodeId
    always: list[GlobalButton] = Field(default_factory=lambda: ["back", "restart", "sos"])
    nodes: dict[NodeId, Node]


# --- messages/*.yaml -------------------------------------------------------------------------


class Catalog(Strict):
    language: LangCode
    name: str = Field(description="The language's own name, for the language menu.")
    messages: dict[str, Any]


# --- directory/*.yaml ------------------------------------------------------------------------


class Vocabulary(Strict):
    """Topics and audiences, with the Find A Helpline topic each maps to."""

    topics: dict[TopicId, str | None]
    audiences: list[Audience]


ContactKind = Literal["call", "text", "whatsapp", "chat", "website", "email"]
Cost = Literal["free", "standard_rate", "paid", "unknown"]
Translated = dict[LangCode, str]


class Contact(Strict):
    kind: ContactKind
    number: StrictStr | None = None
    keyword: str | None = Field(None, description='For texts: "text SHOUT to 85258".')
    url: str | None = None
    hours: str | None = Field(None, description="OSM opening_hours, when not the line's own.")
    note: Translated | None = None

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        needs_number = self.kind in ("call", "text", "whatsapp")
        if needs_number and not self.number:
            raise ValueError(f"a '{self.kind}' contact needs 'number'")
        if self.kind in ("chat", "website") and not self.url:
            raise ValueError(f"a '{self.kind}' contact needs 'url'")
        if self.url and not re.match(r"^https://\S+$", self.url):
            raise ValueError("url must start with https://")
        return self


class Ages(Strict):
    min: int | None = Field(None, ge=0, le=120)
    max: int | None = Field(None, ge=0, le=120)


class Provenance(Strict):
    source: str = Field(description="Where the number and hours were read: a URL or a citation.")
    verified_on: dt.date

    @field_validator("source")
    @classmethod
    def _source_not_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("source must not be empty")
        return v


class Emergency(Provenance):
    number: StrictStr
    kind: Literal["general", "police", "ambulance", "fire", "sms", "missing_children"] = "general"
    note: Translated | None = None
    unlike_libphonenumber: str | None = Field(
        None,
        description="Why this number is right although libphonenumber's emergency list lacks it.",
    )


class Helpline(Provenance):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{1,39}$")]
    name: str
    about: Translated = Field(description="One short line per language: who it is for.")
    topics: list[TopicId] = Field(min_length=1)
    audiences: list[Audience] = Field(min_length=1)
    ages: Ages | None = None
    crisis: bool = Field(False, description="Shown in the crisis reply.")
    hours: str = Field(description="OSM opening_hours, e.g. '24/7' or 'Mo-Sa 14:00-20:00; PH off'.")
    contacts: list[Contact] = Field(min_length=1)
    cost: Cost = "unknown"
    cost_note: Translated | None = None
    languages: list[LangCode] = Field(default_factory=list)
    group: str | None = Field(None, description="Lines of one service, shown together.")
    needs_review: bool = False
    partial_answer: bool = Field(
        False, description="Answers only part of its calls: the emergency number goes beside it."
    )


class CountryFile(Strict):
    country: RegionCode
    timezone: str
    emergency: list[Emergency] = Field(min_length=1)
    helplines: list[Helpline] = Field(default_factory=list)
    note: Translated | None = None


# --- crisis/*.yaml -----------------------------------------------------------------------------


class NearRule(Strict):
    """Words of each group within a few words of each other, in any order: catches the many
    ways of saying one thing ("i just really want it all to end") that no list spells out."""

    name: str = Field(description="What the rule catches, for the clinician and the statistics.")
    category: str
    within: int = Field(5, ge=1, le=12, description="Largest distance, in words, from the first.")
    all: list[list[str]] = Field(
        min_length=2,
        max_length=4,
        description="Groups of words or phrases (a trailing * matches any ending); one of each "
        "group must be near one of the first group.",
    )


class PhraseFile(Strict):
    language: LangCode
    phrases: dict[str, list[str]] = Field(
        description="Category -> phrases. A trailing * matches any word ending."
    )
    fuzzy: list[str] = Field(
        default_factory=list,
        description="Distinctive single words also matched with one typo (selfharn).",
    )
    not_crisis: list[str] = Field(
        default_factory=list,
        description="Idioms: a hit lying wholly inside one of these is not a crisis.",
    )
    near: list[NearRule] = Field(default_factory=list)
    fillers: list[str] = Field(
        default_factory=list,
        description="Words that never carry a phrase's meaning ('voglio *solo* morire'); a "
        "reading without them is scanned too.",
    )
    negations: list[str] = Field(
        default_factory=list,
        description="Negations inside a phrase ('je ne veux *pas* mourir'): dropped like "
        "fillers, because negation never suppresses a hit.",
    )
