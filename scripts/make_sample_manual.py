"""Write the sample manual in manuals/: Markdown and PDF from one content list, figures drawn with pillow.

The equipment (the FK-200 ground power unit) is fictional. Run: python scripts/make_sample_manual.py
Needs fpdf2 (the `test` extra). The output is committed; rerunning rewrites the same content.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "manuals"
STEM = "fk200-gpu-maintenance"

# (kind, text): chapter starts a new page whose printed labels are "<chapter>-<n>".
CONTENT = [
    ("title", "FK-200 GROUND POWER UNIT MAINTENANCE MANUAL"),
    ("para", "Revision 3, 2026-03-01. Applicability: FK-200 units serial numbers FK2-0100 and subsequent."),
    ("chapter", "CHAPTER 1. GENERAL"),
    ("heading", "1-1. DESCRIPTION"),
    ("para", "The FK-200 is a diesel-driven 28 VDC ground power unit on a two-wheel cart. It supplies up to "
             "600 A continuous and 1,800 A peak for engine starts. The engine is a three-cylinder, liquid-cooled "
             "KD-903 diesel. Service points are shown in Figure 1-1."),
    ("figure", "Figure 1-1. FK-200 Service Points"),
    ("heading", "1-2. SAFETY"),
    ("callout", "WARNING: Exhaust gases contain carbon monoxide. Run the unit only in the open or with the exhaust "
                "extension fitted. Carbon monoxide can kill without warning."),
    ("callout", "CAUTION: Do not connect the output cable to an aircraft while the output contactor is closed. "
                "Arcing damages the aircraft receptacle."),
    ("chapter", "CHAPTER 2. SCHEDULED MAINTENANCE"),
    ("heading", "2-1. DAILY INSPECTION"),
    ("step", "a. Check the engine oil level on the dipstick. The level must be between the ADD and FULL marks."),
    ("step", "b. Check the coolant level in the recovery bottle with the engine cold."),
    ("step", "c. Inspect the output cable and plug for cuts, burned pins and loose clamps."),
    ("step", "d. Drain water from the fuel filter bowl until clear fuel flows."),
    ("heading", "2-2. ENGINE OIL AND FILTER CHANGE"),
    ("para", "Change the engine oil and filter every 250 operating hours or 6 months, whichever occurs first. "
             "Oil capacity with filter change is 4.2 liters (4.4 US quarts) of SAE 15W-40, API CK-4."),
    ("callout", "WARNING: Hot oil can cause burns. Let the engine cool for at least 15 minutes before you remove "
                "the drain plug. Wear gloves and eye protection."),
    ("step", "(1) Place a drain pan of at least 6 liters under the drain plug (Figure 2-1)."),
    ("step", "(2) Remove the drain plug (item 3) and let the oil drain for 10 minutes."),
    ("step", "(3) Remove the oil filter FK-OF-118 with a strap wrench. Discard the filter."),
    ("callout", "NOTE: Apply a thin film of clean engine oil to the gasket of the new filter before you install it."),
    ("step", "(4) Install the new filter FK-OF-118 and turn it 3/4 turn after the gasket touches the base."),
    ("step", "(5) Install the drain plug with a new crush washer FK-CW-14. Torque the drain plug to 35 N·m (26 lb-ft)."),
    ("step", "(6) Fill with 4.2 liters of oil. Run the engine for 2 minutes, stop it, wait 5 minutes and check the level."),
    ("figure", "Figure 2-1. Oil Drain Plug Location"),
    ("chapter", "CHAPTER 3. TORQUE VALUES AND LIMITS"),
    ("heading", "3-1. TORQUE VALUES"),
    ("callout", "CAUTION: Use a calibrated torque wrench. Do not lubricate threads unless the table says so."),
    ("table", [["Fastener", "Part number", "Torque"],
               ["Oil drain plug", "FK-DP-20", "35 N·m (26 lb-ft)"],
               ["Output terminal nut", "FK-TN-08", "12 N·m (9 lb-ft)"],
               ["Wheel lug nut", "FK-LN-12", "110 N·m (81 lb-ft)"],
               ["Cylinder head cover bolt", "FK-HB-06", "10 N·m (7.4 lb-ft)"],
               ["Battery terminal clamp", "FK-BC-10", "6 N·m (4.4 lb-ft)"]]),
    ("heading", "3-2. OPERATING LIMITS"),
    ("para", "Output voltage must be 28.0 ± 0.5 VDC at no load. Engine oil pressure at rated speed must be "
             "at least 2.1 bar (30 psi). Coolant temperature must not exceed 105 °C."),
    ("chapter", "CHAPTER 4. TROUBLESHOOTING"),
    ("heading", "4-1. FAULT CODES"),
    ("table", [["Code", "Fault", "Action"],
               ["E-101", "Low oil pressure", "Check oil level; check sender FK-PS-31"],
               ["E-204", "Output overvoltage", "Replace voltage regulator FK-VR-7"],
               ["E-317", "Coolant over temperature", "Check coolant level and fan belt tension"]]),
    ("para", "If a fault code returns after the action, remove the unit from service and report it."),
]


def draw_figure(label: str, path: Path) -> None:
    """Line drawings of the fictional unit (pillow)."""
    img = Image.new("RGB", (640, 360), "white")
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default()
    if "Service Points" in label:
        d.rectangle((80, 80, 520, 260), outline="black", width=4)  # cabinet
        d.ellipse((120, 240, 200, 320), outline="black", width=4)  # wheels
        d.ellipse((400, 240, 480, 320), outline="black", width=4)
        d.line((520, 170, 610, 170), fill="black", width=4)  # tow bar
        for n, (x, y, text) in enumerate([(150, 120, "OIL FILL"), (300, 120, "COOLANT"), (420, 200, "FUEL FILTER")], 1):
            d.ellipse((x - 12, y - 12, x + 12, y + 12), outline="black", width=3)
            d.text((x - 4, y - 6), str(n), fill="black", font=font)
            d.text((x + 18, y - 6), text, fill="black", font=font)
    else:
        d.rectangle((120, 60, 520, 240), outline="black", width=4)  # oil pan
        d.ellipse((290, 230, 350, 290), outline="black", width=4)  # drain plug
        d.line((320, 290, 320, 340), fill="black", width=3)
        d.text((330, 320), "3  DRAIN PLUG", fill="black", font=font)
        d.text((140, 80), "1  OIL PAN", fill="black", font=font)
        d.text((140, 200), "2  OIL FILTER FK-OF-118", fill="black", font=font)
    d.text((20, 10), label.upper(), fill="black", font=font)
    img.save(path)


def figure_file(label: str) -> str:
    return "figures/" + label.split(".")[0].lower().replace(" ", "-") + ".png"


def write_markdown() -> None:
    lines = []
    for kind, text in CONTENT:
        if kind == "title":
            lines += [f"# {text}", ""]
        elif kind == "chapter":
            lines += [f"## {text}", ""]
        elif kind == "heading":
            lines += [f"### {text}", ""]
        elif kind == "figure":
            lines += [f"![{text}]({figure_file(text)})", ""]
        elif kind == "table":
            lines.append("| " + " | ".join(text[0]) + " |")
            lines.append("|" + "---|" * len(text[0]))
            lines += ["| " + " | ".join(row) + " |" for row in text[1:]]
            lines.append("")
        elif kind == "callout":
            word, rest = text.split(":", 1)
            lines += [f"**{word}:**{rest}", ""]
        else:
            lines += [text, ""]
    (OUT / f"{STEM}.md").write_text("\n".join(lines))


class ManualPDF(FPDF):
    chapter = 0
    chapter_start = 1

    def footer(self):
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        label = f"{self.chapter}-{self.page - self.chapter_start + 1}" if self.chapter else "i"
        self.cell(0, 10, label, align="C")

    def header(self):
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, "FK-200 GPU MAINTENANCE MANUAL", align="R")
        self.ln(8)


def write_pdf() -> None:
    pdf = ManualPDF(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("DejaVu", fname=_font())  # N·m, ±, °
    pdf.add_font("DejaVu", style="B", fname=_font().replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"))
    pdf.set_title("FK-200 Ground Power Unit Maintenance Manual")
    pdf.add_page()
    for kind, text in CONTENT:
        if kind == "chapter":
            pdf.add_page()
            pdf.chapter += 1
            pdf.chapter_start = pdf.page
        if kind in ("title", "chapter", "heading"):
            pdf.set_font("DejaVu", size={"title": 16, "chapter": 14, "heading": 12}[kind])
            pdf.multi_cell(0, 8, text)
            pdf.ln(2)
        elif kind == "figure":
            pdf.image(str(OUT / figure_file(text)), w=150)
            pdf.set_font("DejaVu", size=10)
            pdf.multi_cell(0, 6, text, align="C")
            pdf.ln(3)
        elif kind == "table":
            pdf.set_font("DejaVu", size=10)
            with pdf.table() as table:
                for row in text:
                    r = table.row()
                    for cell in row:
                        r.cell(cell)
            pdf.ln(3)
        else:
            pdf.set_font("DejaVu", size=10)
            pdf.multi_cell(0, 5.5, text)
            pdf.ln(5 if kind == "callout" else 3)
    pdf.output(str(OUT / f"{STEM}.pdf"))


def _font() -> str:
    for candidate in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",):
        if Path(candidate).exists():
            return candidate
    import matplotlib  # pragma: no cover - only where DejaVu is not installed system-wide

    return str(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf")


def main() -> None:
    (OUT / "figures").mkdir(parents=True, exist_ok=True)
    for kind, text in CONTENT:
        if kind == "figure":
            draw_figure(text, OUT / figure_file(text))
    write_markdown()
    write_pdf()
    print(f"wrote {OUT / STEM}.md and .pdf")


if __name__ == "__main__":
    main()
