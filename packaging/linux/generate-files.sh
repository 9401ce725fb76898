#!/bin/sh
# The files a package installs that are made from the built binary, not committed: the
# man pages and the bash, zsh and fish completions, written by its hidden `generate`
# subcommand from the clap definitions it parses with. tauri's `beforeBundleCommand`
# runs this after building the binary and before bundling; `bundle > linux > deb|rpm >
# files` in src-tauri/tauri.conf.json installs what it leaves in target/package-files/.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
profile=release
[ "${TAURI_ENV_DEBUG:-}" = true ] && profile=debug
bin=${CARGO_TARGET_DIR:-$root/target}/${TAURI_ENV_TARGET_TRIPLE:+$TAURI_ENV_TARGET_TRIPLE/}$profile/oncall-tray
[ -x "$bin" ] || bin=${CARGO_TARGET_DIR:-$root/target}/$profile/oncall-tray
out=$root/target/package-files
rm -rf "$out"
mkdir -p "$out/man1" "$out/completions"
"$bin" generate man "$out/man1" >/dev/null
# Compressed, as distributions install man pages; -n keeps the name and time out, so
# the same page gives the same bytes.
gzip -9n "$out"/man1/*.1
for shell in bash zsh fish; do
  "$bin" generate completions "$shell" "$out/completions" >/dev/null
done
