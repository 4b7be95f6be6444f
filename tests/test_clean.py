"""Tests for corpus_tools.clean: normalisation, boilerplate profiles, language id, dedupe."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_tools import clean, dedupe, langid
from corpus_tools.clean import ProfileError, content_hash, load_profile, normalize_text
from corpus_tools.dedupe import mark_duplicates, minhash_signatures
from corpus_tools.errors import CorpusToolsError
from corpus_tools.htmltext import extract_html
from corpus_tools.langid import identify_languages


# ---- normalize_text / content_hash --------------------------------------------------------
def test_normalize_text_hand_cases() -> None:
    decomposed = "Pjongjang e\u0301"  # e + combining acute
    assert normalize_text(decomposed) == "Pjongjang \u00e9"
    assert normalize_text("a\r\nb\rc") == "a\nb\nc"
    assert normalize_text("a  \t\nb\u00a0") == "a\nb"
    assert normalize_text("\n\n  \na\n\n\n\n\nb\n\n") == "a\n\nb"
    assert normalize_text("a\n\nb") == "a\n\nb"
    assert normalize_text("  indented") == "  indented"


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_normalize_text_is_idempotent_and_tidy(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert "\r" not in once
    assert "\n\n\n" not in once
    assert unicodedata.is_normalized("NFC", once)


def _normalize_reference(text: str) -> str:
    """normalize_text as documented, written with the obvious regular expressions."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[ \t\f\v\u00a0\u2000-\u200b\u3000]+$", "", text, flags=re.MULTILINE)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_normalize_text_equals_its_definition(text: str) -> None:
    assert normalize_text(text) == _normalize_reference(text)


def test_content_hash_ignores_case_and_spacing_only() -> None:
    expected = hashlib.sha256(b"kim met putin.").hexdigest()
    assert content_hash("Kim  met\r\n PUTIN.") == expected
    assert content_hash("kim met putin.") == expected
    assert content_hash("kim met putin!") != expected
    assert content_hash("Pjongjang e\u0301") == content_hash("PJONGJANG \u00c9")


# ---- boilerplate profiles -----------------------------------------------------------------
def _body(sample_article: Path) -> str:
    # The first line is the header (date, caption, credit) that io.py parses separately.
    return sample_article.read_text(encoding="utf-8").split("\n", 1)[1]


def test_pl_portal_on_real_article(sample_article: Path) -> None:
    text, removed = load_profile("pl_portal").clean(_body(sample_article))
    # Counted by reading `cat -A` of the file: one audio-player line, one "Kluczowe fakty:"
    # label, one "Dowiedz się więcej: <headline>" link, one photo caption with a credit.
    assert removed == {
        "audio_player": 1,
        "key_facts_label": 1,
        "related_link": 1,
        "photo_caption": 1,
    }
    paragraphs = text.split("\n\n")
    assert len(paragraphs) == 9  # 13 lines - header - 3 removed lines
    assert paragraphs[0].startswith("Przywódca Korei Północnej spotkał się w Pjongjangu")
    assert "Rozmowy na linii Rosja-Korea Północna" in paragraphs  # subheads are content
    assert "Pomoc dla Rosji. Co w zamian?" in paragraphs
    for gone in ("Posłuchaj", "Kluczowe fakty", "Dowiedz się więcej", "Źródło:"):
        assert gone not in text


# (line, rule id that must remove it or None when the line must be kept)
RULE_CASES = [
    ("Posłuchaj artykułu Dowiedz się więcej", "audio_player"),
    ("Posłuchaj artykułu", "audio_player"),
    ("Posłuchaj artykułu, który napisał ambasador.", None),
    ("Dowiedz się więcej: Kilkanaście balonów wokół niszczyciela", "related_link"),
    ("Zobacz także: Kim Dzong Un w Rosji", "see_also"),
    ("Czytaj też: Szojgu w Pjongjangu", "see_also"),
    ("Przeczytaj również: Putin i Kim", "see_also"),
    ("Zobacz, jak wyglądała parada w Pjongjangu.", None),
    ("Pjongjang. Kim Dzong Un podczas spotkania Źródło: PAP/EPA/KCNA", "photo_caption"),
    ("Źródło: Reuters", "photo_caption"),
    ("Kim Dzong Un i Władimir Putin Źródło: Getty Images", "photo_caption"),
    # A long body paragraph that happens to end with a source is text, not a caption.
    ("Kim Dzong Un zapowiedział dalszą współpracę z Rosją. " * 6 + "Źródło: PAP", None),
    # A sentence after "Źródło:" is prose, not a credit.
    ("Źródło: Rosjanie twierdzą, że rozmowy trwały. Nie podano szczegółów.", None),
    ("Reklama", "advertisement"),
    ("REKLAMA", "advertisement"),
    ("Koniec reklamy", "advertisement"),
    ("Reklama pocisków w telewizji KRLD wzbudziła zdziwienie.", None),
    ("Udostępnij", "share_prompt"),
    ("Komentarze (12)", "share_prompt"),
    ("Skomentuj", "share_prompt"),
    ("Read more: Kim Jong Un visits Russia", "en_read_more"),
    ("See also: Putin in Pyongyang", "en_read_more"),
    ("Read more about the treaty in our archive, which covers every summit since 2000.", None),
    ("Advertisement", "en_advertisement"),
    ("ADVERTISEMENT", "en_advertisement"),
    ("Share this article", "en_share_prompt"),
    ("Listen to this article", "en_share_prompt"),
    (
        "Photo: Kim Jong Un and Vladimir Putin shake hands Source: AFP via Getty Images",
        "en_photo_caption",
    ),
    ("A freight train at Khasan station Source: Reuters", "en_photo_caption"),
    ("Kim Jong Un inspects a missile launch. Photo: KCNA via Reuters", "en_photo_caption"),
    ("Source: ONS, Land Registry", "en_photo_caption"),
    ("The talks lasted three hours, officials said. " * 6 + "Source: Reuters", None),
    ("Source: officials say the talks lasted. No details were given.", None),
    ("The source: a defector who left Pyongyang in 2019.", None),  # lower-case label
    ("Читайте также: Путин прибыл в Пхеньян", "ru_read_more"),
    ("Читайте также", "ru_read_more"),
    ("Реклама", "ru_advertisement"),
    ("Реклама в метро рассказывает о КНДР.", None),
    ("Слушать статью", "ru_audio_player"),
    ("Прослушать статью", "ru_audio_player"),
    ("Слушать статью о саммите можно на нашем сайте.", None),
    ("Фото: Заседание Совета Безопасности ООН в Нью-Йорке Источник: ТАСС", "ru_photo_caption"),
    ("Лидеры двух стран за столом переговоров Источник: Kremlin.ru", "ru_photo_caption"),
    ("Ким Чен Ын и Владимир Путин. Фото: РИА Новости", "ru_photo_caption"),
    ("Переговоры продолжались три часа, сообщили в Кремле. " * 5 + "Источник: ТАСС", None),
    ("Источник: по словам дипломатов, встреча прошла. Подробностей нет.", None),
    ("Rozmowy na linii Rosja-Korea Północna", None),
    ("Pomoc dla Rosji. Co w zamian?", None),
]


