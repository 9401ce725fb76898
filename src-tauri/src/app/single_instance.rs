//! One tray app per desktop session, by D-Bus name ownership: the first to own
//! `dev.oncalltray.OncallTray` on the session bus is the app; a later launch asks it to
//! open its window (`org.freedesktop.Application.Activate`, the interface desktops use
//! to bring an application forward) and exits 0.
//!
//! The name is claimed before anything else (the data directory's lock, the notifier),
//! so a second launch touches nothing; an `Activate` that arrives before the shell is up
//! is remembered and carried out once it is.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use tracing::info;
use zbus::fdo::{RequestNameFlags, RequestNameReply};
use zbus::zvariant::OwnedValue;

use crate::lock::lock;
use crate::shell::Shell;

/// The app's well-known name: its application id (`tauri.conf.json`'s `identifier`).
const NAME: &str = "dev.oncalltray.OncallTray";
/// The object path the application id names, as the freedesktop Application spec has it.
const PATH: &str = "/dev/oncalltray/OncallTray";
/// Every call here, connecting included, gives up after this long.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether this launch is the app.
pub enum Claim {
    /// It is: the name is ours for as long as [`Instance`] lives.
    First(Instance),
    /// Another one runs in this session and was asked to open its window.
    Running,
}

/// The claimed name and the object that answers later launches.
pub struct Instance {
    _connection: zbus::Connection,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    shell: Option<Arc<Shell>>,
    /// A later launch asked before the shell was up.
    asked: bool,
}

impl Instance {
    /// From now on a later launch opens `shell`'s window (at once, if one already asked).
    pub fn serve(&self, shell: Arc<Shell>) {
        let asked = {
            let mut state = lock(&self.state);
            state.shell = Some(shell.clone());
            std::mem::take(&mut state.asked)
        };
        if asked {
            shell.open_window();
        }
    }
}

/// The object at [`PATH`]: `Activate` and `Open` open the window.
struct Application {
    state: Arc<Mutex<State>>,
}

impl Application {
    fn bring_forward(&self) {
        let shell = {
            let mut state = lock(&self.state);
            if state.shell.is_none() {
                state.asked = true;
            }
            state.shell.clone()
        };
        info!("oncall-tray was launched again: opening its window");
        if let Some(shell) = shell {
            shell.open_window();
        }
    }
}

#[zbus::interface(name = "org.freedesktop.Application")]
impl Application {
    fn activate(&self, _platform_data: HashMap<String, OwnedValue>) {
        self.bring_forward();
    }

    fn open(&self, _uris: Vec<String>, _platform_data: HashMap<String, OwnedValue>) {
        self.bring_forward();
    }

    /// The app declares no actions.
    fn activate_action(
        &self,
        _action_name: String,
        _parameter: Vec<OwnedValue>,
        _platform_data: HashMap<String, OwnedValue>,
    ) {
    }
}

/// Claims the name, or asks its owner to open the window.
pub async fn claim() -> anyhow::Result<Claim> {
    let state = Arc::new(Mutex::new(State::default()));
    let application = Application {
        state: state.clone(),
    };
    let connection = tokio::time::timeout(
        CALL_TIMEOUT,
        zbus::connection::Builder::session()?
            .method_timeout(CALL_TIMEOUT)
            .serve_at(PATH, application)?
            .build(),
    )
    .await
    .context("connecting to the session bus: no answer")?
    .context("cannot connect to the session bus")?;
    let flags = RequestNameFlags::DoNotQueue.into();
    let reply = connection.request_name_with_flags(NAME, flags).await;
    match reply {
        Ok(RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner) => {
            Ok(Claim::First(Instance {
                _connection: connection,
                state,
            }))
        }
        Ok(RequestNameReply::Exists | RequestNameReply::InQueue) | Err(zbus::Error::NameTaken) => {
            connection
                .call_method(
                    Some(NAME),
                    PATH,
                    Some("org.freedesktop.Application"),
                    "Activate",
                    &(HashMap::<String, OwnedValue>::new(),),
                )
                .await
                .context("oncall-tray already runs here, and did not answer")?;
            Ok(Claim::Running)
        }
        Err(e) => Err(e).context("cannot claim the app's name on the session bus"),
    }
}
