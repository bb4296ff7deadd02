"""Render a trace result as rich tables, Markdown, LaTeX, JSON or structured data.

Text, Markdown, LaTeX and the web page's structured form (``structured``: each equation
in plain text and in LaTeX math, for KaTeX) all read the same equation list
(``equations.document``); JSON is the result itself with arrays as lists.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import numpy as np
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from rnnlab import cells
from rnnlab.cells.equation import Eq, Piece, Section
from rnnlab.errors import ConfigError, DataError
from rnnlab.trace.compute import to_json
from rnnlab.trace.equations import document

FORMATS = ("text", "markdown", "latex", "json")


def number(value: float, precision: int) -> str:
    """Fixed decimals without trailing zeros: 0.5, -0.0018, 1; never "-0"."""
    text = f"{value:.{precision}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "", "-") else text


def plain(value: Any, precision: int) -> str:
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return number(float(array), precision)
    if array.ndim == 1:
        return "[" + ", ".join(number(v, precision) for v in array) + "]"
    return "[" + ", ".join(plain(row, precision) for row in array) + "]"


def _plain_pieces(pieces: list[Piece], precision: int) -> str:
    return "".join(p if isinstance(p, str) else plain(p, precision) for p in pieces)


def _title(r: dict[str, Any]) -> str:
    return r["title"] or f"{cells.get(r['cell']).display_name} worked example"


# ---------------------------------------------------------------- text (rich)
def text_renderables(r: dict[str, Any], precision: int = 4) -> list[RenderableType]:
    """One table per section: quantity, rule, value.

    Every piece of text is a rich ``Text``, never markup: the formulas' brackets
    (``[y_k log ŷ_k ...]``) and a user's title are shown as written.
    """
    tables: list[RenderableType] = []
    for section in document(r):
        if section.note:
            tables.append(Text(section.note.replace("`", "")))
        title = Text(section.title)
        table = Table(title=title, title_justify="left", min_width=len(title))  # title on one line
        table.add_column("quantity", style="bold")
        table.add_column("rule")
        table.add_column("value", overflow="fold")
        for eq in section.equations:
            table.add_row(Text(eq.lhs), Text(eq.symbolic), Text(plain(eq.result, precision)))
        tables.append(table)
    return tables


def render_text(r: dict[str, Any], precision: int = 4, width: int = 120) -> str:
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    console.print(Text(_title(r), style="bold"))
    for table in text_renderables(r, precision):
        console.print(table)
    return console.export_text()


# ---------------------------------------------------------------- markdown
def _markdown_eq(eq: Eq, precision: int) -> str:
    value = plain(eq.result, precision)
    if not eq.symbolic:
        return f"- `{eq.lhs} = {value}`"
    middle = f" = {_plain_pieces(eq.numeric, precision)}" if eq.numeric else ""
    return f"- `{eq.lhs} = {eq.symbolic}{middle} = {value}`"


def render_markdown(r: dict[str, Any], precision: int = 4) -> str:
    lines = [f"# {_title(r)}", ""]
    for section in document(r):
        lines += [f"## {section.title}", ""]
        if section.note:
            lines += [section.note, ""]
        lines += [_markdown_eq(eq, precision) for eq in section.equations]
        lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------- LaTeX
_LATEX_SYMBOLS = [
    ("⊙", r" \odot "),
    ("δʰ", r"\delta^{h}"),
    ("δ", r"\delta "),
    ("σ", r"\sigma"),
    ("Σ_t", r"\sum_t "),
    ("Σ", r"\sum "),
    ("∂", r"\partial "),
    ("ŷ", r"\hat{y}"),
    ("ᵀ", r"^{\top}"),
    ("²", r"^{2}"),
    ("tanh", r"\tanh "),
    ("relu", r"\operatorname{relu}"),
    ("softmax", r"\operatorname{softmax}"),
    ("sqrt", r"\operatorname{sqrt}"),
    ("mean", r"\operatorname{mean}"),
    ("var", r"\operatorname{var}"),
    ("log", r"\log "),
    ("sum_k", r"\sum_k "),
    ("target", r"\text{target}"),
    ("gamma", r"\gamma "),
    ("beta", r"\beta "),
    ("γ", r"\gamma "),
    ("β", r"\beta "),
    ("μ", r"\mu "),
    ("½", r"\tfrac{1}{2}"),
    ("≥", r"\geq "),
    ("≤", r"\leq "),
]


def latex_symbols(text: str) -> str:
    """Translate the plain notation of ``equations`` to LaTeX math."""
    for plain_sym, tex in _LATEX_SYMBOLS:
        text = text.replace(plain_sym, tex)
    text = re.sub(r"(\w)\u0303", r"\\tilde{\1}", text)  # h̃ -> \tilde{h}
    text = re.sub(r"_([A-Za-z0-9]+)", r"_{\1}", text)  # W_xh -> W_{xh}
    return re.sub(r"\^([A-Za-z0-9]+)", r"^{\1}", text)  # z^i -> z^{i}


def latex_value(value: Any, precision: int) -> str:
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return number(float(array), precision)
    rows = array[:, None] if array.ndim == 1 else array  # column vectors
    body = r" \\ ".join(" & ".join(number(v, precision) for v in row) for row in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def latex_parts(eq: Eq, precision: int) -> dict[str, str]:
    """An equation's four parts in LaTeX math: ``lhs``, ``rule``, ``numbers`` (the rule
    with the numbers substituted) and ``result``; ``rule`` and ``numbers`` may be empty."""
    numeric = "".join(
        latex_symbols(p) if isinstance(p, str) else latex_value(p, precision) for p in eq.numeric
    )
    return {
        "lhs": latex_symbols(eq.lhs),
        "rule": latex_symbols(eq.symbolic),
        "numbers": numeric.replace("(", r"\left(").replace(")", r"\right)"),  # scale to matrices
        "result": latex_value(eq.result, precision),
    }


def _latex_eq(eq: Eq, precision: int) -> str:
    tex = latex_parts(eq, precision)
    parts = [tex["lhs"]]
    if tex["rule"]:
        parts.append("&= " + tex["rule"])
    if tex["numbers"]:
        parts.append(r" \\ &= " + tex["numbers"])
    parts.append((r" \\ &= " if tex["rule"] else "&= ") + tex["result"])
    return " ".join(parts)


# the notation's symbols that prose may hold too (a cell's name: "g(a) = a + ½ for a ≥ 0"),
# and < > |, which pdflatex's default text font prints as other characters
_PROSE_MATH = re.compile("[" + "".join(sym for sym, _ in _LATEX_SYMBOLS if len(sym) == 1) + "<>|]")


def _latex_prose(piece: str) -> str:
    """Prose to LaTeX text: its special characters escaped, its symbols set as math."""
    escaped = re.sub(r"([_%&#$^{}])", r"\\\1", piece)
    return _PROSE_MATH.sub(lambda m: f"${latex_symbols(m.group())}$", escaped)


def _latex_text(text: str) -> str:
    """Prose with `math` spans (the notation of ``equations``) to LaTeX."""
    pieces = text.split("`")
    return "".join(
        f"${latex_symbols(piece)}$" if odd else _latex_prose(piece)
        for odd, piece in ((i % 2 == 1, p) for i, p in enumerate(pieces))
    )


def render_latex(r: dict[str, Any], precision: int = 4) -> str:
    out = [
        r"\documentclass{article}",
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\allowdisplaybreaks",
        r"\begin{document}",
        r"\section*{" + _latex_text(_title(r)) + "}",
    ]
    for section in document(r):
        out.append(r"\subsection*{" + _latex_text(section.title) + "}")
        if section.note:
            out.append(_latex_text(section.note))
        eqs = [_latex_eq(eq, precision) for eq in section.equations]
        out += [r"\begin{align*}", " \\\\[4pt]\n".join(eqs), r"\end{align*}"]
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- structured (web page)
def _note_pieces(note: str) -> list[dict[str, str]]:
    """A note's prose and `math` spans: ``{"text": ...}`` or ``{"tex": ...}`` pieces."""
    pieces = note.split("`")
    return [
        {"tex": latex_symbols(piece)} if k % 2 else {"text": piece}
        for k, piece in enumerate(pieces)
        if piece
    ]


