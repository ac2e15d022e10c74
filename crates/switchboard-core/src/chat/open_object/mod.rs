//! `Deserialize` for the hot types without serde's `#[serde(flatten)]`: the stream types
//! (read once per upstream chunk) and a non-streamed answer with its messages and tool
//! calls (read once per answer, and per message of a request).
//!
//! A derived `Deserialize` with a flattened `extra` map first copies the whole object into
//! serde's private `Content` tree (every key and string allocated) and only then builds the
//! struct from that copy, at every nesting level: a `ChatChunk` was copied three times over
//! before it existed. [`deserialize_open_object!`] writes the visitor by hand instead: known
//! keys are read straight into their fields, any other key goes to `extra` as a `Value`, and
//! keys are borrowed from the input when they can be.
//!
//! The semantics are the derive's, field by field:
//! - `present`: an `Option` that is `Some` exactly when the key was there. For
//!   `Option<Option<T>>` fields (`double_option` on the way out) an explicit `null` reads as
//!   `Some(None)`; for `Option<Value>` fields it reads as `Some(Value::Null)`.
//! - `or(expr)`: read the field's type when the key is there, `expr` when it is not
//!   (`#[serde(default = ...)]`); `or_default` is `or(Default::default())`. On an
//!   `Option<T>` field, `or_default` reads `null` as `None`, as the derive does.
//! - `required`: the key must be there (a field without `#[serde(default)]`); its absence
//!   is serde's `missing field` error.
//! - `kind via(f)`: the key's value is read as `f`'s argument type and converted by `f`
//!   (the derive's `deserialize_with`), then `kind` applies as above. For example
//!   `or_default via(Option::unwrap_or_default)` reads `null` as the default.
//! - A known key given twice is an error, as with the derive; unknown keys keep the last
//!   value, as a `serde_json::Map` does.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// An object key, borrowed from the input when it has no escapes.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Reads a key as a borrowed or owned string.
struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Borrowed(key)))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(key.to_owned())))
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(key)))
    }
}

/// Implements `Deserialize` for a struct with an `extra: Map<String, Value>` field that
/// collects the keys not listed; see the module documentation for the field kinds.
///
/// ```ignore
/// deserialize_open_object!(ChunkChoice, "a chat chunk choice" {
///     index: "index" => or_default,
///     finish_reason: "finish_reason" => present,
/// });
/// ```
macro_rules! deserialize_open_object {
    (@final $slot:ident $json:literal present) => { $slot };
    (@final $slot:ident $json:literal required) => {
        $slot.ok_or_else(|| ::serde::de::Error::missing_field($json))?
    };
    (@final $slot:ident $json:literal or_default) => { $slot.unwrap_or_default() };
    (@final $slot:ident $json:literal or($default:expr)) => { $slot.unwrap_or_else(|| $default) };
    (@read $map:ident) => { $map.next_value()? };
    (@read $map:ident $via:expr) => { ($via)($map.next_value()?) };
    (
        $ty:ident, $expecting:literal {
            $(
                $field:ident : $json:literal =>
                    $kind:ident $( ( $default:expr ) )? $( via($via:expr) )?
            ),+ $(,)?
        }
    ) => {
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                struct OpenVisitor;

                impl<'de> ::serde::de::Visitor<'de> for OpenVisitor {
                    type Value = $ty;

                    fn expecting(
                        &self,
                        formatter: &mut ::std::fmt::Formatter<'_>,
                    ) -> ::std::fmt::Result {
                        formatter.write_str($expecting)
                    }

                    fn visit_map<A>(self, mut map: A) -> Result<$ty, A::Error>
                    where
                        A: ::serde::de::MapAccess<'de>,
                    {
                        $( let mut $field = None; )+
                        let mut extra = ::serde_json::Map::new();
                        while let Some($crate::chat::open_object::Key(key)) = map.next_key()? {
                            match key.as_ref() {
                                $(
                                    $json => {
                                        if $field.is_some() {
                                            return Err(::serde::de::Error::duplicate_field($json));
                                        }
                                        $field = Some(deserialize_open_object!(@read map $( $via )?));
                                    }
                                )+
                                _ => {
                                    let value: ::serde_json::Value = map.next_value()?;
                                    extra.insert(key.into_owned(), value);
                                }
                            }
                        }
                        Ok($ty {
                            $( $field: deserialize_open_object!(@final $field $json $kind $( ($default) )?), )+
                            extra,
                        })
                    }
                }

                deserializer.deserialize_map(OpenVisitor)
            }
        }
    };
}

pub(crate) use deserialize_open_object;

#[cfg(test)]
mod tests;
