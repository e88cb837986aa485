"""Interpretation: grids → template cells, by label matching, never by position alone.

Each printed row is split into its label cells and its value cells. Rows are
assigned to a template table by keywords, then matched to template rows by an
ordered alignment (the template's row order is fixed, so "3.其他" after the
（六） sub-rows can only be other_misc). Values are assigned to columns in the
template's order when the row prints exactly as many value cells as the
template has columns; otherwise the header's column labels decide; otherwise
the row is unsure and its cells stay null.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache, lru_cache

from rapidfuzz import fuzz

from ogi.extract.model import Cell, Grid
from ogi.parse import template as T
from ogi.parse.normalize import label_key
from ogi.parse.values import Reading, looks_like_value, read_value

MATCH_THRESHOLD = 75.0  # label similarity (0–100) below which a row is not that template row
HEADER_THRESHOLD = 80.0
MAX_LABEL_KEY = 60  # longer "labels" are narrative that happened to land in a table
MIN_GRID_KEYWORDS = 2  # different table keywords that make a grid a template table on its own


@dataclass
class RowView:
    grid: Grid
    r: int
    labels: list[str]
    values: list[Cell]
    table: str | None = None
    keys: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.keys = [k for k in (label_key(t) for t in self.labels) if k]


@dataclass
class Found:
    """A template cell as printed."""

    code: str
    cell: Cell | None
    reading: Reading


@dataclass
class TableResult:
    found: dict[str, Found] = field(default_factory=dict)
    unsure: list[tuple[str, str]] = field(default_factory=list)  # (code or row, detail)
    merged: list[str] = field(default_factory=list)  # details of merged rows/columns


@cache
def _keyword_groups(name: str, group: str) -> dict[str, tuple[str, ...]]:
    """A (group, keyword) data file as group -> keywords."""
    with (T.DATA / name).open(encoding="utf-8") as fh:
        out: dict[str, list[str]] = {}
        for r in csv.DictReader(fh):
            out.setdefault(r[group], []).append(r["keyword"])
    return {k: tuple(v) for k, v in out.items()}


def _keywords() -> dict[str, tuple[str, ...]]:
    """Table → words that mark a printed row as belonging to it."""
    return _keyword_groups("table_keywords.csv", "table")


def _signals() -> dict[str, tuple[str, ...]]:
    """Template version → labels only that version prints."""
    return _keyword_groups("template_signals.csv", "template")


def split_row(cells: list[Cell]) -> tuple[list[str], list[Cell]]:
    """Label cells are everything up to the last cell that is text, not a value."""
    last_label = -1
    for i, cell in enumerate(cells):
        if cell.text.strip() and not looks_like_value(cell.text):
            last_label = i
    labels = [c.text for c in cells[: last_label + 1] if c.text.strip()]
    return labels, cells[last_label + 1 :]


def _row_hits(view: RowView, keywords: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
    """Table → the keywords of that table the row's labels contain."""
    hits: dict[str, set[str]] = {}
    for key in view.keys:
        if len(key) > MAX_LABEL_KEY:
            continue
        for table, words in keywords.items():
            found = {word for word in words if word in key}
            if found:
                hits.setdefault(table, set()).update(found)
    return hits


def row_views(grids: list[Grid]) -> list[RowView]:
    """Every printed row, tagged with the template table it belongs to.

    A grid is a template table by what it contains, wherever it stands in the
    document: at least ``MIN_GRID_KEYWORDS`` different table keywords in its
    labels. A grid with fewer continues the template table of the grid right
    before it (a table split across pages or into several ``<table>`` elements: a
    body apart from its header, a page without the header repeated); any other
    grid (site chrome, an info box, a layout table) is no template table. Inside a
    template grid, rows without a keyword continue the table above."""
    keywords = _keywords()
    views: list[RowView] = []
    current: str | None = None
    previous_template = False
    for grid in grids:
        grid_views = []
        grid_hits: list[dict[str, set[str]]] = []
        for r in range(len(grid.rows)):
            labels, values = split_row(grid.distinct_row(r))
            view = RowView(grid, r, labels, values)
            grid_views.append(view)
            grid_hits.append(_row_hits(view, keywords))
        distinct = {word for hits in grid_hits for words in hits.values() for word in words}
        own = len(distinct) >= MIN_GRID_KEYWORDS
        is_template = own or (previous_template and any(v.values for v in grid_views))
        previous_template = own  # one grid continues a table, not a chain of grids
        for view, hits in zip(grid_views, grid_hits, strict=True):
            if is_template:
                if hits:
                    best = max(len(words) for words in hits.values())
                    leaders = [t for t, words in hits.items() if len(words) == best]
                    current = current if current in leaders else leaders[0]
                view.table = current
            views.append(view)
    return views


