//! `GET /v1/models`: Anthropic's page of models → OpenAI's `Model`s.

use serde::Deserialize;
use serde_json::{Map, Value};
use switchboard_core::Model;

/// One page of `GET /v1/models` (`{data, has_more, first_id, last_id}`).
#[derive(Debug, Deserialize)]
pub(crate) struct ModelsPage {
    #[serde(default)]
    data: Vec<AnthropicModel>,
}

/// `{type: "model", id, display_name, created_at}`.
#[derive(Debug, Deserialize)]
struct AnthropicModel {
    id: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
}

impl ModelsPage {
    /// The models, `owned_by: "anthropic"`, `created` from `created_at` (0 if unreadable),
    /// `display_name` kept as a vendor field.
    pub(crate) fn into_models(self) -> Vec<Model> {
        self.data
            .into_iter()
            .map(|m| {
                let mut model = Model::new(m.id, "anthropic");
                model.created = m.created_at.as_deref().and_then(unix_seconds).unwrap_or(0);
                if let Some(name) = m.display_name {
                    let mut extra = Map::new();
                    extra.insert("display_name".into(), Value::String(name));
                    model.extra = extra;
                }
                model
            })
            .collect()
    }
}

/// Unix seconds of an RFC 3339 time such as `2025-02-19T00:00:00Z` (the offset and
/// fractions are ignored: a model's creation day is all that matters).
fn unix_seconds(time: &str) -> Option<i64> {
    let num = |range: std::ops::Range<usize>| -> Option<i64> { time.get(range)?.parse().ok() };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (
        num(11..13).unwrap_or(0),
        num(14..16).unwrap_or(0),
        num(17..19).unwrap_or(0),
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_becomes_models() {
        let page: ModelsPage = serde_json::from_str(
            r#"{"data":[{"type":"model","id":"claude-sonnet-4-5-20250929","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z"}],"has_more":false}"#,
        )
        .unwrap();
        let models = page.into_models();
        assert_eq!(models[0].id, "claude-sonnet-4-5-20250929");
        assert_eq!(models[0].owned_by, "anthropic");
        assert_eq!(models[0].created, 1_759_104_000);
        assert_eq!(models[0].extra["display_name"], "Claude Sonnet 4.5");
        assert_eq!(unix_seconds("1970-01-01T00:00:01Z"), Some(1));
        assert_eq!(unix_seconds("nonsense"), None);
    }
}