@pytest.mark.parametrize(("line", "rule_id"), RULE_CASES)
def test_each_rule(line: str, rule_id: str | None) -> None:
    text, removed = load_profile("pl_portal").clean(f"Akapit.\n\n{line}\n\nKoniec.")
    if rule_id is None:
        assert removed == {}
        assert text == f"Akapit.\n\n{line}\n\nKoniec."
    else:
        assert removed == {rule_id: 1}
        assert text == "Akapit.\n\nKoniec."


# (line, the sentence that must stay, rule id) for the labels that are stripped
STRIP_CASES = [
    ("Kluczowe fakty: Kim spotkał Szojgu.", "Kim spotkał Szojgu.", "key_facts_label"),
    ("Key facts: Kim met Shoigu.", "Kim met Shoigu.", "en_key_facts_label"),
    ("Главное: Ким встретился с Шойгу.", "Ким встретился с Шойгу.", "ru_key_facts_label"),
]


def test_every_shipped_rule_has_a_case() -> None:
    shipped = {rule.id for rule in load_profile("pl_portal").rules}
    tested = {rule_id for _, rule_id in RULE_CASES if rule_id} | {c[2] for c in STRIP_CASES}
    assert shipped == tested


@pytest.mark.parametrize(("line", "sentence", "rule_id"), STRIP_CASES)
def test_strip_prefix_keeps_the_sentence(line: str, sentence: str, rule_id: str) -> None:
    text, removed = load_profile("pl_portal").clean(line)
    assert (text, removed) == (sentence, {rule_id: 1})
    label = line.removesuffix(sentence).strip()
    text, removed = load_profile("pl_portal").clean(f"{label}\n\nTreść.")
    assert (text, removed) == ("Treść.", {rule_id: 1})


@pytest.mark.parametrize("language", ["pl", "en", "ru"])
def test_pl_portal_removes_every_demo_boilerplate_shape(language: str) -> None:
    """Every boilerplate line the demo generator plants (its phrase books) is cleaned."""
    from corpus_tools.demo.generate import load_phrasebook

    book = load_phrasebook(language, dt.date(2019, 1, 1))
    bp = book.boilerplate
    captions = sorted({c for topic in book.topics.values() for c in topic.captions})
    planted = [bp["listen"]]
    planted += [bp["read_more"].format(headline=h) for h in book.headlines]
    planted += [bp["photo"].format(caption=c, credit=k) for c in captions for k in book.credits]
    body = "Akapit pierwszy.\n\n" + "\n\n".join(planted) + "\n\nOstatni akapit."
    text, removed = load_profile("pl_portal").clean(body)
    assert text == "Akapit pierwszy.\n\nOstatni akapit."
    assert sum(removed.values()) == len(planted)
    summary = "Kim met Putin."
    text, removed = load_profile("pl_portal").clean(bp["key_facts"].format(sentence=summary))
    assert text == summary and sum(removed.values()) == 1
    # Subheadings and bare captions are editorial text, not boilerplate.
    subheadings = sorted({s for topic in book.topics.values() for s in topic.subheadings})
    content = "\n\n".join(subheadings + captions)
    assert load_profile("pl_portal").clean(content) == (content, {})


def test_no_profile_keeps_everything() -> None:
    profile = load_profile(None)
    assert profile.rules == ()
    assert profile.clean("Reklama\r\n\r\nTekst ") == ("Reklama\n\nTekst", {})


def _clean_reference(profile: clean.BoilerplateProfile, text: str) -> tuple[str, Counter[str]]:
    """BoilerplateProfile.clean as documented: per line, the first matching rule wins."""
    removed: Counter[str] = Counter()
    kept = []
    for line in _normalize_reference(text).split("\n"):
        match = next(((r, m) for r in profile.rules if (m := r.match(line))), None)
        if match is None:
            kept.append(line)
            continue
        removed[match[0].id] += 1
        if (rest := match[0].kept(match[1])) is not None:
            kept.append(rest)
    return _normalize_reference("\n".join(kept)), removed


