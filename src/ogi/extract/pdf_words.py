"""Tables without ruling lines, rebuilt from word positions.

With no lines to follow, a table is only words on a page: numbers stand in
columns (their x-centres line up), labels stand left of them, and a label or a
number too long for its cell wraps onto extra lines, vertically centred on the
row. So rows are anchored on the lines of numbers, columns are clusters of the
numbers' x-centres, label lines join the nearest row of numbers, and text above
the numbers' columns (the header) forms rows of its own. A number wrapped in a
narrow column shows as fragments just above and below the row's other numbers,
in columns that row leaves empty; those are joined back. A word on the line of a
row's numbers that reaches over the number columns is a cell of that row, never
label text (a label run together with its first number is split at the number).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from ogi.extract.model import Cell, Grid

_UNIT = re.compile(r"^(?:万元|元|件|个|条|项|次)$")
_VALUE = re.compile(r"^(?:[+-]?[\d０-９][\d０-９,，.．]*(?:万元|元|件|个|条|项|次)?|[—\-/／–－]+|无)$")

# Label text, then a number (a speck read as a point before it stays with the number).
_RUN_ON = re.compile(r"^(.*[^\d０-９,，.．·\s])\s*([.．,，·]*[\d０-９][\d０-９,，.．]*)$")
NARRATIVE_WORDS = 16  # a line of more words than any table row prints is narrative


@dataclass
class _Line:
    y: float
    words: list[dict] = field(default_factory=list)


def _cluster_lines(words: list[dict], tolerance: float) -> list[_Line]:
    lines: list[_Line] = []
    for word in sorted(words, key=lambda w: (w["top"] + w["bottom"]) / 2):
        y = (word["top"] + word["bottom"]) / 2
        if lines and abs(lines[-1].y - y) <= tolerance:
            lines[-1].words.append(word)
        else:
            lines.append(_Line(y, [word]))
    return lines


def _columns(values: list[dict], gap: float) -> list[float]:
    """Centres of the value columns: x-centres of numbers, split where they part."""
    xs = sorted((w["x0"] + w["x1"]) / 2 for w in values)
    clusters: list[list[float]] = []
    for x in xs:
        if clusters and x - clusters[-1][-1] <= gap:
            clusters[-1].append(x)
        else:
            clusters.append([x])
    return [statistics.fmean(c) for c in clusters]


def _nearest(x: float, centres: list[float]) -> int:
    return min(range(len(centres)), key=lambda i: abs(centres[i] - x))


def _last_covered(word: dict, centres: list[float]) -> int:
    """The column of a word run together with text on its left: the rightmost column
    centre it spans (a label joined to its row's first number ends on that number),
    else the nearest."""
    covered = [i for i, x in enumerate(centres) if word["x0"] <= x <= word["x1"]]
    return max(covered, key=lambda i: centres[i]) if covered else _nearest((word["x0"] + word["x1"]) / 2, centres)


def _join_units(words: list[dict], height: float) -> list[dict]:
    """A unit printed right after its number (``0件``, ``45.82万元``) is often a word of
    its own (another script, a small gap): put it back on the number."""
    out: list[dict] = []
    # Line by line (a unit in another font sits a little higher or lower than its
    # number, so fixed y-buckets would part them), left to right.
    ordered = [w for line in _cluster_lines(words, 0.45 * height) for w in sorted(line.words, key=lambda w: w["x0"])]
    for w in ordered:
        prev = out[-1] if out else None
        if (
            prev is not None
            and _UNIT.match(w["text"])
            and _VALUE.match(prev["text"])
            and prev["text"][-1:].isdigit()
            and abs(prev["top"] - w["top"]) < 0.4 * height
            and 0 <= w["x0"] - prev["x1"] < 0.6 * height
        ):
            out[-1] = {**prev, "text": prev["text"] + w["text"], "x1": w["x1"], "confidence": _least(prev, w)}
            continue
        out.append(w)
    return out


def word_grid(words: list[dict], index: int, page: int) -> Grid | None:
    """A grid for one page's unruled tables, or None when the page has no numbers."""
    if not words:
        return None
    height = statistics.median(w["bottom"] - w["top"] for w in words)
    words = _join_units(words, height)
    values = [w for w in words if _VALUE.match(w["text"])]
    if not values:
        return None
    # A unit wrapped alone onto the next line of its narrow cell belongs with the numbers
    # (joined back below), never with the labels or the header.
    units = [w for w in words if _UNIT.match(w["text"])]
    in_cells = values + units
    left_edge = min(w["x0"] for w in values) - 0.5 * height  # label area of header lines
    # Columns come from the numbers and from short header words over them: a column
    # left blank on every row of the page still has its header label.
    # Justified narrative lines break into one word per character: not header words.
    narrative = {
        id(w) for line in _cluster_lines(words, 0.45 * height) if len(line.words) > NARRATIVE_WORDS for w in line.words
    }
    headers = [
        w
        for w in words
        if len(w["text"]) <= 4 and w["x0"] > left_edge + height and w not in in_cells and id(w) not in narrative
    ]
    centres = _columns(values + headers, gap=max(4.0, 0.7 * height))

    # Lines of numbers, one column each.
    value_lines: list[dict[int, dict]] = []
    ys: list[float] = []
    for line in _cluster_lines(in_cells, 0.45 * height):
        cols: dict[int, dict] = {}
        for w in sorted(line.words, key=lambda w: w["x0"]):
            col = _nearest((w["x0"] + w["x1"]) / 2, centres)
            if col in cols:  # two numbers in one column on one line: keep both, visibly
                cols[col] = {
                    **cols[col],
                    "text": cols[col]["text"] + " " + w["text"],
                    "confidence": _least(cols[col], w),
                }
            else:
                cols[col] = w
        value_lines.append(cols)
        ys.append(line.y)
    _join_wrapped(value_lines, ys, 1.8 * height)
    _join_wrapped_units(value_lines, ys, 1.8 * height)

    # Other words, line by line. A line with words over the number columns is a header
    # (or narrative) line of its own; a line left of the numbers is label text of the
    # nearest row of numbers.
    rows: list[tuple[float, dict[int, str], list[dict]]] = [
        (y, {c: w["text"] for c, w in v.items()}, []) for y, v in zip(ys, value_lines, strict=True)
    ]
    # OCR words carry a recognition confidence (a cell keeps its words' lowest) and a pixel box.
    placed = {(y, c): w for y, v in zip(ys, value_lines, strict=True) for c, w in v.items()}
    row_left = [min(w["x0"] for w in v.values()) for v in value_lines]
    reach = 1.8 * height
    for line in _cluster_lines([w for w in words if w not in in_cells], 0.45 * height):
        k = min(range(len(row_left)), key=lambda i: abs(rows[i][0] - line.y))
        if abs(rows[k][0] - line.y) <= 0.45 * height and any(w["x1"] > left_edge + height for w in line.words):
            # On the very line of a row's numbers, a word reaching over the number
            # columns is that row's cell (a number run together with a speck, "·0"),
            # never label text: as a label it would leave its cell looking blank.
            y, cells, label = rows[k]
            for w in sorted(line.words, key=lambda w: w["x0"]):
                if w["x1"] <= left_edge + height:
                    label.append(w)
                    continue
                col = _last_covered(w, centres)
                run_on = _RUN_ON.match(w["text"])
                if run_on and w["x0"] < centres[col] - height:  # the label and the row's first number as one word
                    label.append({**w, "text": run_on[1], "x1": centres[col] - height})
                    w = {**w, "text": run_on[2]}
                cells[col] = cells[col] + " " + w["text"] if col in cells else w["text"]
                placed[(y, col)] = {**w, "confidence": _least(placed.get((y, col), w), w)}
            continue
        if abs(rows[k][0] - line.y) <= reach and all(w["x1"] <= row_left[k] + 0.3 * height for w in line.words):
            rows[k][2].extend(line.words)
            continue
        cells: dict[int, str] = {}
        label: list[dict] = []
        for w in sorted(line.words, key=lambda w: w["x0"]):
            if w["x1"] <= left_edge + height:
                label.append(w)
            else:
                col = _nearest((w["x0"] + w["x1"]) / 2, centres)
                cells[col] = cells.get(col, "") + w["text"]
        rows.append((line.y, cells, label))

    grid_rows: list[list[Cell | None]] = []
    width = max(len(_label_cells(label, height)) for _, _, label in rows) or 1
    for r, (y, cells, label) in enumerate(sorted(rows, key=lambda row: row[0])):
        texts = _label_cells(label, height)
        texts = [""] * (width - len(texts)) + texts
        out: list[Cell | None] = [Cell(t, page, index, r, c) for c, t in enumerate(texts)]
        out += [
            Cell(
                cells.get(c, ""),
                page,
                index,
                r,
                width + c,
                confidence=placed.get((y, c), {}).get("confidence"),
                box=placed.get((y, c), {}).get("box"),
            )
            for c in range(len(centres))
        ]
        grid_rows.append(out)
    return Grid(index, grid_rows, page, col_x=[None] * width + list(centres))


def _label_cells(words: list[dict], height: float) -> list[str]:
    """Label words grouped into cells: words stacked over each other (a wrapped label)
    or side by side with a small gap belong together."""
    parent = list(range(len(words)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(words):
        for j in range(i + 1, len(words)):
            b = words[j]
            same_line = abs(a["top"] - b["top"]) < 0.5 * height
            overlap = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            if (same_line and -overlap < 0.6 * height) or (not same_line and overlap > 0):
                parent[find(i)] = find(j)
    groups: dict[int, list[dict]] = {}
    for i, w in enumerate(words):
        groups.setdefault(find(i), []).append(w)
    cells = sorted(groups.values(), key=lambda g: min(w["x0"] for w in g))
    return ["".join(w["text"] for w in sorted(g, key=lambda w: (round(w["top"]), w["x0"]))) for g in cells]


def _least(a: dict, b: dict) -> float | None:
    """The lower recognition confidence of two joined words (None for a text layer)."""
    scores = [s for s in (a.get("confidence"), b.get("confidence")) if s is not None]
    return min(scores) if scores else None


def _join_wrapped(lines: list[dict[int, dict]], ys: list[float], reach: float) -> None:
    """Fragments of numbers wrapped in narrow cells sit just above and below their
    row's other numbers, in columns that row leaves empty: join them back."""
    i = 1
    while i < len(lines) - 1:
        above, row, below = lines[i - 1], lines[i], lines[i + 1]
        if (
            above.keys() == below.keys()
            and not above.keys() & row.keys()
            and ys[i] - ys[i - 1] <= reach
            and ys[i + 1] - ys[i] <= reach
        ):
            for col in above:
                row[col] = {
                    **above[col],
                    "text": above[col]["text"] + below[col]["text"],
                    "confidence": _least(above[col], below[col]),
                }
            del lines[i + 1], ys[i + 1], lines[i - 1], ys[i - 1]
            continue
        i += 1


def _join_wrapped_units(lines: list[dict[int, dict]], ys: list[float], reach: float) -> None:
    """A unit alone on a line, under a number of its column on the line just above
    (``157`` / ``件`` in a narrow cell): join it to that number."""
    for i in range(len(lines) - 1, 0, -1):
        for col in [c for c, w in lines[i].items() if _UNIT.match(w["text"])]:
            above = lines[i - 1].get(col)
            if above is not None and above["text"][-1:].isdigit() and ys[i] - ys[i - 1] <= reach:
                lines[i - 1][col] = {**above, "text": above["text"] + lines[i][col]["text"]}
                del lines[i][col]
        if not lines[i]:
            del lines[i], ys[i]
