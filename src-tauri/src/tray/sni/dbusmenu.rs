//! `com.canonical.dbusmenu` at [`PATH`]: the tray's menu as [`menu::build`] made it,
//! numbered depth first (the root is 0). A new menu is a new layout revision and a
//! `LayoutUpdated` signal; a host asks for the layout again and shows it. A click
//! (`Event(id, "clicked")`) on an id of the current layout performs its [`Command`];
//! one on an id of an older layout is refused, and the host reads the menu again.
//! Ids are never reused: a layout is numbered on from where the last one ended, so a
//! click sent just before a poll changed the menu cannot land on the item that took
//! its place (it once muted a service instead of opening the window).
//!
//! [`menu::build`]: crate::tray::menu::build

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{OwnedValue, StructureBuilder, Type, Value};

use crate::shell::Shell;
use crate::tray::menu::{Command, Entry};
use crate::tray::perform;

pub const PATH: &str = "/MenuBar";

/// One menu item on the wire: id, properties, children (each a variant of the same).
#[derive(Debug, Serialize, Type)]
pub struct Layout {
    id: i32,
    properties: HashMap<String, OwnedValue>,
    children: Vec<OwnedValue>,
}

/// One numbered item.
#[derive(Debug, Clone)]
struct Node {
    id: i32,
    properties: Vec<(&'static str, Prop)>,
    command: Option<Command>,
    children: Vec<Node>,
}

/// The property values the menu uses.
#[derive(Debug, Clone, PartialEq)]
enum Prop {
    Text(String),
    Flag(bool),
    Number(i32),
}

impl Prop {
    fn value(&self) -> OwnedValue {
        match self {
            Prop::Text(text) => OwnedValue::try_from(Value::from(text.as_str()))
                .expect("a string has no file descriptor"),
            Prop::Flag(flag) => OwnedValue::from(*flag),
            Prop::Number(number) => OwnedValue::from(*number),
        }
    }
}

pub struct Menu {
    entries: Vec<Entry>,
    root: Node,
    revision: u32,
    /// The first id of the next layout.
    next_id: i32,
    shell: Arc<Shell>,
}

impl Menu {
    pub fn new(entries: Vec<Entry>, shell: Arc<Shell>) -> Self {
        let mut next_id = 1;
        let root = numbered(&entries, &mut next_id);
        Menu {
            entries,
            root,
            revision: 1,
            next_id,
            shell,
        }
    }

    /// Shows `entries`; returns the new revision when the menu changed. An unchanged
    /// menu is left alone: a rebuild under an open menu would close it.
    pub fn set(&mut self, entries: Vec<Entry>) -> Option<u32> {
        if entries == self.entries {
            return None;
        }
        self.root = numbered(&entries, &mut self.next_id);
        self.entries = entries;
        self.revision += 1;
        Some(self.revision)
    }

    fn find(&self, id: i32) -> Option<&Node> {
        find(&self.root, id)
    }
}

#[zbus::interface(name = "com.canonical.dbusmenu")]
impl Menu {
    /// The items under `parent_id`, `recursion_depth` levels deep (-1: all).
    fn get_layout(
        &self,
        parent_id: i32,
        recursion_depth: i32,
        property_names: Vec<String>,
    ) -> zbus::fdo::Result<(u32, Layout)> {
        let parent = self.find(parent_id).ok_or_else(|| unknown(parent_id))?;
        Ok((
            self.revision,
            layout(parent, recursion_depth, &property_names),
        ))
    }

    fn get_group_properties(
        &self,
        ids: Vec<i32>,
        property_names: Vec<String>,
    ) -> Vec<(i32, HashMap<String, OwnedValue>)> {
        ids.into_iter()
            .filter_map(|id| self.find(id))
            .map(|node| (node.id, properties(node, &property_names)))
            .collect()
    }

    fn get_property(&self, id: i32, name: String) -> zbus::fdo::Result<OwnedValue> {
        let node = self.find(id).ok_or_else(|| unknown(id))?;
        node.properties
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.value())
            .ok_or_else(|| zbus::fdo::Error::InvalidArgs(format!("no property {name}")))
    }

