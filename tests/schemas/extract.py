#!/usr/bin/env python3
"""Cut the schemas switchboard emits out of OpenAI's OpenAPI spec.

A dev-time tool: neither the tests nor CI run it. The tests read its output,
`openai-subset.json`, which is committed beside it (see NOTICE.md for where the
spec comes from and how to regenerate).

Usage (Python 3 with PyYAML: `pip install pyyaml`):

    python3 tests/schemas/extract.py path/to/openapi.yaml > tests/schemas/openai-subset.json

The output holds only the component schemas reachable, through `$ref`, from ROOTS,
under `components.schemas`, so every `#/components/schemas/X` reference still resolves
inside the file. Schema names are sorted; each schema keeps the spec's key order, so a
regenerated file diffs cleanly against the old one.

The schemas are copied unchanged but for two leftovers from older drafts that a JSON
Schema 2020-12 validator (the dialect of OpenAPI 3.1) would otherwise misread; each
rewrite keeps what the spec's authors meant (see `modernise`):

* OpenAPI 3.0's `nullable: true` (ignored by 2020-12, so `null` would be rejected)
  becomes the spec's own 3.1 style, `anyOf: [X, {type: "null"}]`;
* draft 2019-09's `$recursiveRef: "#"` (unknown to 2020-12, so it would accept anything)
  becomes a `$ref` to the schema that holds the `$recursiveAnchor`, and the anchor goes.
"""

import json
import re
import sys

import yaml

# What the gateway emits, by the schema it must match.
ROOTS = [
    "ErrorResponse",
    "ListModelsResponse",
    "Model",
    "CreateChatCompletionResponse",
    "CreateChatCompletionStreamResponse",
    "CreateCompletionResponse",
    "Response",
    "ResponseStreamEvent",
    "OutputItem",
    "ResponseUsage",
]

PREFIX = "#/components/schemas/"


class Yaml12Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML speaks YAML 1.1; OpenAPI 3.1 documents are YAML 1.2.

    The differences that matter here: 1.1 turns an unquoted `2024-10-01` into a date
    (which JSON cannot hold) and `yes`/`no`/`on`/`off` into booleans (which would
    change an enum). Both stay strings in 1.2, and so they do here.
    """


Yaml12Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def refs(node):
    """Every `$ref` string anywhere under `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def closure(schemas, roots):
    """The names of `roots` and of every schema they reach through `$ref`."""
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in schemas:
            sys.exit(f"extract.py: schema {name!r} is not in components.schemas")
        seen.add(name)
        for ref in refs(schemas[name]):
            if not ref.startswith(PREFIX):
                sys.exit(f"extract.py: {name} has a $ref outside components.schemas: {ref}")
            todo.append(ref[len(PREFIX):])
    return seen


# Keywords that describe a schema without constraining it: they stay outside the
# `anyOf` that `nullable: true` turns into.
ANNOTATIONS = {"title", "description", "default", "example", "examples", "deprecated"}


def modernise(node, name, changes):
    """Rewrites `nullable` and `$recursiveRef` under `node` (a schema named `name`)."""
    if isinstance(node, list):
        return [modernise(value, name, changes) for value in node]
    if not isinstance(node, dict):
        return node
    node = {key: modernise(value, name, changes) for key, value in node.items()}
    # A property may be named like a keyword; a keyword's value here is a bool or "#".
    if node.get("$recursiveAnchor") is True:
        del node["$recursiveAnchor"]
    if node.get("$recursiveRef") == "#":
        del node["$recursiveRef"]
        node["$ref"] = PREFIX + name
        changes.append(f"{name}: $recursiveRef -> $ref")
    if isinstance(node.get("nullable"), bool):
        if node.pop("nullable"):
            outer = {k: v for k, v in node.items() if k in ANNOTATIONS or k.startswith("x-")}
            inner = {k: v for k, v in node.items() if k not in outer}
            node = {"anyOf": [inner, {"type": "null"}], **outer}
            changes.append(f"{name}: nullable -> anyOf")
    return node


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} path/to/openapi.yaml > openai-subset.json")
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = yaml.load(f, Loader=Yaml12Loader)
    schemas = spec["components"]["schemas"]
    names = closure(schemas, ROOTS)
    changes = []
    subset = {name: modernise(schemas[name], name, changes) for name in sorted(names)}
    for change in changes:
        print(f"extract.py: rewrote {change}", file=sys.stderr)
    document = {
        "$comment": (
            f"Generated by tests/schemas/extract.py from OpenAI's openapi.yaml "
            f"(info.version {spec['info']['version']}): the {len(names)} component "
            f"schemas reachable from {', '.join(ROOTS)}, with {len(changes)} pre-3.1 "
            f"keywords rewritten. Do not edit; see NOTICE.md."
        ),
        "components": {"schemas": subset},
    }
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
