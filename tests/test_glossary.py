"""Searching across scripts with the CC-CEDICT dictionary: Chinese questions over English manuals and
English questions naming a Chinese manual, with no language pack and the English-only embedder."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import pytest

from fieldkit.text import glossary


def _retriever(library, embedder):
    from fieldkit.answering.retrieve import Retriever

    return Retriever(library, embedder)


def test_chinese_words_are_segmented_and_looked_up_in_english():
    assert glossary.available()
    assert {"发电机", "电压", "扭矩"} <= set(glossary.segment("发电机电压多少？扭矩呢"))
    assert not {"多少"} & set(glossary.segment("发电机电压多少？"))  # asking words say nothing
    library_words = {"generator", "voltage"}
    assert glossary.english_words("UH-1发电机电压应该是多少？", known=library_words.__contains__) == ["generator", "voltage"]
    assert "torque" in glossary.english_of("扭矩")


def test_english_words_are_looked_up_in_chinese_british_spelling_included():
    assert "执照" in glossary.chinese_words(["licence"], known=lambda w: True)
    assert "扭矩" in glossary.chinese_words(["torque"], known=lambda w: True)
    assert glossary.chinese_words(["torque"], known=lambda w: False) == []


def test_the_dictionary_file_may_hold_nothing_but_strings():
    with pytest.raises(pickle.UnpicklingError):
        glossary._OnlyStrings(io.BytesIO(pickle.dumps([Path("x")]))).load()


@pytest.mark.parametrize("question, expected", [
    ("机油放油塞的扭矩是多少？", "Oil drain plug"),  # oil drain plug torque
    ("车轮螺母要拧多紧？", "Wheel lug nut"),  # how tight the wheel nuts
])
def test_a_chinese_question_finds_the_english_passage(sample_library, embedder, question, expected):
    """Without the dictionary the English embedder reads Chinese as noise and BM25 matches nothing."""
    passages = _retriever(sample_library, embedder).search(question, k=5).passages
    assert any(expected in p.text for p in passages), [p.section for p in passages]


def test_an_english_question_naming_a_chinese_manual_finds_its_passage(sample_library, embedder, tmp_path):
    from fieldkit.ingest.pipeline import ingest_file

    manual = tmp_path / "CCAR-999.md"
    manual.write_text("# CCAR-999 维修管理规定\n\n## 第三条 维修记录\n\n维修记录应当至少保存两年。\n\n"
                      "## 第四条 工作时间\n\n维修人员每天工作时间不得超过十二小时。\n\n"
                      "## 第五条 培训\n\n维修人员每年应当接受不少于四十小时的培训。\n", encoding="utf-8")
    ingest_file(sample_library, embedder, manual)
    r = _retriever(sample_library, embedder)
    top = r.search("Under CCAR-999, how long do we keep maintenance records?", k=3).passages[0]
    assert "保存两年" in top.text
    top = r.search("CCAR-999: how many hours of training a year?", k=3).passages[0]
    assert "培训" in top.text and "四十小时" in top.text
