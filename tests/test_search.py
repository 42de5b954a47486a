from conftest import SAMPLE_PDF


def _retriever(library, embedder):
    from fieldkit.answering.retrieve import Retriever

    return Retriever(library, embedder)


def test_exact_part_number_and_fault_code_found_first(sample_library, embedder):
    r = _retriever(sample_library, embedder)
    top = r.search("FK-VR-7", k=3).passages[0]
    assert "FK-VR-7" in top.text
    top = r.search("what does E-317 mean", k=3).passages[0]
    assert "E-317" in top.text and "Coolant over temperature" in top.text


def test_paraphrase_found_by_dense_side(sample_library, embedder):
    r = _retriever(sample_library, embedder)
    passages = r.search("how long should the motor cool down before I open the sump plug", k=5).passages
    assert any("at least 15 minutes" in p.text for p in passages)


def test_results_carry_page_label_section_and_figures(sample_library, embedder):
    r = _retriever(sample_library, embedder)
    res = r.search("oil drain plug location figure", k=5, doc=SAMPLE_PDF.name)
    assert res.passages and all(p.doc == SAMPLE_PDF.name for p in res.passages)
    p = next(p for p in res.passages if p.page == 3)
    assert p.page_label == "2-1" and "ENGINE OIL AND FILTER CHANGE" in p.section
    assert [f.label for f in p.figures] == ["Figure 2-1"]
    assert all(p.score > 0 for p in res.passages)
    scores = [p.score for p in res.passages]
    assert scores == sorted(scores, reverse=True)


def test_fts_query_handles_codes_units_and_cjk():
    from fieldkit.text.normalize import query_terms, search_text

    assert query_terms("MIL-C-81309 at 10C?") == ['"mil c 81309"', '"10 c"']
    assert search_text("10C 维修") == "10 C  维  修 "


