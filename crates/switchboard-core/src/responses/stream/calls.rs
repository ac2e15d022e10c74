//! Tool calls of the state machine: chat `delta.tool_calls[]` pieces, keyed by `index`,
//! become `function_call` and `custom_tool_call` items.
//!
//! A call's item is added only once both its call id and its name are known (arguments
//! may come first; they are buffered and then flushed). The first non-empty id and name
//! win: older vLLM builds put a fresh id on every piece. A piece with a different
//! non-empty id *and* a non-empty name, on an index whose call already has a name, starts
//! a new call (upstreams that reuse index 0 for parallel calls). Calls close at the end
//! of the stream.

use std::collections::HashMap;

use super::super::events::{
    CallDeltaEvent, CustomToolCallInputDoneEvent, FunctionCallArgumentsDoneEvent,
    ResponseStreamEvent as Event,
};
use super::super::items::{CustomToolCallItem, FunctionCallItem, ItemStatus, OutputItem};
use super::super::tool_names::{ToolNames, ToolOrigin};
use super::core::Core;
use super::custom_input::{InputUnwrapper, unwrap_input};
use crate::chat::ToolCallDelta;

/// The tool calls of one response.
#[derive(Debug)]
pub(super) struct ToolCalls {
    tool_names: ToolNames,
    /// Every call, in the order its first piece arrived.
    calls: Vec<Call>,
    /// The chat `index` → the position in `calls` of the call its pieces go to now.
    current: HashMap<u32, usize>,
}

/// One call, from its first piece to its end.
#[derive(Debug, Default)]
struct Call {
    call_id: Option<String>,
    chat_name: Option<String>,
    /// The arguments text received so far.
    args: String,
    started: Option<Started>,
}

/// A call whose item has been added.
#[derive(Debug)]
struct Started {
    item_id: String,
    output_index: usize,
    call_id: String,
    kind: Kind,
}

/// What a call's item is.
#[derive(Debug)]
enum Kind {
    Function {
        name: String,
        namespace: Option<String>,
    },
    Custom {
        name: String,
        unwrapper: InputUnwrapper,
    },
}

impl Call {
    /// True when a piece with this id and name starts another call on the same index.
    fn is_replaced_by(&self, id: Option<&str>, name: Option<&str>) -> bool {
        let new_id = matches!((id, self.call_id.as_deref()), (Some(new), Some(old)) if new != old);
        new_id && name.is_some() && self.chat_name.is_some()
    }
}

impl ToolCalls {
    /// No calls yet; `tool_names` tells custom and namespaced tools apart.
    pub(super) fn new(tool_names: ToolNames) -> Self {
        Self {
            tool_names,
            calls: Vec::new(),
            current: HashMap::new(),
        }
    }

    /// Takes one `delta.tool_calls[]` piece.
    pub(super) fn push(&mut self, core: &mut Core, piece: &ToolCallDelta) {
        let function = piece.function.as_ref();
        let id = piece.id.as_deref().filter(|id| !id.is_empty());
        let name = function
            .and_then(|function| function.name.as_deref())
            .filter(|name| !name.is_empty());
        let args = function
            .and_then(|function| function.arguments.as_deref())
            .unwrap_or_default();
        let position = match self.current.get(&piece.index) {
            Some(&position) if !self.calls[position].is_replaced_by(id, name) => position,
            _ => {
                self.calls.push(Call::default());
                self.current.insert(piece.index, self.calls.len() - 1);
                self.calls.len() - 1
            }
        };
        let call = &mut self.calls[position];
        if call.call_id.is_none() {
            call.call_id = id.map(str::to_owned);
        }
        if call.chat_name.is_none() {
            call.chat_name = name.map(str::to_owned);
        }
        call.args.push_str(args);
        if call.started.is_none() {
            if call.call_id.is_some() && call.chat_name.is_some() {
                start(call, core, &self.tool_names);
            }
        } else if !args.is_empty() {
            stream_args(call, core, args);
        }
    }

    /// At the end of the stream: adds the items of calls still waiting for an id (with a
    /// synthesized `call_…`) and drops calls that never got a name (an item without a
    /// name is invalid and no client could run it). No more pieces are taken after this.
    pub(super) fn start_pending(&mut self, core: &mut Core) {
        self.current.clear();
        self.calls.retain(|call| call.chat_name.is_some());
        for call in self.calls.iter_mut().filter(|call| call.started.is_none()) {
            start(call, core, &self.tool_names);
        }
    }

    /// Ends, with `status` and in `output_index` order, the started calls whose
    /// `output_index` is below `before`.
    pub(super) fn close_before(&mut self, core: &mut Core, status: ItemStatus, before: usize) {
        let (mut now, later): (Vec<Call>, Vec<Call>) = std::mem::take(&mut self.calls)
            .into_iter()
            .partition(|call| {
                call.started
                    .as_ref()
                    .is_some_and(|started| started.output_index < before)
            });
        self.calls = later;
        now.sort_by_key(|call| call.started.as_ref().map(|started| started.output_index));
        for call in now {
            close(call, core, status);
        }
    }
}

