"""Russian preparation: each word type parsed once, with a cache that persists."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import Future

import joblib
import joblib.executor
import pymorphy3
import pymorphy3.dawg
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
    monkeypatch.setattr(text._RussianLemmas, "CHUNK_TYPES", 3)
    assert _prepare() == expected  # parsed in chunks shared with a worker this time
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


# Words pymorphy3 handles by other rules than a dictionary look-up: unknown (predicted),
# hyphenated, ё and е for ё, capitalised and upper case, Latin, a single letter.
ODD_WORDS = [
    *("кндровцы", "пхеньянщина", "северокорейско", "гиперзвуковущий"),
    *("северо-восток", "во-первых", "кто-то", "ким-чен-ын", "ракета-носитель", "давай-ка"),
    *("ещё", "еще", "всё", "все", "лёд", "елка", "ёлка", "пошёл", "пошел"),
    *("Москва", "КНДР", "Путин", "Пхеньян", "СОЛДАТЫ", "Курской"),
    *("nuclear", "Kim", "Jong-un", "abc", "я", "й", "ь"),
]
# pymorphy3 with its pure-Python DAWG reader (the C reader hidden from the import): an
# independent reference for the C reader that the package depends on for speed.
PURE_PYTHON_REFERENCE = """
import json, sys
sys.modules["dawg"] = None
import pymorphy3, pymorphy3.dawg
assert not pymorphy3.dawg.EXTENSION_AVAILABLE
morph = pymorphy3.MorphAnalyzer(lang="ru")
json.dump({w: morph.parse(w)[0].normal_form for w in json.load(sys.stdin)}, sys.stdout)
"""


def _first_forms(morph, prefix, n):
    """The first ``n`` distinct dictionary forms starting with ``prefix``."""
    forms: dict[str, None] = {}
    for word, *_ in morph.dictionary.iter_known_words(prefix):
        forms[word] = None
        if len(forms) == n:
            break
    return list(forms)


@pytest.fixture(scope="module")
def many_words():
    """Thousands of distinct dictionary forms from across the alphabet (up to 25 per
    two-letter prefix), a tenth of them capitalised, and the odd words."""
    morph = pymorphy3.MorphAnalyzer(lang="ru")
    prefixes = [a + b for a in "абвгдеёжзийклмнопрстуфхцчшщэюя" for b in "аеиоруля"]
    forms = list(dict.fromkeys(w for p in prefixes for w in _first_forms(morph, p, 25)))
    return [*forms, *(w.capitalize() for w in forms[::10]), *ODD_WORDS]


def test_the_c_dawg_reader_gives_the_pure_python_readers_lemmas(many_words):
    """The speed comes from pymorphy3's C DAWG reader (the dependency pymorphy3[fast]); its
    lemmas must be those of the pure-Python reader, parse(w)[0].normal_form."""
    assert pymorphy3.dawg.EXTENSION_AVAILABLE
    assert len(set(many_words)) > 5_000 and sum("ё" in w for w in many_words) > 10
    reference = subprocess.run(
        [sys.executable, "-c", PURE_PYTHON_REFERENCE],
        input=json.dumps(many_words),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    lemmas = text._RussianLemmas(None)
    lemmas.prefetch(many_words, n_jobs=1)
    assert lemmas.lemmas == json.loads(reference.stdout)


class _FinishedOnSubmit:
    """A real worker executor whose tasks are finished before ``submit`` returns, so that
    every chunk's lemmas come from a worker."""

    def __init__(self, executor):
        self.executor, self.futures = executor, []

    def submit(self, fn, *args):
        future = self.executor.submit(fn, *args)
        future.result()
        self.futures.append(future)
        return future


