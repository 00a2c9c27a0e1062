from __future__ import annotations

import logging
from pathlib import Path

import pytest
import torch

from chatkit.policies.base import Action, PolicyContext, PolicySet, Stage
from chatkit.policies.toxicity import ToxicityPolicy

CTX = PolicyContext(Stage.OUTPUT)
CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]


@pytest.fixture(scope="module")
def detoxify_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny BERT in Detoxify's checkpoint format, built here: its identity_hate output is always high."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    folder = tmp_path_factory.mktemp("detoxify")
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "you", "are", "nice", "hello"]
    (folder / "vocab.txt").write_text("\n".join(words) + "\n")
    config = BertConfig(vocab_size=len(words), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, num_labels=len(CLASSES))
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([-5.0, -5.0, -5.0, -5.0, -5.0, 5.0]))
    config.save_pretrained(folder)
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)
    checkpoint = folder / "tiny.ckpt"
    torch.save({"config": {"arch": {"args": {"model_type": "bert-base-uncased", "model_name": "BertForSequenceClassification",
                                             "tokenizer_name": "BertTokenizer", "num_classes": len(CLASSES)}},
                           "dataset": {"args": {"classes": CLASSES}}},
                "state_dict": model.state_dict()}, checkpoint)
    return checkpoint, folder


def test_detoxify_checkpoints_load_offline_with_all_labels(detoxify_checkpoint: tuple[Path, Path],
                                                           caplog: pytest.LogCaptureFixture) -> None:
    checkpoint, folder = detoxify_checkpoint
    policy = ToxicityPolicy(checkpoint=str(checkpoint), huggingface_config_path=str(folder))
    with caplog.at_level(logging.INFO, logger="chatkit.policies.toxicity"):
        verdicts = policy.check_many(["you are nice", "hello"], CTX)
    assert "scoring with detoxify" in caplog.text
    assert set(policy.scorer.labels) == {"toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"}
    assert all(v.action == Action.BLOCK and v.category == "hate" and v.reason.startswith("hate 0.99") for v in verdicts)
    relaxed = ToxicityPolicy(checkpoint=str(checkpoint), huggingface_config_path=str(folder), thresholds={"identity_attack": 0.999})
    assert relaxed.check("hello", CTX).action == Action.ALLOW, "per-label thresholds"


def test_a_missing_checkpoint_fails_closed_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    policy = ToxicityPolicy(checkpoint=str(tmp_path / "absent.ckpt"))
    with caplog.at_level(logging.ERROR):
        decision = PolicySet(output=[policy]).check("hello", CTX)
    assert decision.action == Action.BLOCK and "does not exist" in decision.verdicts[0].reason
    assert "fail-closed" in caplog.text


@pytest.mark.parametrize(("engine", "name"), [("auto", "minilm-content"), ("offline", "chatkit-offline")])
def test_the_content_model_is_the_default_and_the_offline_scorer_is_there(engine: str, name: str,
                                                                           caplog: pytest.LogCaptureFixture) -> None:
    policy = ToxicityPolicy(engine=engine)
    with caplog.at_level(logging.INFO, logger="chatkit.policies.toxicity"):
        assert policy.check("what a lovely day for a walk", CTX).action == Action.ALLOW
    assert f"scoring with {name}" in caplog.text


@pytest.mark.parametrize("text", ["you are a stupid bitch", "f.u.c.k you, you 1d10t", "shut the fuck up, loser",
                                  "y0u ar3 a wh0re", "go kill yourself"])
def test_offline_scorer_catches_insults_and_their_disguises(text: str) -> None:
    assert ToxicityPolicy(engine="offline").check(text, CTX).action == Action.BLOCK


@pytest.mark.parametrize("text", ["what do you do for fun?", "i love hiking with my dog", "that movie was killer!",
                                  "i hate mondays", "my sister is visiting this weekend", "the weather is awful today"])
def test_offline_scorer_leaves_ordinary_chat_alone(text: str) -> None:
    assert ToxicityPolicy(engine="offline").check(text, CTX).action == Action.ALLOW


