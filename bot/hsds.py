"""`helpline-bot export|import --format hsds`: the directory as Open Referral HSDS 3.0 JSON.

HSDS is what other directories (211 systems, Find A Helpline partners) read and write, so the
export keeps to HSDS field names wherever HSDS has one and puts the rest in `x-` fields. The
`x-` fields make the export lossless: importing it gives back the same directory files, and
exporting those again gives the same bytes (ids are uuid5 of our ids, keys are sorted).

Only `directory/*.yaml` is read, not the whole bundle: a folder written by `import` exports
without config, flows or messages beside it.

Mapping: a line is a service (our id in `x-id`; `about` in `description` and `x-about`; hours
in `schedules[0].description` and `x-opening-hours`; ages in `minimum_age`/`maximum_age`; cost
in `fees_description` and `x-cost`; `verified_on` in `assured_date`, `source` in `x-source`).
Numbers are `phones` (voice, or text for SMS and WhatsApp, with `x-kind`); chat, website and
email contacts are `x-contacts`, the first link also `url`. Topics and audiences are
`attributes` pointing at `taxonomy_terms` (taxonomy "findahelpline" holds Find A Helpline's
names). Each country is a virtual location (address `country`, `x-timezone`, `x-note`) and
has one service with `x-emergency: true` whose phones are its emergency numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from babel import Locale
from pydantic import ValidationError

from .models import Config, Contact, CountryFile, Emergency, Helpline, Vocabulary
from .yamlfile import ConfigError, Problem, load, parse

# Fixed for ever: changing it changes every id in every export.
NAMESPACE = uuid.UUID("5b0c7f0e-4a35-5f4b-9d0e-6c1f3e2a8d47")
HSDS_VERSION = "3.0"
FINDAHELPLINE = "findahelpline"  # taxonomy of the topics that Find A Helpline names
OWN_TOPICS = "helpline-bot-topics"  # topics Find A Helpline has no name for ("talk")
AUDIENCES = "helpline-bot-audiences"
SCHEMA_LINE = "# yaml-language-server: $schema=../schemas/{}.schema.json\n"

PHONE_KINDS = ("call", "text", "whatsapp")  # contacts that go to `phones`, the rest to x-contacts
PHONE_TYPE = {"call": "voice", "text": "text", "whatsapp": "text", "sms": "text"}  # RFC 6350
EMERGENCY_LABEL = {
    "general": "General emergency number",
    "police": "Police",
    "ambulance": "Ambulance",
    "fire": "Fire brigade",
    "sms": "Emergency by SMS",
    "missing_children": "Missing children hotline",
}
COST_LABEL = {
    "free": "Free",
    "standard_rate": "Standard rate: costs as an ordinary call",
    "paid": "Paid",
    "unknown": "Cost not known",
}
AUDIENCE_LABEL = {
    "young": "children and young people",
    "parent": "parents and carers",
    "professional": "teachers and professionals",
}


# --- loading the directory on its own ------------------------------------------------------


def load_directory(root: Path) -> tuple[dict[str, CountryFile], Vocabulary]:
    """Country files (by code, sorted) and topics.yaml; every problem as one ConfigError."""
    folder = Path(root) / "directory"
    problems: list[Problem] = []
    countries: dict[str, CountryFile] = {}
    vocab: Vocabulary | None = None
    if not folder.is_dir():
        raise ConfigError([Problem(str(folder), 1, "folder is missing")])
    try:
        vocab = parse(load(folder / "topics.yaml", root), Vocabulary)
    except ConfigError as exc:
        problems.extend(exc.problems)
    for path in sorted(folder.glob("*.yaml")):
        if len(path.stem) != 2:
            continue
        try:
            doc = load(path, root)
            country = parse(doc, CountryFile)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        if country.country != path.stem:
            problems.append(doc.problem(("country",), f"country must be '{path.stem}'"))
        countries[country.country] = country
    if vocab is not None:
        for cc, country in countries.items():
            for h in country.helplines:
                for t in h.topics:
                    if t not in vocab.topics:
                        problems.append(Problem(f"directory/{cc}.yaml", 1,
                                                f"{h.id}: unknown topic '{t}'"))  # fmt: skip
                for a in h.audiences:
                    if a not in vocab.audiences:
                        problems.append(Problem(f"directory/{cc}.yaml", 1,
                                                f"{h.id}: unknown audience '{a}'"))  # fmt: skip
    if problems:
        raise ConfigError(problems)
    assert vocab is not None
    return countries, vocab


def load_config(root: Path) -> Config:
    """config.yaml when there is one (it says whether needs_review lines are shown)."""
    path = Path(root) / "config.yaml"
    return parse(load(path, root), Config) if path.exists() else Config()


def exit_on_problems(problems: Iterable[Problem]) -> int:
    for p in problems:
        print(p, file=sys.stderr)
    return 1


# --- export ----------------------------------------------------------------------------------


def uid(*parts: str) -> str:
    """A stable id: the same directory entry gets the same HSDS id in every export."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _english(text: dict[str, str] | None) -> str | None:
    if not text:
        return None
    return text.get("en") or next(iter(text.values()))


