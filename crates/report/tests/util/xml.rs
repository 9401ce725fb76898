//! Just enough of an XML tree to check the chart: quick-xml reads the SVG (rejecting
//! mismatched tags, bad attributes and unknown entities) and this builds elements.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use quick_xml::XmlVersion;

#[derive(Debug)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// This element and all its descendants, depth first.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut all = vec![self];
        for child in &self.children {
            all.extend(child.descendants());
        }
        all
    }
}

/// The document's root element; panics with the parser's message when `text` is not
/// well-formed XML with exactly one root.
pub fn parse(text: &str) -> Element {
    let mut reader = Reader::from_str(text);
    let mut open: Vec<Element> = Vec::new();
    let mut roots: Vec<Element> = Vec::new();
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|error| panic!("not XML at {}: {error}", reader.error_position()));
        match event {
            Event::Start(start) => open.push(element(&start)),
            Event::Empty(start) => attach(&mut open, &mut roots, element(&start)),
            Event::End(_) => {
                let done = open.pop().expect("quick-xml checks end tags");
                attach(&mut open, &mut roots, done);
            }
            Event::Text(text) => {
                let content = text.xml10_content();
                let parent = open.last_mut().expect("text outside the root element");
                parent.text.push_str(&content);
            }
            Event::GeneralRef(reference) => {
                let name = reference.xml10_content();
                let character = match name.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("undefined entity &{other};"),
                };
                let parent = open.last_mut().expect("entity outside the root element");
                parent.text.push_str(character);
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) => {}
            other => panic!("unexpected XML event {other:?}"),
        }
    }
    assert!(open.is_empty(), "unclosed elements: {open:?}");
    assert_eq!(roots.len(), 1, "one root element");
    roots.pop().unwrap()
}

fn element(start: &BytesStart) -> Element {
    let attributes = start
        .attributes()
        .map(|attribute| {
            let attribute = attribute.expect("a well-formed attribute");
            (
                attribute.key.as_ref().to_owned(),
                attribute
                    .normalized_value(XmlVersion::Implicit1_0)
                    .expect("a valid value")
                    .into_owned(),
            )
        })
        .collect();
    Element {
        name: start.name().as_ref().to_owned(),
        attributes,
        children: Vec::new(),
        text: String::new(),
    }
}

fn attach(open: &mut [Element], roots: &mut Vec<Element>, done: Element) {
    match open.last_mut() {
        Some(parent) => parent.children.push(done),
        None => roots.push(done),
    }
}