def test_bad_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="engine"):
        ToxicityPolicy(engine="magic")


def test_long_random_tokens_score_without_numeric_warnings() -> None:
    import random
    import string
    import warnings

    from chatkit.policies.engines.offline import OfflineScorer

    rng = random.Random(0)
    text = " ".join("".join(rng.choices(string.ascii_letters + string.digits, k=rng.randint(20, 60))) for _ in range(300))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "overflow encountered in exp" would raise here
        scores = OfflineScorer().predict([text, "fuck you, you stupid idiot"])
    assert all(0.0 <= p <= 1.0 for s in scores for p in s.values())
    assert scores[1]["toxicity"] > 0.5, "ordinary scores are unchanged by the stable form"


@pytest.mark.parametrize("engine", ["offline", "model"])
@pytest.mark.parametrize(("text", "caught"), [
    ("I h4te you, you @ss", True),  # a mid-sentence "@ss" is leetspeak, not a Twitter mention
    ("@bob you are great", False),
    ("RT @news: what a lovely day", False),
    ("thanks @alice for the help", False),
])
def test_mentions_are_told_from_leetspeak(engine: str, text: str, caught: bool) -> None:
    verdict = ToxicityPolicy(engine=engine).check(text, CTX)
    assert (verdict.action >= Action.FLAG) is caught, verdict


@pytest.fixture(scope="module")
def content() -> ToxicityPolicy:
    return ToxicityPolicy(engine="model")


INPUT, OUTPUT = PolicyContext(Stage.INPUT), PolicyContext(Stage.OUTPUT)


@pytest.mark.parametrize(("text", "category", "at_input", "at_output"), [
    # what is hateful or threatening is refused; what is rude is flagged from a user and written again by the bot
    ("women are vermin", "hate", Action.BLOCK, Action.BLOCK),
    ("I'm going to find you and hurt you", "threat", Action.BLOCK, Action.BLOCK),
    ("you are an idiot", "insult", Action.FLAG, Action.REGENERATE),
    ("this fucking printer is broken again", "profanity", Action.FLAG, Action.REGENERATE),
    ("send me nudes right now", "sexual", Action.BLOCK, Action.BLOCK),
    # naming a group, saying who you are, or talking about hate is none of these
    ("I am gay and proud of it", "", Action.ALLOW, Action.ALLOW),
    ("Jews celebrate Hanukkah in winter", "", Action.ALLOW, Action.ALLOW),
    ("Christians celebrate Christmas in winter", "", Action.ALLOW, Action.ALLOW),
    ("my muslim neighbours are lovely", "", Action.ALLOW, Action.ALLOW),
    ("I don't hate gay people", "", Action.ALLOW, Action.ALLOW),
    # hate quoted or reported in order to reject it is mentioned, not used
    ("Saying 'women are stupid' is sexist and wrong", "", Action.ALLOW, Action.ALLOW),
    ("It is wrong to think that gay people are inferior.", "", Action.ALLOW, Action.ALLOW),
    ("The myth that immigrants are criminals is harmful.", "", Action.ALLOW, Action.ALLOW),
    ("Hatred of Jews has no place here.", "", Action.ALLOW, Action.ALLOW),
    ("can you recommend a good book about the Roman empire?", "", Action.ALLOW, Action.ALLOW),
])
def test_categories_and_their_actions_per_stage(content: ToxicityPolicy, text: str, category: str, at_input: Action,
                                                at_output: Action) -> None:
    for ctx, expected in ((INPUT, at_input), (OUTPUT, at_output)):
        verdict = content.check(text, ctx)
        assert (verdict.action, verdict.category) == (expected, category), verdict
        assert {c for c, _ in verdict.scores} == {"hate", "threat", "insult", "profanity", "sexual"}


@pytest.mark.parametrize("text", ["White.", "Black!", "Asian.", "Jewish"])
def test_a_word_alone_is_not_hate(content: ToxicityPolicy, text: str) -> None:
    # "White." answering "what colour is snow?" was refused as hate; one word is hate only as a slur
    for ctx in (INPUT, OUTPUT):
        verdict = content.check(text, ctx)
        assert verdict.action < Action.BLOCK and dict(verdict.scores)["hate"] < 0.5, verdict
    assert content.check("Idiot.", OUTPUT).category == "insult"


