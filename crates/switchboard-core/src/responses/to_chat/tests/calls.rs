//! Tool calls and their outputs: merging, adjacency, orphans, custom tools.

use super::*;

#[test]
fn tool_calls_and_outputs_keep_adjacency() {
    let ls = r#"{"cmd":"ls"}"#;
    let pwd = r#"{"cmd":"pwd"}"#;
    for (name, input, expected) in [
        (
            "parallel calls fc1 fc2 out1 out2: one assistant message",
            json!([
                msg("user", "go"),
                fc("c1", "exec_command", ls),
                fc("c2", "exec_command", pwd),
                out("c1", "a.txt"),
                out("c2", "/home")
            ]),
            json!([
                user("go"),
                calls(json!([
                    call("c1", "exec_command", ls),
                    call("c2", "exec_command", pwd)
                ])),
                tool("c1", "a.txt"),
                tool("c2", "/home")
            ]),
        ),
        (
            "assistant text before the call joins the tool-calling message",
            json!([
                said("Let me look."),
                fc("c1", "exec_command", ls),
                out("c1", "a.txt")
            ]),
            json!([{"role": "assistant", "content": "Let me look.",
                    "tool_calls": [call("c1", "exec_command", ls)]}, tool("c1", "a.txt")]),
        ),
        (
            "assistant text between call and output joins it too",
            json!([
                fc("c1", "exec_command", ls),
                said("Running it."),
                out("c1", "a.txt"),
                said("Done.")
            ]),
            json!([{"role": "assistant", "content": "Running it.",
                    "tool_calls": [call("c1", "exec_command", ls)]},
                   tool("c1", "a.txt"), assistant("Done.")]),
        ),
        (
            "orphan output dropped",
            json!([msg("user", "hi"), out("call_gone", "stale"), said("hello")]),
            json!([user("hi"), assistant("hello")]),
        ),
        (
            "a call as the very last item gets (no output) too",
            json!([msg("user", "go"), fc("c1", "exec_command", ls)]),
            json!([
                user("go"),
                calls(json!([call("c1", "exec_command", ls)])),
                tool("c1", "(no output)")
            ]),
        ),
        (
            "unanswered call followed by a message gets (no output)",
            json!([
                fc("c1", "exec_command", ls),
                msg("user", "never mind"),
                out("c1", "late output")
            ]),
            json!([
                calls(json!([call("c1", "exec_command", ls)])),
                tool("c1", "(no output)"),
                user("never mind")
            ]),
        ),
        (
            "a call left unanswered at the end, not last, gets (no output)",
            json!([fc("c1", "a", "{}"), fc("c2", "b", "{}"), out("c1", "ok")]),
            json!([
                calls(json!([call("c1", "a", "{}"), call("c2", "b", "{}")])),
                tool("c1", "ok"),
                tool("c2", "(no output)")
            ]),
        ),
        (
            "empty arguments become {}, a repeated call id counts once",
            json!([
                fc("c1", "get_goal", ""),
                fc("c1", "get_goal", ""),
                out("c1", "none")
            ]),
            json!([
                calls(json!([call("c1", "get_goal", "{}")])),
                tool("c1", "none")
            ]),
        ),
        (
            "namespaced call gets its chat name",
            json!([{"type": "function_call", "call_id": "c1", "namespace": "multi_agent_v1",
                    "name": "spawn_agent", "arguments": "{\"message\":\"hi\"}"},
                   out("c1", "agent-1")]),
            json!([
                calls(json!([call(
                    "c1",
                    "multi_agent_v1__spawn_agent",
                    "{\"message\":\"hi\"}"
                )])),
                tool("c1", "agent-1")
            ]),
        ),
        (
            "array output: texts joined, images follow the turn in a user message",
            json!([fc("c1", "view_image", "{\"path\":\"a.png\"}"),
                   {"type": "function_call_output", "call_id": "c1", "output": [
                       {"type": "input_text", "text": "line 1"},
                       {"type": "input_text", "text": "line 2"},
                       {"type": "input_image", "image_url": "data:image/png;base64,AA"}]}]),
            json!([calls(json!([call("c1", "view_image", "{\"path\":\"a.png\"}")])),
                   tool("c1", "line 1\nline 2"),
                   {"role": "user", "content": [
                       {"type": "text", "text": "Images returned by the tool calls above:"},
                       {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}]}]),
        ),
    ] {
        check_messages(name, input, expected);
    }
}

#[test]
fn custom_tool_round_trip() {
    let patch = "*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n";
    let input = json!([
        msg("user", "add hello.txt"),
        {"type": "custom_tool_call", "id": "ctc_1", "status": "completed", "call_id": "call_p",
         "name": "apply_patch", "input": patch},
        {"type": "custom_tool_call_output", "id": "ctco_0199", "call_id": "call_p",
         "output": "Exit code: 0\nWall time: 0 seconds\nOutput:\nSuccess. Updated the following files:\nA hello.txt\n"},
    ]);
    let arguments = serde_json::to_string(&json!({"input": patch})).unwrap();
    check_messages(
        "apply_patch",
        input,
        json!([
            user("add hello.txt"),
            calls(json!([call("call_p", "apply_patch", &arguments)])),
            tool(
                "call_p",
                "Exit code: 0\nWall time: 0 seconds\nOutput:\nSuccess. Updated the following files:\nA hello.txt\n"
            )
        ]),
    );
}
