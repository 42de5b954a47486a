"""Text rules shared by every layer: word and FTS5 terms, CJK handling, question language, and
numbers, units and identifiers read as whole tokens."""