# A profile whose rules overlap (order decides), with max_chars bands, a rule that ignores
# case and regular expressions with their own groups (never combined into one pattern).
OVERLAPPING = clean.BoilerplateProfile(
    name="overlapping",
    rules=(
        clean.BoilerplateRule("short_any", "regex", r"Foto: .*", max_chars=12),
        clean.BoilerplateRule("label", "strip_prefix", "Foto:"),
        clean.BoilerplateRule("repeat", "regex", r"(\w+) \1", max_chars=30),
        clean.BoilerplateRule("named", "regex", r"(?P<word>ad) (?P=word)!", ignore_case=True),
        clean.BoilerplateRule("ad", "line", "AD", ignore_case=True),
        clean.BoilerplateRule("more", "prefix", "More:", max_chars=20),
    ),
)
PROFILE_LINES = [
    "Foto: a", "Foto: a longer caption here", "Foto:\u2028x\u200b\u2028", "foto: x",
    "bye bye", "bye bye " + "x" * 30, "Ad ad!", "ad", "AD", "More: x", "More: " + "y" * 20,
    "Posłuchaj artykułu", "Kluczowe fakty: Kim przyjechał.", "Źródło: PAP", "REKLAMA",
    "Photo: Kim Source: AP", "Главное: x", "  ", "", "\u3000", "Treść artykułu.",
    "A" * 260 + " Źródło: PAP", "Kluczowe fakty:\u00a0 x \u200b",
]  # fmt: skip
# A rule that also matches the empty line: blank lines are then removed (and counted).
BLANK_REMOVING = clean.BoilerplateProfile(
    name="blank_removing", rules=(clean.BoilerplateRule("dashes", "regex", r"-*"),)
)


@given(st.lists(st.sampled_from(PROFILE_LINES), max_size=12), st.sampled_from(["\n", "\r\n"]))
def test_clean_equals_its_definition(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    for profile in (OVERLAPPING, load_profile("pl_portal"), load_profile("generic")):
        assert profile.clean(text) == _clean_reference(profile, text)


def test_a_rule_matching_the_empty_line_removes_blank_lines() -> None:
    assert BLANK_REMOVING.clean("a\n\n---\nb") == ("a\nb", {"dashes": 2})


def test_rules_with_their_own_groups_are_checked_alone() -> None:
    screened = {rule.id for rule in OVERLAPPING.rules if rule.screen_source() is not None}
    assert screened == {"short_any", "label", "ad", "more"}
    text, removed = OVERLAPPING.clean("bye bye\n\nAd AD!\n\nTreść.")
    assert (text, removed) == ("Treść.", {"repeat": 1, "named": 1})


def test_user_profile_extends_and_excludes(tmp_path: Path) -> None:
    user = tmp_path / "mine.yaml"
    user.write_text(
        "name: mine\nextends: pl_portal\nexclude: [photo_caption]\n"
        "rules:\n  - id: newsletter\n    kind: prefix\n    pattern: 'Zapisz się'\n",
        encoding="utf-8",
    )
    profile = load_profile(user)
    ids = [rule.id for rule in profile.rules]
    assert "newsletter" in ids and "audio_player" in ids and "photo_caption" not in ids
    text, removed = profile.clean("Zapisz się na newsletter\n\nFoto Źródło: PAP\n\nReklama")
    assert text == "Foto Źródło: PAP"
    assert removed == {"newsletter": 1, "advertisement": 1}


def test_toml_profile_and_override_by_id(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(
        'extends = "pl_portal"\n[[rules]]\nid = "advertisement"\nkind = "line"\n'
        'pattern = "Materiał partnera"\n',
        encoding="utf-8",
    )
    profile = load_profile(user)
    assert profile.name == "mine"
    text, removed = profile.clean("Materiał partnera\n\nReklama")
    assert (text, removed) == ("Reklama", {"advertisement": 1})


def test_to_dict_round_trip(tmp_path: Path, sample_article: Path) -> None:
    original = load_profile("pl_portal")
    path = tmp_path / "resolved.yaml"
    path.write_text(yaml.safe_dump(original.to_dict(), allow_unicode=True), encoding="utf-8")
    again = load_profile(path)
    assert again.rules == original.rules
    assert again.clean(_body(sample_article)) == original.clean(_body(sample_article))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("rules:\n  - {id: x, kind: regex, pattern: '(unclosed'}\n", "invalid regular expression"),
        ("rules:\n  - {id: x, kind: glob, pattern: a}\n", "unknown kind"),
        ("rules:\n  - {id: x, kind: line, pattern: a, replacement: b}\n", "needs kind 'replace'"),
        (
            "rules:\n  - {id: x, kind: replace, pattern: a, replacement: '\\2'}\n",
            "invalid replacement",
        ),
        ("rules:\n  - {id: x, kind: line, pattern: a, colour: red}\n", "unknown key"),
        ("rulez: []\n", "unknown key"),
        ("rules:\n  - {id: x, kind: line}\n", "needs 'id', 'kind' and 'pattern'"),
        (
            "rules:\n  - {id: x, kind: line, pattern: a}\n  - {id: x, kind: line, pattern: b}\n",
            "defined twice",
        ),
        ("extends: bad.yaml\nrules: []\n", "cyclic"),
        ("exclude: [nothing]\nrules: []\n", "unknown rule"),
        ("- just a list\n", "mapping"),
    ],
)
def test_invalid_profiles_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ProfileError, match=message) as info:
        load_profile(path)
    assert str(path) in str(info.value)


