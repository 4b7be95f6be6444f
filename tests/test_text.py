"""Tests for corpus_tools.text: tokens, lemmas, protected entities, stopwords, counts, config.

Expected tokens and lemmas are written by hand from the sentences (and a Russian/Polish
dictionary), not taken from the code's output.
"""

from __future__ import annotations

import importlib.util
import json
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pymorphy3
import pytest
import simplemma
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from corpus_tools.errors import CorpusToolsError
from corpus_tools.text import (
    PreparationError,
    Preprocessor,
    Vectorizer,
    make_pipeline,
    prepare_config,
    strip_korean_particles,
)

# A small lexicon in the shape of corpus_tools.actors.load_lexicon().
LEXICON = pd.DataFrame(
    [
        ("kim_jong_un", "Kim Jong Un", "person", "en", "Kim Jong Un"),
        ("kim_jong_un", "Kim Jong Un", "person", "pl", "Kim Dzong Un"),
        ("kim_jong_un", "Kim Jong Un", "person", "pl", "Kim Dzong Una"),
        ("kim_jong_un", "Kim Jong Un", "person", "pl", "Kim Dzong Unem"),
        ("kim_jong_un", "Kim Jong Un", "person", "ru", "Ким Чен Ын"),
        ("kim_jong_un", "Kim Jong Un", "person", "ko", "김정은"),
        ("kursk", "Kursk", "place", "en", "Kursk"),
        ("kursk", "Kursk", "place", "pl", "Kursk"),
        ("kursk", "Kursk", "place", "pl", "Kursku"),
        ("kursk", "Kursk", "place", "pl", "obwodzie kurskim"),
        ("kursk", "Kursk", "place", "pl", "obwodu kurskiego"),
        ("kursk", "Kursk", "place", "ru", "Курской области"),
        ("pyongyang", "Pyongyang", "place", "pl", "Pjongjang"),
        ("pyongyang", "Pyongyang", "place", "pl", "Pjongjangu"),
        ("pyongyang", "Pyongyang", "place", "en", "Pyongyang"),
        ("putin", "Vladimir Putin", "person", "pl", "Władimir Putin"),
        ("putin", "Vladimir Putin", "person", "pl", "Władimirem Putinem"),
        ("putin", "Vladimir Putin", "person", "pl", "Putinem"),
    ],
    columns=["actor_id", "label", "kind", "language", "variant"],
)

RAW = {"lemmatize": False, "stopwords": None, "protect_entities": False, "min_token_length": 1}

# Hand-checked Russian news words → dictionary lemma (the per-language lemmatiser choice).
RU_GOLD = {
    "войсками": "войско",
    "солдаты": "солдат",
    "санкциями": "санкция",
    "ракеты": "ракета",
    "ракет": "ракета",
    "переговоров": "переговоры",
    "встретился": "встретиться",
    "заявил": "заявить",
    "стороны": "сторона",
    "области": "область",
    "россии": "россия",
    "военнослужащих": "военнослужащий",
    "сотрудничества": "сотрудничество",
    "отношений": "отношение",
    "договора": "договор",
    "оружия": "оружие",
    "снарядов": "снаряд",
    "территории": "территория",
    "президентом": "президент",
    "лидера": "лидер",
    "визитом": "визит",
    "заявлении": "заявление",
    "государств": "государство",
    "поставки": "поставка",
    "помощи": "помощь",
    "странами": "страна",
    "подписали": "подписать",
    "направил": "направить",
    "погибли": "погибнуть",
    "войны": "война",
    "армии": "армия",
    "границы": "граница",
    "городе": "город",
    "северокорейских": "северокорейский",
    "российские": "российский",
    "новых": "новый",
    "было": "быть",
    "будет": "быть",
    "годах": "год",
}


def prep(language: str, **params: Any) -> Callable[[str], list[str]]:
    """A function giving the tokens of one text under ``params``."""
    pre = Preprocessor(language=language, **params)
    return lambda text: pre.fit_transform([text])[0]


# ----------------------------------------------------------------------------- tokenising


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "pl",
            "Żołnierze z Korei Północnej walczą w obwodzie kurskim, m.in. 11 tys.",
            [
                *("żołnierze", "z", "korei", "północnej", "walczą", "w", "obwodzie", "kurskim"),
                *("m", "in", "tys"),
            ],
        ),
        ("en", "North Korea's missile-test, 2024.", ["north", "korea", "s", "missile", "test"]),
        (
            "ru",
            "Войска КНДР прибыли в Курскую область.",
            ["войска", "кндр", "прибыли", "в", "курскую", "область"],
        ),
        ("ko", "북한은 러시아와 회담을 했다.", ["북한은", "러시아와", "회담을", "했다"]),
    ],
)
def test_tokenise_each_language(language: str, text: str, expected: list[str]) -> None:
    assert prep(language, **RAW)(text) == expected