def _sentence(*parts: str | None) -> str:
    return ". ".join(p.rstrip(". ") for p in parts if p) + "."


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    """Absent, not null: consumers treat a missing field as unknown."""
    return {k: v for k, v in obj.items() if v is not None}


def export_document(countries: dict[str, CountryFile], vocab: Vocabulary) -> dict[str, Any]:
    """The whole directory as one HSDS document: services nest phones, schedules, languages
    and attributes; organizations, locations and taxonomy terms are listed once."""
    en = Locale("en")
    taxonomies = [
        {"id": uid("taxonomy", FINDAHELPLINE), "name": FINDAHELPLINE,
         "description": "Topics as named by Find A Helpline", "uri": "https://findahelpline.com"},
        {"id": uid("taxonomy", OWN_TOPICS), "name": OWN_TOPICS,
         "description": "helpline-bot topics that Find A Helpline has no name for"},
        {"id": uid("taxonomy", AUDIENCES), "name": AUDIENCES,
         "description": "Who is asking: helpline-bot audiences"},
    ]  # fmt: skip
    terms: list[dict[str, Any]] = []
    for topic, fah in vocab.topics.items():
        taxonomy = FINDAHELPLINE if fah else OWN_TOPICS
        terms.append({
            "id": uid("taxonomy_term", "topic", topic), "code": topic, "name": fah or topic,
            "description": f"Topic '{topic}'", "taxonomy": taxonomy,
            "taxonomy_id": uid("taxonomy", taxonomy),
        })  # fmt: skip
    for audience in vocab.audiences:
        terms.append({
            "id": uid("taxonomy_term", "audience", audience), "code": audience,
            "name": AUDIENCE_LABEL.get(audience, audience), "description": f"Audience '{audience}'",
            "taxonomy": AUDIENCES, "taxonomy_id": uid("taxonomy", AUDIENCES),
        })  # fmt: skip

    organizations: dict[str, dict[str, Any]] = {}
    services: list[dict[str, Any]] = []
    locations: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for cc in sorted(countries):
        country = countries[cc]
        name = en.territories.get(cc, cc)
        location_id = uid("location", cc)
        locations.append(_clean({
            "id": location_id, "location_type": "virtual", "name": name,
            "description": f"Telephone and online services for the whole of {name}",
            "addresses": [{
                "id": uid("address", cc), "location_id": location_id, "address_type": "virtual",
                "address_1": "", "city": "", "state_province": "", "postal_code": "", "country": cc,
            }],
            "x-country": cc, "x-timezone": country.timezone, "x-note": country.note,
        }))  # fmt: skip
        org_id = uid("organization", "emergency", cc)
        organizations[org_id] = {
            "id": org_id,
            "name": f"Emergency services ({name})",
            "description": f"Public emergency numbers of {name}",
        }
        country_services = [_emergency_service(country, name, org_id)]
        for h in country.helplines:
            org_key = h.group or h.id
            org_id = uid("organization", org_key)
            if org_id not in organizations:
                members = [x for x in country.helplines if (x.group or x.id) == org_key]
                organizations[org_id] = {
                    "id": org_id,
                    "name": _common_name([x.name for x in members]),
                    "description": _english(members[0].about) or members[0].name,
                }
            country_services.append(_service(h, country, org_id, vocab, en))
        for service in country_services:
            services.append(service)
            links.append({
                "id": uid("service_at_location", service["id"]),
                "service_id": service["id"], "location_id": location_id,
            })  # fmt: skip
    return {
        "x-generator": "helpline-bot",
        "x-hsds-version": HSDS_VERSION,
        "organizations": list(organizations.values()),
        "services": services,
        "locations": locations,
        "service_at_locations": links,
        "taxonomies": taxonomies,
        "taxonomy_terms": terms,
    }


