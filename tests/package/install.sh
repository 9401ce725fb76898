#!/usr/bin/env bash
# The .deb as a user installs it: `apt-get install ./oncall-tray_*.deb` on this machine,
# then what they meet. The installed binary runs (--version, --help, `account add` +
# `status` against the fake PagerDuty on loopback); the installed desktop entry and
# metainfo validate; the icons, man pages and completions are where the desktop, man and
# bash look; the application menu's entry starts it (gtk-launch, by its desktop id) and
# it registers its tray item; the end-to-end scenarios given as EXE::TEST pass against the
# installed /usr/bin/oncall-tray (`./dev test-package` gives Settings in the real window
# and a page acknowledged from its notification); `apt-get remove` (and `purge`) leave
# none of its files behind. The .rpm lists the same files and the same dependencies.
#
#   tests/package/install.sh DEB RPM FAKE_PAGERDUTY [EXE::TEST ...]
#                                         (as root; `./dev test-package` gives all four)
#
# It installs into the real /usr, so it refuses to run when oncall-tray is installed
# already, and removes the package again on every way out. Nothing leaves loopback.
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 DEB RPM FAKE_PAGERDUTY [EXE::TEST ...]" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "$0: installs a package: run it as root" >&2; exit 2; }
deb=$(realpath "$1") rpm=$(realpath "$2") fake_bin=$(realpath "$3")
shift 3
scenarios=("$@")
# Tools and tests that need no root run as the person who asked for this test (root in CI).
runner=${SUDO_USER:-root}
repo=$(cd "$(dirname "$0")/../.." && pwd)
pkg=oncall-tray
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
  echo "$0: $pkg is installed already; remove it first (this test installs and purges it)" >&2
  exit 2
fi

work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -qv "not-installed"; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$pkg" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

started=$SECONDS
step() { printf '\n== %s (%d s)\n' "$*" $((SECONDS - started)); }
fail() { echo "FAIL: $*" >&2; exit 1; }
contains() { grep -qF -- "$2" <<<"$1" || fail "$3: no '$2' in: $1"; }

# What exists under /usr and /etc before the package, to find anything left after it.
snapshot() { find /usr /etc -xdev 2>/dev/null | LC_ALL=C sort; }
snapshot >"$work/before"

step "lintian, as Debian checks a package"
# Errors fail; the warnings it has are printed.
runuser -u "$runner" -- lintian --fail-on error --tag-display-limit 0 "$deb" ||
  fail "lintian $(basename "$deb")"

step "apt-get install $(basename "$deb")"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log" >&2; fail "apt-get install"; }
dpkg -L "$pkg" | LC_ALL=C sort >"$work/owned"
# The files (not directories) the package installed.
while read -r path; do [ -d "$path" ] || echo "$path"; done <"$work/owned" >"$work/files"
sed 's/^/  /' "$work/files"

step "the installed binary"
[ "$(command -v oncall-tray)" = /usr/bin/oncall-tray ] || fail "oncall-tray on PATH is $(command -v oncall-tray)"
version=$(dpkg-query -W -f='${Version}' "$pkg")
[ "$(oncall-tray --version)" = "oncall-tray $version" ] || fail "--version says '$(oncall-tray --version)', the package is $version"
# The changelog's newest entry is this version (packaging/linux/changelog is kept with it).
zcat /usr/share/doc/oncall-tray/changelog.gz | head -n 1 | grep -qF "oncall-tray ($version)" ||
  fail "changelog.gz starts with '$(zcat /usr/share/doc/oncall-tray/changelog.gz | head -n 1)', not $version"
help=$(oncall-tray --help)
contains "$help" "Usage: oncall-tray" "--help"
contains "$help" "account" "--help"
# Every library it links is on the system (the .deb's dependencies brought them).
! ldd /usr/bin/oncall-tray | grep "not found" || fail "unresolved libraries"
# The window's own executable, which the tray app starts from beside itself; by hand it
# refuses, saying why.
[ -x /usr/bin/oncall-tray-window ] || fail "no /usr/bin/oncall-tray-window"
! ldd /usr/bin/oncall-tray-window | grep "not found" || fail "unresolved libraries of the window"
if refusal=$(oncall-tray-window 2>&1); then fail "oncall-tray-window started by hand"; fi
contains "$refusal" "opened from the tray app" "oncall-tray-window by hand"

