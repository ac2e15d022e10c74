"""Checks of the Responses API: create, stream, tools, stored state, limits, in run order."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import openai

from harness import (
    ECHO,
    PROMPT,
    REASONING,
    RESPONSES_TOOL,
    check,
    expect,
    expect_eq,
    expect_error_body,
    expect_raises,
)

# Responses


@check("responses.create output_text")
def responses_create(client: openai.OpenAI) -> None:
    resp = client.responses.create(model="mock", input=PROMPT)
    expect_eq(resp.object, "response", "object")
    expect_eq(resp.status, "completed", "status")
    expect_eq(resp.output_text, ECHO, "output_text")
    expect(resp.id.startswith("resp_"), f"id {resp.id!r} does not start with resp_")
    expect(resp.usage is not None, "no usage")
    expect(isinstance(resp.usage.input_tokens, int), "usage.input_tokens is not an int")
    expect(isinstance(resp.usage.output_tokens, int), "usage.output_tokens is not an int")
    expect_eq(
        resp.usage.total_tokens,
        resp.usage.input_tokens + resp.usage.output_tokens,
        "usage.total_tokens",
    )


@check("responses.create stream=True events")
def responses_stream_raw(client: openai.OpenAI) -> None:
    stream = client.responses.create(model="mock", input=PROMPT, stream=True)
    events = list(stream)
    types = [e.type for e in events]
    expect(types, "no events")
    expect_eq(types[0], "response.created", "first event")
    expect_eq(types[-1], "response.completed", "last event")
    sequence = [e.sequence_number for e in events]
    expect_eq(sequence, list(range(len(events))), "sequence_number")
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    expect_eq(text, ECHO, "joined output_text deltas")
    expect_eq(events[-1].response.output_text, ECHO, "completed response output_text")


@check("responses.stream helper with reasoning")
def responses_stream_helper(client: openai.OpenAI) -> None:
    with client.responses.stream(
        model="mock-reasoning", input="Hi", reasoning={"summary": "auto"}
    ) as stream:
        types = [event.type for event in stream]
        final = stream.get_final_response()
    expect_eq(final.status, "completed", "final status")
    expect_eq(final.output_text, "You said: Hi", "final output_text")
    kinds = [item.type for item in final.output]
    expect_eq(kinds, ["reasoning", "message"], "final output item types")
    summary = "".join(part.text for part in final.output[0].summary)
    expect_eq(
        summary,
        REASONING,
        "reasoning summary",
    )
    expect("response.reasoning_summary_text.delta" in types, f"no summary deltas in {types}")
    expect("response.output_text.done" in types, f"no output_text.done in {types}")


@check("responses.stream helper with tool call")
def responses_stream_helper_tools(client: openai.OpenAI) -> None:
    with client.responses.stream(model="mock-tools", input="Oslo", tools=[RESPONSES_TOOL]) as s:
        types = [event.type for event in s]
        final = s.get_final_response()
    expect("response.function_call_arguments.delta" in types, f"no argument deltas in {types}")
    calls = [item for item in final.output if item.type == "function_call"]
    expect_eq(len(calls), 1, "function_call items")
    expect_eq(json.loads(calls[0].arguments), {"city": "Oslo", "days": 1}, "arguments")


# The tool call of the first turn, shared with the checks that continue the conversation.
STATE: dict[str, Any] = {}


@check("responses.create tool call")
def responses_tools(client: openai.OpenAI) -> None:
    resp = client.responses.create(model="mock-tools", input="Oslo", tools=[RESPONSES_TOOL])
    calls = [item for item in resp.output if item.type == "function_call"]
    expect_eq(len(calls), 1, f"function_call items in {resp.output!r}")
    call = calls[0]
    expect(call.call_id, "function_call has no call_id")
    expect_eq(call.name, "get_weather", "function_call.name")
    expect_eq(json.loads(call.arguments), {"city": "Oslo", "days": 1}, "function_call.arguments")
    STATE["first"] = resp
    STATE["call_id"] = call.call_id


@check("responses.create previous_response_id + function_call_output")
def responses_second_turn(client: openai.OpenAI) -> None:
    expect("first" in STATE, "needs the tool-call check to have passed")
    resp = client.responses.create(
        model="mock-tools",
        previous_response_id=STATE["first"].id,
        input=[
            {
                "type": "function_call_output",
                "call_id": STATE["call_id"],
                "output": '{"temperature": 21}',
            }
        ],
        tools=[RESPONSES_TOOL],
    )
    expect_eq(resp.status, "completed", "status")
    expect_eq([item.type for item in resp.output], ["message"], "output item types")
    expect_eq(resp.output_text, 'Tool result received: {"temperature": 21}', "output_text")
    expect_eq(resp.previous_response_id, STATE["first"].id, "previous_response_id")
    STATE["second"] = resp


@check("responses.retrieve")
def responses_retrieve(client: openai.OpenAI) -> None:
    expect("second" in STATE, "needs the second-turn check to have passed")
    stored = STATE["second"]
    got = client.responses.retrieve(stored.id)
    expect_eq(got.id, stored.id, "id")
    expect_eq(got.output_text, stored.output_text, "output_text")
    expect_eq([item.id for item in got.output], [item.id for item in stored.output], "item ids")


@check("responses.input_items.list")
def responses_input_items(client: openai.OpenAI) -> None:
    expect("second" in STATE, "needs the second-turn check to have passed")
    items = list(client.responses.input_items.list(STATE["second"].id))
    types = [item.type for item in items]
    expect("function_call_output" in types, f"input item types {types!r}")
    outputs = [item for item in items if item.type == "function_call_output"]
    expect_eq(outputs[0].call_id, STATE["call_id"], "function_call_output.call_id")


@check("responses.delete then retrieve -> NotFoundError")
def responses_delete(client: openai.OpenAI) -> None:
    expect("second" in STATE, "needs the second-turn check to have passed")
    resp_id = STATE["second"].id
    deleted = client.responses.delete(resp_id)
    expect(deleted is None, f"responses.delete returned {deleted!r}")
    expect_raises(
        openai.NotFoundError,
        lambda: client.responses.retrieve(resp_id),
        f"responses.retrieve({resp_id!r}) after delete",
    )


@check("responses.create store=False: not retrievable, not a previous_response_id")
def responses_store_false(client: openai.OpenAI) -> None:
    resp = client.responses.create(model="mock", input=PROMPT, store=False)
    expect_eq(resp.output_text, ECHO, "output_text")
    expect_raises(
        openai.NotFoundError,
        lambda: client.responses.retrieve(resp.id),
        "responses.retrieve of a store=False response",
    )
    e = expect_raises(
        openai.BadRequestError,
        lambda: client.responses.create(model="mock", input=PROMPT, previous_response_id=resp.id),
        "previous_response_id of a store=False response",
    )
    expect_eq(e.param, "previous_response_id", "error.param")


@check("responses.create max_output_tokens -> incomplete")
def responses_incomplete(client: openai.OpenAI) -> None:
    resp = client.responses.create(model="mock-tokens50", input=PROMPT, max_output_tokens=3)
    expect_eq(resp.status, "incomplete", "status")
    expect(resp.incomplete_details is not None, "no incomplete_details")
    expect_eq(resp.incomplete_details.reason, "max_output_tokens", "incomplete_details.reason")
    expect_eq(resp.output_text, ECHO, "output_text (the first 3 words)")


@check("responses.create stream max_output_tokens -> response.incomplete")
def responses_incomplete_stream(client: openai.OpenAI) -> None:
    stream = client.responses.create(
        model="mock-tokens50", input=PROMPT, max_output_tokens=3, stream=True
    )
    events = list(stream)
    expect_eq(events[0].type, "response.created", "first event")
    expect_eq(events[-1].type, "response.incomplete", "last event")
    expect_eq(
        events[-1].response.incomplete_details.reason,
        "max_output_tokens",
        "incomplete_details.reason",
    )


@check("responses.create instructions + message list input")
def responses_message_input(client: openai.OpenAI) -> None:
    resp = client.responses.create(
        model="mock",
        instructions="Be brief.",
        input=[
            {"role": "user", "content": "First"},
            {"role": "assistant", "content": "Ok"},
            {"role": "user", "content": [{"type": "input_text", "text": PROMPT}]},
        ],
    )
    expect_eq(resp.output_text, ECHO, "output_text")
    expect_eq(resp.instructions, "Be brief.", "instructions")
    STATE["messages"] = resp


@check("responses.input_items.list pages with limit=1")
def responses_input_items_pages(client: openai.OpenAI) -> None:
    expect("messages" in STATE, "needs the message-list check to have passed")
    resp_id = STATE["messages"].id
    whole = [item.id for item in client.responses.input_items.list(resp_id, order="asc")]
    expect_eq(len(whole), 3, f"input items of {resp_id}")
    expect_eq(len(set(whole)), 3, f"distinct input item ids in {whole}")
    # The SDK follows `has_more` with `after=<last item id>` until the last page.
    pages = client.responses.input_items.list(resp_id, order="asc", limit=1)
    expect(pages.has_more, "the first page of one item says has_more=false")
    paged = [item.id for item in pages]
    expect_eq(paged, whole, "item ids read one page at a time")


@check("AsyncOpenAI responses.stream helper")
def responses_async(client: openai.OpenAI) -> None:
    async def run() -> str:
        async with (
            openai.AsyncOpenAI(
                base_url=str(client.base_url),
                api_key="unused",
                max_retries=0,
                timeout=10.0,
                http_client=openai.DefaultAsyncHttpxClient(trust_env=False),
            ) as aclient,
            aclient.responses.stream(model="mock", input=PROMPT) as stream,
        ):
            async for _ in stream:
                pass
            final = await stream.get_final_response()
        return final.output_text

    expect_eq(asyncio.run(run()), ECHO, "output_text")


@check("responses.create error 429 (and stream=True) -> RateLimitError")
def responses_rate_limit(client: openai.OpenAI) -> None:
    e = expect_raises(
        openai.RateLimitError,
        lambda: client.responses.create(model="mock-error429", input=PROMPT),
        "responses.create(model='mock-error429')",
    )
    expect_error_body(e, 429, "rate_limit_error")
    # Streaming too: the mock fails before any output, so the HTTP status still says it.
    expect_raises(
        openai.RateLimitError,
        lambda: list(client.responses.create(model="mock-error429", input=PROMPT, stream=True)),
        "responses.create(model='mock-error429', stream=True)",
    )
