"""The mapping's shortcuts give exactly what the plain computation gives (issue 15).

``labels.nfkc`` skips NFKC where it changes nothing and takes a per-character decomposition
where that already is the NFKC; ``normalise_pieces`` and ``metadata.scope`` normalise a joined
text from its pieces' forms; each is checked against the plain computation on random text
built from the characters that make these shortcuts fail if they are wrong (combining marks,
Hangul jamo, half-width voiced marks, compatibility forms, the radical/traditional map).
"""

from __future__ import annotations

import random
import unicodedata

from extractor.mapping.labels import _CHAR_MAP, _label_form, nfkc, normalise, normalise_pieces, one_document
from extractor.mapping.metadata import scope
from extractor.model import Document, Paragraph

POOL = (list("一二三四五六七八九十政府信息公开、。，（）：；“”《》【】①⑵ \n\t0123456789abc().-—")
        + [chr(k) for k in _CHAR_MAP]
        + ["\u0301", "\u0308", "\u0316", "\u3099", "\uff9e", "\uff76", "\u1100", "\u1161", "\u11a8", "\uac00",
           "e", "\u00b4", "\u00a0", "\u3000", "\u2f00", "\u3280", "\u3220", "\ufb01", "\u09c7", "\u09be",
           "\u0b47", "\u0b3e", "\u102e", "\u0cd5", "\u302a", "\u2028", "\uff10", "\u33a1", "\uf900",
           "\U0001d400", "\U0002f800"])


def _plain_nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)


def _texts(rng: random.Random, n: int, longest: int):
    for _ in range(n):
        yield "".join(rng.choice(POOL) for _ in range(rng.randint(0, longest)))


def test_nfkc_is_plain_nfkc_and_the_map() -> None:
    rng = random.Random(15)
    for text in _texts(rng, 20_000, 12):
        assert nfkc(text) == _plain_nfkc(text), repr(text)
    for text in _texts(rng, 300, 400):  # past the short-text cache, with and without the document memo
        assert nfkc(text) == _plain_nfkc(text), repr(text)
        with one_document():
            assert nfkc(text) == _plain_nfkc(text) == nfkc(text), repr(text)


def test_nfkc_of_every_basic_plane_character() -> None:
    for i in range(0x10000):
        if not 0xD800 <= i < 0xE000:
            assert nfkc(chr(i)) == _plain_nfkc(chr(i)), hex(i)


def test_normalise_pieces_is_normalise_of_the_joined_text() -> None:
    rng = random.Random(16)
    with one_document():
        for _ in range(20_000):
            pieces = list(_texts(rng, rng.randint(1, 5), 6))
            joined = "".join(pieces)
            assert normalise_pieces(pieces) == normalise(joined) == _label_form(_plain_nfkc(joined)), pieces


def test_scope_reads_the_joined_text() -> None:
    rng = random.Random(17)
    for _ in range(3_000):
        texts = list(_texts(rng, rng.randint(1, 6), 8))
        doc = Document(blocks=[Paragraph(t) for t in texts], format="text")
        title = rng.choice([None, "汇总", texts[0]])
        head = _plain_nfkc(" ".join([title or ""] + texts[:40]))
        expected = "aggregate" if any(w in head for w in ("汇总", "各有关单位", "全市各级", "全省各级", "全区各级",
                                                          "全县各级")) else "body"
        with one_document():
            assert scope(title, doc) == expected


def test_unspaced_is_the_whitespace_regex() -> None:
    """``unspaced`` (str.split) removes what ``re.sub(r"\\s+", "", ...)`` removes: \\s in a str
    pattern is str.isspace, checked on every code point, then on random texts."""
    import re
    import sys

    from extractor.mapping.labels import unspaced
    assert all((re.fullmatch(r"\s", chr(i)) is not None) == chr(i).isspace() for i in range(sys.maxunicode + 1))
    spaces = [chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace()] + ["\u200b", "\ufeff"]
    rnd = random.Random(7)
    pieces = ["予以公开", "（一）", "12", "a", *spaces]
    for _ in range(5000):
        s = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        assert unspaced(s) == re.sub(r"\s+", "", s), repr(s)
