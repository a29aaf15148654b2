"""Everything the bot serves, loaded and checked as one set: all good, or a list of file:line.

A running bot swaps in a new Bundle only when the whole set loads, so a broken file under a
live bot changes nothing for users.
"""

from __future__ import annotations

import datetime as dt
import difflib
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import hours
from .crisis import Detector
from .directory import Directory, emergency_problem, is_short, malformed, number_problem
from .i18n import Catalogs, CountryFinder, flatten, placeholders
from .models import Catalog, Config, CountryFile, Flow, PhraseFile, Vocabulary
from .yamlfile import ConfigError, Doc, Problem, load, parse

CALLBACK_LIMIT = 64  # bytes Telegram allows in callback data

# Keys the engine itself says (mechanism), beside those the flows name.
ENGINE_KEYS = (
    "button.back",
    "button.restart",
    "button.sos",
    "button.carry_on",
    "button.other_country",
    "button.chat",
    "button.whatsapp",
    "button.website",
    "button.copy",
    "crisis.first",
    "crisis.first_unknown",
    "crisis.acknowledge",
    "crisis.lines_intro",
    "crisis.no_lines",
    "crisis.trusted_adult",
    "crisis.automated",
    "crisis.choose_country",
    "crisis.findahelpline",
    "crisis.partial_answer",
    "emergency.general",
    "emergency.police",
    "emergency.ambulance",
    "emergency.fire",
    "emergency.sms",
    "emergency.missing_children",
    "lines.none",
    "lines.international",
    "lines.caveat",
    "lines.emergency_beside",
    "hours.always",
    "hours.until",
    "hours.until_midnight",
    "hours.opens_today",
    "hours.opens_tomorrow",
    "hours.opens_on",
    "hours.closed",
    "hours.unknown",
    "contact.call",
    "contact.text",
    "contact.text_keyword",
    "contact.whatsapp",
    "contact.chat",
    "contact.website",
    "contact.email",
    "contact.hours",
    "cost.free",
    "cost.standard_rate",
    "cost.paid",
    "cost.unknown",
    "line.ages_max",
    "line.ages_min",
    "line.ages_range",
    "notice.unreadable",
    "notice.not_understood",
    "notice.stale_button",
    "notice.restarted",
    "notice.forgotten",
    "notice.stopped",
    "notice.slow_down",
    "notice.unknown_command",
    "notice.country_not_found",
    "notice.help",
    "notice.choose_language",
    "notice.language_set",
)


@dataclass
class Bundle:
    root: Path
    config: Config
    flows: dict[str, Flow]
    catalogs: Catalogs
    directory: Directory
    vocabulary: Vocabulary
    detector: Detector
    finder: CountryFinder
    warnings: list[Problem] = field(default_factory=list)

    @property
    def flow(self) -> Flow:
        return self.flows["main"]

    @property
    def detector_languages(self) -> list[str]:
        return self.config.languages


def load_bundle(root: Path, today: dt.date | None = None) -> Bundle:
    """Load and cross-check the whole set; raise ConfigError with every error found."""
    root = Path(root)
    loader = _Loader(root, today or dt.date.today())
    bundle = loader.run()
    if loader.errors:
        raise ConfigError(loader.errors + loader.warnings)
    assert bundle is not None
    bundle.warnings = sorted(set(loader.warnings))
    return bundle


