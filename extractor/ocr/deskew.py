"""Deskew: the angle that makes text lines and ruling lines horizontal (projection profile)."""

from __future__ import annotations

MAX_ANGLE = 4.0


def binarise(gray):
    """Ink as 255 on 0 (adaptive threshold: survives uneven scans and grey backgrounds)."""
    import cv2
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)


def _sharpness(ink, angle: float) -> float:
    import cv2
    import numpy as np
    h, w = ink.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rot = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    rows = rot.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(rows)).sum())


def estimate_angle(gray) -> float:
    """Degrees (counter-clockwise, OpenCV's sense) to rotate ``gray`` by to level it."""
    import cv2
    import numpy as np
    ink = binarise(gray)
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))  # drop speckle noise
    h, w = ink.shape
    f = min(1.0, 900 / max(w, 1))
    small = cv2.resize(ink, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    best = max(np.arange(-MAX_ANGLE, MAX_ANGLE + 1e-9, 0.25), key=lambda a: _sharpness(small, float(a)))
    fine = max(np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05), key=lambda a: _sharpness(small, float(a)))
    return float(round(fine, 2))


def rotate(gray, angle: float):
    """``gray`` rotated by ``angle`` degrees about its centre, white filling the corners."""
    import cv2
    if abs(angle) < 0.02:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)