def _structured_eq(eq: Eq, precision: int) -> dict[str, Any]:
    return {
        "lhs": eq.lhs,
        "rule": eq.symbolic,
        "numbers": _plain_pieces(eq.numeric, precision),
        "result": plain(eq.result, precision),
        "tex": {**latex_parts(eq, precision), "aligned": _latex_eq(eq, precision)},
    }


def structured(r: dict[str, Any], precision: int = 4) -> dict[str, Any]:
    """The worked example as data for a page to typeset: its title and sections, each
    equation in plain text (as the Markdown shows it) and in LaTeX math (``tex``: its four
    parts, and ``aligned``: the rows the LaTeX export puts in its align* environment)."""
    sections = [
        {
            "title": section.title,
            "key": section.key,
            "phase": section.phase,
            "note": _note_pieces(section.note),
            "equations": [_structured_eq(eq, precision) for eq in section.equations],
        }
        for section in document(r)
    ]
    return {"title": _title(r), "sections": sections}


def render(r: dict[str, Any], fmt: str, precision: int = 4) -> str:
    """The trace in one of text | markdown | latex | json."""
    if fmt == "json":
        try:  # bare NaN / Infinity are not JSON
            return json.dumps(to_json(r), indent=2, allow_nan=False)
        except ValueError:
            raise DataError("trace: the computation overflowed float64; no JSON to print") from None
    renderers = {"text": render_text, "markdown": render_markdown, "latex": render_latex}
    if fmt not in renderers:
        raise ConfigError(f"format: expected one of {' | '.join(FORMATS)}, received {fmt!r}")
    return renderers[fmt](r, precision)


__all__ = ["FORMATS", "Section", "render", "render_text", "structured", "text_renderables"]
