//! Validation of the fake's responses against Opsgenie's Swagger 2.0 document.
//!
//! The document is read from disk, never copied into the repo:
//! `$ONCALL_TRAY_REFERENCE_DIR`, else `shared/reference` beside the repo. When it is
//! missing, [`spec`] warns loudly and returns `None`, and the caller skips.
//!
//! Swagger 2.0 schemas are JSON Schema draft 4 plus a few annotations (`discriminator`,
//! `x-…`) that validators ignore. The document is registered as one resource
//! (`urn:opsgenie`), so its `#/definitions/X` references resolve, and each validator is a
//! `{"$ref": "urn:opsgenie#/…"}` into it.

use std::path::PathBuf;
use std::sync::LazyLock;

use jsonschema::{Draft, Registry, Validator};
use serde_json::{json, Value};

const URI: &str = "urn:opsgenie";
const FILE: &str = "opsgenie-swagger.json";

pub struct Spec {
    doc: Value,
    registry: Registry<'static>,
}

pub fn reference_dir() -> PathBuf {
    match std::env::var_os("ONCALL_TRAY_REFERENCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"),
    }
}

static SPEC: LazyLock<Option<Spec>> = LazyLock::new(load);

pub fn spec() -> Option<&'static Spec> {
    let spec = SPEC.as_ref();
    if spec.is_none() {
        eprintln!(
            "\n!!!!!!!!\nWARNING: {FILE} not found in {} (set ONCALL_TRAY_REFERENCE_DIR); \
             SKIPPING Opsgenie spec conformance checks\n!!!!!!!!\n",
            reference_dir().display()
        );
    }
    spec
}

fn load() -> Option<Spec> {
    let path = reference_dir().join(FILE);
    let text = std::fs::read_to_string(&path).ok()?;
    let doc: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
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
