//! [`ToolNames`]: the chat-side names of Responses tools that are not plain functions.
//!
//! Chat Completions has only function tools, so the request translation declares a
//! `custom` tool (freeform input, e.g. Codex's `apply_patch`) as a function taking one
//! string parameter `input`, and each member of a `namespace` tool as a function named
//! `NAMESPACE__NAME` (OpenAI function names allow `[a-zA-Z0-9_-]` only, so no `.`). The
//! response side looks a chat tool call's name up here to turn it back into a
//! `custom_tool_call` (arguments `{"input": "..."}` unwrapped) or a `function_call` with
//! its `namespace`.

use std::collections::HashMap;

/// The separator between a namespace and a member's name in a chat function name.
pub const NAMESPACE_SEPARATOR: &str = "__";

/// The name of the one string parameter a custom tool is declared with.
pub const CUSTOM_INPUT_PARAM: &str = "input";

/// What a chat function name stood for on the Responses side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolOrigin {
    /// A `custom` tool of this name.
    Custom {
        /// The custom tool's name (equal to the chat name).
        name: String,
    },
    /// A function inside a `namespace` tool.
    Namespaced {
        /// The namespace's name.
        namespace: String,
        /// The member's own name.
        name: String,
    },
}

/// The non-function tools of one request, by their chat-side function name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolNames {
    by_chat_name: HashMap<String, ToolOrigin>,
}

impl ToolNames {
    /// Records a custom tool; its chat name is its own name.
    pub fn add_custom(&mut self, name: &str) -> String {
        self.by_chat_name.insert(
            name.to_owned(),
            ToolOrigin::Custom {
                name: name.to_owned(),
            },
        );
        name.to_owned()
    }

    /// Records a namespace member and returns its chat name, `NAMESPACE__NAME`.
    pub fn add_namespaced(&mut self, namespace: &str, name: &str) -> String {
        let chat_name = chat_name(namespace, name);
        self.by_chat_name.insert(
            chat_name.clone(),
            ToolOrigin::Namespaced {
                namespace: namespace.to_owned(),
                name: name.to_owned(),
            },
        );
        chat_name
    }

    /// What a chat tool call's `name` stood for; `None` for a plain function.
    pub fn origin(&self, chat_name: &str) -> Option<&ToolOrigin> {
        self.by_chat_name.get(chat_name)
    }

    /// True when no custom or namespaced tool was declared.
    pub fn is_empty(&self) -> bool {
        self.by_chat_name.is_empty()
    }
}

/// The chat function name of a namespace member (also used when replaying history).
pub fn chat_name(namespace: &str, name: &str) -> String {
    format!("{namespace}{NAMESPACE_SEPARATOR}{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_both_ways() {
        let mut names = ToolNames::default();
        assert_eq!(names.add_custom("apply_patch"), "apply_patch");
        assert_eq!(
            names.add_namespaced("multi_agent_v1", "spawn_agent"),
            "multi_agent_v1__spawn_agent"
        );
        assert_eq!(
            names.origin("multi_agent_v1__spawn_agent"),
            Some(&ToolOrigin::Namespaced {
                namespace: "multi_agent_v1".into(),
                name: "spawn_agent".into()
            })
        );
        assert!(matches!(
            names.origin("apply_patch"),
            Some(ToolOrigin::Custom { .. })
        ));
        assert_eq!(names.origin("exec_command"), None);
    }
}
