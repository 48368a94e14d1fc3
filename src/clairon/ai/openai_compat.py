"""Any OpenAI-compatible chat-completions server (Ollama, vLLM, llama.cpp server, LM Studio,
OpenAI, Mistral...): retries with backoff on 429/5xx/timeouts (honouring ``Retry-After``),
streaming over server-sent events, JSON-schema output validated by pydantic (a malformed answer
is asked again, then refused with :class:`MalformedOutput`), usage and latency per call."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from clairon.ai.base import (
    BackendTimeout,
    Generation,
    GenerationStream,
    MalformedOutput,
    Message,
    system,
    user,
)
from clairon.ai.prompts import load_prompt
from clairon.config import Settings
from clairon.errors import NetworkError, RateLimited, Rejected, Transient

__all__ = ["OpenAICompatBackend", "parse_retry_after"]


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def _strip_fences(text: str) -> str:
    """Some models wrap JSON in a Markdown code fence even when asked not to."""
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    return body.strip()


class OpenAICompatBackend:
    """A :class:`TextGenerator`, :class:`Embedder` and :class:`Translator` over HTTP."""

    backend = "openai_compat"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str = "",
        timeout: float = 60.0,
        max_retries: int = 3,
        embedding_model: str = "",
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        backoff_base: float = 0.5,
        max_backoff: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.embedding_model = embedding_model or model
        self.max_retries = max(0, max_retries)
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self._sleep = sleep
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._owns_http = http is None
        self.http = http if http is not None else httpx.Client(timeout=timeout, headers=headers)
        if http is not None and api_key:
            self.http.headers.update(headers)

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAICompatBackend:
        return cls(
            settings.ai_base_url,
            settings.ai_model,
            api_key=settings.ai_api_key,
            timeout=settings.ai_timeout_seconds,
            max_retries=settings.ai_max_retries,
            embedding_model=settings.ai_embedding_model,
        )

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> OpenAICompatBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport with retries ---
    def _delay(self, attempt: int, error: NetworkError) -> float:
        if isinstance(error, RateLimited):
            return float(min(error.retry_after, self.max_backoff))
        return float(min(self.backoff_base * (2**attempt), self.max_backoff))

    @staticmethod
    def _check(response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        body = response.text[:500]
        if status == 429:
            wait = parse_retry_after(response.headers.get("retry-after"))
            raise RateLimited(
                "AI server rate limit (429)",
                retry_after=60.0 if wait is None else wait,
                body=body,
            )
        if status >= 500:
            raise Transient(f"AI server error {status}", status=status, body=body)
        raise Rejected(
            f"AI server refused the request ({status}): {body}", status=status, body=body
        )

    def _with_retries(self, call: Callable[[], Any]) -> Any:
        for attempt in range(self.max_retries + 1):
            try:
                return call()
            except httpx.TimeoutException as exc:
                error: NetworkError = BackendTimeout(f"AI server timed out: {exc}")
            except httpx.TransportError as exc:
                error = Transient(f"AI server unreachable: {exc}")
            except (RateLimited, Transient) as exc:
                error = exc
            if attempt == self.max_retries:
                raise error
            self._sleep(self._delay(attempt, error))
        raise AssertionError("unreachable")  # pragma: no cover

    def _post_json(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        def call() -> dict[str, Any]:
            response = self.http.post(f"{self.base_url}{path}", json=payload)
            self._check(response)
            try:
                data = response.json()
            except ValueError as exc:
                raise Transient(f"AI server sent a non-JSON body: {response.text[:200]}") from exc
            if not isinstance(data, dict):
                raise Transient("AI server sent an unexpected body")
            return data

        result: dict[str, Any] = self._with_retries(call)
        return result

    # --- TextGenerator ---
    def _payload(
        self, messages: Sequence[Message], temperature: float, max_tokens: int | None
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": [m.as_dict() for m in messages],
            "temperature": temperature,
        }
        if max_tokens is not None:
            payload["max_tokens"] = max_tokens
        return payload

    def generate(
        self,
        messages: Sequence[Message],
        *,
        json_schema: type[BaseModel] | None = None,
        temperature: float = 0.7,
        max_tokens: int | None = None,
    ) -> Generation:
        payload = self._payload(messages, temperature, max_tokens)
        if json_schema is not None:
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": json_schema.__name__,
                    "schema": json_schema.model_json_schema(),
                    "strict": True,
                },
            }
        started = time.monotonic()
        prompt_tokens = completion_tokens = 0
        attempts = json_schema_attempts = 0
        model = self.model
        while True:
            attempts += 1
            data = self._post_json("/chat/completions", payload)
            usage = data.get("usage") or {}
            prompt_tokens += int(usage.get("prompt_tokens") or 0)
            completion_tokens += int(usage.get("completion_tokens") or 0)
            model = str(data.get("model") or self.model)
            try:
                text = str(data["choices"][0]["message"]["content"] or "")
            except (KeyError, IndexError, TypeError) as exc:
                raise Transient(f"AI server answer has no message: {str(data)[:200]}") from exc
            parsed: BaseModel | None = None
            if json_schema is not None:
                try:
                    parsed = json_schema.model_validate(json.loads(_strip_fences(text)))
                except (ValueError, ValidationError) as exc:
                    json_schema_attempts += 1
                    if json_schema_attempts > self.max_retries:
                        raise MalformedOutput(
                            f"{self.backend} model '{model}' returned output that is not a valid "
                            f"{json_schema.__name__} after {json_schema_attempts} attempts: "
                            f"{str(exc).splitlines()[0]}",
                            raw=text,
                            attempts=json_schema_attempts,
                        ) from exc
                    continue
            return Generation(
                text=text,
                backend=self.backend,
                model=model,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                latency_seconds=time.monotonic() - started,
                attempts=attempts,
                data=parsed,
            )

    def stream(
        self,
        messages: Sequence[Message],
        *,
        temperature: float = 0.7,
        max_tokens: int | None = None,
    ) -> GenerationStream:
        payload = self._payload(messages, temperature, max_tokens)
        payload["stream"] = True
        payload["stream_options"] = {"include_usage": True}
        started = time.monotonic()
        usage: dict[str, Any] = {}

        def open_stream() -> httpx.Response:
            request = self.http.build_request(
                "POST", f"{self.base_url}/chat/completions", json=payload
            )
            response = self.http.send(request, stream=True)
            if response.status_code >= 400:
                response.read()
                response.close()
                self._check(response)
            return response

        def deltas() -> Iterator[str]:
            response: httpx.Response = self._with_retries(open_stream)
            try:
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    chunk = line[5:].strip()
                    if chunk == "[DONE]":
                        break
                    event = json.loads(chunk)
                    if event.get("usage"):
                        usage.update(event["usage"])
                    if event.get("model"):
                        usage["model"] = event["model"]
                    for choice in event.get("choices") or []:
                        piece = (choice.get("delta") or {}).get("content")
                        if piece:
                            yield str(piece)
            except httpx.TimeoutException as exc:
                raise BackendTimeout(f"AI server stopped streaming: {exc}") from exc
            finally:
                response.close()

        def finish(text: str) -> Generation:
            return Generation(
                text=text,
                backend=self.backend,
                model=str(usage.get("model") or self.model),
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=int(usage.get("completion_tokens") or 0),
                latency_seconds=time.monotonic() - started,
            )

        return GenerationStream(deltas(), finish)

    # --- Embedder ---
    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        data = self._post_json("/embeddings", {"model": self.embedding_model, "input": list(texts)})
        rows = sorted(data.get("data") or [], key=lambda row: int(row.get("index", 0)))
        return [[float(x) for x in row["embedding"]] for row in rows]

    # --- Translator ---
    def translate(
        self, text: str, *, target: str, source: str | None = None, keep: Sequence[str] = ()
    ) -> Generation:
        prompt = load_prompt("translate.md").format(
            target=target,
            source=source or "auto-detected",
            keep=", ".join(keep) if keep else "(none)",
        )
        return self.generate([system(prompt), user(text)], temperature=0.2)