    fn event(
        &self,
        id: i32,
        event_id: String,
        _data: OwnedValue,
        _timestamp: u32,
    ) -> zbus::fdo::Result<()> {
        let node = self.find(id).ok_or_else(|| unknown(id))?;
        if event_id == "clicked" {
            if let Some(command) = node.command.clone() {
                perform(&self.shell, command);
            }
        }
        Ok(())
    }

    /// Events on several items; answers the ids it does not know.
    fn event_group(&self, events: Vec<(i32, String, OwnedValue, u32)>) -> Vec<i32> {
        let mut unknown_ids = Vec::new();
        for (id, event_id, _, _) in events {
            match self.find(id) {
                Some(node) if event_id == "clicked" => {
                    if let Some(command) = node.command.clone() {
                        perform(&self.shell, command);
                    }
                }
                Some(_) => {}
                None => unknown_ids.push(id),
            }
        }
        unknown_ids
    }

    /// The menu is always up to date: nothing to refresh before it opens.
    fn about_to_show(&self, _id: i32) -> bool {
        false
    }

    fn about_to_show_group(&self, ids: Vec<i32>) -> (Vec<i32>, Vec<i32>) {
        let unknown_ids = ids
            .into_iter()
            .filter(|id| self.find(*id).is_none())
            .collect();
        (Vec::new(), unknown_ids)
    }

    #[zbus(property)]
    fn version(&self) -> u32 {
        3
    }

    #[zbus(property)]
    fn text_direction(&self) -> &str {
        "ltr"
    }

    #[zbus(property)]
    fn status(&self) -> &str {
        "normal"
    }

    #[zbus(property)]
    fn icon_theme_path(&self) -> Vec<String> {
        Vec::new()
    }

    #[zbus(signal)]
    pub async fn layout_updated(
        emitter: &SignalEmitter<'_>,
        revision: u32,
        parent: i32,
    ) -> zbus::Result<()>;
}

fn unknown(id: i32) -> zbus::fdo::Error {
    zbus::fdo::Error::InvalidArgs(format!("no menu item {id} (the menu changed)"))
}

fn find(node: &Node, id: i32) -> Option<&Node> {
    if node.id == id {
        return Some(node);
    }
    node.children.iter().find_map(|child| find(child, id))
}

/// The root (id 0) over `entries`, numbered depth first from `next`, which is left
/// at the id after the last one. After `i32::MAX` ids (a menu change a second for
/// decades) numbering starts again from 1.
fn numbered(entries: &[Entry], next: &mut i32) -> Node {
    Node {
        id: 0,
        properties: vec![("children-display", Prop::Text("submenu".into()))],
        command: None,
        children: number(entries, next),
    }
}

fn number(entries: &[Entry], next: &mut i32) -> Vec<Node> {
    entries
        .iter()
        .map(|entry| {
            let id = *next;
            *next = next.checked_add(1).unwrap_or(1);
            let (properties, command, children) = match entry {
                Entry::Info(text) => (
                    vec![
                        ("label", Prop::Text(literal(text))),
                        ("enabled", Prop::Flag(false)),
                    ],
                    None,
                    Vec::new(),
                ),
                Entry::Item {
                    command,
                    label,
                    enabled,
                } => (
                    vec![
                        ("label", Prop::Text(literal(label))),
                        ("enabled", Prop::Flag(*enabled)),
                    ],
                    enabled.then(|| command.clone()),
                    Vec::new(),
                ),
                Entry::Check {
                    command,
                    label,
                    checked,
                } => (
                    vec![
                        ("label", Prop::Text(literal(label))),
                        ("toggle-type", Prop::Text("checkmark".into())),
                        ("toggle-state", Prop::Number(i32::from(*checked))),
                    ],
                    Some(command.clone()),
                    Vec::new(),
                ),
                Entry::Submenu { label, entries } => (
                    vec![
                        ("label", Prop::Text(literal(label))),
                        ("children-display", Prop::Text("submenu".into())),
                    ],
                    None,
                    number(entries, next),
                ),
                Entry::Separator => (
                    vec![("type", Prop::Text("separator".into()))],
                    None,
                    Vec::new(),
                ),
            };
            Node {
                id,
                properties,
                command,
                children,
            }
        })
        .collect()
}

