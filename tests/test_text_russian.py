"""Russian preparation: each word type parsed once, with a cache that persists."""

from __future__ import annotations

import json
import re

import joblib
import joblib.executor
import pymorphy3
import pytest
from joblib.executor import get_memmapping_executor

from corpus_tools import text
from corpus_tools.text import Preprocessor

TEXTS = [
    "Северокорейские солдаты прибыли в Курскую область.",
    "Солдаты КНДР воевали в Курской области, сообщила разведка.",
    "Россия и КНДР подписали договор о всеобъемлющем стратегическом партнёрстве.",
]

WORD_TYPES = {w for t in TEXTS for w in re.findall(r"[^\W\d_]+", t.lower())}


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    """A fresh data home, and a fresh process-wide lemma cache before and after."""
    monkeypatch.setenv("CORPUS_TOOLS_DATA", str(tmp_path))
    monkeypatch.delenv("CORPUS_TOOLS_LEMMA_CACHE", raising=False)
    text._russian_lemmas.cache_clear()
    yield tmp_path
    text._russian_lemmas.cache_clear()


def _prepare(texts=TEXTS):
    return Preprocessor(language="ru", protect_entities=False).fit_transform(texts)


def _cache_file(home):
    files = list((home / "lemmas").glob("ru-pymorphy3-*.json"))
    assert len(files) == 1
    return files[0]


def test_lemmas_are_pymorphys_and_persist_for_the_next_session(cache_home):
    tokens = _prepare()
    morph = pymorphy3.MorphAnalyzer(lang="ru")
    stored = json.loads(_cache_file(cache_home).read_text(encoding="utf-8"))
    assert stored == {w: morph.parse(w)[0].normal_form for w in stored}
    assert {"солдат", "курский", "область", "договор"} <= {t for doc in tokens for t in doc}
    assert set(stored) == WORD_TYPES  # every type once, stopwords too
    text._russian_lemmas.cache_clear()  # a new session reads the file back
    assert text._russian_lemmas().lemmas == stored
    assert _prepare() == tokens


def test_the_persisted_cache_is_what_is_used(cache_home):
    _prepare()
    path = _cache_file(cache_home)
    stored = json.loads(path.read_text(encoding="utf-8"))
    stored["солдаты"] = "воин"  # planted: only the cache can produce it
    path.write_text(json.dumps(stored), encoding="utf-8")
    text._russian_lemmas.cache_clear()
    assert "воин" in _prepare()[0]


def test_a_damaged_cache_is_ignored_and_rebuilt(cache_home):
    tokens = _prepare()
    path = _cache_file(cache_home)
    path.write_text("{not json", encoding="utf-8")
    text._russian_lemmas.cache_clear()
    assert _prepare() == tokens
    assert json.loads(path.read_text(encoding="utf-8"))["солдаты"] == "солдат"


def test_parallel_parsing_gives_the_sequential_lemmas(cache_home, monkeypatch):
    expected = _prepare()
    text._russian_lemmas.cache_clear()
    _cache_file(cache_home).unlink()
    monkeypatch.setattr(text._RussianLemmas, "PARALLEL_MIN_TYPES", 1)
    monkeypatch.setattr(text._RussianLemmas, "STARTUP_TYPES", 0)
    assert _prepare() == expected  # parsed by this process and a worker this time
    assert set(json.loads(_cache_file(cache_home).read_text(encoding="utf-8"))) == WORD_TYPES


def test_no_persistence_when_switched_off_and_a_warning_when_unwritable(cache_home, monkeypatch):
    monkeypatch.setenv("CORPUS_TOOLS_LEMMA_CACHE", "0")
    tokens = _prepare()
    assert not (cache_home / "lemmas").exists()
    monkeypatch.delenv("CORPUS_TOOLS_LEMMA_CACHE")
    text._russian_lemmas.cache_clear()
    (cache_home / "lemmas").write_text("a file where the folder should be", encoding="utf-8")
    with pytest.warns(UserWarning, match="cannot save the Russian lemma cache"):
        assert _prepare() == tokens


def test_parallel_parsing_of_many_types_equals_one_process_and_pymorphy(monkeypatch):
    """Thousands of dictionary forms (ambiguous ones too) and unknown words, split between
    this process and a worker, get the lemmas of one process and of pymorphy3 itself."""
    morph = pymorphy3.MorphAnalyzer(lang="ru")
    forms = []
    for word, *_ in morph.dictionary.iter_known_words():
        forms.append(word)
        if len(forms) == 6_000:
            break
    words = [*forms, "кндровцы", "пхеньянщина", "северокорейско"]  # unknown: predicted
    serial = text._RussianLemmas(None)
    serial.prefetch(words, n_jobs=1)
    executors = []

    def spy(*args, **kwargs):
        executors.append(args)
        return get_memmapping_executor(*args, **kwargs)

    monkeypatch.setattr(text._RussianLemmas, "PARALLEL_MIN_TYPES", 0)
    monkeypatch.setattr(text._RussianLemmas, "STARTUP_TYPES", 0)  # an even split
    monkeypatch.setattr(joblib.executor, "get_memmapping_executor", spy)
    parallel = text._RussianLemmas(None)
    parallel.prefetch(words, n_jobs=2)
    assert executors == [(1,)]  # the parallel path ran
    assert parallel.lemmas == serial.lemmas
    assert parallel.lemmas == {w: morph.parse(w)[0].normal_form for w in words}


def test_joblib_runs_after_parallel_parsing(monkeypatch):
    """The workers that parsed lemmas are joblib's: a K-sweep after it must still run."""
    monkeypatch.setattr(text._RussianLemmas, "PARALLEL_MIN_TYPES", 0)
    lemmas = text._RussianLemmas(None)
    lemmas.prefetch(["солдаты", "ракеты", "переговоры", "договор"], n_jobs=2)
    assert lemmas.lemmas["солдаты"] == "солдат"
    squares = joblib.Parallel(n_jobs=2, backend="loky")(joblib.delayed(pow)(i, 2) for i in range(4))
    assert squares == [0, 1, 4, 9]