def test_key_terms_values_asked_for_and_nicknames():
    from fieldkit.answering.question import key_terms, with_shop_talk_spelled_out
    from fieldkit.answering.value_asked import measured_term, wanted_values

    assert key_terms("what's the max rpm drop allowed on the mag check during runup?") == ["drop", "mag", "runup"]
    assert key_terms("can the owner-pilot sign off PM that his buddy did?") == ["owner-pilot", "sign", "pm"]
    assert wanted_values("what torque for the drain plug?") == ("torque",)
    assert wanted_values("how often do I replace the ELT battery?") == ("time",)
    assert wanted_values("max TOT during start?") == ("temperature",)
    assert wanted_values("how far down should the collective go?") == ("length", "percent")
    assert wanted_values("how do I seal the connector?") == ()
    assert wanted_values("inverter check - what frequency should it put out?") == ("frequency",)
    assert wanted_values("what value resistor goes in the wrist strap cord, 1 meg?") == ("resistance",)
    assert wanted_values("how frequently is the strap tested?") == ("time",)
    # A slip of a word naming a value names it ("torqe": the index finds it as "torq*", so no slip mending
    # reads it); the word inflected does not ("torqued" asks no torque).
    assert wanted_values("whats the torqe on the nut") == ("torque",)
    assert wanted_values("what presure does the hyd pump put out?") == ("pressure",)
    assert wanted_values("fasteners are set and torqued, what is the next step") == ()
    # A reading named as a symptom, however many words describe it, is not the value asked for.
    assert wanted_values("huey has excessive high frequency vibration, what could cause it") == ()
    assert wanted_values("uh-1 high engine oil temp - what should i be looking at?") == ()
    # Shop shorthand names the value ("freq", "MHz", "tq", "flash pt", "- part number?"); a question
    # asking what to troubleshoot asks for a check, whatever reading it describes.
    assert wanted_values("what transducer freq (mhz) for UT on carbon laminates") == ("frequency",)
    assert wanted_values("whats the tq gage redline on a uh-1c") == ("torque",)
    assert wanted_values("whats the flash pt on pd680 type 2 solvent") == ("temperature",)
    assert wanted_values("kiowa caution panel bulb - part number?") == ("designation",)
    assert wanted_values("n2 decays in the max tq climb, what do i troubleshoot") == ()
    assert wanted_values("kiowa topping check, which chart do i compare my torque against") == ()
    assert wanted_values("what awg wire do i use for a bonding jumper") == ("count",)
    assert wanted_values("tot and torque normal but n2 bleeds off 1-2% then settles, what to check") == ()
    assert wanted_values("temp radar dish protection - how long does it hold up") == ("time",)  # temporary
    assert wanted_values("radar dish paint got scuffed, whats the temp fix till we can paint it") == ()
    assert wanted_values("touching up conformal coat - oven temp and time?") == ("temperature", "time")
    assert wanted_values("器材库房 温度湿度具体要控制在多少") == ("count",)  # "多少": how much
    assert wanted_values("how many flight hrs between opening avionics boxes") == ("time",)
    assert wanted_values("oh58 max N1 % before its an overspeed?") == ("percent",)
    assert wanted_values("oh58 generator fail relay part number?") == ("designation",)
    assert wanted_values("337 item 8 extra sheets - what paper size do attachments gotta be") == ()
    assert wanted_values("58 has a medium freq vibe 20-25 cps in the airframe, what should i look at?") == ()
    # A bearing "within how many degrees" is an angle (the manual writes "2°"); "degrees F" is not.
    assert wanted_values("ADF check - RMI within how many degrees of the station?") == ("temperature", "angle")
    assert wanted_values("how many degrees F max on the CHT?") == ("temperature",)
    assert wanted_values("what % transmissivity after a repair?") == ("percent",)
    assert wanted_values("at 100% N2, what torque?") == ("torque",)  # a % given is not a % asked for
    # the unit a value is asked in says its kind: not any number ("how many"), not a length ("in. lbs")
    assert wanted_values("fuel light - how many lbs are left when it comes on?") == ("weight",)
    assert wanted_values("how many kA peak current on a strike?") == ("current",)
    assert wanted_values("heat-up rate in deg F per minute?") == ("temperature",)
    assert wanted_values("how many in. lbs on the pump bolts?") == ("count",)
    assert wanted_values("how many in a batch, in A category?") == ("count",)
    assert wanted_values("max RH% in the layup room?") == ("percent",)  # a % asked for, not given
    assert wanted_values("max gallons in the cabin tank?") == ("volume",)
    assert wanted_values("ok to stir the cyclic at low rpm?") == ()  # a unit saying when, not asked for
    assert wanted_values("whats the set pressure on the relief valve") == ("pressure",)  # typed without '
    # a specification, standard or part number asked for (not a measure's "spec", not a yes/no, not a term)
    assert wanted_values("what hyd fluid spec goes in the oh-58 hyd reservoir") == ("designation",)
    assert wanted_values("part number for the kiowa caution panel bulbs") == ("designation",)
    assert wanted_values("which SAE doc has the NDI reference standards for honeycomb?") == ("designation",)
    assert wanted_values("igniter plug gap spec") == ("count",)
    assert wanted_values("do consumables like bagging film need a material spec?") == ()
    assert wanted_values("whats a QPL in a composite material spec") == ()
    assert wanted_values("shelf life on a can of acf-50 before i toss it?") == ("time",)
    assert wanted_values("whats the retirement time on the link?") == ("time",)
    assert wanted_values("what's the shelf life once the can's opened?") == ("time",)
    assert wanted_values("biggest patch allowed on a radome?")[0] == "length"
    assert wanted_values("realistically whats the smallest defect UT picks up?") == ()  # a size or a ply count
    assert wanted_values("torque and TOT normal but N2 droops - where do i look?") == ()  # a place, not a torque
    assert wanted_values("why does the voltage drop at idle?") == ()  # a cause
    # "which" asks for a thing: the limit it names is not the value asked for
    assert wanted_values("which TSO sets min performance for evac slides?") == ()
    assert wanted_values("skid shoe wear limit?") == ("count",)
    # a clause asking for a limit after one asking yes/no; "what X do i need" asks what, not yes/no
    assert wanted_values("crack in the windshield - can i stop drill it, whats the limit") == ("count",)
    assert wanted_values("what core density in pcf do i need for the plug?") == ("count",)
    assert wanted_values("eng got a top overhaul to serviceable limits - does total time go to zero?") == ()
    assert wanted_values("what mech tests at minimum?") == ()
    # a temperature and a time named after a dash; a TBO is a time; a test load a weight
    assert wanted_values("drying a radome wall before patching - oven temp and time?") == ("temperature", "time")
    assert wanted_values("quick temp fix for chipped paint?") == ()
    assert wanted_values("what's the prop TBO on the TBM?") == ("time",)
    assert wanted_values("rescue hoist - what test load goes on the cable?") == ("weight",)
    # how short a part may wear is a length; how far off a reading may be, a number of any unit
    assert wanted_values("58 starter-gen brushes - how short can they wear before you swap em") == ("length", "percent")
    assert wanted_values("huey gyro compass, how far off can copilot's be from pilot's") == ("count",)
    assert wanted_values("TBM prop overhaul time between overhauls per AC 43-211A?") == ("time",)  # "TBO" spelled out
    assert wanted_values("huey hyd reservoirs - which MIL spec fluid do I service them with?") == ("designation",)
    # a reading named as a symptom is not the value asked for
    assert wanted_values("58 showing low torque but high TOT, whats likely") == ()
    assert wanted_values("can low system voltage keep the fuel boost pump from running?") == ()
    assert wanted_values("whats the low oil pressure limit") == ("pressure",)
    # the measure a question asks some number of: the sentence giving the number must name it
    assert measured_term("max allowable play in the t/r pitch link bearings on the 58") == "play"
    assert measured_term("whats the exposure limit for mercury vapor") == "exposure"
    assert measured_term("whats meant by service limits on engine parts") is None  # a meaning
    assert measured_term("chart limits exceeded, what do i do before adjusting") is None  # steps
    assert measured_term("what's the min reading on the DC voltmeter") is None  # the meter's unit
    from fieldkit.answering.evidence import _states, _torque_in_psi
    from fieldkit.text.quantities import quantities

    assert _states(quantities("The inverter puts out 400 Hz ± 7 Hz."), ("frequency",))
    assert not _states(quantities("The inverter puts out 115 V."), ("frequency",))
    assert _states(quantities("Co-pilot's same as pilot's within 2°."), ("temperature", "angle"))
    assert _states(quantities("Tap testing is unreliable past three plies."), ("length",))  # a laminate's thickness
    assert _states(quantities("A 1/rev vertical is felt at about 6.5 cps."), ("frequency",))  # cycles per second
    # a helicopter's torquemeter reads in psi
    assert _torque_in_psi("Collective should go down to 13 PSI torque and up to 33 PSI.")
    assert _torque_in_psi("TORQUE - 30 PSI.") and not _torque_in_psi("Engine oil pressure 80 to 115 psi.")
    assert wanted_values("whats the deadline to send the copy in?") == ("time",)
    # a unit named after a comma asks for its kind; a question opening with a limit, or asking how much,
    # of something no kind names wants some number; "how much of the part" may be answered in words
    assert wanted_values("max time allowed for the slide to inflate, in seconds?") == ("time",)
    assert wanted_values("gap between etch and bond primer, hours?") == ("time",)
    assert wanted_values("hot bonder ramp rate, deg F per min?") == ("temperature",)
    assert wanted_values("max hysteresis allowed when testing an altimeter?") == ("count",)
    assert wanted_values("how much cg shift before it has to be reweighed?") == ("count",)
    assert wanted_values("after curing, how much of the part do i have to NDI?") == ()
    assert wanted_values("what's the max torque?") == ("torque",)  # the kind named, not any number
    assert wanted_values("whats the max oversize allowed on the barrels?") == ("count",)
    assert wanted_values("allowed tolerance between the altimeter and the encoder?") == ("count",)
    assert wanted_values("whats the full cycle on the inspection program, hrs and months?") == ("time",)
    # a limit or rate named anywhere wants a number, unless the question asks a yes/no or who, or the
    # word is a unit after a number ("20 min light") or part of a name ("time-limits program")
    assert wanted_values("tail skid shoe wear limit?") == ("count",)
    assert wanted_values("spark plug gap spec for the apu") == ("count",)
    assert wanted_values("strobe flash rate, flashes per minute?") == ("count",)
    assert wanted_values("oh58 pitot leak check, allowable leak per min") == ("count",)
    assert wanted_values("battery electrolyte specific gravity at full charge") == ("count",)
    assert wanted_values("whats the durometer on the door seal") == ("count",)
    assert wanted_values("does 'overhauled to new limits' mean new parts?") == ()
    assert wanted_values("20 min fuel light came on early, what do i check") == ()
    assert wanted_values("who sets up the time-limits program?") == ()
    assert wanted_values("what tests does the material need at minimum?") == ()
    from fieldkit.answering.question import defined_term
    from fieldkit.answering.value_asked import unit_kinds_named

    assert defined_term("whats filiform corrosion, how do i spot it") == "filiform corrosion"
    assert defined_term("whats pitting corrosion and how do i tell it from dirt") == "pitting corrosion"
    assert defined_term("what does b-stage mean on a prepreg") == "b-stage"
    assert defined_term("define critical humidity") == "critical humidity"
    assert defined_term("whats the torque on the bolts?") is None  # a value asked for, not a definition
    from fieldkit.answering.question import alternatives

    assert alternatives("ok to use MEK or acetone on the pins?") == {"mek", "acetone"}
    assert alternatives("spray cleaner/lube on the board?") == set()  # a slash may join one thing's names
    assert alternatives("is it ok or not") == set()

    assert unit_kinds_named("(2) RPM dial to 662") == {"speed"}  # a unit named before a bare number
    assert unit_kinds_named("Set the pump to 3000 psi.") == {"pressure"}
    assert unit_kinds_named("Mix 2 parts in a bucket for 1 min.") == set()  # "in", "min": not read
    assert with_shop_talk_spelled_out("Huey governor check, CB in") == "Huey (UH-1) governor check, CB (circuit breaker) in"
    assert with_shop_talk_spelled_out("vibe check on the t/r", keep=False) == "vibration check on the tail rotor"
    assert with_shop_talk_spelled_out("58 mtf autos", keep=False) == "58 maintenance test flight autorotations"
    assert with_shop_talk_spelled_out("hover pwr chk, batt and gen lites", keep=False) == \
        "hover power check, battery and generator lights"
    assert with_shop_talk_spelled_out("what CPC on the racks", keep=False) == "what corrosion preventive compound on the racks"
    assert with_shop_talk_spelled_out("fabbing a bracket", keep=False) == "fabricating a bracket"
    assert with_shop_talk_spelled_out("what RH for the layup room", keep=False) == "what relative humidity for the layup room"
    assert with_shop_talk_spelled_out("flash point of TT-I-735?", keep=False) == "flash point of TT-I-735?"  # a spec