def test_keep_numbers_and_case() -> None:
    text = "Pjongjang wysłał 11 tys. żołnierzy w 2024"
    assert prep("pl", **RAW, keep_numbers=True)(text) == [
        *("pjongjang", "wysłał", "11", "tys", "żołnierzy", "w", "2024")
    ]
    assert prep("pl", **RAW, lowercase=False)(text)[:2] == ["Pjongjang", "wysłał"]


def test_protected_tokens_keep_underscores() -> None:
    tokens = prep("en", **{**RAW, "protect_entities": True}, lexicon=LEXICON)(
        "Kim Jong Un visited Kursk; Kim  Jong\nUn waved."
    )
    assert tokens == ["kim_jong_un", "visited", "kursk", "kim_jong_un", "waved"]


def test_variants_match_case_sensitively_like_actors() -> None:
    # As in corpus_tools.actors: "US" must not match the pronoun "us".
    tokens = prep("en", **{**RAW, "protect_entities": True}, lexicon=[["usa", "en", "US"]])(
        "US warns us"
    )
    assert tokens == ["usa", "warns", "us"]


def test_private_marker_in_input_cannot_forge_a_protected_token() -> None:
    tokens = prep("en", **{**RAW, "protect_entities": True}, lexicon=LEXICON)("\ue0000 test")
    assert tokens == ["test"]


# ----------------------------------------------------------------------------- lemmas


@pytest.mark.parametrize(
    ("language", "word", "lemma"),
    [
        ("pl", "żołnierzy", "żołnierz"),
        ("pl", "sankcjami", "sankcja"),
        ("pl", "rakietami", "rakieta"),
        ("en", "missiles", "missile"),
        ("ru", "солдат", "солдат"),
        ("ru", "войсками", "войско"),
        ("ru", "санкциями", "санкция"),
    ],
)
def test_lemmas(language: str, word: str, lemma: str) -> None:
    assert prep(language, stopwords=None, protect_entities=False)(word) == [lemma]


def test_russian_lemmatiser_is_the_better_one_on_the_gold_list() -> None:
    morph = pymorphy3.MorphAnalyzer(lang="ru")
    pymorphy_right = sum(morph.parse(w)[0].normal_form == g for w, g in RU_GOLD.items())
    simplemma_right = sum(
        simplemma.lemmatize(w, lang="ru").lower() == g for w, g in RU_GOLD.items()
    )
    assert pymorphy_right > simplemma_right  # why Russian uses pymorphy3
    tokens = prep("ru", stopwords=None, protect_entities=False)(" ".join(RU_GOLD))
    assert tokens == list(RU_GOLD.values())


# ----------------------------------------------------------------------------- entities


def test_simplemma_pitfalls_exist() -> None:
    """Preconditions: what goes wrong without protection (if these change, revisit)."""
    assert simplemma.lemmatize("Kim", lang="pl") == "kto"
    assert simplemma.lemmatize("Kursku", lang="pl") == "Kursko"


def test_polish_names_survive_lemmatisation() -> None:
    tokens = prep("pl", lexicon=LEXICON)(
        "Kim Dzong Un przyjął w Pjongjangu Szojgu. Spekulacje o spotkaniu Kim Dzong Una "
        "z Władimirem Putinem. Żołnierze walczyli w Kursku i w obwodzie kurskim."
    )
    assert tokens.count("kim_jong_un") == 2
    assert tokens.count("pyongyang") == 1
    assert tokens.count("putin") == 1
    assert tokens.count("kursk") == 2
    assert not {"kto", "una", "kursko", "kurski", "pjongjang"} & set(tokens)


def test_longest_variant_wins() -> None:
    tokens = prep("pl", lexicon=LEXICON)("rozmowa z Kim Dzong Unem")
    assert tokens == ["rozmowa", "kim_jong_un"]


def test_variant_needs_word_boundaries() -> None:
    tokens = prep("en", **{**RAW, "protect_entities": True}, lexicon=LEXICON)("Kurskian Kursk")
    assert tokens == ["kurskian", "kursk"]


