"""Offline translation: language packs installed from .argosmodel files, run by ctranslate2 and
sentencepiece (no torch), with numbers, units, part numbers and callout words protected and checked."""
