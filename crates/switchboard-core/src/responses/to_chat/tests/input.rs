//! Input forms, content parts, system placement, history, references, reasoning, and
//! parsing stored items.

use super::*;

#[test]
fn input_forms_and_content_parts() {
    let image = "data:image/png;base64,iVBORw0KGgo=";
    for (name, input, expected) in [
        ("string input", json!("Hello"), json!([user("Hello")])),
        (
            "easy message, string content, no type",
            json!([{"role": "user", "content": "Hi"}]),
            json!([user("Hi")]),
        ),
        (
            "ids, status and phase tolerated",
            json!([{"type": "message", "id": "msg_1", "status": "completed", "phase": "commentary",
                    "role": "user", "content": [{"type": "input_text", "text": "a"}]}]),
            json!([user("a")]),
        ),
        (
            "text parts flatten to one string",
            json!([{"role": "user", "content": [{"type": "input_text", "text": "a"},
                                                {"type": "input_text", "text": "b"}]}]),
            json!([user("a\nb")]),
        ),
        (
            "image by URL, original detail is high",
            json!([{"role": "user", "content": [
                {"type": "input_text", "text": "What is this?"},
                {"type": "input_image", "image_url": image, "detail": "original"}]}]),
            json!([{"role": "user", "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": image, "detail": "high"}}]}]),
        ),
        (
            "file part",
            json!([{"role": "user", "content": [{"type": "input_file", "filename": "a.pdf",
                     "file_data": "data:application/pdf;base64,JVBERi0="}]}]),
            json!([{"role": "user", "content": [{"type": "file", "file": {
                "filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0="}}]}]),
        ),
        (
            "assistant replay: output_text joined, refusal kept",
            json!([said("Sure."), {"type": "message", "role": "assistant", "content": [
                {"type": "refusal", "refusal": "I can't help with that."}]}]),
            json!([assistant("Sure."),
                   {"role": "assistant", "content": null, "refusal": "I can't help with that."}]),
        ),
        (
            "unknown items and parts are dropped",
            json!([{"type": "web_search_call", "id": "ws_1", "status": "completed",
                    "action": {"type": "search", "query": "rust"}},
                   {"type": "compaction", "encrypted_content": "xyz"},
                   {"role": "user", "content": [{"type": "input_text", "text": "q"},
                                                {"type": "input_audio", "data": "AAAA"}]}]),
            json!([user("q")]),
        ),
    ] {
        check_messages(name, input, expected);
    }
}

#[test]
fn an_image_by_file_id_is_rejected() {
    let input = json!([{"role": "user", "content": [
        {"type": "input_image", "file_id": "file-abc", "detail": "auto"}]}]);
    check_rejected(
        "image file_id",
        json!({"model": "m", "input": input}),
        &[],
        "input",
        "file_id",
    );
}

#[test]
fn system_messages_merge_into_one_leading_system_message() {
    let input = json!([
        msg("developer", "base prompt"),
        msg("system", "skills"),
        msg("user", "hi"),
        said("hello"),
        msg("developer", "permissions changed"),
        msg("user", "go on")
    ]);
    check(
        "merge leading",
        json!({"model": "m", "instructions": "be brief", "input": input.clone()}),
        json!({"messages": [system("be brief\n\nbase prompt\n\nskills"), user("hi"),
                            assistant("hello"), user("permissions changed"), user("go on")]}),
    );
    let keep = run(
        json!({"model": "m", "instructions": "be brief", "input": input}),
        &[],
        &[],
        SystemPolicy::Keep,
    )
    .unwrap();
    check_chat(
        "keep",
        &keep,
        json!({"messages": [system("be brief"), {"role": "developer", "content": "base prompt"},
                            system("skills"), user("hi"), assistant("hello"),
                            {"role": "developer", "content": "permissions changed"},
                            user("go on")]}),
    );
}

#[test]
fn history_comes_first_and_instructions_are_not_inherited() {
    let history = [
        msg("developer", "old system"),
        msg("user", "first"),
        said("answer"),
    ];
    let translation = run(
        json!({"model": "m", "instructions": "new instructions", "input": "second",
               "previous_response_id": "resp_1"}),
        &history,
        &[],
        SystemPolicy::MergeLeading,
    )
    .unwrap();
    check_chat(
        "history",
        &translation,
        json!({"messages": [system("new instructions\n\nold system"), user("first"),
                            assistant("answer"), user("second")]}),
    );
}