def test_bare_polish_kim_is_kept_not_turned_into_kto() -> None:
    tokens = prep("pl", protect_entities=False)(
        "Spotkania Kima z Putinem. Kim i Szojgu rozmawiali. Nie wiadomo, z kim rozmawiał."
    )
    assert tokens.count("kim") == 2  # "Kima", "Kim"; the pronoun "z kim" is a stopword
    assert "kto" not in tokens


def test_korean_name_is_protected_before_particle_stripping() -> None:
    text = "김정은 위원장은 평양에서"
    unprotected = prep("ko", korean_analyzer="fallback", protect_entities=False)(text)
    protected = prep("ko", korean_analyzer="fallback", lexicon=LEXICON)(text)
    assert unprotected[0] == "김정"  # the particle stripper cannot tell the name apart
    assert protected == ["kim_jong_un", "위원장", "평양"]
    # Particles on a protected name stay with it; a longer Hangul word is another word.
    with_particle = prep("ko", korean_analyzer="fallback", lexicon=LEXICON)("김정은은 김정은씨")
    assert with_particle == ["kim_jong_un", "김정은씨"]


def test_russian_entities() -> None:
    tokens = prep("ru", lexicon=LEXICON)("Ким Чен Ын отправил солдат в район Курской области")
    assert tokens == ["kim_jong_un", "отправить", "солдат", "район", "kursk"]


@pytest.mark.parametrize("lexicon", [LEXICON, None], ids=["test-lexicon", "shipped-lexicon"])
def test_sample_article_entities(sample_article, lexicon: pd.DataFrame | None) -> None:
    text = sample_article.read_text(encoding="utf-8")
    tokens = Preprocessor(language="pl", lexicon=lexicon).fit_transform([text])[0]
    # Independent counts on the raw text: every "Kim Dzong Un(a)" and "Pjongjang(u)".
    assert tokens.count("kim_jong_un") == len(re.findall(r"Kim Dzong Una?\b", text))
    assert tokens.count("pyongyang") == len(re.findall(r"\bPjongjangu?\b", text))
    assert tokens.count("kim") == len(re.findall(r"\bKima?\b(?! Dzong)", text))
    assert not {"kto", "posłuchać", "posłuchaj", "dowiedzieć", "źródło", "się"} & set(tokens)


# ----------------------------------------------------------------------------- stopwords


def test_stopwords_iso_and_project_lists() -> None:
    text = "Posłuchaj artykułu Dowiedz się więcej oraz sankcje. Źródło: agencja"
    assert prep("pl", protect_entities=False)(text) == ["sankcja", "agencja"]
    assert "się" in prep("pl", protect_entities=False, stopwords=None)(text)
    project_only = prep("pl", protect_entities=False, stopwords="project")(text)
    assert "oraz" in project_only and "posłuchać" not in project_only


def test_stopwords_user_extendable() -> None:
    run = prep("en", protect_entities=False, extra_stopwords=["missile"], keep_words=["the"])
    assert run("The missile tests") == ["the", "test"]
    per_language = prep("en", protect_entities=False, extra_stopwords={"pl": ["missile"]})
    assert per_language("missile") == ["missile"]


def test_domain_words_are_not_stopwords() -> None:
    # stopwords-iso lists these; the project keep-lists restore them.
    assert prep("ru", protect_entities=False)("Россия и война") == ["россия", "война"]
    assert prep("en", protect_entities=False)("the missile test") == ["missile", "test"]


def test_min_token_length() -> None:
    assert prep("en", **{**RAW, "min_token_length": 4})("a big missile") == ["missile"]


# ----------------------------------------------------------------------------- Korean


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("북한은", "북한"),
        ("러시아와", "러시아"),
        ("평양에서", "평양"),
        ("평양으로", "평양"),
        ("군인들이", "군인"),
        ("방문했다", "방문"),
        ("국가", "국가"),  # ends like the particle 가, but one syllable would remain
        ("회의", "회의"),
        ("KCNA", "KCNA"),
    ],
)
def test_korean_fallback_stems(word: str, stem: str) -> None:
    assert strip_korean_particles(word) == stem


def test_korean_fallback_sentence() -> None:
    tokens = prep("ko", korean_analyzer="fallback", protect_entities=False)(
        "북한은 러시아와 회담을 했다. 군인들이 평양으로"
    )
    assert tokens == ["북한", "러시아", "회담", "했다", "군인", "평양"]