def test_bare_numbers_that_name_an_aircraft():
    from fieldkit.answering.question import designators

    assert designators("fuel boost pump check on the 58, how much amp rise?") == ["58"]
    assert designators("58 start, OAT is about 10C") == ["58"]
    assert designators("release the starter at 58% N1, or 58-62?") == ["N1"]
    assert designators("What torque for the OH-58 drain plug?") == ["OH-58"]


def test_a_named_manual_is_preferred_not_the_pages_that_repeat_its_name(library, embedder, tmp_path):
    from pdfs import text_pdf

    from fieldkit.ingest.pipeline import ingest_file

    intro = ["This manual covers the XR-9A and XR-9C. XR-9 crews read it.",
             "XR-9 series codes: see the XR-9 list. Refer to the XR-9 -10 for the XR-9 limits."]
    pages = [["XR-9 HELICOPTER TEST FLIGHT MANUAL", *intro], ["1-1. XR-9 SERIES", *intro], ["1-2. XR-9 CODES", *intro],
             ["3-4. STARTING ENGINE CHECKS", "a. Throttle - closed.", "b. Starter switch - press and hold.",
              "c. Starter switch - release at 58-62% N1.", "d. Engine oil pressure - check."]]
    ingest_file(library, embedder, text_pdf(tmp_path / "xr9.pdf", pages))
    ingest_file(library, embedder, text_pdf(tmp_path / "other.pdf", [["GPU MANUAL", "Starter cable: check pins."]]))
    top = _retriever(library, embedder).search("when do I let go of the starter on the XR-9?", k=3).passages[0]
    assert "release at 58-62% N1" in top.text


