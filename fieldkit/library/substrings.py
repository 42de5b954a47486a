"""Chunks ranked by which words they contain as substrings: Chinese text has no spaces between words,
and FTS5's trigram index matches nothing shorter than three characters (most Chinese words are two)."""

from __future__ import annotations

import math


def _counts(library, words: list[str], docs: frozenset[str]) -> tuple[int, dict[str, int]]:
    """How many chunks ``docs`` have, and how many of them contain each word (one pass)."""
    sums = "".join(", sum(instr(chunks.text, ?) > 0)" for _ in words)
    sql = (f"SELECT count(*){sums} FROM chunks JOIN documents ON documents.id = chunks.doc_id "
           f"WHERE documents.name IN ({','.join('?' * len(docs))})")
    total, *row = library.db.execute(sql, [*words, *sorted(docs)]).fetchone()
    return total, {w: int(n or 0) for w, n in zip(words, row)}


def substring_search(library, groups: list[list[str]], limit: int, docs: frozenset[str]) -> list[tuple[int, float]]:
    """(chunk id, score) of the chunks of ``docs`` holding the most of the ``groups`` (each a question
    term's possible words: a chunk holding any of them holds the term, as its rarest one), each
    word weighted by how few chunks hold it (inverse document frequency); words no chunk holds are
    left out."""
    words = sorted({w for group in groups for w in group})
    if not words or not docs:
        return []
    total, counts = _counts(library, words, docs)
    weight = {w: math.log((total + 1) / (n + 0.5)) for w, n in counts.items() if n}
    if not weight:
        return []
    terms, params = [], []
    for group in groups:
        held = [w for w in dict.fromkeys(group) if w in weight]
        if held:
            terms.append("max(" + ", ".join("(instr(chunks.text, ?) > 0) * ?" for _ in held) + ", 0)")
            params += [p for w in held for p in (w, weight[w])]
    sql = (f"SELECT chunks.id, {' + '.join(terms)} AS score FROM chunks JOIN documents ON documents.id = chunks.doc_id "
           f"WHERE documents.name IN ({','.join('?' * len(docs))}) ORDER BY score DESC, chunks.id LIMIT ?")
    return [(cid, float(s)) for cid, s in library.db.execute(sql, params + sorted(docs) + [limit]).fetchall() if s > 0]
