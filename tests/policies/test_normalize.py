from __future__ import annotations

import pytest

from chatkit.policies.normalize import normalize


@pytest.mark.parametrize(("raw", "plain"), [
    ("I h4te you", "i hate you"),
    ("@ss", "ass"),
    ("sh!t", "shit"),
    ("f.u.c.k off", "fuck off"),
    ("h a t e", "hate"),
    ("S-H-I-T", "shit"),
    ("ｆｕｃｋ", "fuck"),                  # fullwidth
    ("аss", "ass"),                     # Cyrillic а
    ("ʜᴀᴛᴇ", "hate"),                   # small capitals
    ("fu\u200bck", "fuck"),             # zero-width space
    ("fu\u202eck", "fuck"),             # bidi override
    ("fuuuuck", "fuck"),
])
def test_evasions_fold_to_the_plain_word(raw: str, plain: str) -> None:
    assert normalize(raw).text == plain


@pytest.mark.parametrize("text", ["good book", "hi! how are you?", "in 2024 i paid $5", "call 555 1234", "i am a cat"])
def test_ordinary_text_keeps_its_meaning(text: str) -> None:
    assert normalize(text).text == text.lower()


@pytest.mark.parametrize(("raw", "word"), [("you f.u.c.k!", "f.u.c.k"), ("so fu\u200bck it", "fu\u200bck"),
                                           ("ʜᴀᴛᴇ them", "ʜᴀᴛᴇ"), ("well, sh!t.", "sh!t")])
def test_spans_map_back_to_the_original(raw: str, word: str) -> None:
    norm = normalize(raw)
    folded = normalize(word).text
    start = norm.text.index(folded)
    begin, end = norm.span(start, start + len(folded))
    assert raw[begin:end] == word


@pytest.mark.parametrize(("raw", "plain"), [
    ("id10t", "idiot"), ("st00pid", "stoopid"), ("idιot", "idiot"), ("γou", "you"), ("9ay", "gay"),
    ("v.e.r.m.i.n a-r-e", "vermin are"),  # one separator per word: two words, not one
    ("I h a t e M-u-s-l-i-m-s", "ihate muslims"),  # a spaced run stops before a word split another way
])
def test_digits_lookalikes_and_separators_anywhere_in_a_word(raw: str, plain: str) -> None:
    assert normalize(raw).text == plain


def test_a_vocabulary_picks_spellings_and_word_breaks() -> None:
    words = {"i", "hate", "all", "world", "animals", "liars"}

    def choose(spellings: list[str]) -> str:
        return next((s for s in spellings if s in words), spellings[0])

    def split(letters: str) -> list[int]:
        for cut in range(1, len(letters)):
            if letters[:cut] in words and letters[cut:] in words:
                return [cut, len(letters) - cut]
        return [len(letters)]

    assert normalize("wor1d an!ma1s", choose).text == "world animals"
    assert normalize("a l l l i a r s", choose, split).text == "all liars"
    assert normalize("I h a t e", choose, split).text == "i hate"
    assert normalize("wor1d").text == "worid", "without a vocabulary the first reading stays"
