"""Ruled tables on a page image: cell boxes from the ruling lines.

A printed table's structure is in its lines, not its text: OpenCV morphology keeps
the long horizontal and vertical strokes (text strokes are shorter than the
kernels), each connected set of lines is a table, the line positions give the
finest grid of rows and columns, and a grid unit whose dividing line is missing is
merged with its neighbour (a rowspan/colspan), exactly as HTML spans are expanded.
Sizes are for a page image normalised to ``ocr.PAGE_WIDTH`` pixels across (A4 at
200 dpi).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

H_KERNEL = 60  # shortest horizontal ruling line kept (px); the narrowest cell is wider
V_KERNEL = 36  # shortest vertical ruling line kept: rows are taller (>= 40 px), table characters shorter
MERGE_GAP = 6  # line positions closer than this are one line (thickness, residual skew)
MIN_COVER = 0.6  # a divider is present when its line covers this share of the edge
MIN_TABLE = (200, 30)  # smallest table (w, h) in px: one row of a table split over pages counts


@dataclass
class CellBox:
    """A printed cell: grid span (rows r0..r1, cols c0..c1 inclusive) and pixel box."""

    r0: int
    c0: int
    r1: int
    c1: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 (inside the lines)


@dataclass
class RuledTable:
    box: tuple[int, int, int, int]
    n_rows: int
    n_cols: int
    cells: list[CellBox]


def line_masks(binary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling-line masks of a binarised (ink = 255) page."""
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (H_KERNEL, 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, V_KERNEL)))
    # Close small breaks (scan noise, JPEG) so a line is not read as a missing divider.
    horizontal = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    vertical = cv2.dilate(vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 9)))
    return horizontal, vertical


def _positions(profile: np.ndarray, minimum: int) -> list[int]:
    """Centres of the runs where a projection profile reaches ``minimum``."""
    idx = np.flatnonzero(profile >= minimum)
    if idx.size == 0:
        return []
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > MERGE_GAP) + 1)
    return [int(run.mean()) for run in runs]


def find_tables(horizontal: np.ndarray, vertical: np.ndarray) -> list[RuledTable]:
    """Every ruled table of the page, top to bottom."""
    grid = cv2.bitwise_or(horizontal, vertical)
    n, _, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    tables: list[RuledTable] = []
    for k in range(1, n):
        x, y, w, h = (int(v) for v in stats[k][:4])
        if w < MIN_TABLE[0] or h < MIN_TABLE[1]:
            continue
        table = _table(horizontal[y : y + h, x : x + w], vertical[y : y + h, x : x + w], (x, y))
        if table is not None:
            tables.append(table)
    return sorted(tables, key=lambda t: t.box[1])


def _table(hmask: np.ndarray, vmask: np.ndarray, origin: tuple[int, int]) -> RuledTable | None:
    ys = _positions((hmask > 0).sum(axis=1), H_KERNEL)
    xs = _positions((vmask > 0).sum(axis=0), V_KERNEL)
    if len(ys) < 2 or len(xs) < 2:
        return None
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    m = MERGE_GAP // 2 + 2
    for r in range(n_rows):
        y0, y1 = ys[r] + m, ys[r + 1] - m
        for c in range(n_cols):
            x0, x1 = xs[c] + m, xs[c + 1] - m
            if c + 1 < n_cols:  # divider to the right
                band = vmask[y0:y1, max(0, xs[c + 1] - m) : xs[c + 1] + m + 1]
                if band.size == 0 or band.any(axis=1).mean() < MIN_COVER:
                    parent[find(r * n_cols + c)] = find(r * n_cols + c + 1)
            if r + 1 < n_rows:  # divider below
                band = hmask[max(0, ys[r + 1] - m) : ys[r + 1] + m + 1, x0:x1]
                if band.size == 0 or band.any(axis=0).mean() < MIN_COVER:
                    parent[find(r * n_cols + c)] = find((r + 1) * n_cols + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            groups.setdefault(find(r * n_cols + c), []).append((r, c))
    ox, oy = origin
    cells = []
    for members in groups.values():
        r0, r1 = min(r for r, _ in members), max(r for r, _ in members)
        c0, c1 = min(c for _, c in members), max(c for _, c in members)
        box = (ox + xs[c0], oy + ys[r0], ox + xs[c1 + 1], oy + ys[r1 + 1])
        cells.append(CellBox(r0, c0, r1, c1, box))
    cells.sort(key=lambda cb: (cb.r0, cb.c0))
    box = (ox + xs[0], oy + ys[0], ox + xs[-1], oy + ys[-1])
    return RuledTable(box, n_rows, n_cols, cells)