def test_filter_by_applicability(sample_library, embedder, tmp_path):
    from pdfs import text_pdf

    from fieldkit.answering.retrieve import Retriever
    from fieldkit.ingest.pipeline import ingest_file

    other = text_pdf(tmp_path / "fk100.pdf", [["FK-100 GROUND POWER UNIT MANUAL",
                                              "Applicability: FK-100 units serial numbers FK1-0001 to FK1-0099.",
                                              "1. Torque the wheel lug nuts to 95 N·m."]])
    ingest_file(sample_library, embedder, other)
    r = Retriever(sample_library, embedder)
    assert sample_library.applicable_documents("FK1-0001") == {"fk100.pdf"}
    only_old = r.search("wheel lug nut torque", k=3, applies_to="FK1-0001").passages
    assert only_old and {p.doc for p in only_old} == {"fk100.pdf"}
    new = r.search("wheel lug nut torque", k=3, applies_to="FK2-0100").passages
    assert new and "fk100.pdf" not in {p.doc for p in new}
    assert r.search("wheel lug nut torque", k=3, applies_to="no such serial").passages == ()


def test_foreign_language_question_finds_cognates(sample_library, embedder):
    """No translation model ships; character trigrams still match cognates (mantenimiento ~ maintenance)."""
    from fieldkit.answering.retrieve import Retriever

    r = Retriever(sample_library, embedder)
    passages = r.search("¿Cuál es el par de apriete de la tuerca de la batería (terminal clamp)?", k=5).passages
    assert any("Battery terminal clamp" in p.text for p in passages)


