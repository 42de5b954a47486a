"""A conversation: earlier turns are replayed to the model (llama.cpp reuses their KV cache) and an
elliptical follow-up ("and the 58?", "how long?") is read together with the question it follows; a
question that stands on its own ("What torque for the wheel lug nuts?") is read as asked."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

from fieldkit import paths
from fieldkit.errors import UsageError
from fieldkit.text.normalize import content_words

MAX_TURNS = 3  # turns replayed to the model; older ones drop out of the prompt
# "and the 58?", "what about the tail rotor?", "same for the lug nuts?": a follow-up by its opening.
FOLLOW_UP_OPENING_RE = re.compile(
    r"^\s*(?:and|also|plus|then|so|ok(?:ay)?,?\s+and|(?:and\s+)?(?:what|how)\s+about|same\s+(?:for|on|with|thing))\b",
    re.IGNORECASE)
# "is that in N·m?", "how tight is it?": words that point back at the previous question.
POINTING_WORDS = frozenset("it its it's that this those these them they there one ones same".split())


def is_follow_up(question: str) -> bool:
    """Does ``question`` lean on the one before it? An opening like "and ..." or "what about ...",
    no content word of its own ("how long?"), or one or two content words and a word that points
    back ("what's the torque on it?")."""
    words = content_words(question)
    if FOLLOW_UP_OPENING_RE.match(question) or not words:
        return True
    tokens = set(re.findall(r"[\w']+", question.lower()))
    return len(words) <= 2 and bool(tokens & POINTING_WORDS)


def _for_another_aircraft(previous: str, follow_up: str) -> str:
    """The question before, without the aircraft or document it named when the follow-up names its
    own ("huey governor check ..." then "and on the 58?": the 58's governor check, not the huey's)."""
    from fieldkit.answering.question import with_shop_talk_spelled_out

    if not _aircraft(with_shop_talk_spelled_out(follow_up, keep=False)):
        return previous
    previous = with_shop_talk_spelled_out(previous, keep=False)
    for name in _aircraft(previous):
        previous = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", " ", previous)
    return re.sub(r"\s+", " ", previous).strip()


def _aircraft(text: str) -> list[str]:
    """The designators that name an aircraft or a document ("UH-1", "the 58"), not a gauge ("N1")."""
    from fieldkit.answering.question import designators

    return [d for d in designators(text) if "-" in d or d.isdigit()]


@dataclass
class Turn:
    question: str
    user_message: str  # exactly as sent to the model, so the replayed prefix matches the KV cache
    reply: str  # the model's raw reply (what it saw itself say)
    citations: list[dict] = field(default_factory=list)


@dataclass
class Session:
    name: str
    turns: list[Turn] = field(default_factory=list)

    def history(self) -> list[dict]:
        messages = []
        for t in self.turns[-MAX_TURNS:]:
            messages += [{"role": "user", "content": t.user_message}, {"role": "assistant", "content": t.reply}]
        return messages

    def search_query(self, question: str) -> str:
        """The question as fieldkit reads it: an elliptical follow-up carries the previous question's
        words; any other question is read as asked."""
        if self.turns and is_follow_up(question):
            return f"{_for_another_aircraft(self.turns[-1].question, question)} {question}"
        return question

    # -- persistence (CLI `--session NAME`) --------------------------------------------------

    @classmethod
    def load(cls, name: str) -> "Session":
        if not re.fullmatch(r"[\w.-]{1,64}", name):
            raise UsageError(f"session name {name!r}: use letters, digits, '.', '-' or '_'")
        path = paths.sessions_dir() / f"{name}.json"
        if not path.exists():
            return cls(name)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(name, [Turn(**t) for t in data.get("turns", [])])
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise UsageError(f"session {name}: {path} is unreadable ({exc}); delete it or use another session "
                             "name") from exc

    def save(self) -> None:
        folder = paths.sessions_dir()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{self.name}.json.tmp"
        tmp.write_text(json.dumps({"name": self.name, "turns": [asdict(t) for t in self.turns]}, ensure_ascii=False))
        tmp.replace(folder / f"{self.name}.json")
