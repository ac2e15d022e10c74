//! [`Core`]: what every part of the state machine writes to: the response being built,
//! the id generator, and the events of the current call with their sequence numbers.

use super::super::events::{LifecycleEvent, OutputItemEvent, ResponseStreamEvent};
use super::super::ids::IdGen;
use super::super::items::OutputItem;
use super::super::response::Response;

/// The response under construction and the events not yet handed out.
#[derive(Debug)]
pub(super) struct Core {
    /// The response; `output[i]` is the item of `output_index` i, as last added or done.
    pub(super) response: Response,
    /// Ids of this response's items and calls.
    pub(super) ids: IdGen,
    /// The next `sequence_number`.
    seq: u64,
    /// Events emitted since the last [`Core::take_events`].
    events: Vec<ResponseStreamEvent>,
    /// No events are built, only the response ([`Core::quiet`]).
    quiet: bool,
    /// Turns a reasoning item's text into its `encrypted_content`, when the client asked.
    pub(super) sealer: SealerSlot,
}

/// The optional [`Sealer`]; a closure has no `Debug`, so this prints whether one is set.
#[derive(Default)]
pub(super) struct SealerSlot(pub(super) Option<Sealer>);

impl std::fmt::Debug for SealerSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Sealer" } else { "None" })
    }
}

/// Makes a reasoning item's `encrypted_content` from its text (the gateway seals it with
/// a key only it holds; `None` leaves the field null).
pub type Sealer = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

impl Core {
    /// A core for `response`, whose id seeds the item ids.
    pub(super) fn new(response: Response) -> Self {
        Self {
            ids: IdGen::new(&response.id),
            response,
            seq: 0,
            events: Vec::new(),
            quiet: false,
            sealer: SealerSlot::default(),
        }
    }

    /// From now on only the response is built: events are neither made nor kept (their
    /// sequence numbers still advance). For a caller that wants only the final response.
    pub(super) fn quiet(&mut self) {
        self.quiet = true;
    }

    /// The `encrypted_content` for reasoning `text`, if a sealer is set.
    pub(super) fn seal(&self, text: &str) -> Option<String> {
        self.sealer.0.as_ref().and_then(|seal| seal(text))
    }

    /// Takes the next sequence number.
    pub(super) fn next_seq(&mut self) -> u64 {
        let seq = self.seq;
        self.seq += 1;
        seq
    }

    /// Emits the event `make` builds from the next sequence number.
    pub(super) fn emit(&mut self, make: impl FnOnce(u64) -> ResponseStreamEvent) {
        let seq = self.next_seq();
        if !self.quiet {
            self.events.push(make(seq));
        }
    }

    /// Appends `item` to the output at the next `output_index`, emits
    /// `output_item.added`, and returns the index.
    pub(super) fn add_item(&mut self, item: OutputItem) -> usize {
        let output_index = self.response.output.len();
        if self.quiet {
            self.response.output.push(item);
            self.next_seq();
            return output_index;
        }
        self.response.output.push(item.clone());
        self.emit(|sequence_number| {
            ResponseStreamEvent::OutputItemAdded(OutputItemEvent {
                sequence_number,
                output_index,
                item,
            })
        });
        output_index
    }

    /// Replaces the item at `output_index` with its final form and emits
    /// `output_item.done`.
    pub(super) fn done_item(&mut self, output_index: usize, item: OutputItem) {
        if self.quiet {
            if let Some(slot) = self.response.output.get_mut(output_index) {
                *slot = item;
            }
            self.next_seq();
            return;
        }
        if let Some(slot) = self.response.output.get_mut(output_index) {
            *slot = item.clone();
        }
        self.emit(|sequence_number| {
            ResponseStreamEvent::OutputItemDone(OutputItemEvent {
                sequence_number,
                output_index,
                item,
            })
        });
    }

    /// A lifecycle event (`wrap` picks which) carrying a copy of the response. Without
    /// `with_output` the copy has an empty `output`: `created`, `in_progress` and the
    /// heartbeat show no half-built items. The event is returned, not queued.
    pub(super) fn lifecycle(
        &mut self,
        wrap: fn(LifecycleEvent) -> ResponseStreamEvent,
        with_output: bool,
    ) -> ResponseStreamEvent {
        let response = if with_output {
            Box::new(self.response.clone())
        } else {
            let output = std::mem::take(&mut self.response.output);
            let copy = Box::new(self.response.clone());
            self.response.output = output;
            copy
        };
        wrap(LifecycleEvent {
            sequence_number: self.next_seq(),
            response,
        })
    }

    /// Queues the lifecycle event [`Core::lifecycle`] builds (nothing but its sequence
    /// number when quiet: the copy of the response is the costly part).
    pub(super) fn queue_lifecycle(
        &mut self,
        wrap: fn(LifecycleEvent) -> ResponseStreamEvent,
        with_output: bool,
    ) {
        if self.quiet {
            self.next_seq();
            return;
        }
        let event = self.lifecycle(wrap, with_output);
        self.events.push(event);
    }

    /// The events emitted since the last call, in order.
    pub(super) fn take_events(&mut self) -> Vec<ResponseStreamEvent> {
        std::mem::take(&mut self.events)
    }
}