def test_chinese_question_finds_the_chinese_passage(sample_library, embedder, tmp_path):
    """CJK text is indexed character by character and queried as bigrams (no segmenter)."""
    from fieldkit.ingest.pipeline import ingest_file

    manual = tmp_path / "zh.md"
    manual.write_text("# 维修管理规定\n\n## 第三条 维修记录\n\n维修记录应当至少保存两年。\n\n"
                      "## 第四条 工作时间\n\n维修人员每天工作时间不得超过十二小时。\n", encoding="utf-8")
    ingest_file(sample_library, embedder, manual)
    top = _retriever(sample_library, embedder).search("维修记录要保存多久？", k=3).passages[0]
    assert top.doc == "zh.md" and "保存两年" in top.text


def test_a_question_asking_for_a_picture_gets_the_passage_with_that_figure_first(library, embedder, tmp_path):
    from PIL import Image

    from fieldkit.ingest.pipeline import ingest_file

    Image.new("RGB", (200, 120), "white").save(tmp_path / "pump.png")
    pump_text = "Check the hydraulic pump mounting bolts and the hydraulic pump mounting pad for cracks. "
    sections = [f"## 4-{i}. HYDRAULIC PUMP MOUNTING CHECK {i}\n\n{pump_text * 3}\n" for i in range(1, 6)]
    sections.append("## 4-9. ILLUSTRATIONS\n\nSee below.\n\n![Figure 4-9. Hydraulic Pump Mounting](pump.png)\n")
    (tmp_path / "pump.md").write_text("# PUMP MANUAL\n\n" + "\n".join(sections))
    ingest_file(library, embedder, tmp_path / "pump.md")
    r = _retriever(library, embedder)
    plain = r.search("hydraulic pump mounting", k=5).passages
    assert not plain[0].figures  # the text-heavy sections win a question that does not ask for a picture
    top = r.search("is there a picture of the hydraulic pump mounting?", k=5).passages[0]
    assert [f.label for f in top.figures] == ["Figure 4-9"]


