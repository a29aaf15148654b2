"""Read YAML so that every value keeps its line: operators fix files, not Python."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, order=True)
class Problem:
    """One finding, printed as `file:line: message` like a compiler would."""

    file: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.file}:{self.line}: {tag}{self.message}"


class ConfigError(Exception):
    """Raised with every problem found, so one run shows them all."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class Doc:
    """A parsed YAML file: plain data plus the line of every path in it."""

    path: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line(self, loc: Loc) -> int:
        """The line of `loc`, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)

    def problem(self, loc: Loc, message: str, severity: str = "error") -> Problem:
        return Problem(self.path, self.line(loc), message, severity)


def _convert(node: yaml.Node, loc: Loc, doc: Doc, problems: list[Problem]) -> Any:
    doc.lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(doc.problem(loc, "'<<' merge keys are not supported here"))
                continue
            key = yaml.SafeLoader.construct_scalar(_LOADER, key_node)  # type: ignore[arg-type]
            if key in out:
                problems.append(
                    Problem(doc.path, key_node.start_mark.line + 1, f"duplicate key '{key}'")
                )
            sub = (*loc, key)
            out[key] = _convert(value_node, sub, doc, problems)
            doc.lines[sub] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*loc, i), doc, problems) for i, item in enumerate(node.value)]
    return _LOADER.construct_object(node, deep=True)


_LOADER = yaml.SafeLoader("")


def load(path: Path, root: Path | None = None) -> Doc:
    """Parse one file; YAML errors come back as a ConfigError with the line."""
    name = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(name, 1, f"cannot read file: {exc}")]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(filter(None, [exc.context, exc.problem]))
        raise ConfigError([Problem(name, line, f"YAML syntax: {what}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(name, 1, f"YAML syntax: {exc}")]) from None
    doc = Doc(name, None)
    problems: list[Problem] = []
    if node is None:
        doc.data = {}
        doc.lines[()] = 1
    else:
        try:
            doc.data = _convert(node, (), doc, problems)
        except yaml.YAMLError as exc:
            raise ConfigError([Problem(name, node.start_mark.line + 1, str(exc))]) from None
    if problems:
        raise ConfigError(problems)
    return doc


def _explain(err: dict[str, Any], model: type[BaseModel]) -> str:
    loc = [str(x) for x in err["loc"]]
    kind = err["type"]
    where = ".".join(loc)
    if kind == "extra_forbidden":
        parent = _model_at(model, err["loc"][:-1])
        hint = ""
        if parent is not None:
            close = difflib.get_close_matches(loc[-1], list(parent.model_fields), n=1)
            if close:
                hint = f" (did you mean '{close[0]}'?)"
        return f"unknown key '{loc[-1]}'{hint}"
    if kind == "missing":
        return f"missing key '{where}'"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    value = err.get("input")
    if kind == "string_type" and isinstance(value, bool):
        msg = (
            f"expected text, got {str(value).lower()}: put it in quotes "
            "(YAML reads NO, yes, on, off as true/false)"
        )
    elif kind == "string_type" and isinstance(value, int | float):
        msg = "expected text: put this value in quotes (numbers must be quoted)"
    return f"{where}: {msg}" if where else msg


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The pydantic model that sits at `loc`, to suggest its field names."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        else:
            current = _unwrap(current)  # a list item or a dict value
        if not _is_model(current) and not _container(current):
            current = _unwrap(current)  # X | None
    return current if _is_model(current) else None


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _container(tp: Any) -> bool:
    return get_origin(tp) in (list, dict)


def _unwrap(tp: Any) -> Any:
    """list[X] → X, dict[K, V] → V, X | None → X."""
    origin = get_origin(tp)
    args = [a for a in get_args(tp) if a is not type(None)]
    if origin is list and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    if args and origin not in (list, dict):
        models = [a for a in args if _is_model(a) or _container(a)]
        return models[0] if models else tp
    return tp


def parse(doc: Doc, model: type[M], context: dict[str, Any] | None = None) -> M:
    """Validate a Doc against a pydantic model, mapping errors to file:line."""
    try:
        return model.model_validate(doc.data, context=context)
    except ValidationError as exc:
        raise ConfigError(
            doc.problem(_data_loc(e["loc"]), _explain(e, model)) for e in exc.errors()
        ) from None


def _data_loc(loc: Iterable[Any]) -> Loc:
    # pydantic adds union/function tags to locs ('function-after[...]'); drop them
    return tuple(
        x for x in loc if not (isinstance(x, str) and ("[" in x or x.startswith("function")))
    )
