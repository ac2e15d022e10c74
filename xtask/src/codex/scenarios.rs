//! The scenarios: what each one asks Codex, and what it must see in Codex's exit status and
//! output and in the chat requests the gateway sent upstream.
//!
//! The upstream (`xtask/codex/upstream.py`) picks its scripted answer from the
//! `codex-check:NAME` marker in the prompt, so the names here and there must match.

use super::json::Json;
use super::{Exec, Setup};
use crate::run::Failure;

/// What the upstream's text answers say.
const HELLO: &str = "Hello from the chat upstream.";

/// The id the upstream gives its tool call.
const CALL_ID: &str = "call_codex_check_1";

/// The command the upstream asks Codex to run, and what it prints.
const TOOL_COMMAND: &str = "echo switchboard-ok";
/// What [`TOOL_COMMAND`] prints.
const TOOL_OUTPUT: &str = "switchboard-ok";

/// Text from each of the two `developer` messages Codex 0.169 sends (its base prompt, then
/// its skills list); the one `system` message upstream must hold both.
const DEVELOPER_MARKERS: &[&str] = &[
    "You are a coding agent running in the Codex CLI",
    "<skills_instructions>",
];

/// One `codex exec` run and its expectations.
struct Scenario {
    /// Its name, also the marker the upstream reads from the prompt.
    name: &'static str,
    /// The prompt; it holds `codex-check:NAME`.
    prompt: &'static str,
    /// Checks the run; `Err` says what is wrong.
    check: fn(&Exec) -> Result<(), String>,
    /// `Some(why)` when the scenario fails because of a gateway bug that is known and not
    /// fixed yet: it still runs, but its failure is printed as `KNOWN FAILURE` and does not
    /// fail the command.
    known_failure: Option<&'static str>,
}

/// The scenarios, in the order they run.
const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "text",
        prompt: "codex-check:text Say hello.",
        check: text,
        known_failure: None,
    },
    Scenario {
        name: "tool",
        prompt: "codex-check:tool Run `echo switchboard-ok` and tell me what it printed.",
        check: tool,
        known_failure: None,
    },
    Scenario {
        name: "reasoning",
        prompt: "codex-check:reasoning Think, then say hello.",
        check: reasoning,
        known_failure: None,
    },
    Scenario {
        name: "reasoning_tool",
        prompt: "codex-check:reasoning_tool Think, run `echo switchboard-ok`, then answer.",
        check: reasoning_tool,
        known_failure: None,
    },
    Scenario {
        name: "incomplete",
        prompt: "codex-check:incomplete Write a long answer.",
        check: incomplete,
        known_failure: None,
    },
];

/// Runs every scenario against `setup`, prints one line per scenario to stdout (and the
/// details of each failure to stderr), and returns how many passed and how many failed.
/// A known failure counts as neither.
pub(super) fn run_all(setup: &Setup) -> Result<(usize, usize), Failure> {
    let (mut passed, mut failed) = (0, 0);
    for scenario in SCENARIOS {
        let exec = setup.codex_exec(scenario.name, scenario.prompt)?;
        let seconds = exec.elapsed.as_secs_f64();
        let verdict = verdict(scenario, &exec);
        match (verdict, scenario.known_failure) {
            (Ok(()), None) => {
                passed += 1;
                println!("PASS {} ({seconds:.1} s)", scenario.name);
            }
            (Ok(()), Some(_)) => {
                passed += 1;
                println!(
                    "PASS {} ({seconds:.1} s); it is marked KNOWN FAILURE: remove the mark",
                    scenario.name
                );
            }
            (Err(why), Some(known)) => {
                println!(
                    "SKIP {}: KNOWN FAILURE: {known} (now: {why})",
                    scenario.name
                );
            }
            (Err(why), None) => {
                failed += 1;
                println!("FAIL {} ({seconds:.1} s): {why}", scenario.name);
                report(scenario, &exec);
            }
        }
    }
    // A connection that reached the trap after its scenario's check.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let late = setup.trap.take();
    if !late.is_empty() {
        failed += 1;
        println!(
            "FAIL network: codex tried to reach the network beyond loopback: {}",
            late.join("; ")
        );
    }
    Ok((passed, failed))
}

/// The scenario's own check, after two that hold for every scenario: Codex finished in
/// time and reached nothing outside loopback.
fn verdict(scenario: &Scenario, exec: &Exec) -> Result<(), String> {
    if exec.status.is_none() {
        return Err(format!(
            "codex did not finish within {} s and was killed",
            super::CODEX_TIMEOUT.as_secs()
        ));
    }
    if !exec.escaped.is_empty() {
        return Err(format!(
            "codex tried to reach the network beyond loopback: {}",
            exec.escaped.join("; ")
        ));
    }
    (scenario.check)(exec)
}