def _common_name(names: list[str]) -> str:
    """'Nummer gegen Kummer – Elterntelefon' and '… – Kinder- und Jugendtelefon' are both run
    by 'Nummer gegen Kummer': the organization of a group is the names' common start."""
    if len(names) == 1:
        return names[0]
    prefix = names[0]
    for n in names[1:]:
        while not n.startswith(prefix):
            prefix = prefix[:-1]
    prefix = prefix.rstrip(" –-:(,")
    return prefix if len(prefix) >= 3 and not prefix.endswith(" ") else names[0]


def _emergency_service(country: CountryFile, name: str, org_id: str) -> dict[str, Any]:
    cc = country.country
    service_id = uid("service", "emergency", cc)
    phones = []
    for i, e in enumerate(country.emergency):
        phones.append(_clean({
            "id": uid("phone", "emergency", cc, str(i)), "service_id": service_id,
            "number": e.number, "type": PHONE_TYPE.get(e.kind, "voice"),
            "description": _sentence(EMERGENCY_LABEL[e.kind], _english(e.note)),
            "x-kind": e.kind, "x-note": e.note, "x-source": e.source,
            "x-verified-on": e.verified_on.isoformat(),
        }))  # fmt: skip
    return {
        "id": service_id, "organization_id": org_id, "name": f"Emergency numbers ({name})",
        "description": f"Emergency numbers to call in {name} when life is in danger",
        "status": "active", "phones": phones,
        "assured_date": max(e.verified_on for e in country.emergency).isoformat(),
        "x-country": cc, "x-emergency": True,
    }  # fmt: skip


def _service(
    h: Helpline, country: CountryFile, org_id: str, vocab: Vocabulary, en: Locale
) -> dict[str, Any]:
    service_id = uid("service", h.id)
    phones: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for i, c in enumerate(h.contacts):
        if c.kind in PHONE_KINDS:
            phones.append(_phone(h, c, i, service_id))
        else:
            others.append(_clean({
                "position": i, "kind": c.kind, "number": c.number, "keyword": c.keyword,
                "url": c.url, "hours": c.hours, "note": c.note,
            }))  # fmt: skip
    attributes = [
        {"id": uid("attribute", h.id, "topic", t), "link_id": service_id, "link_entity": "service",
         "link_type": "topic", "taxonomy_term_id": uid("taxonomy_term", "topic", t),
         "label": vocab.topics[t] or t}
        for t in h.topics
    ] + [
        {"id": uid("attribute", h.id, "audience", a), "link_id": service_id,
         "link_entity": "service", "link_type": "audience",
         "taxonomy_term_id": uid("taxonomy_term", "audience", a),
         "label": AUDIENCE_LABEL.get(a, a)}
        for a in h.audiences
    ]  # fmt: skip
    url = next((c.url for c in h.contacts if c.kind in ("chat", "website") and c.url), None)
    return _clean({
        "id": service_id, "organization_id": org_id, "name": h.name,
        "description": _english(h.about), "status": "active", "url": url,
        "phones": phones,
        "schedules": [{
            "id": uid("schedule", h.id), "service_id": service_id,
            "description": h.hours, "x-opening-hours": h.hours, "x-timezone": country.timezone,
        }],
        "languages": [
            {"id": uid("language", h.id, code), "service_id": service_id, "code": code,
             "name": en.languages.get(code, code)}
            for code in h.languages
        ],
        "attributes": attributes,
        "eligibility_description": _eligibility(h),
        "minimum_age": h.ages.min if h.ages else None,
        "maximum_age": h.ages.max if h.ages else None,
        "fees_description": _sentence(COST_LABEL[h.cost], _english(h.cost_note)),
        "assured_date": h.verified_on.isoformat(),
        "x-id": h.id, "x-country": country.country, "x-emergency": False,
        "x-about": h.about, "x-crisis": h.crisis, "x-cost": h.cost, "x-cost-note": h.cost_note,
        "x-group": h.group, "x-needs-review": h.needs_review,
        "x-partial-answer": h.partial_answer, "x-source": h.source,
        "x-contacts": others or None,
    })  # fmt: skip


