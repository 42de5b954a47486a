"""Chunks ranked by which words they contain as substrings: Chinese text has no spaces between words,
and FTS5's trigram index matches nothing shorter than three characters (most Chinese words are two)."""

from __future__ import annotations

import math


def substring_counts(library, words: list[str], docs: frozenset[str]) -> dict[str, int]:
    """How many chunks of ``docs`` contain each word."""
    if not words or not docs:
        return {}
    marks = ",".join("?" * len(docs))
    sums = ", ".join("sum(instr(chunks.text, ?) > 0)" for _ in words)
    sql = (f"SELECT {sums} FROM chunks JOIN documents ON documents.id = chunks.doc_id "
           f"WHERE documents.name IN ({marks})")
    row = library.db.execute(sql, [*words, *sorted(docs)]).fetchone()
    return {w: int(n or 0) for w, n in zip(words, row)}


def substring_search(library, groups: list[list[str]], limit: int, docs: frozenset[str]) -> list[tuple[int, float]]:
    """(chunk id, score) of the chunks of ``docs`` holding the most of the ``groups`` (each a question
    term's possible words: a chunk holding any of them holds the term, as its rarest one), each
    word weighted by how few chunks hold it (inverse document frequency); words no chunk holds are
    left out."""
    counts = substring_counts(library, sorted({w for group in groups for w in group}), docs)
    if not any(counts.values()):
        return []
    total = library.db.execute(
        f"SELECT count(*) FROM chunks JOIN documents ON documents.id = chunks.doc_id "
        f"WHERE documents.name IN ({','.join('?' * len(docs))})", sorted(docs)).fetchone()[0]
    weight = {w: math.log((total + 1) / (n + 0.5)) for w, n in counts.items() if n}
    terms, params = [], []
    for group in groups:
        words = [w for w in dict.fromkeys(group) if w in weight]
        if words:
            terms.append("max(" + ", ".join("(instr(chunks.text, ?) > 0) * ?" for _ in words) + ", 0)")
            params += [p for w in words for p in (w, weight[w])]
    sql = (f"SELECT chunks.id, {' + '.join(terms)} AS score FROM chunks JOIN documents ON documents.id = chunks.doc_id "
           f"WHERE documents.name IN ({','.join('?' * len(docs))}) ORDER BY score DESC, chunks.id LIMIT ?")
    return [(cid, float(s)) for cid, s in library.db.execute(sql, params + sorted(docs) + [limit]).fetchall() if s > 0]
