"""Hybrid retrieval: BM25 (SQLite FTS5) and dense (FAISS, inner product on unit vectors), fused by RRF.

BM25 finds exact part numbers, fault codes and figure labels; the dense side finds paraphrases.
"""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from fieldkit.answering.question import asks_for_figure, designators, key_terms, with_shop_talk_spelled_out
from fieldkit.library.records import Callout, Passage
from fieldkit.library.vectors import approx_from
from fieldkit.library.substrings import substring_search
from fieldkit.text import glossary
from fieldkit.text.callouts import CALLOUT_ORDER
from fieldkit.text.language import detect_language
from fieldkit.text.normalize import CJK_RUN_RE, fts_query, mostly_cjk, phrase_key, stems, trigrams

RRF_K = 20  # measured on the dev set: k=20 page hit@5 0.90, k=60 0.87 (README)
POOL = 60
NAMED_DOC_BOOST = 1.5  # a question that names a manual's designator ("OH-58") prefers that manual
FIGURE_POOL = 10  # a question asking for a picture looks this deep for a figure whose caption matches
CROSS_SCRIPT_PLACES = 2  # of the top k, for a Chinese question's best passages in Latin-script manuals
LATIN_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+/-]*")
# Words searched in a library large enough for the approximate vector index (the rarest; all below it)
MAX_LARGE_LIBRARY_TERMS = 12
PHRASE_WEIGHT = 2.0  # exact identifier phrases read from a photo, against words and meaning (1.0 each)


@dataclass(frozen=True)
class SearchResult:
    query: str
    passages: tuple[Passage, ...]
    seconds: float


