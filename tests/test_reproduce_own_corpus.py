"""``corpus-tools reproduce --corpus X --param ...`` on a researcher's own English corpus.

Fixture notebooks in tests/data/notebooks/own_corpus: 00_model builds the model matrix of
``corpus_path`` in ``language`` (default "pl") and writes its document count as a table;
01_no_corpus takes neither a corpus nor a language.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from corpus_tools import io
from corpus_tools.cli import main
from corpus_tools.reproduce import DEMO
from corpus_tools.schema import coerce_corpus

NOTEBOOKS = Path(__file__).parent / "data" / "notebooks" / "own_corpus"
REPO = Path(__file__).resolve().parent.parent
ENGLISH = [
    "Russia and North Korea signed a defence treaty in Pyongyang.",
    "The treaty commits Russia and North Korea to mutual military aid.",
    "Analysts say the Pyongyang treaty deepens military cooperation.",
    "North Korea sent artillery shells to Russia, officials say.",
    "Officials in Seoul condemned the military cooperation treaty.",
    "Russia denies buying artillery shells from North Korea.",
]
POLISH = [
    "Rosja i Korea Północna podpisały traktat obronny w Pjongjangu.",
    "Traktat zobowiązuje Rosję i Koreę Północną do pomocy wojskowej.",
    "Analitycy mówią, że traktat pogłębia współpracę wojskową.",
]


@pytest.fixture(scope="module")
def english_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six English and three Polish documents, saved with a manifest."""
    texts = ENGLISH + POLISH
    corpus = coerce_corpus(
        pd.DataFrame(
            {
                "doc_id": [f"d{i}" for i in range(len(texts))],
                "source": "own",
                "language": ["en"] * len(ENGLISH) + ["pl"] * len(POLISH),
                "language_prob": 1.0,
                "text": texts,
            }
        )
    )
    path = tmp_path_factory.mktemp("own") / "corpus.parquet"
    io.save_corpus(corpus, path)
    return path


@pytest.fixture(scope="module")
def run(english_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("figures")
    argv = ["reproduce", "--corpus", str(english_corpus), "--notebooks", str(NOTEBOOKS)]
    argv += ["--out", str(out), "--param", "language=en", "--param", "event_date=2023-09-13"]
    return {"out": out, "argv": argv}


def test_reproduce_models_the_language_asked_for(
    run: dict, english_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(run["argv"]) == 0
    printed = capsys.readouterr().out
    out: Path = run["out"]
    # What 00 modelled is printed: the six English documents, not the Polish ones.
    (row,) = [line for line in printed.splitlines() if line.startswith("00_model.ipynb")]
    assert re.search(r"\bok\b.*\ben 6 docs\b", row)
    assert pd.read_csv(out / "00_size.csv").to_dict("records") == [{"documents": 6, "k": 2}]
    manifest = json.loads((out / "MANIFEST.json").read_text(encoding="utf-8"))
    model, no_corpus = manifest["notebooks"]
    assert model["parameters"] == {"language": "en", "event_date": "2023-09-13", "k": 2}
    assert [m["languages"] for m in model["modelled"]] == [{"en": 6}]
    assert model["modelled"][0]["n_documents"] == 6
    manifest_sha = hashlib.sha256(io.manifest_path(english_corpus).read_bytes()).hexdigest()
    (table,) = manifest["tables"]
    assert (table["corpus"], table["corpus_manifest_sha256"]) == (str(english_corpus), manifest_sha)
    assert table["parameters"] == model["parameters"]
    executed = nbformat.read(out / "notebooks" / "00_model.ipynb", as_version=4)
    assert "event: 2023-09-13" in "".join(o.get("text", "") for o in executed.cells[-1].outputs)
    # 01 takes no corpus and no language: said so, and recorded with the data it used.
    assert no_corpus["corpus"] == DEMO
    assert no_corpus["unknown_parameters"] == ["event_date", "language"]
    assert no_corpus["message"] == (
        f"does not take event_date, language; takes no corpus_path: analyses {DEMO}"
    )
    assert no_corpus["parameters"] == {"seed": 0}
    (row,) = [line for line in printed.splitlines() if line.startswith("01_no_corpus.ipynb")]
    assert "does not take event_date, language" in row