def test_kiwipiepy_requested_but_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulate an environment without kiwipiepy (the lock installs it).
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "kiwipiepy" else real(name, *a),
    )
    with pytest.raises(PreparationError, match="kiwipiepy is not installed"):
        Preprocessor(language="ko", korean_analyzer="kiwipiepy").fit()
    # "auto" falls back to the particle stripper: 갔다 (went) is not a particle form.
    auto = Preprocessor(language="ko", protect_entities=False).fit()
    assert auto.transform(["군인들이 갔다"]) == [["군인", "갔다"]]


# Hand-checked Korean lemmas: particles and endings go, irregular verbs get their
# dictionary form (갔다 -> 가다), and compound nouns stay whole (정상회담, not 정상).
KIWI_LEMMAS = [
    ("평양에서", "평양"),
    ("군인들이", "군인"),
    ("정상회담을", "정상회담"),
    ("국무위원장과", "국무위원장"),
    ("방문했다", "방문"),
    ("갔다", "가다"),
    ("만났다", "만나다"),
]


@pytest.mark.parametrize(("word", "lemma"), KIWI_LEMMAS)
def test_kiwipiepy_lemmas(word: str, lemma: str) -> None:
    pytest.importorskip("kiwipiepy", reason="kiwipiepy is in the lock; absent only outside it")
    tokens = prep("ko", korean_analyzer="kiwipiepy", protect_entities=False)(word)
    assert tokens == [lemma]


def test_kiwipiepy_is_the_default_when_installed() -> None:
    pytest.importorskip("kiwipiepy", reason="kiwipiepy is in the lock; absent only outside it")
    text = "북한은 러시아와 회담을 했다. 군인들이 평양으로 갔다"
    assert prep("ko", protect_entities=False)(text) == [
        *("북한", "러시아", "회담", "하다", "군인", "평양", "가다")
    ]
    # The fallback keeps the irregular verb forms as they are.
    assert prep("ko", korean_analyzer="fallback", protect_entities=False)(text)[-1] == "갔다"


def test_korean_demo_documents_are_prepared_and_modelled() -> None:
    pytest.importorskip("kiwipiepy", reason="kiwipiepy is in the lock; absent only outside it")
    from corpus_tools import fit_corpus, load_demo
    from corpus_tools.datasets import load_demo_topics

    demo = load_demo()
    config = {"preprocessor": {"korean_analyzer": "kiwipiepy"}, "vectorizer": {"min_df": 2}}
    fit = fit_corpus(demo, 3, method="nmf", language="ko", config=config)
    assert fit.data.X.shape[0] == int((demo["language"] == "ko").sum()) > 0
    terms = set(fit.data.feature_names)
    # Planted Korean topic words (SYNTHETIC demo) arrive as lemmas, without particles.
    planted = " ".join(load_demo_topics()["top_words_ko"]).split()
    assert {"선박을", "조약에", "정상회담을", "국무위원장과"} <= set(planted)
    assert {"선박", "조약", "정상회담", "국무위원장"} <= terms
    assert not {"선박을", "조약에", "정상회담을", "국무위원장과", "국무"} & terms
    assert {"kim_jong_un", "vladimir_putin"} <= terms  # protected names survive
    assert fit.model.components_.shape == (3, len(terms))


# ----------------------------------------------------------------------------- input forms


def test_corpus_dataframe_uses_language_column() -> None:
    corpus = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c"],
            "language": ["pl", "ru", "en"],
            "text": ["Żołnierzy wysłano.", "Войсками командовал", pd.NA],
        }
    ).astype("string")
    tokens = Preprocessor(protect_entities=False).fit_transform(corpus)
    assert tokens == [["żołnierz", "wysłać"], ["войско", "командовать"], []]


def test_unsupported_language_errors_or_skips_with_warning() -> None:
    corpus = pd.DataFrame({"doc_id": ["x1", "x2"], "language": ["de", "en"], "text": ["A", "B"]})
    with pytest.raises(PreparationError, match=r"document 'x1': language 'de'"):
        Preprocessor(protect_entities=False).transform(corpus)
    with pytest.warns(UserWarning, match=r"skipped 1 document.*1 × de"):
        out = Preprocessor(protect_entities=False, on_unsupported="skip").transform(corpus)
    assert out[0] == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Preprocessor(protect_entities=False).transform(["t"]), "needs a corpus DataFrame"),
        (
            lambda: Preprocessor(language="pl", protect_entities=False).transform("t"),
            "single string",
        ),
        (lambda: Preprocessor(language="xx").fit(), "language must be"),
        (lambda: Preprocessor(stopwords="all").fit(), "stopwords must be"),
        (lambda: Preprocessor(min_token_length=0).fit(), "min_token_length"),
        (lambda: Preprocessor(lexicon=pd.DataFrame({"actor_id": ["a"]})).fit(), "lacks column"),
        (lambda: Preprocessor(lexicon=[["a b", "pl", "X"]]).fit(), "must be letters"),
        (
            lambda: Preprocessor(lexicon=[["a", "pl", "X"], ["b", "pl", "X "]]).fit(),
            "belongs to both",
        ),
        (lambda: Vectorizer().fit(["a text"]), "expects token lists"),
        (lambda: Vectorizer(min_df=3, max_df=1).fit([["a"], ["a"], ["a"]]), "vocabulary"),
        (lambda: make_pipeline({"preprocessor": {"nope": 1}}), "invalid preparation config"),
        (lambda: prepare_config(nope=1), "unknown preparation parameter"),
    ],
)
def test_bad_input_gives_clear_errors(make, message: str) -> None:
    with pytest.raises(CorpusToolsError, match=message):
        make()


