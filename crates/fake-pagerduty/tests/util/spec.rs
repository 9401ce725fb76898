//! Validation of the fake's responses against PagerDuty's own OpenAPI documents.
//!
//! The documents are read from disk (they have no licence, so they are never copied into
//! the repo) by `oncall_test_support::reference`: a missing one fails the test, unless
//! skipping was asked for, when [`spec`] returns `None` and the caller skips.
//!
//! OpenAPI 3.0 schemas are almost JSON Schema draft 4, with two differences handled here:
//! - `nullable: true` becomes a type union with `"null"` (or `anyOf [null, schema]` when the
//!   schema is composed), since JSON Schema has no `nullable`;
//! - `$ref`s point into the whole document (`#/components/…`), so each document is
//!   registered as one resource (`urn:pagerduty:rest`, `urn:pagerduty:events`) and every
//!   validator is a `{"$ref": "urn:…#/pointer/to/the/response/schema"}` into it.
//!
//! The document is parsed, converted and registered once per test binary; each response
//! schema is compiled once and cached.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock, Mutex};

use jsonschema::{Draft, Registry, Validator};
use oncall_test_support::reference::{reference_document, reference_json};
use serde_json::{json, Value};

/// Which PagerDuty document a response belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Doc {
    Rest,
    Events,
}

impl Doc {
    fn uri(self) -> &'static str {
        match self {
            Doc::Rest => "urn:pagerduty:rest",
            Doc::Events => "urn:pagerduty:events",
        }
    }

    fn file(self) -> &'static str {
        match self {
            Doc::Rest => "pagerduty-rest-openapiv3.json",
            Doc::Events => "pagerduty-events-v2-openapiv3.json",
        }
    }
}

/// What an operation's document says about one response status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Documented {
    /// A JSON body, whose schema is at this pointer.
    Schema(String),
    /// The status is listed without any content: the body must be empty.
    NoBody,
    /// The status is not listed (or has no JSON schema).
    Missing,
}

pub struct Spec {
    rest: Value,
    events: Value,
    registry: Registry<'static>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

static SPEC: LazyLock<Option<Spec>> = LazyLock::new(load);

/// The converted documents. Fails the test when one is missing, or gives `None` when
/// skipping was asked for (`oncall_test_support::reference`).
pub fn spec() -> Option<&'static Spec> {
    // Outside the `LazyLock`, so every test that needs a missing document fails saying
    // which, not only the first.
    for doc in [Doc::Rest, Doc::Events] {
        reference_document(doc.file())?;
    }
    SPEC.as_ref()
}

fn load() -> Option<Spec> {
    let mut rest = reference_json(Doc::Rest.file())?;
    let mut events = reference_json(Doc::Events.file())?;
    apply_errata(&mut rest);
    convert_nullable(&mut rest);
    convert_nullable(&mut events);
    let registry = Registry::new()
        .draft(Draft::Draft4)
        .add(Doc::Rest.uri(), Draft::Draft4.create_resource(rest.clone()))
        .and_then(|b| {
            b.add(
                Doc::Events.uri(),
                Draft::Draft4.create_resource(events.clone()),
            )
        })
        .and_then(|b| b.prepare())
        .unwrap_or_else(|e| panic!("cannot register the PagerDuty documents: {e}"));
    Some(Spec {
        rest,
        events,
        registry,
        validators: Mutex::new(HashMap::new()),
    })
}

/// Places where the document's schema contradicts the document's own prose or examples
/// and the live API: each is made nullable, and nothing else is relaxed.
/// - `Incident.resolved_at`: described as "`null` if the incident is not resolved"; the
///   document's examples show `"resolved_at": null`.
/// - `Incident.priority`: the document's examples show `"priority": null`.
/// - `Oncall.start` / `Oncall.end`: described as "If `null`, the on-call is a permanent
///   user on-call" / "the user does not go off-call".
/// - `Oncall.schedule`: such a permanent on-call comes from a user target, not a schedule,
///   and PagerDuty sends `"schedule": null` for it.
/// - `ScheduleLayer.end`: "If `null`, the layer does not end."
/// - `ScheduleLayer.rendered_coverage_percentage`, `SubSchedule.rendered_coverage_percentage`:
///   "Returns null unless since or until are set."
const ERRATA: &[(&str, &[&str])] = &[
    ("Incident", &["resolved_at", "priority"]),
    ("Oncall", &["start", "end", "schedule"]),
    ("ScheduleLayer", &["end", "rendered_coverage_percentage"]),
    ("SubSchedule", &["rendered_coverage_percentage"]),
];

/// Enumerations that contradict the document itself, each replaced by the value the rest
/// of the document uses:
/// - `AcknowledgeLogEntry.type` is `acknowledgement_log_entry`, while `LogEntry.type` (which
///   it extends with `allOf`, so both must hold) and `LogEntryReference.type`
///   (`acknowledge_log_entry_reference`) say `acknowledge_log_entry`: as written, no
///   acknowledge log entry could be valid.
const ENUM_ERRATA: &[(&str, &str, &str)] =
    &[("AcknowledgeLogEntry", "type", "acknowledge_log_entry")];

fn apply_errata(rest: &mut Value) {
    for (schema, field, value) in ENUM_ERRATA {
        let Some(property) = find_property(rest, schema, field) else {
            panic!("errata: {schema}.{field} is not in the document any more; review ENUM_ERRATA");
        };
        if let Some(object) = property.as_object_mut() {
            object.insert("enum".into(), json!([value]));
        }
    }
    for (schema, fields) in ERRATA {
        for field in *fields {
            let Some(property) = find_property(rest, schema, field) else {
                panic!("errata: {schema}.{field} is not in the document any more; review ERRATA");
            };
            if let Some(object) = property.as_object_mut() {
                object.insert("nullable".into(), Value::Bool(true));
            }
        }
    }
}

