//! Small serde helpers shared by the chat types: fields that must tell an explicit `null`
//! from an absent key, and numbers that must come back as they were sent.

#[cfg(test)]
use serde::{Deserialize, Deserializer};
use serde::{Serialize, Serializer};
#[cfg(test)]
use serde_json::Value;

/// For `Option<Option<T>>` fields: an absent key is `None`, an explicit `null` is
/// `Some(None)` and a value is `Some(Some(v))`. Pair it with
/// `#[serde(default, skip_serializing_if = "Option::is_none")]` so that each comes back as
/// it arrived.
pub(crate) mod double_option {
    #[cfg(test)]
    use super::{Deserialize, Deserializer};
    use super::{Serialize, Serializer};

    /// Reads a present key; serde calls it only when the key exists. The types read it
    /// through `deserialize_open_object!` now; the derive twins of its tests use this.
    #[cfg(test)]
    pub(crate) fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }

    /// Writes `null` for `Some(None)`; `None` is skipped by `skip_serializing_if`.
    pub(crate) fn serialize<T, S>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error>
    where
        T: Serialize,
        S: Serializer,
    {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }
}

/// For `Option<Value>` fields that must keep an explicit `null`: a present key, `null`
/// included, becomes `Some(value)`. Serde's default would read `null` as `None`. Only the
/// derive twins of `open_object`'s tests use it now.
#[cfg(test)]
pub(crate) fn keep_null<'de, D>(deserializer: D) -> Result<Option<Value>, D::Error>
where
    D: Deserializer<'de>,
{
    Value::deserialize(deserializer).map(Some)
}

/// For `Option<f64>` sampling knobs: writes a whole number as an integer, so a
/// `"temperature": 1` from a client is forwarded as `1`, not `1.0`.
pub(crate) fn compact_f64<S>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
{
    // 2^53: every integer below it is exact in an f64, so the cast loses nothing.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match *value {
        Some(v) if v.fract() == 0.0 && v.abs() < EXACT => {
            #[allow(clippy::cast_possible_truncation)]
            let whole = v as i64;
            serializer.serialize_i64(whole)
        }
        Some(v) => serializer.serialize_f64(v),
        None => serializer.serialize_none(),
    }
}
