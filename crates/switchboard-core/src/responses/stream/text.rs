//! The two text items of the state machine: an open reasoning item (summary part 0) and
//! an open message item (a run of `output_text` and `refusal` parts).

use super::super::events::{
    ContentPartEvent, PartStatus, RefusalDeltaEvent, RefusalDoneEvent,
    ResponseStreamEvent as Event, SummaryPartEvent, SummaryTextDeltaEvent, SummaryTextDoneEvent,
    TextDeltaEvent, TextDoneEvent,
};
use super::super::items::{
    ItemStatus, OutputContent, OutputItem, OutputMessage, ReasoningItem, ReasoningText, SummaryText,
};
use super::core::Core;

/// A reasoning item between `output_item.added` and `output_item.done`. The text is
/// streamed as summary part 0 and also kept as the item's `reasoning_text` content.
#[derive(Debug)]
pub(super) struct OpenReasoning {
    id: String,
    output_index: usize,
    text: String,
}

impl OpenReasoning {
    /// Adds the item and its empty summary part.
    pub(super) fn open(core: &mut Core) -> Self {
        let id = core.ids.reasoning();
        let output_index = core.add_item(OutputItem::Reasoning(ReasoningItem {
            id: id.clone(),
            summary: Vec::new(),
            content: None,
            encrypted_content: None,
            status: ItemStatus::InProgress,
        }));
        core.emit(|sequence_number| {
            Event::ReasoningSummaryPartAdded(SummaryPartEvent {
                sequence_number,
                item_id: id.clone(),
                output_index,
                summary_index: 0,
                part: SummaryText {
                    text: String::new(),
                },
                status: None,
            })
        });
        Self {
            id,
            output_index,
            text: String::new(),
        }
    }

    /// The item's position in `output`.
    pub(super) fn output_index(&self) -> usize {
        self.output_index
    }

    /// Streams more reasoning text.
    pub(super) fn push(&mut self, core: &mut Core, delta: &str) {
        self.text.push_str(delta);
        core.emit(|sequence_number| {
            Event::ReasoningSummaryTextDelta(SummaryTextDeltaEvent {
                sequence_number,
                item_id: self.id.clone(),
                output_index: self.output_index,
                summary_index: 0,
                delta: delta.to_owned(),
            })
        });
    }

    /// Ends the summary part and the item with `status`.
    pub(super) fn close(self, core: &mut Core, status: ItemStatus) {
        let Self {
            id,
            output_index,
            text,
        } = self;
        core.emit(|sequence_number| {
            Event::ReasoningSummaryTextDone(SummaryTextDoneEvent {
                sequence_number,
                item_id: id.clone(),
                output_index,
                summary_index: 0,
                text: text.clone(),
            })
        });
        core.emit(|sequence_number| {
            Event::ReasoningSummaryPartDone(SummaryPartEvent {
                sequence_number,
                item_id: id.clone(),
                output_index,
                summary_index: 0,
                part: SummaryText { text: text.clone() },
                status: (status == ItemStatus::Incomplete).then_some(PartStatus::Incomplete),
            })
        });
        let item = ReasoningItem {
            id,
            summary: vec![SummaryText { text: text.clone() }],
            encrypted_content: core.seal(&text),
            content: Some(vec![ReasoningText { text }]),
            status,
        };
        core.done_item(output_index, OutputItem::Reasoning(item));
    }
}

/// Which kind of part a message delta belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartKind {
    Text,
    Refusal,
}

/// A message item between `output_item.added` and `output_item.done`.
#[derive(Debug)]
pub(super) struct OpenMessage {
    id: String,
    output_index: usize,
    parts: Vec<OutputContent>,
    /// The last part of `parts` is still open (its `content_part.done` is pending).
    part_open: bool,
}

impl OpenMessage {
    /// Adds an empty message item.
    pub(super) fn open(core: &mut Core) -> Self {
        let id = core.ids.message();
        let output_index = core.add_item(OutputItem::Message(OutputMessage {
            id: id.clone(),
            status: ItemStatus::InProgress,
            role: Default::default(),
            content: Vec::new(),
        }));
        Self {
            id,
            output_index,
            parts: Vec::new(),
            part_open: false,
        }
    }

