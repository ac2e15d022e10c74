//! Codex CLI 0.169.0 requests, shaped after the capture in the bridge spec §7.2 (long
//! prompt texts shortened; ids and the `client_metadata` contents are illustrative).

use super::*;

fn codex_turn_1_request() -> Value {
    let agent = |name: &str| {
        json!({"type": "function", "name": name, "description": format!("{name} a sub-agent."),
               "strict": false, "parameters": {"type": "object", "additionalProperties": false,
               "properties": {"id": {"type": "string"}}}})
    };
    json!({
        "model": "my-model",
        "input": [
            {"type": "message", "id": "msg_01", "role": "developer", "content": [{"type": "input_text",
             "text": "You are Codex, based on GPT-5. You are running as a coding agent in the Codex CLI on a user's computer."}]},
            {"type": "message", "id": "msg_02", "role": "developer", "content": [{"type": "input_text",
             "text": "<skills_instructions>\n## Skills\nNone installed.\n</skills_instructions>"}]},
            {"type": "message", "id": "msg_03", "role": "user", "content": [{"type": "input_text",
             "text": "<environment_context>\n  <cwd>/home/dev/project</cwd>\n  <shell>bash</shell>\n</environment_context>"}]},
            {"type": "message", "id": "msg_04", "role": "user", "content": [{"type": "input_text",
             "text": "List the files here."}]},
        ],
        "tools": [
            {"type": "function", "name": "exec_command", "strict": false,
             "description": "Runs a command in a PTY, returning output or a session ID for ongoing interaction.",
             "parameters": {"type": "object", "additionalProperties": false, "required": ["cmd"],
                            "properties": {"cmd": {"type": "string"}, "workdir": {"type": "string"},
                                           "yield_time_ms": {"type": "number"}, "tty": {"type": "boolean"}}}},
            {"type": "function", "name": "write_stdin", "strict": false, "description": "Writes to a session.",
             "parameters": {"type": "object", "properties": {"session_id": {"type": "number"},
                            "chars": {"type": "string"}}, "required": ["session_id"]}},
            {"type": "namespace", "name": "multi_agent_v1", "description": "Sub-agents.",
             "tools": [agent("close_agent"), agent("resume_agent"), agent("send_input"),
                       agent("spawn_agent"), agent("wait_agent")]},
            {"type": "function", "name": "get_goal", "strict": false, "description": "Reads the goal.",
             "parameters": {"type": "object", "properties": {}}},
            {"type": "web_search", "external_web_access": false},
        ],
        "tool_choice": "auto",
        "parallel_tool_calls": true,
        "reasoning": {"summary": "auto"},
        "store": false,
        "stream": true,
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": "0199a213-81c0-7800-8aa1-bbab2a035a53",
        "client_metadata": {"x-codex-installation-id": "5f0c6c1e"},
    })
}

#[test]
fn codex_turn_1() {
    let request = codex_turn_1_request();
    let parsed: CreateResponse = serde_json::from_value(request.clone()).unwrap();
    assert_eq!(
        serde_json::to_value(&parsed).unwrap(),
        request,
        "the request round-trips"
    );
    let translation = translate(request);
    check_chat(
        "codex turn 1",
        &translation,
        json!({
            "model": "my-model",
            "messages": [
                system("You are Codex, based on GPT-5. You are running as a coding agent in the Codex CLI on a user's computer.\n\n<skills_instructions>\n## Skills\nNone installed.\n</skills_instructions>"),
                user("<environment_context>\n  <cwd>/home/dev/project</cwd>\n  <shell>bash</shell>\n</environment_context>"),
                user("List the files here."),
            ],
            "tool_choice": "auto", "parallel_tool_calls": true, "stream": true,
            "stream_options": {"include_usage": true},
            "prompt_cache_key": "0199a213-81c0-7800-8aa1-bbab2a035a53",
            "store": null, "client_metadata": null, "reasoning_effort": null,
            "max_completion_tokens": null,
        }),
    );
    let chat = serde_json::to_value(&translation.request).unwrap();
    let names: Vec<&str> = chat["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| tool["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "exec_command",
            "write_stdin",
            "multi_agent_v1__close_agent",
            "multi_agent_v1__resume_agent",
            "multi_agent_v1__send_input",
            "multi_agent_v1__spawn_agent",
            "multi_agent_v1__wait_agent",
            "get_goal"
        ]
    );
    assert!(translation.include_reasoning);
    assert!(!translation.echo.store);
}

#[test]
fn codex_turn_2() {
    let mut request = codex_turn_1_request();
    let output = "Chunk ID: 3f2a1c\nWall time: 0.0121 seconds\nProcess exited with code 0\nOriginal token count: 4\nOutput:\nREADME.md\nsrc\n";
    let input = request["input"].as_array_mut().unwrap();
    input.extend([
        json!({"type": "reasoning", "id": "rs_1", "summary": [], "content": null,
               "encrypted_content": "ENCRYPTED-BLOB-123"}),
        json!({"type": "function_call", "status": "completed", "id": "fc_1", "name": "exec_command",
               "arguments": "{\"cmd\":\"ls\"}", "call_id": "call_abc"}),
        json!({"type": "function_call_output", "id": "fco_7b7c0a8e-9d7e-4a57-b1d2-3c4d5e6f7a8b",
               "call_id": "call_abc", "output": output}),
    ]);
    let messages = &serde_json::to_value(translate(request).request).unwrap()["messages"];
    assert_eq!(messages.as_array().unwrap().len(), 5);
    assert_eq!(
        messages[3],
        calls(json!([call(
            "call_abc",
            "exec_command",
            "{\"cmd\":\"ls\"}"
        )]))
    );
    assert_eq!(messages[4], tool("call_abc", output));
}
