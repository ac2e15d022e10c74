//! [`FastFields`]: how the text log writes an event's fields (`name=value ...`).
//!
//! It writes byte for byte what tracing-subscriber's `DefaultFields` writes when colours
//! are off, which is how a gateway's log usually runs (to a file or a pipe), but faster:
//! the default writes every field through `write!` with two colour wrappers that paint
//! nothing, and every string through `Debug`, which checks each character for escaping.
//! With the access log line's twenty fields that was about a sixth of the instructions a
//! pass-through request costs. Here a string of printable ASCII is written between quotes
//! as it is (what `Debug` writes for it), and integers and booleans directly; anything
//! else goes through `Debug` as before. With colours on (a terminal) it is
//! `DefaultFields` itself.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing_subscriber::field::{MakeVisitor, VisitFmt, VisitOutput};
use tracing_subscriber::fmt::format::{DefaultFields, DefaultVisitor, Writer};

/// The text log's field formatter; see the module documentation.
#[derive(Debug, Default)]
pub struct FastFields {
    default: DefaultFields,
}

impl<'a> MakeVisitor<Writer<'a>> for FastFields {
    type Visitor = FieldsVisitor<'a>;

    fn make_visitor(&self, writer: Writer<'a>) -> Self::Visitor {
        if writer.has_ansi_escapes() {
            FieldsVisitor::Default(self.default.make_visitor(writer))
        } else {
            FieldsVisitor::Plain(PlainVisitor {
                writer,
                is_empty: true,
                result: Ok(()),
            })
        }
    }
}

/// The visitor [`FastFields`] makes: the plain one, or the default one for colours.
pub enum FieldsVisitor<'a> {
    /// Colours off: [`PlainVisitor`].
    Plain(PlainVisitor<'a>),
    /// Colours on: tracing-subscriber's own.
    Default(DefaultVisitor<'a>),
}

/// Writes fields as `DefaultVisitor` does without colours.
pub struct PlainVisitor<'a> {
    writer: Writer<'a>,
    is_empty: bool,
    result: fmt::Result,
}

impl PlainVisitor<'_> {
    /// Starts a `name=` (after a space unless it is the first field), or returns false
    /// when the field is not written: an earlier write failed, or it is `log` crate
    /// metadata, which the line already shows.
    fn start(&mut self, name: &str) -> bool {
        if self.result.is_err() || name.starts_with("log.") {
            return false;
        }
        if self.is_empty {
            self.is_empty = false;
        } else {
            self.result = self.writer.write_char(' ');
        }
        let name = name.strip_prefix("r#").unwrap_or(name);
        self.result = self
            .result
            .and_then(|()| self.writer.write_str(name))
            .and_then(|()| self.writer.write_char('='));
        self.result.is_ok()
    }

    fn write_plain(&mut self, field: &Field, value: &str) {
        if self.start(field.name()) {
            self.result = self
                .writer
                .write_char('"')
                .and_then(|()| self.writer.write_str(value))
                .and_then(|()| self.writer.write_char('"'));
        }
    }
}

/// True when `Debug` writes `value` as itself between quotes: printable ASCII without
/// `"` or `\`.
fn is_plain(value: &str) -> bool {
    // Every byte looked at, without an early exit: the loop then runs on whole vectors of
    // bytes (log values are almost always plain, so stopping early saved nothing).
    value.bytes().fold(true, |plain, b| {
        plain & (b' '..=b'~').contains(&b) & (b != b'"') & (b != b'\\')
    })
}