# ---- in-line repairs (kind "replace") and the KCNA profile --------------------------------
def test_replace_rule_repairs_every_match_and_keeps_the_line() -> None:
    rule = clean.BoilerplateRule("spacing", "replace", r"(?<=[a-z])(?=Kim)", replacement=" ")
    assert rule.substitute("ComradeKim met ofKim and Kim.") == (
        "Comrade Kim met of Kim and Kim.",
        2,
    )
    swap = clean.BoilerplateRule("swap", "replace", r"(\d+)-(\d+)", replacement=r"\2-\1")
    assert swap.substitute("1-2 and 3-4") == ("2-1 and 4-3", 2)
    short = clean.BoilerplateRule("short", "replace", "x", replacement="y", max_chars=3)
    assert short.substitute("xx") == ("yy", 2)
    assert short.substitute("xxxx") == ("xxxx", 0)
    assert rule.match("Kim") is None  # a repair never removes a line


def test_repairs_run_before_the_removal_rules() -> None:
    profile = clean.BoilerplateProfile(
        name="p",
        rules=(
            clean.BoilerplateRule("ad", "line", "Reklama"),
            clean.BoilerplateRule("bang", "replace", "!+$"),
            clean.BoilerplateRule("spaces", "replace", " {2,}", replacement=" "),
        ),
    )
    text, counts = profile.clean("Reklama!!\n\nA  b  c!\n\nEnd.")
    assert text == "A b c\n\nEnd."
    assert counts == {"bang": 2, "ad": 1, "spaces": 2}


def test_replace_rules_round_trip(tmp_path: Path) -> None:
    original = load_profile("kcna")
    path = tmp_path / "resolved.yaml"
    path.write_text(yaml.safe_dump(original.to_dict(), allow_unicode=True), encoding="utf-8")
    assert load_profile(path).rules == original.rules


# (line, the repaired line, counts per rule), written by hand
# from the shapes seen in the KCNA archive.
KCNA_CASES = [
    (
        "The respected ComradeKim Jong Unvisited the farm.",
        "The respected Comrade Kim Jong Un visited the farm.",
        {"leader_name_spacing": 2},
    ),
    (
        "PresidentKim Il Sungand ChairmanKim Jong Ilwere praised.",
        "President Kim Il Sung and Chairman Kim Jong Il were praised.",
        {"leader_name_spacing": 4},
    ),
    ("at Kim Il SungUniversity", "at Kim Il Sung University", {"leader_name_spacing": 1}),
    (
        "Kim Jong Un's letter to Kim Yo Jong, 2024.",
        "Kim Jong Un's letter to Kim Yo Jong, 2024.",
        {},
    ),
    (
        "the Kimilsungism-Kimjongilism and Kimjongilia",
        "the Kimilsungism-Kimjongilism and Kimjongilia",
        {},
    ),
    (
        "Pyongyang, November 5 (KCNA) -- The DPRK said so.",
        "The DPRK said so.",
        {"dateline": 1},
    ),
    (
        "Pyongyang, January 12 (KCNA) --Kim Jong Un, president, sent.",
        "Kim Jong Un, president, sent.",
        {"dateline": 1},
    ),
    ("Pyongyang, November 3 (KCNA) \u2013 Avengers are", "Avengers are", {"dateline": 1}),
    (
        "It cited Pyongyang, November 5 (KCNA) -- as a source.",
        "It cited Pyongyang, November 5 (KCNA) -- as a source.",
        {},
    ),
    ("paying a very high price. -0-", "paying a very high price.", {"end_mark": 1}),
    ("-0-", "", {"end_mark": 1}),  # an emptied line stays a paragraph break
    ("The score was 1-0-1 today.", "The score was 1-0-1 today.", {}),
]


@pytest.mark.parametrize(("line", "repaired", "counts"), KCNA_CASES)
def test_kcna_profile_cases(line: str, repaired: str, counts: dict[str, int]) -> None:
    text, removed = load_profile("kcna").clean(f"First.\n{line}\nLast.")
    assert (text, removed) == (f"First.\n{repaired}\nLast.", counts)


def test_every_kcna_rule_has_a_case() -> None:
    tested = {rule_id for *_, counts in KCNA_CASES for rule_id in counts}
    assert tested == {rule.id for rule in load_profile("kcna").rules}


def test_unknown_profile_name_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"unknown boilerplate profile 'nope'.*pl_portal"):
        load_profile("nope")
    with pytest.raises(ProfileError, match="not found"):
        load_profile(tmp_path / "missing.yaml")


# ---- language identification --------------------------------------------------------------
SENTENCES = {
    "pl": "Przywódca Korei Północnej spotkał się w Pjongjangu z sekretarzem Rady Bezpieczeństwa.",
    "en": "The leader of North Korea met the secretary of Russia's Security Council in Pyongyang.",
    "ru": "Лидер КНДР встретился в Пхеньяне с секретарём Совета безопасности России.",
    "ko": "북한 지도자는 평양에서 러시아 국가안보회의 서기를 만났다고 조선중앙통신이 보도했다.",
}


def test_identify_languages_hand_sentences() -> None:
    codes, probs = identify_languages([*SENTENCES.values(), None, "", "ok ok", "   \n  "])
    assert codes == ["pl", "en", "ru", "ko", None, None, None, None]
    assert all(0.5 < p <= 1.0 for p in probs[:4])
    assert all(math.isnan(p) for p in probs[4:])


def test_identify_languages_respects_the_language_set() -> None:
    codes, probs = identify_languages([SENTENCES["pl"], SENTENCES["ru"]], languages=("en", "ru"))
    assert codes[0] in {"en", "ru"}
    assert codes[1] == "ru"
    assert all(0.0 <= p <= 1.0 for p in probs)


def test_identify_languages_reads_only_the_head() -> None:
    english = (SENTENCES["en"] + " ") * 40
    assert len(english) > langid.LANGID_MAX_CHARS
    codes, _ = identify_languages([english + SENTENCES["ru"] * 60])
    assert codes == ["en"]
    codes, _ = identify_languages([english + SENTENCES["ru"] * 60], max_chars=len(english) * 3)
    assert codes == ["ru"]


