"""Console entry point ``extract``: the extract command, plus subcommands by name.

``extract report.pdf`` and ``extract reports/ --out dataset/`` run the extract command;
``extract fetch …``, ``extract summary …`` and ``extract review …`` run the subcommand of that name;
``extract --version`` (or ``extract version``) prints the version.
"""

from __future__ import annotations

import importlib
import sys

SUBCOMMANDS = {
    "fetch": "extractor.cli.fetch_cmd",
    "summary": "extractor.cli.summary_cmd",
    "review": "extractor.cli.review_cmd",
}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["--version"], ["-V"], ["version"]):
        from ..version import __version__

        print(f"extract (gov-disclosure-extractor) {__version__}")
        return
    from ..quiet import quiet_libraries

    quiet_libraries(verbose="--verbose" in argv or "-v" in argv)
    if argv and argv[0] in SUBCOMMANDS:
        try:
            module = importlib.import_module(SUBCOMMANDS[argv[0]])
        except ModuleNotFoundError:
            print(f"error: the '{argv[0]}' command is not available in this install", file=sys.stderr)
            raise SystemExit(2) from None
        module.app(args=argv[1:], prog_name=f"extract {argv[0]}")
        return
    from .extract_cmd import app

    app(args=argv, prog_name="extract")


if __name__ == "__main__":  # pragma: no cover
    main()
