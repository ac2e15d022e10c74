"""What the checks share: the registry of checks, assertions, and the mock's fixed answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai

# A prompt whose echo is easy to recognise.
PROMPT = "Hello"
# The echo the mock gives for PROMPT.
ECHO = "You said: Hello"
# The reasoning the mock gives for a one-word prompt.
REASONING = "The user wrote 1 word. I will answer deterministically."
# A function tool in the Chat Completions shape.
CHAT_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    },
}
# The same tool in the Responses shape (flat, no `function` wrapper).
RESPONSES_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": CHAT_TOOL["function"]["parameters"],
}


class Skip(Exception):
    """Raised by a check that is a known gateway failure; the reason is printed."""


# One check: calls the gateway through the client and raises when something is wrong.
Check = Callable[[openai.OpenAI], None]
# The checks, in the order they run: (name, function).
CHECKS: list[tuple[str, Check]] = []


def check(name: str) -> Callable[[Check], Check]:
    """Registers the decorated function as the check called `name`, to run after the others."""

    def register(fn: Check) -> Check:
        CHECKS.append((name, fn))
        return fn

    return register


def expect(condition: bool, message: str) -> None:
    """Fails the running check with `message` when `condition` is false."""
    if not condition:
        raise AssertionError(message)


def expect_eq(got: Any, want: Any, what: str) -> None:
    """Fails the running check when `got` differs from `want`."""
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def expect_raises(error: type[Exception], call: Callable[[], Any], what: str) -> Exception:
    """Runs `call` and returns the exception of type `error` it raised; fails otherwise."""
    try:
        result = call()
    except error as e:
        return e
    except Exception as e:  # the wrong exception is the failure we report
        raise AssertionError(
            f"{what}: expected {error.__name__}, got {type(e).__name__}: {e}"
        ) from e
    raise AssertionError(f"{what}: expected {error.__name__}, got a result: {result!r}")


def extra(model: Any, field: str) -> Any:
    """A field the SDK does not model (kept in `model_extra`), else the attribute, else None."""
    extras = getattr(model, "model_extra", None) or {}
    if field in extras:
        return extras[field]
    return getattr(model, field, None)


def user(text: str) -> list[dict[str, str]]:
    """A one-message chat conversation."""
    return [{"role": "user", "content": text}]


def expect_error_body(e: openai.APIStatusError, status: int, error_type: str) -> None:
    """The error has HTTP `status` and OpenAI's error object with `type` = `error_type`."""
    expect_eq(e.status_code, status, "HTTP status")
    expect(isinstance(e.body, dict), f"error body is not an object: {e.body!r}")
    expect_eq(e.type, error_type, "error.type")
    for key in ("message", "type", "param", "code"):
        expect(key in e.body, f"error body lacks `{key}`: {e.body!r}")
