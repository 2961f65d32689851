"""A report split in two: the article page holds its prose (title, body, intro, signature, and the
发文日期 of its metadata table), a spreadsheet attachment (``…年度报告附表.xlsx``) its tables.

Both are read by the one reader dispatch (``extractor.readers.read_document``) and joined into
one ``Document``, the page's blocks ahead of the workbook's, so that the one mapper decides
everything from it. Every extraction path (``extract raw/manifest.jsonl``, ``extract urls.csv
--out``, the batch workers) reads files by content, so the joined document is kept as one file
beside the downloads: plain HTML of those blocks (``<sha>.joined.html``), which the HTML reader
reads back into the same paragraphs and grids (spans kept).
"""

from __future__ import annotations

import hashlib
from html import escape
from pathlib import Path

from ..model import Block, Document, Paragraph, Table

JOINED_SUFFIX = ".joined.html"
WORKBOOK_FORMATS = ("xlsx", "xls")


def join_documents(page: Document, tables: Document) -> Document:
    """One document: ``page``'s blocks, then ``tables``'s (the page's title is the report's)."""
    return Document(blocks=[*page.blocks, *tables.blocks], format=f"{page.format}+{tables.format}",
                    title=page.title or tables.title, warnings=[*page.warnings, *tables.warnings],
                    meta={"page": page.meta, "attachment": tables.meta})


def _text(s: str) -> str:
    return "<br>".join(escape(line) for line in s.split("\n"))


def _table_html(table: Table) -> list[str]:
    """A grid as rows of cells, each merged cell once at its top-left position with its spans."""
    out = ['<table border="1">']
    for line in table.layout():
        cells = []
        for placed in line:
            if placed is None:
                cells.append("<td></td>")
                continue
            cell, rowspan, colspan = placed
            spans = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
            cells.append(f"<td{spans}>{_text(cell.text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return out


def _block_html(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        return [f"<p>{_text(block.text)}</p>"] if block.text.strip() else []
    return _table_html(block)


def document_html(doc: Document, *, sources: list[str]) -> bytes:
    """``doc`` as a plain UTF-8 HTML page; ``sources`` (the files it was read from) in a comment."""
    head = f"<title>{escape(doc.title)}</title>" if doc.title else ""
    said = " + ".join(s.replace("--", "- -") for s in sources)
    lines = ["<!DOCTYPE html>", f"<!-- joined by the fetcher from {said} -->",
             f'<html><head><meta charset="utf-8">{head}</head><body>']
    for block in doc.blocks:
        lines.extend(_block_html(block))
    lines.append("</body></html>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_joined(out_dir: Path, page: dict, attachment: dict) -> Path:
    """Read the page (manifest row ``page``) and its workbook attachment, join them and store the
    result as ``<sha256 of both>.joined.html`` in ``out_dir`` (rewritten only when it changed).
    Raises ``ExtractorError`` when either cannot be read."""
    from ..reading import read_document
    from ..hints import Hints

    page_doc = read_document((out_dir / page["path"]).read_bytes(), source=page["url"],
                             hints=Hints(encoding=page.get("charset")))
    book_doc = read_document((out_dir / attachment["path"]).read_bytes(), source=attachment["url"])
    data = document_html(join_documents(page_doc, book_doc), sources=[page["url"], attachment["url"]])
    key = hashlib.sha256(f"{page['sha256']}+{attachment['sha256']}".encode()).hexdigest()
    path = out_dir / f"{key}{JOINED_SUFFIX}"
    if not path.exists() or path.read_bytes() != data:
        tmp = path.with_name(f"{key}.joined.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path