    /// The item's position in `output`.
    pub(super) fn output_index(&self) -> usize {
        self.output_index
    }

    /// Streams more answer text, opening an `output_text` part if needed.
    pub(super) fn push_text(&mut self, core: &mut Core, delta: &str) {
        let content_index = self.open_part(core, PartKind::Text);
        if let Some(OutputContent::OutputText { text, .. }) = self.parts.last_mut() {
            text.push_str(delta);
        }
        core.emit(|sequence_number| {
            Event::OutputTextDelta(TextDeltaEvent {
                sequence_number,
                item_id: self.id.clone(),
                output_index: self.output_index,
                content_index,
                delta: delta.to_owned(),
                logprobs: Vec::new(),
            })
        });
    }

    /// Streams more refusal text, opening a `refusal` part if needed.
    pub(super) fn push_refusal(&mut self, core: &mut Core, delta: &str) {
        let content_index = self.open_part(core, PartKind::Refusal);
        if let Some(OutputContent::Refusal { refusal }) = self.parts.last_mut() {
            refusal.push_str(delta);
        }
        core.emit(|sequence_number| {
            Event::RefusalDelta(RefusalDeltaEvent {
                sequence_number,
                item_id: self.id.clone(),
                output_index: self.output_index,
                content_index,
                delta: delta.to_owned(),
            })
        });
    }

    /// Ends the open part, then the item with `status`.
    pub(super) fn close(mut self, core: &mut Core, status: ItemStatus) {
        self.close_part(core);
        let item = OutputMessage {
            id: self.id,
            status,
            role: Default::default(),
            content: self.parts,
        };
        core.done_item(self.output_index, OutputItem::Message(item));
    }

    /// The content index of an open part of `kind`, opening one (and closing a part of
    /// the other kind) when needed.
    fn open_part(&mut self, core: &mut Core, kind: PartKind) -> usize {
        let open_kind = match self.parts.last() {
            Some(OutputContent::OutputText { .. }) => PartKind::Text,
            Some(OutputContent::Refusal { .. }) => PartKind::Refusal,
            None => kind,
        };
        if self.part_open && open_kind == kind {
            return self.parts.len() - 1;
        }
        self.close_part(core);
        let part = match kind {
            PartKind::Text => OutputContent::text(""),
            PartKind::Refusal => OutputContent::refusal(""),
        };
        self.parts.push(part.clone());
        self.part_open = true;
        let content_index = self.parts.len() - 1;
        core.emit(|sequence_number| {
            Event::ContentPartAdded(ContentPartEvent {
                sequence_number,
                item_id: self.id.clone(),
                output_index: self.output_index,
                content_index,
                part,
            })
        });
        content_index
    }

    /// Emits the `…done` events of the open part, if any.
    fn close_part(&mut self, core: &mut Core) {
        if !self.part_open {
            return;
        }
        self.part_open = false;
        let Some(part) = self.parts.last().cloned() else {
            return;
        };
        let (item_id, output_index) = (self.id.clone(), self.output_index);
        let content_index = self.parts.len() - 1;
        match &part {
            OutputContent::OutputText { text, .. } => core.emit(|sequence_number| {
                Event::OutputTextDone(TextDoneEvent {
                    sequence_number,
                    item_id: item_id.clone(),
                    output_index,
                    content_index,
                    text: text.clone(),
                    logprobs: Vec::new(),
                })
            }),
            OutputContent::Refusal { refusal } => core.emit(|sequence_number| {
                Event::RefusalDone(RefusalDoneEvent {
                    sequence_number,
                    item_id: item_id.clone(),
                    output_index,
                    content_index,
                    refusal: refusal.clone(),
                })
            }),
        }
        core.emit(|sequence_number| {
            Event::ContentPartDone(ContentPartEvent {
                sequence_number,
                item_id,
                output_index,
                content_index,
                part,
            })
        });
    }
}