def what_was_seen(grids: list[Grid]) -> str:
    """For a document with no template table: how many tables it holds, how many
    print numbers, and which table keywords their labels contain."""
    keywords = _keywords()
    seen: set[str] = set()
    with_numbers = 0
    for grid in grids:
        numbers = False
        for r in range(len(grid.rows)):
            view = RowView(grid, r, *split_row(grid.distinct_row(r)))
            numbers = numbers or any(read_value(c.text).kind == "number" for c in view.values)
            for words in _row_hits(view, keywords).values():
                seen |= words
        with_numbers += numbers
    words = "、".join(sorted(seen)) if seen else "none"
    return f"{len(grids)} table(s), {with_numbers} with numbers; table keywords seen: {words}"


def detect_template(grids: list[Grid], year: int | None) -> str | None:
    """2019 trial or 2021 format, from the labels only those formats print."""
    keys = {label_key(cell.text) for grid in grids for r in range(len(grid.rows)) for cell in grid.distinct_row(r)}
    votes = {v: sum(any(word in key for key in keys) for word in words) for v, words in _signals().items()}
    if votes.get("2019", 0) > votes.get("2021", 0):
        return "2019"
    if votes.get("2021", 0) > votes.get("2019", 0):
        return "2021"
    if year is not None:
        return "2019" if year <= 2020 else "2021"
    return "2021"


def _similarity(view: RowView, spec: T.RowSpec) -> float:
    return _label_similarity(tuple(view.keys), spec.aliases)


@lru_cache(maxsize=1 << 17)
def _label_similarity(keys: tuple[str, ...], aliases: tuple[str, ...]) -> float:
    """Best similarity of a printed row's labels to a template row's aliases. Cached:
    every report of a batch prints the same labels, and the alignment compares each
    row with every template row."""
    if not keys:
        return 0.0
    candidates = {keys[-1], "".join(keys[-2:]), "".join(keys)}
    best = 0.0
    for alias in aliases:
        for cand in candidates:
            best = max(best, fuzz.ratio(cand, alias))
            if len(alias) >= 4 and len(cand) > len(alias):
                best = max(best, 0.9 * fuzz.partial_ratio(cand, alias))
    return best


def align(views: list[RowView], specs: list[T.RowSpec]) -> list[tuple[RowView, T.RowSpec]]:
    """Ordered alignment of printed rows to template rows maximizing total similarity."""
    n, m = len(views), len(specs)
    score = [[_similarity(v, s) for s in specs] for v in views]
    dp = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            best = max(dp[i - 1][j], dp[i][j - 1])
            if score[i - 1][j - 1] >= MATCH_THRESHOLD:
                best = max(best, dp[i - 1][j - 1] + score[i - 1][j - 1])
            dp[i][j] = best
    pairs = []
    i, j = n, m
    while i > 0 and j > 0:
        s = score[i - 1][j - 1]
        if s >= MATCH_THRESHOLD and dp[i][j] == dp[i - 1][j - 1] + s:
            pairs.append((views[i - 1], specs[j - 1]))
            i, j = i - 1, j - 1
        elif dp[i][j] == dp[i - 1][j]:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def _trim(values: list[Cell], expected: int) -> list[Cell]:
    """Drop blank padding cells (an empty label continuation, a trailing tab)."""
    values = list(values)
    while len(values) > expected and not values[-1].text.strip():
        values.pop()
    while len(values) > expected and not values[0].text.strip():
        values.pop(0)
    return values


def _assign(
    result: TableResult,
    table: str,
    row: str,
    cols: tuple[str, ...],
    values: list[Cell],
    header: dict[int, str] | None,
    used: set[int] | None = None,
    unruled: bool = False,
) -> None:
    """Exact count → template order; else the header's column labels (blank cells
    under no label are layout padding); else, in an unruled table, every cell
    printed (a blank there is only a gap between words, so when the row prints as
    many values as the template has columns no blank's place is in doubt); else
    blank padding trimmed at the edges, or blank cells in grid columns no row of
    this table ever fills (``used``); else unsure."""
    mapping: list[tuple[str, Cell]] | None = None
    if len(values) == len(cols):
        mapping = list(zip(cols, values, strict=True))
    if mapping is None and header:
        mapped = [(header.get(cell.col), cell) for cell in values]
        mapped = [(col, cell) for col, cell in mapped if col is not None or cell.text.strip()]
        if mapped and all(col in cols for col, _ in mapped) and len({c for c, _ in mapped}) == len(mapped):
            mapping = [(col, cell) for col, cell in mapped if col is not None]
    if mapping is None and unruled:
        printed = [cell for cell in values if cell.text.strip()]
        if len(printed) == len(cols):
            mapping = list(zip(cols, printed, strict=True))
    if mapping is None:
        trimmed = _trim(values, len(cols))
        if len(trimmed) != len(cols) and used is not None:
            # Only when every kept cell prints something: a blank kept here could as
            # well belong to the next column.
            kept = [c for c in values if c.col in used or c.text.strip()]
            if all(c.text.strip() for c in kept):
                trimmed = kept
        if len(trimmed) == len(cols):
            mapping = list(zip(cols, trimmed, strict=True))
    if mapping is None:
        printed = " | ".join(c.text for c in values)
        result.unsure.append((f"{table}.{row}", f"{len(values)} value cells where {len(cols)} expected: {printed}"))
        return
    for col, cell in mapping:
        code = f"{table}.{row}.{col}"
        reading = read_value(cell.text)
        if reading.kind == "unsure":
            result.unsure.append((code, f"unreadable cell text {cell.text!r}"))
        result.found[code] = Found(code, cell, reading)


