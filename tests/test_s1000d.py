"""S1000D data modules: identification, steps, safety (inline, by id, by referenced 012 module),
quantities, figures, applicability; hostile XML is refused or left inert."""

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "s1000d"
PROC = DATA / "DMC-FK200-A-32-41-00-00A-520A-A.xml"
WARNINGS = DATA / "DMC-FK200-A-00-00-00-00A-012A-A.xml"


@pytest.fixture
def s1000d_library(embedder):
    from fieldkit.ingest.pipeline import ingest_paths
    from fieldkit.library.catalog import Library

    library = Library.open(embedder.id, embedder.dim)
    results = list(ingest_paths(library, embedder, [PROC, WARNINGS]))  # procedure first: refs resolve at query time
    assert [r.status for r in results] == ["added", "added"]
    return library


def test_module_identity_steps_quantities_and_figure(s1000d_library):
    doc = s1000d_library.document(PROC.name)
    assert doc.format == "s1000d" and doc.revision == "issue 003-00 (2026-03-01)"
    assert doc.title == "Cart wheel - Remove procedure" and doc.figures == 1
    text = "\n".join(r["text"] for r in s1000d_library.db.query("SELECT text FROM chunks WHERE doc_id = ?", [doc.id]))
    assert "Step 2.1. Remove the lug nuts and the wheel." in text
    assert "Step 3. Torque the lug nuts to 110 N.m ± 5 N.m in a star pattern." in text
    assert "Step 1. Loosen the five lug nuts one half turn (Figure 1)." in text
    assert "Applicability: FK-200 serial numbers FK2-0100 and subsequent" in text
    (fig,) = s1000d_library.db.query("SELECT * FROM figures WHERE doc_id = ?", [doc.id])
    assert fig["label"] == "Figure 1" and "Cart wheel and lug nuts" in fig["caption"]
    assert (s1000d_library.root / fig["image_path"]).is_file()


def test_required_and_referenced_warnings_govern_the_steps(s1000d_library, embedder):
    from fieldkit.answering.retrieve import Retriever

    top = Retriever(s1000d_library, embedder).search("lug nut torque for the cart wheel", k=1, doc=PROC.name).passages[0]
    kinds_texts = [(c.kind, c.text) for c in top.callouts]
    assert ("WARNING", "WARNING: Chock the other wheel before you jack the cart. A cart that rolls off the jack can "
                       "crush your hands.") in kinds_texts
    assert ("CAUTION", "CAUTION: Do not use an impact wrench on the lug nuts.") in kinds_texts
    referenced = [c for c in top.callouts if c.doc == WARNINGS.name]
    assert referenced and "battery switch to OFF" in referenced[0].text
    order = [c.kind for c in top.callouts]
    assert order == sorted(order, key=["WARNING", "CAUTION", "NOTE"].index)


def _hostile(tmp_path: Path) -> dict[str, str]:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    files = {
        "xxe-file.xml": f'<?xml version="1.0"?><!DOCTYPE dmodule [<!ENTITY x SYSTEM "file://{secret}">]>'
                        "<dmodule><content><description><levelledPara><title>Leak</title><para>&x; and more</para>"
                        "</levelledPara></description></content></dmodule>",
        "xxe-net.xml": '<?xml version="1.0"?><!DOCTYPE dmodule [<!ENTITY x SYSTEM "http://198.51.100.7/evil">]>'
                       "<dmodule><content><description><levelledPara><title>Net</title><para>&x; text</para>"
                       "</levelledPara></description></content></dmodule>",
        "laughs.xml": '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                      + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                                for i in range(1, 10))
                      + "]><dmodule><content><description><levelledPara><title>Laughs</title><para>&lol9;</para>"
                        "</levelledPara></description></content></dmodule>",
        "notdm.xml": "<catalog><book>not a data module</book></catalog>",
        "broken.xml": "<dmodule><content><para>unclosed",
    }
    for name, body in files.items():
        (tmp_path / name).write_text(body)
    return files


def test_hostile_xml_is_inert_or_refused(tmp_path, embedder, no_network):
    from fieldkit.errors import BadInputError
    from fieldkit.ingest.pipeline import ingest_file
    from fieldkit.library.catalog import Library

    _hostile(tmp_path)
    library = Library.open(embedder.id, embedder.dim)
    for name in ("xxe-file.xml", "xxe-net.xml", "laughs.xml"):
        try:
            result = ingest_file(library, embedder, tmp_path / name)
        except BadInputError as err:
            assert name in str(err)
            continue
        text = " ".join(r["text"] for r in library.db.query(
            "SELECT text FROM chunks WHERE doc_id = ?", [result.document.id]))
        assert "TOP-SECRET-CONTENT" not in text
        assert len(text) < 2000, "entities were not expanded"
    for name, reason in (("notdm.xml", "not an S1000D"), ("broken.xml", "not well-formed")):
        with pytest.raises(BadInputError, match=reason):
            ingest_file(library, embedder, tmp_path / name)
    assert no_network == []


def test_oversized_xml_is_refused(tmp_path, embedder, monkeypatch):
    from fieldkit.errors import BadInputError
    from fieldkit.ingest import s1000d
    from fieldkit.ingest.pipeline import ingest_file
    from fieldkit.library.catalog import Library

    big = tmp_path / "big.xml"
    shutil.copy(PROC, big)
    monkeypatch.setattr(s1000d, "MAX_BYTES", 1000)
    with pytest.raises(BadInputError, match="over the"):
        ingest_file(Library.open(embedder.id, embedder.dim), embedder, big)
