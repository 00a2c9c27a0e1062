"""Language: keep the conversation in the allowed languages (langdetect, with a fixed seed).

Short or ambiguous messages (few words, numbers, emoji, names) pass: langdetect guesses wildly on
them, and refusing "ok 👍" for being Slovak helps nobody.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from chatkit.policies.base import Action, PolicyContext, Verdict, unit
from chatkit.policies.normalize import normalize

_WORD = re.compile(r"[^\W\d_]{2,}")
# Scripts written without spaces between words (Chinese, Japanese kana, Thai, Lao, Myanmar, Khmer): a run of them is
# no single word, so their characters are counted instead, two to a word, roughly the length of a word there.
_UNSPACED = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# The commonest function words of a few languages: short messages are made of them, and they
# tell languages apart far more reliably than langdetect's character statistics do at that length.
FUNCTION_WORDS = {
    "en": set("i you he she it we they me my your is are was were be am do does did have has had a an the and or but "
              "to of in on at for with not no yes so what how why when where who this that can will would like just "
              "im ive dont its too very all by from about after before into our us his her him them been some any "
              "which than then there their here".split()),
    "de": set("ich du er sie es wir ihr mich mein dein ist sind war bin hast habe hat ein eine der die das und oder "
              "aber zu von mit nicht nein ja was wie warum wann wo wer auch sehr noch schon nur heute".split()),
    "fr": set("je tu il elle nous vous ils me mon ton est sont suis as ai a un une le la les et ou mais de du des "
              "en pour avec ne pas non oui que quoi comment pourquoi quand qui ce cette très aussi".split()),
    "es": set("yo tú él ella nosotros me mi tu es son soy estoy está tengo tiene un una el la los las y o pero de "
              "del en para con no sí que qué cómo por cuando quien este esta muy también".split()),
    "it": set("io tu lui lei noi mi mio è sono ho ha un una il lo la gli le e o ma di da in per con non sì che "
              "come perché quando chi questo molto anche".split()),
    "pt": set("eu você ele ela nós me meu é são sou estou tenho tem um uma o os as e ou mas de do da em para com "
              "não sim que como por quando quem este muito também".split()),
    "nl": set("ik jij je hij zij wij mij mijn is zijn ben heb heeft een de het en of maar van in op voor met niet "
              "nee ja wat hoe waarom wanneer wie dit dat ook heel".split()),
}
# Scripts that name their language (or the few it can be), for text written mostly in them
SCRIPTS = (("\u3040", "\u30ff", "ja"), ("\u0e00", "\u0e7f", "th"), ("\u0e80", "\u0eff", "lo"), ("\u1000", "\u109f", "my"),
           ("\u1780", "\u17ff", "km"), ("\u3400", "\u9fff", "zh"), ("\uf900", "\ufaff", "zh"))
REFUSALS = {"en": "Sorry, I can only chat in English.", "de": "Entschuldigung, ich kann nur auf Deutsch schreiben.",
            "fr": "Désolé, je ne peux discuter qu'en français.", "es": "Lo siento, solo puedo conversar en español."}


@cache
def _factory(seed: int) -> Any:
    """langdetect's profiles, loaded once per process and seeded (langdetect's own global factory is unseeded)."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(seed)
    return factory


def _words(text: str) -> tuple[list[str], str, int]:
    """Words of spaced scripts, the characters of unspaced ones, and the length in words (two such characters a word)."""
    words = _WORD.findall(_UNSPACED.sub(" ", text))
    unspaced = "".join(_UNSPACED.findall(text))
    return words, unspaced, len(words) + len(unspaced) // 2


def script_language(unspaced: str) -> str:
    """The language an unspaced script's characters are most likely in: kana is Japanese, Han alone Chinese."""
    for lo, hi, lang in SCRIPTS:
        if any(lo <= c <= hi for c in unspaced):
            return lang
    return "zh"


def function_word_counts(words: Sequence[str]) -> dict[str, int]:
    return {lang: sum(w.lower() in vocab for w in words) for lang, vocab in FUNCTION_WORDS.items()}


def language_outside(text: str, languages: Sequence[str] = ("en",), seed: int = 0) -> str | None:
    """The language ``text`` is in when it is clearly none of ``languages``; None when it may be one of them or is too
    short to tell. Content policies use it to leave text their scorers were not trained on to the language policy."""
    plain = normalize(text).text  # 'h4te' and look-alike letters would read as another language
    words, unspaced, length = _words(plain)
    if len(unspaced) >= 2 and 2 * len(unspaced) > length:
        lang = script_language(unspaced)
        return None if lang in languages or (lang == "zh" and "zh-cn" in languages) else lang
    if length < 4:
        return None
    shares = {lang: count / length for lang, count in function_word_counts(words).items()}
    if any(shares.get(lang, 0.0) >= 0.15 for lang in languages):
        return None
    best = max(shares, key=lambda lang: shares[lang])
    if shares[best] >= 0.25:
        return best
    from langdetect.lang_detect_exception import LangDetectException

    detector = _factory(seed).create()
    detector.append(" ".join(words))
    try:
        top = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return None
    return top.lang if top.prob >= 0.9 and top.lang not in languages else None


