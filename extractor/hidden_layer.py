"""A scan under a scanner's hidden text layer, checked against the page image.

The PDF reader marks pages that are an image under invisible text (``readers.pdf_hidden``;
``Document.meta['hidden_text_pages']``). That text is the scanner's own OCR: it extracts like
printed text but misreads digits (8 for 3, 7 for 1), and it carries no ruling lines, so its
tables are hard to place. With the OCR extra, each such page that holds a table is levelled and
its ruled grid found once (``ocr.reader.prepare_page``); the grid is then filled twice: with the
hidden layer's characters (the text-layer reading) and with our recogniser's boxes (the image
reading). Both are mapped as usual, and every cell where they differ is decided by the
template's checks, table by table:

- no cell differs: the text layer is kept (``how`` text) and a warning says it agrees with OCR;
- exactly one way of choosing between the two readings' values for the differing cells makes
  every check of the table pass: that one is taken; cells from the image get ``how`` ``ocr`` and
  the recogniser's confidence;
- otherwise (no choice passes, or several do, or the table has no checks): the text layer's value
  is kept;

and every differing cell is named in a warning with both readings and the value kept, so the
hidden layer never wins silently. Without the OCR extra (or with OCR off or over its page limit)
the report says that its numbers come from a hidden layer that could not be checked, and when
a check fails names that layer as a likely cause, with the single cells the arithmetic points at.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

from .checks import run_checks
from .errors import ExtractorError
from .limits import Limits
from .model import Block, Document, Table
from .readers.pdf_hidden import pages_phrase
from .report import Report
from .schema import TEMPLATES

MAX_COMBINATIONS = 4096  # differing cells of one table tried in every combination up to this many


def crosscheck(report: Report, doc: Document, data: bytes, *, limits: Limits) -> Report:
    """``report`` (mapped from ``doc``, read from the PDF ``data``) checked against the page
    images of its hidden-text-layer pages; a new Report when the check ran, else ``report``
    with warnings saying why it could not."""
    hidden = doc.meta.get("hidden_text_pages") or []
    if not hidden or report.template not in TEMPLATES:
        return report
    on_tables = set(doc.meta.get("table_pages") or []) | {c["page"] for c in report.cells if c.get("page")}
    pages = sorted(set(hidden) & on_tables)
    if not pages:  # the hidden layer holds prose only: no table number comes from it
        return report
    from .ocr import EXTRA_INSTALL, ocr_available
    if not ocr_available():
        return unchecked(report, pages, f"install the OCR extra to check it: {EXTRA_INSTALL}")
    if limits.max_ocr_pages == 0:
        return unchecked(report, pages, "OCR is off (--max-ocr-pages 0)")
    if len(pages) > limits.max_ocr_pages:
        return unchecked(report, pages, f"{len(pages)} pages to OCR, over the limit of {limits.max_ocr_pages} "
                                        "(--max-ocr-pages)")
    try:
        readings = _readings(doc, data, pages, report)
    except ExtractorError as exc:
        return unchecked(report, pages, f"the page images could not be read: {exc}")
    except Exception as exc:  # noqa: BLE001 - OpenCV/onnxruntime failing on one file: say so, keep the reading
        return unchecked(report, pages, f"OCR of the page images failed ({type(exc).__name__})")
    if readings is None:
        return unchecked(report, pages, "the page images show no ruled table to read")
    text, image, checked = readings
    return decide(text, image, checked)


def unchecked(report: Report, pages: list[int], why: str) -> Report:
    """The report as read from the hidden layer, with warnings that it was not checked."""
    from .checks.suspects import suspect_cells
    report.warnings.append(f"{pages_phrase(pages)}: the numbers come from a scanner's hidden text layer that could "
                           f"not be checked against the page image ({why})")
    if any(c.status == "fail" for c in report.checks):
        report.warnings.append(f"checks fail on numbers read from a scanner's hidden text layer "
                               f"({pages_phrase(pages)}): digits that layer misread (3/8, 1/7) are a likely cause; "
                               "compare the failing rows with the page image")
        for (t, r, c), printed, suggested in suspect_cells(TEMPLATES[report.template], report.cells, report.checks):
            report.warnings.append(f"likely misread: {t}.{r}.{c} printed {_fmt(printed)}, "
                                   f"arithmetic suggests {_fmt(suggested)}")
    return report


# --- the two readings -------------------------------------------------------------------------------

def _readings(doc: Document, data: bytes, pages: list[int], report: Report) -> tuple[Report, Report, list[int]] | None:
    """(text-layer reading, image reading, pages read), both mapped; None when no page image
    shows a ruled grid."""
    from .pipeline import extract_document
    from .ocr.engine import recognise
    from .ocr.layout import page_blocks
    from .ocr.reader import prepare_page
    from .ocr.render import pdf_pages
    name = report.metadata.get("source") or "input"
    layer = _layer_chars(data, pages)
    text_blocks: dict[int, list[Block]] = {}
    image_blocks: dict[int, list[Block]] = {}
    for img in pdf_pages(data, name, ocr_pages=set(pages)):
        if img.image is None:
            continue
        prep = prepare_page(img)
        if not prep.grids:
            continue
        boxes = [_box(ch, prep.to_px(bb)) for ch, bb in layer.get(img.no, [])]
        text_blocks[img.no] = _as_text_layer(page_blocks(prep.grids, boxes, img.no, prep.to_pt, _no_second_look))
        image_blocks[img.no] = page_blocks(prep.grids, recognise(prep.gray), img.no, prep.to_pt, prep.reader)
    if not text_blocks:
        return None
    meta = {"source": report.metadata.get("source"), "sha256": report.metadata.get("sha256")}
    text = extract_document(_swap(doc, text_blocks), **meta)
    image = extract_document(_swap(doc, image_blocks), **meta)
    if _n_values(text) < _n_values(report):  # the grid lost cells the reader had: compare the reader's
        text = report
    return text, image, sorted(text_blocks)


def _layer_chars(data: bytes, pages: list[int]) -> dict[int, list[tuple[str, tuple[float, float, float, float]]]]:
    """The hidden layer's characters on ``pages`` with their boxes in points, as displayed (y down)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from .readers.pdf_pdfium import _View
    out: dict[int, list[tuple[str, tuple[float, float, float, float]]]] = {}
    pdf = pdfium.PdfDocument(data)
    try:
        for no in pages:
            page = pdf[no - 1]
            tp = page.get_textpage()
            try:
                mb = page.get_mediabox()
                view = _View(page.get_rotation() % 360, mb[2] - mb[0], mb[3] - mb[1])
                chars = []
                for i in range(tp.count_chars()):
                    code = raw.FPDFText_GetUnicode(tp, i)
                    ch = chr(code) if code < 0x110000 else "\ufffd"
                    if ch.isspace() or raw.FPDFText_IsGenerated(tp, i) == 1:
                        continue
                    left, bottom, right, top = tp.get_charbox(i, loose=True)
                    (ax, ay), (bx, by) = view.point(left - mb[0], bottom - mb[1]), view.point(right - mb[0], top - mb[1])
                    chars.append((ch, (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))))
                out[no] = chars
            finally:
                tp.close()
                page.close()
    finally:
        pdf.close()
    return out