/// Prints what a failed scenario left: Codex's output, the requests, the gateway's log.
fn report(scenario: &Scenario, exec: &Exec) {
    eprintln!(
        "---- {}: codex stdout:\n{}",
        scenario.name,
        exec.stdout.trim_end()
    );
    eprintln!("---- {}: codex stderr (last 30 lines):", scenario.name);
    let lines: Vec<&str> = exec.stderr.lines().collect();
    for line in &lines[lines.len().saturating_sub(30)..] {
        eprintln!("    {line}");
    }
    eprintln!(
        "---- {}: {} upstream request(s) (bodies in {}/upstream-requests.jsonl), roles: {:?}",
        scenario.name,
        exec.requests.len(),
        super::RUN_DIR,
        exec.requests.iter().map(roles).collect::<Vec<_>>()
    );
    eprintln!("---- {}: the gateway's log meanwhile:", scenario.name);
    for line in exec.gateway_log.lines() {
        eprintln!("    {line}");
    }
}

/// Scenario `text`: a plain answer, printed as Codex's final message.
fn text(exec: &Exec) -> Result<(), String> {
    exited_zero(exec)?;
    stdout_has(exec, HELLO)?;
    let [request] = requests::<1>(exec)?;
    leading_system_message(request)?;
    ensure(
        request.get("stream") == &Json::Bool(true),
        "the chat request has no `stream: true`",
    )?;
    nested_function_tools(request)
}

/// Scenario `tool`: a call to `exec_command` that Codex runs, then its answer.
fn tool(exec: &Exec) -> Result<(), String> {
    exited_zero(exec)?;
    stdout_has(exec, TOOL_OUTPUT)?;
    let [first, second] = requests::<2>(exec)?;
    leading_system_message(first)?;
    leading_system_message(second)?;
    tool_round_trip(second).map(|_| ())
}

/// Scenario `reasoning`: `reasoning_content` deltas before the text.
fn reasoning(exec: &Exec) -> Result<(), String> {
    exited_zero(exec)?;
    stdout_has(exec, HELLO)?;
    // Codex shows the reasoning it was streamed among its progress output.
    let thought = "I will say hello.";
    ensure(
        exec.stderr.contains(thought),
        &format!("codex did not show the reasoning {thought:?} on stderr"),
    )?;
    requests::<1>(exec).map(|_| ())
}

/// Scenario `reasoning_tool`: reasoning, then a tool call; Codex sends the reasoning back
/// (sealed, `store: false`) and the gateway must restore it as the assistant message's
/// `reasoning_content` in the next chat request.
fn reasoning_tool(exec: &Exec) -> Result<(), String> {
    exited_zero(exec)?;
    stdout_has(exec, TOOL_OUTPUT)?;
    let [_, second] = requests::<2>(exec)?;
    let assistant = tool_round_trip(second)?;
    let want = "I should run the command before I answer.";
    let got = assistant.get("reasoning_content");
    ensure(
        got.as_str() == Some(want),
        &format!("the assistant message's reasoning_content is {got:?}, want {want:?}"),
    )
}

/// Scenario `incomplete`: the upstream stops at `finish_reason: "length"`; Codex reports
/// `Incomplete response returned, reason: max_output_tokens` and fails the turn.
fn incomplete(exec: &Exec) -> Result<(), String> {
    let code = exec.status.and_then(|s| s.code());
    ensure(code != Some(0), "codex exited 0; want a failed turn")?;
    let want = "max_output_tokens";
    ensure(
        exec.stdout.contains(want) || exec.stderr.contains(want),
        &format!("codex's output does not mention {want:?}"),
    )?;
    requests::<1>(exec).map(|_| ())
}

