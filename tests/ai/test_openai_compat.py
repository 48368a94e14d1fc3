"""The OpenAI-compatible backend end to end against a real local HTTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from clairon.ai import (
    BackendTimeout,
    MalformedOutput,
    OpenAICompatBackend,
    system,
    text_generator,
    user,
)
from clairon.ai.openai_compat import parse_retry_after
from clairon.errors import ConfigError, RateLimited, Rejected, Transient
from tests.ai.fake_openai import FakeOpenAI, Reply, running_server
from tests.conftest import make_settings


class Caption(BaseModel):
    text: str
    hashtags: list[str]


_OPEN: list[OpenAICompatBackend] = []


@pytest.fixture
def server() -> Iterator[tuple[FakeOpenAI, str]]:
    with running_server() as pair:
        yield pair
    while _OPEN:
        _OPEN.pop().close()


def backend(base_url: str, sleeps: list[float], **kwargs: object) -> OpenAICompatBackend:
    options: dict[str, object] = {"api_key": "sk-test", "max_retries": 2, "timeout": 5.0}
    options.update(kwargs)
    client = OpenAICompatBackend(base_url, "tiny-model", sleep=sleeps.append, **options)  # type: ignore[arg-type]
    _OPEN.append(client)
    return client


MESSAGES = [system("You write posts."), user("Announce the EcoBrew 3000.")]


def test_normal_answer_records_usage_latency_and_sends_key(
    server: tuple[FakeOpenAI, str],
) -> None:
    fake, url = server
    fake.script = [Reply(content="EcoBrew 3000 is here.")]
    generation = backend(url, []).generate(MESSAGES, temperature=0.3, max_tokens=50)
    assert generation.text == "EcoBrew 3000 is here."
    assert (generation.backend, generation.model) == ("openai_compat", "tiny-model")
    assert (generation.prompt_tokens, generation.completion_tokens) == (12, 7)
    assert generation.latency_seconds > 0
    sent = fake.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["Authorization"] == "Bearer sk-test"
    assert sent.body["messages"][1] == {"role": "user", "content": "Announce the EcoBrew 3000."}
    assert (sent.body["temperature"], sent.body["max_tokens"]) == (0.3, 50)
    assert generation.label() == {"backend": "openai_compat", "model": "tiny-model", "ai": True}


def test_streaming_yields_deltas_then_the_usage(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    fake.script = [Reply(stream_chunks=["Eco", "Brew ", "3000"])]
    stream = backend(url, []).stream(MESSAGES)
    assert list(stream) == ["Eco", "Brew ", "3000"]
    assert stream.generation is not None
    assert stream.generation.text == "EcoBrew 3000"
    assert stream.generation.completion_tokens == 7
    assert fake.requests[0].body["stream"] is True


def test_json_schema_output_is_requested_and_validated(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    answer = {"text": "Meet EcoBrew 3000", "hashtags": ["Coffee"]}
    fake.script = [Reply(content="```json\n" + json.dumps(answer) + "\n```")]
    generation = backend(url, []).generate(MESSAGES, json_schema=Caption)
    assert isinstance(generation.data, Caption)
    assert generation.data.hashtags == ["Coffee"]
    response_format = fake.requests[0].body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["schema"]["required"] == ["text", "hashtags"]


def test_malformed_json_is_retried_then_accepted(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    good = json.dumps({"text": "ok", "hashtags": []})
    fake.script = [Reply(content="Sure! Here is"), Reply(content=good)]
    generation = backend(url, []).generate(MESSAGES, json_schema=Caption)
    assert generation.attempts == 2
    assert generation.prompt_tokens == 24  # usage of both calls is counted
    assert len(fake.requests) == 2


def test_malformed_json_every_time_is_a_clear_error(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    fake.script = [Reply(content='{"text": "missing hashtags"}')]
    with pytest.raises(MalformedOutput) as caught:
        backend(url, []).generate(MESSAGES, json_schema=Caption)
    assert len(fake.requests) == 3  # first try + 2 retries
    assert caught.value.attempts == 3
    assert "not a valid Caption after 3 attempts" in str(caught.value)
    assert caught.value.raw == '{"text": "missing hashtags"}'


def test_timeout_is_retried_then_raised(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    fake.script = [Reply(delay=1.5)]
    sleeps: list[float] = []
    with pytest.raises(BackendTimeout):
        backend(url, sleeps, timeout=0.5, max_retries=1).generate(MESSAGES)
    assert len(fake.requests) == 2
    assert sleeps == [0.5]


def test_timeout_then_success(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    fake.script = [Reply(delay=1.5), Reply(content="late but fine")]
    generation = backend(url, [], timeout=0.5).generate(MESSAGES)
    assert generation.text == "late but fine"


def test_429_honours_retry_after_then_succeeds(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    fake.script = [Reply(status=429, headers={"Retry-After": "7"}), Reply(content="ok")]
    sleeps: list[float] = []
    assert backend(url, sleeps).generate(MESSAGES).text == "ok"
    assert sleeps == [7.0]


def test_429_every_time_raises_rate_limited(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    fake.script = [Reply(status=429, headers={"Retry-After": "3"})]
    sleeps: list[float] = []
    with pytest.raises(RateLimited) as caught:
        backend(url, sleeps).generate(MESSAGES)
    assert caught.value.retry_after == 3.0
    assert sleeps == [3.0, 3.0]


def test_5xx_backs_off_exponentially(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    fake.script = [Reply(status=502), Reply(status=503), Reply(content="ok")]
    sleeps: list[float] = []
    assert backend(url, sleeps).generate(MESSAGES).text == "ok"
    assert sleeps == [0.5, 1.0]


def test_5xx_every_time_is_transient(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    fake.script = [Reply(status=500)]
    with pytest.raises(Transient):
        backend(url, []).generate(MESSAGES)


def test_4xx_is_rejected_without_retry(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    fake.script = [Reply(status=404, raw_body='{"error": "model not found"}')]
    with pytest.raises(Rejected, match="model not found"):
        backend(url, []).generate(MESSAGES)
    assert len(fake.requests) == 1


def test_embeddings_and_translation(server: tuple[FakeOpenAI, str]) -> None:
    fake, url = server
    fake.script = [Reply(content="Découvrez EcoBrew 3000")]
    client = backend(url, [])
    assert client.embed(["ab", "abcd"]) == [[2.0, 1.0], [4.0, 1.0]]
    translated = client.translate("Meet EcoBrew 3000", target="fr", keep=["EcoBrew 3000"])
    assert translated.text == "Découvrez EcoBrew 3000"
    prompt = fake.requests[-1].body["messages"][0]["content"]
    assert "EcoBrew 3000" in prompt and '"fr"' in prompt


def test_unreachable_server_is_transient() -> None:
    with (
        OpenAICompatBackend("http://127.0.0.1:9/v1", "m", max_retries=1, sleep=lambda s: None) as c,
        pytest.raises(Transient),
    ):
        c.generate(MESSAGES)


def test_backend_comes_from_settings(tmp_path: Path, server: tuple[FakeOpenAI, str]) -> None:
    _, url = server
    settings = make_settings(
        tmp_path, ai_backend="openai_compat", ai_base_url=url, ai_model="served-model"
    )
    generator = text_generator(settings)
    assert isinstance(generator, OpenAICompatBackend)
    _OPEN.append(generator)
    assert generator.generate(MESSAGES).model == "served-model"
    with pytest.raises(ConfigError, match="CLAIRON_AI_MODEL"):
        text_generator(make_settings(tmp_path, ai_backend="openai_compat"))
    with pytest.raises(ConfigError, match="unknown AI backend"):
        text_generator(make_settings(tmp_path, ai_backend="nope"))


def test_retry_after_parsing() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
