"""The corpus schema and validate_corpus."""

from __future__ import annotations

import pandas as pd
import pytest

from corpus_tools.schema import (
    CORPUS_COLUMNS,
    CorpusSchemaError,
    coerce_corpus,
    empty_corpus,
    validate_corpus,
)


def corpus(**overrides: list) -> pd.DataFrame:
    rows = {
        "doc_id": ["a", "b", "c"],
        "date": pd.to_datetime(["2024-06-19", "2024-06-01", None]),
        "date_precision": ["day", "month", None],
        "text": ["Putin w Pjongjangu.", "Putin w Pjongjangu.", None],
        "duplicate_of": [None, "a", None],
    }
    rows.update(overrides)
    return coerce_corpus(pd.DataFrame(rows))


def test_a_valid_corpus_passes_and_keeps_extra_columns() -> None:
    df = corpus(topic=["x", "y", "z"])
    assert validate_corpus(df) is df
    assert list(df.columns) == [*CORPUS_COLUMNS, "topic"]
    assert df["n_chars"].tolist() == [19, 19, 0]
    assert validate_corpus(empty_corpus()).empty


def test_a_filtered_subset_is_still_a_corpus() -> None:
    subset = corpus().iloc[[1]]  # its canonical copy "a" was filtered out
    assert validate_corpus(subset) is subset


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda df: df.drop(columns="text"), "missing column"),
        (lambda df: df.assign(doc_id=["a", "a", "c"]), "not unique"),
        (lambda df: df.assign(doc_id=["a", "", "c"]), "empty"),
        (lambda df: df.assign(date_precision=["day", "week", None]), "week"),
        (lambda df: df.assign(date_precision=["day", "month", "day"]), "NA exactly"),
        (lambda df: df.assign(duplicate_of=[None, "b", None]), "itself"),
        (lambda df: df.assign(n_chars=[1, 19, 0]), "n_chars"),
        (lambda df: df.assign(date=["2024-06-19", "2024-06-01", None]), "datetime64"),
    ],
)
def test_each_violation_is_named(change, message: str) -> None:
    with pytest.raises(CorpusSchemaError, match=message):
        validate_corpus(change(corpus()))


def test_not_a_dataframe() -> None:
    with pytest.raises(CorpusSchemaError, match="DataFrame"):
        validate_corpus([{"doc_id": "a"}])
