"""Text preparation: tokens, lemmas, protected entities, stopwords and a count matrix.

Two scikit-learn transformers do the work and compose in a :class:`~sklearn.pipeline.Pipeline`:

:class:`Preprocessor`
    text → list of tokens per document. Per language (``pl``, ``en``, ``ru``, ``ko``):

    1. *Protect entities*: every surface variant of the actor lexicon
       (:func:`corpus_tools.actors.load_lexicon`) is replaced by its ``actor_id`` token, longest
       variant first, case-sensitively, on word boundaries, with any whitespace between the
       words of a variant ("Kim Dzong Una" → ``kim_jong_un``, "Kursku" → ``kursk``), by the
       matcher :func:`corpus_tools.actors.compile_variants` that also counts actor mentions.
       Protected tokens skip lemmatisation, stopword removal and the length filter.
    2. *Tokenise*: runs of letters (any script: Polish diacritics, Cyrillic, Hangul), and runs
       of digits when ``keep_numbers=True``. Hyphens and apostrophes split words.
    3. *Lemmatise*: simplemma for Polish and English; pymorphy3 for Russian, because it was
       right on 39/39 hand-checked Russian news words against simplemma's 37/39 (simplemma
       gives "войсками" → "войска", "России" → "Россия"; the list is in
       ``tests/test_text.py``). Korean uses kiwipiepy when installed (extra ``korean``,
       in the lock; a noun compound stays one lemma, 정상회담을 → 정상회담, and verbs take
       their dictionary form, 갔다 → 가다), else :func:`strip_korean_particles`. Lemmas are
       cached per (language, word type), so the cost grows with the vocabulary, not with the
       tokens.
    4. *Stopwords*: stopwords-iso plus the project lists in ``corpus_tools/data/stopwords``
       (portal boilerplate such as "posłuchaj", "dowiedz", "źródło", "advertisement"), minus the
       project keep-lists (stopwords-iso's Russian list contains "россия" and "война"), plus
       ``extra_stopwords``, minus ``keep_words``. A token goes when its surface form or its
       lemma is a stopword.

    Polish "Kim": simplemma lemmatises it to the pronoun "kto", a stopword, so a bare
    surname would vanish. Full names are protected by the lexicon; a bare *capitalised*
    "Kim", "Kima", "Kimem", "Kimowi" or "Kimie" (Polish short reference, "spotkania Kima z
    Putinem") becomes the protected token ``kim`` — not ``kim_jong_un``, because the bare
    surname may equally mean Kim Yo Jong or Kim Il Sung (add "Kima" to the lexicon to map
    it). Lower-case "kim" is the pronoun and is still removed. A sentence starting with the
    pronoun ("Kim jest…") is kept as ``kim``: a rare, visible error instead of a silent loss.

:class:`Vectorizer`
    token lists → :class:`scipy.sparse.csr_matrix` of int64 counts with a sorted vocabulary
    (scikit-learn's :class:`~sklearn.feature_extraction.text.CountVectorizer` does the
    counting, ``min_df``/``max_df``/``max_features`` and ordering). With ``phrases=True`` it
    first learns bigram collocations on the fitted corpus — adjacent pairs seen at least
    ``phrase_min_count`` times whose normalised PMI is above ``phrase_threshold`` — and
    joins them with "_" ("north korea" → ``north_korea``), as gensim's ``Phrases`` does with
    ``scoring="npmi"``. NPMI is in [-1, 1] and does not grow with corpus size, so one threshold
    serves corpora of different sizes.

:func:`prepare_config` and :func:`make_pipeline` turn the pipeline into a JSON/YAML-ready
dict (with the versions of the language libraries and a fingerprint of the lexicon) and
back, so the preparation is recorded with every model.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import itertools
import json
import math
import os
import re
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import simplemma
import stopwordsiso
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import Pipeline
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted

from ._russian_parse import parse_russian
from .actors import KOREAN_PARTICLES, compile_variants, load_lexicon, shipped_lexicon
from .actors import LANGUAGES as ACTOR_LANGUAGES
from .errors import CorpusToolsError

__all__ = [
    "LANGUAGES",
    "PreparationError",
    "Preprocessor",
    "Vectorizer",
    "make_pipeline",
    "prepare_config",
    "strip_korean_particles",
]

LANGUAGES: tuple[str, ...] = tuple(sorted(ACTOR_LANGUAGES))
STOPWORD_SOURCES: tuple[str, ...] = ("iso", "project", "none")
KOREAN_ANALYZERS: tuple[str, ...] = ("auto", "kiwipiepy", "fallback")

# A private-use character marks protected tokens inside the text between the entity pass
# and the tokeniser; it is stripped from the input first, so it cannot be forged.
_MARK = "\ue000"
_LETTERS = r"[^\W\d_]+"
# Korean particles may follow a protected Hangul name ("김정은은"); they stay with its token.
_PROTECTED = rf"{_MARK}\d+[\uac00-\ud7a3]*"
_TOKEN_RE = re.compile(rf"{_PROTECTED}|{_LETTERS}")
_TOKEN_NUM_RE = re.compile(rf"{_PROTECTED}|{_LETTERS}|\d+")
_DIGITS_RE = re.compile(r"\d+")

# Capitalised forms that simplemma maps onto stopwords; see the module docstring.
_NAME_GUARDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pl": ("kim", ("Kim", "Kima", "Kimem", "Kimowi", "Kimie")),
}

# Korean particles, and frequent verbal endings on Sino-Korean nouns ("방문했다" → "방문").
_KO_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        {
            *KOREAN_PARTICLES,
            *("했다", "한다", "하는", "하고", "하며", "하기", "하여", "했던", "해야", "하게"),
            *("했습니다", "합니다", "하였다", "했으며", "했다고", "한다고"),
            *("된다", "됐다", "되는", "되어", "되었다"),
        },
        key=lambda s: (-len(s), s),
    )
)
_KO_PLURAL = "들"
_KO_MIN_STEM = 2  # syllables; shorter stems are real words ("국가", "회의"), not noun+particle
_KIWI_NOUN_TAGS = frozenset({"NNG", "NNP", "NR"})
_KIWI_CONTENT_TAGS = frozenset({"XR", "SL", "SH"})
_KIWI_PREDICATE_TAGS = frozenset({"VV", "VA"})

_LEXICON_COLUMNS = ("actor_id", "language", "variant")


class PreparationError(CorpusToolsError, ValueError):
    """Invalid input or configuration for text preparation."""


# --------------------------------------------------------------------------- helpers


def strip_korean_particles(word: str) -> str:
    """Strip one trailing Korean particle or verbal ending, then a plural 들.

    The fallback Korean "lemmatiser" when kiwipiepy is not installed: a suffix is removed
    only when at least two syllables remain, because shorter remainders are usually whole
    words that merely end like a particle ("국가" nation, "회의" meeting). Names that end
    like a particle ("김정은") must come from the protected-entity lexicon.

    Parameters
    ----------
    word : str
        One Hangul word (eojeol); other words are returned unchanged.

    Returns
    -------
    str
        The stem.

    Examples
    --------
    >>> [strip_korean_particles(w) for w in ["북한은", "러시아와", "평양에서", "군인들이", "국가"]]
    ['북한', '러시아', '평양', '군인', '국가']
    """
    for suffix in _KO_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _KO_MIN_STEM:
            word = word[: -len(suffix)]
            break
    if word.endswith(_KO_PLURAL) and len(word) - 1 >= _KO_MIN_STEM:
        word = word[:-1]
    return word


def _kiwi_lemmatizer() -> Callable[[str], str]:
    from kiwipiepy import Kiwi  # optional extra "korean"

    kiwi = Kiwi()

    def lemma(word: str) -> str:
        # One lemma per word type keeps the per-type cache; the first content morpheme wins.
        # A run of nouns is one compound written as one word (정상+회담 -> 정상회담,
        # 국무+위원장 -> 국무위원장): keeping only its first noun would merge distinct terms.
        tokens = kiwi.tokenize(word)
        for i, token in enumerate(tokens):
            if token.tag in _KIWI_NOUN_TAGS:
                run = itertools.takewhile(lambda t: t.tag in _KIWI_NOUN_TAGS, tokens[i:])
                return "".join(t.form for t in run)
            if token.tag in _KIWI_CONTENT_TAGS:
                return token.form
            if token.tag in _KIWI_PREDICATE_TAGS:
                return token.form + "다"
        return word

    return lemma


class _RussianLemmas:
    """pymorphy3 lemmas with a per-type cache that persists across sessions.

    Parsing is the costliest step of Russian preparation (with a cold cache, about 40 % of
    a run with pymorphy3's C DAWG reader, 70 % with its pure-Python one), and word types
    repeat across documents and corpora, so each type is parsed once: looked up in this cache,
    loaded from ``<data_home>/lemmas/ru-pymorphy3-<versions>.json`` (the versions of
    pymorphy3 and its dictionaries name the file, so an upgrade starts a new one). A batch
    with many new types parses them in parallel processes (:meth:`prefetch`); lemmas do
    not depend on that, so neither do results.
    """

    #: New types from which parsing in parallel processes pays. A worker takes about 0.35 s
    #: to start (0.28 CPU s: a new Python with loky and joblib, then pymorphy3 and its
    #: dictionaries) while one core parses 170,000-200,000 types/s with pymorphy3's C DAWG
    #: reader: with a free core, 2 processes shorten the wall time from ~65,000 types.
    #: ``benchmarks/bench_russian_parallel.py`` on 2 cores with other jobs running
    #: (BENCHMARKS.md, "Russian preparation"), 2 processes against one: 0.32 against
    #: 0.31-0.32 s for 50,000 types, 0.56-0.61 against 0.63-0.65 s for 100,000, 0.85 against
    #: 1.00 s for 150,000. In a run with no core free they took longer (100,000 types: 0.87 s).
    PARALLEL_MIN_TYPES = 100_000
    #: Types per task of the parallel path: small enough that a chunk parsed twice where
    #: this process meets a worker costs ~10 ms, large enough that tasks cost little.
    CHUNK_TYPES = 2_000

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lemmas: dict[str, str] = {}
        self.saved = 0
        if path is not None and path.is_file():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                stored = None  # a damaged cache is rebuilt, never trusted
            if isinstance(stored, dict) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in stored.items()
            ):
                self.lemmas = stored
                self.saved = len(stored)

    def __call__(self, word: str) -> str:
        lemma = self.lemmas.get(word)
        if lemma is None:
            lemma = self.lemmas[word] = parse_russian([word])[word]
        return lemma

    def prefetch(self, words: Iterable[str], n_jobs: int = -1) -> None:
        """Parse the types not cached yet, in ``n_jobs`` processes when there are many.

        The types are cut into chunks of :attr:`CHUNK_TYPES`. Workers (loky's, reused
        across batches) take chunks from the end while this process parses from the start
        and takes each chunk a worker has finished. A chunk not finished when this process
        reaches it is parsed here as well (a lemma does not depend on who parses it), so
        this process never waits for a worker: not for one still starting, nor for a
        crashed one.
        """
        from joblib import effective_n_jobs
        from joblib.executor import get_memmapping_executor

        missing = sorted(set(words) - self.lemmas.keys())
        # The size test first: inside a Dask worker effective_n_jobs warns on every call.
        jobs = 1 if len(missing) < self.PARALLEL_MIN_TYPES else effective_n_jobs(n_jobs)
        if jobs <= 1:
            self.lemmas.update(parse_russian(missing))
            return
        size = self.CHUNK_TYPES
        chunks = [missing[start : start + size] for start in range(0, len(missing), size)]
        # joblib's own factory for loky's one reusable executor: made with loky's directly,
        # the executor lacks what joblib.Parallel expects of it when it reuses it next
        # (a K-sweep after preparing Russian texts failed with an AttributeError).
        executor = get_memmapping_executor(jobs - 1)
        futures = [executor.submit(parse_russian, chunk) for chunk in reversed(chunks)]
        for chunk, future in zip(chunks, reversed(futures), strict=True):
            if future.done() and not future.cancelled() and future.exception() is None:
                self.lemmas.update(future.result())
            else:
                future.cancel()  # a chunk no worker has taken yet is never parsed twice
                self.lemmas.update(parse_russian(chunk))

    def save(self) -> None:
        """Write the cache atomically if it grew; a read-only cache folder is left alone."""
        if self.path is None or len(self.lemmas) == self.saved:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Unique per process and thread; dump a copy (dict() does not release the GIL)
            # because threads of one process (e.g. Dask workers) share this cache.
            tmp = self.path.with_name(
                f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
            )
            tmp.write_text(json.dumps(dict(self.lemmas), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.path)
            self.saved = len(self.lemmas)
        except OSError as exc:
            warnings.warn(
                f"cannot save the Russian lemma cache {self.path}: {exc}; "
                "lemmas are cached for this session only",
                stacklevel=2,
            )
            self.path = None  # warn once, not on every batch


@cache
def _russian_lemmas() -> _RussianLemmas:
    """The process's Russian lemma cache, shared by every Preprocessor."""
    from .datasets import data_home  # deferred: datasets is not needed otherwise

    versions = _versions()
    name = f"ru-pymorphy3-{versions['pymorphy3']}-{versions['pymorphy3-dicts-ru']}.json"
    persist = os.environ.get("CORPUS_TOOLS_LEMMA_CACHE", "1") != "0"
    return _RussianLemmas(data_home() / "lemmas" / name if persist else None)


def _pymorphy_lemmatizer() -> Callable[[str], str]:
    return _russian_lemmas()


def _simplemma_lemmatizer(lang: str) -> Callable[[str], str]:
    return lambda word: simplemma.lemmatize(word, lang=lang)


def _resolve_korean(korean_analyzer: str) -> str:
    if korean_analyzer not in KOREAN_ANALYZERS:
        raise PreparationError(
            f"korean_analyzer must be one of {', '.join(KOREAN_ANALYZERS)}, got {korean_analyzer!r}"
        )
    installed = importlib.util.find_spec("kiwipiepy") is not None
    if korean_analyzer == "auto":
        return "kiwipiepy" if installed else "fallback"
    if korean_analyzer == "kiwipiepy" and not installed:
        raise PreparationError(
            "korean_analyzer='kiwipiepy' but kiwipiepy is not installed; "
            "install the extra 'corpus_tools[korean]' or use korean_analyzer='fallback'"
        )
    return korean_analyzer


def _lemmatizer(lang: str, korean: str) -> Callable[[str], str]:
    if lang == "ru":
        return _pymorphy_lemmatizer()
    if lang == "ko":
        return _kiwi_lemmatizer() if korean == "kiwipiepy" else strip_korean_particles
    return _simplemma_lemmatizer(lang)


@cache
def _project_words(name: str) -> frozenset[str]:
    path = resources.files("corpus_tools") / "data" / "stopwords" / name
    if not path.is_file():
        return frozenset()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return frozenset(line.lower() for line in lines if line)


def _per_language(words: Iterable[str] | Mapping[str, Iterable[str]], lang: str) -> set[str]:
    if isinstance(words, Mapping):
        words = words.get(lang, ())
    elif isinstance(words, str):
        raise PreparationError(f"expected a list of words, got the string {words!r}")
    return {w.lower() for w in words}


def _stopword_set(
    lang: str,
    source: str | None,
    extra: Iterable[str] | Mapping[str, Iterable[str]],
    keep: Iterable[str] | Mapping[str, Iterable[str]],
) -> frozenset[str]:
    source = "none" if source is None else source
    if source not in STOPWORD_SOURCES:
        raise PreparationError(
            f"stopwords must be one of {', '.join(STOPWORD_SOURCES)} or None, got {source!r}"
        )
    words: set[str] = set()
    if source == "iso" and stopwordsiso.has_lang(lang):
        words |= set(stopwordsiso.stopwords(lang)) - _project_words(f"{lang}.keep.txt")
    if source in ("iso", "project"):
        words |= _project_words(f"{lang}.txt")
    words |= _per_language(extra, lang)
    return frozenset(words - _per_language(keep, lang))


def _normalise_variant(text: str) -> str:
    return " ".join(text.split())


def _lexicon_frame(lexicon: Any) -> pd.DataFrame:
    if lexicon is None:
        return shipped_lexicon()
    if isinstance(lexicon, str | Path):
        return load_lexicon(lexicon)
    if isinstance(lexicon, pd.DataFrame):
        return lexicon
    return pd.DataFrame(list(lexicon), columns=list(_LEXICON_COLUMNS))


def _lexicon_records(lexicon: Any) -> list[list[str | None]]:
    """The lexicon as sorted ``[actor_id, language, variant]`` rows (language None = all)."""
    frame = _lexicon_frame(lexicon)
    missing = [c for c in _LEXICON_COLUMNS if c not in frame.columns]
    if missing:
        raise PreparationError(f"entity lexicon lacks column(s): {', '.join(missing)}")
    rows = set()
    for actor_id, language, variant in frame[list(_LEXICON_COLUMNS)].itertuples(index=False):
        if pd.isna(actor_id) or not re.fullmatch(r"\w+", str(actor_id)):
            raise PreparationError(
                f"entity lexicon: actor_id {actor_id!r} (variant {variant!r}) must be "
                "letters, digits and underscores"
            )
        if pd.isna(variant) or not str(variant).strip():
            raise PreparationError(f"entity lexicon: actor {actor_id!r} has an empty variant")
        lang = None if pd.isna(language) or not str(language) else str(language)
        rows.add((str(actor_id), lang, _normalise_variant(str(variant))))
    return [list(r) for r in sorted(rows, key=lambda r: (r[0], r[1] or "", r[2]))]


def _versions() -> dict[str, str | None]:
    def version(dist: str) -> str | None:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    names = ("corpus_tools", "simplemma", "pymorphy3", "pymorphy3-dicts-ru", "stopwordsiso")
    return {name: version(name) for name in (*names, "kiwipiepy")}


# --------------------------------------------------------------------------- analyser


class _LanguageAnalyzer:
    """Everything needed to prepare texts of one language, with the per-type cache."""

    def __init__(self, lang: str, params: dict[str, Any], lexicon: list[list[str | None]]):
        self.lowercase: bool = params["lowercase"]
        self.min_length: int = params["min_token_length"]
        self.stopwords = _stopword_set(
            lang, params["stopwords"], params["extra_stopwords"], params["keep_words"]
        )
        self.lemma = (
            _lemmatizer(lang, _resolve_korean(params["korean_analyzer"]))
            if params["lemmatize"]
            else None
        )
        self.token_re = _TOKEN_NUM_RE if params["keep_numbers"] else _TOKEN_RE
        self.protected: list[str] = []
        self.entity_re, self.entity_ids = None, {}
        if params["protect_entities"]:
            mapping = self._variant_map(lang, lexicon)
            if mapping:
                self.entity_ids = {v: self._protect(a) for v, a in mapping.items()}
                self.entity_re = compile_variants(mapping, any_space=True)
        self.guard_re, self.guard_id = None, ""
        if params["lemmatize"] and lang in _NAME_GUARDS:
            token, forms = _NAME_GUARDS[lang]
            self.guard_re = compile_variants(forms)
            self.guard_id = self._protect(token)
        self.cache: dict[str, str] = {}

    @staticmethod
    def _variant_map(lang: str, lexicon: list[list[str | None]]) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for actor_id, language, variant in lexicon:
            if language not in (None, lang):
                continue
            if mapping.setdefault(variant, actor_id) != actor_id:
                raise PreparationError(
                    f"entity lexicon: variant {variant!r} ({lang}) belongs to both "
                    f"{mapping[variant]!r} and {actor_id!r}"
                )
        return mapping

    def _protect(self, token: str) -> str:
        self.protected.append(token)
        return f"{_MARK}{len(self.protected) - 1}"

    def analyse(self, text: str) -> list[str]:
        return self.lemmatise(self.tokens(text))

    def lemmatise(self, tokens: list[str]) -> list[str]:
        """Each token's output (lemma, protected entity or dropped), once per type."""
        cache, out = self.cache, []
        for token in tokens:
            result = cache.get(token)
            if result is None:
                result = cache[token] = self._analyse_type(token)
            if result:
                out.append(result)
        return out

    def tokens(self, text: str) -> list[str]:
        """The raw tokens of ``text`` (entities protected, lowercased), before lemmas."""
        if _MARK in text:
            text = text.replace(_MARK, " ")
        if self.entity_re is not None:
            ids = self.entity_ids
            text = self.entity_re.sub(lambda m: ids[_normalise_variant(m.group())], text)
        if self.guard_re is not None:
            text = self.guard_re.sub(self.guard_id, text)
        if self.lowercase:
            text = text.lower()
        return self.token_re.findall(text)

    @property
    def prefetches(self) -> bool:
        """Whether a batch's word types are parsed at once (a persistent lemma cache)."""
        return isinstance(self.lemma, _RussianLemmas)

    def prefetch(self, token_lists: Iterable[list[str]]) -> None:
        """Parse the new word types of a batch at once (in parallel when there are many)."""
        assert isinstance(self.lemma, _RussianLemmas)
        types = set().union(*token_lists) - self.cache.keys()
        self.lemma.prefetch(t for t in types if t[0] != _MARK and not t.isdigit())
        self.lemma.save()

    def _analyse_type(self, token: str) -> str:
        """The output for one word type; "" drops it."""
        if token[0] == _MARK:
            return self.protected[int(_DIGITS_RE.match(token, 1).group())]
        lemma = token
        if self.lemma is not None and not token.isdigit():
            lemma = self.lemma(token)
        if self.lowercase:
            lemma = lemma.lower()
        stop = self.stopwords
        if len(lemma) < self.min_length or lemma.lower() in stop or token.lower() in stop:
            return ""
        return lemma


# --------------------------------------------------------------------------- Preprocessor


class Preprocessor(TransformerMixin, BaseEstimator):
    """Turn texts into lists of lemmatised, filtered tokens with protected entity tokens.

    Parameters
    ----------
    language : {"auto", "pl", "en", "ru", "ko"}, default="auto"
        ``"auto"`` takes each row's ``language`` column from a corpus DataFrame; a code
        applies to every document (required when ``X`` is a list of strings).
    lemmatize : bool, default=True
        Replace words by lemmas (see the module docstring for the library per language).
    protect_entities : bool, default=True
        Replace lexicon variants by ``actor_id`` tokens before tokenising.
    lexicon : None, path, DataFrame or sequence of [actor_id, language, variant], default=None
        The actor lexicon; ``None`` means :func:`corpus_tools.actors.load_lexicon` (the
        packaged one). Variants whose language is missing apply to every language.
    stopwords : {"iso", "project", "none"} or None, default="iso"
        ``"iso"``: stopwords-iso plus the project lists; ``"project"``: project lists only.
    extra_stopwords : sequence of str or mapping language -> sequence, default=()
        More stopwords, for every language (sequence) or per language (mapping).
    keep_words : sequence of str or mapping language -> sequence, default=()
        Words never treated as stopwords (they win over every list).
    min_token_length : int, default=2
        Shorter tokens (in characters, after lemmatisation) are dropped.
    lowercase : bool, default=True
        Lowercase texts and lemmas.
    keep_numbers : bool, default=False
        Keep runs of digits as tokens.
    korean_analyzer : {"auto", "kiwipiepy", "fallback"}, default="auto"
        ``"auto"`` uses kiwipiepy when installed, else :func:`strip_korean_particles`.
    on_unsupported : {"error", "skip"}, default="error"
        For a document whose language is missing or not in :data:`LANGUAGES`: raise, or
        return an empty token list and warn with the number of such documents.

    Attributes
    ----------
    analyzers_ : dict
        Per-language resources and lemma caches, built by :meth:`fit` (or on the first
        :meth:`transform`). Call :meth:`fit` again after :meth:`set_params`.

    Examples
    --------
    >>> lexicon = [["kim_jong_un", "pl", "Kim Dzong Un"], ["kim_jong_un", "pl", "Kim Dzong Una"]]
    >>> prep = Preprocessor(language="pl", lexicon=lexicon)
    >>> prep.fit_transform(["Spotkanie Kim Dzong Una z żołnierzami."])
    [['spotkanie', 'kim_jong_un', 'żołnierz']]
    """

    def __init__(
        self,
        language: str = "auto",
        lemmatize: bool = True,
        protect_entities: bool = True,
        lexicon: Any = None,
        stopwords: str | None = "iso",
        extra_stopwords: Sequence[str] | Mapping[str, Sequence[str]] = (),
        keep_words: Sequence[str] | Mapping[str, Sequence[str]] = (),
        min_token_length: int = 2,
        lowercase: bool = True,
        keep_numbers: bool = False,
        korean_analyzer: str = "auto",
        on_unsupported: str = "error",
    ) -> None:
        self.language = language
        self.lemmatize = lemmatize
        self.protect_entities = protect_entities
        self.lexicon = lexicon
        self.stopwords = stopwords
        self.extra_stopwords = extra_stopwords
        self.keep_words = keep_words
        self.min_token_length = min_token_length
        self.lowercase = lowercase
        self.keep_numbers = keep_numbers
        self.korean_analyzer = korean_analyzer
        self.on_unsupported = on_unsupported

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def fit(self, X: Any = None, y: Any = None) -> Preprocessor:
        """Build the per-language resources; nothing is learned from ``X``.

        Parameters
        ----------
        X, y : ignored
            Present for Pipeline compatibility.

        Returns
        -------
        Preprocessor
            ``self``.
        """
        self._check_params()
        languages = LANGUAGES if self.language == "auto" else (self.language,)
        lexicon = _lexicon_records(self.lexicon) if self.protect_entities else []
        params = self.get_params()
        self.analyzers_ = {lang: _LanguageAnalyzer(lang, params, lexicon) for lang in languages}
        return self

    def transform(self, X: pd.DataFrame | Sequence[str]) -> list[list[str]]:
        """Return one token list per document.

        Parameters
        ----------
        X : pandas.DataFrame or sequence of str
            A corpus (its ``text`` column, and ``language`` when ``language="auto"``) or
            texts. Missing texts give empty token lists.

        Returns
        -------
        list of list of str
        """
        texts, languages, names = self._documents(X)
        if not hasattr(self, "analyzers_"):
            self.fit()
        tokens = self._prefetch(texts, languages)
        out: list[list[str]] = []
        skipped: Counter[str] = Counter()
        for i, (text, lang, name) in enumerate(zip(texts, languages, names, strict=True)):
            analyzer = self.analyzers_.get(lang) if isinstance(lang, str) else None
            if analyzer is None:
                if self.on_unsupported == "error":
                    raise PreparationError(
                        f"document {name}: language {lang!r} is not supported "
                        f"({', '.join(LANGUAGES)}); pass on_unsupported='skip' to skip it"
                    )
                skipped[str(lang)] += 1
                out.append([])
            else:
                out.append(
                    analyzer.lemmatise(tokens[i])
                    if i in tokens
                    else analyzer.analyse(text)
                    if isinstance(text, str)
                    else []
                )
        if skipped:
            detail = ", ".join(f"{n} × {lang}" for lang, n in sorted(skipped.items()))
            warnings.warn(
                f"skipped {sum(skipped.values())} document(s) in unsupported languages: {detail}",
                UserWarning,
                stacklevel=2,
            )
        return out

    def config(self) -> dict[str, Any]:
        """Return the parameters as a JSON/YAML-serialisable dict, ``"auto"`` resolved.

        ``korean_analyzer`` is resolved to the analyser actually used and a DataFrame
        lexicon is stored as its rows, so :func:`make_pipeline` rebuilds the same
        preparation. Library versions and the lexicon fingerprint are in
        :func:`prepare_config`.

        Returns
        -------
        dict

        Examples
        --------
        >>> Preprocessor(language="en", protect_entities=False).config()["stopwords"]
        'iso'
        """
        self._check_params()
        cfg = self.get_params()
        cfg["korean_analyzer"] = _resolve_korean(self.korean_analyzer)
        for key in ("extra_stopwords", "keep_words"):
            words = cfg[key]
            cfg[key] = (
                {lang: sorted(_per_language(words, lang)) for lang in sorted(words)}
                if isinstance(words, Mapping)
                else sorted(_per_language(words, "*"))
            )
        if isinstance(self.lexicon, Path):
            cfg["lexicon"] = str(self.lexicon)
        elif self.lexicon is not None and not isinstance(self.lexicon, str):
            cfg["lexicon"] = _lexicon_records(self.lexicon)
        return cfg

    def lexicon_sha256(self) -> str | None:
        """sha256 of the resolved lexicon rows (``None`` when entities are not protected).

        Returns
        -------
        str or None

        Examples
        --------
        >>> len(Preprocessor(lexicon=[["kursk", "pl", "Kursku"]]).lexicon_sha256())
        64
        """
        if not self.protect_entities:
            return None
        rows = json.dumps(_lexicon_records(self.lexicon), ensure_ascii=False)
        return hashlib.sha256(rows.encode("utf-8")).hexdigest()

    def _prefetch(self, texts: list[Any], languages: list[Any]) -> dict[int, list[str]]:
        """Tokenise the documents of prefetching (Russian) analysers and parse their types."""
        tokens: dict[int, list[str]] = {}
        for lang, analyzer in self.analyzers_.items():
            if analyzer.prefetches:
                mine = [
                    i
                    for i, (text, lg) in enumerate(zip(texts, languages, strict=True))
                    if lg == lang and isinstance(text, str)
                ]
                tokens.update((i, analyzer.tokens(texts[i])) for i in mine)
                analyzer.prefetch(tokens[i] for i in mine)
        return tokens

    def _check_params(self) -> None:
        if self.language != "auto" and self.language not in LANGUAGES:
            raise PreparationError(
                f"language must be 'auto' or one of {', '.join(LANGUAGES)}, got {self.language!r}"
            )
        if self.on_unsupported not in ("error", "skip"):
            raise PreparationError(
                f"on_unsupported must be 'error' or 'skip', got {self.on_unsupported!r}"
            )
        if not isinstance(self.min_token_length, int) or self.min_token_length < 1:
            raise PreparationError(
                f"min_token_length must be a positive integer, got {self.min_token_length!r}"
            )
        _resolve_korean(self.korean_analyzer)
        _stopword_set("en", self.stopwords, self.extra_stopwords, self.keep_words)

    def _documents(self, X: Any) -> tuple[list[Any], list[Any], list[str]]:
        if isinstance(X, pd.DataFrame):
            if "text" not in X.columns:
                raise PreparationError("the corpus DataFrame has no 'text' column")
            texts = X["text"].tolist()
            names = (
                [repr(d) for d in X["doc_id"]]
                if "doc_id" in X.columns
                else [f"at row {i}" for i in range(len(X))]
            )
            if self.language != "auto":
                return texts, [self.language] * len(X), names
            if "language" not in X.columns:
                raise PreparationError(
                    "language='auto' needs a 'language' column; pass language='pl' (etc.)"
                )
            langs = [None if pd.isna(v) else v for v in X["language"].tolist()]
            return texts, langs, names
        if isinstance(X, str):
            raise PreparationError("expected a sequence of texts, got a single string")
        texts = list(X)
        if self.language == "auto":
            raise PreparationError(
                "language='auto' needs a corpus DataFrame with a 'language' column; "
                "for a list of texts pass language='pl', 'en', 'ru' or 'ko'"
            )
        return texts, [self.language] * len(texts), [f"at position {i}" for i in range(len(texts))]


# --------------------------------------------------------------------------- Vectorizer


def _tokens_as_is(tokens: list[str]) -> list[str]:
    return tokens


class Vectorizer(TransformerMixin, BaseEstimator):
    """Count matrix (CSR, int64) of token lists, with optional NPMI bigram phrases.

    Parameters
    ----------
    min_df : int or float, default=2
        Drop terms in fewer documents (int) or a smaller fraction of documents (float).
    max_df : int or float, default=0.9
        Drop terms in more documents (int) or a larger fraction of documents (float).
    max_features : int or None, default=None
        Keep only the most frequent terms (ties: alphabetical).
    phrases : bool, default=False
        Learn and join bigram collocations before counting.
    phrase_threshold : float, default=0.5
        A phrase needs a normalised PMI above this, in [-1, 1).
    phrase_min_count : int, default=5
        Minimum number of occurrences of a phrase in the fitted corpus.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Term → column; columns are in sorted term order.
    phrases_ : list of tuple of str
        The learned bigrams, sorted (empty when ``phrases=False``).

    Examples
    --------
    >>> docs = [["kim_jong_un", "putin", "summit"], ["putin", "summit"], ["kim_jong_un", "missile"]]
    >>> vec = Vectorizer(min_df=2, max_df=1.0)
    >>> vec.fit_transform(docs).toarray()
    array([[1, 1, 1],
           [0, 1, 1],
           [1, 0, 0]])
    >>> vec.get_feature_names_out().tolist()
    ['kim_jong_un', 'putin', 'summit']
    """

    def __init__(
        self,
        min_df: float = 2,
        max_df: float = 0.9,
        max_features: int | None = None,
        phrases: bool = False,
        phrase_threshold: float = 0.5,
        phrase_min_count: int = 5,
    ) -> None:
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.phrases = phrases
        self.phrase_threshold = phrase_threshold
        self.phrase_min_count = phrase_min_count

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def fit(self, X: Sequence[list[str]], y: Any = None) -> Vectorizer:
        """Learn phrases (optionally) and the vocabulary from token lists.

        Parameters
        ----------
        X : sequence of list of str
            Token lists, e.g. from :class:`Preprocessor`.
        y : ignored

        Returns
        -------
        Vectorizer
            ``self``.
        """
        self.fit_transform(X)
        return self

    def fit_transform(self, X: Sequence[list[str]], y: Any = None) -> sp.csr_matrix:
        """Fit and return the document-term matrix of ``X`` (see :meth:`fit`).

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_terms)
        """
        docs = _check_token_lists(X)
        self.phrases_ = (
            _learn_phrases(docs, self.phrase_threshold, self.phrase_min_count)
            if self.phrases
            else []
        )
        self._counter = CountVectorizer(
            analyzer=_tokens_as_is,
            lowercase=False,
            min_df=self.min_df,
            max_df=self.max_df,
            max_features=self.max_features,
            dtype=np.int64,
        )
        try:
            matrix = self._counter.fit_transform(self.merge_phrases(docs))
        except ValueError as exc:  # empty vocabulary or min_df > max_df
            raise PreparationError(f"cannot build the vocabulary: {exc}") from exc
        self.vocabulary_ = dict(self._counter.vocabulary_)
        return matrix.tocsr()

    def transform(self, X: Sequence[list[str]]) -> sp.csr_matrix:
        """Count the fitted vocabulary (and phrases) in token lists.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_terms)
        """
        check_is_fitted(self, "vocabulary_")
        return self._counter.transform(self.merge_phrases(_check_token_lists(X))).tocsr()

    def merge_phrases(self, X: Sequence[list[str]]) -> list[list[str]]:
        """Join the learned bigrams in token lists, left to right ("a", "b" → "a_b").

        Use it to give topic-coherence code the same tokens the matrix counts.

        Parameters
        ----------
        X : sequence of list of str

        Returns
        -------
        list of list of str

        Examples
        --------
        >>> vec = Vectorizer(min_df=1, max_df=1.0, phrases=True, phrase_min_count=2)
        >>> docs = [["north", "korea", "test"], ["north", "korea", "army"], ["test", "army"]]
        >>> vec.fit(docs).merge_phrases([["north", "korea", "north"]])
        [['north_korea', 'north']]
        """
        return _merge_phrases(X, getattr(self, "phrases_", ()))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return the terms in column order (sorted).

        Returns
        -------
        numpy.ndarray of str
        """
        check_is_fitted(self, "vocabulary_")
        return self._counter.get_feature_names_out()

    def config(self) -> dict[str, Any]:
        """Return the parameters as a JSON/YAML-serialisable dict.

        Returns
        -------
        dict

        Examples
        --------
        >>> Vectorizer().config()["min_df"]
        2
        """
        return self.get_params()


def _check_token_lists(X: Any) -> list[list[str]]:
    if isinstance(X, str | pd.DataFrame):
        raise PreparationError(
            f"Vectorizer expects token lists (the output of Preprocessor), got {type(X).__name__}"
        )
    docs = list(X)
    for i, doc in enumerate(docs):
        if isinstance(doc, str):
            raise PreparationError(
                f"document at position {i} is a string; Vectorizer expects token lists "
                "(put a Preprocessor in front of it)"
            )
    return docs


def _learn_phrases(
    docs: Sequence[list[str]], threshold: float, min_count: int
) -> list[tuple[str, str]]:
    """Adjacent pairs seen ``>= min_count`` times with NPMI ``> threshold`` (as gensim)."""
    return _select_phrases(*_pair_counts(docs), threshold, min_count)


def _pair_counts(docs: Iterable[list[str]]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Token and adjacent-pair counts: what phrase learning needs, summable across chunks."""
    unigrams: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    for doc in docs:
        unigrams.update(doc)
        bigrams.update(itertools.pairwise(doc))
    return unigrams, bigrams


def _select_phrases(
    unigrams: Counter[str], bigrams: Counter[tuple[str, str]], threshold: float, min_count: int
) -> list[tuple[str, str]]:
    """The phrases of :func:`_learn_phrases` from (summed) :func:`_pair_counts`."""
    total = sum(unigrams.values())
    phrases = []
    for (a, b), n_ab in bigrams.items():
        if n_ab < min_count:
            continue
        p_ab = n_ab / total
        if p_ab >= 1.0:  # a corpus of one repeated pair: NPMI is undefined
            continue
        npmi = math.log(p_ab / (unigrams[a] / total * unigrams[b] / total)) / -math.log(p_ab)
        if npmi > threshold:
            phrases.append((a, b))
    return sorted(phrases)


def _merge_phrases(
    docs: Iterable[list[str]], phrases: Iterable[tuple[str, str]]
) -> list[list[str]]:
    """:meth:`Vectorizer.merge_phrases` with the phrases given (new lists, never the input)."""
    pairs = frozenset(phrases)
    if not pairs:
        return [list(doc) for doc in docs]
    return [_join_pairs(doc, pairs) for doc in docs]


def _join_pairs(doc: list[str], phrases: frozenset[tuple[str, str]]) -> list[str]:
    out, i, n = [], 0, len(doc)
    while i < n:
        if i + 1 < n and (doc[i], doc[i + 1]) in phrases:
            out.append(f"{doc[i]}_{doc[i + 1]}")
            i += 2
        else:
            out.append(doc[i])
            i += 1
    return out


# --------------------------------------------------------------------------- config


def prepare_config(pipeline: Pipeline | None = None, **params: Any) -> dict[str, Any]:
    """Return the JSON/YAML-serialisable config of a preparation pipeline.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline, optional
        A pipeline from :func:`make_pipeline`; default: a default one.
    **params
        Parameter overrides by name, for :class:`Preprocessor` or :class:`Vectorizer`
        (e.g. ``language="pl"``, ``min_df=5``).

    Returns
    -------
    dict
        ``{"preprocessor": {...}, "vectorizer": {...}, "provenance": {...}}`` where
        provenance holds the versions of corpus_tools and of the language libraries and the
        sha256 of the entity lexicon.

    Examples
    --------
    >>> cfg = prepare_config(language="pl", protect_entities=False, min_df=1)
    >>> cfg["preprocessor"]["language"], cfg["vectorizer"]["min_df"]
    ('pl', 1)
    >>> prepare_config(make_pipeline(cfg)) == cfg
    True
    """
    pipeline = make_pipeline() if pipeline is None else pipeline
    prep, vec = (clone(step) for step in _steps(pipeline))
    prep_keys, vec_keys = set(prep.get_params()), set(vec.get_params())
    unknown = sorted(set(params) - prep_keys - vec_keys)
    if unknown:
        raise PreparationError(f"unknown preparation parameter(s): {', '.join(unknown)}")
    prep = prep.set_params(**{k: v for k, v in params.items() if k in prep_keys})
    vec = vec.set_params(**{k: v for k, v in params.items() if k in vec_keys})
    return {
        "preprocessor": prep.config(),
        "vectorizer": vec.config(),
        "provenance": {**_versions(), "lexicon_sha256": prep.lexicon_sha256()},
    }


def make_pipeline(config: Mapping[str, Any] | None = None) -> Pipeline:
    """Build the Preprocessor → Vectorizer pipeline from a :func:`prepare_config` dict.

    Warns when the recorded library versions or lexicon differ from the current ones (the
    tokens may then differ from the recorded run).

    Parameters
    ----------
    config : dict, optional
        From :func:`prepare_config` (or loaded from its JSON/YAML); ``None`` for defaults.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``"preprocess"`` and ``"vectorize"``.

    Examples
    --------
    >>> pipe = make_pipeline({"preprocessor": {"language": "en", "protect_entities": False},
    ...                       "vectorizer": {"min_df": 1, "max_df": 1.0}})
    >>> pipe.fit_transform(["Missiles were tested.", "A missile test."]).toarray()
    array([[1, 1],
           [1, 1]])
    """
    config = config or {}
    unknown = sorted(set(config) - {"preprocessor", "vectorizer", "provenance"})
    if unknown:
        raise PreparationError(f"unknown config section(s): {', '.join(unknown)}")
    try:
        prep = Preprocessor(**config.get("preprocessor", {}))
        vec = Vectorizer(**config.get("vectorizer", {}))
    except TypeError as exc:
        raise PreparationError(f"invalid preparation config: {exc}") from exc
    pipeline = Pipeline([("preprocess", prep), ("vectorize", vec)])
    recorded = config.get("provenance")
    if recorded:
        current = {**_versions(), "lexicon_sha256": prep.lexicon_sha256()}
        changed = sorted(k for k in recorded if recorded[k] != current.get(k))
        if changed:
            detail = ", ".join(f"{k} {recorded[k]} → {current.get(k)}" for k in changed)
            warnings.warn(
                f"preparation differs from the recorded config: {detail}",
                UserWarning,
                stacklevel=2,
            )
    return pipeline


def _steps(pipeline: Pipeline) -> tuple[Preprocessor, Vectorizer]:
    steps = [step for _, step in pipeline.steps]
    if (
        len(steps) != 2
        or not isinstance(steps[0], Preprocessor)
        or not isinstance(steps[1], Vectorizer)
    ):
        raise PreparationError("expected a Pipeline of Preprocessor → Vectorizer")
    return steps[0], steps[1]
