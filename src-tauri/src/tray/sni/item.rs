//! `org.kde.StatusNotifierItem` at [`PATH`]: the icon, the label beside it (Ayatana's
//! `XAyatanaLabel`, which GNOME's AppIndicator extension and Ubuntu draw), the tooltip
//! and where the menu is. The item is a menu (`ItemIsMenu`): a click shows the menu,
//! as it does on every platform; `Activate`, for hosts that send it anyway, opens the
//! window.

use std::sync::Arc;

use zbus::object_server::SignalEmitter;
use zbus::zvariant::OwnedObjectPath;

use super::dbusmenu;
use crate::shell::Shell;

pub const PATH: &str = "/StatusNotifierItem";

/// An icon as the spec sends pictures: width, height, ARGB32 bytes. Unused: the item
/// names its icons instead (see `icons.rs`).
type Pixmap = (i32, i32, Vec<u8>);

/// What the item shows; each field changes with the engine's view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    pub icon_name: String,
    pub label: String,
    pub tooltip: String,
}

pub struct Item {
    pub shown: Shown,
    icon_folder: String,
    shell: Arc<Shell>,
}

impl Item {
    pub fn new(shown: Shown, icon_folder: String, shell: Arc<Shell>) -> Self {
        Item {
            shown,
            icon_folder,
            shell,
        }
    }
}

#[zbus::interface(name = "org.kde.StatusNotifierItem")]
impl Item {
    #[zbus(property)]
    fn category(&self) -> &str {
        "ApplicationStatus"
    }

    #[zbus(property)]
    fn id(&self) -> &str {
        "oncall-tray"
    }

    #[zbus(property)]
    fn title(&self) -> &str {
        "oncall-tray"
    }

    #[zbus(property)]
    fn status(&self) -> &str {
        "Active"
    }

    #[zbus(property)]
    fn window_id(&self) -> i32 {
        0
    }

    #[zbus(property)]
    fn icon_theme_path(&self) -> &str {
        &self.icon_folder
    }

    #[zbus(property)]
    fn icon_name(&self) -> &str {
        &self.shown.icon_name
    }

    #[zbus(property)]
    fn icon_pixmap(&self) -> Vec<Pixmap> {
        Vec::new()
    }

    #[zbus(property)]
    fn overlay_icon_name(&self) -> &str {
        ""
    }

    #[zbus(property)]
    fn overlay_icon_pixmap(&self) -> Vec<Pixmap> {
        Vec::new()
    }

    #[zbus(property)]
    fn attention_icon_name(&self) -> &str {
        ""
    }

    #[zbus(property)]
    fn attention_icon_pixmap(&self) -> Vec<Pixmap> {
        Vec::new()
    }

    #[zbus(property)]
    fn attention_movie_name(&self) -> &str {
        ""
    }

    /// Icon name, icon pictures, title, text.
    #[zbus(property)]
    fn tool_tip(&self) -> (String, Vec<Pixmap>, String, String) {
        (
            String::new(),
            Vec::new(),
            "oncall-tray".to_string(),
            self.shown.tooltip.clone(),
        )
    }

    #[zbus(property)]
    fn item_is_menu(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn menu(&self) -> OwnedObjectPath {
        OwnedObjectPath::try_from(dbusmenu::PATH).expect("a valid object path")
    }

    #[zbus(property, name = "XAyatanaLabel")]
    fn ayatana_label(&self) -> &str {
        &self.shown.label
    }

    /// The widest the label gets, so that a panel keeps its place steady.
    #[zbus(property, name = "XAyatanaLabelGuide")]
    fn ayatana_label_guide(&self) -> &str {
        "99"
    }

    fn context_menu(&self, _x: i32, _y: i32) {}

    fn activate(&self, _x: i32, _y: i32) {
        self.shell.open_window();
    }

    fn secondary_activate(&self, _x: i32, _y: i32) {}

    fn scroll(&self, _delta: i32, _orientation: &str) {}

    #[zbus(signal)]
    pub async fn new_icon(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;

    #[zbus(signal)]
    pub async fn new_tool_tip(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;

    #[zbus(signal, name = "XAyatanaNewLabel")]
    pub async fn ayatana_new_label(
        emitter: &SignalEmitter<'_>,
        label: &str,
        guide: &str,
    ) -> zbus::Result<()>;
}