def _box(ch: str, px: tuple[float, float, float, float]):
    from .ocr.engine import Box
    return Box(px[0], px[1], px[2], px[3], ch, 1.0)


def _no_second_look(box: Any, boxes: Any = ()) -> None:
    """The text layer is what it is: an empty cell stays empty (no recogniser looks at the ink)."""
    return None


def _as_text_layer(blocks: list[Block]) -> list[Block]:
    """Blocks filled from the hidden layer: text provenance, no recogniser confidence."""
    def plain(prov):
        return dataclasses.replace(prov, source="pdf", confidence=None)
    for b in blocks:
        b.provenance = plain(b.provenance)
        if isinstance(b, Table):
            for cell in {id(c): c for row in b.grid for c in row if c is not None}.values():
                cell.provenance = plain(cell.provenance)
    return blocks


def _swap(doc: Document, new: dict[int, list[Block]]) -> Document:
    """``doc`` with the blocks of the pages in ``new`` replaced, in page order."""
    placed: list[tuple[int, Block]] = []
    page = 0
    for b in doc.blocks:
        page = b.provenance.page or page
        if page not in new:
            placed.append((page, b))
    placed += [(p, b) for p, blocks in new.items() for b in blocks]
    placed.sort(key=lambda pb: pb[0])  # stable: each page's blocks keep their order
    return Document(blocks=[b for _, b in placed], format=doc.format, title=doc.title,
                    warnings=list(doc.warnings), meta=dict(doc.meta))


