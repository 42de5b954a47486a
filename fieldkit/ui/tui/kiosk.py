"""`fieldkit kiosk`: full screen, single purpose (ask, read, browse figures, run checklists), for a
tool-cart Pi or Jetson. No ingest, no settings, no shell: Ctrl+C, Ctrl+Q, Ctrl+Z, Ctrl+\\, Escape and
the command palette do not leave it (it inherits none of Textual's bindings); leaving takes the PIN
set at install time (a salted scrypt hash) or the service manager. After a few idle minutes it goes
back to the start screen and forgets the question, the answer and the checklist. The library is opened
read-only; answers go to a separate log file, or nowhere, by setting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import time

from textual.binding import Binding

from fieldkit import paths
from fieldkit.errors import UsageError
from fieldkit.ui.tui.app import READING_KEYS, FieldkitApp, engine_factory
from fieldkit.ui.tui.answer import AnswerView
from fieldkit.ui.tui.screens import TextPrompt

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
LEFT_WITH_PIN = 75  # the exit status of a PIN exit: the systemd unit does not restart on it (RestartPreventExitStatus)
DEFAULTS = {"idle_minutes": 5, "log": "off"}  # "log": "off" or a path to a JSON Lines file


def hash_pin(pin: str, salt: bytes | None = None) -> dict:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, **SCRYPT)
    return {"salt": salt.hex(), "hash": digest.hex(), **SCRYPT}


def pin_matches(pin: str, stored: dict) -> bool:
    digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(stored["salt"]), n=stored["n"], r=stored["r"],
                            p=stored["p"])
    return hmac.compare_digest(digest.hex(), stored["hash"])


def load_config() -> dict:
    path = paths.kiosk_config_path()
    config = dict(DEFAULTS)
    if path.is_file():
        config.update(json.loads(path.read_text()))
    return config


def save_config(config: dict) -> None:
    path = paths.kiosk_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(config, indent=2))
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def set_pin(pin: str, idle_minutes: int | None = None, log: str | None = None) -> None:
    if len(pin) < 4 or not pin.isdigit():
        raise UsageError("the kiosk PIN must be at least 4 digits")
    config = load_config()
    config["pin"] = hash_pin(pin)
    if idle_minutes is not None:
        config["idle_minutes"] = idle_minutes
    if log is not None:
        config["log"] = log
    save_config(config)


class KioskApp(FieldkitApp, inherit_bindings=False):
    """No inherited bindings (no Ctrl+Q, no Ctrl+C quit), no command palette; F12 asks for the PIN."""

    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        *READING_KEYS,
        Binding("f12", "leave", "Exit (PIN)", show=False),
        # Delivered as keys by Textual's driver: swallowed here so nothing else sees them.
        Binding("ctrl+c,ctrl+q,ctrl+z,ctrl+backslash,ctrl+d", "nothing", show=False, priority=True),
    ]

    def __init__(self, engine_factory, config: dict | None = None, **kwargs) -> None:
        from fieldkit.answering.session import Session

        # A conversation in memory only (follow-ups work; nothing of it is written), forgotten at idle.
        super().__init__(engine_factory, session=Session("kiosk"), generate=kwargs.pop("generate", True), log=False,
                         save_session=False)
        self.config = config if config is not None else load_config()
        self.last_input = time.monotonic()

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(1.0, self.reset_if_idle)

    def on_event(self, event):
        from textual import events

        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self.last_input = time.monotonic()
        return super().on_event(event)

    def reset_if_idle(self) -> None:
        if time.monotonic() - self.last_input >= float(self.config.get("idle_minutes", 5)) * 60:
            self.reset()
            self.last_input = time.monotonic()

    def reset(self) -> None:
        """Back to the start screen; the question, the answer and the checklist are forgotten."""
        from fieldkit.answering.checklist import Checklist

        self.cancel_event.set()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.query_one(AnswerView).start("")
        self.query_one("#question").value = ""
        self.query_one("#question").focus()
        Checklist.discard_current()
        self.session.turns.clear()

    def action_nothing(self) -> None:
        """The keys that would leave an ordinary app do nothing here."""

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        """No other program is started from the kiosk (a viewer would be a way out)."""
        self.notify("Figures open here only", severity="warning")

    def action_leave(self) -> None:
        stored = self.config.get("pin")
        if not stored:
            self.notify("No exit PIN is set: stop the kiosk from the service manager", severity="warning")
            return

        def check(pin: str | None) -> None:
            if pin and pin_matches(pin, stored):
                self.exit(return_code=LEFT_WITH_PIN)
            elif pin is not None:
                self.notify("Wrong PIN", severity="error")

        self.push_screen(TextPrompt("PIN to leave the kiosk:", password=True), check)

    def on_answered(self, answer) -> None:
        """Answers go to the kiosk's own log file (the library is read-only), or nowhere."""
        target = self.config.get("log", "off")
        if target and target != "off":
            record = {"asked_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                      "question": answer.question, "status": answer.status, "generated": answer.generated,
                      "quotes": [{"text": q.text, "doc": q.passage.doc, "page": q.passage.page} for q in answer.quotes],
                      "citations": [p.citation() for p in answer.citations], "reason": answer.reason}
            with open(target, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def run_kiosk(model: str | None = None) -> int:
    from fieldkit.ui.tui import screens  # noqa: F401 - imports textual-image first, if installed

    app = KioskApp(engine_factory(model, read_only=True))
    app.run()
    return app.return_code or 0
