"""What retrieval and evidence read from the catalog: chunks by id, FTS5 (words and trigrams),
word and identifier counts, callouts, figures and page text."""

from __future__ import annotations

import re

from fieldkit.library.records import Figure

SCRIPT_KEY = "script"  # documents.meta: "cjk" for a manual written mostly in Chinese or Japanese, else "other"


def script_of(texts) -> str:
    """The script a manual is written in, judged on the text of its first chunks (``texts``, up to 30)."""
    from itertools import islice

    from fieldkit.text.normalize import mostly_cjk

    return "cjk" if mostly_cjk("".join(islice(texts, 30))) else "other"


class Reads:
    """Read queries of a :class:`~fieldkit.library.catalog.Library` (its ``db``, ``root`` and
    ``generation()``)."""

    def chunk_rows(self, ids: list[int]) -> dict[int, dict]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        sql = (
            "SELECT chunks.id, chunks.doc_id, documents.name AS doc, documents.revision, chunks.page, chunks.page_end, "
            "chunks.page_label, chunks.section, chunks.kind, chunks.text FROM chunks "
            f"JOIN documents ON documents.id = chunks.doc_id WHERE chunks.id IN ({marks})"
        )
        return {row["id"]: row for row in self.db.query(sql, ids)}

    def chunk_documents(self, ids: list[int]) -> dict[int, str]:
        """Each chunk's manual by name, without its text (filters over hundreds of hits). CROSS JOIN:
        each chunk by its id, then its manual (SQLite's own order, every chunk of each manual named,
        took 25 ms at 10^5 chunks, this 2 ms)."""
        marks = ",".join("?" * len(ids))
        sql = ("SELECT chunks.id, documents.name FROM chunks CROSS JOIN documents ON documents.id = chunks.doc_id "
               f"WHERE chunks.id IN ({marks})")
        return dict(self.db.execute(sql, ids).fetchall()) if ids else {}

    def chunk_embedding(self, chunk_id: int):
        """The chunk's embedding as the catalog holds it (float32), or None when there is no such chunk."""
        import numpy as np

        row = self.db.execute("SELECT embedding FROM chunks WHERE id = ?", [chunk_id]).fetchone()
        return np.frombuffer(row[0], dtype=np.float32) if row else None

    def fts(self, match: str, limit: int, docs: frozenset[str] | None = None) -> list[tuple[int, float]]:
        """(chunk id, bm25 score; higher is better) for an FTS5 MATCH expression, within ``docs``."""
        return self._match("chunks_fts", "bm25(chunks_fts, 1.0, 0.6, 0.3)", match, limit, docs)

    def trigram_match(self, match: str, limit: int, docs: frozenset[str] | None = None
                      ) -> list[tuple[int, float]]:
        """(chunk id, bm25 score) for an FTS5 MATCH expression over character trigrams (quoted,
        lower-case), within ``docs``."""
        return self._match("chunks_tri", "bm25(chunks_tri)", match, limit, docs)

    def _match(self, table: str, rank: str, match: str, limit: int, docs: frozenset[str] | None):
        if docs and 2 * len(docs) >= self.db.execute("SELECT count(*) FROM documents").fetchone()[0]:
            # Most of the library (an English gloss of a Chinese question searches every Latin-script
            # manual): the whole library ranked without the join, then those outside ``docs`` dropped
            # (10^5 chunks: 355 -> 115 ms). Too few left: the join below.
            found = self._match(table, rank, match, limit * 4, None)
            manuals = self.chunk_documents([cid for cid, _ in found])
            kept = [pair for pair in found if manuals.get(pair[0]) in docs]
            if len(kept) >= limit or len(found) < limit * 4:
                return kept[:limit]
        where, params, joins = f"{table} MATCH ?", [match], ""
        if docs is not None:
            where += f" AND documents.name IN ({','.join('?' * len(docs))})"
            params += sorted(docs)
            joins = f"JOIN chunks ON chunks.id = {table}.rowid JOIN documents ON documents.id = chunks.doc_id "
        # Over the whole library no join: every match would be looked up in chunks and documents before
        # the sort (same rows; dev questions at 10^5 chunks: p50 217 -> 65 ms; scripts/bench_scale.py).
        sql = f"SELECT {table}.rowid, {rank} AS rank FROM {table} {joins}WHERE {where} ORDER BY rank LIMIT ?"
        return [(row[0], -row[1]) for row in self.db.execute(sql, params + [limit]).fetchall()]

    def applicable_documents(self, text: str) -> frozenset[str]:
        """Manuals whose applicability/effectivity statement or title mentions ``text``."""
        needle = text.lower()
        rows = self.db.query("SELECT name, title, json_extract(meta, '$.applicability') AS applicability FROM documents")
        return frozenset(r["name"] for r in rows
                         if needle in (r["applicability"] or "").lower() or needle in (r["title"] or "").lower())

    def outline(self, name: str) -> list[dict]:
        """The document's heading tree as (level, heading, first page, printed label, the section path
        its chunks carry), in reading order."""
        doc = self.document(name)
        if doc is None:
            return []
        out, previous = [], []
        for row in self.db.query("SELECT section, page, page_label FROM chunks WHERE doc_id = ? ORDER BY ordinal", [doc.id]):
            path = [p for p in (row["section"] or "").split(" > ") if p]
            common = 0
            while common < min(len(path), len(previous)) and path[common] == previous[common]:
                common += 1
            for depth in range(common, len(path)):
                out.append({"level": depth + 1, "heading": path[depth], "page": row["page"], "page_label": row["page_label"],
                            "section": " > ".join(path[: depth + 1])})
            previous = path
        return out

    def callouts_in_section(self, doc: str, section: str) -> list[dict]:
        """The callouts that govern a section of a manual, in document order."""
        sql = (
            "SELECT callouts.*, documents.name AS doc FROM callouts JOIN documents ON documents.id = callouts.doc_id "
            "WHERE documents.name = ? AND callouts.section = ? ORDER BY callouts.id"
        )
        return list(self.db.query(sql, [doc, section]))

    def referenced_callouts(self, doc: str) -> list[dict]:
        """Callouts of the warning modules (S1000D info code 012) that ``doc`` references by DMC."""
        key = (self.generation(), doc)
        if key not in self._ref_cache:
            self._ref_cache = {k: v for k, v in self._ref_cache.items() if k[0] == key[0]}
            self._ref_cache[key] = self._referenced_callouts(doc)
        return self._ref_cache[key]

    def _referenced_callouts(self, doc: str) -> list[dict]:
        sql = (
            "SELECT callouts.*, documents.name AS doc FROM callouts JOIN documents ON documents.id = callouts.doc_id "
            "WHERE json_extract(documents.meta, '$.dmc') IN (SELECT value FROM json_each(("
            "SELECT json_extract(meta, '$.warning_refs') FROM documents WHERE name = ?))) ORDER BY callouts.id"
        )
        return list(self.db.query(sql, [doc]))

    def term_count(self, token: str, at_most: int | None = None) -> int:
        """How many chunks contain ``token`` (as FTS5 indexes it), counted up to ``at_most`` when given."""
        from fieldkit.text.normalize import query_terms

        terms = query_terms(token)
        return self._count(" AND ".join(terms), at_most) if terms else 0

    def _count(self, match: str, at_most: int | None = None, table: str = "chunks_fts") -> int:
        """How many chunks an FTS5 MATCH expression finds, counted up to ``at_most`` when given."""
        if at_most is None:
            return self.db.execute(f"SELECT count(*) FROM {table} WHERE {table} MATCH ?", [match]).fetchone()[0]
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {table} MATCH ? LIMIT ?)"
        return self.db.execute(sql, [match, at_most]).fetchone()[0]

    def match_count(self, match: str, at_most: int, table: str = "chunks_fts", exact: bool = True) -> int:
        """How many chunks an FTS5 MATCH expression (a quoted term of ``fts_query``, or a quoted trigram
        with ``table`` "chunks_tri") finds, counted up to ``at_most`` (a common word's count would read
        its whole list). Not ``exact``: a phrase ("持 照", a Chinese word's characters) is counted as
        its words anywhere in one chunk, at least the phrase's count, read without positions (10^5
        chunks: 0.4 ms instead of 1.3)."""
        if not exact and table == "chunks_fts" and " " in match.strip('"'):
            match = " AND ".join(f'"{w}"' for w in match.strip('"').split())
        return self._count(match, at_most, table)

    def page_text(self, doc: str, page: int) -> str | None:
        """The text of one page of a manual as ingested, or None when it has no such page."""
        row = self.db.execute("SELECT pages.text FROM pages JOIN documents ON documents.id = pages.doc_id "
                              "WHERE documents.name = ? AND pages.page = ?", [doc, page]).fetchone()
        return row[0] if row else None

    def mentions_identifier(self, ident: str) -> bool:
        """Does any chunk name ``ident``, however its manual separates the parts ("PD-680" ~ "P-D-680",
        "MS20995C32" ~ "MS 20995 C32"), as a whole token ("UH-1" is not "UH-1M")?"""
        if self.term_count(ident):
            return True
        from fieldkit.text.normalize import identifier_pattern

        pattern, groups = identifier_pattern(ident), re.findall(r"\d+", ident)
        if pattern is None or not groups:
            return False
        longest = max(groups, key=len)
        rows = self.db.execute("SELECT chunks.text FROM chunks_fts JOIN chunks ON chunks.id = chunks_fts.rowid "
                               "WHERE chunks_fts MATCH ? LIMIT 500", [f'"{longest}"']).fetchall()
        return any(pattern.search(row[0]) for row in rows)

    def written_in_cjk(self, doc: str) -> bool:
        """Is manual ``doc`` written mostly in Chinese or Japanese characters? (``scripts``)"""
        return self.scripts().get(doc) == "cjk"

    def scripts(self) -> dict[str, str]:
        """Each manual's script by name: "cjk" when written mostly in Chinese or Japanese characters.
        Recorded when it was stored (``SCRIPT_KEY`` of its meta); for a manual stored before that,
        judged on its first chunks. Read for all manuals at once and remembered until the library
        changes: retrieval asks it for every manual on some questions (one query, not one a manual)."""
        generation = self.generation()
        cache = self.__dict__.get("_scripts")
        if cache is None or cache[0] != generation:
            rows = self.db.execute(f"SELECT name, json_extract(meta, '$.{SCRIPT_KEY}') FROM documents").fetchall()
            scripts = {name: script or self._judged_script(name) for name, script in rows}
            cache = self.__dict__["_scripts"] = (generation, scripts)
        return cache[1]

    def _judged_script(self, doc: str) -> str:
        # In page order, which is reading order: the (doc_id, page) index serves it without sorting the
        # whole manual (0.3 ms a manual at 10^5 chunks instead of 4 ms).
        rows = self.db.execute("SELECT chunks.text FROM chunks JOIN documents ON documents.id = chunks.doc_id "
                               "WHERE documents.name = ? ORDER BY chunks.page, chunks.ordinal LIMIT 30",
                               [doc]).fetchall()
        return script_of(row[0] for row in rows)

    def following_text(self, chunk_id: int) -> str:
        """The text of the chunk after ``chunk_id`` in its manual when it continues the same section
        (a procedure's next steps), else ""."""
        row = self.db.execute(
            "SELECT b.text FROM chunks a JOIN chunks b ON b.doc_id = a.doc_id AND b.ordinal = a.ordinal + 1 "
            "AND b.section = a.section WHERE a.id = ?", [chunk_id]).fetchone()
        return row[0] if row else ""

    def chunk_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def vocabulary(self, initial: str) -> frozenset[str]:
        """The words the library indexes (FTS5's porter stems) that begin with ``initial`` and are used
        in at least two chunks; read once per letter while the library's contents stay the same."""
        stamp = self.generation()
        if self.__dict__.get("_vocabulary_generation") != stamp:
            self._vocabulary, self._vocabulary_generation = {}, stamp
        cache = self._vocabulary
        if initial not in cache:
            self.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fieldkit_vocab USING fts5vocab(main, chunks_fts, row)")
            rows = self.db.execute("SELECT term FROM temp.fieldkit_vocab WHERE term >= ? AND term < ? AND doc >= 2",
                                   [initial, initial + "\uffff"])
            cache[initial] = frozenset(r[0] for r in rows)
        return cache[initial]

    def word_count(self, word: str, at_most: int | None = None) -> int:
        """How many chunks use ``word``: as FTS5 indexes it (porter stems: "bonded" ~ "bonding"), else
        as the start of a word ("trans" ~ "transmission"), else split into the words it glues together
        ("runup" ~ "run-up", "layup" ~ "lay up"). Counted up to ``at_most`` when given: 1 asks only
        whether the library uses it (a common word's whole list is not read: 10^5 chunks, 2 ms)."""
        import wordninja

        count = self.term_count(word, at_most)
        if count or not word.isalpha():
            return count
        if len(word) >= 3:
            count = self._count(f'"{word.lower()}"*', at_most)
        pieces = wordninja.split(word)
        if not count and len(pieces) > 1:
            count = self._count('"' + " ".join(pieces).lower() + '"', at_most)
        return count

    def figures_of(self, doc: str, pages: set[int], text: str) -> list[Figure]:
        """The figures of a passage: those on its ``pages``; in a document without pages (Markdown,
        HTML, S1000D are one page) those whose label its ``text`` names."""
        if not pages:
            return []
        marks = ",".join("?" * len(pages))
        sql = (
            "SELECT documents.name AS doc, documents.format AS format, figures.* FROM figures "
            "JOIN documents ON documents.id = figures.doc_id "
            f"WHERE documents.name = ? AND figures.page IN ({marks}) ORDER BY figures.page, figures.id"
        )
        return [
            Figure(r["doc"], r["page"], r["label"], r["caption"], str(self.root / r["image_path"]),
                   str(self.root / r["thumb_path"]))
            for r in self.db.query(sql, [doc, *sorted(pages)])
            if r["format"] == "pdf" or re.search(rf"{re.escape(r['label'])}(?![\w.-]*\d)", text, re.IGNORECASE)
        ]

    def section_chunks(self, doc: str, section: str) -> list[dict]:
        """The chunks of one section of a manual, in reading order (a procedure's steps)."""
        sql = ("SELECT chunks.text, chunks.page, chunks.page_label, documents.revision FROM chunks JOIN documents "
               "ON documents.id = chunks.doc_id WHERE documents.name = ? AND chunks.section = ? ORDER BY chunks.ordinal")
        return list(self.db.query(sql, [doc, section]))
