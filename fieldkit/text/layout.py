"""Text boxes on a page or photo read in order: rows by vertical overlap, top to bottom."""

from __future__ import annotations


def group_rows(runs) -> list[list[tuple]]:
    """Boxes (left, bottom, right, top, text; y upwards) grouped into rows by vertical overlap, top to
    bottom, each row left to right."""
    rows: list[list[tuple]] = []
    for run in sorted(runs, key=lambda r: (-(r[1] + r[3]) / 2, r[0])):
        mid = (run[1] + run[3]) / 2
        if rows and min(r[1] for r in rows[-1]) <= mid <= max(r[3] for r in rows[-1]):
            rows[-1].append(run)
        else:
            rows.append([run])
    return [sorted(row, key=lambda r: r[0]) for row in rows]
