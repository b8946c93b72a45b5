"""Language identification (voxpop.enrich.language) on sentences, fixtures and simulated posts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import fixture_path
from voxpop.enrich.language import (
    MODEL_NAME,
    LanguageDetector,
    detect_language,
    detect_languages,
    normalize_lang_tag,
    text_for_language,
)
from voxpop.ingest import ingest
from voxpop.simulate import simulate
from voxpop.store import Store


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RT @user: Hello there https://t.co/x @bob", "Hello there"),
        ("Nice 😀🎉 day!", "Nice day"),
        ("#Election2024 vote today #vote", "vote today"),
        ("#only #hashtags", "only hashtags"),
        ("BREAKING NEWS: THE PORT IS CLOSED", "breaking news the port is closed"),
        ("line one\nline two", "line one line two"),
        ("mail a@b.com www.example.com pic.twitter.com/abc", "mail"),
        ("«Bonjour», dit-il.", "Bonjour dit il"),
        ("", ""),
        (None, ""),
    ],
)
def test_text_for_language(text: str | None, expected: str) -> None:
    assert text_for_language(text) == expected


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("en", "en"),
        ("en-GB", "en"),
        ("pt_BR", "pt"),
        ("ZH-Hant", "zh"),
        ("in", "id"),
        ("iw", "he"),
        ("und", None),
        ("zxx", None),
        ("qme", None),
        ("", None),
        (None, None),
        ("12", None),
    ],
)
def test_normalize_lang_tag(tag: str | None, code: str | None) -> None:
    assert normalize_lang_tag(tag) == code


SENTENCES = {
    "en": "The council will vote on the new housing plan next week.",
    "es": "El ayuntamiento votará el nuevo plan de vivienda la próxima semana.",
    "fr": "Le conseil municipal votera le nouveau plan de logement la semaine prochaine.",
    "de": "Der Stadtrat stimmt nächste Woche über den neuen Wohnungsplan ab.",
    "pt": "A câmara municipal vai votar o novo plano de habitação na próxima semana.",
    "id": "Dewan kota akan memberikan suara pada rencana perumahan baru minggu depan.",
    "tr": "Belediye meclisi gelecek hafta yeni konut planını oylayacak.",
    "ru": "Городской совет проголосует за новый жилищный план на следующей неделе.",
    "ar": "سيصوت مجلس المدينة على خطة الإسكان الجديدة الأسبوع المقبل.",
    "fa": "شورای شهر هفته آینده درباره طرح جدید مسکن رأی خواهد داد.",
    "ug": "شەھەر كېڭىشى كېلەر ھەپتە يېڭى تۇرالغۇ پىلانى ئۈستىدە بېلەت تاشلايدۇ.",
    "hi": "नगर परिषद अगले सप्ताह नई आवास योजना पर मतदान करेगी।",
    "zh": "市议会下周将对新的住房计划进行投票。",
    "ja": "市議会は来週、新しい住宅計画について投票する予定です。",
    "bo": "གྲོང་ཁྱེར་གྲོས་ཚོགས་ཀྱིས་བདུན་ཕྲག་རྗེས་མར་ཁྱིམ་གཞིའི་འཆར་གཞི་གསར་པར་འོས་འདེམས་བྱེད་རྒྱུ་རེད།",
}


@pytest.mark.parametrize(("lang", "text"), sorted(SENTENCES.items()))
def test_detects_each_language(lang: str, text: str) -> None:
    detected, confidence = detect_language(f"RT @someone: {text} https://t.co/abc 🎉")
    assert detected == lang
    assert confidence is not None and 0.3 < confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # The lite model alone calls these Japanese or Serbian; the script decides.
        ("今晚准备试试新菜谱：番茄炒蛋，祝我好运吧。", "zh"),
        ("刚在江边散了很久的步，心情好多了。", "zh"),
        ("真的假的？", "zh"),
        # ... and this one Chinese: kana make it Japanese.
        ("それは違うと思う。", "ja"),
        # Shouted Latin text is not Japanese.
        ("THIS IS ABSOLUTELY OUTRAGEOUS AND EVERYONE SHOULD KNOW", "en"),
    ],
)
def test_script_rules(text: str, lang: str) -> None:
    assert detect_language(text)[0] == lang


@pytest.mark.parametrize("text", ["", None, "😀🎉", "https://t.co/x @a @b", "12345 !!!", "  "])
def test_no_language_without_letters(text: str | None) -> None:
    assert detect_language(text) == (None, None)


def test_detect_many_keeps_order() -> None:
    langs, scores = detect_languages([SENTENCES["fr"], None, SENTENCES["ug"]])
    assert langs == ["fr", None, "ug"]
    assert scores[1] is None
    assert LanguageDetector().name == MODEL_NAME


def test_accuracy_on_simulated_posts() -> None:
    """Every simulated language is recognised; the simulator's source_lang is the truth."""
    detector = LanguageDetector()
    total: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for chunk in simulate(posts=6000, seed=11):
        for post in chunk:
            assert post.source_lang is not None
            total[post.source_lang] += 1
            right[post.source_lang] += detector.predict(post.text)[0] == post.source_lang
    assert set(total) >= {"en", "es", "fr", "de", "pt", "ar", "zh", "ja", "ru", "tr", "hi", "fa"}
    accuracy = {lang: right[lang] / n for lang, n in total.items()}
    assert sum(right.values()) / sum(total.values()) >= 0.97, accuracy
    for lang, share in accuracy.items():
        # Indonesian is the weakest: short informal replies read as Malay, Italian or English.
        # Uyghur has ~60 posts here, so one miss moves it ~2 points: 0.9 leaves room for that.
        floor = {"id": 0.8, "ug": 0.9}.get(lang, 0.93)
        assert share >= floor, (lang, accuracy)


def test_agreement_with_source_tags_on_real_fixtures(tmp_path: Path) -> None:
    """Tags from Twitter and Mastodon are themselves often wrong on short posts, and the
    Mastodon sample tags English toots "ja"; most posts still agree."""
    folders = [fixture_path("twitter_v2"), fixture_path("twitter_v1"), fixture_path("mastodon")]
    with Store(tmp_path / "fixtures.duckdb") as store:
        ingest(store, folders)
        rows = store.con.execute(
            "SELECT text, source_lang FROM posts WHERE text IS NOT NULL"
        ).fetchall()
    pairs = [(t, normalize_lang_tag(s)) for t, s in rows if normalize_lang_tag(s)]
    assert len(pairs) >= 300
    detector = LanguageDetector()
    agree = sum(detector.predict(t)[0] == tag for t, tag in pairs)
    assert agree / len(pairs) >= 0.9


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_detection_never_raises(text: str) -> None:
    lang, confidence = detect_language(text)
    assert (lang is None) == (confidence is None)
    assert confidence is None or 0.0 <= confidence <= 1.0
