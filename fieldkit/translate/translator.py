"""Translating with an installed pack: its SentencePiece model tokenizes (through argostranslate's
tokenizer), its CTranslate2 model translates, one thread, decoding bounded; we split sentences
ourselves (Argos's splitters download models or pull torch) and decode without Argos's replacing of
"_" (it mangles identifiers like ABC_123). Each sentence's protected tokens are checked: one that did
not come through equal stays in the manual's words, marked untranslated."""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass

from fieldkit.errors import ModelError, UsageError
from fieldkit.text.sentences import split_sentences
from fieldkit.translate import packs
from fieldkit.translate.protect import split_keyword, survived

CITATION_RE = re.compile(r"^\s*\[[^\]]*\]\s*$")
MAX_TOKENS = 200  # a longer sentence is cut for decoding; the output is bounded at 1.5 times the longest input
MEMORY = 4096  # sentences a loaded pack remembers translating (a warning repeats across answers)


@dataclass(frozen=True)
class Translation:
    source: str
    text: str  # the translation, sentence by sentence; untranslated sentences as in the source
    untranslated: tuple[str, ...] = ()  # sentences kept in the manual's words, because a protected token did not survive
    engine: str = ""  # "argos en_es 1.0 (ctranslate2)"


class Translator:
    """One pack's model, loaded once; thread-safe (one translation at a time, the lock held by
    ``_translated``)."""

    def __init__(self, pack: packs.LanguagePack):
        try:
            import ctranslate2
        except ImportError:
            raise UsageError("translation needs ctranslate2 and sentencepiece: `make install` installs them") from None
        self.pack = pack
        try:
            # One thread: on 2 cores an answer's warnings and quotes took 381 ms on one, 643 ms with
            # CTranslate2's default and 735 ms on two (a Transformer-base pack, scripts/bench.py)
            self.model = ctranslate2.Translator(str(pack.model_dir), device="cpu", inter_threads=1, intra_threads=1)
            self.tokenizer = packs.argos_package().Package(pack.path).tokenizer
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"language pack {pack.code} at {pack.path} cannot be loaded ({exc}): "
                             f"reinstall it with `fieldkit lang install FILE.argosmodel`") from None
        self.lock = threading.Lock()
        self._memory: dict[str, str] = {}  # sentence -> its translation, oldest first
        self.engine = f"argos {pack.code} {pack.version} (ctranslate2)".replace("  ", " ")

    @classmethod
    def for_pair(cls, from_code: str, to_code: str) -> "Translator":
        pack = packs.find(from_code, to_code)
        if pack is None:
            raise UsageError(f"no {from_code}->{to_code} language pack is installed: copy its .argosmodel file "
                             f"here and run `fieldkit lang install FILE.argosmodel`")
        return _loaded(cls, pack, (pack.path / "model" / "model.bin").stat().st_mtime_ns)

    def translate(self, text: str) -> Translation:
        """``text`` translated sentence by sentence, line breaks kept."""
        return self.translate_many([text])[0]

    def translate_many(self, texts: list[str]) -> list[Translation]:
        """Each text translated sentence by sentence, line breaks kept; every sentence of all of them in
        one batch (a repeated sentence once)."""
        plans = [[self._plan(line) for line in text.split("\n")] for text in texts]
        done = self._translated(list(dict.fromkeys(body for plan in plans for line in plan for _, _, body in line if body)))
        results = []
        for text, plan in zip(texts, plans):
            out_lines, untranslated = [], []
            for line in plan:
                pieces = []
                for sentence, keyword, body in line:
                    translated = done.get(body, "") if body else ""
                    if not body:
                        pieces.append(sentence)
                    elif survived(body, translated) or not translated.strip():
                        untranslated.append(sentence)
                        pieces.append(sentence)
                    else:
                        pieces.append(keyword + translated)
                out_lines.append(" ".join(pieces))
            results.append(Translation(text, "\n".join(out_lines), tuple(untranslated), self.engine))
        return results

    def prefetch(self, texts: list[str]) -> threading.Thread:
        """Translate ``texts`` in the background (the manual's words an answer shows, known before the
        model writes): a `translate_many` that meets them finds them done, or waits for them."""
        def run() -> None:
            try:
                self.translate_many(texts)
            except Exception:  # noqa: BLE001 - said where the answer's translation is asked for, not here
                pass

        thread = threading.Thread(target=run, daemon=True, name="fieldkit-translate")
        thread.start()
        return thread

    def _translated(self, sentences: list[str]) -> dict[str, str]:
        """Each sentence's translation: remembered, or translated now with the others in one batch."""
        with self.lock:
            todo = [s for s in sentences if s not in self._memory]
            self._memory.update(zip(todo, self._batch(todo)))
            found = {s: self._memory[s] for s in sentences}
            while len(self._memory) > MEMORY:  # the oldest go first
                del self._memory[next(iter(self._memory))]
        return found

    def forget(self) -> None:
        """Remember no translation (benchmarks time translating from nothing)."""
        with self.lock:
            self._memory.clear()

    @staticmethod
    def _plan(line: str) -> list[tuple[str, str, str]]:
        """(sentence, callout keyword kept as is, what to translate) for each sentence of a line; a
        citation line ("[manual.pdf, p. 4, 2-2. ...]", the manual's own names) is not translated."""
        if CITATION_RE.match(line):
            return [(line, "", "")]
        return [(sentence, *split_keyword(sentence)) for sentence in split_sentences(line)]

    def _batch(self, sentences: list[str]) -> list[str]:
        if not sentences:
            return []
        batch = [self.tokenizer.encode(s)[:MAX_TOKENS] for s in sentences]
        prefix = [[self.pack.target_prefix]] * len(batch) if self.pack.target_prefix else None
        longest = max(len(tokens) for tokens in batch)
        results = self.model.translate_batch(batch, target_prefix=prefix, beam_size=1, max_batch_size=32,
                                             max_decoding_length=int(1.5 * longest) + 8,
                                             no_repeat_ngram_size=4, replace_unknowns=True)
        out = []
        for result in results:
            pieces = result.hypotheses[0]
            if self.pack.target_prefix and pieces[:1] == [self.pack.target_prefix]:
                pieces = pieces[1:]
            # Decoded by SentencePiece itself: Argos's decode also turns every "_" into a space.
            out.append(self.tokenizer.lazy_processor().decode_pieces(pieces).replace("\u2581", " ").strip())
        return out


@functools.lru_cache(maxsize=4)
def _loaded(cls, pack: packs.LanguagePack, stamp: int) -> Translator:
    """One loaded model per installed pack, shared by every answer (a reinstalled pack has a new
    ``stamp`` and is loaded anew)."""
    return cls(pack)