class Retriever:
    def __init__(self, library, embedder, pool: int = POOL, rrf_k: int = RRF_K, dense_weight: float = 1.0):
        self.library = library
        self.embedder = embedder
        self.pool = pool
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight

    def search(self, query: str, k: int = 5, doc: str | None = None, applies_to: str | None = None,
               phrases: tuple[str, ...] = ()) -> SearchResult:
        """Top ``k`` passages, optionally only from manual ``doc`` and/or manuals whose applicability
        (effectivity) statement or title mentions ``applies_to``. ``phrases``: identifiers (read from a
        photo) that rank the passages holding them exactly, as FTS5 phrases."""
        start = time.perf_counter()
        docs = None
        if doc is not None:
            docs = frozenset(d.name for d in self.library.find_documents(doc))  # "manual.pdf": a/ and b/ both
        if applies_to:
            applicable = self.library.applicable_documents(applies_to)
            docs = applicable if docs is None else docs & applicable
        text = with_shop_talk_spelled_out(query)  # "huey" also searches "UH-1", "CB" "circuit breaker"
        named, named_by = named_documents(self.library, text) if docs is None else (set(), [])
        if named and not any(t.isdigit() for t in named_by) and not mostly_cjk(query) and all(
                self.library.written_in_cjk(d) for d in named):
            # An English question naming a Chinese manual ("CCAR-91", not a bare "91"): its words cannot
            # match that manual's, so the other manuals' passages would fill every list; it is searched
            # in the manuals it names.
            docs, named = frozenset(named), set()
        # Words that only name the manual ("OH-58") would rank its title pages first: the boost below
        # stands for them. The question is embedded in another thread while the word searches run
        # (ONNX Runtime and SQLite both let go of the GIL; a process's embedder may still be loading).
        embedding = _embedding_thread().submit(self.embedder.embed_one, text)
        chunks = self.library.vector_index().ntotal
        lexical = self._words(fts_query(_without(text, named_by)), docs, chunks)
        # A question in another language than the manuals: words do not match, character trigrams of
        # cognates and CJK runs do (measured on the dev set's crosslang questions, README).
        foreign = detect_language(query) != "en"
        grams = self._trigrams(query, docs, chunks) if foreign and docs != frozenset() else []
        glossed = self._in_chinese(query, docs)
        exact = []
        if phrases and docs != frozenset():
            exact = self.library.fts(" OR ".join(f'"{p}"' for p in phrases), self.pool, docs)
        qvec = embedding.result()
        dense = self._dense(qvec, docs)
        fused: dict[int, float] = {}
        for weight, ranking in ((self.dense_weight, dense), (1.0, lexical), (1.0, grams), (1.0, glossed),
                               (PHRASE_WEIGHT, exact)):
            for rank, (cid, _) in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + weight / (self.rrf_k + rank + 1)
        if named:
            pool_rows = self.library.chunk_rows(list(fused))
            for cid in fused:
                if cid in pool_rows and pool_rows[cid]["doc"] in named:
                    fused[cid] *= NAMED_DOC_BOOST
        wants_figure = asks_for_figure(query)
        top = sorted(fused, key=fused.get, reverse=True)[: max(k, FIGURE_POOL) if wants_figure else k]
        across = self._across_scripts(query, qvec, docs, k, chunks)
        if across:  # the last places go to the manuals written in the other script
            ids = [c for c, _ in across]
            top = [c for c in top[:k] if c not in ids][: k - len(ids)] + ids + [c for c in top[k:] if c not in ids]
            dense = dense + across
            for cid in ids:
                fused.setdefault(cid, 0.0)  # found by meaning across scripts only: no fused score
        rows = self.library.chunk_rows(top)
        cosines = dict(dense)
        passages = []
        for cid in top:
            row = rows.get(cid)  # None: its manual was removed or replaced since the index was read
            cos = cosines.get(cid)
            if cos is None and row is not None:  # found by BM25 only: measure its similarity directly
                vector = self._vector(cid)
                cos, row = (float(vector @ qvec), row) if vector is not None else (None, None)
            if row is None:
                continue
            passages.append(Passage(
                chunk_id=cid, doc=row["doc"], page=row["page"], page_end=row["page_end"],
                page_label=row["page_label"], section=row["section"] or "", kind=row["kind"], text=row["text"],
                score=round(fused[cid], 6), dense=round(float(cos), 4), revision=row["revision"],
            ))
        passages = [self._attach(p) for p in passages]
        if wants_figure:  # "is there a diagram?": passages whose figure caption matches move up
            wanted = stems(query, min_len=3)
            passages = [replace(p, score=round(p.score * (1 + _caption_match(wanted, p)), 6)) for p in passages]
            passages = sorted(passages, key=lambda p: -p.score)[:k]
        return SearchResult(query, tuple(passages), time.perf_counter() - start)

    def _words(self, match: str | None, docs: frozenset[str] | None, chunks: int) -> list[tuple[int, float]]:
        """BM25 over words for an ``fts_query`` match (terms joined by OR), in a library of ``chunks``:
        past the approximate index's threshold, among the chunks holding its rarest terms (also a
        Chinese question's English gloss)."""
        if not match or docs == frozenset():
            return []
        if chunks < approx_from():
            return self.library.fts(match, self.pool, docs)
        return self._large_library_search(self.library.fts, match.split(" OR "), docs, chunks)

    def _trigrams(self, query: str, docs: frozenset[str] | None, chunks: int) -> list[tuple[int, float]]:
        """BM25 over the character trigrams of a question in another language than the manuals. A
        question with Chinese in it (a 200-character one has ~150 trigrams) searches its own words,
        whose rarity says what they are worth: past the approximate index's threshold, as ``_words``.
        A Spanish question's rarest are the spellings English does not share ("ció"), not the cognates
        it does: all are searched (the rarest alone: cross-language hit@5 59 -> 55 of 91, README)."""
        grams = [f'"{g}"' for g in trigrams(query)]
        if not grams or docs == frozenset():
            return []
        if chunks < approx_from() or not CJK_RUN_RE.search(query):
            return self.library.trigram_match(" OR ".join(grams), self.pool, docs)
        return self._large_library_search(self.library.trigram_match, grams, docs, chunks, "chunks_tri")

    def _large_library_search(self, search, terms: list[str], docs: frozenset[str] | None, chunks: int,
                              table: str = "chunks_fts") -> list[tuple[int, float]]:
        """BM25 for ``terms`` (quoted FTS5 terms of ``table``, searched by ``search``) in a library of
        ``chunks`` as large as the approximate vector index's threshold. FTS5 scores every chunk holding
        any term: at 10^5 chunks a question whose words are all common ("keep maintenance records")
        costs 90-160 ms, a sentence-long one over a second. So the MAX_LARGE_LIBRARY_TERMS rarest terms
        rank (BM25 counts a gating term twice) the chunks that hold a rare one, in under 1% of the
        library (counted up to that), or the rarest (README "Fleet scale"): a chunk with none of a
        question's rare terms gets little from its common ones. A phrase (an identifier's parts, a
        Chinese word's characters) is first counted as its words anywhere in a chunk, then, if among
        the rarest, as the phrase (a pair of common characters is often in no chunk as a pair)."""
        at_most = max(100, chunks // 100)
        counts = {t: self.library.match_count(t, at_most, table, exact=False) for t in terms}
        rarest = sorted((t for t in terms if counts[t]), key=counts.get)[:MAX_LARGE_LIBRARY_TERMS]
        for term in rarest:
            if " " in term:
                counts[term] = self.library.match_count(term, at_most, table)
        rarest = sorted((t for t in rarest if counts[t]), key=counts.get)  # ties keep the question's order
        if not rarest:
            return []
        ranked = " OR ".join(t for t in terms if t in rarest)
        gate = [t for t in rarest if counts[t] < at_most] or rarest[:1]
        if len(gate) < len(rarest):
            ranked = f"({' OR '.join(gate)}) AND ({ranked})"
        return search(ranked, self.pool, docs)

    def _dense(self, qvec: np.ndarray, docs: frozenset[str] | None) -> list[tuple[int, float]]:
        import faiss

        faiss.omp_set_num_threads(1)  # 2 OpenMP threads are >10x slower for single queries
        index = self.library.vector_index()
        if index.ntotal == 0 or docs == frozenset():
            return []
        want = self.pool if docs is None else min(index.ntotal, self.pool * 10)
        scores, ids = index.search(qvec.reshape(1, -1), min(want, index.ntotal))
        pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
        if docs is not None:
            manuals = self.library.chunk_documents([i for i, _ in pairs])
            pairs = [p for p in pairs if manuals.get(p[0]) in docs]
        return pairs[: self.pool]

    def _across_scripts(self, query: str, qvec: np.ndarray, docs: frozenset[str] | None, k: int,
                        chunks: int) -> list[tuple[int, float]]:
        """A Chinese question's best passages in the manuals written in another script: by the English
        words a dictionary gives for its words (BM25, and meaning with the English embedder), and by
        the question's own meaning when the embedder is multilingual. BM25 and trigrams cannot match
        across scripts, and a multilingual embedder ranks passages in the question's own language above
        all others (e5: for Chinese questions about English manuals every Chinese regulation outscored
        the English page that answers): those manuals get the last CROSS_SCRIPT_PLACES places, or all
        ``k`` when no manual in the question's script is searched."""
        if not mostly_cjk(query) or docs == frozenset():
            return []
        scripts = self.library.scripts()
        searched = docs if docs is not None else frozenset(scripts)
        other = frozenset(d for d in searched if scripts.get(d) != "cjk")
        if not other:
            return []
        rankings = []
        if getattr(self.embedder, "multilingual", False) and other != docs:
            rankings.append(self._dense(qvec, other))
        english = glossary.english_words(query, known=lambda w: self.library.word_count(w, at_most=1) > 0)
        if english:
            gloss = " ".join(english + LATIN_TOKEN_RE.findall(query))  # designators and numbers as asked
            gvec = self.embedder.embed_one(gloss)
            rankings += [self._dense(gvec, other), self._words(fts_query(gloss), other, chunks)]
            cosines = dict(rankings[-2])
        else:
            cosines = dict(rankings[0]) if rankings else {}
        fused: dict[int, float] = {}
        for ranking in rankings:
            for rank, (cid, _) in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        places = k if other == searched else CROSS_SCRIPT_PLACES
        return [(cid, cosines.get(cid, 0.0)) for cid in sorted(fused, key=fused.get, reverse=True)[:places]]

    def _in_chinese(self, query: str, docs: frozenset[str] | None) -> list[tuple[int, float]]:
        """An English question searched in Chinese manuals (it names them): the chunks holding the
        Chinese words a dictionary gives for its key terms, those the manuals use."""
        if not docs or mostly_cjk(query) or not all(self.library.written_in_cjk(d) for d in docs):
            return []
        terms = key_terms(with_shop_talk_spelled_out(query, keep=False))
        groups = [glossary.chinese_words([t], known=lambda w: True, per_word=6) for t in terms]
        return substring_search(self.library, [g for g in groups if g], self.pool, docs)

    def _vector(self, cid: int) -> np.ndarray | None:
        try:
            return self.library.vector_index().reconstruct(int(cid))
        except RuntimeError:  # not in the index: changed by another process since; None if gone
            return self.library.chunk_embedding(int(cid))

    def _attach(self, passage: Passage) -> Passage:
        """The figures on the passage's pages and the callouts that govern it."""
        figures = self.library.figures_of(passage.doc, set(range(passage.page, passage.page_end + 1)), passage.text)
        return replace(passage, figures=tuple(figures), callouts=tuple(governing_callouts(self.library, passage)))


_EMBEDDING: tuple[int, ThreadPoolExecutor] | None = None


def _embedding_thread() -> ThreadPoolExecutor:
    """The process's thread that embeds questions while the calling thread searches words; made anew
    in a forked child (a pool inherited from the parent has no thread there)."""
    global _EMBEDDING
    if _EMBEDDING is None or _EMBEDDING[0] != os.getpid():
        _EMBEDDING = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="fieldkit-embed"))
    return _EMBEDDING[1]