LANGID_TEXTS = [
    *SENTENCES.values(),
    "KIM JONG UN MET PUTIN IN PYONGYANG TODAY",  # all capitals: py3langid lower-cases them
    "Kim Dzong Un spotkał Putina. Лидер КНДР встретился с Путиным. 북한 지도자.",
    "1234567890 1234567890 1234567890 ... !!!",
    "e\u0301te\u0301 a\u0300 Pyongyang, de\u0301le\u0301gation russe",  # decomposed accents
    "\U0001f600 emoji only \U0001f680\U0001f680 and ASCII words around them",
]


@functools.cache
def _py3langid() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(["pl", "en", "ru", "ko"])
    return identifier


@settings(deadline=None, max_examples=50)
@given(st.lists(st.one_of(st.sampled_from(LANGID_TEXTS), st.text(min_size=20, max_size=120))))
def test_batched_language_id_equals_py3langid(texts: list[str]) -> None:
    reference = _py3langid()
    codes, probs = identify_languages(texts, min_chars=1)
    for text, code, prob in zip(texts, codes, probs, strict=True):
        if "".join(text[: langid.LANGID_MAX_CHARS].split()):
            expected_code, expected_prob = reference.classify(text[: langid.LANGID_MAX_CHARS])
            assert (code, prob) == (expected_code, float(expected_prob))  # bit for bit


@pytest.mark.parametrize("segment, warmup", [(3, 8), (5, 0)])
def test_language_id_in_short_rows_equals_py3langid(
    monkeypatch: pytest.MonkeyPatch, segment: int, warmup: int
) -> None:
    """Rows shorter than the warm-up, and rows without one (whole texts are run again)."""
    joined_up = []
    check = langid._Segments.joined_up
    monkeypatch.setattr(langid, "_SEGMENT_BYTES", segment)
    monkeypatch.setattr(langid, "_WARMUP_BYTES", warmup)
    monkeypatch.setattr(
        langid._Segments,
        "joined_up",
        lambda self, states: joined_up.append(check(self, states)) or joined_up[-1],
    )
    codes, probs = identify_languages(LANGID_TEXTS, min_chars=1)
    for text, code, prob in zip(LANGID_TEXTS, codes, probs, strict=True):
        expected_code, expected_prob = _py3langid().classify(text[: langid.LANGID_MAX_CHARS])
        assert (code, prob) == (expected_code, float(expected_prob))  # bit for bit
    assert joined_up == [warmup > 0]  # without a warm-up the rows do not join up


def test_identify_languages_counts_letters_past_a_blank_head() -> None:
    spaced = " \n" * 50  # the first 100 characters have no letter
    texts = [spaced + "Kim spotkał Putina", spaced + "Kim spotkał Putina.", "K i m " * 4]
    codes, probs = identify_languages(texts, min_chars=16)
    # 16 letters (needed), 16 and a full stop, 12 letters (too few)
    assert codes[:2] == ["pl", "pl"] and codes[2] is None and math.isnan(probs[2])
    codes, _ = identify_languages(texts, min_chars=17)
    assert codes == [None, "pl", None]


def test_identify_languages_unknown_code() -> None:
    with pytest.raises(CorpusToolsError, match="xx"):
        identify_languages(["text"], languages=("pl", "xx"))


# ---- duplicates ---------------------------------------------------------------------------
def _words(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    stems = ["kim", "putin", "szojgu", "pjongjang", "moskwa", "traktat", "wojsko", "rozmowy"]
    return [f"{stems[i % len(stems)]}{v}" for i, v in enumerate(rng.integers(0, 10_000, n))]


def _jaccard(a: str, b: str, k: int = 5) -> float:
    """Reference Jaccard of word k-shingles, in plain Python."""

    def shingles(text: str) -> set[tuple[str, ...]]:
        words = text.lower().split()
        return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}

    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def _edit(words: list[str], positions: list[int]) -> list[str]:
    return [f"zmiana{i}" if i in positions else w for i, w in enumerate(words)]