#[test]
fn item_references_resolve_through_the_store() {
    let store = [
        said("stored answer"),
        json!({"id": "msg_u", "type": "message", "role": "user",
               "content": [{"type": "input_text", "text": "q"}]}),
    ];
    let input = json!([{"type": "item_reference", "id": "msg_u"}, {"id": "msg_a"},
                       msg("user", "more")]);
    let found = run(
        json!({"model": "m", "input": input}),
        &[],
        &store,
        SystemPolicy::default(),
    );
    check_chat(
        "found",
        &found.unwrap(),
        json!({"messages": [user("q"), assistant("stored answer"), user("more")]}),
    );
    check_rejected(
        "not found",
        json!({"model": "m", "input": [{"type": "item_reference", "id": "msg_missing"}]}),
        &store,
        "input",
        "Item with id 'msg_missing' not found.",
    );
    let history = [
        json!({"type": "item_reference", "id": "msg_u"}),
        json!({"type": "item_reference", "id": "msg_gone"}),
    ];
    let replayed = run(
        json!({"model": "m", "input": "x"}),
        &history,
        &store,
        SystemPolicy::default(),
    );
    check_chat(
        "in history: resolved, or skipped when gone",
        &replayed.unwrap(),
        json!({"messages": [user("q"), user("x")]}),
    );
}

#[test]
fn reasoning_attaches_to_the_next_assistant_message() {
    let content = json!([{"type": "reasoning_text", "text": "raw thoughts"}]);
    for (name, input, expected) in [
        (
            "content text wins, attached to the text answer",
            json!([
                msg("user", "q"),
                reasoning("summary", content.clone()),
                said("a")
            ]),
            json!([user("q"), {"role": "assistant", "content": "a",
                               "reasoning_content": "raw thoughts"}]),
        ),
        (
            "content null (Codex replay): summary text, attached to the call",
            json!([
                reasoning("**Listing files**", Value::Null),
                fc("c1", "ls", "{}"),
                out("c1", "a")
            ]),
            json!([{"role": "assistant", "content": null, "reasoning_content": "**Listing files**",
                    "tool_calls": [call("c1", "ls", "{}")]}, tool("c1", "a")]),
        ),
        (
            "never to the previous assistant message; forgotten at a user message",
            json!([
                said("first"),
                reasoning("old", Value::Null),
                msg("user", "next"),
                reasoning("new", Value::Null),
                said("second")
            ]),
            json!([assistant("first"), user("next"),
                   {"role": "assistant", "content": "second", "reasoning_content": "new"}]),
        ),
        (
            "encrypted content alone is not forwarded",
            json!([{"type": "reasoning", "id": "rs_2", "summary": [], "content": null,
                    "encrypted_content": "gAAAAABo-opaque"}, said("a")]),
            json!([assistant("a")]),
        ),
    ] {
        check_messages(name, input, expected);
    }
}

#[test]
fn stored_output_items_parse_as_input_items() {
    for (item, kind) in [
        (said("hi"), "message"),
        (fc("c1", "ls", "{}"), "function_call"),
        (
            json!({"id": "ctc_1", "type": "custom_tool_call", "status": "completed", "call_id": "c",
                "name": "apply_patch", "input": "*** Begin Patch"}),
            "custom_tool_call",
        ),
        (
            json!({"id": "rs_1", "type": "reasoning", "status": "completed",
                "summary": [{"type": "summary_text", "text": "t"}],
                "content": [{"type": "reasoning_text", "text": "t"}], "encrypted_content": null}),
            "reasoning",
        ),
    ] {
        let parsed: InputItem = serde_json::from_value(item.clone()).unwrap();
        assert!(
            !matches!(parsed, InputItem::Unknown(_)),
            "{kind}: {parsed:?}"
        );
        assert_eq!(serde_json::to_value(&parsed).unwrap()["type"], kind);
    }
}

#[test]
fn a_known_item_missing_a_required_field_names_it() {
    let err = serde_json::from_value::<CreateResponse>(json!({
        "model": "m", "input": [msg("user", "x"), {"type": "function_call", "name": "ls"}],
    }))
    .unwrap_err()
    .to_string();
    assert!(err.contains("input[1]") && err.contains("call_id"), "{err}");
}
