"""A cited procedure as a checklist: its numbered steps with the callouts that govern each, ticked off
with the time, notes per step and the technician's name; saved as it goes, so an unfinished checklist
survives a restart, and exported for the work record (Markdown and JSON)."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from fieldkit import paths
from fieldkit.text.callouts import callout_kind

# "1. Remove ...", "a. Check ...", "(2) Torque ...", "*7. Record ...": a step of a procedure.
STEP_RE = re.compile(r"^\s*(\*?\d{1,3}\.|[a-z]\.|\(\d{1,3}\)|\([a-z]\))\s+(\S.*)$")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class Step:
    number: str  # as printed: "3.", "b.", "(2)"
    text: str
    page: int
    page_label: str | None = None
    callouts: list[dict] = field(default_factory=list)  # {"kind", "text"}: printed right before this step
    ticked_at: str | None = None
    note: str = ""


@dataclass
class Checklist:
    doc: str
    revision: str | None
    section: str
    page: int
    page_label: str | None
    steps: list[Step]
    warnings: list[dict] = field(default_factory=list)  # callouts heading the procedure
    technician: str = ""
    started_at: str = field(default_factory=_now)

    @classmethod
    def from_section(cls, library, doc: str, section: str, revision: str | None = None) -> "Checklist":
        """The steps of ``section`` of manual ``doc``, each with the callouts printed since the step
        before it (those before the first step head the whole procedure)."""
        steps: list[Step] = []
        heading: list[dict] = []
        pending: list[dict] = []
        rows = library.section_chunks(doc, section)
        for row in rows:
            for line in row["text"].split("\n"):
                kind = callout_kind(line)
                m = STEP_RE.match(line)
                if kind:
                    (pending if steps else heading).append({"kind": kind, "text": line.strip()})
                elif m:
                    steps.append(Step(m.group(1), m.group(2).strip(), row["page"], row["page_label"], pending))
                    pending = []
                elif steps and line.strip() and not steps[-1].ticked_at:
                    steps[-1].text += " " + line.strip()  # a step printed over two lines
        first = rows[0] if rows else {"page": 0, "page_label": None, "revision": None}
        return cls(doc, revision or first["revision"], section, first["page"], first["page_label"], steps, heading)

    @property
    def done(self) -> int:
        return sum(s.ticked_at is not None for s in self.steps)

    def tick(self, index: int, ticked: bool = True) -> None:
        self.steps[index].ticked_at = _now() if ticked else None
        self.save()

    def note(self, index: int, text: str) -> None:
        self.steps[index].note = text
        self.save()

    # -- persistence ------------------------------------------------------------------------------

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Checklist":
        steps = [Step(**s) for s in data.pop("steps")]
        return cls(steps=steps, **data)

    def save(self) -> None:
        """Write the checklist in progress (atomically), so a restart picks it up again."""
        folder = paths.checklists_dir()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / ".current.json.tmp"
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1))
        tmp.replace(folder / "current.json")

    @classmethod
    def current(cls) -> "Checklist | None":
        path = paths.checklists_dir() / "current.json"
        return cls.from_json(json.loads(path.read_text())) if path.is_file() else None

    @staticmethod
    def discard_current() -> None:
        (paths.checklists_dir() / "current.json").unlink(missing_ok=True)

    # -- export -----------------------------------------------------------------------------------

    def to_markdown(self) -> str:
        page = f"p. {self.page}" + (f" (printed {self.page_label})" if self.page_label else "")
        lines = [f"# Checklist: {self.section.split(' > ')[-1]}", "",
                 f"- Manual: {self.doc}" + (f" ({self.revision})" if self.revision else ""),
                 f"- Section: {self.section}", f"- Page: {page}", f"- Started: {self.started_at}",
                 f"- Technician: {self.technician or '(not set)'}",
                 f"- Steps done: {self.done} of {len(self.steps)}", ""]
        lines += [f"> **{w['text']}**" for w in self.warnings] + ([""] if self.warnings else [])
        for s in self.steps:
            box = "x" if s.ticked_at else " "
            lines += [f"  > **{c['text']}**" for c in s.callouts]
            lines.append(f"- [{box}] {s.number} {s.text}" + (f" — ticked {s.ticked_at}" if s.ticked_at else ""))
            if s.note:
                lines.append(f"  - Note: {s.note}")
        return "\n".join(lines) + "\n"

    def export(self, folder: Path | None = None) -> tuple[Path, Path]:
        """Write the Markdown and JSON records; returns their paths."""
        folder = folder or paths.checklists_dir()
        folder.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^\w-]+", "-", f"{self.started_at[:19]}-{self.section.split(' > ')[-1]}").strip("-")[:80]
        md, js = folder / f"{stem}.md", folder / f"{stem}.json"
        md.write_text(self.to_markdown(), encoding="utf-8")
        js.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
        return md, js