@pytest.mark.parametrize(("text", "insult"), [
    # a short answer to a question ("what colour is grass?", "which planet do we live on?") was read as an insult and
    # generated again until the fallback replaced it
    ("Green.", False), ("Dark grey.", False), ("White.", False), ("Earth.", False), ("Grass is green.", False),
    ("Loser.", True), ("Pathetic.", True), ("Get lost.", True), ("You're nothing.", True), ("Total moron.", True),
])
def test_a_short_reply_is_an_insult_only_with_a_word_that_insults(content: ToxicityPolicy, text: str, insult: bool) -> None:
    verdict = content.check(text, OUTPUT)
    assert (verdict.action, verdict.category) == ((Action.REGENERATE, "insult") if insult else (Action.ALLOW, "")), verdict


@pytest.mark.parametrize(("text", "hateful"), [
    ("How should I safely dispose of old prescription pills at home?", False),
    ("How should I dispose of expired medicine?", False),
    ("What's the best way to throw out old clothes?", False),
    ("We should dispose of old people.", True),
    ("Those animals need to be thrown out of our country.", True),
])
def test_hate_needs_someone_to_be_about(content: ToxicityPolicy, text: str, hateful: bool) -> None:
    # the hate head reads "dispose of" as hate of whatever is disposed of; the pill question was refused
    verdict = content.check(text, INPUT)
    assert (dict(verdict.scores)["hate"] >= 0.5) == hateful, verdict
    assert (verdict.action >= Action.BLOCK) == hateful, verdict


@pytest.mark.parametrize("text", ["you are an id10t", "you are an idιot", "y0u are an 1d1ot", "you are an i.d.i.o.t",
                                  "you are an i d i o t", "you are an id\u200biot"])
def test_disguised_insults_land_in_the_same_category(content: ToxicityPolicy, text: str) -> None:
    verdict = content.check(text, INPUT)
    assert (verdict.action, verdict.category) == (Action.FLAG, "insult"), verdict


def test_actions_are_configured_per_category_and_stage(content: ToxicityPolicy) -> None:
    strict = ToxicityPolicy(engine="model", actions={"insult": "block"}, input_actions={"sexual": "flag"})
    assert strict.check("you are an idiot", OUTPUT).action == Action.BLOCK
    assert strict.check("you are an idiot", INPUT).action == Action.BLOCK, "actions sets both stages"
    assert strict.check("send me nudes right now", INPUT).action == Action.FLAG, "input_actions sets the input only"
    assert strict.check("send me nudes right now", OUTPUT).action == Action.BLOCK
    assert strict.check("this fucking printer is broken again", INPUT).action == Action.FLAG, "others keep their defaults"
    assert strict.check("this fucking printer is broken again", OUTPUT).action == Action.REGENERATE
    watching = ToxicityPolicy(engine="model", action=Action.FLAG)  # what `action = "flag"` in its rule does
    assert watching.check("women are vermin", INPUT).action == Action.FLAG


@pytest.mark.parametrize("text", ["Je voudrais un livre de cuisine, s'il vous plaît.", "我想买一本关于历史的书",
                                  "Ich möchte bitte ein Kochbuch für meine Mutter kaufen."])
def test_text_in_another_language_is_not_scored_but_named(content: ToxicityPolicy, text: str) -> None:
    verdict = content.check(text, INPUT)
    assert verdict.action == Action.ALLOW and verdict.language in ("fr", "zh", "de") and "not scored" in verdict.reason
    assert ToxicityPolicy(engine="model", languages=["en", "fr", "zh", "de"]).check(text, INPUT).language == ""


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"actions": {"rudeness": "block"}}, "unknown category 'rudeness'"),
    ({"input_actions": {"insult": "shout"}}, "'shout' is not an action"),
    ({"languages": "en"}, "list of language codes"),
])
def test_bad_category_options_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ToxicityPolicy(**kwargs)  # type: ignore[arg-type]