def known_languages() -> list[str]:
    """The codes langdetect has profiles for."""
    from langdetect.detector_factory import PROFILES_DIRECTORY

    return sorted(os.listdir(PROFILES_DIRECTORY))


class LanguagePolicy:
    def __init__(self, name: str = "language", *, allowed: Sequence[str] = ("en",), threshold: float = 0.9,
                 min_words: int = 4, action: Action = Action.BLOCK, refusal: str | None = None, seed: int = 0) -> None:
        if not allowed or isinstance(allowed, str):
            raise ValueError("allowed needs a list of language codes, e.g. ['en']")
        unknown = sorted(set(allowed) - set(known_languages()))
        if unknown:
            raise ValueError(f"allowed: unknown language codes {unknown}; known: {', '.join(known_languages())}")
        unit("threshold", threshold)
        if isinstance(min_words, bool) or not isinstance(min_words, int) or min_words < 1:
            raise ValueError(f"min_words must be a whole number of at least 1, not {min_words!r}")
        self.name, self.allowed, self.threshold, self.min_words, self.action, self.seed = \
            name, tuple(allowed), threshold, min_words, action, seed
        self.refusal = refusal or REFUSALS.get(self.allowed[0])

    def _detector(self, text: str) -> Any:
        detector = _factory(self.seed).create()
        detector.append(text)
        return detector

    def allowed_script(self, unspaced: str) -> bool:
        """Whether these unspaced-script characters can be an allowed language: langdetect mixes up Chinese, Japanese
        and Korean on short text, but the script itself says which languages are possible."""
        if any("\u3040" <= c <= "\u30ff" for c in unspaced):  # kana: Japanese
            return "ja" in self.allowed
        if all("\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in unspaced):  # Han alone
            return bool({"zh-cn", "zh-tw", "ja"} & set(self.allowed))
        return False

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        words, unspaced, length = _words(text)
        if length < self.min_words:
            return Verdict(self.name, Action.ALLOW, 0.0, f"too short to judge ({length} words)")
        counts = function_word_counts(words)
        shares = {lang: count / length for lang, count in counts.items()}
        best = max(shares, key=lambda lang: shares[lang])
        if best in self.allowed and shares[best] >= 0.25:
            return Verdict(self.name, Action.ALLOW, 0.0, f"{best} function words ({shares[best]:.0%})", language=best)
        if best in self.allowed and counts[best] >= 2 and len(unspaced) < 2:
            # an allowed-language sentence around a few foreign words: a title, a name, a quotation
            return Verdict(self.name, Action.ALLOW, 0.0, f"{best} with some foreign words ({shares[best]:.0%} {best} "
                           "function words)", language=best)
        from langdetect.lang_detect_exception import LangDetectException

        try:
            # words only (no numbers, links or emoji to mislead it), but unspaced scripts as written: langdetect
            # takes a run of Han characters without its punctuation for Korean
            mostly_unspaced = 2 * len(unspaced) > length
            guesses = self._detector(text if mostly_unspaced else " ".join(words)).get_probabilities()
        except LangDetectException:
            return Verdict(self.name, Action.ALLOW, 0.0, "no language detected")
        if mostly_unspaced and self.allowed_script(unspaced):
            return Verdict(self.name, Action.ALLOW, 0.0, f"written in a script of {', '.join(self.allowed)}",
                           language=script_language(unspaced))
        allowed = sum(g.prob for g in guesses if g.lang in self.allowed)
        top = guesses[0]
        score = 1.0 - allowed
        # In unspaced scripts langdetect may split its guess between Chinese, Japanese and Korean; what counts there is
        # that the allowed languages got next to nothing
        sure = top.prob >= self.threshold or (mostly_unspaced and score >= self.threshold)
        lang = script_language(unspaced) if mostly_unspaced and top.lang not in ("zh-cn", "zh-tw", "ja", "ko") else top.lang
        if top.lang not in self.allowed and sure:
            return Verdict(self.name, self.action, score, f"language {lang} ({top.prob:.2f}); allowed: {', '.join(self.allowed)}",
                           language=lang)
        return Verdict(self.name, Action.ALLOW, score, f"language {lang} ({top.prob:.2f})", language=lang)
