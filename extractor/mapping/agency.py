"""One body, one id across years and spellings (SCHEMA.md ``agency_id``).

A report names its body as it likes: ``铜山区人民政府`` one year, ``徐州市铜山区人民政府`` the next,
with a full-width bracket or a stray space; and four cities each have a ``鼓楼区人民政府``. The id
is the canonical full name: whitespace, widths and brackets folded, and a district or county
named without its city given the city the report's own text puts in front of it (intro, address,
site name, signature: ``福州市鼓楼区…``). What text cannot settle, a user's table settles
(``--agencies FILE``: CSV ``name,agency_id``).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from typing import Union

from ..errors import InputError
from ..usertables import read_text, rows
from .labels import compact, nfkc, unspaced

_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "〔": "(", "〕": ")", "［": "(", "］": ")"})
_QUOTES = "《》“”\"'‘’「」"
# A county-level unit named first: 鼓楼区…, 沛县…, 达拉特旗…
_COUNTY_FIRST = re.compile(r"^([\u4e00-\u9fff]{1,6}?(?:区|县|旗))")
_HIGHER = re.compile(r"(省|自治区|市|州|地区|盟)")


def canonical_name(name: str) -> str:
    """A body's name with whitespace, widths, quotes and bracket shapes folded."""
    text = nfkc(name).translate(_BRACKETS)
    return unspaced(text).strip(_QUOTES)


def agency_id(agency: str | None, text: str = "") -> str | None:
    """The canonical full name of ``agency``; a district or county named without its city gets
    the city that ``text`` (the report's own words) most often writes before it."""
    if not agency:
        return None
    name = canonical_name(agency)
    m = _COUNTY_FIRST.match(name)
    if m is None or _HIGHER.search(m.group(1)[:-1]):
        return name  # not county-first, or its city (province) is already there
    county = m.group(1)
    flat = compact(text)
    cities = Counter(c for c in (_city_before(flat, i) for i in _find_all(flat, county)) if c)
    if not cities:
        return name
    return cities.most_common(1)[0][0] + name


# Where a city's name starts, walking back from the county: punctuation, a province, a word
# such as 由/在/位于 (本报告由徐州市铜山区…, 江苏省徐州市铜山区, 地址：福州市鼓楼区).
_STOP = set("由在于的和与及是为对向将把从自省区县旗、，。：；:;,()（）《》“” ")


def _find_all(text: str, word: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(word), text)]


def _city_before(text: str, at: int) -> str | None:
    """The city (…市, …州, …盟, …地区) written right before position ``at``, if any."""
    head = text[max(0, at - 12):at]
    if not re.search(r"(市|州|盟|地区)$", head):
        return None
    start = len(head)
    while start > 0 and head[start - 1] not in _STOP and "\u4e00" <= head[start - 1] <= "\u9fff":
        start -= 1
    city = head[start:]
    return city if 3 <= len(city) <= 10 else None


@dataclass(frozen=True)
class AgencyTable:
    """A user's table of ids: a name (as printed or as its id) -> the agency_id to use."""

    ids: dict[str, str]
    source: str = "agencies"

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "AgencyTable":
        return cls.parse(read_text(path, "agency table"), source=str(path))

    @classmethod
    def parse(cls, text: str, *, source: str = "agencies") -> "AgencyTable":
        ids: dict[str, str] = {}
        for n, fields in rows(text, ("name", "agency_id"), source):
            if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
                raise InputError(f"{source} line {n}: expected name,agency_id")
            ids[canonical_name(fields[0])] = fields[1].strip()
        return cls(ids, source)

    def resolve(self, agency: str | None, computed: str | None) -> str | None:
        """The table's id for this body (looked up by its printed name, then its computed id)."""
        for key in (agency, computed):
            if key and canonical_name(key) in self.ids:
                return self.ids[canonical_name(key)]
        return computed