/// The schema of `components.schemas[schema].properties[field]`, also looking in `allOf`.
fn find_property<'a>(rest: &'a mut Value, schema: &str, field: &str) -> Option<&'a mut Value> {
    let root = rest.pointer_mut(&format!("/components/schemas/{schema}"))?;
    if root.pointer(&format!("/properties/{field}")).is_some() {
        return root.pointer_mut(&format!("/properties/{field}"));
    }
    let parts = root.get_mut("allOf")?.as_array_mut()?;
    parts
        .iter_mut()
        .find_map(|part| part.pointer_mut(&format!("/properties/{field}")))
}

/// Rewrites OpenAPI's `nullable: true` into JSON Schema, everywhere in the document.
fn convert_nullable(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(convert_nullable),
        Value::Object(map) => {
            map.values_mut().for_each(convert_nullable);
            if map.get("nullable") != Some(&Value::Bool(true)) {
                return;
            }
            map.remove("nullable");
            let composed = ["allOf", "oneOf", "anyOf", "$ref", "not"]
                .iter()
                .any(|k| map.contains_key(*k));
            match map.get("type").cloned() {
                Some(Value::String(t)) if !composed => {
                    map.insert("type".into(), json!([t, "null"]));
                    if let Some(Value::Array(allowed)) = map.get_mut("enum") {
                        allowed.push(Value::Null);
                    }
                }
                _ => {
                    let inner = Value::Object(std::mem::take(map));
                    map.insert("anyOf".into(), json!([{ "type": "null" }, inner]));
                }
            }
        }
        _ => {}
    }
}

fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Percent-encodes what may not appear in a URI fragment (path templates have braces).
fn fragment(pointer: &str) -> String {
    pointer
        .replace('%', "%25")
        .replace('{', "%7B")
        .replace('}', "%7D")
        .replace(' ', "%20")
}

impl Spec {
    fn doc(&self, doc: Doc) -> &Value {
        match doc {
            Doc::Rest => &self.rest,
            Doc::Events => &self.events,
        }
    }

    /// What the document says `paths[path][method].responses[status]` is, following a
    /// `$ref` to `components.responses`.
    pub fn response(&self, doc: Doc, path: &str, method: &str, status: &str) -> Documented {
        let document = self.doc(doc);
        let mut pointer = format!(
            "/paths/{}/{}/responses/{}",
            escape_segment(path),
            method.to_lowercase(),
            status
        );
        let Some(mut response) = document.pointer(&pointer) else {
            return Documented::Missing;
        };
        while let Some(target) = response.get("$ref").and_then(Value::as_str) {
            pointer = target.trim_start_matches('#').to_string();
            let Some(next) = document.pointer(&pointer) else {
                return Documented::Missing;
            };
            response = next;
        }
        if response.get("content").is_none() {
            return Documented::NoBody;
        }
        let pointer = format!("{pointer}/content/application~1json/schema");
        match document.pointer(&pointer) {
            Some(_) => Documented::Schema(pointer),
            None => Documented::Missing,
        }
    }

    /// The JSON pointer of `paths[path][method].responses[status]`'s JSON schema, following
    /// a `$ref` to `components.responses`.
    pub fn response_pointer(
        &self,
        doc: Doc,
        path: &str,
        method: &str,
        status: &str,
    ) -> Option<String> {
        match self.response(doc, path, method, status) {
            Documented::Schema(pointer) => Some(pointer),
            Documented::NoBody | Documented::Missing => None,
        }
    }

    /// The JSON pointer of `paths[path][method].requestBody`'s JSON schema.
    pub fn request_pointer(&self, doc: Doc, path: &str, method: &str) -> Option<String> {
        let pointer = format!(
            "/paths/{}/{}/requestBody/content/application~1json/schema",
            escape_segment(path),
            method.to_lowercase(),
        );
        self.doc(doc).pointer(&pointer).map(|_| pointer)
    }

    /// The compiled validator for the schema at `pointer` in `doc`.
    pub fn validator(&self, doc: Doc, pointer: &str) -> Arc<Validator> {
        let key = format!("{}#{pointer}", doc.uri());
        let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(key)
            .or_insert_with(|| {
                let schema = json!({ "$ref": format!("{}#{}", doc.uri(), fragment(pointer)) });
                let validator = jsonschema::options()
                    .with_draft(Draft::Draft4)
                    .with_registry(&self.registry)
                    .should_validate_formats(true)
                    .build(&schema)
                    .unwrap_or_else(|e| panic!("cannot compile {pointer}: {e}"));
                Arc::new(validator)
            })
            .clone()
    }

    /// Validates `body` against the schema at `pointer`; `Err` lists every violation.
    pub fn check(&self, doc: Doc, pointer: &str, body: &Value) -> Result<(), String> {
        let validator = self.validator(doc, pointer);
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("at {}: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("\n"))
        }
    }

    /// Every property name `components.schemas[name]` declares, through `allOf` and `$ref`.
    pub fn declared_properties(&self, name: &str) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        let root = self
            .rest
            .pointer(&format!("/components/schemas/{name}"))
            .unwrap_or_else(|| panic!("no schema {name}"));
        self.collect_properties(root, &mut names);
        names
    }

    fn collect_properties(&self, schema: &Value, names: &mut BTreeSet<String>) {
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            if let Some(resolved) = self.rest.pointer(target.trim_start_matches('#')) {
                self.collect_properties(resolved, names);
            }
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            names.extend(properties.keys().cloned());
        }
        for key in ["allOf", "anyOf"] {
            if let Some(parts) = schema.get(key).and_then(Value::as_array) {
                parts.iter().for_each(|p| self.collect_properties(p, names));
            }
        }
    }
}