def named_documents(library, query: str) -> tuple[set[str], list[str]]:
    """The manuals the question names by designator ("OH-58", "the 58", "CCAR-145"), and the words
    that name them."""
    named, named_by = set(), []
    tokens = designators(query)
    keys = {d.name: f" {phrase_key(d.name)} {phrase_key(d.title)} " for d in library.documents()} if tokens else {}
    for token in tokens:
        key = f" {phrase_key(token)} "
        # a bare number ("the 58") names a designator only where it follows letters ("oh 58")
        pattern = re.compile(r"[a-z] " + re.escape(key.strip()) + " " if token.isdigit() else re.escape(key))
        hits = {name for name, hay in keys.items() if pattern.search(hay)}
        if hits:
            named |= hits
            named_by.append(token)
    return named, named_by


def _without(text: str, tokens: list[str]) -> str:
    for token in tokens:
        text = re.sub(rf"(?<![\w-]){re.escape(token)}(?![\w-])", " ", text)
    return text


def _caption_match(wanted: set[str], passage: Passage) -> int:
    """Content words (stems) the question (``wanted``) shares with the best caption of the passage's
    figures, when two or more."""
    best = max((len(wanted & stems(f.caption)) for f in passage.figures), default=0)
    return best if best >= 2 else 0


def governing_callouts(library, passage: Passage) -> list[Callout]:
    """The callout records of the passage's section on its pages and the page before (which include
    those printed in the passage: a chunk never leaves its section or page), and those of the warning
    modules it references (S1000D), verbatim, WARNING > CAUTION > NOTE."""
    found: dict[str, Callout] = {}
    rows = library.callouts_in_section(passage.doc, passage.section)
    # A callout governs the steps that follow it: the passage's pages and the page before.
    rows = [r for r in rows if passage.page - 1 <= r["page"] <= passage.page_end]
    rows += library.referenced_callouts(passage.doc)
    for row in rows:
        found.setdefault(row["text"], Callout(row["kind"], row["text"], row["doc"], row["page"], row["page_label"],
                                              row["section"]))
    return sorted(found.values(), key=lambda c: CALLOUT_ORDER.get(c.kind, 3))
