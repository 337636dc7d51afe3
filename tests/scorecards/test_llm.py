"""The optional LLM rewrite against a local fake OpenAI-compatible server: kept only when every claim is backed."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scorecards.llm import Claim, LlmSettings, Sentence, backed, rewrite

SENTENCES = [
    Sentence("公司近三年营业收入从9,564万元增长至1.6亿元，年均复合增长率30.1%。", 23, (100, 136)),
    Sentence("本轮计划融资1.1亿元，出让股权8%，投前估值约12.8亿元。", 24, (200, 229)),
    Sentence("设备采用LPBF工艺，已通过ISO 9001质量管理体系认证。", 8, (300, 329)),
]


class FakeServer:
    def __init__(self) -> None:
        self.reply: object = {"claims": []}
        self.status = 200
        self.delay = 0.0
        self.requests: list[dict] = []
        self.headers: list[dict] = []


@pytest.fixture
def server() -> Iterator[tuple[str, FakeServer]]:
    state = FakeServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(json.loads(body))
            state.headers.append(dict(self.headers))
            time.sleep(state.delay)
            content = state.reply if isinstance(state.reply, str) else json.dumps(state.reply, ensure_ascii=False)
            payload = json.dumps({"id": "x", "object": "chat.completion", "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]})
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload.encode())

        def log_message(self, *_args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", state
    httpd.shutdown()


def _settings(url: str, **extra: object) -> LlmSettings:
    return LlmSettings(url=url, model="fake-model", **extra)  # type: ignore[arg-type]


def test_a_faithful_rewrite_is_kept(server: tuple[str, FakeServer]) -> None:
    url, state = server
    state.reply = {"claims": [{"text": "近三年营业收入由9,564万元增长到1.6亿元，年均复合增长率30.1%。", "cites": [0]},
                              {"text": "本轮拟融资1.1亿元，出让股权8%。", "cites": [1]}]}
    result = rewrite("财务分析", SENTENCES, _settings(url, api_key="secret"))
    assert result is not None and result.model == "fake-model"
    assert [c.cites for c in result.claims] == [(0,), (1,)]
    assert result.claims[1].text == "本轮拟融资1.1亿元，出让股权8%。"
    sent = state.requests[0]
    assert sent["model"] == "fake-model" and sent["temperature"] == 0
    assert "[0] 公司近三年营业收入" in sent["messages"][1]["content"] and "财务分析" in sent["messages"][1]["content"]
    assert state.headers[0]["Authorization"] == "Bearer secret"


@pytest.mark.parametrize(("reply", "why"), [
    ({"claims": [{"text": "公司营业收入达到3亿元。", "cites": [0]}]}, "an invented number"),
    ({"claims": [{"text": "营业收入增长至1.6亿元。", "cites": [7]}]}, "a citation out of range"),
    ({"claims": [{"text": "营业收入增长至1.6亿元。", "cites": []}]}, "no citation"),
    ({"claims": [{"text": "本轮计划融资1.1亿元，出让股权8%。", "cites": [0]}]}, "the cited sentence does not say it"),
    ({"claims": []}, "no claims"),
    ("这不是 JSON", "not JSON"),
    ({"summary": "wrong shape"}, "the wrong JSON"),
])
def test_an_unbacked_or_malformed_rewrite_is_dropped(server: tuple[str, FakeServer], reply: object, why: str) -> None:
    url, state = server
    state.reply = reply
    assert rewrite("财务分析", SENTENCES, _settings(url)) is None, why


def test_a_fenced_answer_is_read(server: tuple[str, FakeServer]) -> None:
    url, state = server
    claims = {"claims": [{"text": "设备采用LPBF工艺并通过ISO 9001质量管理体系认证。", "cites": [2]}]}
    state.reply = f"```json\n{json.dumps(claims, ensure_ascii=False)}\n```"
    result = rewrite("技术和产品", SENTENCES, _settings(url))
    assert result is not None and result.claims[0].cites == (2,)


def test_server_errors_and_timeouts_give_none(server: tuple[str, FakeServer]) -> None:
    url, state = server
    state.status = 500
    assert rewrite("财务分析", SENTENCES, _settings(url)) is None
    state.status, state.delay = 200, 3.0
    started = time.monotonic()
    assert rewrite("财务分析", SENTENCES, _settings(url, timeout=0.5)) is None
    assert time.monotonic() - started < 2.5
    assert rewrite("财务分析", SENTENCES, _settings("http://127.0.0.1:9/v1", timeout=0.5)) is None


@pytest.mark.parametrize(("text", "cites", "expected"), [
    ("营业收入从9,564万元增长至1.6亿元。", (0,), True),
    ("营业收入从9564万元增长至1.6亿元。", (0,), True),  # a comma is not a fact
    ("营业收入增长至2.6亿元。", (0,), False),
    ("设备采用SLM工艺。", (2,), False),  # a Latin term the sentence does not name
    ("设备采用LPBF工艺。", (2,), True),
    ("团队由十位博士组成，经验丰富。", (0,), False),  # wording not in the sentence
    ("", (0,), False),
    ("营业收入从9,564万元增长至1.6亿元，本轮计划融资1.1亿元。", (0, 1), True),
])
def test_backed(text: str, cites: tuple[int, ...], expected: bool) -> None:
    assert backed(Claim(text, cites), SENTENCES) is expected


def test_off_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AMREVIEW_LLM_URL", raising=False)
    assert LlmSettings.from_env() is None
    monkeypatch.setenv("AMREVIEW_LLM_URL", "  ")
    assert LlmSettings.from_env() is None
    monkeypatch.setenv("AMREVIEW_LLM_URL", "http://127.0.0.1:8001/v1/")
    monkeypatch.setenv("AMREVIEW_LLM_MODEL", "qwen")
    settings = LlmSettings.from_env()
    assert settings is not None and settings.url == "http://127.0.0.1:8001/v1" and settings.model == "qwen"


def test_the_prefill_keeps_a_backed_rewrite_beside_its_quotations(server: tuple[str, FakeServer],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from api.demo.plans import make_plan
    from api.demo.render import render_pdf
    from ingest.parse import parse_bytes
    from scorecards.prefill import prefill, rewriter_from_env
    from scorecards.rubrics import default_for

    url, state = server
    document = parse_bytes(render_pdf(make_plan(2, 5, 12)), "plan.pdf")
    plain = prefill(document, default_for("enterprise"))
    first = plain.criteria[0].summary[0].text
    state.reply = {"claims": [{"text": first, "cites": [0]}]}  # the quotation itself: trivially backed
    monkeypatch.setenv("AMREVIEW_LLM_URL", url)
    card = prefill(document, default_for("enterprise"), rewriter=rewriter_from_env())
    assert card.criteria[0].rewrite == (Claim(first, (0,)),)
    assert card.criteria[0].summary == plain.criteria[0].summary
    assert card.detail_json()["criteria"][0]["rewrite"] == [{"text": first, "cites": [0]}]
