"""S1000D data modules (XML): identification, procedural steps, safety requirements, quantities,
figures and applicability, parsed safely (no DTD loading, no entity resolution, no network, bounded size).

A data module has no pages: it is "page 1" and its title/step path is the locator. Warnings and
cautions, inline or referenced (by id, or as another data module with info code 012), become callouts
governing the module's steps.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from fieldkit.errors import BadInputError
from fieldkit.ingest.figures import SkippedImage, figure_from_file, local_image
from fieldkit.library.records import Block, FigureImage, Page

MAX_BYTES = 20 * 1024 * 1024
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff")
WARNINGS_INFO_CODE = "012"


def _parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def parse_module(path: Path):
    from lxml import etree

    size = path.stat().st_size
    if size > MAX_BYTES:
        raise BadInputError(path, f"XML file is {size // 1024 // 1024} MB, over the {MAX_BYTES // 1024 // 1024} MB limit")
    data = path.read_bytes()
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise BadInputError(path, f"not well-formed XML ({exc}); check the file") from exc
    if _local(root.tag) != "dmodule":
        raise BadInputError(path, f"XML root is <{_local(root.tag)}>, not an S1000D <dmodule>; nothing was added")
    return root


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find(node, name):
    for el in node.iter():
        if _local(el.tag) == name:
            return el
    return None


def _findall(node, name):
    return [el for el in node.iter() if _local(el.tag) == name]


def dm_code(el) -> str:
    """DMC-MODEL-A-32-41-00-00A-520A-A from a <dmCode> element."""
    a = el.attrib
    parts = [a.get("modelIdentCode", ""), a.get("systemDiffCode", ""),
             f"{a.get('systemCode', '')}-{a.get('subSystemCode', '')}{a.get('subSubSystemCode', '')}-{a.get('assyCode', '')}",
             f"{a.get('disassyCode', '')}{a.get('disassyCodeVariant', '')}",
             f"{a.get('infoCode', '')}{a.get('infoCodeVariant', '')}", a.get("itemLocationCode", "")]
    return "DMC-" + "-".join(p for p in parts if p)


NESTED_BLOCKS = ("proceduralStep", "figure", "table", "warning", "caution", "note", "applic")


def text_of(el, labels: dict[str, str] | None = None) -> str:
    """Readable text of an element: quantities with their units and tolerances, references by target;
    nested blocks (steps, figures, callouts) are left to their own handling."""
    labels = labels or {}
    out: list[str] = []

    def walk(node, top: bool = False) -> None:
        name = _local(node.tag)
        if not top:
            if name == "quantityValue":
                out.append(f"{(node.text or '').strip()} {node.get('quantityUnitOfMeasure', '')}".strip())
                return
            if name == "quantityTolerance":
                sign = {"plusminus": "±", "plus": "+", "minus": "-"}.get(node.get("quantityToleranceType"), "±")
                out.append(f" {sign} {(node.text or '').strip()} {node.get('quantityUnitOfMeasure', '')}".rstrip())
                return
            if name == "internalRef":
                out.append(labels.get(node.get("internalRefId", ""), ""))
                return
            if name in NESTED_BLOCKS:
                return
        if node.text:
            out.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                out.append(child.tail)

    walk(el, top=True)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _callout_text(kind: str, el) -> str:
    paras = [text_of(p) for p in el.iter() if _local(p.tag) in ("warningAndCautionPara", "notePara", "para")]
    body = " ".join(p for p in paras if p) or text_of(el)
    return f"{kind}: {body}"


def extract_s1000d(path: Path, figure_dir: Path, warnings: list[str] | None = None
                   ) -> tuple[list[Page], list[FigureImage], dict]:
    warn = warnings if warnings is not None else []
    root = parse_module(path)
    ident = _find(root, "dmCode")
    dmc = dm_code(ident) if ident is not None else path.stem
    lang = _find(root, "language")
    issue = _find(root, "issueInfo")
    date = _find(root, "issueDate")
    tech, info = _find(root, "techName"), _find(root, "infoName")
    title = " - ".join(t for t in (text_of(tech) if tech is not None else "", text_of(info) if info is not None else "") if t)
    status = _find(root, "dmStatus")
    applic = _find(status, "applic") if status is not None else None
    applicability = text_of(_find(applic, "displayText")) if applic is not None and _find(applic, "displayText") is not None else ""
    revision = None
    if issue is not None:
        revision = f"issue {issue.get('issueNumber', '?')}-{issue.get('inWork', '00')}"
        if date is not None:
            revision += f" ({date.get('year')}-{date.get('month')}-{date.get('day')})"

    heading = f"{title or dmc} [{dmc}]"
    blocks: list[Block] = [Block("heading", heading, 1, 1)]
    if applicability:
        blocks.append(Block("para", f"Applicability: {applicability}", 1))

    # Safety: the module's warnings/cautions (by id), the ones its procedure requires, inline ones.
    library = {el.get("id"): el for el in root.iter() if _local(el.tag) in ("warning", "caution") and el.get("id")}
    required: list = []
    refs: list[str] = []
    for req in _findall(root, "reqSafety"):
        for rq in _findall(req, "safetyRqmts"):
            for attr in ("warningRefs", "cautionRefs"):
                required += [library[i] for i in (rq.get(attr) or "").split() if i in library]
            required += [el for el in rq if _local(el.tag) in ("warning", "caution")]
        for ref in _findall(req, "dmRef"):
            code = _find(ref, "dmCode")
            if code is not None:
                refs.append(dm_code(code))
    content = _find(root, "content")
    seen = set()
    is_warning_module = ident is not None and ident.get("infoCode") == WARNINGS_INFO_CODE
    for el in required + (list(library.values()) if is_warning_module else []):
        if id(el) not in seen:
            seen.add(id(el))
            blocks.append(Block("callout", _callout_text(_local(el.tag).upper(), el), 1))

    figures: list[FigureImage] = []
    figure_numbers: dict[str, str] = {}
    for n, fig in enumerate(_findall(root, "figure"), start=1):
        figure_numbers[fig.get("id", f"fig-{n}")] = f"Figure {n}"

    def walk(node, step_path: tuple[int, ...]):
        counter = 0
        for child in node:
            name = _local(child.tag)
            if name == "proceduralStep":
                counter += 1
                number = ".".join(str(x) for x in step_path + (counter,))
                own = " ".join(text_of(p, figure_numbers) for p in child if _local(p.tag) == "para")
                step_applic = _find(child, "applic")
                prefix = ""
                if step_applic is not None and step_applic.getparent() is child:
                    prefix = f"(Applies to: {text_of(step_applic)}) "
                for c in child:
                    if _local(c.tag) in ("warning", "caution", "note"):
                        blocks.append(Block("callout", _callout_text(_local(c.tag).upper(), c), 1))
                if own:
                    blocks.append(Block("step", f"Step {number}. {prefix}{own}", 1))
                walk(child, step_path + (counter,))
            elif name == "levelledPara":
                t = _find(child, "title")
                if t is not None and t.getparent() is child:
                    blocks.append(Block("heading", text_of(t), 1, 2 + len(step_path)))
                for p in child:
                    if _local(p.tag) == "para":
                        blocks.append(Block("para", text_of(p, figure_numbers), 1))
                walk(child, step_path)
            elif name == "figure":
                t = _find(child, "title")
                label = figure_numbers.get(child.get("id", ""), "Figure")
                caption = f"{label}. {text_of(t) if t is not None else ''}".strip()
                blocks.append(Block("caption", caption, 1))
                for graphic in _findall(child, "graphic"):
                    graphic_id = graphic.get("infoEntityIdent", "")
                    try:
                        image = _graphic_file(path, graphic_id)
                        if image is not None:
                            figures.append(_save(image, figure_dir, len(figures), label, caption))
                    except SkippedImage as why:
                        warn.append(f"graphic {graphic_id!r} skipped: {why}")
            elif name in ("warning", "caution", "note") and _local(node.tag) != "proceduralStep" and node is not content:
                blocks.append(Block("callout", _callout_text(name.upper(), child), 1))
            elif name in ("warningsAndCautions", "warningsAndCautionsRef"):
                continue
            else:
                walk(child, step_path)

    if content is not None:
        walk(content, ())
    meta = {"Title": title or dmc, "dmc": dmc, "revision": revision, "applicability": applicability,
            "language": f"{lang.get('languageIsoCode', '')}-{lang.get('countryIsoCode', '')}" if lang is not None else "",
            "warning_refs": refs}
    return [Page(1, None, "\n".join(b.text for b in blocks), tuple(blocks))], figures, meta


def _graphic_file(path: Path, ident: str) -> Path | None:
    """The image file for a graphic's ICN next to the module (confined to its folder, see
    ``local_image``); None for an ident that is not a plain name. Raises SkippedImage saying why."""
    if not ident or not re.fullmatch(r"[\w.-]+", ident):
        return None  # only plain file names next to the module: no paths, no URLs
    for suffix in IMAGE_SUFFIXES:
        if os.path.lexists(path.parent / f"{ident}{suffix}"):
            return local_image(path, f"{ident}{suffix}")
    raise SkippedImage("file not found next to the module")


def _save(image_path: Path, figure_dir: Path, n: int, label: str, caption: str) -> FigureImage:
    full, thumb = figure_from_file(image_path, figure_dir, f"p0001-{n}")
    return FigureImage(1, label, caption, str(full), str(thumb))