/// Checks that a turn-2 request holds the assistant message with the upstream's tool call,
/// directly followed by the `tool` message with the command's output; returns the former.
fn tool_round_trip(request: &Json) -> Result<&Json, String> {
    let messages = request.get("messages").items();
    let at = messages
        .iter()
        .position(|m| {
            m.get("role").as_str() == Some("assistant") && !m.get("tool_calls").items().is_empty()
        })
        .ok_or_else(|| {
            format!(
                "no assistant message with tool_calls; roles {:?}",
                roles(request)
            )
        })?;
    let assistant = &messages[at];
    let call = assistant.get("tool_calls").items().first();
    let call = call.unwrap_or(&Json::Null);
    ensure(
        call.get("id").as_str() == Some(CALL_ID),
        &format!("the tool call's id is {:?}", call.get("id")),
    )?;
    let function = call.get("function");
    ensure(
        function.get("name").as_str() == Some("exec_command"),
        &format!("the tool call's name is {:?}", function.get("name")),
    )?;
    let arguments = function.get("arguments").as_str().map(Json::parse);
    let cmd = arguments
        .as_ref()
        .and_then(|a| a.as_ref().ok())
        .map(|a| a.get("cmd").clone());
    ensure(
        cmd.as_ref().and_then(Json::as_str) == Some(TOOL_COMMAND),
        &format!(
            "the tool call's arguments are {:?}",
            function.get("arguments")
        ),
    )?;
    let result = messages.get(at + 1).unwrap_or(&Json::Null);
    ensure(
        result.get("role").as_str() == Some("tool")
            && result.get("tool_call_id").as_str() == Some(CALL_ID),
        &format!("the message after the tool call is not its `tool` result: {result:?}"),
    )?;
    let content = result.get("content").as_str().unwrap_or_default();
    ensure(
        content.contains(TOOL_OUTPUT),
        &format!("the tool result does not hold {TOOL_OUTPUT:?}: {content:?}"),
    )?;
    Ok(assistant)
}

/// Checks that the request opens with the one `system` message (Codex's `developer`
/// messages merged) and has no other `system` or `developer` message.
fn leading_system_message(request: &Json) -> Result<(), String> {
    let roles = roles(request);
    let system = roles
        .iter()
        .filter(|r| *r == "system" || *r == "developer")
        .count();
    ensure(
        roles.first().map(String::as_str) == Some("system") && system == 1,
        &format!("want exactly one system message, first; roles are {roles:?}"),
    )?;
    let first = request.get("messages").items().first();
    let text = first
        .and_then(|m| m.get("content").as_str())
        .unwrap_or_default();
    let missing: Vec<&str> = DEVELOPER_MARKERS
        .iter()
        .copied()
        .filter(|marker| !text.contains(marker))
        .collect();
    ensure(
        missing.is_empty(),
        &format!(
            "the system message lacks {missing:?} from Codex's developer messages; it is {} chars: {:?}...",
            text.len(),
            text.chars().take(120).collect::<String>()
        ),
    )
}

/// Checks that `tools` are Chat Completions functions (`{"type":"function","function":
/// {name, parameters}}`), not the flat Responses shape, and that `exec_command` is one.
fn nested_function_tools(request: &Json) -> Result<(), String> {
    let tools = request.get("tools").items();
    ensure(!tools.is_empty(), "the chat request has no tools")?;
    for tool in tools {
        let function = tool.get("function");
        ensure(
            tool.get("type").as_str() == Some("function")
                && function.get("name").as_str().is_some()
                && function.get("parameters").is_object()
                && tool.get("name") == &Json::Null,
            &format!("a tool is not a nested chat function: {tool:?}"),
        )?;
    }
    let names: Vec<&str> = tools
        .iter()
        .filter_map(|t| t.get("function").get("name").as_str())
        .collect();
    ensure(
        names.contains(&"exec_command"),
        &format!("no exec_command tool in {names:?}"),
    )
}

/// The roles of a chat request's messages, in order.
fn roles(request: &Json) -> Vec<String> {
    let messages = request.get("messages").items();
    messages
        .iter()
        .map(|m| m.get("role").as_str().unwrap_or("?").to_owned())
        .collect()
}

/// The scenario's requests, when there are exactly `N`.
fn requests<const N: usize>(exec: &Exec) -> Result<&[Json; N], String> {
    exec.requests.as_slice().try_into().map_err(|_| {
        format!(
            "the upstream got {} chat request(s) for this scenario, want {N}",
            exec.requests.len()
        )
    })
}

/// Checks that Codex exited with status 0.
fn exited_zero(exec: &Exec) -> Result<(), String> {
    let code = exec.status.and_then(|s| s.code());
    ensure(
        code == Some(0),
        &format!("codex exited with {code:?}, want 0"),
    )
}

/// Checks that Codex's stdout (its final message) contains `want`.
fn stdout_has(exec: &Exec, want: &str) -> Result<(), String> {
    ensure(
        exec.stdout.contains(want),
        &format!(
            "codex's stdout does not contain {want:?}: {:?}",
            exec.stdout.trim_end()
        ),
    )
}

/// `Ok` when `condition` holds, else `Err(message)`.
fn ensure(condition: bool, message: &str) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(message.to_owned())
    }
}
