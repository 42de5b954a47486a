"""A conversation: earlier turns are replayed to the model (llama.cpp reuses their KV cache) and a
short follow-up ("and the lug nuts?") is searched together with the question it follows."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

from fieldkit import paths
from fieldkit.errors import UsageError
from fieldkit.textnorm import content_words

MAX_TURNS = 3  # turns replayed to the model; older ones drop out of the prompt
FOLLOW_UP_WORDS = 6  # a question with this few content words is read with the previous one


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
        """The retrieval query: a short follow-up carries the previous question's words."""
        if self.turns and len(content_words(question)) <= FOLLOW_UP_WORDS:
            return f"{self.turns[-1].question} {question}"
        return question

    # -- persistence (CLI `--session NAME`) --------------------------------------------------

    @classmethod
    def load(cls, name: str) -> "Session":
        if not re.fullmatch(r"[\w.-]{1,64}", name):
            raise UsageError(f"session name {name!r}: use letters, digits, '.', '-' or '_'")
        path = paths.sessions_dir() / f"{name}.json"
        if not path.exists():
            return cls(name)
        data = json.loads(path.read_text())
        return cls(name, [Turn(**t) for t in data.get("turns", [])])

    def save(self) -> None:
        folder = paths.sessions_dir()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{self.name}.json.tmp"
        tmp.write_text(json.dumps({"name": self.name, "turns": [asdict(t) for t in self.turns]}, ensure_ascii=False))
        tmp.replace(folder / f"{self.name}.json")