def _header_columns(grid: Grid, header_rows: list[int], table: str, version: str) -> dict[int, str]:
    """Grid column → template column, from the header rows above a block of data rows.
    A column's label is the best-reading run of its header texts counted from the
    bottom (so 申请人情况 / 法人或其他组织 / 商业企业 reads as 商业企业, and a label
    printed one character per line is put back together)."""
    specs = T.cols(version, table) + T.cols("ext", table)
    aliases = [(a, spec.col) for spec in specs for a in spec.aliases]
    out: dict[int, str] = {}
    width = len(grid.rows[0]) if grid.rows else 0
    for c in range(width):
        texts: list[str] = []
        for r in header_rows:
            cell = grid.rows[r][c]
            if cell is not None and cell.text.strip() and (not texts or texts[-1] != cell.text):
                texts.append(cell.text)
        best, best_col = 0.0, None
        for j in range(len(texts)):
            key = label_key("".join(texts[j:]))
            for alias, col in aliases:
                score = fuzz.ratio(key, alias)
                if score > best:
                    best, best_col = score, col
        if best_col and best >= HEADER_THRESHOLD:
            out[c] = best_col
    return out


def _width(grid: Grid) -> int:
    return len(grid.rows[0]) if grid.rows else 0


def _by_position(header: dict[int, str], old: Grid, new: Grid, tolerance: float = 6.0) -> dict[int, str]:
    """Carry a column map to a grid with other columns, matching columns by their
    x-centre on the page (unruled PDF tables continued on the next page)."""
    if old.col_x is None or new.col_x is None:
        return {}
    placed = [(c, x) for c, x in enumerate(new.col_x) if x is not None]
    out: dict[int, str] = {}
    for c_old, code in header.items():
        x_old = old.col_x[c_old] if c_old < len(old.col_x) else None
        if x_old is None or not placed:
            continue
        c_new, x_new = min(placed, key=lambda cx: abs(cx[1] - x_old))
        if abs(x_new - x_old) <= tolerance and c_new not in out:
            out[c_new] = code
    return out


def _header_maps(
    views: list[RowView], matched: list[RowView], table: str, version: str
) -> dict[tuple[int, int], dict[int, str]]:
    """The column map in force for each matched row: the run of non-data rows right
    above its block of data rows. A grid that starts with data (a table continued on
    the next page without its header) keeps the previous grid's map: by column when
    it has the same width, by column position on the page when both grids know it."""
    data = {(v.grid.index, v.r) for v in matched}
    out: dict[tuple[int, int], dict[int, str]] = {}
    current: dict[int, str] = {}
    previous: Grid | None = None
    for grid in dict.fromkeys(v.grid for v in views):
        if previous is not None and _width(grid) != _width(previous):
            current = _by_position(current, previous, grid)
        previous = grid
        run: list[int] = []
        for r in range(len(grid.rows)):
            if (grid.index, r) in data:
                if run:
                    current = _header_columns(grid, run, table, version) or current
                    run = []
                out[(grid.index, r)] = current
            else:
                run.append(r)
    return out