# A user of their own: config, data, state and runtime directories in the sandbox.
home=$work/home
mkdir -p "$home" "$work/run" && chmod 700 "$work/run"
as_user() {
  env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" LANG=C.UTF-8 \
    XDG_RUNTIME_DIR="$work/run" "$@"
}

step "account add + status against the fake PagerDuty"
"$fake_bin" --listen 127.0.0.1:0 >"$work/fake.out" 2>"$work/fake.err" &
pids+=($!)
for _ in $(seq 100); do grep -q '^listening on ' "$work/fake.out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/fake.out")
[ -n "$url" ] || fail "the fake PagerDuty did not start: $(cat "$work/fake.err")"
out=$(as_user oncall-tray account add work --provider pagerduty --api-url "$url") ||
  fail "account add: $out"
echo "$out"
# The fake's published token for its user Pat, through a token_command (no keychain here).
config=$home/.config/oncall-tray/config.toml
[ -f "$config" ] || fail "account add wrote no $config"
echo 'token_command = "printf %s fake-token-pat"' >>"$config"
out=$(as_user oncall-tray status) || fail "status exited $?: $out"
echo "$out"
contains "$out" "work" "status"
contains "$out" "connected" "status"

step "the desktop entry and metainfo, as installed"
entry=/usr/share/applications/oncall-tray.desktop
metainfo=/usr/share/metainfo/dev.oncalltray.OncallTray.metainfo.xml
unit=/usr/lib/systemd/user/oncall-tray-headless.service
desktop-file-validate "$entry" || fail "desktop-file-validate $entry"
appstreamcli validate --no-net --strict "$metainfo" || fail "appstreamcli validate $metainfo"
# Exactly the files of packaging/linux/ (the bundler's template replaced by ours).
for pair in "$entry:oncall-tray.desktop" "$metainfo:dev.oncalltray.OncallTray.metainfo.xml" \
    "$unit:oncall-tray-headless.service"; do
  cmp "${pair%%:*}" "$repo/packaging/linux/${pair#*:}" || fail "${pair%%:*} differs from packaging/linux/${pair#*:}"
done
out=$(XDG_RUNTIME_DIR=$work/run systemd-analyze --user verify "$unit" 2>&1 || true)
! grep -F "oncall-tray-headless.service" <<<"$out" || fail "systemd-analyze verify: $out"

step "icons, man pages and completions where they are looked for"
for size in 16 24 32 48 64 128 256 512; do
  icon=/usr/share/icons/hicolor/${size}x${size}/apps/oncall-tray.png
  file "$icon" | grep -q "PNG image data, $size x $size," || fail "$icon: $(file "$icon")"
done
file /usr/share/icons/hicolor/scalable/apps/oncall-tray.svg | grep -q SVG || fail "no scalable icon"
! grep -E '/hicolor/[^/]*@' "$work/files" || fail "icons in a scale directory"
for page in oncall-tray oncall-tray-account-add oncall-tray-status; do
  found=$(man -w "$page") || fail "man -w $page"
  [ "$found" = "/usr/share/man/man1/$page.1.gz" ] || fail "man -w $page: $found"
