"""Offline translation: packs checked and unpacked into fieldkit's folder, protected tokens checked
through translation, no torch, nothing downloaded, nothing written outside FIELDKIT_HOME. The model
runs on random-weight en->es packs the tests build (scripts/make_translation_pack.py: a SentencePiece
model trained here and a CTranslate2 Transformer written from numpy) and on ../shared/testdata's
when present; their output is noise, so the tests assert the path and the protections, not the
wording."""

import json
import os
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT, SHARED, run_cli
from fieldkit.errors import BadInputError, ModelError, UsageError

SHARED_TINY = SHARED / "testdata" / "translate-en_es-tiny.argosmodel"


@pytest.fixture(scope="module")
def built_pack(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_translation_pack import build_pack

    return build_pack(tmp_path_factory.mktemp("pack") / "translate-en_es-test.argosmodel")


def _pack(path, files: dict, top="translate-en_de-1_0"):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(f"{top}/{name}" if top else name, data)
    return path


META = json.dumps({"package_version": "1.0", "from_code": "en", "to_code": "de", "from_name": "English", "to_name": "German"})
GOOD = {"metadata.json": META, "model/model.bin": b"\0" * 16, "sentencepiece.model": b"\0" * 16}


@pytest.mark.parametrize("files,top,why", [
    ({**GOOD, "../evil.txt": "x"}, "translate-en_de-1_0", "outside its folder"),
    ({"a/metadata.json": META, "b/model/model.bin": "x"}, "", "exactly one folder"),
    ({k: v for k, v in GOOD.items() if k != "model/model.bin"}, "translate-en_de-1_0", "no CTranslate2 model"),
    ({**GOOD, "metadata.json": "{}"}, "translate-en_de-1_0", "no language pair"),
])
def test_a_bad_pack_is_refused_naming_the_file_and_leaves_nothing(tmp_path, fieldkit_home, files, top, why):
    from fieldkit.translate import packs

    bad = _pack(tmp_path / "bad.argosmodel", files, top)
    with pytest.raises(BadInputError) as err:
        packs.install(bad)
    assert why in err.value.message and "bad.argosmodel" in err.value.message
    assert packs.installed() == [] and not list((fieldkit_home / "lang" / "packs").glob("*"))


def test_a_pack_is_bounded_in_what_it_unpacks(tmp_path, monkeypatch):
    from fieldkit.translate import packs

    monkeypatch.setattr(packs, "MAX_UNPACKED_BYTES", 1000)
    big = _pack(tmp_path / "big.argosmodel", {**GOOD, "model/model.bin": b"\0" * 5000})
    with pytest.raises(BadInputError, match="more than"):
        packs.install(big)
    (tmp_path / "notes.txt").write_text("not a pack")
    with pytest.raises(BadInputError, match="zip"):
        packs.install(tmp_path / "notes.txt")


def test_install_list_replace_remove_and_an_unloadable_model_is_a_clear_error(tmp_path, fieldkit_home):
    from fieldkit.translate import packs
    from fieldkit.translate.translator import Translator

    pack = packs.install(_pack(tmp_path / "de.argosmodel", GOOD))
    assert (pack.code, pack.path) == ("en_de", fieldkit_home / "lang" / "packs" / "en_de")
    assert [p.code for p in packs.installed()] == ["en_de"]
    newer = json.dumps({**json.loads(META), "package_version": "1.1"})
    assert packs.install(_pack(tmp_path / "de2.argosmodel", {**GOOD, "metadata.json": newer})).version == "1.1"
    assert [p.version for p in packs.installed()] == ["1.1"]
    with pytest.raises(ModelError, match="en_de"):
        Translator(pack)  # sixteen zero bytes are no CTranslate2 model
    with pytest.raises(UsageError, match="fieldkit lang install"):
        Translator.for_pair("en", "fr")
    packs.remove("en_de")
    assert packs.installed() == []
    with pytest.raises(UsageError):
        packs.remove("en_de")


@pytest.mark.parametrize("source,translated,problems", [
    ("Torque the plug FK-DP-20 to 35 N·m (26 lb-ft).", "Apriete el tapón FK-DP-20 a 35 N·m (26 lb-ft).", []),
    ("See Figure 2-1 and step 7.", "Vea la Figura 2-1 y el paso 7.", []),
    ("Torque to 35 N·m.", "Apriete a 53 N·m.", ["lost 35 N·m", "added 53 N·m"]),
    ("Check at -40 °F.", "Compruebe a 40 °F.", ["lost -40 °F", "added 40 °F"]),
    ("Use part FK-DP-20.", "Use la pieza FK-DP-2.", ["lost FK-DP-20", "added FK-DP-2"]),
    ("Set 3.5 to 4.0 psi.", "Ajuste 3 a 4 psi.", None),
    ("Install the seal.", "Instale el sello 2 veces.", ["added 2"]),
    ("Use 1/2 in. wire.", "Use alambre de 1/2 in.", []),
])
def test_protected_tokens_must_come_through_equal(source, translated, problems):
    from fieldkit.translate.protect import survived

    found = survived(source, translated)
    assert (found == problems) if problems is not None else found


def _isolated_env(tmp_path, home):
    """A HOME and XDG folders of their own, to see that nothing is written there."""
    user = tmp_path / "user-home"
    user.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ARGOS_"))}
    return user, {**env, "HOME": str(user), "FIELDKIT_HOME": str(home)}


def test_translating_runs_without_torch_keeps_codes_and_writes_only_in_fieldkit_home(tmp_path, fieldkit_home,
                                                                                       built_pack):
    user, env = _isolated_env(tmp_path, fieldkit_home)
    code = f"""
import json, sys
from fieldkit.translate import packs
from fieldkit.translate.translator import Translator
pack = packs.install({str(built_pack)!r})
t = Translator(pack).translate("WARNING: Hot oil burns.\\nTorque plug ABC_123 to 35 N·m. Check the seal.\\n[manual.pdf, p. 4]")
print(json.dumps({{"text": t.text, "untranslated": t.untranslated, "engine": t.engine,
                   "heavy": sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'stanza', 'spacy'))}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["heavy"] == [] and "ctranslate2" in result["engine"]
    lines = result["text"].split("\n")
    assert lines[0].startswith("WARNING: ")  # the keyword is kept, whatever the model made of the rest
    # The random model cannot carry "ABC_123" and "35 N·m" through: that sentence stays as written, marked.
    assert "Torque plug ABC_123 to 35 N·m." in result["untranslated"] and "Torque plug ABC_123 to 35 N·m." in lines[1]
    assert lines[2] == "[manual.pdf, p. 4]"  # a citation is not translated
    assert list(user.rglob("*")) == [], "argostranslate wrote outside FIELDKIT_HOME"


def test_ask_lang_es_json_translates_beside_the_manual_with_every_number_from_the_original(sample_library, tmp_path,
                                                                                           fieldkit_home, built_pack):
    from fieldkit.answering.evaluate import number_tokens

    user, env = _isolated_env(tmp_path, fieldkit_home)
    assert run_cli("lang", "install", built_pack, env_home=fieldkit_home).returncode == 0
    out = subprocess.run([sys.executable, "-m", "fieldkit", "ask", "--lang", "es", "--json",
                          "¿Qué par de apriete para el tapón de drenaje FK-DP-20?"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["lang"] == "es" and answer["retrieval"]["path"].startswith("as asked")  # no es->en pack
    t = answer["translation"]
    assert t["lang"] == "es" and "ctranslate2" in t["engine"] and t["quotes"]
    assert [q["original"] for q in t["quotes"]] == [q["text"] for q in answer["quotes"]]
    assert [w["original"] for w in t["warnings"]] == [w["text"] for w in answer["warnings"]]
    original = set(number_tokens(answer["answer"]))
    for text in [t["answer"], *(q["text"] for q in t["quotes"]), *(w["text"] for w in t["warnings"])]:
        assert set(number_tokens(text)) <= original, text
    assert answer["answer"]  # the manual's words stay as they are beside the translation
    assert list(user.rglob("*")) == []


def test_installing_and_translating_open_no_socket(no_network, built_pack):
    from fieldkit.translate import packs
    from fieldkit.translate.translator import Translator

    result = Translator(packs.install(built_pack)).translate("Check the seal.")
    assert result.engine.startswith("argos en_es") and no_network == []


@pytest.mark.skipif(not SHARED_TINY.is_file(), reason="../shared/testdata is not beside the repo")
def test_the_shared_random_weight_pack_runs_the_same_path():
    from fieldkit.translate import packs
    from fieldkit.translate.translator import Translator

    pack = packs.install(SHARED_TINY)
    (result,) = Translator(pack).translate_many(["Remove the filter FK-OF-118. Check the seal."])
    assert pack.code == "en_es" and "FK-OF-118" in result.text


def test_a_clearly_spanish_question_is_answered_in_spanish_when_a_pack_is_installed(sample_library, fieldkit_home,
                                                                                    built_pack):
    from fieldkit.text.language import confident_language

    assert confident_language("¿Qué par de apriete para el tapón de drenaje?") == "es"
    assert confident_language("torque FK-DP-20?") is None  # too little to tell: not guessed
    question = "¿Qué par de apriete para el tapón de drenaje FK-DP-20?"
    before = json.loads(run_cli("ask", "--json", question, env_home=fieldkit_home).stdout)
    assert "translation" not in before  # no pack: answered as before
    assert run_cli("lang", "install", built_pack, env_home=fieldkit_home).returncode == 0
    after = json.loads(run_cli("ask", "--json", question, env_home=fieldkit_home).stdout)
    assert after["lang"] == "es" and after["lang_detected"] is True and after["translation"]["lang"] == "es"


def test_translate_a_cited_page_for_reading(sample_library, fieldkit_home, built_pack):
    from fieldkit.answering.evaluate import number_tokens

    assert run_cli("lang", "install", built_pack, env_home=fieldkit_home).returncode == 0
    out = run_cli("translate", "--to", "es", "--doc", "fk200-gpu-maintenance.pdf", "--page", "4", "--json",
                  env_home=fieldkit_home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert "FK-DP-20" in data["source"] and data["lang"] == "es"
    assert set(number_tokens(data["text"])) <= set(number_tokens(data["source"]))
    missing = run_cli("translate", "--to", "es", "--doc", "fk200-gpu-maintenance.pdf", "--page", "99",
                      env_home=fieldkit_home)
    assert missing.returncode == 5 and "has no page 99" in missing.stderr


def test_the_quotes_are_translated_while_the_model_writes_and_equal_a_translation_made_after(
        sample_library, embedder, fieldkit_home, built_pack):
    """`ask --lang` hands the warnings and quotes to the pack as soon as they are known (before the
    model writes); the answer's translation then takes them from the pack's memory, and they are what
    translating them after the answer gives."""
    import threading

    from fieldkit.answering.engine import Engine
    from fieldkit.answering.events import Citations, Done
    from fieldkit.answering.translation import translate_answer, translating_beside
    from fieldkit.translate import packs
    from fieldkit.translate.translator import Translator

    packs.install(built_pack)
    translator = Translator.for_pair("en", "es")
    translator.forget()
    engine = Engine(library=sample_library, embedder=embedder)
    seen = []
    for event in translating_beside(engine.answer("What torque for the oil drain plug?", generate=False, log=False), "es"):
        seen.append(event)
        if isinstance(event, Citations):
            for thread in [t for t in threading.enumerate() if t.name == "fieldkit-translate"]:
                thread.join()
            remembered = dict(translator._memory)
    answer = [e for e in seen if isinstance(e, Done)][0].answer
    quoted = {q.text for q in answer.quotes}
    assert quoted and all(any(s in text for s in remembered) for text in quoted)
    beside = translate_answer(answer, "es")
    translator.forget()
    assert translate_answer(answer, "es") == beside
    assert list(translating_beside(iter(seen), "en")) == seen  # the manuals' own language: nothing to do
