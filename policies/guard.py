"""GuardPolicy: a served guard model (Llama Guard 3 or 4, Qwen3Guard, ShieldGemma) or any ``/v1/moderations``
endpoint as a policy.

``[policies.guard] options = { base_url = "http://127.0.0.1:8002/v1", model = "...", format = "llama-guard-3" }``.
The format decides what is sent (the conversation with the role to judge last, or ShieldGemma's own prompt) and reads
the answer into a Verdict with chatkit's categories (``FORMATS``'s category maps; the README has the table).

What is judged: at the input stage the new message with the recent user turns before it (one user message, the turns
separated by blank lines: the Llama Guard templates want the roles to alternate); at the output stage the reply as
the assistant's message after the user message it answers. ``openai-moderation`` judges the text alone.

Failures are the PolicySet's to judge, as for any policy: the engine down, slower than ``timeout_s``, a 429 or 5xx
after ``retries`` retries with exponential backoff, a 4xx, a malformed answer or one that names a category its
format does not have raise an error whose message names the URL; the PolicySet blocks (unless the rule is
``fail_open``) and logs that one line. Retries are logged at DEBUG only. The key comes from ``$CHATKIT_GUARD_API_KEY``
(``api_key_env`` names another variable) and is never logged. Keep the rule's ``timeout_s`` (5 s by default) above
``timeout_s * (retries + 1)`` plus the backoff, so that the policy's own error, with the URL, is what is logged.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chatkit.policies.base import Action, PolicyContext, Stage, Verdict
from chatkit.policies.errors import GuardAnswerError, GuardUnavailable
from chatkit.policies.openai_categories import FROM_OPENAI, chatkit_categories

log = logging.getLogger(__name__)

API_KEY_ENV = "CHATKIT_GUARD_API_KEY"

# the MLCommons hazard codes of Llama Guard 3 and 4 -> chatkit's categories
LLAMA_GUARD = {
    "S1": "violent_crimes", "S2": "nonviolent_crimes", "S3": "sex_crimes", "S4": "child_exploitation", "S5": "defamation",
    "S6": "specialized_advice", "S7": "privacy", "S8": "intellectual_property", "S9": "weapons", "S10": "hate",
    "S11": "self_harm", "S12": "sexual", "S13": "elections", "S14": "code_interpreter_abuse",
}
QWEN3GUARD = {
    "violent": "violent_crimes", "non-violent illegal acts": "nonviolent_crimes", "sexual content or sexual acts": "sexual",
    "pii": "privacy", "suicide & self-harm": "self_harm", "unethical acts": "unethical", "politically sensitive topics":
    "political", "copyright violation": "intellectual_property", "jailbreak": "jailbreak",
}
SHIELDGEMMA = {  # harm type -> (chatkit category, the principle ShieldGemma's model card gives for it)
    "dangerous": ("violent_crimes", '"No Dangerous Content": The prompt shall not contain or seek generation of content '
                  "that harming oneself and/or others (e.g., accessing or building firearms and explosive devices, "
                  "promotion of terrorism, instructions for suicide)."),
    "harassment": ("harassment", '"No Harassment": The prompt shall not contain or seek generation of content that is '
                   "malicious, intimidating, bullying, or abusive content targeting another individual (e.g., physical "
                   "threats, denial of tragic events, disparaging victims of violence)."),
    "hate": ("hate", '"No Hate Speech": The prompt shall not contain or seek generation of content that targeting '
             "identity and/or protected attributes (e.g., racial slurs, promotion of discrimination, calls to violence "
             "against protected groups) or dehumanizing/belittling/vilifying on the bases of race, ethnicity, religion, "
             "disability, age, nationality, veteran status, sexual orientation, gender, gender identity, caste, or any "
             "other protected status."),
    "sexual": ("sexual", '"No Sexually Explicit Information": The prompt shall not contain or seek generation of content '
               "that contains references to sexual acts or other lewd content (e.g., sexually graphic descriptions, "
               "content aimed at causing arousal). Medical or scientific terms related to human anatomy or sex "
               "education are permitted."),
}
FORMATS = ("llama-guard-3", "llama-guard-4", "qwen3guard", "shieldgemma", "openai-moderation")


@dataclass(frozen=True)
class Judgement:
    """What a guard model said: unsafe or not, the chatkit categories it named, and how sure (1 without scores)."""

    unsafe: bool
    categories: tuple[str, ...] = ()
    score: float = 1.0
    controversial: bool = False


def conversation(text: str, ctx: PolicyContext, turns: int) -> list[dict[str, str]]:
    """The chat messages to judge, the judged role last."""
    if ctx.stage == Stage.OUTPUT:
        asked = [{"role": "user", "content": ctx.history[-1]}] if ctx.history else []
        return [*asked, {"role": "assistant", "content": text}]
    recent = [t for t in ctx.history[-turns:] if t and t != text] if turns > 0 else []
    return [{"role": "user", "content": "\n\n".join([*recent, text])}]


def parse_llama_guard(answer: str) -> Judgement:
    """``safe``, or ``unsafe`` then a line of codes (``S1,S10``)."""
    lines = [line.strip() for line in answer.strip().splitlines() if line.strip()]
    verdict = lines[0].lower() if lines else ""
    if verdict == "safe":
        return Judgement(False)
    if verdict != "unsafe":
        raise GuardAnswerError(f"the answer is not 'safe' or 'unsafe': {answer[:80]!r}")
    codes = [c.strip().upper() for c in lines[1].split(",") if c.strip()] if len(lines) > 1 else []
    unknown = [c for c in codes if c not in LLAMA_GUARD]
    if unknown:
        raise GuardAnswerError(f"the answer names unknown categories {unknown} (Llama Guard has S1-S14)")
    return Judgement(True, tuple(LLAMA_GUARD[c] for c in codes))


_QWEN_SAFETY = re.compile(r"Safety:\s*(Safe|Unsafe|Controversial)\b", re.IGNORECASE)
_QWEN_CATEGORIES = re.compile(r"Categories:\s*(.+)", re.IGNORECASE)


def parse_qwen3guard(answer: str) -> Judgement:
    """``Safety: Safe|Unsafe|Controversial`` and ``Categories: A, B`` (``None`` for none)."""
    safety = _QWEN_SAFETY.search(answer)
    if safety is None:
        raise GuardAnswerError(f"the answer has no 'Safety: Safe|Unsafe|Controversial' line: {answer[:80]!r}")
    found = _QWEN_CATEGORIES.search(answer)
    names = [n.strip().lower() for n in found.group(1).split(",") if n.strip()] if found else []
    names = [n for n in names if n != "none"]
    unknown = [n for n in names if n not in QWEN3GUARD]
    if unknown:
        raise GuardAnswerError(f"the answer names unknown categories {unknown}")
    level = safety.group(1).lower()
    categories = tuple(QWEN3GUARD[n] for n in names)
    if level == "controversial":
        return Judgement(False, categories, 0.5, controversial=True)
    return Judgement(level == "unsafe", categories if level == "unsafe" else ())


def shieldgemma_prompt(messages: Sequence[Mapping[str, str]], principle: str) -> str:
    """ShieldGemma's prompt (its model card's): the user's question, the response when judging one, one principle."""
    question = next((m["content"] for m in messages if m["role"] == "user"), "")
    response = next((m["content"] for m in messages if m["role"] == "assistant"), None)
    if response is None:
        return ("You are a policy expert trying to help determine whether a user prompt is in violation of the defined "
                f"safety policies.\n\n<start_of_turn>\nHuman Question: {question.strip()}\n<end_of_turn>\n\n"
                f"Our safety principle is defined in the below:\n\n* {principle}\n\n===\n\nDoes the human question violate "
                "the above principle? Your answer must start with 'Yes' or 'No'. And then walk through step by step to be "
                "sure we answer correctly.\n")
    principle = principle.replace("The prompt shall not", "The chatbot shall not")
    return ("You are a policy expert trying to help determine whether an AI response to prompt is in violation of the "
            f"defined safety policies.\n\n<start_of_turn>\nHuman Question: {question.strip()}\n<end_of_turn>\n\n"
            f"<start_of_turn>\nChatbot Response: {response.strip()}\n<end_of_turn>\n\nOur safety principle is defined in "
            f"the below:\n\n* {principle}\n\n===\n\nDoes the Chatbot Response violate the above principle? Your answer "
            "must start with 'Yes' or 'No'. And then walk through step by step to be sure we answer correctly.\n")


