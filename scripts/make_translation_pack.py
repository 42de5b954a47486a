"""Build an Argos-style language pack (.argosmodel) with random weights, without torch: a SentencePiece
model trained here on a few sentences (or one given) and a CTranslate2 Transformer whose weights are
numpy arrays written through ctranslate2.specs. The output is noise; the pack exercises the real path
(install, tokenize, translate, protect) at any size: the tests build tiny ones, the benchmark one at
the dimensions of a real Argos pack (Transformer base: 6+6 layers, d_model 512, FFN 2048, 8 heads).

Usage: python scripts/make_translation_pack.py OUT.argosmodel [--from en --to es] [--realistic]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import zipfile
from pathlib import Path

SENTENCES = """Torque the drain plug to 35 N·m. Remove the oil filter with a strap wrench.
Check the output voltage at no load. WARNING: Hot oil can cause burns. Install the new seal.
Apriete el tapón de drenaje. Retire el filtro de aceite. Compruebe la tensión de salida.""".split("\n")


def english_text(count: int = 60000) -> list[str]:
    """General English, not the manuals: the most frequent ``count`` words of the list fieldkit ranks
    words by (lower case), each repeated by its rank as in running text (Zipf), so common words become
    whole pieces; the commoner ones also Capitalized and in CAPITALS (sentence starts, headings, callouts)."""
    from fieldkit.answering.question import english_words

    out = []
    for rank, word in enumerate(english_words()[:count], 1):
        times = max(1, 3000 // rank)
        out += [word] * times
        if rank <= 20000:
            out += [word.capitalize()] * max(1, times // 3) + [word.upper()] * max(1, times // 6)
    return out


def train_sentencepiece(folder: Path, vocab_size: int = 120, realistic: bool = False) -> Path:
    """The pack's SentencePiece model: a tiny one on a few sentences, or (``realistic``) one of a real
    pack's vocabulary size on general English words, which cuts a manual's sentences into as many
    pieces as a real pack's tokenizer would, or a few more (the benchmark reports pieces a word)."""
    import sentencepiece as spm

    if realistic:
        words = english_text()
        lines = iter([" ".join(words[i:i + 40]) for i in range(0, len(words), 40)] + SENTENCES)
    else:
        lines = iter(((" ".join(SENTENCES) + " ") * 20).split(". "))
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=lines, model_writer=model,
                                   vocab_size=vocab_size, model_type="unigram", character_coverage=1.0,
                                   hard_vocab_limit=False, minloglevel=2)
    path = folder / "sentencepiece.model"
    path.write_bytes(model.getvalue())
    return path


def build_model(folder: Path, pieces: list[str], d_model: int, ffn: int, layers: int, heads: int,
                vocab_size: int, seed: int = 0) -> None:
    import numpy as np
    from ctranslate2 import specs

    rng = np.random.default_rng(seed)
    vocab = list(dict.fromkeys(["<unk>", "<s>", "</s>", *pieces]))
    vocab += [f"<extra_{i}>" for i in range(max(0, vocab_size - len(vocab)))]
    spec = specs.TransformerSpec.from_config((layers, layers), heads)
    shapes = {"embeddings": (len(vocab), d_model), "projection": (len(vocab), d_model)}
    for name, value in spec.variables(ordered=True):
        if value is not None:
            continue
        parts = name.split("/")
        leaf, owner = parts[-1], parts[-2]
        if leaf in ("beta", "gamma"):
            array = np.ones(d_model) if leaf == "gamma" else np.zeros(d_model)
        elif owner.startswith("embeddings") or owner == "projection":
            array = rng.normal(0, 0.05, shapes["projection" if owner == "projection" else "embeddings"])
        elif "ffn" in parts:
            array = rng.normal(0, 0.05, (ffn, d_model) if owner == "linear_0" else (d_model, ffn))
        elif parts[-3] == "self_attention":
            array = rng.normal(0, 0.05, (3 * d_model, d_model) if owner == "linear_0" else (d_model, d_model))
        else:  # encoder-decoder attention: query, fused key/value, output
            array = rng.normal(0, 0.05, (2 * d_model, d_model) if owner == "linear_1" else (d_model, d_model))
        _set(spec, name, array.astype("float32"))
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    spec.optimize(quantization="int8")
    spec.save(str(folder))


def _set(spec, name: str, value) -> None:
    node = spec
    *path, leaf = name.split("/")
    for part in path:
        head, _, index = part.rpartition("_")
        if index.isdigit() and hasattr(node, head) and isinstance(getattr(node, head), (list, tuple)):
            node = getattr(node, head)[int(index)]  # "layer_0" is spec.layer[0]; "embeddings_0" spec.embeddings[0]
        else:
            node = getattr(node, part)
    setattr(node, leaf, value)


def build_pack(out: Path, from_code: str = "en", to_code: str = "es", realistic: bool = False) -> Path:
    """Write ``out`` (.argosmodel) and return it."""
    import sentencepiece as spm

    dims = dict(d_model=512, ffn=2048, layers=6, heads=8, vocab_size=32000) if realistic else \
        dict(d_model=16, ffn=32, layers=1, heads=2, vocab_size=0)
    top = f"translate-{from_code}_{to_code}-test"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / top
        (folder / "model").mkdir(parents=True)
        sp_path = train_sentencepiece(folder, 32000 if realistic else 120, realistic)
        processor = spm.SentencePieceProcessor(model_file=str(sp_path))
        pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
        build_model(folder / "model", pieces, **dims)
        (folder / "metadata.json").write_text(json.dumps({
            "package_version": "0.1", "argos_version": "1.11", "from_code": from_code, "to_code": to_code,
            "from_name": from_code, "to_name": to_code, "type": "translate"}))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    z.write(path, f"{top}/{path.relative_to(folder)}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--from", dest="from_code", default="en")
    parser.add_argument("--to", dest="to_code", default="es")
    parser.add_argument("--realistic", action="store_true", help="the dimensions of a real Argos pack")
    args = parser.parse_args()
    print(build_pack(Path(args.out), args.from_code, args.to_code, args.realistic))
    return 0


if __name__ == "__main__":
    sys.exit(main())
