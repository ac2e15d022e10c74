"""Checks of models, Chat Completions, errors and legacy Completions, in the order they run."""

from __future__ import annotations

import inspect
import json
from typing import Any

import openai

from harness import (
    CHAT_TOOL,
    ECHO,
    PROMPT,
    REASONING,
    check,
    expect,
    expect_eq,
    expect_error_body,
    expect_raises,
    extra,
    user,
)

# Models


@check("models.list includes mock")
def models_list(client: openai.OpenAI) -> None:
    ids = [m.id for m in client.models.list()]
    expect("mock" in ids, f"model ids {ids!r} lack 'mock'")


@check("models.retrieve(mock)")
def models_retrieve(client: openai.OpenAI) -> None:
    model = client.models.retrieve("mock")
    expect_eq(model.id, "mock", "model.id")
    expect_eq(model.object, "model", "model.object")


# ---------------------------------------------------------------------------------------
# Chat Completions


@check("chat.completions.create echoes")
def chat_create(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="mock", messages=user(PROMPT))
    expect_eq(completion.object, "chat.completion", "object")
    choice = completion.choices[0]
    expect_eq(choice.message.content, ECHO, "message.content")
    expect_eq(choice.message.role, "assistant", "message.role")
    expect_eq(choice.finish_reason, "stop", "finish_reason")
    expect(completion.usage is not None, "no usage")
    expect(isinstance(completion.usage.prompt_tokens, int), "usage.prompt_tokens is not an int")