impl Visit for PlainVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() != "message" && is_plain(value) {
            self.write_plain(field, value);
        } else if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() != "message" && self.start(field.name()) {
            self.result = self.writer.write_str(itoa::Buffer::new().format(value));
        } else if field.name() == "message" {
            self.record_debug(field, &value);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() != "message" && self.start(field.name()) {
            self.result = self.writer.write_str(itoa::Buffer::new().format(value));
        } else if field.name() == "message" {
            self.record_debug(field, &value);
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() != "message" && self.start(field.name()) {
            self.result = self.writer.write_str(if value { "true" } else { "false" });
        } else if field.name() == "message" {
            self.record_debug(field, &value);
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let sanitize = self.writer.sanitizes_ansi_escapes();
        let shown = Sanitized::new(value, sanitize);
        match value.source() {
            Some(source) => self.record_debug(
                field,
                &format_args!(
                    "{shown} {}.sources={}",
                    field.name(),
                    Sources {
                        error: source,
                        sanitize
                    }
                ),
            ),
            None => self.record_debug(field, &format_args!("{shown}")),
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let name = field.name();
        if name == "message" {
            if self.result.is_err() {
                return;
            }
            if self.is_empty {
                self.is_empty = false;
            } else {
                self.result = self.writer.write_char(' ');
            }
            let sanitize = self.writer.sanitizes_ansi_escapes();
            self.result = self
                .result
                .and_then(|()| write!(self.writer, "{:?}", Sanitized::new(value, sanitize)));
        } else if self.start(name) {
            self.result = write!(self.writer, "{value:?}");
        }
    }
}

impl Visit for FieldsVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        match self {
            Self::Plain(v) => v.record_str(field, value),
            Self::Default(v) => v.record_str(field, value),
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match self {
            Self::Plain(v) => v.record_u64(field, value),
            Self::Default(v) => v.record_u64(field, value),
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        match self {
            Self::Plain(v) => v.record_i64(field, value),
            Self::Default(v) => v.record_i64(field, value),
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        match self {
            Self::Plain(v) => v.record_bool(field, value),
            Self::Default(v) => v.record_bool(field, value),
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        match self {
            Self::Plain(v) => v.record_error(field, value),
            Self::Default(v) => v.record_error(field, value),
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match self {
            Self::Plain(v) => v.record_debug(field, value),
            Self::Default(v) => v.record_debug(field, value),
        }
    }
}

impl VisitOutput<fmt::Result> for FieldsVisitor<'_> {
    fn finish(self) -> fmt::Result {
        match self {
            Self::Plain(v) => v.result,
            Self::Default(v) => v.finish(),
        }
    }
}

impl VisitFmt for FieldsVisitor<'_> {
    fn writer(&mut self) -> &mut dyn fmt::Write {
        match self {
            Self::Plain(v) => &mut v.writer,
            Self::Default(v) => v.writer(),
        }
    }
}

/// A value written with the control characters terminals act on (ESC, BEL, BS, FF, DEL
/// and the C1 range) shown as escapes, when `sanitize` is on: what tracing-subscriber
/// does to messages and error texts so a log line cannot drive the terminal showing it.
struct Sanitized<T> {
    value: T,
    sanitize: bool,
}

impl<T> Sanitized<T> {
    fn new(value: T, sanitize: bool) -> Self {
        Self { value, sanitize }
    }
}

/// Passes text through to a formatter, escaping terminal control characters.
struct Escaping<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for Escaping<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for ch in s.chars() {
            match ch {
                '\x1b' => self.0.write_str("\\x1b")?,
                '\x07' => self.0.write_str("\\x07")?,
                '\x08' => self.0.write_str("\\x08")?,
                '\x0c' => self.0.write_str("\\x0c")?,
                '\x7f' => self.0.write_str("\\x7f")?,
                '\u{80}'..='\u{9f}' => write!(self.0, "\\u{{{:x}}}", ch as u32)?,
                _ => self.0.write_char(ch)?,
            }
        }
        Ok(())
    }
}

impl<T: fmt::Debug> fmt::Debug for Sanitized<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sanitize {
            write!(Escaping(f), "{:?}", self.value)
        } else {
            write!(f, "{:?}", self.value)
        }
    }
}

impl<T: fmt::Display> fmt::Display for Sanitized<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sanitize {
            write!(Escaping(f), "{}", self.value)
        } else {
            write!(f, "{}", self.value)
        }
    }
}

/// An error and its sources, as a list of their texts.
struct Sources<'a> {
    error: &'a (dyn std::error::Error + 'static),
    sanitize: bool,
}

impl fmt::Display for Sources<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        let mut next = Some(self.error);
        while let Some(error) = next {
            list.entry(&Sanitized::new(format_args!("{error}"), self.sanitize));
            next = error.source();
        }
        list.finish()
    }
}

#[cfg(test)]
mod tests;