def _phone(h: Helpline, c: Contact, i: int, service_id: str) -> dict[str, Any]:
    what = {"call": "Call", "text": "Text", "whatsapp": "WhatsApp"}[c.kind]
    if c.keyword:
        what = f"Text {c.keyword} to {c.number}"
    hours = f"Hours: {c.hours}" if c.hours else None
    return _clean({
        "id": uid("phone", h.id, str(i)), "service_id": service_id, "number": c.number,
        "type": PHONE_TYPE[c.kind], "description": _sentence(what, _english(c.note), hours),
        "x-position": i, "x-kind": c.kind, "x-keyword": c.keyword, "x-opening-hours": c.hours,
        "x-note": c.note, "x-url": c.url,
    })  # fmt: skip


def _eligibility(h: Helpline) -> str:
    who = ", ".join(AUDIENCE_LABEL.get(a, a) for a in h.audiences)
    ages = ""
    if h.ages and h.ages.min is not None and h.ages.max is not None:
        ages = f"aged {h.ages.min} to {h.ages.max}"
    elif h.ages and h.ages.max is not None:
        ages = f"aged up to {h.ages.max}"
    elif h.ages and h.ages.min is not None:
        ages = f"aged {h.ages.min} and over"
    return _sentence(f"For {who}" + (f"; {ages}" if ages else ""))


