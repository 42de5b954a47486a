"""Questions asked with a photo: phone-like photos of labels (tests/photos.py) read by the real OCR
(rapidocr) and searched in the sample library; bad photos refused with a clear message."""

import json
import subprocess
import sys

import pytest
from conftest import run_cli
from photos import label_photo

from fieldkit.answering.events import Done, PhotoRead

PDF = "fk200-gpu-maintenance.pdf"
# (lines on the label, identifier it carries, the PDF page that gives it, how the photo was taken)
LABELS = [
    (["FK-200 GROUND POWER UNIT", "OIL DRAIN PLUG", "P/N FK-DP-20", "SER NO 48213"], "FK-DP-20", 4, {}),
    (["FAULT", "E-204"], "E-204", 5, {"angle": -14, "blur": 1.6}),
    (["OIL FILTER", "P/N FK-OF-118"], "FK-OF-118", 3, {"exif_orientation": 6, "quality": 30}),
    (["VOLTAGE REGULATOR", "FK-VR-7"], "FK-VR-7", 5, {"angle": 5, "skew": 0.15, "noise": 30}),
    (["OUTPUT TERMINAL NUT", "P/N FK-TN-08"], "FK-TN-08", 4, {"light": 0.4, "noise": 24}),  # low light
]


@pytest.mark.parametrize("lines,ident,page,how", LABELS, ids=[label[1] for label in LABELS])
def test_label_photo_finds_its_page_and_reads_the_identifier(tmp_path, engine, lines, ident, page, how):
    reading = engine.read_photo(label_photo(tmp_path / "label.jpg", lines, **how))
    found = {i.text: i for i in reading.identifiers}
    assert ident in found and found[ident].in_manuals and 0.5 <= found[ident].confidence <= 1.0, reading
    passages = engine.search("", k=5, photo=reading).passages
    assert any(p.doc == PDF and p.page == page for p in passages), [(p.doc, p.page) for p in passages]


def test_serial_number_is_read_but_said_not_in_the_manuals(tmp_path, engine):
    reading = engine.read_photo(label_photo(tmp_path / "plate.jpg", LABELS[0][0]))
    serial = {i.text: i for i in reading.identifiers}["48213"]
    assert serial.in_manuals is False and reading.specific.text == "FK-DP-20"


def test_unknown_part_number_is_said_not_in_the_manuals_never_answered_around(tmp_path, engine):
    photo = label_photo(tmp_path / "unknown.jpg", ["OIL DRAIN PLUG", "P/N FK-DP-99"])
    events = list(engine.answer("what torque?", photo=engine.read_photo(photo), generate=False))
    assert isinstance(events[0], PhotoRead)
    answer = events[-1].answer
    assert answer.refused and "FK-DP-99 is not in the loaded manuals" in answer.reason
    assert not answer.quotes and "FK-DP-99" in answer.asked()


def test_photo_and_typed_question_answer_from_the_identified_part(tmp_path, engine):
    photo = label_photo(tmp_path / "plug.jpg", ["P/N FK-DP-20"])
    answer = [e for e in engine.answer("what torque?", photo=engine.read_photo(photo), generate=False)
              if isinstance(e, Done)][0].answer
    assert not answer.refused
    assert any("FK-DP-20" in q.text and "35 N·m" in q.text for q in answer.quotes), answer.quotes


def test_a_matching_figure_comes_first(tmp_path, engine):
    photo = label_photo(tmp_path / "placard.jpg", ["DRAIN PLUG", "OIL DRAIN LOCATION"])
    passages = engine.search("", k=5, photo=engine.read_photo(photo)).passages
    assert passages[0].figures and "Oil Drain Plug Location" in passages[0].figures[0].caption


def test_sideways_photo_is_read(tmp_path, engine):
    from PIL import Image

    path = label_photo(tmp_path / "upright.jpg", ["P/N FK-TN-08", "OUTPUT TERMINAL NUT"], angle=0)
    with Image.open(path) as image:
        image.transpose(Image.ROTATE_90).save(tmp_path / "sideways.jpg", quality=60)
    reading = engine.read_photo(tmp_path / "sideways.jpg")
    assert "FK-TN-08" in [i.text for i in reading.identifiers] and "TERMINAL" in reading.text


def test_cli_ask_and_search_with_a_photo_give_the_image_json(tmp_path, sample_library, fieldkit_home):
    photo = label_photo(tmp_path / "fault.jpg", ["FAULT CODE", "E-204"])
    out = run_cli("ask", "--json", "--image", str(photo), env_home=fieldkit_home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["image"]["path"] == str(photo) and "E-204" in data["image"]["text"]
    assert [i["text"] for i in data["image"]["identifiers"]] == ["E-204"]
    assert 0.5 <= data["image"]["identifiers"][0]["confidence"] <= 1.0
    assert not data["refused"] and any(c["page"] == 5 for c in data["citations"] if c["doc"] == PDF)
    assert data["answer"].startswith("Read from the photo") and "Output overvoltage" in data["answer"]
    out = run_cli("search", "--json", "--image", str(photo), env_home=fieldkit_home)
    assert out.returncode == 0 and json.loads(out.stdout)["image"]["identifiers"][0]["text"] == "E-204"


def _bomb(path):
    from PIL import Image

    Image.new("1", (20000, 12000)).save(path)  # 240 megapixels that compress to a few kilobytes
    return path


def _blank(path):
    from PIL import Image

    Image.new("RGB", (1200, 900), (120, 120, 118)).save(path, quality=40)
    return path


@pytest.mark.parametrize("make,message", [
    (lambda p: p.write_text("not a photo") and p, "not an image fieldkit can read"),
    (_bomb, "decompression bomb"),
    (_blank, "no text found in the photo"),
    (lambda p: p, "no such file"),
], ids=["text-file", "bomb", "no-text", "missing"])
def test_bad_photos_are_refused_with_the_file_named(tmp_path, sample_library, fieldkit_home, make, message):
    path = make(tmp_path / "photo.png")
    out = run_cli("ask", "--image", str(path), env_home=fieldkit_home)
    assert out.returncode == 2 and message in out.stderr and str(path) in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


def test_a_100_megapixel_photo_is_read_downscaled_in_bounded_memory(tmp_path):
    from PIL import Image

    big = tmp_path / "big.jpg"
    Image.new("RGB", (12000, 8400), (200, 200, 190)).save(big, quality=80)  # 100.8 megapixels
    code = ("import json, resource, sys; from fieldkit.answering.photo import load_photo; "
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; image, size = load_photo(sys.argv[1]); "
            "grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024; "
            "print(json.dumps({'read': image.size, 'stored': size, 'grown_mb': grown}))")
    out = json.loads(subprocess.run([sys.executable, "-c", code, str(big)], capture_output=True, text=True,
                                    check=True).stdout)
    assert out["stored"] == [12000, 8400] and max(out["read"]) <= 2000
    assert out["grown_mb"] < 150, f"decoding grew the process by {out['grown_mb']} MB (a full decode is 300 MB)"
