"""An optional OpenAI-compatible LLM that rewrites a criterion's extractive summary into prose.

Off by default (``AMREVIEW_LLM_URL`` unset). A rewrite is advisory, never a score, and is kept only
when every claim in it is backed by the quotations it cites: numbers and Latin terms must appear in
them, and most of its Chinese character bigrams too. Anything else (invented figures, a claim
citing nothing or a sentence that does not say it, a malformed answer, a slow or failing server)
gives None, and the extractive summary stands on its own. Standard library HTTP only.
"""

from __future__ import annotations

import json
import logging
import os
import re
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

MAX_RESPONSE = 1 << 20
MIN_OVERLAP = 0.6  # share of a claim's CJK bigrams found in its cited sentences
_NUMBER = re.compile(r"\d+(?:\.\d+)?%?")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9+\-]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Bigrams any paraphrase adds without adding a fact.
_FUNCTION = frozenset({"公司", "项目", "其中", "以及", "并且", "已经", "通过", "进行", "具有", "相关", "主要", "目前",
                       "实现", "方面", "能够", "可以", "我们", "该项", "本项", "同时", "此外", "一个"})


@dataclass(frozen=True)
class Sentence:
    text: str
    page: int | None
    span: tuple[int, int]


@dataclass(frozen=True)
class Claim:
    text: str
    cites: tuple[int, ...]


@dataclass(frozen=True)
class Rewrite:
    claims: tuple[Claim, ...]
    model: str


@dataclass(frozen=True)
class LlmSettings:
    url: str
    model: str = "default"
    api_key: str | None = None
    timeout: float = 20.0
    max_claims: int = 5

    @classmethod
    def from_env(cls) -> LlmSettings | None:
        url = os.environ.get("AMREVIEW_LLM_URL", "").strip()
        if not url:
            return None
        return cls(url=url.rstrip("/"), model=os.environ.get("AMREVIEW_LLM_MODEL") or "default",
                   api_key=os.environ.get("AMREVIEW_LLM_KEY") or None,
                   timeout=float(os.environ.get("AMREVIEW_LLM_TIMEOUT") or 20))


class LlmError(Exception):
    """The endpoint failed or answered something that is not a rewrite."""


def rewrite(criterion: str, sentences: Sequence[Sentence], settings: LlmSettings, *,
            lang: str = "zh") -> Rewrite | None:
    """The endpoint's rewrite of ``sentences`` if every claim is backed, else None (never raises)."""
    if not sentences:
        return None
    try:
        claims = _claims(_ask(_messages(criterion, sentences, lang, settings.max_claims), settings))
    except LlmError as exc:
        log.warning("LLM rewrite of %s not used: %s", criterion, exc)
        return None
    if not 0 < len(claims) <= settings.max_claims or not all(backed(c, sentences) for c in claims):
        log.warning("LLM rewrite of %s not used: a claim is not backed by its citations", criterion)
        return None
    return Rewrite(tuple(claims), settings.model)


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(",", "").lower()


def backed(claim: Claim, sentences: Sequence[Sentence]) -> bool:
    """Whether every figure, Latin term and most of the wording of ``claim`` come from its cited sentences.

    Numbers and terms must match exactly because they are what a judge relies on; the wording only
    mostly, because a rewrite is allowed its own connectives.
    """
    if not claim.cites or any(not 0 <= i < len(sentences) for i in claim.cites):
        return False
    text, cited = _normal(claim.text).strip(), _normal("".join(sentences[i].text for i in claim.cites))
    if not text:
        return False
    if any(number not in cited for number in _NUMBER.findall(text)):
        return False
    if any(word not in cited for word in _LATIN.findall(text)):
        return False
    bigrams = {text[i:i + 2] for i in range(len(text) - 1)
               if _CJK.match(text[i]) and _CJK.match(text[i + 1])} - _FUNCTION
    if not bigrams:
        return bool(_NUMBER.findall(text) or _LATIN.findall(text))
    return sum(b in cited for b in bigrams) / len(bigrams) >= MIN_OVERLAP


def _messages(criterion: str, sentences: Sequence[Sentence], lang: str, most: int) -> list[dict[str, str]]:
    numbered = "\n".join(f"[{i}] {s.text}" for i, s in enumerate(sentences))
    if lang == "en":
        system = ("You summarise a business plan for contest judges. Use only facts from the numbered sentences; "
                  "add no numbers, names or judgements. Answer JSON {\"claims\": [{\"text\", \"cites\": [i]}]}.")
        user = f"Criterion: {criterion}\nRewrite in at most {most} sentences, each citing its sources:\n{numbered}"
    else:
        system = ("你为评审专家概括商业计划书。只能使用编号句子中的事实，不得添加数字、名称或评价。"
                  "以 JSON 回答：{\"claims\": [{\"text\": 句子, \"cites\": [编号]}]}。")
        user = f"评审项：{criterion}\n请改写为不超过{most}句，每句注明所依据的编号：\n{numbered}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _ask(messages: list[dict[str, str]], settings: LlmSettings) -> str:
    body = json.dumps({"model": settings.model, "messages": messages, "temperature": 0,
                       "response_format": {"type": "json_object"}}).encode()
    headers = {"Content-Type": "application/json"}
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key}"
    request = urllib.request.Request(f"{settings.url}/chat/completions", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout) as response:
            raw = response.read(MAX_RESPONSE + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise LlmError(f"request failed: {exc}") from None
    if len(raw) > MAX_RESPONSE:
        raise LlmError("response larger than 1 MB")
    try:
        return str(json.loads(raw)["choices"][0]["message"]["content"])
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LlmError(f"not a chat completion: {exc}") from None


def _claims(content: str) -> list[Claim]:
    fenced = re.search(r"```(?:json)?\s*(.*?)```", content, re.DOTALL)
    try:
        data = json.loads(fenced[1] if fenced else content)
        return [Claim(str(item["text"]), tuple(int(i) for i in item.get("cites") or ())) for item in data["claims"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise LlmError(f"not the JSON asked for: {exc}") from None
