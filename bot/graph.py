"""`helpline-bot graph [--format mermaid|dot|svg] [--out FILE]`: the flows as one diagram.

For clinicians and operators who review the conversation as a picture rather than as YAML.
Mechanisms that apply on every node (Back, Start over, I need help now, the crisis check of
any text) are drawn once as a note: drawing them per node would bury the flow in arrows.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .bundle import Bundle
from .models import Flow, Node

LABEL_WIDTH = 48  # characters of a node's text shown under its id
REGION_EDGE = "country buttons / typed country"
TYPED_EDGE = "typed country"
NAV_NAMES = {"back": "Back", "restart": "Start over", "sos": "I need help now"}
GLOBAL_CRISIS = "Any text → crisis check first → emergency reply (then Carry on)"
SVG_HINT = (
    "--format svg needs Graphviz's `dot`, which is not installed.\n"
    "Install it (apt-get install graphviz, or brew install graphviz on macOS), "
    "or use --format mermaid, which needs nothing installed."
)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str


@dataclass(frozen=True)
class Box:
    node_id: str
    text: str  # first line of the default-language text, shortened
    end: bool  # shows helplines: where a path ends
    note: str = ""


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("graph", help="the flows as a diagram (Mermaid, Graphviz DOT or SVG)")
    p.add_argument("--format", choices=["mermaid", "dot", "svg"], default="mermaid")
    p.add_argument("--out", type=Path, help="write to this file instead of stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .cli import load_or_exit

    if args.format == "svg" and not shutil.which("dot"):
        print(SVG_HINT, file=sys.stderr)
        return 1
    bundle = load_or_exit(args.root)
    if args.format == "mermaid":
        out = mermaid(bundle)
    else:
        out = dot(bundle)
        if args.format == "svg":
            done = subprocess.run(
                ["dot", "-Tsvg"], input=out, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                print(f"dot failed: {done.stderr.strip()}", file=sys.stderr)
                return 1
            out = done.stdout
    if args.out:
        args.out.write_text(out, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(out)
    return 0


# --- the model of the picture, shared by both syntaxes -------------------------------------


def shorten(text: str, width: int = LABEL_WIDTH) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= width else first[: width - 1].rstrip() + "…"


def _text(bundle: Bundle, key: str) -> str:
    """The default language's wording, placeholders left visible ({country})."""
    lang = bundle.config.default_language
    return bundle.catalogs.messages.get(lang, {}).get(key, key)


def _condition(when: dict[str, str | None]) -> str:
    parts = [f"{k}={v}" for k, v in when.items() if v is not None]
    return f" (if {', '.join(parts)})" if parts else ""


def boxes_and_edges(bundle: Bundle, flow: Flow, prefix: str = "") -> tuple[list[Box], list[Edge]]:
    boxes: list[Box] = []
    edges: list[Edge] = []
    for node_id, node in flow.nodes.items():
        note = "skipped when the country is known" if node.skip_if_known else ""
        boxes.append(Box(prefix + node_id, shorten(_text(bundle, node.text)), node.helplines, note))
        edges += _edges(bundle, prefix, node_id, node)
    return boxes, edges


def _edges(bundle: Bundle, prefix: str, node_id: str, node: Node) -> list[Edge]:
    src = prefix + node_id
    out: list[Edge] = []
    if node.choose and node.goto:
        label = REGION_EDGE if node.choose == "region" else TYPED_EDGE
        out.append(Edge(src, prefix + node.goto, label))
    if node.choose == "region" and node.other:
        out.append(Edge(src, prefix + node.other, _text(bundle, "button.other_country")))
    for opt in node.options:
        label = _text(bundle, opt.label)
        if opt.when is not None:
            label += _condition(opt.when.model_dump())
        out.append(Edge(src, prefix + opt.goto, label))
    return out


def global_notes(bundle: Bundle) -> list[tuple[str, str]]:
    """(id, text) of the notes drawn once: the `always` buttons and the crisis check."""
    always = {b for flow in bundle.flows.values() for b in flow.always}
    names = [name for key, name in NAV_NAMES.items() if key in always]
    notes = [("nav", f"On every node: {', '.join(names)}")] if names else []
    return [*notes, ("crisis", GLOBAL_CRISIS)]


