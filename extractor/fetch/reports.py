"""Which downloaded file holds each report: the page, or its attachment when that holds the tables,
or both joined when the page holds the prose and a workbook attachment the tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ..errors import ExtractorError
from ..schema import PAGE_METADATA_LABELS
from .client import MAX_REDIRECTS
from .joined import WORKBOOK_FORMATS, write_joined
from .manifest import MANIFEST_NAME, OK_STATUSES, latest_rows, read_manifest
from .storage import detect_stored

# preference among attachments, best first
READABLE = ("docx", "pdf", "ofd", "doc", "xlsx", "xls", "html", "text")
PAGE_PROSE_CHARS = 200  # a page body this long is the report's text, not a "see the attachment" note


def holds_tables(path: Path, url: str) -> bool:
    """Whether a file yields table values (read as a report, by ``extraction.report_from_bytes``)."""
    from ..extraction import report_from_bytes
    from ..files import load

    try:
        report = report_from_bytes(load(path)[0], name=url)
    except ExtractorError:
        return False
    except Exception:  # noqa: BLE001 - a reader bug must not stop the choice; the file is just not preferred
        return False
    return any(c.get("state") == "number" for c in getattr(report, "cells", []) or [])


def _rows(run_or_out_dir: Any) -> tuple[Path, dict[str, dict[str, Any]]]:
    out_dir = Path(getattr(run_or_out_dir, "out_dir", run_or_out_dir))
    return out_dir, latest_rows(read_manifest(out_dir / MANIFEST_NAME))


def choose_reports(run_or_out_dir: Any, *, check: Callable[[Path, str], bool] = holds_tables) -> list[dict[str, Any]]:
    """One entry per report URL (given or discovered): the chosen file, why, and the alternatives.
    ``page_date`` is the date the article page (or the listing beside its link) gives, or None.

    ``role`` is ``page``, ``attachment``, ``images`` or ``page+attachment``: a page whose body is
    the report's prose without its tables, and a workbook attachment that holds them, joined into
    one file (``path``; ``parts`` lists the page and workbook downloads it was made from)."""
    out_dir, rows = _rows(run_or_out_dir)
    children: dict[str, list[dict[str, Any]]] = {}
    for row in rows.values():
        if row.get("parent"):
            children.setdefault(row["parent"], []).append(row)
    roots = [r for r in rows.values() if r.get("role") == "page"
             and (not r.get("parent") or rows.get(r["parent"], {}).get("role") == "listing")]
    entries = []
    for root in roots:
        page = root
        for _ in range(MAX_REDIRECTS + 1):  # follow meta-refresh / JavaScript redirect shells, as the crawl did
            target = (page.get("page") or {}).get("redirect_to")
            if not target or target not in rows:
                break
            page = rows[target]
        entry = {"url": root["url"], "page_url": page["url"], "meta": root.get("meta") or {},
                 "status": page.get("status"), "path": None, "file_url": None, "role": None, "reason": None,
                 "alternatives": [], "parts": []}
        entries.append(entry)
        if page.get("status") not in OK_STATUSES:
            entry["reason"] = page.get("status") if page.get("status") != "failed" else f"failed: {page.get('reason')}"
            continue
        info = page.get("page")
        entry["page_date"] = _page_date(info or {}, entry["meta"])
        if info is None:  # the URL gave a document, not an article page
            entry.update(path=out_dir / page["path"], file_url=page["url"], role="page", reason="document")
            continue
        atts = [c for c in children.get(page["url"], []) if c.get("role") == "attachment" and c.get("status") == "fetched"]
        fmts = {a["url"]: detect_stored(out_dir / a["path"]) for a in atts}
        atts.sort(key=lambda a: READABLE.index(fmts[a["url"]]) if fmts[a["url"]] in READABLE else len(READABLE))
        page_tables = bool(info.get("body_tables"))
        candidates = [(out_dir / a["path"], a["url"], "attachment") for a in atts if fmts[a["url"]] in READABLE]
        entry["alternatives"] = [url for _, url, _ in candidates] + ([page["url"]] if page_tables else [])
        chosen = next(((p, u, role) for p, u, role in candidates if check(p, u)), None)
        if chosen is not None:
            reason = "attachment holds the tables" + (" (the page does too)" if page_tables else "")
        elif page_tables:
            chosen, reason = (out_dir / page["path"], page["url"], "page"), "page holds the tables"
        elif candidates:
            chosen, reason = candidates[0], "attachment (no tables found in any file)"
        elif page.get("status") == "images_only":
            images = _page_images(out_dir, page, info, children.get(page["url"], []))
            if images is None:
                entry["reason"] = "images_only"
                continue
            chosen, reason = (images, page["url"], "images"), "images only: the page's pictures, for OCR"
        elif info.get("body_chars", 0) >= 200:
            chosen, reason = (out_dir / page["path"], page["url"], "page"), "page text (no tables)"
        else:
            entry["reason"] = "no report body or attachment found"
            continue
        entry.update(path=chosen[0], file_url=chosen[1], role=chosen[2], reason=reason)
        entry["alternatives"] = [u for u in entry["alternatives"] if u != chosen[1]]
        if chosen[2] == "attachment" and fmts[chosen[1]] in WORKBOOK_FORMATS and not page_tables \
                and info.get("body_chars", 0) >= PAGE_PROSE_CHARS:
            _join(out_dir, entry, page, next(a for a in atts if a["url"] == chosen[1]))
    return entries


# The article page's own date labels (the schema's page metadata), in the schema's order of preference.
_PAGE_DATE_LABELS = tuple(label for label, field in PAGE_METADATA_LABELS.items() if field == "date")


def _page_date(info: dict[str, Any], meta: dict[str, Any]) -> str | None:
    """The date the article page prints (发文日期…), else the date beside its link on the listing:
    what dates an attachment that prints none of its own."""
    found = info.get("metadata") or {}
    for label in _PAGE_DATE_LABELS:
        if found.get(label):
            return str(found[label])
    return meta.get("listing_date") or None


def _join(out_dir: Path, entry: dict[str, Any], page: dict[str, Any], book: dict[str, Any]) -> None:
    """The page's prose and the workbook's tables as one report (``joined.py``): role
    ``page+attachment``, ``path`` the joined file, ``parts`` the two downloads it was made from.
    When either cannot be read the workbook alone stays the choice, the reason saying why."""
    try:
        path = write_joined(out_dir, page, book)
    except (ExtractorError, OSError) as exc:
        entry["reason"] += f"; not joined with the page ({str(exc)[:200]})"
        return
    entry.update(path=path, role="page+attachment", parts=[out_dir / page["path"], out_dir / book["path"]],
                 reason="page text with the workbook's tables, joined (the page holds the prose, the "
                        "workbook the tables)")


def _page_images(out_dir: Path, page: dict[str, Any], info: dict[str, Any],
                 children: list[dict[str, Any]]) -> Path | None:
    """The pictures of an image-only report as one multi-page TIFF, in page order, so that it is
    read (by OCR, with the ocr extra) as one report; None when no picture was fetched."""
    from PIL import Image, UnidentifiedImageError

    fetched = {c["url"]: c for c in children if c.get("role") == "image" and c.get("status") == "fetched"}
    order = [u for u in info.get("images", []) if u in fetched] or list(fetched)
    frames = []
    for url in order:
        try:
            with Image.open(out_dir / fetched[url]["path"]) as im:
                frames.append(im.convert("RGB"))
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
            continue  # a broken picture is left out; the others still make the report
    if not frames:
        return None
    path = out_dir / f"{page['sha256']}.images.tiff"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        frames[0].save(tmp, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate")
        tmp.replace(path)
    return path


def report_files(run_or_out_dir: Any, *, check: Callable[[Path, str], bool] = holds_tables) -> list[tuple[Path, str]]:
    """``(local_path, url)`` of the file that holds each report, one per report."""
    return [(e["path"], e["file_url"]) for e in choose_reports(run_or_out_dir, check=check) if e["path"] is not None]
