"""Text inside a manual that tries to instruct the model. Such spans are never quoted to the model
or shown as an answer; the passage is still searchable and shown as what it is."""

from __future__ import annotations

import re

PATTERNS = [
    r"\bignore (all |any )?(the )?(previous|prior|above|earlier|preceding) (instructions|rules|prompts?)",
    r"\bdisregard (all |any )?(the )?(previous|prior|above|earlier) ",
    r"\byou are (now )?(an? |in )?(ai|assistant|language model|chatbot|dan|developer mode|override mode)",
    r"\b(system|assistant) prompt\b",
    r"\bnew instructions?:",
    r"\bdo not (show|mention|display) (the |any )?(warnings?|cautions?)",
    r"\b(tell|inform) the (user|technician|reader) (that )?",
    r"</?(system|assistant|user|im_start|im_end)\b",
]
INJECTION_RE = re.compile("|".join(PATTERNS), re.IGNORECASE)


def looks_like_injection(text: str) -> bool:
    return bool(INJECTION_RE.search(text))
