"""Where the URLs come from: arguments, a CSV with a url column, or a text file of one URL a line."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from ..errors import InputError

URL_COLUMNS = ("url", "link", "href", "链接", "网址", "地址", "source_url")


def is_url(s: str) -> bool:
    """Whether ``s`` is an absolute http(s) URL with a host."""
    if not isinstance(s, str):
        return False
    parts = urlsplit(s.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _decode(data: bytes, path: Path) -> str:
    for enc in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path}: neither UTF-8 nor GBK text")


def read_url_list(path: str | Path) -> list[dict[str, Any]]:
    """Rows ``{"url": ..., **other columns}`` from a CSV (with a url column) or a TXT (one URL a line)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    text = _decode(data, path)
    lines = [ln.strip() for ln in text.splitlines()]
    first = next((ln for ln in lines if ln and not ln.startswith("#")), "")
    if not first:
        raise InputError(f"{path}: no URLs in the file")
    if path.suffix.lower() in (".csv", ".tsv") or (not is_url(first) and ("," in first or "\t" in first)):
        return _read_csv(text, path)
    rows = []
    for n, ln in enumerate(lines, 1):
        if not ln or ln.startswith("#"):
            continue
        if "://" not in ln and not ln.startswith("www."):
            raise InputError(f"{path}:{n}: not a URL: {ln[:80]}")
        rows.append({"url": ln})
    return rows


def _read_csv(text: str, path: Path) -> list[dict[str, Any]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    fields = [f.strip() for f in (reader.fieldnames or []) if f]
    url_col = next((f for f in (reader.fieldnames or []) if f and f.strip().lower() in URL_COLUMNS), None)
    if url_col is None:
        raise InputError(f"{path}: no url column (have: {', '.join(fields)[:200]})")
    rows = []
    for rec in reader:
        url = (rec.get(url_col) or "").strip()
        if not url:
            continue
        row = {"url": url}
        for key, value in rec.items():
            if key and key != url_col and key.strip():
                row[key.strip()] = (value or "").strip() if isinstance(value, str) else value
        rows.append(row)
    if not rows:
        raise InputError(f"{path}: no URLs in the url column")
    return rows


def normalise_sources(sources: Iterable[Any] | str | Path) -> list[dict[str, Any]]:
    """Turn URLs, list files and dicts into rows ``{"url": ..., **metadata}``."""
    if isinstance(sources, (str, Path)):
        sources = [sources]
    rows: list[dict[str, Any]] = []
    for src in sources:
        if isinstance(src, dict):
            if not src.get("url"):
                raise InputError(f"source without a url: {src!r:.100}")
            rows.append(dict(src))
        elif isinstance(src, Path) or (isinstance(src, str) and "://" not in src and Path(src).is_file()):
            rows.extend(read_url_list(src))
        elif isinstance(src, str) and "://" not in src and not src.strip().startswith("www."):
            raise InputError(f"{src}: not a URL and no such file")
        elif isinstance(src, str):
            rows.append({"url": src.strip()})
        else:
            raise InputError(f"not a URL or URL list: {src!r:.100}")
    return rows
