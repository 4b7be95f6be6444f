"""The ``corpus-tools`` command line.

Every subcommand is a thin layer over a library function. User errors (bad options,
missing files, bad data) end in one line on stderr and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import CorpusToolsError

EXIT_USAGE = 2
EXIT_FAILURE = 1


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _existing_path(value: str) -> Path:
    path = Path(value)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file or folder: {value}")
    return path


# ---- ingest -------------------------------------------------------------------------------
def _add_ingest(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="load corpus files into one validated Parquet corpus")
    p.add_argument("paths", nargs="+", type=_existing_path, metavar="PATH")
    p.add_argument("--out", required=True, type=Path, help="output .parquet file")
    p.add_argument("--report", type=Path, help="write the ingest report as JSON here")
    p.add_argument("--profile", default="pl_portal", help="boilerplate profile name or file")
    p.add_argument("--languages", default="pl,en,ru,ko", help="comma-separated ISO 639-1 codes")
    p.set_defaults(func=_run_ingest)


def _run_ingest(args: argparse.Namespace) -> int:
    raise CorpusToolsError("ingest is not available yet")


# ---- fetch --------------------------------------------------------------------------------
def _add_fetch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fetch", help="download a pinned real dataset into the cache")
    p.add_argument("dataset", choices=["kcna"])
    p.set_defaults(func=_run_fetch)


def _run_fetch(args: argparse.Namespace) -> int:
    raise CorpusToolsError("fetch is not available yet")


# ---- topics -------------------------------------------------------------------------------
def _add_topics(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("topics", help="fit topic models or sweep the number of topics")
    tsub = p.add_subparsers(dest="topics_command", required=True, parser_class=_Parser)
    fit = tsub.add_parser("fit", help="fit one topic model")
    fit.add_argument("corpus", type=_existing_path, metavar="CORPUS.parquet")
    fit.set_defaults(func=_run_topics_fit)
    sel = tsub.add_parser("select", help="sweep K x seeds and score each model")
    sel.add_argument("corpus", type=_existing_path, metavar="CORPUS.parquet")
    sel.set_defaults(func=_run_topics_select)


def _run_topics_fit(args: argparse.Namespace) -> int:
    raise CorpusToolsError("topics fit is not available yet")


def _run_topics_select(args: argparse.Namespace) -> int:
    raise CorpusToolsError("topics select is not available yet")


# ---- reproduce ----------------------------------------------------------------------------
def _add_reproduce(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reproduce", help="execute the notebooks and write every figure")
    p.set_defaults(func=_run_reproduce)


def _run_reproduce(args: argparse.Namespace) -> int:
    raise CorpusToolsError("reproduce is not available yet")


# ---- entry point --------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """Return the ``corpus-tools`` argument parser."""
    parser = _Parser(
        prog="corpus-tools",
        description="Corpus loading, text preparation and topic modelling for media research.",
    )
    parser.add_argument("--version", action="version", version=f"corpus-tools {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in (_add_ingest, _add_fetch, _add_topics, _add_reproduce):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CorpusToolsError, OSError) as exc:
        print(f"corpus-tools {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("corpus-tools: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