done
MANWIDTH=80 man oncall-tray 2>/dev/null | grep -q "EXIT STATUS" || fail "man oncall-tray has no EXIT STATUS"
# bash-completion's loader finds the script by the command's name, as on Tab.
completions=$(bash --norc --noprofile -c '
  . /usr/share/bash-completion/bash_completion
  __load_completion oncall-tray || exit 3
  fn=$(complete -p oncall-tray | sed -n "s/.* -F \([^ ]*\) .*/\1/p")
  complete_words() {
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    COMPREPLY=(); "$fn" oncall-tray "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    echo "${COMPREPLY[*]}"
  }
  complete_words oncall-tray acc
  complete_words oncall-tray account ""') || fail "the bash completion does not load"
echo "$completions"
contains "$(sed -n 1p <<<"$completions")" "account" "oncall-tray acc<Tab>"
contains "$(sed -n 2p <<<"$completions")" "add" "oncall-tray account <Tab>"
grep -qx /usr/share/zsh/vendor-completions/_oncall-tray "$work/files" || fail "no zsh completion"
grep -qx /usr/share/fish/vendor_completions.d/oncall-tray.fish "$work/files" || fail "no fish completion"

step "the application menu's entry starts the installed app, which registers its tray item"
cat >"$work/tray.sh" <<'EOF'
set -eu
status-notifier-watcher >/dev/null 2>&1 &
watcher=$!
ask() { dbus-send --session --print-reply --dest="$1" "$2" "$3" "${@:4}" 2>/dev/null; }
for _ in $(seq 100); do
  ask org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
    string:org.kde.StatusNotifierWatcher | grep -q "boolean true" && break
  sleep 0.1
done
# As a menu does: the entry found by its desktop id on XDG_DATA_DIRS, its Exec run.
# gtk-launch returns once it has started it; the app is the process running /usr/bin's.
gtk-launch oncall-tray >"$WORK/launch.log" 2>&1 || { cat "$WORK/launch.log"; exit 1; }
# (Other oncall-tray processes of the user, a build's, are not it.)
app=""
for _ in $(seq 100); do
  for pid in $(pgrep -x -u "$(id -u)" oncall-tray); do
    [ "$(readlink "/proc/$pid/exe")" = /usr/bin/oncall-tray ] && app=$pid && break
  done
  [ -n "$app" ] && break
  sleep 0.1
done
[ -n "$app" ] || { echo "gtk-launch oncall-tray started no oncall-tray"; exit 1; }
item=""
for _ in $(seq 600); do
  item=$(ask org.kde.StatusNotifierWatcher /StatusNotifierWatcher \
    org.freedesktop.DBus.Properties.Get string:org.kde.StatusNotifierWatcher \
    string:RegisteredStatusNotifierItems | sed -n 's/.*string "\([^"]*\)".*/\1/p' | head -n 1)
  [ -n "$item" ] && break
  kill -0 "$app" 2>/dev/null || { echo "the app ended:"; cat "$WORK/launch.log"; exit 1; }
  sleep 0.1
done
[ -n "$item" ] || { echo "no tray item registered in 60 s:"; cat "$WORK/launch.log"; exit 1; }
# The item belongs to the process started from /usr/bin.
owner=$(ask org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.GetConnectionUnixProcessID "string:${item%%/*}" | sed -n 's/.*uint32 //p')
[ "$owner" = "$app" ] || { echo "tray item $item is pid $owner's, not the app's ($app)"; exit 1; }
[ "$(readlink "/proc/$app/exe")" = /usr/bin/oncall-tray ] || { echo "not /usr/bin/oncall-tray"; exit 1; }
echo "tray item $item registered by /usr/bin/oncall-tray (pid $app)"
kill -TERM "$app"
for _ in $(seq 100); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
kill "$watcher"
EOF
as_user WORK="$work" xvfb-run -a -s "-screen 0 1280x800x24" \
  dbus-run-session -- bash "$work/tray.sh" 2> >(grep -v "Failed to set fd limit" >&2) ||
  fail "the tray under Xvfb"

# The scenarios run with the installed binary in place of the built one; a skipped
# scenario is a failure here.
for scenario in "${scenarios[@]}"; do
  exe=${scenario%%::*} name=${scenario#*::}
  step "with the installed app: $name"
  [ -x "$exe" ] || fail "no test executable $exe"
  out=$(runuser -u "$runner" -- env ONCALL_TRAY_BIN=/usr/bin/oncall-tray \
    "$exe" --exact "$name" --nocapture 2>&1) || { echo "$out" >&2; fail "$name"; }
  ! grep -q "SKIPPED" <<<"$out" || { echo "$out" >&2; fail "$name skipped"; }
  grep -q "test result: ok. 1 passed" <<<"$out" || { echo "$out" >&2; fail "$name did not run"; }
  echo "  passed"
done

step "the .rpm: the same files and dependencies"
rpm -K --nosignature "$rpm" | grep -q "digests OK" || fail "the .rpm's digests: $(rpm -K --nosignature "$rpm")"
rpm -qlp "$rpm" 2>/dev/null | LC_ALL=C sort >"$work/rpm-files"
# zsh's completion directory and where the licence is (Debian's copyright file, the
# .rpm's licence texts) are the places the distributions differ.
grep -qx /usr/share/licenses/oncall-tray/LICENSE-MIT "$work/rpm-files" || fail "the .rpm has no licence"
grep -qx /usr/share/doc/oncall-tray/copyright "$work/files" || fail "the .deb has no copyright file"
grep -v '^/usr/share/licenses/oncall-tray/' "$work/rpm-files" >"$work/rpm-files.tmp"
mv "$work/rpm-files.tmp" "$work/rpm-files"
grep -v '^/usr/share/doc/oncall-tray/' "$work/files" |
  sed 's|^/usr/share/zsh/vendor-completions/|/usr/share/zsh/site-functions/|' |
  LC_ALL=C sort >"$work/deb-files"
diff -u "$work/deb-files" "$work/rpm-files" || fail "the .rpm's files differ from the .deb's"
requires=$(rpm -qp --requires "$rpm" 2>/dev/null)
echo "$requires"
# Each package the .deb depends on is required by the .rpm through a library it ships.
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for dep in $(sed 's/ *([^)]*)//g; s/,/ /g' <<<"$depends"); do
  sonames=$(dpkg -L "$dep" | sed -n 's|.*/\(lib[^/]*\.so\.[0-9]*\)$|\1|p')
  ok=""
  for soname in $sonames; do
    # libfoo.so.1()(64bit), or with a symbol version: libc.so.6(GLIBC_2.34)(64bit).
    ok=$(grep -F "$soname(" <<<"$requires" | grep -F "(64bit)" | head -n 1) && [ -n "$ok" ] && break
  done
  [ -n "$ok" ] || fail "the .rpm requires none of $dep's libraries ($sonames)"
  echo "  $dep: $ok"
done
recommends=$(rpm -qp --recommends "$rpm" 2>/dev/null)
echo "Recommends: $(dpkg-deb -f "$deb" Recommends) / rpm: $recommends"
contains "$recommends" "gnome-keyring" "rpm --recommends"

step "apt-get remove, then purge, leave nothing behind"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$pkg" >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log" >&2; fail "apt-get remove"; }
left=""
while read -r path; do
  [ -e "$path" ] || [ -L "$path" ] || continue
  # A directory that stays must be another package's too (/usr/share/man/man1 …).
  if [ -d "$path" ] && dpkg-query -S "$path" >/dev/null 2>&1; then continue; fi
  left+="$path"$'\n'
done <"$work/owned"
[ -z "$left" ] || fail "left after apt-get remove:"$'\n'"$left"
# The package has no conffiles, so dpkg forgets it at removal; purge whatever it kept.
if dpkg-query -W "$pkg" >/dev/null 2>&1; then
  echo "dpkg still knows it: $(dpkg-query -W -f='${Status}' "$pkg")"
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$pkg" >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log" >&2; fail "apt-get purge"; }
  ! dpkg-query -W "$pkg" >/dev/null 2>&1 || fail "dpkg still knows $pkg after purge"
fi
# Anything new under /usr and /etc is another package's (a dependency apt installed).
snapshot | LC_ALL=C comm -13 "$work/before" - >"$work/new"
while read -r path; do
  dpkg-query -S "$path" >/dev/null 2>&1 || fail "left after purge, owned by no package: $path"
done <"$work/new"

step "passed: installed, used, validated and removed"
ls -l "$deb" "$rpm" | awk '{print "  " $5 " bytes  " $NF}'
