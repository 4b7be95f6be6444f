"""Tests for corpus_tools.actors: lexicon, mention counts, corpus filters.

Expected counts are counted by hand in the sentences below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from corpus_tools.actors import (
    KOREAN_PARTICLES,
    LexiconError,
    actor_groups,
    compile_variants,
    count_mentions,
    filter_corpus,
    load_lexicon,
    tag_actors,
)
from corpus_tools.errors import CorpusToolsError

PL = (
    "Władimir Putin przyjął Kim Dzong Una na Kremlu. Putinowi towarzyszył Siergiej Ławrow, "
    "a Kim Dzong Unem opiekował się Szojgu. Rozmawiano o Korei Północnej, Rosji i obwodzie "
    "kurskim."
)
EN = (
    "Kim Jong Un hosted Vladimir Putin in Pyongyang; Putin's visit worried the U.S. and "
    "South Korea, while North Korean troops fought in the Kursk region."
)
RU = (
    "Владимир Путин прибыл в Пхеньян, где Ким Чен Ын встретил Путина. КНДР и Россия "
    "подписали договор; ЦТАК сообщило о боях в Курской области."
)
KO = (
    "김정은은 평양에서 푸틴 대통령을 만났다고 조선중앙통신이 보도했다. "
    "러시아와 북한은 조선업 협력도 논의했다."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            PL,
            {
                "vladimir_putin": 2,  # Władimir Putin, Putinowi
                "kim_jong_un": 2,  # Kim Dzong Una, Kim Dzong Unem
                "sergei_lavrov": 1,
                "sergei_shoigu": 1,
                "north_korea": 1,
                "russia": 1,
                "kursk": 1,  # obwodzie kurskim
                "kremlin": 1,  # na Kremlu
            },
        ),
        (
            EN,
            {
                "kim_jong_un": 1,
                "vladimir_putin": 2,  # Vladimir Putin, Putin's
                "pyongyang": 1,
                "united_states": 1,
                "south_korea": 1,
                "kursk": 1,  # "Kursk region" is one mention
                "north_korea": 1,  # the adjective "North Korean" names the country's troops
            },
        ),
        (
            RU,
            {
                "vladimir_putin": 2,
                "pyongyang": 1,
                "kim_jong_un": 1,
                "north_korea": 1,
                "russia": 1,
                "kcna": 1,
                "kursk": 1,
            },
        ),
        (
            KO,
            {
                "kim_jong_un": 1,  # 김정은은: particle attached
                "pyongyang": 1,
                "vladimir_putin": 1,
                "kcna": 1,  # 조선중앙통신 wins over 조선
                "russia": 1,
                "north_korea": 1,  # 북한은; 조선업 (shipbuilding) is another word
            },
        ),
    ],
    ids=["pl", "en", "ru", "ko"],
)
def test_counts_in_each_language(text: str, expected: dict[str, int]) -> None:
    assert dict(count_mentions(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Spekulacje o spotkaniu Kima z Kimem.",  # bare surname forms are not listed
        "Z kim rozmawiał prezydent?",  # Polish pronoun
        "Putinizm, Rosyjskość i Moskwianie.",  # longer words that start like a variant
        "Nie wiadomo, kto był w USAF.",  # US/USA inside a longer token
        "북한산 한국어",  # Hangul followed by a non-particle (Bukhansan, a mountain in Seoul)
        "kim jong un, putin, pyongyang",  # matching is case-sensitive
    ],
)
def test_non_mentions(text: str) -> None:
    assert count_mentions(text) == {}


def test_real_article_counts(sample_article: Path) -> None:
    counts = count_mentions(sample_article.read_text(encoding="utf-8"))
    # By hand: "Kim Dzong Un" x3 + "Kim Dzong Una" x1 ("Kima" x2 and "Kim i" not counted);
    # "Siergiejem Szojgu" x3 + "Szojgu" x2; "Pjongjangu" x3 + "Pjongjang" x2.
    assert counts["kim_jong_un"] == 4
    assert counts["sergei_shoigu"] == 5
    assert counts["pyongyang"] == 5
    assert counts["kursk"] == 2  # obwodu kurskiego, obwodzie kurskim


# ---- the shared variant matcher -----------------------------------------------------------
def test_compile_variants_longest_whole_words() -> None:
    pattern = compile_variants(["Putin", "Putina", "Kim Dzong Un", "Kim Dzong Una"])
    text = "Putina, Putinowi, Putin; Kim Dzong Una i Kim Dzong Unem. XPutin"
    # By hand: "Putinowi", "Kim Dzong Unem" and "XPutin" are other words.
    assert pattern.findall(text) == ["Putina", "Putin", "Kim Dzong Una"]
    assert pattern.findall("Kim  Dzong Un, Kim\nDzong Un") == []  # one space only
    spaced = compile_variants(["Kim Dzong Un"], any_space=True)
    assert spaced.findall("Kim  Dzong Un, Kim\nDzong\tUn") == ["Kim  Dzong Un", "Kim\nDzong\tUn"]
    assert compile_variants([]).findall("Putin") == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("김정은은", True),  # topic particle
        ("평양에서는", True),  # two particles
        ("김정은이었다", True),  # copula ending (in text.py's list before it was shared)
        ("러시아한테", True),
        ("김정은씨", False),  # 씨 is a title, not a particle: another word
        ("조선업", False),  # shipbuilding
        ("김정은은은은", False),  # at most two particles
    ],
)
def test_compile_variants_korean_particles(text: str, found: bool) -> None:
    pattern = compile_variants(["김정은", "평양", "러시아", "조선"])
    assert bool(pattern.search(text)) is found


def test_korean_particle_list_is_shared_with_text() -> None:
    from corpus_tools import text

    assert set(KOREAN_PARTICLES) <= set(text._KO_SUFFIXES)
    assert all(len(p) <= 3 and "\uac00" <= p[0] <= "\ud7a3" for p in KOREAN_PARTICLES)


# ---- lexicon ------------------------------------------------------------------------------
def test_lexicon_shape_and_order() -> None:
    lex = load_lexicon()
    assert list(lex.columns) == ["actor_id", "label", "kind", "language", "variant"]
    lengths = lex["variant"].str.len().tolist()
    assert lengths == sorted(lengths, reverse=True)
    assert set(lex["language"]) == {"pl", "en", "ru", "ko"}
    assert (lex.groupby("actor_id")["language"].nunique() == 4).all()
    assert lex.drop_duplicates(["actor_id", "variant"])["variant"].is_unique
    assert lex["actor_id"].str.fullmatch(r"[a-z][a-z0-9_]*").all()
    assert set(lex["kind"]) == {"person", "place", "country", "organisation", "event"}


@pytest.mark.parametrize(
    ("actor", "forms"),
    [
        ("kim_jong_un", ["Kim Dzong Un", "Kim Dzong Una", "Kim Dzong Unem", "Kim Dzong Unowi"]),
        ("kim_jong_un", ["Ким Чен Ын", "Ким Чен Ына", "Ким Чен Ыном", "김정은"]),
        ("vladimir_putin", ["Władimir Putin", "Putina", "Putinem", "Putinowi", "Putinie"]),
        ("vladimir_putin", ["Путин", "Путина", "Путину", "Путиным", "Путине", "푸틴"]),
        ("sergei_shoigu", ["Siergiej Szojgu", "Szojgu", "Шойгу", "쇼이구"]),
        ("pyongyang", ["Pjongjang", "Pjongjangu", "Pjongjangiem", "Пхеньян", "Пхеньяне", "평양"]),
        ("vladivostok", ["Władywostok", "Władywostoku", "Владивосток", "블라디보스토크"]),
        ("kursk", ["Kursk", "Kursku", "Kurska", "obwód kurski", "obwodzie kurskim"]),
        ("kursk", ["obwodu kurskiego", "Курск", "Курская область", "Курской области", "쿠르스크"]),
        ("vostochny_cosmodrome", ["Wostocznyj", "космодром Восточный"]),
        ("north_korea", ["Korea Północna", "Korei Północnej", "Koreę Północną", "KRLD", "DPRK"]),
        ("north_korea", ["КНДР", "Северная Корея", "Северной Кореи", "북한", "조선"]),
        ("russia", ["Rosja", "Rosji", "Rosję", "Rosją", "Россия", "России", "Россию", "러시아"]),
        ("kcna", ["KCNA", "ЦТАК", "조선중앙통신"]),
    ],
)
def test_lexicon_has_the_inflected_forms(actor: str, forms: list[str]) -> None:
    lex = load_lexicon()
    assert set(forms) <= set(lex.loc[lex["actor_id"] == actor, "variant"])


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "lexicon.yaml"
    path.write_text(f"version: 1\nactors:\n{body}", encoding="utf-8")
    return path


def test_user_lexicon_can_add_bare_surnames(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "  - id: kim_jong_un\n    label: Kim Jong Un\n    kind: person\n"
        "    variants: {pl: [Kim Dzong Un, Kima, Kim]}\n",
    )
    lex = load_lexicon(path)
    assert lex["variant"].tolist() == ["Kim Dzong Un", "Kima", "Kim"]
    assert count_mentions("Kim Dzong Un i Kim. Spotkanie Kima.", lex) == {"kim_jong_un": 3}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  - {id: a, label: A, kind: person, variants: {pl: [X]}}\n"
         "  - {id: b, label: B, kind: place, variants: {en: [X]}}\n", "listed under 'a' and 'b'"),
        ("  - {id: a, label: A, kind: planet, variants: {pl: [X]}}\n", "kind 'planet'"),
        ("  - {id: Bad-Id, label: A, kind: person, variants: {pl: [X]}}\n", "snake_case"),
        ("  - {id: a, label: A, kind: person, variants: {de: [X]}}\n", "unknown language 'de'"),
        ("  - {id: a, label: A, kind: person, variants: {pl: [X]}, note: n}\n", "unknown key"),
        ("  - {id: a, label: A, kind: person, variants: {pl: ['  ']}}\n", "empty variant"),
        ("  - {id: a, label: A}\n", "needs id, label, kind, variants"),
    ],
)  # fmt: skip
def test_invalid_lexicon_names_the_file(tmp_path: Path, body: str, message: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(LexiconError, match=message) as info:
        load_lexicon(path)
    assert str(path) in str(info.value)


def test_missing_lexicon_file(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="cannot read"):
        load_lexicon(tmp_path / "nope.yaml")


# ---- tag_actors / filter_corpus -----------------------------------------------------------
def _corpus() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": ["pl1", "en1", "ru1", "pl2", "en2"],
            "date": pd.to_datetime(["2024-06-19", "2024-06-20", None, "2024-09-01", "2024-06-20"]),
            "outlet": ["Gazeta", "Wire", "ТАСС", "Gazeta", "Portal"],
            "language": ["pl", "en", "ru", "pl", "en"],
            "title": ["Putin w Pjongjangu", None, "Путин и Ким Чен Ын", None, "Putin visits"],
            "text": [PL, EN, RU, "Tekst o Ukrainie.", EN],
            "caption": [None, "Putin. Source: Reuters", None, None, None],
            "duplicate_of": pd.array([None, None, None, None, "en1"], dtype="string"),
        },
        index=[5, 6, 7, 8, 9],
    )


def test_tag_actors_counts_title_text_and_caption() -> None:
    tagged = tag_actors(_corpus())
    assert tagged.index.tolist() == [5, 6, 7, 8, 9]
    lex = load_lexicon()
    expected_columns = {f"actor_{a}" for a in lex["actor_id"]}
    assert expected_columns <= set(tagged.columns)
    assert all(tagged[c].dtype == "int64" for c in expected_columns)
    # pl1: 2 in text + 1 in title; en1: 2 in text + 1 in caption; ru1: 2 in text + 1 in title
    assert tagged["actor_vladimir_putin"].tolist() == [3, 3, 3, 0, 3]
    assert tagged["actor_pyongyang"].tolist() == [1, 1, 1, 0, 1]
    assert tagged["actor_ukraine"].tolist() == [0, 0, 0, 1, 0]
    assert tagged["actor_kim_jong_un"].tolist() == [2, 1, 2, 0, 1]


def test_tag_actors_replaces_old_columns_and_needs_text() -> None:
    corpus = _corpus().assign(actor_russia=99)
    assert tag_actors(corpus)["actor_russia"].tolist() == [1, 0, 1, 0, 0]
    with pytest.raises(CorpusToolsError, match="at least one of the columns"):
        tag_actors(pd.DataFrame({"body": ["Putin"]}))


def test_filter_corpus_by_actors() -> None:
    corpus = _corpus()
    assert filter_corpus(corpus, all_of=["vladimir_putin", "sergei_lavrov"])["doc_id"].tolist() == [
        "pl1"
    ]
    got = filter_corpus(corpus, any_of=["ukraine", "kcna"])["doc_id"].tolist()
    assert got == ["ru1", "pl2"]
    got = filter_corpus(corpus, all_of=["kim_jong_un"], any_of=["united_states", "kcna"])
    assert got["doc_id"].tolist() == ["en1", "ru1", "en2"]


def test_filter_corpus_by_metadata() -> None:
    corpus = tag_actors(_corpus())
    assert filter_corpus(corpus, start="2024-06-20", end="2024-06-20")["doc_id"].tolist() == [
        "en1",
        "en2",
    ]
    assert filter_corpus(corpus, start="2024-07-01")["doc_id"].tolist() == ["pl2"]  # NaT out
    assert filter_corpus(corpus, languages=["ru"])["doc_id"].tolist() == ["ru1"]
    assert filter_corpus(corpus, outlets=["Gazeta"])["doc_id"].tolist() == ["pl1", "pl2"]
    no_dups = filter_corpus(corpus, include_duplicates=False)
    assert no_dups["doc_id"].tolist() == ["pl1", "en1", "ru1", "pl2"]
    assert len(filter_corpus(corpus)) == 5


def test_filter_corpus_unknown_actor() -> None:
    with pytest.raises(CorpusToolsError, match="unknown actor id"):
        filter_corpus(_corpus(), any_of=["kim_jong_chol"])


# ---- groups, language codes, date bounds, provenance ----------------------------------------
def test_groups_are_usable_as_actor_ids() -> None:
    corpus = pd.DataFrame(
        {
            "text": [
                "The Kremlin welcomed the North Korean delegation.",  # both sides, no country
                "Szojgu w Pjongjangu.",  # both sides, officials and a city
                "Putin spoke in Moscow.",  # Russia's side only
                "Kim Yo Jong issued a statement.",  # North Korea's side only
            ]
        }
    )
    both = filter_corpus(corpus, all_of=["russia_side", "north_korea_side"])
    assert both.index.tolist() == [0, 1]
    assert filter_corpus(corpus, any_of=["north_korea_side"]).index.tolist() == [0, 1, 3]
    assert filter_corpus(corpus, all_of=["russia"]).index.tolist() == []  # countries only
    groups = actor_groups()
    assert {"kremlin", "sergei_shoigu", "dmitry_peskov"} <= set(groups["russia_side"])
    assert set(groups) & set(load_lexicon()["actor_id"]) == set()


def test_user_lexicon_groups_are_checked(tmp_path: Path) -> None:
    actor = "  - {id: a, label: A, kind: person, variants: {pl: [X]}}\n"
    path = _write(tmp_path, actor + "groups:\n  - {id: g, label: G, members: [a]}\n")
    assert actor_groups(load_lexicon(path)) == {"g": ("a",)}
    path = _write(tmp_path, actor + "groups:\n  - {id: g, label: G, members: [a, b]}\n")
    with pytest.raises(
        LexiconError, match=r"group 'g' needs a list of actor ids; unknown: \['b'\]"
    ):
        load_lexicon(path)
    path = _write(tmp_path, actor + "groups:\n  - {id: a, label: G, members: [a]}\n")
    with pytest.raises(LexiconError, match="group id 'a' is already an actor or group id"):
        load_lexicon(path)


def test_filter_corpus_normalises_language_codes() -> None:
    corpus = _corpus().assign(language=["pl-PL", "en-US", "ru", "pl", "English"])
    assert filter_corpus(corpus, languages=["en-US"])["doc_id"].tolist() == ["en1", "en2"]
    assert filter_corpus(corpus, languages=["pl"])["doc_id"].tolist() == ["pl1", "pl2"]
    with pytest.raises(
        CorpusToolsError, match=r"no document in language\(s\) \['ko'\]; the corpus has en, pl, ru"
    ):
        filter_corpus(corpus, languages=["ko"])
    with pytest.raises(CorpusToolsError, match=r"languages \['polski'\] are not language codes"):
        filter_corpus(corpus, languages=["polski"])


def test_filter_corpus_date_bounds() -> None:
    corpus = _corpus()
    with pytest.raises(CorpusToolsError, match="start 2024-09-01 is after end 2024-06-01; swap"):
        filter_corpus(corpus, start="2024-09-01", end="2024-06-01")
    with pytest.raises(CorpusToolsError, match="end='June' is not a date"):
        filter_corpus(corpus, end="June")
    # A month-precision date stands for its whole month; an end day includes that day.
    corpus = corpus.assign(
        date=pd.to_datetime(
            ["2024-06-01", "2024-06-20 15:00", None, "2024-09-01", "2024-05-31"], format="ISO8601"
        ),
        date_precision=["month", "day", None, "day", "day"],
    )
    got = filter_corpus(corpus, start="2024-06-15", end="2024-06-20")["doc_id"].tolist()
    assert got == ["pl1", "en1"]


def test_filters_keep_attrs_and_record_themselves(tmp_path: Path) -> None:
    from corpus_tools.io import manifest_path, read_corpus, save_corpus
    from corpus_tools.schema import coerce_corpus

    corpus = coerce_corpus(
        _corpus().assign(source="s", date_precision=["day", "day", None, "day", "day"])
    )
    corpus.attrs["corpus_tools"] = {"version": "0", "config": {"roots": ["in"]}}
    subset = filter_corpus(tag_actors(corpus), all_of=["russia_side"], languages=["pl-PL"])
    assert subset["doc_id"].tolist() == ["pl1"]
    steps = subset.attrs["corpus_tools"]["config"]["steps"]
    assert [s["function"] for s in steps] == ["tag_actors", "filter_corpus"]
    assert steps[1]["all_of"] == ["russia_side"] and steps[1]["languages"] == ["pl"]
    assert (steps[1]["n_rows_in"], steps[1]["n_rows_out"]) == (5, 1)
    assert corpus.attrs["corpus_tools"]["config"] == {"roots": ["in"]}  # parent untouched
    save_corpus(subset, tmp_path / "s.parquet")
    manifest = json.loads(manifest_path(tmp_path / "s.parquet").read_text(encoding="utf-8"))
    assert manifest["config"]["roots"] == ["in"]
    assert manifest["config"]["steps"][1]["function"] == "filter_corpus"
    # Read back, the subset is its own saved corpus; filtering it again records where the
    # rows came from instead of passing the whole corpus's manifest hash on.
    saved = read_corpus(tmp_path / "s.parquet")
    own_hash = saved.attrs["corpus_tools"]["manifest_sha256"]
    assert tag_actors(saved).attrs["corpus_tools"]["manifest_sha256"] == own_hash
    again = filter_corpus(saved, all_of=["ukraine"])  # drops the one row
    assert "manifest_sha256" not in again.attrs["corpus_tools"]
    assert again.attrs["corpus_tools"]["config"]["steps"][-1]["from_manifest_sha256"] == own_hash