def _flows(bundle: Bundle) -> list[tuple[str, Flow, str]]:
    """(name, flow, id prefix): ids get the flow's name only when several flows share a picture."""
    many = len(bundle.flows) > 1
    return [(name, flow, f"{name}__" if many else "") for name, flow in bundle.flows.items()]


# --- Mermaid ---------------------------------------------------------------------------------


def _mm(text: str) -> str:
    """Escape for a quoted Mermaid label: entity codes for what Mermaid would parse."""
    out = text.replace("#", "#35;").replace('"', "#quot;")
    return out.replace("<", "#lt;").replace(">", "#gt;")


def _mm_id(node_id: str) -> str:
    # a prefix keeps ids clear of Mermaid keywords ("end") and of o/x edge heads
    return f"n_{node_id}"


def mermaid(bundle: Bundle) -> str:
    lines = ["flowchart TD"]
    for name, flow, prefix in _flows(bundle):
        boxes, edges = boxes_and_edges(bundle, flow, prefix)
        indent = "  "
        if prefix:
            lines.append(f'  subgraph {_mm_id(prefix + "flow")}["flows/{name}.yaml"]')
            indent = "    "
        start = _mm_id(prefix + "_start")
        lines.append(f'{indent}{start}(("/start"))')
        for box in boxes:
            label = f"<b>{box.node_id[len(prefix) :]}</b><br/>{_mm(box.text)}"
            if box.note:
                label += f"<br/><i>{_mm(box.note)}</i>"
            if box.end:
                label += "<br/><i>helplines shown: end</i>"
                lines.append(f'{indent}{_mm_id(box.node_id)}(["{label}"])')
            else:
                lines.append(f'{indent}{_mm_id(box.node_id)}["{label}"]')
        lines.append(f"{indent}{start} --> {_mm_id(prefix + flow.start)}")
        for e in edges:
            lines.append(f'{indent}{_mm_id(e.source)} -->|"{_mm(e.label)}"| {_mm_id(e.target)}')
        if prefix:
            lines.append("  end")
    lines += [
        '  subgraph n__global["Everywhere"]',
        *[f'    n__{key}["{_mm(text)}"]' for key, text in global_notes(bundle)],
        "  end",
        "  classDef endnode stroke-width:3px",
        "  classDef globalnote fill:#fff8dc,stroke:#b8a000",
        f"  class {','.join(f'n__{key}' for key, _ in global_notes(bundle))} globalnote",
    ]
    ends = [
        _mm_id(p + nid) for _, f, p in _flows(bundle) for nid, n in f.nodes.items() if n.helplines
    ]
    if ends:
        lines.append(f"  class {','.join(ends)} endnode")
    return "\n".join(lines) + "\n"


# --- Graphviz DOT ----------------------------------------------------------------------------


def _dq(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(bundle: Bundle) -> str:
    lines = [
        "digraph helpline_bot {",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for name, flow, prefix in _flows(bundle):
        boxes, edges = boxes_and_edges(bundle, flow, prefix)
        indent = "  "
        if prefix:
            lines.append(f"  subgraph {_dq('cluster_' + name)} {{")
            lines.append(f"    label={_dq(f'flows/{name}.yaml')};")
            indent = "    "
        start = prefix + "_start"
        lines.append(f'{indent}{_dq(start)} [label="/start", shape=circle];')
        for box in boxes:
            text = f"{box.node_id[len(prefix) :]}\n{box.text}"
            if box.note:
                text += f"\n({box.note})"
            attrs = f"label={_dq(text)}"
            if box.end:
                attrs += ', shape=box, style="rounded,bold", peripheries=2'
            lines.append(f"{indent}{_dq(box.node_id)} [{attrs}];")
        lines.append(f"{indent}{_dq(start)} -> {_dq(prefix + flow.start)};")
        for e in edges:
            lines.append(f"{indent}{_dq(e.source)} -> {_dq(e.target)} [label={_dq(e.label)}];")
        if prefix:
            lines.append("  }")
    lines += [
        '  subgraph "cluster__global" {',
        '    label="Everywhere"; style=dashed;',
        *[f'    "_{key}" [label={_dq(text)}, shape=note];' for key, text in global_notes(bundle)],
        "  }",
        "}",
    ]
    return "\n".join(lines) + "\n"
