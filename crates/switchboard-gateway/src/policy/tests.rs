use serde_json::{Value, json};

use super::*;

fn policy(config: serde_json::Value) -> Policy {
    let config: PolicyConfig = serde_json::from_value(config).unwrap();
    Policy::new("house", &config).unwrap()
}

fn apply(p: &Policy, api: Api, body: Value) -> Result<Value, GatewayError> {
    let out = p.apply(api, &Bytes::from(body.to_string()))?;
    Ok(serde_json::from_slice(&out).unwrap())
}

#[test]
fn an_empty_policy_is_none() {
    assert!(Policy::new("m", &PolicyConfig::default()).is_none());
}

#[test]
fn defaults_fill_in_and_forced_values_win() {
    let p = policy(json!({"defaults": {"temperature": 0.2, "max_tokens": 100},
                          "force": {"user": "gateway"}}));
    let out = apply(
        &p,
        Api::Chat,
        json!({"model":"m","messages":[],"temperature":0.9,"user":"me"}),
    )
    .unwrap();
    assert_eq!(out["temperature"], 0.9);
    assert_eq!(out["max_tokens"], 100);
    assert_eq!(out["user"], "gateway");
}

#[test]
fn the_system_prompt_goes_first_or_after_the_clients_own() {
    let body = json!({"model":"m","messages":[
        {"role":"system","content":"own"},{"role":"user","content":"hi"}]});
    let p = policy(json!({"system_prompt": "house rules"}));
    let out = apply(&p, Api::Chat, body.clone()).unwrap();
    assert_eq!(out["messages"][0]["content"], "house rules");
    assert_eq!(out["messages"][1]["content"], "own");
    let p = policy(json!({"system_prompt": "house rules", "system_prompt_position": "append"}));
    let out = apply(&p, Api::Chat, body).unwrap();
    assert_eq!(out["messages"][0]["content"], "own");
    assert_eq!(out["messages"][1]["content"], "house rules");
    assert_eq!(out["messages"][2]["role"], "user");
}

#[test]
fn responses_get_it_in_instructions_and_completions_in_the_prompt() {
    let p = policy(json!({"system_prompt": "rules"}));
    let out = apply(&p, Api::Responses, json!({"model":"m","input":"hi"})).unwrap();
    assert_eq!(out["instructions"], "rules");
    let out = apply(
        &p,
        Api::Responses,
        json!({"model":"m","input":"hi","instructions":"own"}),
    )
    .unwrap();
    assert_eq!(out["instructions"], "rules\n\nown");
    let out = apply(&p, Api::Completions, json!({"model":"m","prompt":"say"})).unwrap();
    assert_eq!(out["prompt"], "rules\n\nsay");
}

#[test]
fn denied_and_not_allowed_parameters_are_refused_by_name() {
    let p = policy(json!({"denied_params": ["logit_bias"]}));
    let err = apply(
        &p,
        Api::Chat,
        json!({"model":"m","messages":[],"logit_bias":{}}),
    )
    .unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(err.param(), Some("logit_bias"));
    assert!(err.message().contains("house"));
    let p = policy(json!({"allowed_params": ["temperature"]}));
    assert!(
        apply(
            &p,
            Api::Chat,
            json!({"model":"m","messages":[],"stream":true,"temperature":1})
        )
        .is_ok()
    );
    let err = apply(&p, Api::Chat, json!({"model":"m","messages":[],"top_p":1})).unwrap_err();
    assert_eq!(err.param(), Some("top_p"));
}

#[test]
fn the_body_cap_is_a_413() {
    let p = policy(json!({"max_body_bytes": 10}));
    let err = apply(&p, Api::Chat, json!({"model":"m","messages":[]})).unwrap_err();
    assert_eq!(err.status(), 413);
}
