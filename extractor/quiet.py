"""Keep library noise (pdfminer font warnings, deprecation warnings) off the user's terminal."""

from __future__ import annotations

import logging
import warnings

NOISY_LOGGERS = ("pdfminer", "pdfplumber", "PIL", "charset_normalizer", "httpx", "httpcore", "fontTools",
                 "matplotlib")  # matplotlib: "findfont: Failed to find font weight ..." lines


def quiet_libraries(verbose: bool = False) -> None:
    """Silence third-party warnings and loggers unless ``verbose``."""
    if verbose:
        logging.basicConfig(level=logging.INFO)
        return
    warnings.filterwarnings("ignore")
    for name in NOISY_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL)
        logger.propagate = False