def interpret_rows(views: list[RowView], table: str, version: str) -> TableResult:
    """Rows of one template table (active or requests) → cells."""
    result = TableResult()
    specs = list(T.rows(version, table))
    if table == "requests" and version == "2021":
        ext = [s for s in T.rows("ext", table) if s.row == T.EXT_ROW]
        at = next(i for i, s in enumerate(specs) if s.row.startswith("other_"))
        specs[at:at] = ext
    candidates = [v for v in views if v.table == table and v.values and v.keys]
    pairs = align(candidates, specs)
    headers = _header_maps([v for v in views if v.table == table], [v for v, _ in pairs], table, version)
    matched = {id(v) for v, _ in pairs}
    for view in candidates:
        if id(view) not in matched and any(read_value(c.text).kind == "number" for c in view.values):
            # Loud, not silent: numbers printed in a template table that no template row explains.
            label = " ".join(view.labels)[:60]
            printed = " | ".join(c.text for c in view.values if c.text.strip())
            result.unsure.append((f"{table}: {label}", f"row prints numbers ({printed}) but matches no template row"))
    legal_merged = table == "requests" and _legal_column_merged(pairs, headers)
    used = _used_columns([v for v, _ in pairs])
    for view, spec in pairs:
        cols = spec.cols
        if legal_merged:
            cols = ("natural_person", T.EXT_COL, "total")
        if spec.row == T.EXT_ROW and version == "2021":
            if not any(read_value(c.text).kind == "number" for c in view.values):
                continue
            result.merged.append(
                "（六）其他处理 printed as one row: " + " | ".join(c.text for c in _trim(view.values, 7))
            )
        key = (view.grid.index, view.r)
        unruled = view.grid.col_x is not None
        _assign(result, table, spec.row, cols, view.values, headers.get(key), used[view.grid.index], unruled)
    if legal_merged:
        result.merged.append("法人或其他组织 printed as one column instead of five")
    return result


def _used_columns(rows: list[RowView]) -> dict[int, set[int]]:
    """Per grid, the columns where some row of the table prints something."""
    out: dict[int, set[int]] = {}
    for view in rows:
        out.setdefault(view.grid.index, set()).update(c.col for c in view.values if c.text.strip())
    return out


def _legal_column_merged(
    pairs: list[tuple[RowView, T.RowSpec]], headers: dict[tuple[int, int], dict[int, str]]
) -> bool:
    """法人或其他组织 printed as one column: the header has no sub-column labels, and
    either labels that column 法人或其他组织 or most rows print three values."""
    if not pairs:
        return False
    labels = {col for h in headers.values() for col in h.values()}
    if labels & {"commercial", "research", "nonprofit", "legal_services"}:
        return False
    three = sum(len(_trim(v.values, 7)) == 3 for v, _ in pairs)
    if three > len(pairs) / 2:
        return True
    at_most_three = sum(sum(bool(c.text.strip()) for c in v.values) <= 3 for v, _ in pairs)
    return T.EXT_COL in labels and "natural_person" in labels and at_most_three > len(pairs) / 2


def interpret_review(views: list[RowView], version: str) -> TableResult:
    """The review table: one row of 15 values (the template) or three rows of five."""
    result = TableResult()
    specs = list(T.rows(version, "review"))
    rows = [v for v in views if v.table == "review" and v.values]
    vertical = align(
        [
            v
            for v in rows
            if v.keys and len(_trim(v.values, 5)) == 5 and any(read_value(c.text).kind == "number" for c in v.values)
        ],
        specs,
    )
    if len(vertical) >= 2:
        for view, spec in vertical:
            _assign(result, "review", spec.row, spec.cols, view.values, None)
        return result
    horizontal = [v for v in rows if len(_trim(v.values, 15)) >= 10]
    if not horizontal:
        return result
    view = max(horizontal, key=lambda v: sum(read_value(c.text).kind == "number" for c in v.values))
    printed = [c for c in view.values if c.text.strip()]
    if view.grid.col_x is not None:
        # Unruled table: a blank cell is only a gap between words, so the columns are
        # where the header labels stand, never the count of cells trimmed at the
        # edges. The labelled columns must spell the template's three groups in order
        # and hold every printed value; when all 15 are printed, no blank's place is
        # in doubt.
        header = _header_columns(view.grid, list(range(view.r)), "review", version)
        labelled = [c for c in view.values if c.col in header]
        in_order = [header[c.col] for c in labelled] == [col for spec in specs for col in spec.cols]
        values = printed if len(printed) == 15 else labelled if in_order else []
        if len(values) != 15 or not set(map(id, printed)) <= set(map(id, values)):
            result.unsure.append(("review", f"{len(printed)} values printed, their 15 columns not told apart"))
            return result
        for k, spec in enumerate(specs):
            _assign(result, "review", spec.row, spec.cols, values[5 * k : 5 * k + 5], None)
        return result
    values = _trim(view.values, 15)
    if len(values) != 15 and len(printed) == 15:
        values = printed  # every cell printed: no blank whose place is in doubt
    if len(values) != 15:
        # Only the columns under a review header label hold the 15 values.
        header = _header_columns(view.grid, list(range(view.r)), "review", version)
        values = [c for c in view.values if c.col in header]
    if len(values) != 15:
        result.unsure.append(("review", f"{len(values)} value cells where 15 expected"))
        return result
    for k, spec in enumerate(specs):
        _assign(result, "review", spec.row, spec.cols, values[5 * k : 5 * k + 5], None)
    return result