@check("chat.completions.create stream=True")
def chat_stream(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(model="mock", messages=user(PROMPT), stream=True)
    text, finish, usage = "", None, []
    for chunk in stream:
        expect_eq(chunk.object, "chat.completion.chunk", "chunk.object")
        if chunk.usage is not None:
            usage.append(chunk.usage)
        for choice in chunk.choices:
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
    expect_eq(text, ECHO, "joined deltas")
    expect_eq(finish, "stop", "finish_reason")
    expect_eq(usage, [], "usage chunks without include_usage")


@check("chat.completions.create stream include_usage")
def chat_stream_usage(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="mock",
        messages=user(PROMPT),
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    expect(chunks, "no chunks")
    last = chunks[-1]
    expect(last.usage is not None, f"last chunk has no usage: {last!r}")
    expect_eq(last.choices, [], "last chunk's choices")
    expect_eq(
        last.usage.total_tokens,
        last.usage.prompt_tokens + last.usage.completion_tokens,
        "usage.total_tokens",
    )


@check("chat.completions.create tool call")
def chat_tools(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="mock-tools", messages=user("Oslo"), tools=[CHAT_TOOL]
    )
    choice = completion.choices[0]
    expect_eq(choice.finish_reason, "tool_calls", "finish_reason")
    calls = choice.message.tool_calls
    expect(calls, f"no tool_calls in {choice.message!r}")
    expect_eq(calls[0].type, "function", "tool_calls[0].type")
    expect_eq(calls[0].function.name, "get_weather", "tool_calls[0].function.name")
    expect_eq(json.loads(calls[0].function.arguments), {"city": "Oslo", "days": 1}, "arguments")
    expect(calls[0].id, "tool call has no id")


@check("chat.completions.create tool call stream=True")
def chat_tools_stream(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="mock-tools", messages=user("Oslo"), tools=[CHAT_TOOL], stream=True
    )
    name, call_id, arguments, finish = None, None, "", None
    for chunk in stream:
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for call in choice.delta.tool_calls or []:
                expect_eq(call.index, 0, "tool_calls[].index")
                call_id = call.id or call_id
                if call.function is not None:
                    name = call.function.name or name
                    arguments += call.function.arguments or ""
    expect_eq(name, "get_weather", "streamed function name")
    expect(call_id, "no streamed tool call id")
    expect_eq(json.loads(arguments), {"city": "Oslo", "days": 1}, "joined arguments")
    expect_eq(finish, "tool_calls", "finish_reason")


@check("chat.completions.create reasoning_content")
def chat_reasoning(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="mock-reasoning", messages=user(PROMPT))
    message = completion.choices[0].message
    expect_eq(message.content, ECHO, "message.content")
    expect_eq(
        extra(message, "reasoning_content"),
        REASONING,
        "message.reasoning_content",
    )


@check("chat.completions.create reasoning_content stream=True")
def chat_reasoning_stream(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="mock-reasoning", messages=user(PROMPT), stream=True
    )
    reasoning, text = "", ""
    for chunk in stream:
        for choice in chunk.choices:
            reasoning += extra(choice.delta, "reasoning_content") or ""
            text += choice.delta.content or ""
    expect_eq(text, ECHO, "joined content")
    expect_eq(
        reasoning.split(),
        REASONING.split(),
        "joined reasoning_content words",
    )


def chat_stream_helper_of(client: openai.OpenAI) -> Any:
    """`chat.completions.stream`, or `beta.chat.completions.stream` in SDKs before it moved."""
    helper = getattr(client.chat.completions, "stream", None)
    return helper if helper is not None else client.beta.chat.completions.stream


@check("chat.completions.stream helper")
def chat_stream_helper(client: openai.OpenAI) -> None:
    # The helper accumulates chunks itself and checks their order: a stricter reader.
    with chat_stream_helper_of(client)(model="mock", messages=user(PROMPT)) as stream:
        deltas = "".join(e.delta for e in stream if e.type == "content.delta")
        final = stream.get_final_completion()
    expect_eq(deltas, ECHO, "content.delta events")
    expect_eq(final.choices[0].message.content, ECHO, "final message.content")


@check("chat.completions.stream helper with tool call")
def chat_stream_helper_tools(client: openai.OpenAI) -> None:
    with chat_stream_helper_of(client)(
        model="mock-tools", messages=user("Oslo"), tools=[CHAT_TOOL]
    ) as stream:
        for _ in stream:
            pass
        final = stream.get_final_completion()
    call = final.choices[0].message.tool_calls[0]
    expect_eq(call.function.name, "get_weather", "function.name")
    expect_eq(json.loads(call.function.arguments), {"city": "Oslo", "days": 1}, "arguments")


@check("with_raw_response: x-request-id and parse()")
def chat_raw_response(client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(model="mock", messages=user(PROMPT))
    expect_eq(raw.status_code, 200, "HTTP status")
    expect(raw.headers.get("x-request-id"), f"no x-request-id in {dict(raw.headers)!r}")
    expect(raw.headers.get("content-type", "").startswith("application/json"), "content-type")
    completion = raw.parse()
    expect_eq(completion.choices[0].message.content, ECHO, "message.content")
    expect_eq(completion._request_id, raw.headers["x-request-id"], "_request_id")


# ---------------------------------------------------------------------------------------
# Errors


@check("error 429 -> RateLimitError")
def error_rate_limit(client: openai.OpenAI) -> None:
    e = expect_raises(
        openai.RateLimitError,
        lambda: client.chat.completions.create(model="mock-error429", messages=user(PROMPT)),
        "model mock-error429",
    )
    expect_error_body(e, 429, "rate_limit_error")
    expect_eq(e.code, "rate_limit_exceeded", "error.code")


@check("error 429 stream=True -> RateLimitError")
def error_rate_limit_stream(client: openai.OpenAI) -> None:
    expect_raises(
        openai.RateLimitError,
        lambda: list(
            client.chat.completions.create(
                model="mock-error429", messages=user(PROMPT), stream=True
            )
        ),
        "model mock-error429 with stream=True",
    )


@check("error 500 -> InternalServerError")
def error_server(client: openai.OpenAI) -> None:
    e = expect_raises(
        openai.InternalServerError,
        lambda: client.chat.completions.create(model="mock-error500", messages=user(PROMPT)),
        "model mock-error500",
    )
    expect_error_body(e, 500, "server_error")


@check("messages not a list -> BadRequestError")
def error_bad_messages(client: openai.OpenAI) -> None:
    e = expect_raises(
        openai.BadRequestError,
        lambda: client.chat.completions.create(model="mock", messages="not-a-list"),  # type: ignore[arg-type]
        "messages='not-a-list'",
    )
    expect_error_body(e, 400, "invalid_request_error")


@check("missing model -> BadRequestError")
def error_missing_model(client: openai.OpenAI) -> None:
    e = expect_raises(
        openai.BadRequestError,
        lambda: client.post("/chat/completions", cast_to=object, body={"messages": user(PROMPT)}),
        "POST /chat/completions without model",
    )
    expect_error_body(e, 400, "invalid_request_error")


@check("malformed JSON -> BadRequestError")
def error_bad_json(client: openai.OpenAI) -> None:
    body = b'{"model": "mock", "messages": ['
    headers = {"Content-Type": "application/json"}

    def send() -> object:
        if "content" in inspect.signature(client.post).parameters:
            # openai >= 2.x: raw bytes are a parameter of `post`.
            return client.post(
                "/chat/completions", cast_to=object, content=body, options={"headers": headers}
            )
        return client.post(
            "/chat/completions", cast_to=object, options={"content": body, "headers": headers}
        )

    e = expect_raises(
        openai.BadRequestError, send, "POST /chat/completions with a cut-off JSON body"
    )
    expect_error_body(e, 400, "invalid_request_error")


@check("unknown path -> NotFoundError")
def error_not_found(client: openai.OpenAI) -> None:
    e = expect_raises(
        openai.NotFoundError,
        lambda: client.get("/nope", cast_to=object),
        "GET /nope",
    )
    expect_eq(e.status_code, 404, "HTTP status")
    expect(isinstance(e.body, dict) and "message" in e.body, f"error body: {e.body!r}")


# ---------------------------------------------------------------------------------------
# Legacy Completions


@check("completions.create")
def completions_create(client: openai.OpenAI) -> None:
    completion = client.completions.create(model="mock", prompt="Say hi")
    expect_eq(completion.object, "text_completion", "object")
    expect_eq(completion.choices[0].text, "You said: Say hi", "choices[0].text")
    expect_eq(completion.choices[0].finish_reason, "stop", "finish_reason")
    expect(completion.usage is not None, "no usage")


@check("completions.create stream=True")
def completions_stream(client: openai.OpenAI) -> None:
    stream = client.completions.create(model="mock", prompt="Say hi", stream=True)
    text, finish = "", None
    for chunk in stream:
        expect_eq(chunk.object, "text_completion", "chunk.object")
        for choice in chunk.choices:
            text += choice.text
            finish = choice.finish_reason or finish
    expect_eq(text, "You said: Say hi", "joined text")
    expect_eq(finish, "stop", "finish_reason")
