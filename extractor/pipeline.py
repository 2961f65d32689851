"""The pipeline from the document model to a Report: metadata, template, the one mapper, the
checks, sections — and the researcher's corrections and agency table applied on record.

Every reader's ``Document`` goes through ``extract_document``; ``extractor.api`` reads the input
and calls it.
"""

from __future__ import annotations

import re

from .version import __version__
from .checks import CheckResult, run_checks
from .corrections import Corrections, correct_cells
from .errors import NotAReportError
from .mapping.agency import AgencyTable, agency_id
from .mapping.labels import one_document, unspaced
from .mapping.mapper import MapResult, detect_template, map_document
from .mapping.metadata import (agency_from_title, agency_warnings, body_above_title, find_title, page_metadata, parse_date,
                               Signature, report_year, scope, signature)
from .mapping.sections import extract_sections
from .model import Document, Paragraph
from .hints import Hints
from .report import Report
from .schema import TEMPLATES

_YEAR = re.compile(r"(?:19|20)\d{2}\s*年")


def apply_corrections(report: Report, corrections: Corrections) -> int:
    """Apply the corrections naming this report (by sha256): values, states, notes, checks again."""
    n, warnings, checks = correct_cells(report.cells, report.template, report.metadata.get("sha256"), corrections)
    if checks is not None:
        report.checks = checks
    report.warnings.extend(warnings)
    report.metadata["n_corrections"] = n
    return n


def extract_document(doc: Document, *, source: str | None = None, sha256: str | None = None,
                     hints: Hints | None = None) -> Report:
    """Map an already-read Document (from any reader) into a Report.

    ``hints.published`` (the date of the page an attachment hung from) dates a report that prints
    no signature date and no page date of its own."""
    with one_document():  # each paragraph's text normalised once, by whichever step reads it first
        return _extract_document(doc, source, sha256, hints)


def _extract_document(doc: Document, source: str | None, sha256: str | None, hints: Hints | None) -> Report:
    warnings = list(doc.warnings)
    title = find_title(doc)
    year = report_year(title, doc)
    sig = signature(doc)
    page = page_metadata(doc)
    # the title, the line above it, the signature: never the CMS's publisher (SCHEMA.md metadata)
    agency = agency_from_title(title) or body_above_title(doc, title) or sig.body
    if agency is None:
        warnings.append("agency: the report names no body (not in the title, the line above it or a signature)")
    warnings.extend(agency_warnings(doc, agency, sig.body))
    published = sig.date or (parse_date(page["date"]) if "date" in page else None)
    if published is None and hints is not None and hints.published:
        published = parse_date(hints.published)
        if published is not None:
            warnings.append(f"published: no date printed in the file; taken from the page it was posted on ({hints.published})")
    if year is None and published is not None:
        year = published.year - 1
        warnings.append(f"year: not printed in the title; taken as the year before publication ({year})")

    template_key, tw = detect_template(doc, year)
    warnings.extend(tw)
    if template_key is None:
        _legacy_or_raise(doc, title, year, source)
        template = "legacy"
        warnings.append("legacy: no table of the 2019 or 2021 template; free-form report, no cells")
        cells: list[dict] = []
        checks = []
    else:
        result = map_document(doc, template_key)
        if not result.tables_found:
            raise NotAReportError(f"{source or 'input'}: no table of the {template_key} template could be read")
        warnings.extend(result.warnings)
        missing = [t.key for t in TEMPLATES[template_key].tables if t.key not in result.tables_found]
        if missing and doc.meta.get("pictures_elsewhere"):
            srcs = _in_report(doc, title, sig, doc.meta["pictures_elsewhere"])
            if srcs:
                warnings.append(_pictures_elsewhere(missing, srcs))
        template = template_key
        checks = run_checks(TEMPLATES[template_key],
                            {(c.table, c.row, c.column): (c.value, c.state) for c in result.cells})
        if _refuse_unconfirmed_positions(result, checks, warnings):
            checks = run_checks(TEMPLATES[template_key],
                                {(c.table, c.row, c.column): (c.value, c.state) for c in result.cells})
        cells = [_cell_dict(c) for c in result.cells]
        if doc.meta.get("ocr"):  # OCR'd: name likely misreads and unsure cells (never changed)
            from .checks.suspects import ocr_warnings
            warnings.extend(ocr_warnings(TEMPLATES[template_key], cells, checks))
    metadata = {
        "agency": agency,
        "agency_id": agency_id(agency, "\n".join(p.text for p in doc.paragraphs())),
        "year": year,
        "published": published.isoformat() if published else None,
        "title": title,
        "template": template,
        "scope": scope(title, doc),
        "source": source,
        "sha256": sha256,
        "format": doc.format,
        "extractor_version": __version__,
    }
    sections = extract_sections(doc, stop_at=sig.paragraphs[0] if sig.paragraphs else None)
    return Report(template, metadata, cells, checks, sections, warnings)


