"""Tables in PDF text layers, found by layout: rows of text runs whose columns line up.

A table is three or more rows whose runs start at the same column positions, with wide gaps
between columns. Cells wrapped over several lines are merged into their row. Each table becomes
lines "cell | cell | cell", header row first, which the block parser keeps as one table block.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldkit.text.layout import group_rows

COLUMN_GAP = 14.0  # points of white space between two cells
ALIGN = 6.0  # how far a cell may start from its column's position
MIN_ROWS = 3
MAX_CELL_WORDS = 5  # mean words per cell line


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]
    bottom: float
    top: float

    def lines(self) -> list[str]:
        return [" | ".join(cell for cell in row) for row in self.rows]


def text_runs(textpage) -> list[tuple[float, float, float, float, str]]:
    """(left, bottom, right, top, text) of each run of text pdfium reports on the page."""
    runs = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = " ".join(textpage.get_text_bounded(left, bottom, right, top).split())
        if text:
            runs.append((left, bottom, right, top, text))
    return runs


def _gapped(row) -> bool:
    return len(row) >= 2 and all(b[0] - a[2] >= COLUMN_GAP for a, b in zip(row, row[1:]))


def _column(x: float, anchors: list[float]) -> int | None:
    for i, a in enumerate(anchors):
        if abs(x - a) <= ALIGN:
            return i
    return None


def find_tables(textpage) -> list[Table]:
    rows = group_rows(text_runs(textpage))
    tables: list[Table] = []
    i = 0
    while i < len(rows):
        if not _gapped(rows[i]):
            i += 1
            continue
        anchors = [r[0] for r in rows[i]]
        members = [rows[i]]
        j = i + 1
        while j < len(rows) and all(_column(r[0], anchors) is not None for r in rows[j]):
            full_row = _gapped(rows[j]) and _column(rows[j][0][0], anchors) == 0
            partial = _column(rows[j][0][0], anchors) != 0  # a wrapped cell's other line
            if not (full_row or partial):
                break
            members.append(rows[j])
            j += 1
        full = [m for m in members if _column(m[0][0], anchors) == 0]
        words = [len(r[4].split()) for m in members for r in m]
        # Two columns of running prose line up too; table cells are short.
        if len(full) >= MIN_ROWS and sum(words) / len(words) <= MAX_CELL_WORDS:
            tables.append(_merge(members, full, anchors))
            i = j
        else:
            i += 1
    return tables


def _merge(members, full, anchors) -> Table:
    """Partial rows (a wrapped cell's other lines) join the full row nearest to them."""
    cells = {id(row): [[] for _ in anchors] for row in full}
    for row in members:
        mid = sum((r[1] + r[3]) / 2 for r in row) / len(row)
        owner = row if row in full else min(full, key=lambda f: abs(sum((r[1] + r[3]) / 2 for r in f) / len(f) - mid))
        for run in row:
            cells[id(owner)][_column(run[0], anchors)].append(run)
    out = []
    for row in full:
        out.append(tuple(" ".join(r[4] for r in sorted(col, key=lambda r: -r[3])) for col in cells[id(row)]))
    bottom = min(r[1] for row in members for r in row)
    top = max(r[3] for row in members for r in row)
    return Table(tuple(out), bottom, top)
