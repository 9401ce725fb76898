//! Turns the `a{sv}` hints of a `Notify` call into plain text a test can compare.
//!
//! Strings and object paths are kept as they are; numbers and booleans become their
//! decimal or `true`/`false` text; images (`image-data`, `icon_data`: `(iiibiiay)`) become
//! `image WxH` instead of kilobytes of pixels; anything else uses GVariant text notation.
//! Rendering loses the D-Bus type of a number, which matters for one hint: `urgency` must
//! be a byte, so it is also extracted as a typed value and only when it is one. An app that
//! sends `urgency` as an int32 therefore shows up as a record with no urgency.

use std::collections::{BTreeMap, HashMap};

use zbus::zvariant::{OwnedValue, Structure, Value};

/// The hints as text, and the `urgency` hint when it was sent as a byte.
pub(crate) fn render(
    hints: &HashMap<String, OwnedValue>,
) -> (Option<u8>, BTreeMap<String, String>) {
    let urgency = match hints.get("urgency").map(|v| &**v) {
        Some(Value::U8(level)) => Some(*level),
        _ => None,
    };
    let text = hints
        .iter()
        .map(|(name, value)| (name.clone(), render_value(value)))
        .collect();
    (urgency, text)
}

fn render_value(value: &Value<'_>) -> String {
    match value {
        Value::Str(s) => s.as_str().to_owned(),
        Value::ObjectPath(p) => p.as_str().to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::U8(n) => n.to_string(),
        Value::I16(n) => n.to_string(),
        Value::U16(n) => n.to_string(),
        Value::I32(n) => n.to_string(),
        Value::U32(n) => n.to_string(),
        Value::I64(n) => n.to_string(),
        Value::U64(n) => n.to_string(),
        Value::F64(n) => n.to_string(),
        Value::Value(inner) => render_value(inner),
        Value::Structure(s) => image_size(s).unwrap_or_else(|| value.to_string()),
        other => other.to_string(),
    }
}

/// `image WxH` for an image structure `(iiibiiay)`: width, height, rowstride, has-alpha,
/// bits per sample, channels, pixels.
fn image_size(structure: &Structure<'_>) -> Option<String> {
    if structure.signature().to_string() != "(iiibiiay)" {
        return None;
    }
    match structure.fields() {
        [Value::I32(width), Value::I32(height), ..] => Some(format!("image {width}x{height}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hints(pairs: Vec<(&str, Value<'static>)>) -> HashMap<String, OwnedValue> {
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), OwnedValue::try_from(v).unwrap()))
            .collect()
    }

    #[test]
    fn simple_values_become_plain_text() {
        let (urgency, text) = render(&hints(vec![
            ("urgency", Value::U8(2)),
            ("category", Value::from("im.received")),
            ("desktop-entry", Value::from("oncall-tray")),
            ("resident", Value::Bool(true)),
            ("x", Value::I32(-3)),
        ]));
        assert_eq!(urgency, Some(2));
        assert_eq!(text["urgency"], "2");
        assert_eq!(text["category"], "im.received");
        assert_eq!(text["resident"], "true");
        assert_eq!(text["x"], "-3");
    }

    #[test]
    fn urgency_of_the_wrong_type_is_not_an_urgency() {
        let (urgency, text) = render(&hints(vec![("urgency", Value::I32(2))]));
        assert_eq!(urgency, None);
        assert_eq!(text["urgency"], "2");
    }

    #[test]
    fn images_are_summarised() {
        let image = zbus::zvariant::StructureBuilder::new()
            .add_field(48i32)
            .add_field(32i32)
            .add_field(192i32)
            .add_field(true)
            .add_field(8i32)
            .add_field(4i32)
            .add_field(vec![0u8; 48 * 32 * 4])
            .build()
            .unwrap();
        let (_, text) = render(&hints(vec![("image-data", Value::from(image))]));
        assert_eq!(text["image-data"], "image 48x32");
    }
}