# ----------------------------------------------------------------------------- Vectorizer

TOY = [["a", "b"], ["a", "c"], ["a", "b", "d", "b"]]


def test_min_df_max_df_on_toy_corpus() -> None:
    vec = Vectorizer(min_df=2, max_df=0.9)
    matrix = vec.fit_transform(TOY)
    # "a" is in 3/3 documents (> 0.9), "c" and "d" in one: only "b" remains.
    assert vec.get_feature_names_out().tolist() == ["b"]
    assert matrix.format == "csr" and matrix.dtype == np.int64
    assert matrix.toarray().ravel().tolist() == [1, 0, 2]
    everything = Vectorizer(min_df=1, max_df=1.0).fit(TOY)
    assert everything.vocabulary_ == {"a": 0, "b": 1, "c": 2, "d": 3}


def test_max_features_keeps_most_frequent_in_sorted_order() -> None:
    vec = Vectorizer(min_df=1, max_df=1.0, max_features=2).fit(TOY)
    assert vec.get_feature_names_out().tolist() == ["a", "b"]  # 3 and 3 occurrences
    assert vec.transform([["d", "b", "zzz"]]).toarray().tolist() == [[0, 1]]


def test_phrases_match_gensim_npmi() -> None:
    from gensim.models.phrases import Phrases

    rng = np.random.default_rng(0)
    words = np.array(["north", "korea", "missile", "test", "kim", "putin", "army", "talks"])
    docs = [
        list(rng.choice(words, size=12, p=[0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]))
        for _ in range(60)
    ]
    for doc in docs[:30]:
        doc[3:5] = ["north", "korea"]
    peer = Phrases(docs, min_count=5, threshold=0.1, scoring="npmi", delimiter="_")
    expected = sorted(tuple(p.split("_")) for p in peer.export_phrases())
    vec = Vectorizer(min_df=1, max_df=1.0, phrases=True, phrase_threshold=0.1).fit(docs)
    assert ("north", "korea") in vec.phrases_
    assert vec.phrases_ == expected
    assert "north_korea" in vec.vocabulary_


def test_merge_phrases_left_to_right() -> None:
    vec = Vectorizer(min_df=1, max_df=1.0)
    vec.phrases_ = [("a", "b"), ("b", "c")]
    assert vec.merge_phrases([["a", "b", "c"], ["b", "c", "a"]]) == [["a_b", "c"], ["b_c", "a"]]


# ----------------------------------------------------------------------------- pipeline, config

DOCS = [
    "Kim Dzong Un przyjął Szojgu w Pjongjangu.",
    "Żołnierze z Korei walczą w obwodzie kurskim.",
    "Szojgu i Kim Dzong Un o żołnierzach w Kursku.",
    "Korea i Rosja podpisały traktat w Pjongjangu.",
]


def test_pipeline_clone_and_set_params() -> None:
    pipe = make_pipeline(
        {"preprocessor": {"language": "pl", "lexicon": LEXICON}, "vectorizer": {"min_df": 2}}
    )
    twin = clone(pipe)
    assert isinstance(twin, Pipeline) and twin is not pipe
    assert twin.get_params()["vectorize__min_df"] == 2
    matrix = pipe.fit_transform(DOCS)
    assert (twin.fit_transform(DOCS) != matrix).nnz == 0
    # "kim_jong_un", "kursk", "pyongyang", "szojgu", "korea", "żołnierz" are in ≥ 2 documents
    assert pipe[-1].get_feature_names_out().tolist() == sorted(
        ["kim_jong_un", "korea", "kursk", "pyongyang", "szojgu", "żołnierz"]
    )
    twin.set_params(vectorize__min_df=1)
    assert twin.fit_transform(DOCS).shape[1] > matrix.shape[1]