/// `node`'s properties named in `names` (all of them when `names` is empty).
fn properties(node: &Node, names: &[String]) -> HashMap<String, OwnedValue> {
    node.properties
        .iter()
        .filter(|(key, _)| names.is_empty() || names.iter().any(|n| n == key))
        .map(|(key, value)| ((*key).to_string(), value.value()))
        .collect()
}

fn layout(node: &Node, depth: i32, names: &[String]) -> Layout {
    let children = if depth == 0 {
        Vec::new()
    } else {
        node.children
            .iter()
            .map(|child| as_variant(layout(child, depth - 1, names)))
            .collect()
    };
    Layout {
        id: node.id,
        properties: properties(node, names),
        children,
    }
}

/// A child layout as the `v` of its parent's `av`.
fn as_variant(layout: Layout) -> OwnedValue {
    let structure = StructureBuilder::new()
        .add_field(layout.id)
        .add_field(layout.properties)
        .add_field(layout.children)
        .build()
        .expect("a layout has fields");
    OwnedValue::try_from(Value::Structure(structure)).expect("a layout holds no file descriptor")
}

/// `label` shown as written: dbusmenu reads `_` as the mark of a keyboard mnemonic,
/// and `__` as a literal underscore.
fn literal(label: &str) -> String {
    label.replace('_', "__")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tray::menu::Command;

    fn entries() -> Vec<Entry> {
        vec![
            Entry::Info("2 need you".into()),
            Entry::Submenu {
                label: "Pause".into(),
                entries: vec![Entry::Item {
                    command: Command::Pause(Some(30)),
                    label: "For 30 minutes".into(),
                    enabled: true,
                }],
            },
            Entry::Separator,
            Entry::Check {
                command: Command::ToggleAutostart,
                label: "Start at login".into(),
                checked: true,
            },
            Entry::Item {
                command: Command::Quit,
                label: "Quit_now".into(),
                enabled: true,
            },
        ]
    }

    #[test]
    fn items_are_numbered_depth_first_with_their_commands() {
        let root = numbered(&entries(), &mut 1);
        let ids: Vec<i32> = root.children.iter().map(|n| n.id).collect();
        assert_eq!(ids, [1, 2, 4, 5, 6]);
        assert_eq!(root.children[1].children[0].id, 3);
        assert_eq!(
            find(&root, 3).unwrap().command,
            Some(Command::Pause(Some(30)))
        );
        assert_eq!(
            find(&root, 1).unwrap().command,
            None,
            "a line of text does nothing"
        );
        let quit = find(&root, 6).unwrap();
        assert_eq!(
            quit.properties[0],
            ("label", Prop::Text("Quit__now".into()))
        );
        let check = find(&root, 5).unwrap();
        assert!(check
            .properties
            .contains(&("toggle-state", Prop::Number(1))));
    }

    #[test]
    fn a_layout_asked_one_level_deep_leaves_the_grandchildren_out() {
        let root = numbered(&entries(), &mut 1);
        let shallow = layout(&root, 1, &[]);
        assert_eq!(shallow.children.len(), 5);
        let submenu = layout(&root.children[1], 0, &[]);
        assert!(submenu.children.is_empty());
        let labels_only = properties(&root.children[0], &["label".to_string()]);
        assert_eq!(labels_only.len(), 1);
    }

    #[test]
    fn a_new_layout_reuses_no_id_of_the_last_one() {
        let mut next = 1;
        let first = numbered(&entries(), &mut next);
        let mut other = entries();
        other.insert(0, Entry::Info("3 need you".into()));
        let second = numbered(&other, &mut next);
        assert_eq!(second.id, 0, "the root keeps its id");
        for id in 1..next {
            assert!(
                find(&first, id).is_none() || find(&second, id).is_none(),
                "id {id} is in both layouts"
            );
        }
        // A click on the old layout's Quit finds nothing in the new one.
        let quit = first
            .children
            .iter()
            .find(|n| n.command == Some(Command::Quit));
        assert!(find(&second, quit.unwrap().id).is_none());
    }

    #[test]
    fn numbering_starts_again_from_1_after_the_last_id() {
        let mut next = i32::MAX;
        let root = numbered(&entries(), &mut next);
        assert_eq!(root.children[0].id, i32::MAX);
        assert_eq!(root.children[1].id, 1);
    }
}