@pytest.mark.parametrize("finished_on_submit", [False, True])
def test_parallel_parsing_of_many_types_equals_one_process_and_pymorphy(
    many_words, monkeypatch, finished_on_submit
):
    """Dictionary forms (ambiguous ones too) and odd words, in chunks shared between this
    process and a worker (or all parsed by the worker), get the lemmas of one process and
    of pymorphy3 itself."""
    morph = pymorphy3.MorphAnalyzer(lang="ru")
    serial = text._RussianLemmas(None)
    serial.prefetch(many_words, n_jobs=1)
    executors = []

    def spy(*args, **kwargs):
        executor = get_memmapping_executor(*args, **kwargs)
        executors.append(_FinishedOnSubmit(executor) if finished_on_submit else args)
        return executors[-1] if finished_on_submit else executor

    monkeypatch.setattr(text._RussianLemmas, "PARALLEL_MIN_TYPES", 0)
    monkeypatch.setattr(text._RussianLemmas, "CHUNK_TYPES", 500)
    monkeypatch.setattr(joblib.executor, "get_memmapping_executor", spy)
    parallel = text._RussianLemmas(None)
    parallel.prefetch(many_words, n_jobs=2)
    assert len(executors) == 1  # the parallel path ran
    if finished_on_submit:
        assert len(executors[0].futures) == -(-len(set(many_words)) // 500)
        assert not any(f.cancelled() for f in executors[0].futures)
    assert parallel.lemmas == serial.lemmas
    assert parallel.lemmas == {w: morph.parse(w)[0].normal_form for w in many_words}


class _NoWaitFuture(Future):
    """A worker's future that fails the test if the parsing process waits for it."""

    def result(self, timeout=None):
        assert self.done(), "waited for a worker's chunk"
        return super().result(timeout)

    def exception(self, timeout=None):
        assert self.done(), "waited for a worker's chunk"
        return super().exception(timeout)


class _PlantedWorkers:
    """Executor whose n-th task is done (planted lemmas), has failed, or never starts."""

    def __init__(self, outcomes):
        self.outcomes, self.futures = list(outcomes), []

    def submit(self, fn, words):
        future, outcome = _NoWaitFuture(), self.outcomes[len(self.futures)]
        if outcome == "done":
            future.set_result({w: f"worker:{w}" for w in words})
        elif outcome == "failed":
            future.set_exception(RuntimeError("a worker died"))
        self.futures.append((words, future))
        return future


def test_finished_chunks_are_taken_and_the_rest_parsed_here_without_waiting(monkeypatch):
    words = ["ракеты", "солдаты", "договор", "области", "войска", "переговоры", "кндр"]
    chunks = [sorted(words)[i : i + 2] for i in range(0, len(words), 2)]
    # Workers take chunks from the end: the last two are done, the one before failed, the
    # first is still queued when this process reaches it.
    workers = _PlantedWorkers(["done", "done", "failed", "queued"])
    monkeypatch.setattr(text._RussianLemmas, "PARALLEL_MIN_TYPES", 0)
    monkeypatch.setattr(text._RussianLemmas, "CHUNK_TYPES", 2)
    monkeypatch.setattr(joblib.executor, "get_memmapping_executor", lambda n: workers)
    lemmas = text._RussianLemmas(None)
    lemmas.prefetch(words, n_jobs=2)
    morph = pymorphy3.MorphAnalyzer(lang="ru")
    assert [w for w, _ in workers.futures] == chunks[::-1]
    assert lemmas.lemmas == {
        **{w: morph.parse(w)[0].normal_form for w in chunks[0] + chunks[1]},
        **{w: f"worker:{w}" for w in chunks[2] + chunks[3]},
    }
    assert workers.futures[-1][1].cancelled()  # the queued chunk is parsed here only


def test_joblib_runs_after_parallel_parsing(monkeypatch):
    """The workers that parsed lemmas are joblib's: a K-sweep after it must still run."""
    monkeypatch.setattr(text._RussianLemmas, "PARALLEL_MIN_TYPES", 0)
    lemmas = text._RussianLemmas(None)
    lemmas.prefetch(["солдаты", "ракеты", "переговоры", "договор"], n_jobs=2)
    assert lemmas.lemmas["солдаты"] == "солдат"
    squares = joblib.Parallel(n_jobs=2, backend="loky")(joblib.delayed(pow)(i, 2) for i in range(4))
    assert squares == [0, 1, 4, 9]


def test_a_small_batch_does_not_ask_joblib_for_workers(monkeypatch):
    # Inside a Dask worker joblib.effective_n_jobs warns on every call: a batch below the
    # parallel threshold (every partition of a typical corpus) must not make that call.
    import joblib

    def refuse(*args, **kwargs):
        raise AssertionError("effective_n_jobs called for a small batch")

    monkeypatch.setattr(joblib, "effective_n_jobs", refuse)
    lemmas = text._RussianLemmas(None)
    lemmas.prefetch(["Путина", "встречи"])
    assert lemmas.lemmas == {"Путина": "путин", "встречи": "встреча"}
