//! gnome-keyring's Secret Service on a test's private D-Bus bus, with throwaway keyring
//! files: the real keychain the app writes to, inspected with `secret-tool`.

use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use oncall_test_support::eventually_some;

use crate::TIMEOUT;

/// gnome-keyring's Secret Service, killed when dropped.
pub struct Keyring {
    daemon: Child,
    home: tempfile::TempDir,
}

impl Drop for Keyring {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

pub fn installed(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// Environment for gnome-keyring and secret-tool: the private bus, and keyring files in
/// `home` rather than the user's.
pub fn keyring_env(cmd: &mut Command, bus: &str, home: &Path) {
    cmd.env("DBUS_SESSION_BUS_ADDRESS", bus)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env_remove("DISPLAY");
}

pub async fn start_keyring(bus: &str) -> Keyring {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("data")).unwrap();
    std::fs::create_dir_all(home.path().join("run")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let run = home.path().join("run");
        std::fs::set_permissions(run, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let mut cmd = Command::new("gnome-keyring-daemon");
    cmd.args(["--foreground", "--unlock", "--components=secrets"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    keyring_env(&mut cmd, bus, home.path());
    let mut daemon = cmd.spawn().expect("gnome-keyring-daemon starts");
    // The throwaway password unlocks (and creates) the login keyring.
    let mut stdin = daemon.stdin.take().unwrap();
    stdin.write_all(b"throwaway").unwrap();
    drop(stdin);
    let keyring = Keyring { daemon, home };

    // Ready once it owns the Secret Service name on the bus.
    let connection = zbus::connection::Builder::address(bus)
        .unwrap()
        .build()
        .await
        .expect("connecting to the test bus");
    let dbus = zbus::fdo::DBusProxy::new(&connection).await.unwrap();
    let name = zbus::names::BusName::try_from("org.freedesktop.secrets").unwrap();
    let (dbus, name) = (&dbus, &name);
    eventually_some("gnome-keyring starting", TIMEOUT, || async move {
        let owned = dbus.name_has_owner(name.clone()).await;
        owned.unwrap_or(false).then_some(())
    })
    .await;
    keyring
}

/// The token stored for `account`, as `secret-tool` finds it.
pub fn lookup(bus: &str, keyring: &Keyring, account: &str) -> Option<String> {
    let mut cmd = Command::new("secret-tool");
    cmd.args(["lookup", "service", "oncall-tray", "username", account]);
    keyring_env(&mut cmd, bus, keyring.home.path());
    let out = cmd.output().expect("secret-tool runs");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Stores `token` for `account` with `secret-tool`, as another program (or an earlier
/// version of the token) would have.
pub fn store(bus: &str, keyring: &Keyring, account: &str, token: &str) {
    let mut cmd = Command::new("secret-tool");
    cmd.args([
        "store",
        "--label",
        "oncall-tray test",
        "service",
        "oncall-tray",
        "username",
        account,
    ])
    .stdin(Stdio::piped());
    keyring_env(&mut cmd, bus, keyring.home.path());
    let mut child = cmd.spawn().expect("secret-tool runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "secret-tool store failed");
}

/// The keychain user name the app keeps `account`'s token under when the account's API
/// is at `origin`: tokens are kept per account *and* server (`work@http://127.0.0.1:PORT`;
/// a fake's URL is already an origin with its port).
pub fn token_user(account: &str, origin: &str) -> String {
    format!("{account}@{origin}")
}

/// Runs `oncall-tray ARGS` with `input` on its standard input, on the D-Bus bus at
/// `bus` (where the test's keychain runs): its exit code, and everything it printed,
/// for a failure message.
pub async fn run_on_bus(
    sandbox: &crate::Sandbox,
    bus: &str,
    args: &[&str],
    input: &str,
) -> (Option<i32>, String) {
    let out = sandbox
        .run_with_env(args, input, &[("DBUS_SESSION_BUS_ADDRESS", bus)])
        .await;
    let text = format!(
        "{args:?}: {:?}\nstdout: {}\nstderr: {}",
        out.code, out.stdout, out.stderr
    );
    (out.code, text)
}