def parse_shieldgemma(answer: str) -> bool:
    first = answer.strip().split(None, 1)[0].strip(".,:!").lower() if answer.strip() else ""
    if first not in ("yes", "no"):
        raise GuardAnswerError(f"the answer does not start with 'Yes' or 'No': {answer[:80]!r}")
    return first == "yes"


class GuardPolicy:
    """A guard model behind an OpenAI-compatible engine (or a ``/v1/moderations`` endpoint) as a policy."""

    def __init__(self, name: str = "guard", *, base_url: str, model: str = "", format: str = "llama-guard-3",
                 action: Action = Action.BLOCK, threshold: float = 0.5, timeout_s: float = 2.0, retries: int = 1,
                 backoff_s: float = 0.25, api_key_env: str = API_KEY_ENV, history_turns: int = 2, max_tokens: int = 24,
                 harm_types: Sequence[str] = tuple(SHIELDGEMMA), controversial: str = "flag") -> None:
        if format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL (the engine's API root, e.g. http://127.0.0.1:8002/v1), "
                             f"not {base_url!r}")
        if format != "openai-moderation" and not model:
            raise ValueError("model is empty: name the guard model the engine serves (GET /v1/models on it lists them)")
        unknown = [h for h in harm_types if h not in SHIELDGEMMA]
        if unknown:
            raise ValueError(f"harm_types: unknown {unknown}; ShieldGemma's: {', '.join(SHIELDGEMMA)}")
        if timeout_s <= 0 or retries < 0 or backoff_s < 0:
            raise ValueError("timeout_s must be over 0, retries and backoff_s 0 or more")
        self.name, self.base_url, self.model, self.format = name, base_url.rstrip("/"), model, format
        self.action, self.threshold, self.timeout_s, self.retries, self.backoff_s = action, threshold, timeout_s, retries, backoff_s
        self.history_turns, self.max_tokens, self.harm_types = history_turns, max_tokens, tuple(harm_types)
        self.controversial = Action[controversial.upper()]
        self._api_key_env = api_key_env
        self._client: Any = None

    def _openai(self) -> Any:
        if self._client is None:
            import openai

            self._client = openai.OpenAI(base_url=self.base_url, api_key=os.environ.get(self._api_key_env) or "none",
                                         timeout=self.timeout_s, max_retries=0)
        return self._client

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        if self.format == "openai-moderation":
            return self._moderation(text)
        messages = conversation(text, ctx, self.history_turns)
        if self.format == "shieldgemma":
            hits = [SHIELDGEMMA[h][0] for h in self.harm_types
                    if parse_shieldgemma(self._chat([{"role": "user", "content": shieldgemma_prompt(messages, SHIELDGEMMA[h][1])}]))]
            return self._verdict(Judgement(bool(hits), tuple(hits)))
        if self.format == "llama-guard-4":  # its chat template reads content parts (it takes images too)
            messages = [{"role": m["role"], "content": [{"type": "text", "text": m["content"]}]} for m in messages]  # type: ignore[misc]
        answer = self._chat(messages)
        return self._verdict(parse_qwen3guard(answer) if self.format == "qwen3guard" else parse_llama_guard(answer))

    def _verdict(self, j: Judgement) -> Verdict:
        scores = (("unsafe", j.score if j.unsafe or j.controversial else 0.0),
                  *((c, j.score) for c in dict.fromkeys(j.categories)))
        category = j.categories[0] if j.categories else ""
        if j.controversial:
            return Verdict(self.name, self.controversial, j.score, f"{self.format}: controversial", category=category,
                           scores=scores)
        if not j.unsafe:
            return Verdict(self.name, Action.ALLOW, 0.0, "", scores=scores)
        reason = f"{self.format}: unsafe" + (f" ({', '.join(j.categories)})" if j.categories else "")
        return Verdict(self.name, self.action, j.score, reason, category=category, scores=scores)

    def _moderation(self, text: str) -> Verdict:
        body = self._call("moderations", {"model": self.model or None, "input": text})
        try:
            result = body["results"][0]
            flagged, raw = result["flagged"], dict(result["category_scores"])
            true = [k for k, v in dict(result.get("categories") or {}).items() if v]
            if not isinstance(flagged, bool) or not all(isinstance(v, int | float) for v in raw.values()):
                raise TypeError("flagged is not a bool or a score is not a number")
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
            raise GuardAnswerError(f"{self._where('moderations')} answered no moderation result ({e})") from None
        unknown = [k for k in true if k not in FROM_OPENAI]
        if unknown:
            raise GuardAnswerError(f"{self._where('moderations')} flagged unknown categories {unknown}")
        ours = chatkit_categories(raw)
        top = max(ours.items(), key=lambda kv: kv[1], default=("", 0.0))
        named = tuple(dict.fromkeys(FROM_OPENAI[k] for k in true)) or ((top[0],) if top[1] >= self.threshold else ())
        score = max(top[1], 1.0 if flagged and not raw else 0.0)
        unsafe = flagged or top[1] >= self.threshold
        scores = (("unsafe", score), *sorted(ours.items()))
        if not unsafe:
            return Verdict(self.name, Action.ALLOW, score, "", category="", scores=scores)
        category = named[0] if named else top[0]
        return Verdict(self.name, self.action, max(score, self.threshold), f"openai-moderation: flagged ({', '.join(named)})",
                       category=category, scores=scores)

    def _chat(self, messages: list[dict[str, Any]]) -> str:
        body = self._call("chat/completions", {"model": self.model, "messages": messages, "max_tokens": self.max_tokens,
                                                "temperature": 0.0, "stream": False})
        try:
            content = body["choices"][0]["message"]["content"]
            if not isinstance(content, str):
                raise TypeError(f"content is {type(content).__name__}")
        except (KeyError, IndexError, TypeError) as e:
            raise GuardAnswerError(f"{self._where('chat/completions')} answered no message ({type(e).__name__}: {e})") from None
        return content

    def _where(self, route: str) -> str:
        return f"the guard engine at {self.base_url}/{route} ({self.model or 'default model'})"

    def _call(self, route: str, body: dict[str, Any]) -> Any:
        """POST ``body``; the JSON answer. Retries connection errors, timeouts, 429 and 5xx with backoff."""
        import openai

        client = self._openai()
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                response = client.post(f"/{route}", body={k: v for k, v in body.items() if v is not None}, cast_to=object)
            except openai.APIStatusError as e:
                problem = f"HTTP {e.status_code}"
                if e.status_code != 429 and e.status_code < 500:
                    raise GuardUnavailable(f"{self._where(route)} refused the request: {problem}: {_short(e)}") from None
            except openai.APITimeoutError:
                problem = f"no answer within {self.timeout_s:g} s"
            except openai.APIConnectionError as e:
                problem = f"cannot connect ({_short(e.__cause__ or e)})"
            except ValueError as e:  # a body that is not JSON
                raise GuardAnswerError(f"{self._where(route)} answered something that is not JSON ({e})") from None
            else:
                if not isinstance(response, dict):
                    raise GuardAnswerError(f"{self._where(route)} answered {str(response)[:60]!r}, not a JSON object")
                return response
            log.debug("guard %s: %s, attempt %d of %d", self.name, problem, attempt + 1, self.retries + 1)
        raise GuardUnavailable(f"{self._where(route)} is unavailable: {problem} after {self.retries + 1} attempts")


def _short(e: BaseException) -> str:
    return " ".join(str(e).split())[:120]
