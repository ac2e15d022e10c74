"""Conformance check: the official OpenAI Python SDK against a running switchboard.

Run by `cargo xtask sdk-check`, which starts the gateway with its built-in mock and passes
the base URL:

    python xtask/sdk/check.py http://127.0.0.1:PORT/v1

Every check calls the gateway through the SDK's public API and asserts on what the SDK
returns, so a field the SDK cannot parse, a missing stream event, or an error with the
wrong status shows up as a failed check. The answers are the mock's (docs/providers/mock.md):
"You said: " and the prompt, a tool call with `mock-tools`, reasoning with `mock-reasoning`.

Prints one line per check, stops at the first failure (exit 1), and ends with
`N passed, 0 failed` (plus `, K skipped` when a check is marked as a known failure).

The checks live in chat_checks.py and responses_checks.py, registered with
`@check("name")` from harness.py and run in file order. A check that fails because of a
gateway bug stays in, marked `# KNOWN FAILURE: <what>` and starting with
`raise Skip("<what>")`, until the gateway is fixed.
"""

from __future__ import annotations

import sys
import traceback
from urllib.parse import urlparse

import openai

# Importing the check modules registers their checks, in this order.
import chat_checks  # noqa: F401
import responses_checks  # noqa: F401
from harness import CHECKS, Skip


def client_for(base_url: str) -> openai.OpenAI:
    """An SDK client for `base_url` that can reach only that loopback address."""
    host = urlparse(base_url).hostname
    if host != "127.0.0.1":
        sys.exit(f"check.py: the base URL must point at 127.0.0.1, not {host!r}")
    return openai.OpenAI(
        base_url=base_url,
        api_key="unused",
        max_retries=0,
        timeout=10.0,
        # No proxy from the environment: every request goes straight to the gateway.
        http_client=openai.DefaultHttpxClient(trust_env=False),
    )


def main(argv: list[str]) -> int:
    """Runs every check against the gateway at argv[1]; 0 when none failed."""
    if len(argv) != 2:
        print("usage: check.py http://127.0.0.1:PORT/v1", file=sys.stderr)
        return 2
    client = client_for(argv[1])
    print(f"openai-python {openai.VERSION} against {argv[1]}")
    passed, skipped = 0, 0
    for name, fn in CHECKS:
        try:
            fn(client)
        except Skip as reason:
            skipped += 1
            print(f"SKIP {name}: {reason}")
            continue
        except Exception as e:  # noqa: BLE001 -- any exception fails the check
            traceback.print_exc(file=sys.stdout)
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            print(f"{passed} passed, 1 failed")
            return 1
        passed += 1
        print(f"ok   {name}")
    tail = f", {skipped} skipped" if skipped else ""
    print(f"{passed} passed, 0 failed{tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
