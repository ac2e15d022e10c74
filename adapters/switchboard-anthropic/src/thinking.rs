//! Which form of extended thinking a model takes, and how a `reasoning_effort` becomes it.
//!
//! Older Claude models take `thinking: {type: "enabled", budget_tokens: N}`; Claude 4.6 and
//! later take `thinking: {type: "adaptive"}` with `output_config.effort`, and 4.7+/5.x
//! reject the budget form. The choice is a table of model-id patterns (`*` matches any
//! run of characters), so a new model needs a config line, not a release.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How a model is asked to think.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThinkingForm {
    /// `thinking: {type: "enabled", budget_tokens: N}`, N from [`ThinkingRules::budgets`].
    Budget,
    /// `thinking: {type: "adaptive"}` plus `output_config: {effort}`.
    Adaptive,
    /// The model cannot think: `reasoning_effort` is dropped.
    None,
}

/// The per-model thinking table and the budgets of the budget form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThinkingRules {
    /// Model-id pattern → form. The longest matching pattern wins. A pattern is matched
    /// against the whole id and against the part from its first `claude-` on, so
    /// Bedrock ids (`us.anthropic.claude-opus-4-7`) follow the same rules. Entries in
    /// config are added to the defaults (see [`ThinkingRules::default`]).
    pub models: BTreeMap<String, ThinkingForm>,
    /// The form of a model no pattern matches. Default `budget`.
    pub default_form: ThinkingForm,
    /// `reasoning_effort` → `budget_tokens` for the budget form. An effort not listed
    /// takes `medium`'s budget. Entries in config are added to the defaults.
    pub budgets: BTreeMap<String, u32>,
}

impl Default for ThinkingRules {
    /// The guide's table: Claude 3.x and 4.0–4.5 take a budget; 4.6, 4.7 and every later
    /// `claude-*` the adaptive form. Budgets: minimal 1024, low 2048, medium 8192,
    /// high 16384, xhigh and max 32768.
    fn default() -> Self {
        let models = [
            ("claude-3*", ThinkingForm::Budget),
            ("claude-*-4*", ThinkingForm::Budget),
            ("claude-*-4-6*", ThinkingForm::Adaptive),
            ("claude-*-4-7*", ThinkingForm::Adaptive),
            ("claude-*", ThinkingForm::Adaptive),
        ];
        let budgets = [
            ("minimal", 1024),
            ("low", 2048),
            ("medium", 8192),
            ("high", 16384),
            ("xhigh", 32768),
            ("max", 32768),
        ];
        Self {
            models: models.iter().map(|(p, f)| ((*p).to_owned(), *f)).collect(),
            default_form: ThinkingForm::Budget,
            budgets: budgets.iter().map(|(e, b)| ((*e).to_owned(), *b)).collect(),
        }
    }
}

impl ThinkingRules {
    /// The defaults with `overrides` laid over them (used when reading config).
    pub fn with_overrides(overrides: &ThinkingRules) -> Self {
        let mut rules = Self::default();
        rules.models.extend(overrides.models.clone());
        rules.budgets.extend(overrides.budgets.clone());
        rules.default_form = overrides.default_form;
        rules
    }

    /// The form for `model`: the longest matching pattern's, else `default_form`.
    pub fn form_for(&self, model: &str) -> ThinkingForm {
        let tail = model.find("claude-").map(|at| &model[at..]);
        self.models
            .iter()
            .filter(|(pattern, _)| {
                glob(pattern, model) || tail.is_some_and(|tail| glob(pattern, tail))
            })
            .max_by_key(|(pattern, _)| pattern.len())
            .map_or(self.default_form, |(_, form)| *form)
    }

    /// The budget for `effort`: its own, else `medium`'s, else 8192.
    pub fn budget_for(&self, effort: &str) -> u32 {
        self.budgets
            .get(effort)
            .or_else(|| self.budgets.get("medium"))
            .copied()
            .unwrap_or(8192)
    }
}

/// The adaptive form's `output_config.effort` for an OpenAI `reasoning_effort`: `minimal`
/// becomes `low` (Anthropic has no lower level); other values pass unchanged.
pub fn adaptive_effort(effort: &str) -> &str {
    match effort {
        "minimal" => "low",
        other => other,
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters (also none).
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_runs() {
        assert!(glob("claude-*-4-6*", "claude-opus-4-6"));
        assert!(glob("claude-*-4-6*", "claude-sonnet-4-6-20260101"));
        assert!(!glob("claude-*-4-6*", "claude-sonnet-4-5"));
        assert!(glob("exact", "exact"));
        assert!(!glob("exact", "exactly"));
        assert!(glob("*", ""));
        assert!(!glob("a*a", "a"));
    }

    #[test]
    fn the_defaults_pick_the_form_per_model() {
        let rules = ThinkingRules::default();
        for (model, form) in [
            ("claude-3-7-sonnet-20250219", ThinkingForm::Budget),
            ("claude-sonnet-4-20250514", ThinkingForm::Budget),
            ("claude-sonnet-4-5-20250929", ThinkingForm::Budget),
            ("claude-haiku-4-5", ThinkingForm::Budget),
            ("claude-opus-4-6", ThinkingForm::Adaptive),
            ("claude-opus-4-7", ThinkingForm::Adaptive),
            ("claude-sonnet-5", ThinkingForm::Adaptive),
            ("claude-opus-5-20260301", ThinkingForm::Adaptive),
            ("us.anthropic.claude-opus-4-7", ThinkingForm::Adaptive),
            (
                "anthropic.claude-sonnet-4-5-20250929-v1:0",
                ThinkingForm::Budget,
            ),
            ("my-alias", ThinkingForm::Budget),
        ] {
            assert_eq!(rules.form_for(model), form, "{model}");
        }
    }

    #[test]
    fn overrides_add_to_the_defaults() {
        let mut overrides = ThinkingRules {
            models: BTreeMap::new(),
            default_form: ThinkingForm::Adaptive,
            budgets: BTreeMap::new(),
        };
        overrides
            .models
            .insert("claude-3-5*".into(), ThinkingForm::None);
        overrides.budgets.insert("high".into(), 20000);
        let rules = ThinkingRules::with_overrides(&overrides);
        assert_eq!(
            rules.form_for("claude-3-5-haiku-latest"),
            ThinkingForm::None
        );
        assert_eq!(rules.form_for("claude-3-7-sonnet"), ThinkingForm::Budget);
        assert_eq!(rules.form_for("other"), ThinkingForm::Adaptive);
        assert_eq!(rules.budget_for("high"), 20000);
        assert_eq!(rules.budget_for("weird"), 8192);
        assert_eq!(adaptive_effort("minimal"), "low");
        assert_eq!(adaptive_effort("xhigh"), "xhigh");
    }
}