def test_markdown_passages_carry_only_the_figures_they_name(sample_library, embedder):
    """A Markdown manual is one page: its figures go with the passage that shows them, not with all."""
    from conftest import SAMPLE_MD

    r = _retriever(sample_library, embedder)
    passages = r.search("oil drain plug daily inspection coolant level", k=10, doc=SAMPLE_MD.name).passages
    daily = next(p for p in passages if "DAILY INSPECTION" in p.section)
    assert daily.figures == ()
    oil = next(p for p in passages if "Figure 2-1" in p.text)
    assert [f.label for f in oil.figures] == ["Figure 2-1"]


def test_past_the_approximate_threshold_a_long_question_searches_its_rarest_words(sample_library, embedder,
                                                                                   monkeypatch):
    from fieldkit.answering import retrieve
    from fieldkit.text.normalize import fts_query

    r = _retriever(sample_library, embedder)
    question = ("the motor quit on me again today, oil everywhere, which is the drain plug torque and what "
                "does fault code E-317 on the display mean for the coolant level, the filter, the belt, the "
                "battery voltage and the clamp pressure")
    terms = fts_query(question).split(" OR ")
    counts = {t: sample_library.match_count(t, 10**6) for t in terms}
    found = [t for t in terms if counts[t]]  # "motor", "today": in no chunk, never searched at scale
    assert len(found) > retrieve.MAX_LARGE_LIBRARY_TERMS and len(found) < len(terms)
    searched = []
    real_fts = sample_library.fts
    monkeypatch.setattr(sample_library, "fts", lambda match, *a: searched.append(match) or real_fts(match, *a))
    r.search(question, k=5)  # a small library: every word
    monkeypatch.setattr(retrieve, "approx_from", lambda: 1)  # as large as the approximate index's threshold
    top = r.search(question, k=5).passages
    assert searched[0].split(" OR ") == terms
    kept = searched[1].split(" OR ")  # each in fewer than the 100 chunks counted up to: no gate
    assert len(kept) == retrieve.MAX_LARGE_LIBRARY_TERMS and set(kept) < set(found)
    assert max(counts[t] for t in kept) <= min(counts[t] for t in found if t not in kept)  # the rarest kept
    assert '"e 317"' in kept and any("E-317" in p.text for p in top)