/// Adds the call's item and flushes the arguments buffered so far.
fn start(call: &mut Call, core: &mut Core, tool_names: &ToolNames) {
    let chat_name = call.chat_name.clone().unwrap_or_default();
    let call_id = match &call.call_id {
        Some(call_id) => call_id.clone(),
        None => core.ids.call_id(),
    };
    let (item_id, kind, item) = match tool_names.origin(&chat_name) {
        Some(ToolOrigin::Custom { name }) => {
            let item_id = core.ids.custom_tool_call();
            let item = OutputItem::CustomToolCall(CustomToolCallItem {
                id: item_id.clone(),
                call_id: call_id.clone(),
                name: name.clone(),
                input: String::new(),
                status: ItemStatus::InProgress,
            });
            let unwrapper = InputUnwrapper::new();
            let kind = Kind::Custom {
                name: name.clone(),
                unwrapper,
            };
            (item_id, kind, item)
        }
        origin => {
            let (name, namespace) = match origin {
                Some(ToolOrigin::Namespaced { namespace, name }) => {
                    (name.clone(), Some(namespace.clone()))
                }
                _ => (chat_name, None),
            };
            let item_id = core.ids.function_call();
            let item = OutputItem::FunctionCall(FunctionCallItem {
                id: item_id.clone(),
                call_id: call_id.clone(),
                name: name.clone(),
                arguments: String::new(),
                status: ItemStatus::InProgress,
                namespace: namespace.clone(),
            });
            (item_id, Kind::Function { name, namespace }, item)
        }
    };
    let output_index = core.add_item(item);
    call.started = Some(Started {
        item_id,
        output_index,
        call_id,
        kind,
    });
    let buffered = call.args.clone();
    if !buffered.is_empty() {
        stream_args(call, core, &buffered);
    }
}

/// Emits the delta event for a new arguments fragment of a started call (`call.args`
/// already includes it).
fn stream_args(call: &mut Call, core: &mut Core, fragment: &str) {
    let Some(started) = call.started.as_mut() else {
        return;
    };
    let (item_id, output_index) = (started.item_id.clone(), started.output_index);
    match &mut started.kind {
        Kind::Function { .. } => core.emit(|sequence_number| {
            Event::FunctionCallArgumentsDelta(CallDeltaEvent {
                sequence_number,
                item_id,
                output_index,
                delta: fragment.to_owned(),
            })
        }),
        Kind::Custom { unwrapper, .. } => {
            let delta = unwrapper.advance(&call.args);
            if !delta.is_empty() {
                core.emit(|sequence_number| {
                    Event::CustomToolCallInputDelta(CallDeltaEvent {
                        sequence_number,
                        item_id,
                        output_index,
                        delta,
                    })
                });
            }
        }
    }
}

/// Emits a started call's `…done` events and its final item.
fn close(call: Call, core: &mut Core, status: ItemStatus) {
    let Some(Started {
        item_id,
        output_index,
        call_id,
        kind,
    }) = call.started
    else {
        return;
    };
    match kind {
        Kind::Function { name, namespace } => {
            let arguments = if call.args.trim().is_empty() {
                "{}".to_owned()
            } else {
                call.args
            };
            core.emit(|sequence_number| {
                Event::FunctionCallArgumentsDone(FunctionCallArgumentsDoneEvent {
                    sequence_number,
                    item_id: item_id.clone(),
                    output_index,
                    name: name.clone(),
                    arguments: arguments.clone(),
                })
            });
            let item = FunctionCallItem {
                id: item_id,
                call_id,
                name,
                arguments,
                status,
                namespace,
            };
            core.done_item(output_index, OutputItem::FunctionCall(item));
        }
        Kind::Custom { name, unwrapper } => {
            let input = unwrap_input(&call.args);
            // Send what the streamed deltas have not covered (all of it when the
            // arguments were not `{"input": "…"}`), so the deltas add up to the input.
            if let Some(rest) = input.strip_prefix(unwrapper.emitted())
                && !rest.is_empty()
            {
                let delta = rest.to_owned();
                let item_id = item_id.clone();
                core.emit(|sequence_number| {
                    Event::CustomToolCallInputDelta(CallDeltaEvent {
                        sequence_number,
                        item_id,
                        output_index,
                        delta,
                    })
                });
            }
            core.emit(|sequence_number| {
                Event::CustomToolCallInputDone(CustomToolCallInputDoneEvent {
                    sequence_number,
                    item_id: item_id.clone(),
                    output_index,
                    input: input.clone(),
                })
            });
            let item = CustomToolCallItem {
                id: item_id,
                call_id,
                name,
                input,
                status,
            };
            core.done_item(output_index, OutputItem::CustomToolCall(item));
        }
    }
}
