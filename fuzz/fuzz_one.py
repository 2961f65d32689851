"""The atheris entry point: ``python fuzz/fuzz_one.py TARGET [libFuzzer args, corpus dirs]``.

Use ``fuzz/run.py`` rather than this: it builds the seed corpus and picks the flags.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET = sys.argv[1]
# Which libraries to instrument, without importing extractor first (it must be imported inside).
INSTRUMENT = {"text": ["extractor"], "html": ["extractor"], "docx": ["extractor", "docx"],
              "pdf": ["extractor", "pdfplumber", "pdfminer"], "extract": ["extractor"]}

with atheris.instrument_imports(include=INSTRUMENT[TARGET]):
    from targets import quiet, run_one  # noqa: E402
    import extractor.api  # noqa: F401
    import extractor.readers.docx  # noqa: F401
    import extractor.readers.html  # noqa: F401
    import extractor.readers.pdf  # noqa: F401
    import extractor.readers.text  # noqa: F401


def one_input(data: bytes) -> None:
    run_one(TARGET, data)


if __name__ == "__main__":
    quiet()
    atheris.Setup([sys.argv[0]] + sys.argv[2:], one_input)
    atheris.Fuzz()
