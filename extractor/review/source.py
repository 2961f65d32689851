"""The source beside the extracted tables: a picture of the page region (PDFs, scans) or the source
table's own rows (HTML, Word, text), with the cells that need a look marked.

Nothing here raises for a file that moved, changed or cannot be read again: the view carries one
line that says so, and the page shows the extracted tables without the source.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Iterable

from .data import Address, CellInfo, ReviewItem

MAX_PICTURES = 3  # per report: the pages with the most cells to look at
MAX_SOURCE_TABLES = 4  # per report
MAX_WIDTH = 1000  # px, a picture's widest
MAX_SCALE = 2.0  # px per PDF point (144 dpi) at most
MARGIN_TOP, MARGIN_BOTTOM = 72.0, 12.0  # points above (the table's header) and below the cells
MAX_CELL_TEXT = 80
MAX_FILE_BYTES = 200 * 1024 * 1024
FAIL_RGB, FLAG_RGB = (220, 38, 38), (217, 119, 6)


@dataclass
class Picture:
    page: int
    uri: str
    width: int
    height: int
    marked: int  # boxes drawn
    tables: list[str] = field(default_factory=list)  # the tables (keys) whose cells the picture holds
    where: str | None = None  # a picture inside a document (its path there), not a page


@dataclass
class SourceView:
    """What the page shows as the source: pictures, source tables (HTML), or only a note."""

    note: str | None = None
    pictures: list[Picture] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)


def locate(source: str, out_dir: Path) -> Path | None:
    """The file a report was extracted from: its path as given (from the current folder), or relative
    to the dataset folder. None for a URL or a path that is not there."""
    if not source or "://" in source:
        return None
    p = Path(source)
    for cand in ([p] if p.is_absolute() else [p, out_dir / p]):
        try:
            if cand.is_file():
                return cand
        except OSError:
            continue
    return None


def interest(item: ReviewItem) -> dict[Address, str]:
    """Every cell to mark: ``fail`` (a term of a failing equation) or ``flag`` (flagged)."""
    out = {a: "flag" for a, c in item.cells.items() if c.flags}
    out.update({a: "fail" for a in item.failing_addresses if a in item.cells})
    return out


def source_view(item: ReviewItem, out_dir: Path) -> SourceView:
    """The source of one report, as pictures or tables, or a note saying why not."""
    path = locate(item.source, out_dir)
    if path is None:
        where = "it was fetched from a URL, not a file" if "://" in item.source else "moved or deleted"
        return SourceView(note=f"Source file not found at {item.source} ({where}); the source is not shown.")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return SourceView(note=f"Source file {path} is over {MAX_FILE_BYTES >> 20} MB; the source is not shown.")
        data = path.read_bytes()
    except OSError as exc:
        return SourceView(note=f"Source file {path} cannot be read ({exc.strerror or type(exc).__name__}).")
    if item.sha256 and hashlib.sha256(data).hexdigest() != item.sha256:
        return SourceView(note=f"Source file {path} has changed since it was extracted (its SHA-256 differs); "
                               "the source is not shown.")
    marks = interest(item)
    try:
        if item.format in ("pdf", "image"):
            return _pictures(item, data, marks, pixels=item.format == "image")
        return _tables(item, data, str(path), marks)
    except Exception as exc:  # noqa: BLE001 - any failure to re-read is one line on the page, never a crash
        return SourceView(note=f"Source file {path} could not be shown ({type(exc).__name__}: {exc}).")


# --- pictures ---------------------------------------------------------------------------------------


def _regions(item: ReviewItem, marks: dict[Address, str], *, per_table: bool) -> list[tuple[int, list[CellInfo]]]:
    """(page, cells of the marked tables on that page) for the regions with most marked cells, in page
    order. A region is a page, or a table on a page (``per_table``: a long image holds every table on
    one page, so one region per table keeps each picture about a page tall)."""
    count: dict[tuple[int, str], int] = {}
    tables: dict[tuple[int, str], set[str]] = {}
    for a in marks:
        c = item.cells[a]
        if c.page is not None and c.bbox is not None:
            region = (c.page, a[0] if per_table else "")
            count[region] = count.get(region, 0) + 1
            tables.setdefault(region, set()).add(a[0])
    chosen = sorted(sorted(count, key=lambda r: -count[r])[:MAX_PICTURES],
                    key=lambda r: (r[0], _TABLE_RANK.get(r[1], 9)))
    return [(r[0], [c for c in item.cells.values()
                    if c.page == r[0] and c.bbox is not None and c.address[0] in tables[r]]) for r in chosen]


_TABLE_RANK = {"active_disclosure": 0, "requests": 1, "review_litigation": 2}


def _encode(img) -> tuple[str, int, int]:
    """The smaller of a palette PNG (sharp for rendered text) and a JPEG (for scans) as a data: URI."""
    from PIL import Image

    rgb = img.convert("RGB")
    png = io.BytesIO()
    rgb.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(png, "PNG", optimize=True)
    jpg = io.BytesIO()
    rgb.save(jpg, "JPEG", quality=80, optimize=True)
    mime, buf = ("image/png", png) if png.tell() <= jpg.tell() * 1.3 else ("image/jpeg", jpg)
    return f"data:{mime};base64," + base64.b64encode(buf.getvalue()).decode("ascii"), rgb.width, rgb.height


def _draw(img, boxes: Iterable[tuple[tuple[float, float, float, float], str]], scale: float,
          origin: tuple[float, float]):
    """Mark each box (in source units) on ``img``: orange for flagged cells, red for failing-equation terms."""
    from PIL import Image, ImageDraw

    overlay = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    width = max(2, round(scale * 1.2))
    for kind in ("flag", "fail"):  # failing terms drawn last, on top
        rgb = FAIL_RGB if kind == "fail" else FLAG_RGB
        for (x0, top, x1, bottom), k in boxes:
            if k != kind:
                continue
            rect = [(x0 - origin[0]) * scale, (top - origin[1]) * scale,
                    (x1 - origin[0]) * scale, (bottom - origin[1]) * scale]
            draw.rectangle(rect, fill=(*rgb, 48), outline=(*rgb, 255), width=width)
    return Image.alpha_composite(img.convert("RGBA"), overlay)


def _pictures(item: ReviewItem, data: bytes, marks: dict[Address, str], *, pixels: bool) -> SourceView:
    regions = _regions(item, marks, per_table=pixels)
    if not regions:
        return SourceView(note="The cells to look at carry no page position, so no picture of the source is shown.")
    view = SourceView()
    if pixels:
        pages = _image_pages(data)
    else:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data)
    try:
        for page_no, cells in regions:
            boxes = [c.bbox for c in cells if c.bbox is not None]
            top = max(0.0, min(b[1] for b in boxes) - MARGIN_TOP)
            bottom = max(b[3] for b in boxes) + MARGIN_BOTTOM
            if pixels:
                if page_no > len(pages):
                    continue
                img, scale, top = _pixel_crop(pages[page_no - 1], boxes)
            else:
                if page_no > len(pdf):
                    continue
                page = pdf[page_no - 1]
                try:
                    width, height = page.get_size()
                    scale = min(MAX_SCALE, (MAX_WIDTH - 1) / width)  # pdfium rounds the width up
                    full = page.render(scale=scale).to_pil()
                finally:
                    page.close()
                bottom = min(height, bottom)
                img = full.crop((0, int(top * scale), full.width, min(full.height, int(bottom * scale + 0.5))))
            marked = [(c.bbox, marks[c.address]) for c in cells if c.address in marks and c.bbox is not None]
            img = _draw(img, marked, scale, (0.0, top))
            uri, w, h = _encode(img)
            shown = sorted({c.address[0] for c in cells}, key=lambda t: _TABLE_RANK.get(t, 9))
            view.pictures.append(Picture(page_no, uri, w, h, len(marked), shown))
    finally:
        if not pixels:
            pdf.close()
    return view


def _pixel_crop(src, boxes: list[tuple[float, float, float, float]]):
    """A picture in pixels (an OCR'd scan, a pasted table) cut to the rows of ``boxes`` with the
    margins a PDF page gets, in proportion to an A4 page's width, and scaled to at most
    ``MAX_WIDTH``: (image, scale, top row)."""
    unit = src.width / 595.0
    top = max(0.0, min(b[1] for b in boxes) - MARGIN_TOP * unit)
    bottom = min(float(src.height), max(b[3] for b in boxes) + MARGIN_BOTTOM * unit)
    scale = min(1.0, MAX_WIDTH / src.width)
    crop = src.crop((0, int(top), src.width, int(bottom + 0.5)))
    return crop.resize((max(1, round(crop.width * scale)), max(1, round(crop.height * scale)))), scale, top


def _image_pages(data: bytes) -> list:
    """The pages of an image file as the OCR reader saw them (EXIF orientation applied, at the size
    ``ocr.render.fit`` reads them, a 长图 cut into its pages), so the cells' pixel boxes fall where
    they were read."""
    from PIL import Image, ImageOps, ImageSequence

    import numpy as np

    from ..ocr.render import fit, page_spans

    img = Image.open(io.BytesIO(data))
    out = []
    for frame in ImageSequence.Iterator(img):
        upright = ImageOps.exif_transpose(frame.copy())
        shown = fit(upright.convert("RGB"))
        for top, bottom in page_spans(np.array(fit(upright.convert("L")))):  # a 长图's pages, cut where OCR cut them
            out.append(shown.crop((0, top, shown.width, bottom)))
    return out


# --- source tables (HTML, Word, text) ----------------------------------------------------------------


def _tables(item: ReviewItem, data: bytes, name: str, marks: dict[Address, str]) -> SourceView:
    from ..hints import Hints
    from ..limits import DEFAULT_LIMITS
    from ..readers.detect import detect_format
    from ..reading import reader_for

    # read by the format's reader alone: a table pasted as a picture stays a picture (shown with
    # its cells' boxes below), not OCR'd again (seconds a picture)
    doc = reader_for(detect_format(data))(data, source=name, hints=Hints(base_dir=str(Path(name).parent)),
                                         limits=DEFAULT_LIMITS)
    view = SourceView()
    for pic in doc.meta.get("pictures") or []:
        if len(view.pictures) < MAX_PICTURES:
            shown = _document_picture(item, pic, marks)
            if shown is not None:
                view.pictures.append(shown)
    wanted = {a[0] for a in marks} | {a[0] for a, c in item.cells.items() if c.flags}
    table_paths = {c.path for a, c in item.cells.items() if a[0] in wanted and c.path}
    classes: dict[str, set[str]] = {}
    for a, kind in marks.items():
        c = item.cells[a]
        if c.path:
            classes.setdefault(c.path, set()).update([kind, *(f"flag-{f}" for f in c.flags)])
    for block in doc.tables():
        if len(view.tables) >= MAX_SOURCE_TABLES:
            break
        paths = {cell.provenance.path for row in block.grid for cell in row if cell is not None}
        if paths & table_paths:
            view.tables.append(table_html(block, classes))
    if not view.tables and not view.pictures:
        view.note = "The source tables that hold these cells were not found when the file was read again."
    return view


def _document_picture(item: ReviewItem, pic, marks: dict[Address, str]) -> Picture | None:
    """A table pasted as a picture, cropped to the rows of the cells to look at, their boxes drawn
    (the boxes are in the picture's pixels as OCR decoded it: ``ocr.picture.decode_picture``)."""
    from PIL import Image

    from ..ocr.picture import decode_picture

    cells = [c for c in item.cells.values() if c.bbox is not None and (c.path or "").startswith(pic.path + "/")]
    marked = [(c.bbox, marks[c.address]) for c in cells if c.address in marks and c.bbox is not None]
    if not marked:
        return None
    src = Image.fromarray(decode_picture(pic.data, pic.path)).convert("RGB")
    img, scale, top = _pixel_crop(src, [b for b, _ in marked])
    uri, w, h = _encode(_draw(img, marked, scale, (0.0, top)))
    shown = sorted({c.address[0] for c in cells}, key=lambda t: _TABLE_RANK.get(t, 9))
    return Picture(0, uri, w, h, len(marked), shown, where=pic.path)


def table_html(table, classes: dict[str, set[str]]) -> str:
    """A source ``Table`` as an HTML table, each merged cell once; cells whose provenance path is in
    ``classes`` get those classes (and their rows ``hot``)."""
    lines = []
    for line in table.layout():
        tds = []
        hot = False
        for placed in line:
            if placed is None:
                tds.append('<td class="pad"></td>')
                continue
            cell, rows, cols = placed
            span = (f' rowspan="{rows}"' if rows > 1 else "") + (f' colspan="{cols}"' if cols > 1 else "")
            cls = sorted(classes.get(cell.provenance.path or "", ()))
            hot = hot or bool(cls)
            text = cell.text if len(cell.text) <= MAX_CELL_TEXT else cell.text[:MAX_CELL_TEXT] + "…"
            title = f' title="{escape(cell.provenance.path or "")}"' if cell.provenance.path else ""
            attr = f' class="{" ".join(cls)}"' if cls else ""
            tds.append(f"<td{attr}{span}{title}>{escape(text).replace(chr(10), '<br>')}</td>")
        lines.append(f'<tr{" class=" + chr(34) + "hot" + chr(34) if hot else ""}>{"".join(tds)}</tr>')
    where = escape(table.provenance.path or "")
    return f'<table class="src" data-path="{where}"><tbody>{"".join(lines)}</tbody></table>'
