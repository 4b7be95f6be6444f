"""The ``corpus-tools`` command line.

Every subcommand is a thin layer over a library function. User errors (bad options,
missing files, bad data) end in one line on stderr and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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
    p.add_argument(
        "--profile", default="pl_portal", help="boilerplate profile name or file ('none': no rules)"
    )
    p.add_argument("--languages", default="pl,en,ru,ko", help="comma-separated ISO 639-1 codes")
    p.add_argument("--no-dedupe", action="store_true", help="do not mark duplicates")
    p.add_argument(
        "--map",
        action="append",
        type=_map_option,
        default=[],
        metavar="FIELD=COLUMN[+COLUMN...]",
        help="map a table column to a corpus field (repeatable), e.g. --map "
        "text=title+description --map date=published; '+' joins columns with a newline",
    )
    dates = p.add_mutually_exclusive_group()
    dates.add_argument(
        "--date-format", help="strftime format of the dates, e.g. '%%d.%%m.%%Y', or epoch_ms"
    )
    dates.add_argument(
        "--dayfirst",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="numeric dates like 02/01/2023 are day first (--no-dayfirst: month first); "
        "without either option the order is inferred per column or the ingest refuses",
    )
    p.add_argument(
        "--prefer-identified-language",
        action="store_true",
        help="where language identification confidently disagrees with the declared "
        "language, use the identified one (the conflict is flagged either way)",
    )
    p.set_defaults(func=_run_ingest)


def _map_option(value: str) -> tuple[str, list[str]]:
    field, sep, columns = value.partition("=")
    names = [c.strip() for c in columns.split("+")]
    if not sep or not field.strip() or not all(names):
        raise argparse.ArgumentTypeError(
            f"--map {value!r}: expected FIELD=COLUMN[+COLUMN...], e.g. text=title+description"
        )
    return field.strip(), names


def _mapping(pairs: list[tuple[str, list[str]]]) -> dict[str, str | list[str]] | None:
    mapping: dict[str, str | list[str]] = {}
    for field, names in pairs:
        if field in mapping:
            raise CorpusToolsError(f"--map {field}= is given twice; join columns with '+'")
        mapping[field] = names[0] if len(names) == 1 else names
    return mapping or None


def _run_ingest(args: argparse.Namespace) -> int:
    from .io import check_output_path, ingest_to_parquet, manifest_path

    # The output is checked before the (long) ingest; ingest_to_parquet locks it while
    # reading and writes it in bounded memory, so a folder of 10^6 articles fits too.
    out = check_output_path(args.out)
    if args.report is not None:
        check_output_path(args.report)
    report = ingest_to_parquet(
        args.paths,
        out,
        profile=None if args.profile.lower() == "none" else args.profile,
        languages=[code.strip() for code in args.languages.split(",") if code.strip()],
        dedupe=not args.no_dedupe,
        progress=True,
        mapping=_mapping(args.map),
        date_format=args.date_format,
        dayfirst=args.dayfirst,
        prefer_identified_language=args.prefer_identified_language,
    )
    if args.report is not None:
        report.write_json(args.report)
    print(report.summary())
    n_docs = int(report.files["n_records"].sum())
    print(f"wrote {args.out} ({n_docs} documents) and {manifest_path(out).name}")
    return 0


# ---- fetch --------------------------------------------------------------------------------
def _add_fetch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fetch", help="download a pinned real dataset into the cache")
    p.add_argument("dataset", choices=["kcna", "rss-nk"])
    p.add_argument("--data-home", type=Path, help="cache folder (default: $CORPUS_TOOLS_DATA)")
    p.add_argument("--url", help="download from this mirror; the pinned sha256 still applies")
    p.set_defaults(func=_run_fetch)


def _run_fetch(args: argparse.Namespace) -> int:
    from .datasets import fetch_file, fetch_kcna, fetch_rss_nk

    path = fetch_file(args.dataset, data_home=args.data_home, url=args.url)
    loader = {"kcna": fetch_kcna, "rss-nk": fetch_rss_nk}[args.dataset]
    corpus = loader(data_home=args.data_home, url=args.url)
    print(f"{path} ({len(corpus)} documents, sha256 verified)")
    return 0


# ---- make-corpus --------------------------------------------------------------------------
def _add_make_corpus(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "make-corpus",
        help="write a large SYNTHETIC corpus (demo articles) for scale tests",
        description="Write N SYNTHETIC articles made by the demo generator in the researchers' "
        "file format to DIR/corpus, with DIR/ground_truth.csv and DIR/topics.csv. Memory stays "
        "flat for any N; the same N and --seed give the same bytes.",
    )
    p.add_argument("--n", required=True, type=int, help="number of files")
    p.add_argument("--out", required=True, type=Path, metavar="DIR")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--no-noise", action="store_true", help="no wire copies or broken files, only originals"
    )
    p.set_defaults(func=_run_make_corpus)


def _run_make_corpus(args: argparse.Namespace) -> int:
    from .demo.large import make_corpus

    files = make_corpus(args.out, args.n, seed=args.seed, noise=not args.no_noise)
    print(f"wrote {args.n} SYNTHETIC files to {files.corpus}; ground truth: {files.truth}")
    return 0


# ---- topics -------------------------------------------------------------------------------
def _add_topics(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("topics", help="fit topic models or sweep the number of topics")
    tsub = p.add_subparsers(dest="topics_command", required=True, parser_class=_Parser)
    fit = tsub.add_parser("fit", help="fit one topic model")
    sel = tsub.add_parser("select", help="sweep K x seeds and score each model")
    for q in (fit, sel):
        q.add_argument("corpus", type=_existing_path, metavar="CORPUS.parquet")
        # Gibbs LDA (tomotopy) only sweeps: its models have no saved-model format.
        methods = ["lda", "nmf", "gibbs"] if q is sel else ["lda", "nmf"]
        q.add_argument("--method", choices=methods, default="lda")
        q.add_argument("--config", type=_existing_path, help="preparation config (YAML/JSON)")
        q.add_argument(
            "--language",
            help="model only documents in this language (ISO 639-1); models are monolingual",
        )
        q.add_argument(
            "--backend",
            choices=["local", "dask"],
            default="local",
            help="run here, or on Dask (default cluster: 2 local single-threaded workers)",
        )
        q.add_argument(
            "--scheduler", metavar="ADDRESS", help="use this Dask scheduler (tcp://host:8786)"
        )
    fit.add_argument("--k", required=True, type=int, help="number of topics")
    fit.add_argument("--seed", type=int, default=0, help="random seed of the model")
    fit.add_argument("--out", required=True, type=Path, metavar="MODEL_DIR")
    fit.set_defaults(func=_run_topics_fit)
    sel.add_argument("--k", required=True, help="12, 5:40:5 (stop included) or 5,10,20")
    sel.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per K (default 3)")
    sel.add_argument("--n-jobs", type=int, default=1, help="parallel worker processes")
    sel.add_argument("--out", required=True, type=Path, metavar="RESULTS.csv")
    sel.set_defaults(func=_run_topics_select)


def _run_topics_fit(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from . import backends, topics  # deferred: keeps `corpus-tools --help` fast

    model = topics.make_model(args.method, args.k, random_state=args.seed)
    with _backend_session(args):
        data = topics.load_topic_input(
            args.corpus, args.config, language=args.language, backend=args.backend
        )
        print(data.summary(), file=sys.stderr)
        with tqdm(total=1, desc=f"fitting {args.method} K={args.k}", unit="model") as bar:
            model = backends.fit_model(model, data, backend=args.backend)
            bar.update()
    topics.save(model, args.out, config=data.config, corpus_manifest_hash=data.corpus_manifest_hash)
    for k, label in enumerate(model.labels_):
        print(f"topic {k}: {label}")
    print(f"saved to {args.out}")
    return 0


def _run_topics_select(args: argparse.Namespace) -> int:
    from . import topics

    ks = topics.parse_ks(args.k)
    if args.seeds < 1 or args.n_jobs == 0:
        raise CorpusToolsError("--seeds must be at least 1 and --n-jobs must not be 0")
    with _backend_session(args):
        data = topics.load_topic_input(
            args.corpus, args.config, language=args.language, backend=args.backend
        )
        print(data.summary(), file=sys.stderr)
        table = topics.select_k(
            data.X,
            ks,
            seeds=range(args.seeds),
            method=args.method,
            texts=data.texts,
            feature_names=data.feature_names,
            n_jobs=args.n_jobs,
            progress=True,
            backend=args.backend,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    print(f"wrote {len(table)} rows to {args.out}")
    return 0


@contextmanager
def _backend_session(args: argparse.Namespace) -> Iterator[None]:
    """One Dask client for the whole command (preparation, then fits), or nothing."""
    from .backends import check_backend, dask_client

    check_backend(args.backend, args.scheduler)
    if args.backend == "local":
        yield
        return
    with dask_client(args.scheduler):
        yield


# ---- reproduce ----------------------------------------------------------------------------
def _parameter(text: str) -> tuple[str, object]:
    """``NAME=VALUE``; VALUE is read as JSON (numbers, lists, true/false/null), else text."""
    name, sep, raw = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, e.g. language=en; got {text!r}")
    try:
        return name, json.loads(raw)
    except ValueError:
        if raw.lstrip()[:1] in ("[", "{"):
            raise argparse.ArgumentTypeError(
                f'{text!r}: a list or mapping must be JSON, e.g. {name}=\'["en", "ru"]\''
            ) from None
        return name, raw  # dates, language codes and other text


def _add_reproduce(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reproduce",
        help="execute the notebooks and write every figure and table",
        description="Execute the NN_*.ipynb notebooks in order, each in a fresh kernel of "
        "this environment, and write their figures, tables, MANIFEST.json (with the commit, "
        "lock, parameters and data of each file) and the executed notebooks. With --check, "
        "compare them with the committed reference manifest and name every file that "
        "differs. Exit status 1: a notebook failed or (--check) a file differs; 3: some "
        "notebook needs data that is not available offline.",
    )
    p.add_argument(
        "--corpus", type=_existing_path, help="corpus passed to every notebook that takes one"
    )
    p.add_argument(
        "--param",
        type=_parameter,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="notebook parameter, repeatable, e.g. --param language=en --param k=12 "
        "--param 'ks=[4,8]' (JSON values; anything else is text)",
    )
    p.add_argument("--out", type=Path, default=Path("figures"), help="figures folder")
    p.add_argument(
        "--notebooks",
        type=Path,
        help="notebooks folder (default: notebooks/ of the source checkout)",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="compare with the reference manifest; exit 1 naming every file that differs",
    )
    mode.add_argument(
        "--update-reference",
        action="store_true",
        help="maintainers: write this run's manifest as the reference (if every notebook ran)",
    )
    p.add_argument(
        "--reference",
        type=Path,
        help="reference manifest (default: <notebooks>/figures/MANIFEST.json)",
    )
    p.add_argument(
        "--update-notebooks",
        action="store_true",
        help="write the executed notebooks back in place (refreshes stored outputs)",
    )
    p.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    p.set_defaults(func=_run_reproduce)


def _run_reproduce(args: argparse.Namespace) -> int:
    from .reproduce import reproduce  # papermill and jupyter load only for this command

    result = reproduce(
        args.out,
        corpus=args.corpus,
        parameters=dict(args.param),
        notebooks_dir=args.notebooks,
        update_notebooks=args.update_notebooks,
        check=args.check,
        update_reference=args.update_reference,
        reference=args.reference,
        timeout=args.timeout,
    )
    n_files = sum(len(run.files) for run in result.runs)
    print(f"executed {len(result.runs)} notebooks; {n_files} figures and tables in {result.out}")
    print(f"manifest: {result.manifest}")
    print(f"executed notebooks: {result.out / 'notebooks'}")
    if args.update_notebooks:
        print("stored outputs refreshed in the notebooks that ran")
    print()
    print(result.table())
    if result.comparison is not None:
        print()
        print(f"reference: {result.reference}")
        print(result.comparison.report())
    if args.update_reference:
        print()
        if result.reference_written:
            print(f"reference written: {result.reference}")
        else:
            print("reference NOT written: every notebook must run first (see the table)")
    return result.exit_status


# ---- entry point --------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """Return the ``corpus-tools`` argument parser."""
    parser = _Parser(
        prog="corpus-tools",
        description="Corpus loading, text preparation and topic modelling for media research.",
    )
    parser.add_argument("--version", action="version", version=f"corpus-tools {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in (_add_ingest, _add_fetch, _add_make_corpus, _add_topics, _add_reproduce):
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
