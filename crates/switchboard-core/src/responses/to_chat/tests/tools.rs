//! Tools and `tool_choice`.

use super::*;

#[test]
fn tools_translate_to_chat_functions() {
    let translation = translate(json!({
        "model": "m", "input": "hi", "tool_choice": "auto", "parallel_tool_calls": false,
        "tools": [
            function("exec_command"),
            {"type": "function", "name": "get_goal", "description": "Reads the goal.",
             "parameters": null, "strict": null},
            {"type": "custom", "name": "apply_patch", "description": "Edit files.",
             "format": {"type": "grammar", "syntax": "lark", "definition": "start: patch"}},
            {"type": "namespace", "name": "ns", "description": "A group.",
             "tools": [function("one"), {"type": "custom", "name": "free"}]},
            {"type": "web_search", "external_web_access": false},
            {"type": "image_generation"},
        ],
    }));
    let description = "Edit files.\n\nThe `input` argument must follow this lark grammar:\n```\nstart: patch\n```";
    check_chat(
        "tools",
        &translation,
        json!({
            "tool_choice": "auto", "parallel_tool_calls": false,
            "tools": [
                chat_function("exec_command"),
                {"type": "function", "function": {"name": "get_goal", "description": "Reads the goal.",
                 "parameters": {"type": "object", "properties": {}}}},
                {"type": "function", "function": {"name": "apply_patch", "description": description,
                 "parameters": {"type": "object", "required": ["input"], "properties": {"input": {
                     "type": "string",
                     "description": "The tool's input, as text following the lark grammar in the tool description."}}}}},
                chat_function("ns__one"),
            ],
        }),
    );
    let names = &translation.tool_names;
    assert_eq!(
        names.origin("apply_patch"),
        Some(&ToolOrigin::Custom {
            name: "apply_patch".into()
        })
    );
    assert_eq!(
        names.origin("ns__one"),
        Some(&ToolOrigin::Namespaced {
            namespace: "ns".into(),
            name: "one".into()
        })
    );
    assert_eq!(names.origin("exec_command"), None);
}

#[test]
fn parameters_become_object_schemas() {
    for (parameters, expected) in [
        (
            json!({"properties": {"q": {"type": "string"}}}),
            json!({"type": "object", "properties": {"q": {"type": "string"}}}),
        ),
        (json!(null), json!({"type": "object", "properties": {}})),
        (json!({"type": "object"}), json!({"type": "object"})),
    ] {
        let tools = json!([{"type": "function", "name": "f", "parameters": parameters}]);
        let translation = translate(json!({"model": "m", "input": "x", "tools": tools}));
        let chat = serde_json::to_value(&translation.request).unwrap();
        assert_eq!(chat["tools"][0]["function"]["parameters"], expected);
    }
}

#[test]
fn no_tool_left_means_no_tool_fields() {
    for choice in [json!("auto"), json!("none")] {
        check(
            "hosted only",
            json!({"model": "m", "input": "hi", "tool_choice": choice, "parallel_tool_calls": true,
                   "tools": [{"type": "web_search"}, {"type": "file_search", "vector_store_ids": ["vs"]}]}),
            json!({"tools": null, "tool_choice": null, "parallel_tool_calls": null}),
        );
    }
}

#[test]
fn tool_choice_variants() {
    let tools = json!([function("a"), function("b"), {"type": "custom", "name": "apply_patch"},
                       {"type": "namespace", "name": "ns", "description": "",
                        "tools": [function("c")]}]);
    for (name, choice, expected) in [
        (
            "mode string",
            json!("required"),
            json!({"tool_choice": "required"}),
        ),
        (
            "function",
            json!({"type": "function", "name": "b"}),
            json!({"tool_choice": {"type": "function", "function": {"name": "b"}}}),
        ),
        (
            "namespaced function",
            json!({"type": "function", "name": "c", "namespace": "ns"}),
            json!({"tool_choice": {"type": "function", "function": {"name": "ns__c"}}}),
        ),
        (
            "custom",
            json!({"type": "custom", "name": "apply_patch"}),
            json!({"tool_choice": {"type": "function", "function": {"name": "apply_patch"}}}),
        ),
        (
            "namespaced function, dotted",
            json!({"type": "function", "name": "ns.c"}),
            json!({"tool_choice": {"type": "function", "function": {"name": "ns__c"}}}),
        ),
        (
            "allowed_tools auto with only hosted tools allowed leaves no tools",
            json!({"type": "allowed_tools", "mode": "auto", "tools": [{"type": "image_generation"}]}),
            json!({"tools": null, "tool_choice": null, "parallel_tool_calls": null}),
        ),
        (
            "allowed_tools filters the tools",
            json!({"type": "allowed_tools", "mode": "required",
                   "tools": [{"type": "function", "name": "b"}, {"type": "namespace", "name": "ns"},
                             {"type": "image_generation"}]}),
            json!({"tool_choice": "required", "tools": [chat_function("b"), chat_function("ns__c")]}),
        ),
    ] {
        check(
            name,
            json!({"model": "m", "input": "x", "tools": tools, "tool_choice": choice}),
            expected,
        );
    }
}

#[test]
fn tool_choice_that_forces_a_dropped_tool_is_rejected() {
    for (name, tools, choice) in [
        (
            "hosted type",
            json!([function("a")]),
            json!({"type": "file_search"}),
        ),
        (
            "mcp",
            json!([function("a")]),
            json!({"type": "mcp", "server_label": "deepwiki"}),
        ),
        (
            "required, all dropped",
            json!([{"type": "web_search"}]),
            json!("required"),
        ),
        (
            "allowed_tools required, none left",
            json!([function("a"), {"type": "web_search"}]),
            json!({"type": "allowed_tools", "mode": "required", "tools": [{"type": "web_search"}]}),
        ),
    ] {
        let request = json!({"model": "m", "input": "x", "tools": tools, "tool_choice": choice});
        check_rejected(name, request, &[], "tool_choice", "tool_choice forces");
    }
}