def _frame(rows: list[tuple[str, str | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": [r[0] for r in rows],
            "date": pd.to_datetime([r[1] for r in rows]),
            "text": pd.array([r[2] for r in rows], dtype="string"),
            "content_sha256": pd.array([None] * len(rows), dtype="string"),
        }
    )


def assert_marks(
    df: pd.DataFrame, expected: list[Any], *, case: str = "duplicate_of", **options: Any
) -> None:
    """``mark_duplicates(df, **options)`` is the ``duplicate_of`` column ``expected``."""
    want = pd.Series(expected, index=df.index, dtype="string", name="duplicate_of")
    pd.testing.assert_series_equal(mark_duplicates(df, **options), want, obj=case)


def test_exact_duplicates_point_to_the_earliest() -> None:
    df = _frame(
        [
            ("b", "2024-06-19", "Kim met Putin."),
            ("a", "2024-06-19", "KIM  met\nPutin."),  # same day: doc_id breaks the tie
            ("c", "2024-06-18", "Kim met Putin."),
            ("d", None, "kim met putin."),  # unknown date: exact matching still applies
            ("e", "2024-06-18", "Something else."),
            ("f", "2024-06-18", None),
        ]
    )
    assert_marks(df, ["c", "c", pd.NA, "c", pd.NA, pd.NA])


def test_given_content_hash_is_used() -> None:
    df = _frame([("a", "2024-01-01", "x y"), ("b", "2024-01-01", "completely different")])
    df["content_sha256"] = pd.array(["same", "same"], dtype="string")
    assert_marks(df, [pd.NA, "a"])


def test_near_duplicates_within_window() -> None:
    base = _words(300, seed=1)
    copy = _edit(base, [10, 150])  # two substituted words
    a, b = " ".join(base), " ".join(copy)
    assert _jaccard(a, b) > 0.9  # the copies really are near duplicates
    other = " ".join(_words(300, seed=2))
    assert _jaccard(a, other) < 0.05
    df = _frame(
        [
            ("wire", "2024-06-19", a),
            ("portal", "2024-06-21", b),
            ("late", "2024-08-01", b + " koniec"),  # same text but 6 weeks later
            ("undated", None, b + " bez daty"),  # NaT: only exact matching
            ("other", "2024-06-19", other),
        ]
    )
    assert_marks(df, [pd.NA, "wire", pd.NA, pd.NA, pd.NA])
    assert_marks(df, [pd.NA, "wire", "wire", pd.NA, pd.NA], window_days=60)


def test_window_uses_every_dated_exact_copy() -> None:
    base = _words(300, seed=9)
    text, near = " ".join(base), " ".join(_edit(base, [100]))
    df = _frame(
        [
            ("january", "2024-01-01", text),
            ("june", "2024-06-01", text.upper()),  # exact copy, re-published in June
            ("near", "2024-06-03", near),  # near copy of the June publication
        ]
    )
    assert_marks(df, [pd.NA, "january", "january"])
    df.loc[1, "date"] = pd.Timestamp("2024-03-01")  # now no copy is within 7 days
    assert_marks(df, [pd.NA, "january", pd.NA])


def _dated(rows: list[tuple[str, str, str | None, str]]) -> pd.DataFrame:
    """Like _frame, with a ``date_precision`` column (rows: id, date, precision, text)."""
    df = _frame([(doc_id, date, text) for doc_id, date, _, text in rows])
    df["date_precision"] = pd.array([r[2] for r in rows], dtype="string")
    return df


def test_month_and_year_dates_are_intervals() -> None:
    base = _words(300, seed=11)
    text, near = " ".join(base), " ".join(_edit(base, [7]))
    month_and_day = _dated(
        [("month", "2024-06-01", "month", text), ("day", "2024-06-20", "day", near)]
    )
    assert_marks(month_and_day, [pd.NA, "month"])
    # Without the column both are days: 19 days apart, outside the 7-day window.
    no_column = month_and_day.drop(columns="date_precision")
    assert mark_duplicates(no_column).isna().all()
    # Hand-computed gaps to the last day of May (2024-05-31) and of 2024 (2024-12-31).
    for start, precision, later, expected in [
        ("2024-05-01", "month", "2024-06-07", "first"),  # 7 days
        ("2024-05-01", "month", "2024-06-08", pd.NA),  # 8 days
        ("2024-01-01", "year", "2024-09-15", "first"),  # inside the year
        ("2024-01-01", "year", "2025-01-07", "first"),  # 7 days
        ("2024-01-01", "year", "2025-01-08", pd.NA),  # 8 days
        ("2024-05-01", None, "2024-05-08", "first"),  # missing precision: a day, 7 days
        ("2024-05-01", None, "2024-05-09", pd.NA),
    ]:
        df = _dated([("first", start, precision, text), ("second", later, "day", near)])
        assert_marks(df, [pd.NA, expected], case=f"{precision} then {later}")


def test_interval_start_decides_the_canonical_copy() -> None:
    base = _words(300, seed=12)
    text, near = " ".join(base), " ".join(_edit(base, [20]))
    # The month date starts on June 1st, before the day copy of June 3rd.
    df = _dated([("a-day", "2024-06-03", "day", near), ("b-month", "2024-06-01", "month", text)])
    assert_marks(df, ["b-month", pd.NA])
    # Same start: doc_id breaks the tie.
    df.loc[0, "date"] = pd.Timestamp("2024-06-01")
    assert_marks(df, [pd.NA, "a-day"])


def test_window_uses_the_intervals_of_exact_copies() -> None:
    base = _words(300, seed=13)
    text, near = " ".join(base), " ".join(_edit(base, [100]))
    rows = [
        ("january", "2024-01-01", "day", text),
        ("june", "2024-06-01", "month", text.upper()),  # exact copy, dated June 2024
        ("near", "2024-07-05", "day", near),  # 5 days after June 30th
    ]
    assert_marks(_dated(rows), [pd.NA, "january", "january"])
    rows[2] = ("near", "2024-07-09", "day", near)  # 9 days after June 30th
    assert_marks(_dated(rows), [pd.NA, "january", pd.NA])


def test_unknown_date_precision_is_an_error() -> None:
    df = _dated([("a", "2024-06-01", "week", "x y")])
    with pytest.raises(CorpusToolsError, match=r"date_precision.*'week'"):
        mark_duplicates(df)


_DAY = np.datetime64("2024-01-01", "ns")


@st.composite
def _intervals(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    spans = draw(
        st.lists(st.tuples(st.integers(0, 60), st.integers(0, 40)), min_size=1, max_size=6)
    )
    starts = np.array([_DAY + np.timedelta64(s, "D") for s, _ in spans])
    return starts, starts + np.array([np.timedelta64(w, "D") for _, w in spans])


@given(_intervals(), _intervals())
def test_closest_gap_matches_all_pairs(
    first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]
) -> None:
    brute = min(
        max(s2 - e1, s1 - e2, np.timedelta64(0, "ns"))
        for s1, e1 in zip(*first, strict=True)
        for s2, e2 in zip(*second, strict=True)
    )
    assert dedupe._closest_gap(first, second) == brute


def test_below_threshold_is_not_a_duplicate() -> None:
    base = _words(200, seed=3)
    edited = _edit(base, list(range(0, 200, 12)))  # every 12th word changed
    j = _jaccard(" ".join(base), " ".join(edited))
    assert 0.3 < j < 0.7
    df = _frame([("a", "2024-06-19", " ".join(base)), ("b", "2024-06-19", " ".join(edited))])
    assert mark_duplicates(df).isna().all()


def test_chains_point_to_the_canonical_copy() -> None:
    base = _words(400, seed=4)
    second = _edit(base, [5])
    third = _edit(second, [395])
    df = _frame(
        [
            ("third", "2024-06-23", " ".join(third)),
            ("second", "2024-06-21", " ".join(second)),
            ("first", "2024-06-19", " ".join(base)),
            ("exact", "2024-06-25", " ".join(third).upper()),
        ]
    )
    df.index = [10, 20, 30, 40]
    result = mark_duplicates(df)
    assert result.index.tolist() == [10, 20, 30, 40]
    assert result.dtype == "string"
    assert result.tolist() == ["first", "first", pd.NA, "first"]


def test_mark_duplicates_is_deterministic_and_order_free() -> None:
    texts = [" ".join(_edit(_words(120, seed=5), [i])) for i in range(6)]
    texts += [" ".join(_words(120, seed=s)) for s in range(6, 12)]
    df = _frame([(f"d{i:02d}", f"2024-06-{10 + i % 5:02d}", t) for i, t in enumerate(texts)])
    first = mark_duplicates(df)
    assert first.notna().sum() == 5  # the six one-word edits collapse onto one canonical
    shuffled = df.sample(frac=1.0, random_state=0)
    again = mark_duplicates(shuffled)
    assert dict(zip(shuffled["doc_id"], again, strict=True)) == dict(
        zip(df["doc_id"], first, strict=True)
    )


def test_mark_duplicates_edge_cases() -> None:
    assert_marks(_frame([]), [])
    assert mark_duplicates(_frame([("a", None, None), ("b", None, None)])).isna().all()
    assert mark_duplicates(_frame([("a", "2024-01-01", "one two three four five")])).isna().all()


def test_given_signatures_give_the_same_result() -> None:
    base = [_words(120, seed=s) for s in range(6)]
    texts = [" ".join(w) for w in base] + [" ".join(_edit(base[0], [5])), "za krótki", None]
    df = _frame([(f"d{i}", "2024-03-01", t) for i, t in enumerate(texts)])
    has_text = [i for i, t in enumerate(texts) if t is not None]
    kept, sketches = minhash_signatures([texts[i] for i in has_text])
    rows = np.asarray(has_text)[kept]
    expected = mark_duplicates(df)
    assert expected.tolist()[6] == "d0"  # the edited copy
    pd.testing.assert_series_equal(mark_duplicates(df, signatures=(rows, sketches)), expected)
    with pytest.raises(CorpusToolsError, match="shape"):
        mark_duplicates(df, signatures=(rows, sketches[:, :64]))
    with pytest.raises(CorpusToolsError, match="positions"):
        mark_duplicates(df, signatures=(rows + 100, sketches))


def test_mark_duplicates_needs_columns() -> None:
    with pytest.raises(CorpusToolsError, match="content_sha256"):
        mark_duplicates(pd.DataFrame({"doc_id": ["a"], "date": [None], "text": ["x"]}))


_GOLDEN, _FNV, _U64 = 0x9E3779B97F4A7C15, 0x100000001B3, 2**64


def reference_shingles(text: str, size: int) -> list[int]:
    """The documented shingle hashes of one document, written from the definition.

    Words are runs of ASCII letters, digits, "_" and non-ASCII characters of the
    case-folded NFC text (UTF-8 bytes). A word's hash is sum((byte + 1) * G**(min(i, 63)
    + 1)) mod 2**64 over its bytes i; a shingle of ``size`` consecutive words folds
    their hashes with c = c * FNV + h mod 2**64, then keeps (c >> 32) ^ c mod 2**32.
    Plain Python integers, one document at a time: no code shared with corpus_tools.
    """
    data = unicodedata.normalize("NFC", text.casefold()).encode("utf-8")
    words = re.findall(rb"[0-9A-Za-z_\x80-\xff]+", data)
    hashes = [
        sum((b + 1) * pow(_GOLDEN, min(i, 63) + 1, _U64) for i, b in enumerate(word)) % _U64
        for word in words
    ]
    shingles = []
    for start in range(len(hashes) - size + 1):
        combined = 0
        for h in hashes[start : start + size]:
            combined = (combined * _FNV + h) % _U64
        shingles.append(((combined >> 32) ^ combined) % 2**32)
    return shingles


def test_shingles_match_the_reference_and_never_span_documents() -> None:
    long_word = "Pjongjang" * 10  # longer than 64 bytes: the weight stops growing
    texts = [
        "Kim met Putin in Pyongyang.",
        "Путин прибыл в Пхеньян",  # starts where the previous document's last word ended
        "two words",  # shorter than a shingle: no shingle at all
        "",
        f"Źródło: {long_word} — KCNA_2024 podaje, że ślady są",
        "a b c",  # exactly one shingle
    ]
    hashes, doc = dedupe._shingles(texts, 3)
    expected = [(h, i) for i, text in enumerate(texts) for h in reference_shingles(text, 3)]
    assert list(zip(hashes.tolist(), doc.tolist(), strict=True)) == expected
    # n_words - 2 per document; the dash is non-ASCII, so it is a word by the definition.
    assert len(expected) == 3 + 2 + 0 + 0 + 6 + 1
    assert hashes.dtype == np.uint32


# NFC text, and text out of NFC where the two foldings agree ("e\u0301", Kelvin sign) or
# differ ("ᾳ\u0301": NFC first gives "άι", case folding first "αί").
FOLDING_TEXTS = [
    "Zażółć gęślą jaźń ΣΊΣΥΦΟΣ Straße ﬁnance İstanbul",
    "e\u0301te\u0301 \u212a\u212b Zaz\u0307o\u0301łc\u0301",
    "\u1fb3\u0301 Kim \u1fb3\u0301 Putin",
]


def test_hash_and_minhash_input_from_one_folding_equal_their_own() -> None:
    for text in FOLDING_TEXTS:
        assert dedupe._hash_and_encode(text) == (content_hash(text), dedupe._encode(text))
    texts = [" ".join([text] * 3) for text in FOLDING_TEXTS]
    encoded = [dedupe._hash_and_encode(text)[1] for text in texts]
    for got, expected in zip(
        dedupe._encoded_signatures(encoded, 128, 5, 1), minhash_signatures(texts), strict=True
    ):
        np.testing.assert_array_equal(got, expected)


def test_signatures_match_datasketch_bulk() -> None:
    from datasketch import MinHash

    texts = [" ".join(_words(50, seed=s)) for s in range(4)] + ["za krótki", ""]
    kept, signatures = minhash_signatures(texts, num_perm=64, seed=7)
    assert kept.tolist() == [0, 1, 2, 3]
    # The reference signatures hash the independently computed shingles.
    reference = MinHash.bulk(
        [reference_shingles(texts[i], 5) for i in kept], num_perm=64, seed=7, hashfunc=int
    )
    assert all(np.array_equal(m.hashvalues, s) for m, s in zip(reference, signatures, strict=True))


def test_lsh_candidates_match_datasketch_lsh() -> None:
    from datasketch import LeanMinHash, MinHashLSH

    base = [_words(200, seed=s) for s in range(20)]
    # Copies of the first ten with 1-40 edited words: similarities from ~1.0 down to ~0.3.
    texts = [" ".join(w) for w in base]
    texts += [" ".join(_edit(base[k], list(range(0, 200, 200 // (4 * k + 1))))) for k in range(10)]
    _, signatures = minhash_signatures(texts)
    ours = {tuple(p) for p in dedupe.lsh_candidates(signatures, threshold=0.8).tolist()}
    lsh = MinHashLSH(threshold=0.8, num_perm=128, weights=dedupe._LSH_WEIGHTS)
    sketches = [LeanMinHash(seed=1, hashvalues=row, scheme="affine32") for row in signatures]
    for key, sketch in enumerate(sketches):
        lsh.insert(key, sketch)
    reference = {
        (min(a, b), max(a, b)) for a, s in enumerate(sketches) for b in lsh.query(s) if a != b
    }
    assert ours == reference
    assert (0, 20) in ours  # one edited word: Jaccard ~0.95
    assert (9, 29) not in ours  # 40 edited words: Jaccard ~0.3


def test_signatures_estimate_jaccard() -> None:
    base = _words(400, seed=8)
    pairs = [(base, _edit(base, list(range(0, 400, k)))) for k in (7, 20, 50)]
    for a, b in pairs:
        _, sig = minhash_signatures([" ".join(a), " ".join(b)], num_perm=256)
        estimate = float((sig[0] == sig[1]).mean())
        assert abs(estimate - _jaccard(" ".join(a), " ".join(b))) < 0.08


def test_shingles_ignore_case_and_punctuation() -> None:
    shingles_a, _ = dedupe._shingles(["Kim, met Putin; in Pyongyang (June)."], 2)
    shingles_b, _ = dedupe._shingles(["kim met PUTIN in pyongyang june"], 2)
    assert shingles_a.tolist() == shingles_b.tolist()
    assert len(shingles_a) == 5  # 6 words -> 5 bigrams


# ---- HTML ---------------------------------------------------------------------------------
PAGE = """<html><head><title>Kim i Putin | Portal</title>
<meta name="author" content="Jan Kowalski"><meta property="og:site_name" content="Portal">
<meta property="article:published_time" content="2024-06-19T10:00:00+02:00"></head>
<body><nav><a href="/">Strona główna</a> <a href="/swiat">Świat</a></nav>
<article><h1>Kim Dzong Un spotkał Putina</h1>
<p>Przywódca Korei Północnej Kim Dzong Un spotkał się w Pjongjangu z prezydentem Rosji
Władimirem Putinem. Obaj podpisali traktat o wszechstronnym partnerstwie strategicznym.</p>
<p>Według agencji KCNA rozmowy trwały kilka godzin i dotyczyły współpracy wojskowej oraz
gospodarczej obu państw, objętych sankcjami Rady Bezpieczeństwa ONZ.</p></article>
<footer>© Portal 2024. Wszelkie prawa zastrzeżone.</footer></body></html>"""


def test_extract_html_metadata_and_text() -> None:
    page = extract_html(PAGE, url="https://portal.example/swiat/kim-putin")
    assert set(page) == {"text", "title", "date", "author", "url", "sitename"}
    assert "spotkał się w Pjongjangu" in page["text"]
    assert "Wszelkie prawa zastrzeżone" not in page["text"]
    assert "Strona główna" not in page["text"]
    assert page["title"] == "Kim Dzong Un spotkał Putina"
    assert page["author"] == "Jan Kowalski"
    assert page["date"] == "2024-06-19"
    assert page["sitename"] == "Portal"
    assert page["url"] == "https://portal.example/swiat/kim-putin"


def test_extract_html_empty_page() -> None:
    page = extract_html("<html><body></body></html>")
    assert page == dict.fromkeys(("text", "title", "date", "author", "url", "sitename"))
