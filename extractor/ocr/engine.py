"""The recogniser: one lazily built RapidOCR instance per process (models ship in its wheel)."""

from __future__ import annotations

from dataclasses import dataclass

_ENGINE = None


@dataclass
class Box:
    """One recognised text line: axis-aligned box in image pixels, text and score."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def engine():
    """The shared RapidOCR engine (no angle classifier: pages are deskewed first)."""
    global _ENGINE
    if _ENGINE is None:
        from rapidocr_onnxruntime import RapidOCR
        _ENGINE = RapidOCR(det_limit_side_len=2000, det_limit_type="max", use_cls=False)
    return _ENGINE


def recognise(image) -> list[Box]:
    """Text lines found on a grayscale page image (numpy array). A tall image (a 长图 of many
    pages) is read in overlapping strips so the detector does not shrink its text away."""
    h, w = image.shape[:2]
    strip = int(1.45 * w)
    if h <= strip * 1.15:
        return _recognise(image)
    overlap = max(int(0.06 * w), 120)
    out: list[Box] = []
    top = 0
    while True:
        bottom = min(top + strip, h)
        lo = top + overlap / 2 if top else 0.0  # each box belongs to the strip holding its centre
        hi = bottom - overlap / 2 if bottom < h else float(h)
        for b in _recognise(image[top:bottom]):
            b.y0 += top
            b.y1 += top
            if lo <= b.cy < hi:
                out.append(b)
        if bottom >= h:
            return out
        top = bottom - overlap


def _recognise(image) -> list[Box]:
    import numpy as np
    result, _ = engine()(image, use_cls=False)
    out = []
    for points, text, score in result or []:
        pts = np.asarray(points, dtype=float)
        text = str(text).strip()
        if text:
            out.append(Box(float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()),
                           float(pts[:, 1].max()), text, float(score)))
    return out
