//! "Has the shape of the documented example": every key of the example is in the answer,
//! with the same JSON type, all the way down. The Grafana OnCall reference documents its
//! answers only by example (```json blocks), so an example is the schema:
//!
//! - an example value of `null` says nothing about the type: any answer goes;
//! - an answer of `null` is accepted for any key (the API sends `null` for every unset
//!   field, as the examples show for `team_id`, `resolved_at`, `slack` links and more);
//! - an array's items are compared with the example's first item, or, where the
//!   example's items have a `type`, with the example item of the answer item's type
//!   (schedules and on-call shifts come in kinds), else its first;
//! - integers must answer integers; `payload` (an alert's free-form body) must only be an
//!   object;
//! - keys the example lacks are allowed (other pages document them: `permalinks.web`,
//!   `rolling_users`).

use serde_json::Value;

/// Every way `answer` departs from `example`'s shape, each naming its path.
pub fn problems(example: &Value, answer: &Value) -> Vec<String> {
    let mut found = Vec::new();
    compare(example, answer, "$", &mut found);
    found
}

/// Panics listing the problems, naming `what`.
pub fn assert_shape(what: &str, example: &Value, answer: &Value) {
    let found = problems(example, answer);
    assert!(
        found.is_empty(),
        "{what}: the answer is not shaped as the documented example:\n  {}\nanswer: {answer:#}",
        found.join("\n  ")
    );
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn compare(example: &Value, answer: &Value, path: &str, found: &mut Vec<String>) {
    if example.is_null() || answer.is_null() {
        return;
    }
    let (want, got) = (kind(example), kind(answer));
    if want != got && !(want == "number" && got == "integer") {
        found.push(format!("{path}: {got} where the example has {want}"));
        return;
    }
    match (example, answer) {
        (Value::Object(example), Value::Object(answer)) => {
            for (key, example_value) in example {
                let at = format!("{path}.{key}");
                match answer.get(key) {
                    None => found.push(format!("{at}: missing")),
                    Some(_) if key == "payload" => {}
                    Some(value) => compare(example_value, value, &at, found),
                }
            }
        }
        (Value::Array(example), Value::Array(answer)) => {
            for (n, item) in answer.iter().enumerate() {
                if let Some(model) = model_item(example, item) {
                    compare(model, item, &format!("{path}[{n}]"), found);
                }
            }
        }
        _ => {}
    }
}

/// The example item an answer item is compared with.
fn model_item<'a>(example: &'a [Value], item: &Value) -> Option<&'a Value> {
    let same_type = item
        .get("type")
        .and_then(|t| example.iter().find(|e| e.get("type") == Some(t)));
    same_type.or_else(|| example.first())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_keys_and_wrong_types_are_found_and_nulls_pass() {
        let example = json!({
            "id": "I1", "count": 1, "team_id": null,
            "results": [{"type": "a", "n": 1}, {"type": "b", "s": "x"}],
            "payload": {"anything": true}
        });
        assert!(problems(
            &example,
            &json!({"id": "I2", "count": 3, "team_id": 7, "extra": 1,
                    "results": [{"type": "b", "s": null}, {"type": "a", "n": 2}],
                    "payload": {}})
        )
        .is_empty());
        let found = problems(
            &example,
            &json!({"id": 1, "count": 1.5, "results": [{"type": "a", "n": "1"}], "payload": {}}),
        );
        assert_eq!(
            found,
            [
                "$.count: number where the example has integer",
                "$.id: integer where the example has string",
                "$.results[0].n: string where the example has integer",
                "$.team_id: missing",
            ]
        );
    }
}
