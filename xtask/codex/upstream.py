"""A scripted OpenAI-compatible chat upstream for `cargo xtask codex-check`.

It answers `POST /v1/chat/completions` with Server-Sent Events in the Chat Completions
stream shape, and appends every request it receives to a JSON-lines file, one object a
line: {"scenario": NAME or null, "method": ..., "path": ..., "body": BODY or null}.

Which answer it streams depends on the scenario named in the conversation's last `user`
message, as `codex-check:NAME` (see SCENARIOS). It listens on 127.0.0.1 only, on the port
given (0 = any free one), prints `listening on http://127.0.0.1:PORT` as its first line,
and exits when its standard input closes, so it never outlives the checker.

Usage: python3 upstream.py RECORD_FILE [PORT]
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The model name the chunks carry (the gateway sends the client's name upstream as is).
MODEL = "sb-test"
# What the text answers say; the checker expects Codex to print it.
HELLO = "Hello from the chat upstream."
# The shell command the tool scenario asks Codex to run, and what it prints.
TOOL_COMMAND = "echo switchboard-ok"
# The reasoning the reasoning scenario streams before its text.
THOUGHTS = ["The user wants a greeting. ", "I will say hello."]
# The reasoning the reasoning_tool scenario streams before its tool call; the checker expects
# it back as the assistant message's `reasoning_content` in the next request.
TOOL_THOUGHTS = ["I should run the command ", "before I answer."]
# A marker in the prompt naming the scenario.
SCENARIO_MARK = re.compile(r"codex-check:([a-z_]+)")


def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    """One `chat.completion.chunk` with a single choice."""
    return {
        "id": "chatcmpl-codex-check",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def usage_chunk() -> dict[str, Any]:
    """The last chunk of a stream asked with `stream_options.include_usage`."""
    return {
        "id": "chatcmpl-codex-check",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": MODEL,
        "choices": [],
        "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
    }


def text_answer(text: str, finish_reason: str = "stop") -> list[dict[str, Any]]:
    """A text answer cut into a few deltas, ending with `finish_reason`."""
    words = text.split(" ")
    pieces = [w + " " for w in words[:-1]] + [words[-1]]
    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": p}) for p in pieces]
    chunks.append(chunk({}, finish_reason))
    return chunks


def tool_call_answer(first: bool = True) -> list[dict[str, Any]]:
    """A call to Codex's `exec_command` tool, its arguments split over two deltas.

    `first` says whether these are the stream's first chunks, which carry the role."""
    arguments = json.dumps({"cmd": TOOL_COMMAND})
    half = len(arguments) // 2
    call = {
        "index": 0,
        "id": "call_codex_check_1",
        "type": "function",
        "function": {"name": "exec_command", "arguments": arguments[:half]},
    }
    return [
        chunk({"role": "assistant", "tool_calls": [call]} if first else {"tool_calls": [call]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[half:]}}]}),
        chunk({}, "tool_calls"),
    ]


def reasoning(thoughts: list[str]) -> list[dict[str, Any]]:
    """`reasoning_content` deltas, as vLLM, DeepSeek and Qwen send them."""
    deltas = [{"reasoning_content": t} for t in thoughts]
    deltas[0]["role"] = "assistant"
    return [chunk(d) for d in deltas]


def answer(scenario: str | None, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chunks to stream for `scenario`, given the conversation so far."""
    has_tool_result = any(m.get("role") == "tool" for m in messages)
    if scenario in ("tool", "reasoning_tool") and has_tool_result:
        return text_answer("The command printed switchboard-ok.")
    if scenario == "tool":
        return tool_call_answer()
    if scenario == "reasoning_tool":
        return reasoning(TOOL_THOUGHTS) + tool_call_answer(first=False)
    if scenario == "reasoning":
        return reasoning(THOUGHTS) + text_answer(HELLO)[1:]
    if scenario == "incomplete":
        return text_answer("This answer is cut short because", "length")
    return text_answer(HELLO)


def scenario_of(messages: list[dict[str, Any]]) -> str | None:
    """The scenario named in the last `user` message, or None."""
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        found = SCENARIO_MARK.search(content or "")
        return found.group(1) if found else None
    return None


class Handler(BaseHTTPRequestHandler):
    """Records each request and answers chat completions; anything else gets a 404."""

    protocol_version = "HTTP/1.1"
    # Set by main: the file requests are appended to, and a lock for it.
    record_path = ""
    record_lock = threading.Lock()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib's name)
        sys.stderr.write("upstream: " + (format % args) + "\n")

    def record(self, scenario: str | None, body: Any) -> None:
        line = json.dumps(
            {"scenario": scenario, "method": self.command, "path": self.path, "body": body}
        )
        with self.record_lock, open(self.record_path, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    def do_GET(self) -> None:  # noqa: N802 (stdlib's name)
        self.record(None, None)
        self.send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:  # noqa: N802 (stdlib's name)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            self.record(None, raw.decode("utf-8", "replace"))
            self.send_json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            return
        messages = body.get("messages") if isinstance(body, dict) else None
        scenario = scenario_of(messages) if isinstance(messages, list) else None
        self.record(scenario, body)
        if self.path != "/v1/chat/completions" or not isinstance(messages, list):
            self.send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return
        chunks = answer(scenario, messages)
        if body.get("stream_options", {}).get("include_usage"):
            chunks.append(usage_chunk())
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for c in chunks:
            self.send_chunk(f"data: {json.dumps(c)}\n\n".encode())
        self.send_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def send_chunk(self, data: bytes) -> None:
        """Writes one HTTP/1.1 chunk and flushes it, so each event leaves at once."""
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def exit_when_stdin_closes() -> None:
    """Exits the process once the parent closes our stdin (or dies)."""
    sys.stdin.buffer.read()
    os._exit(0)


def main() -> None:
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    Handler.record_path = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) == 3 else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
