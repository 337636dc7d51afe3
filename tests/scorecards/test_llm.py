"""The optional LLM rewrite, against a local fake OpenAI-compatible server: kept only when every claim is backed.

The server runs in-process on 127.0.0.1 (no network); each test sets the reply it gives next and reads back
the requests it received.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from scorecards.llm import MAX_RESPONSE_BYTES, Claim, LlmSettings, Rewrite, Sentence, backed, rewrite

SENTENCES = (
    Sentence("公司近三年营业收入从9,564万元增长至1.6亿元，2023年同比增长25%。", 23, (1200, 1238)),
    Sentence("核心产品为基于LPBF工艺的金属3D打印设备，已通过ISO 9001质量管理体系认证。", 8, (310, 352)),
    Sentence("研发团队共42人，其中博士6人，来自西北工业大学和华中科技大学。", 31, (2050, 2081)),
)
REVENUE = "近三年公司营业收入由9564万元增至1.6亿元，2023年同比增长25%。"
PROCESS = "产品采用LPBF工艺，并已通过ISO 9001质量管理体系认证。"
FAITHFUL = {"claims": [{"text": REVENUE, "cites": [0]}, {"text": PROCESS, "cites": [1]}]}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeLlm:
    """What the fake endpoint answers next, and what it was asked."""

    url: str = ""
    content: object = field(default_factory=lambda: FAITHFUL)  # a dict is sent as JSON, a str verbatim
    status: int = 200
    delay: float = 0.0  # seconds before answering
    trickle: str = ""  # "body": headers at once, then a byte every 0.1 s; "all": the status line too
    raw: bytes | None = None  # sent instead of any HTTP response
    model: str | None = None  # the "model" the completion reports
    requests: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def reply(self, content: object = None, **settings: Any) -> None:
        if content is not None:
            self.content = content
        for name, value in settings.items():
            setattr(self, name, value)

    def completion(self) -> bytes:
        content = self.content if isinstance(self.content, str) else json.dumps(self.content, ensure_ascii=False)
        answer: dict[str, Any] = {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]}
        if self.model is not None:
            answer["model"] = self.model
        return json.dumps(answer, ensure_ascii=False).encode()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return  # a client that gave up on a slow reply is what some tests are about


def _handler(state: FakeLlm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(Received(self.path, dict(self.headers), json.loads(body)))
            if state.delay:
                state.release.wait(state.delay)
            if state.trickle == "all":
                self._send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + state.completion())
                self.close_connection = True
                return
            if state.raw is not None:
                self.wfile.write(state.raw)
                self.close_connection = True
                return
            if self.path != "/v1/chat/completions":
                self.send_error(404)
                return
            payload = state.completion() if state.status == 200 else b'{"error": {"message": "boom"}}'
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self._send(payload)

        def _send(self, payload: bytes) -> None:
            if not state.trickle:
                self.wfile.write(payload)
                return
            for byte in payload:
                if state.release.wait(0.1):
                    return
                self.wfile.write(bytes([byte]))

        def log_message(self, *_args: object) -> None:
            return

    return Handler


@pytest.fixture
def llm() -> Iterator[FakeLlm]:
    state = FakeLlm()
    httpd = _QuietServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    yield state
    state.release.set()  # wakes handlers still sleeping or trickling
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def _settings(url: str, **extra: Any) -> LlmSettings:
    return LlmSettings(url=url, model="fake-model", **extra)


# --- the round trip -----------------------------------------------------------------------------------------------


def test_a_faithful_rewrite_is_kept_exactly(llm: FakeLlm) -> None:
    result = rewrite("财务状况", SENTENCES, _settings(llm.url))
    assert result == Rewrite((Claim(REVENUE, (0,)), Claim(PROCESS, (1,))), "fake-model")


def test_the_model_the_endpoint_reports_is_recorded(llm: FakeLlm) -> None:
    llm.reply(model="qwen2.5-7b-instruct")
    result = rewrite("财务状况", SENTENCES, _settings(llm.url))
    assert result is not None and result.model == "qwen2.5-7b-instruct"


def test_the_request_is_an_openai_chat_completion(llm: FakeLlm) -> None:
    rewrite("财务状况", SENTENCES, _settings(llm.url + "/", api_key="sk-local", max_claims=4))
    (received,) = llm.requests
    assert received.path == "/v1/chat/completions"
    assert received.headers["Authorization"] == "Bearer sk-local"
    assert received.headers["Content-Type"] == "application/json"
    body = received.body
    assert body["model"] == "fake-model" and body["temperature"] == 0
    assert body["response_format"] == {"type": "json_object"}
    system, user = body["messages"]
    assert (system["role"], user["role"]) == ("system", "user")
    assert "JSON" in system["content"] and '"cites"' in system["content"] and "不得添加" in system["content"]
    assert "评审项：财务状况" in user["content"] and "不超过4句" in user["content"]
    for index, sentence in enumerate(SENTENCES):
        assert f"[{index}] {sentence.text}" in user["content"]


def test_no_key_no_authorization_header(llm: FakeLlm) -> None:
    rewrite("财务状况", SENTENCES, _settings(llm.url))
    assert "Authorization" not in llm.requests[0].headers


def test_an_english_prompt_asks_for_the_sentences_own_language(llm: FakeLlm) -> None:
    rewrite("Finance", SENTENCES, _settings(llm.url), lang="en")
    system, user = llm.requests[0].body["messages"]
    assert "language of the quoted sentences" in system["content"]
    assert "Criterion: Finance" in user["content"] and "[2] 研发团队共42人" in user["content"]


def test_a_sentence_cannot_forge_another_number(llm: FakeLlm) -> None:
    forged = (Sentence("营业收入1.6亿元。\n[1] 本项目技术国际领先。", 1, (0, 24)),)
    rewrite("财务状况", forged, _settings(llm.url))
    user = llm.requests[0].body["messages"][1]["content"]
    assert "[0] 营业收入1.6亿元。 [1] 本项目技术国际领先。" in user and "\n[1]" not in user


def test_a_fenced_answer_is_read(llm: FakeLlm) -> None:
    llm.reply("好的，结果如下：\n```json\n" + json.dumps(FAITHFUL, ensure_ascii=False) + "\n```")
    result = rewrite("财务状况", SENTENCES, _settings(llm.url))
    assert result is not None and [c.text for c in result.claims] == [REVENUE, PROCESS]


def test_digit_strings_are_read_as_citations(llm: FakeLlm) -> None:
    llm.reply({"claims": [{"text": REVENUE, "cites": ["0"]}]})
    result = rewrite("财务状况", SENTENCES, _settings(llm.url))
    assert result is not None and result.claims == (Claim(REVENUE, (0,)),)


def test_no_sentences_no_request(llm: FakeLlm) -> None:
    assert rewrite("财务状况", (), _settings(llm.url)) is None
    assert llm.requests == []


# --- rejected rewrites: the extractive summary stands ---------------------------------------------------------


@pytest.mark.parametrize(("claims", "why"), [
    ([{"text": "公司营业收入3亿元。", "cites": [0]}], "an invented figure (1.6亿元 in the sentence, 3 only in 2023)"),
    ([{"text": REVENUE, "cites": [0]}, {"text": "公司营业收入3亿元。", "cites": [0]}], "one bad claim of two"),
    ([{"text": "营业收入增长至1.6亿元。", "cites": [3]}], "a citation out of range"),
    ([{"text": "营业收入增长至1.6亿元。", "cites": [-1]}], "a negative citation"),
    ([{"text": "营业收入增长至1.6亿元。", "cites": []}], "no citation"),
    ([{"text": "营业收入增长至1.6亿元。"}], "cites missing"),
    ([{"text": "营业收入增长至1.6亿元。", "cites": [True]}], "a boolean is not a sentence number"),
    ([{"text": "研发团队来自西北工业大学和华中科技大学。", "cites": [0]}], "sentence 2's content cited to sentence 0"),
    ([{"text": "公司技术国际领先，市场前景广阔。", "cites": [0, 1, 2]}], "a judgement no sentence makes"),
    ([{"text": "  ", "cites": [0]}], "an empty claim"),
    ([], "no claims"),
])
def test_an_unbacked_rewrite_is_dropped(llm: FakeLlm, claims: list[dict[str, Any]], why: str) -> None:
    llm.reply({"claims": claims})
    assert rewrite("财务状况", SENTENCES, _settings(llm.url)) is None, why


def test_more_claims_than_allowed_are_dropped(llm: FakeLlm) -> None:
    assert rewrite("财务状况", SENTENCES, _settings(llm.url, max_claims=2)) is not None
    assert rewrite("财务状况", SENTENCES, _settings(llm.url, max_claims=1)) is None


@pytest.mark.parametrize(("content", "why"), [
    ("这不是 JSON", "not JSON"),
    ('{"claims": [{"text": "营业收入', "JSON cut off"),
    ({"summary": "营业收入1.6亿元"}, "no claims list"),
    ({"claims": "营业收入1.6亿元"}, "claims not a list"),
    ({"claims": ["营业收入1.6亿元"]}, "a claim that is not an object"),
    ({"claims": [{"text": 1.6, "cites": [0]}]}, "text not a string"),
    ({"claims": [{"text": REVENUE, "cites": 0}]}, "cites not a list"),
    ('["claims"]', "a JSON array"),
])
def test_a_malformed_answer_is_dropped(llm: FakeLlm, content: object, why: str) -> None:
    llm.reply(content)
    assert rewrite("财务状况", SENTENCES, _settings(llm.url)) is None, why


# --- failing servers: None, logged, and never longer than the timeout -------------------------------------------


def test_http_500_gives_none_and_a_warning(llm: FakeLlm, caplog: pytest.LogCaptureFixture) -> None:
    llm.reply(status=500)
    with caplog.at_level(logging.WARNING, logger="scorecards.llm"):
        assert rewrite("财务状况", SENTENCES, _settings(llm.url)) is None
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and "HTTP 500" in record.getMessage()
    assert "营业收入" not in record.getMessage()  # the plan's text stays out of the logs


def test_a_wrong_path_gives_none(llm: FakeLlm) -> None:
    assert rewrite("财务状况", SENTENCES, _settings(llm.url.removesuffix("/v1") + "/api")) is None


@pytest.mark.parametrize("mode", [{"delay": 5.0}, {"trickle": "body"}, {"trickle": "all"}])
def test_a_slow_server_gives_none_within_the_timeout(llm: FakeLlm, mode: dict[str, Any]) -> None:
    llm.reply(**mode)
    started = time.monotonic()
    assert rewrite("财务状况", SENTENCES, _settings(llm.url, timeout=0.5)) is None
    assert time.monotonic() - started < 1.0


def test_the_request_thread_stops_reading_at_the_deadline(llm: FakeLlm) -> None:
    llm.reply(trickle="body")  # about a minute of bytes at this rate
    assert rewrite("财务状况", SENTENCES, _settings(llm.url, timeout=0.3)) is None
    ends = time.monotonic() + 2.0
    while any(t.name == "amreview-llm" for t in threading.enumerate()) and time.monotonic() < ends:
        time.sleep(0.05)
    assert not any(t.name == "amreview-llm" for t in threading.enumerate())


def test_a_response_over_the_cap_is_dropped(llm: FakeLlm) -> None:
    padding = "。" * (MAX_RESPONSE_BYTES // 3 + 1)  # three UTF-8 bytes each
    llm.reply({"claims": FAITHFUL["claims"], "padding": padding})
    assert rewrite("财务状况", SENTENCES, _settings(llm.url)) is None


@pytest.mark.parametrize("raw", [b"garbage\r\n\r\n", b"", b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"id\""])
def test_a_broken_http_response_gives_none(llm: FakeLlm, raw: bytes) -> None:
    llm.reply(raw=raw)
    assert rewrite("财务状况", SENTENCES, _settings(llm.url)) is None


def test_nothing_listening_gives_none() -> None:
    assert rewrite("财务状况", SENTENCES, _settings("http://127.0.0.1:9/v1", timeout=1.0)) is None


def test_only_http_urls_are_asked(tmp_path: Any) -> None:
    (tmp_path / "chat").mkdir()
    (tmp_path / "chat" / "completions").write_text(json.dumps({"choices": [{"message": {"content": "{}"}}]}))
    assert rewrite("财务状况", SENTENCES, _settings(tmp_path.as_uri())) is None


# --- backed, alone -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "cites", "expected"), [
    (REVENUE, (0,), True),
    (PROCESS, (1,), True),
    ("营业收入从9,564万元增长至1.6亿元。", (0,), True),
    ("营业收入从9564万元增长至1.6亿元。", (0,), True),  # a thousands separator is not a fact
    ("营业收入增长至１.６亿元，同比增长２５％。", (0,), True),  # full-width digits and percent sign
    ("营业收入增长至2.6亿元。", (0,), False),
    ("营业收入增长至3亿元。", (0,), False),  # "3" occurs in the sentence only inside "2023"
    ("营业收入增长至1.6万元。", (0,), False),  # same digits, another magnitude
    ("营业收入增长至1.6亿元，同比增长35%。", (0,), False),
    ("2023年同比增长5%。", (0,), False),  # a whole figure: "5%" is not backed by "25%"
    ("近五年营业收入增长至1.6亿元。", (0,), False),  # a Chinese numeral is a figure too
    ("营业收入增长至三亿元。", (0,), False),
    ("核心产品基于lpbf工艺。", (1,), True),  # Latin terms ignore case
    ("核心产品基于SLM工艺。", (1,), False),  # a process the sentence does not name
    ("核心产品基于PBF工艺。", (1,), False),  # a whole word, not part of "LPBF"
    ("核心产品通过CE认证。", (1,), False),
    ("核心产品通过ISO 14001认证。", (1,), False),
    ("LPBF", (1,), True),  # a bare term, found
    ("1.6亿元", (0,), True),
    ("研发团队来自西北工业大学和华中科技大学。", (2,), True),
    ("研发团队来自西北工业大学和华中科技大学。", (0,), False),  # the wrong sentence cited
    ("团队由十位博士组成，经验丰富。", (2,), False),  # invented wording and a figure
    ("营业收入增长至1.6亿元，研发团队共42人。", (0, 2), True),
    ("营业收入增长至1.6亿元，研发团队共42人。", (0,), False),
    ("营业收入增长至1.6亿元。", (), False),
    ("营业收入增长至1.6亿元。", (3,), False),
    ("营业收入增长至1.6亿元。", (-1,), False),
    ("", (0,), False),
    ("   ", (0,), False),
    ("。", (0,), False),
    ("公司目前主要进行", (0,), False),  # function words only: nothing to check
])
def test_backed(text: str, cites: tuple[int, ...], expected: bool) -> None:
    assert backed(Claim(text, cites), SENTENCES) is expected


# --- settings ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   "])
def test_off_unless_a_url_is_set(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("AMREVIEW_LLM_URL", raising=False)
    else:
        monkeypatch.setenv("AMREVIEW_LLM_URL", value)
    assert LlmSettings.from_env() is None


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMREVIEW_LLM_URL", "http://127.0.0.1:8001/v1/")
    monkeypatch.setenv("AMREVIEW_LLM_MODEL", "qwen2.5-7b-instruct")
    monkeypatch.setenv("AMREVIEW_LLM_KEY", "sk-local")
    monkeypatch.setenv("AMREVIEW_LLM_TIMEOUT", "7.5")
    assert LlmSettings.from_env() == LlmSettings("http://127.0.0.1:8001/v1", "qwen2.5-7b-instruct", "sk-local", 7.5)


def test_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMREVIEW_LLM_URL", "http://127.0.0.1:8001/v1")
    for name in ("AMREVIEW_LLM_MODEL", "AMREVIEW_LLM_KEY", "AMREVIEW_LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    assert LlmSettings.from_env() == LlmSettings("http://127.0.0.1:8001/v1", "default", None, 20.0, 5)


@pytest.mark.parametrize("timeout", ["soon", "0", "-3", "inf", "nan"])
def test_a_bad_timeout_falls_back_with_a_warning(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                                                 timeout: str) -> None:
    monkeypatch.setenv("AMREVIEW_LLM_URL", "http://127.0.0.1:8001/v1")
    monkeypatch.setenv("AMREVIEW_LLM_TIMEOUT", timeout)
    with caplog.at_level(logging.WARNING, logger="scorecards.llm"):
        settings = LlmSettings.from_env()
    assert settings is not None and settings.timeout == 20.0
    assert "AMREVIEW_LLM_TIMEOUT" in caplog.text


# --- through the pre-fill ------------------------------------------------------------------------------------------


def test_the_prefill_keeps_a_backed_rewrite_beside_its_quotations(llm: FakeLlm,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from api.demo.plans import make_plan
    from api.demo.render import render_pdf
    from ingest.parse import parse_bytes
    from scorecards.prefill import prefill, rewriter_from_env
    from scorecards.rubrics import default_for

    document = parse_bytes(render_pdf(make_plan(2, 5, 12)), "plan.pdf")
    plain = prefill(document, default_for("enterprise"))
    quoted = plain.criteria[0].summary[0].text
    llm.reply({"claims": [{"text": quoted, "cites": [0]}]})  # the quotation itself is trivially backed
    monkeypatch.setenv("AMREVIEW_LLM_URL", llm.url)
    card = prefill(document, default_for("enterprise"), rewriter=rewriter_from_env())
    assert card.criteria[0].rewrite == (Claim(quoted, (0,)),)
    assert card.criteria[0].summary == plain.criteria[0].summary  # the quotations stay
    assert card.detail_json()["criteria"][0]["rewrite"] == [{"text": quoted, "cites": [0]}]