def dumps(document: dict[str, Any]) -> str:
    """Byte-stable JSON: sorted keys, UTF-8 text, two-space indent, final newline."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def run_export(args: argparse.Namespace) -> int:
    try:
        countries, vocab = load_directory(args.root)
    except ConfigError as exc:
        return exit_on_problems(exc.problems)
    text = dumps(export_document(countries, vocab))
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"export: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"{args.out}: {len(countries)} countries", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


# --- import ----------------------------------------------------------------------------------


class HsdsError(Exception):
    """Bad input, said where: `services[3] (Lucy): missing 'x-country'`."""


def _get(obj: Any, key: str, where: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    """obj[key], checked; a missing key is an error unless there is a default."""
    if not isinstance(obj, dict):
        raise HsdsError(f"{where}: expected an object")
    if obj.get(key) is None:
        if default is not ...:
            return default
        raise HsdsError(f"{where}: missing '{key}'")
    value = obj[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise HsdsError(f"{where}: '{key}' should be {_kind_name(kinds)}, not {value!r:.40}")
    return value


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {str: "text", bool: "true or false", int: "a number", float: "a number",
             list: "a list", dict: "an object"}  # fmt: skip
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def _list(obj: Any, key: str, where: str) -> list[Any]:
    return _get(obj, key, where, list, [])


def _date(value: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise HsdsError(f"{where}: '{value}' is not a date (YYYY-MM-DD)") from None


def import_document(document: Any) -> tuple[dict[str, CountryFile], Vocabulary | None]:
    """Country files rebuilt from an export; HsdsError says what is wrong and where."""
    if not isinstance(document, dict):
        raise HsdsError("expected a JSON object with 'services'")
    services = _get(document, "services", "document", list)
    terms = {
        _get(t, "id", f"taxonomy_terms[{i}]", str): t
        for i, t in enumerate(_list(document, "taxonomy_terms", "document"))
    }
    places: dict[str, dict[str, Any]] = {}
    for i, loc in enumerate(_list(document, "locations", "document")):
        cc = _get(loc, "x-country", f"locations[{i}]", str, None)
        if cc is None:
            addresses = [
                a for a in _list(loc, "addresses", f"locations[{i}]") if isinstance(a, dict)
            ]
            cc = addresses[0].get("country") if addresses else None
        if cc:
            places[cc] = loc

    drafts: dict[str, dict[str, Any]] = {}
    for i, s in enumerate(services):
        where = f"services[{i}]"
        if isinstance(s, dict) and isinstance(s.get("name"), str):
            where += f" ({s['name']})"
        cc = _get(s, "x-country", where, str)
        if cc not in drafts:
            loc = places.get(cc)
            if loc is None:
                raise HsdsError(f"{where}: no location with x-country '{cc}' (its time zone)")
            drafts[cc] = _clean({
                "country": cc, "timezone": _get(loc, "x-timezone", f"location {cc}", str),
                "note": _get(loc, "x-note", f"location {cc}", dict, None),
                "emergency": [], "helplines": [],
            })  # fmt: skip
        if _get(s, "x-emergency", where, bool, False):
            drafts[cc]["emergency"].extend(_emergency_numbers(s, where))
        else:
            drafts[cc]["helplines"].append(_helpline(s, where, terms))

    countries: dict[str, CountryFile] = {}
    for cc, draft in sorted(drafts.items()):
        try:
            countries[cc] = CountryFile.model_validate(draft)
        except ValidationError as exc:
            raise HsdsError(f"country {cc}: " + _explain(exc, draft)) from None
    return countries, _vocabulary(terms)


def _emergency_numbers(s: dict[str, Any], where: str) -> list[dict[str, Any]]:
    out = []
    for j, p in enumerate(_list(s, "phones", where)):
        at = f"{where}.phones[{j}]"
        out.append(_clean({
            "number": _get(p, "number", at, str), "kind": _get(p, "x-kind", at, str, "general"),
            "note": _get(p, "x-note", at, dict, None),
            "source": _get(p, "x-source", at, str),
            "verified_on": _date(_get(p, "x-verified-on", at, str), at),
        }))  # fmt: skip
    return out


def _helpline(s: dict[str, Any], where: str, terms: dict[str, Any]) -> dict[str, Any]:
    contacts: list[tuple[int, dict[str, Any]]] = []
    for j, p in enumerate(_list(s, "phones", where)):
        at = f"{where}.phones[{j}]"
        kind = _get(p, "x-kind", at, str, None) or ("text" if p.get("type") == "text" else "call")
        contacts.append((_get(p, "x-position", at, int, 1000 + j), _clean({
            "kind": kind, "number": _get(p, "number", at, str),
            "keyword": _get(p, "x-keyword", at, str, None),
            "url": _get(p, "x-url", at, str, None),
            "hours": _get(p, "x-opening-hours", at, str, None),
            "note": _get(p, "x-note", at, dict, None),
        })))  # fmt: skip
    for j, c in enumerate(_list(s, "x-contacts", where)):
        position = _get(c, "position", f"{where}.x-contacts[{j}]", int, 2000 + j)
        contacts.append((position, {k: v for k, v in c.items() if k != "position"}))
    url = _get(s, "url", where, str, None)
    if url and not any(c.get("url") == url for _, c in contacts):
        contacts.append((3000, {"kind": "website", "url": url}))
    contacts.sort(key=lambda pc: pc[0])

    topics, audiences = [], []
    for j, a in enumerate(_list(s, "attributes", where)):
        at = f"{where}.attributes[{j}]"
        term = a.get("taxonomy_term") if isinstance(a, dict) else None
        if not isinstance(term, dict):
            term = terms.get(_get(a, "taxonomy_term_id", at, str))
        if term is None:
            raise HsdsError(f"{at}: taxonomy term '{a.get('taxonomy_term_id')}' is not listed")
        code = _get(term, "code", at + ".taxonomy_term", str)
        (audiences if term.get("taxonomy") == AUDIENCES else topics).append(code)

    schedules = _list(s, "schedules", where)
    if not schedules:
        raise HsdsError(f"{where}: missing 'schedules' (the opening hours)")
    first = schedules[0]
    hours = _get(first, "x-opening-hours", f"{where}.schedules[0]", str, None) or _get(
        first, "description", f"{where}.schedules[0]", str
    )
    lo = _get(s, "minimum_age", where, (int, float), None)
    hi = _get(s, "maximum_age", where, (int, float), None)
    about = _get(s, "x-about", where, dict, None) or {"en": _get(s, "description", where, str)}
    return _clean({
        "id": _get(s, "x-id", where, str), "name": _get(s, "name", where, str), "about": about,
        "topics": topics, "audiences": audiences,
        "ages": _clean({"min": int(lo) if lo is not None else None,
                        "max": int(hi) if hi is not None else None}) or None,
        "crisis": _get(s, "x-crisis", where, bool, False), "hours": hours,
        "contacts": [c for _, c in contacts], "cost": _get(s, "x-cost", where, str, "unknown"),
        "cost_note": _get(s, "x-cost-note", where, dict, None),
        "languages": [
            _get(lang, "code", f"{where}.languages[{k}]", str)
            for k, lang in enumerate(_list(s, "languages", where))
        ],
        "group": _get(s, "x-group", where, str, None),
        "needs_review": _get(s, "x-needs-review", where, bool, False),
        "partial_answer": _get(s, "x-partial-answer", where, bool, False),
        "source": _get(s, "x-source", where, str),
        "verified_on": _date(_get(s, "assured_date", where, str), where),
    })  # fmt: skip


def _vocabulary(terms: dict[str, Any]) -> Vocabulary | None:
    topics: dict[str, str | None] = {}
    audiences: list[str] = []
    for t in terms.values():
        code, taxonomy = t.get("code"), t.get("taxonomy")
        if not isinstance(code, str):
            continue
        if taxonomy == AUDIENCES:
            audiences.append(code)
        elif taxonomy == FINDAHELPLINE:
            topics[code] = t.get("name")
        elif taxonomy == OWN_TOPICS:
            topics[code] = None
    if not topics:
        return None
    try:
        return Vocabulary(topics=topics, audiences=audiences)
    except ValidationError as exc:
        raise HsdsError("taxonomy_terms: " + _explain(exc, {})) from None


def _explain(exc: ValidationError, draft: dict[str, Any]) -> str:
    """pydantic's errors, with the helpline id in place of its list index."""
    out = []
    for e in exc.errors():
        loc = list(e["loc"])
        if len(loc) > 1 and loc[0] == "helplines" and isinstance(loc[1], int):
            lines = draft.get("helplines", [])
            if loc[1] < len(lines) and isinstance(lines[loc[1]], dict):
                loc[1] = lines[loc[1]].get("id", loc[1])
        where = ".".join(str(x) for x in loc if not (isinstance(x, str) and "[" in x))
        msg = e["msg"].removeprefix("Value error, ")
        out.append(f"{where}: {msg}" if where else msg)
    return "; ".join(out)


