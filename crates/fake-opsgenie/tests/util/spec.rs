//! Validation of the fake's responses (and of request bodies) against Opsgenie's Swagger
//! 2.0 document.
//!
//! The document is read from disk, never copied into the repo, by
//! `oncall_test_support::reference`: a missing one fails the test, unless skipping was
//! asked for, when [`spec`] returns `None` and the caller skips.
//!
//! Swagger 2.0 schemas are JSON Schema draft 4 plus a few annotations (`discriminator`,
//! `x-…`) that validators ignore. The document is registered as one resource
//! (`urn:opsgenie`), so its `#/definitions/X` references resolve, and each validator is a
//! `{"$ref": "urn:opsgenie#/…"}` into it.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use jsonschema::{Draft, Registry, Validator};
use oncall_test_support::reference::{reference_document, reference_json};
use serde_json::{json, Value};

const URI: &str = "urn:opsgenie";
const FILE: &str = "opsgenie-swagger.json";

pub struct Spec {
    doc: Value,
    registry: Registry<'static>,
}

static SPEC: LazyLock<Option<Spec>> = LazyLock::new(load);

/// The registered document. Fails the test when it is missing, or gives `None` when
/// skipping was asked for (`oncall_test_support::reference`).
pub fn spec() -> Option<&'static Spec> {
    // Outside the `LazyLock`, so every test fails saying which document is missing.
    reference_document(FILE)?;
    SPEC.as_ref()
}

fn load() -> Option<Spec> {
    let doc = reference_json(FILE)?;
    let registry = Registry::new()
        .draft(Draft::Draft4)
        .add(URI, Draft::Draft4.create_resource(doc.clone()))
        .and_then(|b| b.prepare())
        .unwrap_or_else(|e| panic!("cannot register the Opsgenie document: {e}"));
    Some(Spec { doc, registry })
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

impl Spec {
    /// The pointer of the schema `paths[path][method].responses[status]` (following a
    /// `$ref` into `#/responses`), falling back on `default`.
    pub fn response_pointer(&self, path: &str, method: &str, status: u16) -> Option<String> {
        let base = format!("/paths/{}/{}/responses", escape(path), method);
        let mut pointer = format!("{base}/{status}");
        if self.doc.pointer(&pointer).is_none() {
            pointer = format!("{base}/default");
        }
        let mut response = self.doc.pointer(&pointer)?;
        while let Some(target) = response.get("$ref").and_then(Value::as_str) {
            pointer = target.trim_start_matches('#').to_string();
            response = self.doc.pointer(&pointer)?;
        }
        let pointer = format!("{pointer}/schema");
        self.doc.pointer(&pointer).map(|_| pointer)
    }

    /// The pointer of the schema of `paths[path][method]`'s body parameter (Swagger 2.0
    /// has no `requestBody`: the body is the parameter with `"in": "body"`).
    pub fn request_pointer(&self, path: &str, method: &str) -> Option<String> {
        let base = format!("/paths/{}/{}/parameters", escape(path), method);
        let parameters = self.doc.pointer(&base)?.as_array()?;
        parameters
            .iter()
            .enumerate()
            .find_map(|(index, parameter)| {
                let (pointer, parameter) = match parameter.get("$ref").and_then(Value::as_str) {
                    Some(target) => {
                        let pointer = target.trim_start_matches('#').to_string();
                        let resolved = self.doc.pointer(&pointer)?;
                        (pointer, resolved)
                    }
                    None => (format!("{base}/{index}"), parameter),
                };
                (parameter.get("in").and_then(Value::as_str) == Some("body"))
                    .then(|| format!("{pointer}/schema"))
            })
    }

    /// Every property name `definitions[name]` declares, through `allOf` and `$ref`.
    pub fn declared_properties(&self, name: &str) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        let root = self
            .doc
            .pointer(&format!("/definitions/{name}"))
            .unwrap_or_else(|| panic!("no definition {name}"));
        self.collect_properties(root, &mut names);
        names
    }

    fn collect_properties(&self, schema: &Value, names: &mut BTreeSet<String>) {
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            if let Some(resolved) = self.doc.pointer(target.trim_start_matches('#')) {
                self.collect_properties(resolved, names);
            }
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            names.extend(properties.keys().cloned());
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            parts.iter().for_each(|p| self.collect_properties(p, names));
        }
    }

    pub fn validator(&self, pointer: &str) -> Validator {
        let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
        jsonschema::options()
            .with_draft(Draft::Draft4)
            .with_registry(&self.registry)
            .should_validate_formats(true)
            .build(&json!({ "$ref": format!("{URI}#{fragment}") }))
            .unwrap_or_else(|e| panic!("cannot compile {pointer}: {e}"))
    }

    pub fn check(&self, pointer: &str, body: &Value) -> Result<(), String> {
        let validator = self.validator(pointer);
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
}
