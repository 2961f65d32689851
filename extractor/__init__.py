"""Turn China's government-information-disclosure annual reports into research data.

>>> import extractor
>>> report = extractor.extract("report.pdf")          # doctest: +SKIP
>>> report.to_frame()                                  # doctest: +SKIP
"""

from .version import __version__
from .api import extract, extract_document, extract_many  # noqa: E402
from .errors import (ExtractorError, InputError, LimitExceededError, MissingDependencyError,  # noqa: E402
                     NoTextLayerError, NotAReportError, UnsupportedFormatError)
from .limits import Limits  # noqa: E402
from .report import Report  # noqa: E402

__all__ = [
    "extract", "extract_document", "extract_many", "Report", "ExtractorError", "InputError",
    "UnsupportedFormatError", "NotAReportError", "NoTextLayerError", "MissingDependencyError",
    "LimitExceededError", "Limits", "Dataset", "fetch", "__version__",
]


def __getattr__(name: str):
    """``extractor.Dataset`` and ``extractor.fetch`` load their modules only when used."""
    if name == "Dataset":
        from .dataset import Dataset

        return Dataset
    if name == "fetch":  # the fetch package is callable: extractor.fetch(urls, out_dir, …)
        import importlib

        return importlib.import_module(".fetch", __name__)
    raise AttributeError(f"module 'extractor' has no attribute {name!r}")