# --- writing YAML like an operator would ----------------------------------------------------


class _Quoted(str):
    """Numbers stay text: '116 000' and '112' must never become integers."""


class _Flow(list):  # type: ignore[type-arg]
    """Short lists on one line: `topics: [anxiety, talk]`."""


class _FlowMap(dict):  # type: ignore[type-arg]
    """`ages: {max: 17}`."""


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, as in the hand-written files."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _quoted(dumper: yaml.SafeDumper, value: _Quoted) -> yaml.Node:
    style = "'" if '"' in value else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=style)


_Dumper.add_representer(_Quoted, _quoted)
_Dumper.add_representer(
    _Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)
_Dumper.add_representer(
    _FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True)
)


def _order(fields: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """Our key order, without the entries that say nothing (false, empty, absent)."""
    return {k: fields[k] for k in keys if fields.get(k) not in (None, False, [], {})}


def country_yaml(country: CountryFile) -> str:
    """A directory file in the shape operators write by hand, valid against CountryFile."""
    emergency = [
        _order({**e.model_dump(), "number": _Quoted(e.number)} | _prov(e),
               ("number", "kind", "note", "source", "verified_on"))
        for e in country.emergency
    ]  # fmt: skip
    helplines = [_helpline_yaml(h) for h in country.helplines]
    data = _order(
        {"country": country.country, "timezone": country.timezone, "note": country.note,
         "emergency": emergency, "helplines": helplines},
        ("country", "timezone", "note", "emergency", "helplines"),
    )  # fmt: skip
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000)
    body = body.replace("\n  - id: ", "\n\n  - id: ").replace("\nemergency:", "\n\nemergency:")
    body = body.replace("\nhelplines:\n\n", "\n\nhelplines:\n")
    return SCHEMA_LINE.format("country") + body


