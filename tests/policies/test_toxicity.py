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
    assert all(v.action == Action.BLOCK and v.reason.startswith("identity_attack 0.99") for v in verdicts)
    relaxed = ToxicityPolicy(checkpoint=str(checkpoint), huggingface_config_path=str(folder), thresholds={"identity_attack": 0.999})
    assert relaxed.check("hello", CTX).action == Action.ALLOW, "per-label thresholds"


def test_a_missing_checkpoint_fails_closed_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    policy = ToxicityPolicy(checkpoint=str(tmp_path / "absent.ckpt"))
    with caplog.at_level(logging.ERROR):
        decision = PolicySet(output=[policy]).check("hello", CTX)
    assert decision.blocked and "does not exist" in decision.verdicts[0].reason
    assert "fail-closed" in caplog.text


def test_the_offline_scorer_is_the_default(caplog: pytest.LogCaptureFixture) -> None:
    policy = ToxicityPolicy()
    with caplog.at_level(logging.INFO, logger="chatkit.policies.toxicity"):
        assert policy.check("what a lovely day for a walk", CTX).action == Action.ALLOW
    assert "scoring with chatkit-offline" in caplog.text


@pytest.mark.parametrize("text", ["you are a stupid bitch", "f.u.c.k you, you 1d10t", "shut the fuck up, loser",
                                  "y0u ar3 a wh0re", "go kill yourself"])
def test_offline_scorer_catches_insults_and_their_disguises(text: str) -> None:
    assert ToxicityPolicy().check(text, CTX).action == Action.BLOCK


@pytest.mark.parametrize("text", ["what do you do for fun?", "i love hiking with my dog", "that movie was killer!",
                                  "i hate mondays", "my sister is visiting this weekend", "the weather is awful today"])
def test_offline_scorer_leaves_ordinary_chat_alone(text: str) -> None:
    assert ToxicityPolicy().check(text, CTX).action == Action.ALLOW


def test_bad_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="engine"):
        ToxicityPolicy(engine="magic")


def test_long_random_tokens_score_without_numeric_warnings() -> None:
    import random
    import string
    import warnings

    from chatkit.policies.offline_scorer import OfflineScorer

    rng = random.Random(0)
    text = " ".join("".join(rng.choices(string.ascii_letters + string.digits, k=rng.randint(20, 60))) for _ in range(300))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "overflow encountered in exp" would raise here
        scores = OfflineScorer().predict([text, "fuck you, you stupid idiot"])
    assert all(0.0 <= p <= 1.0 for s in scores for p in s.values())
    assert scores[1]["toxicity"] > 0.5, "ordinary scores are unchanged by the stable form"


@pytest.mark.parametrize(("text", "blocked"), [
    ("I h4te you, you @ss", True),  # a mid-sentence "@ss" is leetspeak, not a Twitter mention
    ("@bob you are great", False),
    ("RT @news: what a lovely day", False),
    ("thanks @alice for the help", False),
])
def test_mentions_are_told_from_leetspeak(text: str, blocked: bool) -> None:
    verdict = ToxicityPolicy().check(text, PolicyContext(Stage.INPUT))
    assert (verdict.action == Action.BLOCK) is blocked, verdict