def test_config_round_trip_and_serialisable() -> None:
    cfg = prepare_config(language="pl", lexicon=LEXICON, min_df=1, extra_stopwords=["Traktat"])
    assert json.loads(json.dumps(cfg)) == cfg
    assert yaml.safe_load(yaml.safe_dump(cfg, allow_unicode=True)) == cfg
    assert cfg["preprocessor"]["extra_stopwords"] == ["traktat"]
    assert cfg["provenance"]["simplemma"] == simplemma.__version__
    assert len(cfg["provenance"]["lexicon_sha256"]) == 64
    pipe = make_pipeline(cfg)
    assert prepare_config(pipe) == cfg
    original = make_pipeline(
        {
            "preprocessor": {"language": "pl", "lexicon": LEXICON, "extra_stopwords": ["traktat"]},
            "vectorizer": {"min_df": 1},
        }
    )
    a, b = original.fit_transform(DOCS), pipe.fit_transform(DOCS)
    assert (a != b).nnz == 0
    assert original[-1].vocabulary_ == pipe[-1].vocabulary_


def test_config_warns_when_provenance_differs() -> None:
    cfg = prepare_config(language="en", protect_entities=False)
    cfg["provenance"]["simplemma"] = "0.0.1"
    with pytest.warns(UserWarning, match=r"simplemma 0\.0\.1 →"):
        make_pipeline(cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_pipeline(prepare_config(language="en", protect_entities=False))


def test_prepare_config_does_not_change_the_given_pipeline() -> None:
    pipe = make_pipeline({"preprocessor": {"language": "en", "protect_entities": False}})
    prepare_config(pipe, min_df=7)
    assert pipe.get_params()["vectorize__min_df"] == 2


def test_matrix_does_not_depend_on_document_order() -> None:
    # Fitted on the documents in reverse order, a fresh pipeline learns the same terms in
    # the same columns, and each document gets the same row.
    cfg = {"preprocessor": {"language": "pl", "lexicon": LEXICON}, "vectorizer": {"min_df": 1}}
    first, second = make_pipeline(cfg), make_pipeline(cfg)
    a, b = first.fit_transform(DOCS), second.fit_transform(DOCS[::-1])
    terms = first[-1].get_feature_names_out().tolist()
    assert second[-1].get_feature_names_out().tolist() == terms
    assert "kim_jong_un" in terms and a.shape == (4, len(terms))
    assert (a != b[::-1]).nnz == 0
    assert (a != b).nnz > 0  # the documents differ, so the order really was reversed


def test_overlapping_variants_take_the_longest_whole_word_match() -> None:
    lexicon = [["a", "en", "Kim"], ["b", "en", "Kim Dzong"], ["c", "en", "Kim Dzong Un"]]
    lexicon += [["d", "en", "Kima"]]
    tokens = prep("en", **{**RAW, "protect_entities": True}, lexicon=lexicon)(
        "Kim Dzong Unx, Kim  Dzong; Kima Kim Kimber"
    )
    assert tokens == ["b", "unx", "b", "d", "a", "kimber"]


def test_lemmas_are_cached_per_word_type(monkeypatch: pytest.MonkeyPatch) -> None:
    pre = Preprocessor(language="en", protect_entities=False).fit()
    analyzer = pre.analyzers_["en"]
    calls: list[str] = []
    lemma = analyzer.lemma
    monkeypatch.setattr(analyzer, "lemma", lambda w: calls.append(w) or lemma(w))
    out = pre.transform(["Missiles missiles MISSILES", "missiles tested"])
    assert out == [["missile"] * 3, ["missile", "test"]]
    assert sorted(calls) == ["missiles", "tested"]  # once per type, not per token


_HYPOTHESIS_PREP = Preprocessor(language="en", lexicon=LEXICON)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["the", "Kim", "Jong", "Un", "missile", "a", "tests", "of", "x"])))
def test_output_tokens_are_never_stopwords_or_short(words: list[str]) -> None:
    pre = _HYPOTHESIS_PREP
    tokens = pre.transform([" ".join(words)])[0]
    stop = pre.analyzers_["en"].stopwords
    assert all(t == "kim_jong_un" or (len(t) >= 2 and t not in stop) for t in tokens)
    assert tokens.count("kim_jong_un") == " ".join(words).count("Kim Jong Un")