def _prov(e: Emergency | Helpline) -> dict[str, Any]:
    return {"source": e.source, "verified_on": e.verified_on}


def _helpline_yaml(h: Helpline) -> dict[str, Any]:
    contacts = [
        _order({**c.model_dump(), "number": _Quoted(c.number) if c.number else None,
                "hours": _Quoted(c.hours) if c.hours else None},
               ("kind", "number", "keyword", "url", "hours", "note"))
        for c in h.contacts
    ]  # fmt: skip
    fields = {
        **h.model_dump(),
        "topics": _Flow(h.topics), "audiences": _Flow(h.audiences),
        "languages": _Flow(h.languages),
        "ages": _FlowMap(_order(h.ages.model_dump(), ("min", "max"))) if h.ages else None,
        "hours": _Quoted(h.hours), "contacts": contacts,
    }  # fmt: skip
    keys = ("id", "name", "about", "topics", "audiences", "ages", "crisis", "hours", "contacts",
            "cost", "cost_note", "languages", "group", "needs_review", "partial_answer",
            "source", "verified_on")  # fmt: skip
    out = _order(fields, keys)
    if not out.get("ages"):
        out.pop("ages", None)
    return out


def vocabulary_yaml(vocab: Vocabulary) -> str:
    data = {"topics": dict(vocab.topics), "audiences": list(vocab.audiences)}
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000)
    return SCHEMA_LINE.format("topics") + body


def run_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"import: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except UnicodeDecodeError:
        print(f"import: {path} is not UTF-8 text", file=sys.stderr)
        return 1
    except json.JSONDecodeError as exc:
        print(f"import: {path}:{exc.lineno}: not valid JSON: {exc.msg}", file=sys.stderr)
        return 1
    try:
        countries, vocab = import_document(document)
    except HsdsError as exc:
        print(f"import: {path}: {exc}", file=sys.stderr)
        return 1
    if not countries:
        print(f"import: {path}: no services, nothing to write", file=sys.stderr)
        return 1

    folder = Path(args.out if args.out is not None else args.root) / "directory"
    files: dict[Path, str] = {folder / f"{cc}.yaml": country_yaml(c) for cc, c in countries.items()}
    if vocab is not None:
        topics = folder / "topics.yaml"
        if not (topics.exists() and _same_vocabulary(topics, vocab)):
            files[topics] = vocabulary_yaml(vocab)
    existing = sorted(str(p) for p in files if p.exists())
    if existing and not args.force:
        print("import: these files exist (use --force to overwrite them):", file=sys.stderr)
        for p in existing:
            print(f"  {p}", file=sys.stderr)
        return 1
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for p, text in files.items():
            p.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"import: cannot write into {folder}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    lines = sum(len(c.helplines) for c in countries.values())
    print(f"{folder}: {len(countries)} countries, {lines} lines written", file=sys.stderr)
    return 0


def _same_vocabulary(path: Path, vocab: Vocabulary) -> bool:
    """An unchanged topics.yaml keeps its comments: it is not rewritten."""
    try:
        return parse(load(path), Vocabulary) == vocab
    except ConfigError:
        return False


# --- commands --------------------------------------------------------------------------------


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("export", help="write the directory as Open Referral HSDS 3.0 JSON")
    p.add_argument("--format", choices=["hsds"], default="hsds")
    p.add_argument("--out", help="file to write (default: standard output)")
    p.set_defaults(func=run_export)

    p = sub.add_parser("import", help="write directory/<CC>.yaml files from an HSDS export")
    p.add_argument("--format", choices=["hsds"], default="hsds")
    p.add_argument("file", help="the HSDS JSON file")
    p.add_argument("--out", type=Path, help="folder to write directory/ into (default: --root)")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.set_defaults(func=run_import)