def test_in_a_large_library_common_words_rank_only_the_chunks_holding_a_rare_one(library, embedder, tmp_path,
                                                                                  monkeypatch):
    """Past the approximate index's threshold, words in 1% of the library or more ("maintenance", "record":
    in every chunk here) rank only the chunks holding one of the question's rarer words, and the best
    passage is the one every chunk ranked finds. An identifier no chunk holds as a phrase (its parts
    apart) is not searched."""
    from pdfs import text_pdf

    from fieldkit.answering import retrieve
    from fieldkit.ingest.pipeline import ingest_file

    parts = ["hub", "rim", "axle", "strut", "spar", "flap", "vane", "duct", "pump", "valve", "panel", "latch", "hinge"]
    acts = ["inspected", "cleaned", "painted", "replaced", "adjusted", "lubricated", "sealed", "tested", "bonded",
            "shimmed", "torqued"]  # 13 x 11: every page says something else (no running header)
    pages = [[f"{parts[n % 13].upper()} {acts[n % 11].upper()}",
              f"Maintenance record: the {parts[n % 13]} was {acts[n % 11]} and the maintenance recorded."]
             for n in range(130)]
    pages[60] = ["RETENTION", "Keep each maintenance record for two years after the work is done."]
    pages[90] = ["BAY UNITS", "The FK unit in bay 12 has its own maintenance record."]
    ingest_file(library, embedder, text_pdf(tmp_path / "records.pdf", pages))
    assert library.chunk_count() >= 100  # at least the 100 chunks a common word is counted up to
    r = _retriever(library, embedder)
    searched = []
    real_fts = library.fts
    monkeypatch.setattr(library, "fts", lambda match, *a: searched.append(match) or real_fts(match, *a))
    question = "how long do I keep the maintenance record"
    every_chunk = r.search(question, k=3).passages
    monkeypatch.setattr(retrieve, "approx_from", lambda: 1)
    large = r.search(question, k=3).passages
    gate, ranked = searched[-1].split(" AND ")
    assert gate == '("keep")' and '"maintenance"' in ranked and '"record"' in ranked
    assert large[0].chunk_id == every_chunk[0].chunk_id and "Keep each" in large[0].text

    large = r.search("maintenance record of FK-12", k=3).passages  # "FK" and "12" in one chunk, not as FK-12
    assert '"fk 12"' not in searched[-1] and '"maintenance"' in searched[-1]  # counted as a phrase: none
    assert len(large) == 3 and all("maintenance record" in p.text.lower() for p in large)


def test_a_search_within_most_manuals_finds_what_the_join_finds(library, embedder, tmp_path):
    """Searching most of the library (>= half its manuals) ranks the whole library and drops the other
    manuals' chunks; when those filled every place, it searches the manuals themselves. Either way the
    result is the best chunks of those manuals, as each manual searched alone ranks them."""
    from pdfs import text_pdf

    from fieldkit.ingest.pipeline import ingest_file

    parts = ["hub", "rim", "axle", "brake drum", "spacer", "adapter", "stud", "cap", "seal", "plate", "bolt", "ring"]
    strong = [[f"WHEEL {part.upper()}", f"Lug nut torque at the {part}: lug nut torque check, lug nut torque mark."]
              for part in parts]
    ingest_file(library, embedder, text_pdf(tmp_path / "c.pdf", strong))
    for name in ("a", "b"):
        pages = [[f"{name.upper()} GROUND UNIT", "The lug nut torque is given in the wheel section of this unit's "
                  "manual, after the tyre pressures and before the brake checks."], ["Brake pads: inspect."]]
        ingest_file(library, embedder, text_pdf(tmp_path / f"{name}.pdf", pages))
    match = '"lug" OR "nut" OR "torque"'

    def alone(docs, limit):  # each manual searched alone (the join), merged by score
        found = [pair for d in docs for pair in library.fts(match, limit, frozenset({d}))]
        return sorted(found, key=lambda pair: -pair[1])[:limit]

    for docs, limit in ((frozenset({"a.pdf", "b.pdf"}), 2), (frozenset({"a.pdf", "c.pdf"}), 5),
                        (frozenset({"a.pdf", "b.pdf", "c.pdf"}), 20)):
        found = library.fts(match, limit, docs)
        assert found == alone(sorted(docs), limit) and found
    assert {library.chunk_rows([c])[c]["doc"] for c, _ in library.fts(match, 2, frozenset({"a.pdf", "b.pdf"}))} == {
        "a.pdf", "b.pdf"}  # c.pdf's twelve stronger chunks filled the whole library's first 8 places