def _n_values(report: Report) -> int:
    return sum(1 for c in report.cells if c["value"] is not None)


# --- deciding ------------------------------------------------------------------------------------------

def _fmt(v: object) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
    return a == b


def decide(text: Report, image: Report, pages: list[int]) -> Report:
    """The text-layer reading with each differing cell decided by the checks (module docstring)."""
    template = TEMPLATES[text.template]
    warnings = list(text.warnings)
    if image.template != text.template:
        return unchecked(text, pages, f"OCR of the page images reads the {image.template} template, "
                                      f"the hidden layer the {text.template} template")
    by_addr = {(c["table"], c["row"], c["column"]): c for c in image.cells}
    cells = [dict(c) for c in text.cells]
    differing = [c for c in cells if not _same(c["value"], by_addr.get((c["table"], c["row"], c["column"]), {}).get("value"))]
    if not differing:
        warnings.append(f"{pages_phrase(pages)}: hidden text layer agrees with OCR of the page images "
                        "(every cell reads the same); text layer kept")
        return Report(text.template, text.metadata, cells, text.checks, text.sections, warnings)
    notes: list[str] = []
    taken = 0
    for table in dict.fromkeys(c["table"] for c in differing):
        mine = [c for c in differing if c["table"] == table]
        choice, reason = _choose(template, cells, mine, by_addr, table)
        for cell, pick in zip(mine, choice):
            other = by_addr.get((cell["table"], cell["row"], cell["column"]))
            said, read = _reading(cell), _reading(other)
            if pick == "ocr" and other is not None:
                cell.update({k: other[k] for k in ("value", "raw", "state", "unit", "how", "page", "path", "bbox",
                                                   "confidence")})
                taken += 1
            notes.append(f"{cell['table']}.{cell['row']}.{cell['column']}: hidden text layer says {said}, the page "
                         f"image reads {read}; kept {_reading(cell)} ({reason})")
    warnings.append(f"{pages_phrase(pages)}: the hidden text layer and OCR of the page images differ in "
                    f"{len(differing)} cell{'s' if len(differing) > 1 else ''}: {taken} taken from the image "
                    f"(how 'ocr'), {len(differing) - taken} kept from the text layer")
    warnings += notes
    checks = run_checks(template, {(c["table"], c["row"], c["column"]): (c["value"], c["state"]) for c in cells})
    from .checks.suspects import ocr_warnings
    warnings += ocr_warnings(template, cells, checks)
    return Report(text.template, text.metadata, cells, checks, text.sections, warnings)


def _reading(cell: dict | None) -> str:
    if cell is None or cell["value"] is None:
        raw = (cell or {}).get("raw")
        return f"no number ({raw!r})" if raw else "nothing"
    return _fmt(cell["value"]) if cell["state"] == "number" else f"{_fmt(cell['value'])} ({cell['state']})"


def _choose(template, cells: list[dict], mine: list[dict], other: dict, table: str) -> tuple[tuple[str, ...], str]:
    """For each differing cell of ``table``: 'text' or 'ocr', and why."""
    options = []
    for c in mine:
        o = other.get((c["table"], c["row"], c["column"]))
        opts = [k for k, v in (("text", c), ("ocr", o)) if v is not None and v["value"] is not None]
        options.append(opts or ["text"])
    default = tuple(opts[0] for opts in options)
    if not any(r.check.startswith(table + ".") for r in run_checks(template, {})):
        return default, "no check covers this table"
    if math.prod(len(o) for o in options) <= MAX_COMBINATIONS:
        combos = list(itertools.product(*options))
    else:  # too many: the two readings as wholes
        combos = list(dict.fromkeys([default, tuple(opts[-1] for opts in options)]))
    base = {(c["table"], c["row"], c["column"]): (c["value"], c["state"]) for c in cells}
    passing = []
    for combo in combos:
        trial = dict(base)
        for c, pick in zip(mine, combo):
            src = c if pick == "text" else other[(c["table"], c["row"], c["column"])]
            trial[(c["table"], c["row"], c["column"])] = (src["value"], src["state"])
        if not any(r.status == "fail" for r in run_checks(template, trial) if r.check.startswith(table + ".")):
            passing.append(combo)
    if len(passing) == 1:
        return passing[0], "checks pass"
    return default, ("the checks pass either way" if passing else "the checks fail either way") + \
        ": compare with the page image"