def _in_report(doc: Document, title: str | None, sig: Signature, pictures: list[tuple[int, str]]) -> list[str]:
    """The pictures between the report's title and its signature (a site's logos and footer badges
    lie outside), as their ``src``."""
    flat = unspaced(title or "")
    start = next((i for i, b in enumerate(doc.blocks) if isinstance(b, Paragraph) and flat
                  and len(t := unspaced(b.text)) >= 4 and (t in flat or flat in t)), 0)
    end = next((i for i, b in enumerate(doc.blocks) if sig.paragraphs and b is sig.paragraphs[0]), len(doc.blocks))
    return [src for at, src in pictures if start < at <= end]


def _pictures_elsewhere(missing: list[str], srcs: list[str]) -> str:
    """A page whose tables are not all found but that shows pictures it could not have (on the web,
    not beside it): a table pasted as a picture may be among them."""
    shown = ", ".join(srcs[:3]) + (f" and {len(srcs) - 3} more" if len(srcs) > 3 else "")
    return (f"{', '.join(missing)}: not found in the page's text; {len(srcs)} picture(s) in it were not read "
            f"({shown}): a table pasted as a picture may be among them")


def _legacy_or_raise(doc: Document, title: str | None, year: int | None, source: str | None) -> None:
    """A document without template tables is a legacy report only if it is one report on 2018 or
    earlier; a listing of reports, a 2019+ report whose tables are images, or anything else is not."""
    where = source or "input"
    titles = {unspaced(p.text) for p in doc.paragraphs()
              if len(p.text) <= 80 and "政府信息公开" in p.text and ("年度报告" in p.text or "年报" in p.text)
              and _YEAR.search(p.text)}
    if len(titles) >= 3:
        raise NotAReportError(f"{where}: a list of {len(titles)} reports (a listing page), not a report")
    text = sum(len(p.text) for p in doc.paragraphs())
    if title is None or year is None or text < 400:
        raise NotAReportError(f"{where}: not a government-information-disclosure annual report "
                              "(none of its tables or headings match the templates)")
    if year >= 2019:
        raise NotAReportError(f"{where}: a {year} report without any table of the template in its text "
                              "(the tables may be images)")


def _refuse_unconfirmed_positions(result: MapResult, checks: list[CheckResult], warnings: list[str]) -> bool:
    """A table read wholly by position stands only if its checks pass; otherwise its cells are
    unreadable (a number is never guessed). True when some cells were refused."""
    refused = False
    for table in result.position_tables:
        own = [c for c in checks if c.check.startswith(table + ".")]
        if own and all(c.status == "pass" for c in own):
            warnings.append(f"{table}: the rows read by position are confirmed by the table's checks")
            continue
        for c in result.cells:
            if c.table == table and c.how == "position":
                c.value, c.state = None, "unreadable"
        warnings.append(f"{table}: the rows read by position are not confirmed by the table's checks; "
                        "their cells are left unreadable")
        refused = True
    return refused


def _cell_dict(c) -> dict:
    prov = c.provenance
    return {
        "table": c.table, "row": c.row, "column": c.column, "value": c.value, "raw": c.raw,
        "state": c.state, "unit": c.unit, "how": c.how, "note": None,
        "page": prov.page if prov else None,
        "path": prov.path if prov else None,
        "bbox": list(prov.bbox) if prov and prov.bbox else None,
        "confidence": prov.confidence if prov else None,
    }


def apply_agencies(report: Report, table: AgencyTable) -> None:
    """The agency_id a user's table gives this report's body (``--agencies``)."""
    report.metadata["agency_id"] = table.resolve(report.metadata.get("agency"), report.metadata.get("agency_id"))