class _Loader:
    def __init__(self, root: Path, today: dt.date):
        self.root = root
        self.today = today
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def _parse(self, path: Path, model: type) -> tuple[Doc, object] | None:
        try:
            doc = load(path, self.root)
            return doc, parse(doc, model)
        except ConfigError as exc:
            self.errors.extend(exc.problems)
            return None

    def _files(self, folder: str) -> list[Path]:
        path = self.root / folder
        if not path.is_dir():
            self.errors.append(Problem(folder, 1, "folder is missing"))
            return []
        return sorted(path.glob("*.yaml"))

    def run(self) -> Bundle | None:
        cfg_path = self.root / "config.yaml"
        got = self._parse(cfg_path, Config) if cfg_path.exists() else (None, Config())
        config: Config = got[1] if got else Config()  # type: ignore[assignment]
        cfg_doc: Doc | None = got[0] if got else None

        vocab_got = self._parse(self.root / "directory" / "topics.yaml", Vocabulary)
        vocab: Vocabulary | None = vocab_got[1] if vocab_got else None  # type: ignore[assignment]

        catalogs, cat_docs = self._catalogs(config)
        flows, flow_docs = self._flows()
        countries, country_docs = self._countries(config)
        detector = self._phrases(config)
        aliases = self._aliases()

        if cfg_doc is not None and config.default_region and config.default_region not in countries:
            self.errors.append(
                cfg_doc.problem(("default_region",), "default_region has no directory file")
            )
        if vocab is not None:
            self._check_vocabulary(vocab, flows, flow_docs, countries, country_docs)
        if catalogs is not None:
            self._check_catalogs(config, catalogs, cat_docs, flows, flow_docs, vocab)
        self._check_flows(flows, flow_docs)
        for cc, country in countries.items():
            self._check_country(config, country, country_docs[cc])

        if self.errors or catalogs is None or vocab is None or detector is None:
            return None
        if "main" not in flows:
            self.errors.append(Problem("flows", 1, "flows/main.yaml is missing"))
            return None
        directory = Directory(
            countries, show_needs_review=config.directory.needs_review == "caveat"
        )
        finder = CountryFinder(config.languages, aliases)
        return Bundle(self.root, config, flows, catalogs, directory, vocab, detector, finder)

    # --- files -----------------------------------------------------------------------------

    def _catalogs(self, config: Config) -> tuple[Catalogs | None, dict[str, Doc]]:
        messages: dict[str, dict[str, str]] = {}
        names: dict[str, str] = {}
        docs: dict[str, Doc] = {}
        for path in self._files("messages"):
            got = self._parse(path, Catalog)
            if not got:
                continue
            doc, cat = got
            assert isinstance(cat, Catalog)
            if cat.language != path.stem:
                self.errors.append(doc.problem(("language",), f"language must be '{path.stem}'"))
            messages[cat.language] = flatten(cat.messages)
            names[cat.language] = cat.name
            docs[cat.language] = doc
        for lang in config.languages:
            if lang not in messages:
                self.errors.append(Problem("config.yaml", 1, f"no messages/{lang}.yaml"))
        if not messages:
            return None, docs
        ordered = {lang: messages[lang] for lang in config.languages if lang in messages}
        return Catalogs(ordered, names, config.default_language), docs

    def _flows(self) -> tuple[dict[str, Flow], dict[str, Doc]]:
        flows: dict[str, Flow] = {}
        docs: dict[str, Doc] = {}
        for path in self._files("flows"):
            got = self._parse(path, Flow)
            if got:
                docs[path.stem], flows[path.stem] = got  # type: ignore[assignment]
        return flows, docs

    def _countries(self, config: Config) -> tuple[dict[str, CountryFile], dict[str, Doc]]:
        countries: dict[str, CountryFile] = {}
        docs: dict[str, Doc] = {}
        for path in self._files("directory"):
            if len(path.stem) != 2:
                continue  # topics.yaml, aliases.yaml
            got = self._parse(path, CountryFile)
            if not got:
                continue
            doc, country = got
            assert isinstance(country, CountryFile)
            if country.country != path.stem:
                self.errors.append(doc.problem(("country",), f"country must be '{path.stem}'"))
            countries[country.country] = country
            docs[country.country] = doc
        return countries, docs

    def _phrases(self, config: Config) -> Detector | None:
        files: list[PhraseFile] = []
        for path in self._files("crisis"):
            got = self._parse(path, PhraseFile)
            if got:
                doc, pf = got
                assert isinstance(pf, PhraseFile)
                if not any(pf.phrases.values()):
                    self.errors.append(doc.problem(("phrases",), "no crisis phrases"))
                files.append(pf)
        have = {f.language for f in files}
        for lang in config.languages:
            if lang not in have:
                self.errors.append(Problem("crisis", 1, f"no crisis phrases for '{lang}'"))
        return Detector(files) if files else None

    def _aliases(self) -> dict[str, str]:
        path = self.root / "directory" / "aliases.yaml"
        if not path.exists():
            return {}
        try:
            doc = load(path, self.root)
        except ConfigError as exc:
            self.errors.extend(exc.problems)
            return {}
        data = doc.data.get("aliases") if isinstance(doc.data, dict) else None
        if not isinstance(data, dict):
            self.errors.append(doc.problem((), "expected 'aliases:' mapping names to codes"))
            return {}
        return {str(k): str(v) for k, v in data.items()}

    # --- cross-checks --------------------------------------------------------------------------

    def _check_vocabulary(
        self,
        vocab: Vocabulary,
        flows: dict[str, Flow],
        flow_docs: dict[str, Doc],
        countries: dict[str, CountryFile],
        country_docs: dict[str, Doc],
    ) -> None:
        covered: set[str] = set()
        # a country file that failed to load would make every topic look uncovered
        complete = not any(p.file.startswith("directory/") for p in self.errors)
        for cc, country in countries.items():
            doc = country_docs[cc]
            for i, h in enumerate(country.helplines):
                for j, topic in enumerate(h.topics):
                    covered.add(topic)
                    if topic not in vocab.topics:
                        self._unknown(
                            doc, ("helplines", i, "topics", j), "topic", topic, vocab.topics
                        )
                for j, aud in enumerate(h.audiences):
                    if aud not in vocab.audiences:
                        self._unknown(
                            doc, ("helplines", i, "audiences", j), "audience", aud, vocab.audiences
                        )
        for name, flow in flows.items():
            doc = flow_docs[name]
            for node_id, node in flow.nodes.items():
                for i, opt in enumerate(node.options):
                    loc = ("nodes", node_id, "options", i, "set")
                    for cond in (opt.set, opt.when):
                        if cond is None:
                            continue
                        if cond.topic and cond.topic not in vocab.topics:
                            self._unknown(doc, (*loc, "topic"), "topic", cond.topic, vocab.topics)
                        elif cond.topic and cond.topic not in covered and complete:
                            self.errors.append(
                                doc.problem(
                                    (*loc, "topic"), f"no helpline covers topic '{cond.topic}'"
                                )
                            )
                        if cond.audience and cond.audience not in vocab.audiences:
                            self._unknown(
                                doc, (*loc, "audience"), "audience", cond.audience, vocab.audiences
                            )
                        if cond.region and cond.region not in countries and cond.region != "ZZ":
                            self.errors.append(
                                doc.problem(
                                    (*loc, "region"), f"no directory file for '{cond.region}'"
                                )
                            )

    def _unknown(self, doc: Doc, loc: tuple, what: str, value: str, known: Iterable[str]) -> None:
        close = difflib.get_close_matches(value, list(known), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        self.errors.append(doc.problem(loc, f"unknown {what} '{value}'{hint}"))

    def _check_flows(self, flows: dict[str, Flow], flow_docs: dict[str, Doc]) -> None:
        for name, flow in flows.items():
            doc = flow_docs[name]

            def target(loc: tuple, node_id: str | None, flow: Flow = flow, doc: Doc = doc) -> None:
                if node_id and node_id not in flow.nodes:
                    close = difflib.get_close_matches(node_id, list(flow.nodes), n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    self.errors.append(doc.problem(loc, f"no node '{node_id}'{hint}"))

            target(("start",), flow.start)
            for node_id, node in flow.nodes.items():
                base = ("nodes", node_id)
                target((*base, "goto"), node.goto)
                target((*base, "other"), node.other)
                for i, opt in enumerate(node.options):
                    target((*base, "options", i, "goto"), opt.goto)
                    data = f"go:{node_id}:{i}"
                    if len(data.encode()) > CALLBACK_LIMIT:
                        self.errors.append(
                            doc.problem(
                                (*base, "options", i), f"callback data '{data}' is over 64 bytes"
                            )
                        )
                if not node.options and not node.choose and not node.helplines:
                    self.warnings.append(
                        doc.problem(
                            base,
                            f"node '{node_id}' is a dead end: no options, no choice, no helplines",
                            "warning",
                        )
                    )
            reachable = _reachable(flow)
            for node_id in flow.nodes:
                if node_id not in reachable:
                    self.warnings.append(
                        doc.problem(
                            ("nodes", node_id),
                            f"node '{node_id}' cannot be reached from '{flow.start}'",
                            "warning",
                        )
                    )

    def _check_catalogs(
        self,
        config: Config,
        catalogs: Catalogs,
        docs: dict[str, Doc],
        flows: dict[str, Flow],
        flow_docs: dict[str, Doc],
        vocab: Vocabulary | None,
    ) -> None:
        needed: dict[str, tuple[Doc | None, tuple]] = {k: (None, ()) for k in ENGINE_KEYS}
        for name, flow in flows.items():
            for node_id, node in flow.nodes.items():
                needed[node.text] = (flow_docs[name], ("nodes", node_id, "text"))
                for i, opt in enumerate(node.options):
                    needed[opt.label] = (flow_docs[name], ("nodes", node_id, "options", i, "label"))
        if vocab:
            needed.update({f"topic.{t}": (None, ()) for t in vocab.topics})
            needed.update({f"audience.{a}": (None, ()) for a in vocab.audiences})
        default = config.default_language
        for lang in catalogs.languages:
            doc = docs[lang]
            for key, (where, loc) in needed.items():
                if not catalogs.has(lang, key):
                    keys = list(catalogs.messages[lang])
                    close = difflib.get_close_matches(key, keys, n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    at = f" (used at {where.path}:{where.line(loc)})" if where else ""
                    self.errors.append(
                        doc.problem(
                            ("messages",), f"missing translation '{key}' in '{lang}'{at}{hint}"
                        )
                    )
            if lang == default:
                continue
            base = catalogs.messages.get(default, {})
            for key, text in catalogs.messages[lang].items():
                loc = ("messages", *key.split("."))
                if key not in base:
                    self.warnings.append(
                        doc.problem(
                            loc, f"'{key}' is not in the default language '{default}'", "warning"
                        )
                    )
                elif placeholders(text) != placeholders(base[key]):
                    want = ", ".join(sorted(placeholders(base[key]))) or "none"
                    self.errors.append(
                        doc.problem(
                            loc, f"placeholders of '{key}' differ from '{default}' ({want})"
                        )
                    )

    def _check_country(self, config: Config, country: CountryFile, doc: Doc) -> None:
        cc = country.country
        try:
            zoneinfo.ZoneInfo(country.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.errors.append(
                doc.problem(("timezone",), f"unknown time zone '{country.timezone}'")
            )
        stale = dt.timedelta(days=config.directory.stale_after_days)
        for i, e in enumerate(country.emergency):
            problem = number_problem(e.number, cc, "call") or emergency_problem(e, cc)
            if problem:
                self.warnings.append(doc.problem(("emergency", i, "number"), problem, "warning"))
        ids: set[str] = set()
        for i, h in enumerate(country.helplines):
            loc = ("helplines", i)
            if h.id in ids:
                self.errors.append(doc.problem((*loc, "id"), f"duplicate helpline id '{h.id}'"))
            ids.add(h.id)
            if self.today - h.verified_on > stale:
                self.warnings.append(
                    doc.problem(
                        (*loc, "verified_on"),
                        f"'{h.id}' was verified on {h.verified_on}, over "
                        f"{config.directory.stale_after_days} days ago: check it again",
                        "warning",
                    )
                )
            for expr, where in [(h.hours, (*loc, "hours"))] + [
                (c.hours, (*loc, "contacts", j, "hours"))
                for j, c in enumerate(h.contacts)
                if c.hours
            ]:
                complaint = hours.check(expr)
                if complaint:
                    self.errors.append(doc.problem(where, complaint))
            for j, c in enumerate(h.contacts):
                if c.number:
                    problem = number_problem(c.number, cc, c.kind)
                    serious = malformed(c.number) or not is_short(c.number)
                    if problem and c.kind in ("call", "whatsapp") and serious:
                        self.errors.append(doc.problem((*loc, "contacts", j, "number"), problem))
                    elif problem:
                        self.warnings.append(
                            doc.problem((*loc, "contacts", j, "number"), problem, "warning")
                        )
            for lang in config.languages:
                if lang not in h.about:
                    self.errors.append(
                        doc.problem(
                            (*loc, "about"), f"missing translation '{lang}' of about for '{h.id}'"
                        )
                    )


def _reachable(flow: Flow) -> set[str]:
    seen: set[str] = set()
    todo = [flow.start]
    while todo:
        node_id = todo.pop()
        if node_id in seen or node_id not in flow.nodes:
            continue
        seen.add(node_id)
        node = flow.nodes[node_id]
        todo.extend(o.goto for o in node.options)
        todo.extend(x for x in (node.goto, node.other) if x)
    return seen
