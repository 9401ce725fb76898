#!/usr/bin/env bash
# Footprint of the release app (issues 5 and 18): binary size, cold start to tray
# registered, memory of every process of the app (RSS / PSS / USS from
# /proc/PID/smaps_rollup) with the window never opened, open and closed again, the tray
# process on its own and `--headless` (against the fake PagerDuty binary, when built),
# the tray app on an account (the fake PagerDuty binary, as a user's app polls a
# service), the floor beside them (benches/probe, `oncall-footprint-probe`, when built:
# a StatusNotifierItem with a dbusmenu, a reqwest + rustls poll of the same fake and
# one zbus notification, no GUI toolkit), and idle CPU time and wake-ups.
#
# Runs `oncall-tray --demo` (release build) inside its own virtual desktop session:
# Xvfb (xvfb-run -a), a private D-Bus session bus (dbus-run-session), a private
# XDG_RUNTIME_DIR/XDG_*_HOME, status-notifier-watcher as the tray host, and the
# project's notification-recorder as the notification server when it is built.
# Everything stays on loopback; everything started is stopped on exit.
# Prints a Markdown table. Takes about 2.5 minutes.
#
#   benches/footprint.sh                    # uses $CARGO_TARGET_DIR or ./target
#   FOOTPRINT_IDLE_SECS=600 benches/footprint.sh   # the issue's full 10 idle minutes
#   FOOTPRINT_GL=1 benches/footprint.sh     # an X server with GLX (Mesa's software GL):
#                                           # what a GL-capable desktop loads
#
# Needs: xvfb-run, dbus-run-session, status-notifier-watcher, dbus-send, xdotool, python3;
# pulseaudio and pactl when present (a sound server for the alarm, as on a desktop).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR=$ROOT/$TARGET_DIR ;; esac
BIN=${ONCALL_TRAY_BIN:-$TARGET_DIR/release/oncall-tray}
IDLE_SECS=${FOOTPRINT_IDLE_SECS:-60}          # CPU/wake-up window, window never opened
CLOSED_IDLE_SECS=${FOOTPRINT_CLOSED_IDLE_SECS:-30}  # same, after the window closed again
SETTLE_SECS=${FOOTPRINT_SETTLE_SECS:-10}      # wait before each memory reading
COLD_STARTS=${FOOTPRINT_COLD_STARTS:-5}

# Stage 1: wrap ourselves in a private X display and session bus.
if [ -z "${FOOTPRINT_INNER:-}" ]; then
  for tool in xvfb-run dbus-run-session status-notifier-watcher dbus-send xdotool python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "footprint: $tool is missing (see ./dev SYSTEM_PACKAGES)" >&2; exit 1; }
  done
  [ -x "$BIN" ] || { echo "footprint: no release binary at $BIN: cargo build --release -p oncall-tray" >&2; exit 1; }
  export FOOTPRINT_INNER=1 BIN TARGET_DIR IDLE_SECS CLOSED_IDLE_SECS SETTLE_SECS COLD_STARTS
  XSERVER_ARGS="-screen 0 1280x800x24"
  # GLX with indirect rendering allowed: a webview then finds GL and loads Mesa (and
  # its LLVM), as on a desktop with a GPU driver.
  [ -n "${FOOTPRINT_GL:-}" ] && XSERVER_ARGS="$XSERVER_ARGS +extension GLX +iglx"
  export FOOTPRINT_SESSION="Xvfb $XSERVER_ARGS"
  exec xvfb-run -a -s "$XSERVER_ARGS" dbus-run-session -- bash "${BASH_SOURCE[0]}" "$@"
fi

# Stage 2: inside the session.
WORK=$(mktemp -d -t oncall-footprint-XXXXXX)
export XDG_RUNTIME_DIR=$WORK/run XDG_DATA_HOME=$WORK/data XDG_CONFIG_HOME=$WORK/config \
  XDG_CACHE_HOME=$WORK/cache XDG_STATE_HOME=$WORK/state
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME"
chmod 700 "$XDG_RUNTIME_DIR"
export RUST_LOG=${RUST_LOG:-warn} GDK_BACKEND=x11
unset WAYLAND_DISPLAY

STARTED=()      # pids of everything we started (the app's descendants are found at stop)
NOTES=()
APP=""

log() { echo "footprint: $(date +%T) $*" >&2; }

# Writes the helper that reads /proc and talks to X11.
cat >"$WORK/probe.py" <<'PY'
import ctypes, ctypes.util, os, sys

def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
        except OSError:
            continue
        ppid = int(s[s.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids

def tree(root):
    kids, out, todo = children_map(), [], [root]
    while todo:
        p = todo.pop()
        if os.path.exists(f"/proc/{p}"):
            out.append(p)
        todo.extend(kids.get(p, []))
    return sorted(out)

def name(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return "?"
    if not argv:
        return "?"
    base = os.path.basename(argv[0])
    try:
        with open(f"/proc/{pid}/comm") as f:
            comm = f.read().strip()
    except OSError:
        comm = ""
    # The window's process runs as "oncall-tray" (its program name, for WM_CLASS); its
    # executable, which comm names (cut at 15 characters), tells it apart.
    if comm.startswith("oncall-tray-win"):
        return "oncall-tray-window"
    if comm.startswith("oncall-tray-snd"):
        return "oncall-tray play-sound (the alarm)"
    if base == "oncall-tray":
        return "oncall-tray (tray)"
    return base

def smaps(pid):
    v = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2] == "kB":
                    v[parts[0].rstrip(":")] = int(parts[1])
    except PermissionError:
        # The app is not dumpable (no core dumps: it holds tokens), so its memory map
        # is readable by root only; leaving it out would print figures that are wrong.
        sys.exit(f"cannot read /proc/{pid}/smaps_rollup: run the benchmark as root "
                 "(the app's processes are not dumpable)")
    except OSError:
        return None
    return v["Rss"], v["Pss"], v.get("Private_Clean", 0) + v.get("Private_Dirty", 0)

def cpu(pid):
    """(utime+stime ticks of the process, all threads; context switches over all threads)"""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
        fields = s[s.rindex(")") + 2:].split()
        ticks = int(fields[11]) + int(fields[12])
    except OSError:
        return None
    sw = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        tasks = []
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        sw += int(line.split()[1])
        except OSError:
            pass
    return ticks, sw

def webkit_in_session(runtime_dir):
    """WebKit processes anywhere whose environment carries our private XDG_RUNTIME_DIR
    (catches one that escaped the app's process tree)."""
    needle = f"XDG_RUNTIME_DIR={runtime_dir}".encode()
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/comm") as f:
                comm = f.read().strip()
            if not comm.startswith("WebKit"):
                continue
            with open(f"/proc/{d}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(f"{d}:{comm}")
        except OSError:
            pass
    return found

def close_window(wid):
    """What a window manager sends when the close button is clicked: WM_DELETE_WINDOW."""
    x = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                    ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                    ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                    ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]
    class XEvent(ctypes.Union):
        _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                             ctypes.POINTER(XEvent)]
    x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x.XOpenDisplay(None)
    if not dpy:
        sys.exit("cannot open the X display")
    ev = XEvent()
    ev.xclient.type = 33  # ClientMessage
    ev.xclient.send_event = 1
    ev.xclient.window = wid
    ev.xclient.message_type = x.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
    ev.xclient.format = 32
    ev.xclient.data[0] = x.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
    ev.xclient.data[1] = 0  # CurrentTime
    if not x.XSendEvent(dpy, wid, 0, 0, ctypes.byref(ev)):
        sys.exit("XSendEvent failed")
    x.XSync(dpy, 0)
    x.XCloseDisplay(dpy)

cmd = sys.argv[1]
if cmd == "tree":
    print(" ".join(map(str, tree(int(sys.argv[2])))))
elif cmd == "mem":
    # per process: name rss pss uss (kB), one a line; then TOTAL
    tot = [0, 0, 0]
    for p in tree(int(sys.argv[2])):
        m = smaps(p)
        if m is None:
            continue
        print(f"{p}\t{name(p)}\t{m[0]}\t{m[1]}\t{m[2]}")
        tot = [a + b for a, b in zip(tot, m)]
    print(f"TOTAL\tall\t{tot[0]}\t{tot[1]}\t{tot[2]}")
elif cmd == "cpu":
    # pid ticks switches, one a line
    for p in tree(int(sys.argv[2])):
        c = cpu(p)
        if c:
            print(f"{p} {c[0]} {c[1]}")
elif cmd == "below":
    # "pid comm" of the processes below ROOT whose comm starts with PREFIX (comm is cut
    # at 15 characters: WebKitWebProcess reads "WebKitWebProces", and
    # oncall-tray-window "oncall-tray-win")
    root, prefix = int(sys.argv[2]), sys.argv[3]
    for p in tree(root):
        if p == root:
            continue
        try:
            with open(f"/proc/{p}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm.startswith(prefix):
            print(p, comm)
elif cmd == "webkit":
    print(" ".join(webkit_in_session(sys.argv[2])))
elif cmd == "close":
    close_window(int(sys.argv[2]))
PY
probe() { python3 "$WORK/probe.py" "$@"; }

kill_tree() {  # SIGTERM a process and its descendants, then SIGKILL what is left
  local root=$1 pids p i
  pids=$(probe tree "$root" 2>/dev/null || true)
  [ -n "$pids" ] || return 0
  kill -TERM $pids 2>/dev/null || true
  for i in $(seq 50); do
    local alive=""
    for p in $pids; do [ -e "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] && alive="$alive $p"; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  kill -KILL $pids 2>/dev/null || true
  wait "$root" 2>/dev/null || true
}

cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do kill_tree "$pid"; done
  if [ -n "${FOOTPRINT_KEEP:-}" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the desktop side ---------------------------------------------------------------
status-notifier-watcher >"$WORK/watcher.log" 2>&1 &
STARTED+=($!)
for i in $(seq 500); do
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.NameHasOwner org.kde.StatusNotifierWatcher 2>/dev/null | grep -q true && break
  [ "$i" -eq 500 ] && { log "status-notifier-watcher did not take its name"; exit 1; }
  sleep 0.01
done

# A sound server, as a desktop has one: the demo's pages ring, and the alarm's ALSA
# output reaches it through ALSA's pulse plugin. Without one, opening the default
# device fails and the alarm tries every ALSA device, loading plugins (JACK's among
# them) that no desktop session would.
SOUND_SERVER=""
if command -v pulseaudio >/dev/null 2>&1; then
  mkdir -p "$XDG_RUNTIME_DIR/pulse"
  HOME=$WORK pulseaudio -n --daemonize=no --exit-idle-time=-1 --use-pid-file=no --disallow-exit \
    -L "module-native-protocol-unix auth-anonymous=1 socket=$XDG_RUNTIME_DIR/pulse/native" \
    -L "module-null-sink sink_name=nullsink" -L module-always-sink \
    >/dev/null 2>"$WORK/pulseaudio.log" &
  STARTED+=($!)
  export PULSE_SERVER=unix:$XDG_RUNTIME_DIR/pulse/native
  for i in $(seq 200); do
    pactl info >/dev/null 2>&1 && { SOUND_SERVER="PulseAudio with a null sink"; break; }
    sleep 0.05
  done
fi
[ -n "$SOUND_SERVER" ] || NOTES+=("No sound server ran (pulseaudio missing or not ready): the alarm found no audio output.")

RECORDER=""
for candidate in "$TARGET_DIR/release/notification-recorder" "$TARGET_DIR/debug/notification-recorder"; do
  [ -x "$candidate" ] && { RECORDER=$candidate; break; }
done
if [ -n "$RECORDER" ]; then
  mkfifo "$WORK/recorder.out"
  "$RECORDER" >"$WORK/recorder.out" 2>"$WORK/recorder.log" &
  STARTED+=($!)
  if ! timeout 10 head -n 1 "$WORK/recorder.out" | grep -q ready; then
    log "notification-recorder did not get ready"; exit 1
  fi
  cat "$WORK/recorder.out" >/dev/null &   # keep its stdout drained
  STARTED+=($!)
else
  NOTES+=("No notification-recorder was built (cargo build -p oncall-notification-recorder): no notification server ran; the app's notifications failed silently.")
fi

registered() {  # the watcher lists at least one item
  dbus-send --session --print-reply --dest=org.kde.StatusNotifierWatcher /StatusNotifierWatcher \
    org.freedesktop.DBus.Properties.Get string:org.kde.StatusNotifierWatcher \
    string:RegisteredStatusNotifierItems 2>/dev/null | grep -q 'string "'
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

start_app() {  # starts the app, sets APP; logs to $WORK/app-$1.log
  "$BIN" --demo >"$WORK/app-$1.log" 2>&1 &
  APP=$!
  STARTED+=("$APP")
}

wait_registered() {  # prints ms from $1 (start, ms) until the tray is registered
  local t0=$1 i
  for i in $(seq 3000); do   # 30 s at 10 ms
    if registered; then echo $(( $(now_ms) - t0 )); return 0; fi
    kill -0 "$APP" 2>/dev/null || { log "the app exited: $(tail -5 "$WORK"/app-*.log)"; return 1; }
    sleep 0.01
  done
  log "the tray did not register within 30 s"; return 1
}

stop_app() {
  kill_tree "$APP"
  local i
  for i in $(seq 500); do registered || return 0; sleep 0.01; done
  log "the watcher still lists an item 5 s after the app stopped"
}

webkit_below() { probe below "$1" WebKit | cut -d' ' -f1; }
window_pid() { probe below "$1" oncall-tray-win | cut -d' ' -f1; }

wait_no_window() {  # up to 10 s for the window process to end
  local deadline=$(( $(now_ms) + 10000 ))
  while [ -n "$(window_pid "$APP")" ] && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.1; done
}

sound_pid() { probe below "$1" oncall-tray-snd | cut -d' ' -f1; }

# Up to 15 s for a sound of the alarm to end: its player (a child of the app, the same
# executable) shares the app's pages while it plays, which would halve the app's PSS.
wait_no_sound() {
  local deadline=$(( $(now_ms) + 15000 ))
  while [ -n "$(sound_pid "$APP")" ] && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.1; done
  [ -z "$(sound_pid "$APP")" ] || NOTES+=("A sound of the alarm was still playing at a memory reading; its player is counted as a process of its own.")
}

declare -A MEM   # MEM[state.rss|pss|uss] in kB; per-process rows in $WORK/mem-state.tsv
measure_mem() {
  local state=$1
  wait_no_sound
  probe mem "$APP" >"$WORK/mem-$state.tsv"
  read -r _ _ MEM[$state.rss] MEM[$state.pss] MEM[$state.uss] < <(grep '^TOTAL' "$WORK/mem-$state.tsv")
}

# CPU over an idle window: prints "ticks switches" summed over the app's processes.
# A process that ends inside the window loses its share (none should, idle).
cpu_window() {
  local secs=$1 before after
  before=$(probe cpu "$APP")
  sleep "$secs"
  after=$(probe cpu "$APP")
  python3 - "$before" "$after" <<'PY'
import sys
def parse(s):
    return {int(l.split()[0]): (int(l.split()[1]), int(l.split()[2])) for l in s.splitlines() if l.strip()}
b, a = parse(sys.argv[1]), parse(sys.argv[2])
ticks = sum(a[p][0] - b.get(p, (0, 0))[0] for p in a)
sw = sum(a[p][1] - b.get(p, (0, 0))[1] for p in a)
print(ticks, sw)
PY
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# --- binary size ----------------------------------------------------------------------
BIN_BYTES=$(stat -c %s "$BIN")
STRIPPED_BYTES=""
if command -v strip >/dev/null 2>&1 && strip -o "$WORK/stripped" "$BIN" 2>/dev/null; then
  STRIPPED_BYTES=$(stat -c %s "$WORK/stripped")   # what `strip = true` would ship
  rm -f "$WORK/stripped"
fi

# --- cold start -----------------------------------------------------------------------
log "cold start x$COLD_STARTS"
COLD=()
for n in $(seq "$COLD_STARTS"); do
  t0=$(now_ms)
  start_app "cold$n"
  ms=$(wait_registered "$t0") || exit 1
  COLD+=("$ms")
  stop_app
done
COLD_MEDIAN=$(printf '%s\n' "${COLD[@]}" | sort -n | awk '{a[NR]=$1} END { print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2 }')

# --- the measured instance --------------------------------------------------------------
log "starting the measured instance"
t0=$(now_ms)
start_app main
wait_registered "$t0" >/dev/null
sleep "$SETTLE_SECS"
[ -z "$(webkit_below "$APP")" ] || NOTES+=("A WebKit process existed before the window was ever opened.")
measure_mem never
NEVER_WEBKIT=$(webkit_below "$APP" | wc -l)

log "idle CPU over ${IDLE_SECS} s (window never opened)"
read -r IDLE_TICKS IDLE_SW < <(cpu_window "$IDLE_SECS")

# --- open the window the way a user does: launch the app again ---------------------------
log "opening the window (second launch)"
"$BIN" --demo >"$WORK/app-second.log" 2>&1 &
SECOND=$!
STARTED+=("$SECOND")
deadline=$(( $(now_ms) + 30000 ))
until [ -n "$(probe below "$APP" WebKitWebProces)" ]; do
  [ "$(now_ms)" -lt "$deadline" ] || { log "no WebKitWebProcess below the app 30 s after the second launch"; exit 1; }
  sleep 0.1
done
log "WebKitWebProcess is up"
SECOND_RC=0
for i in $(seq 100); do kill -0 "$SECOND" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SECOND" 2>/dev/null; then
  NOTES+=("The second launch was still running 10 s after handing over.")
else
  wait "$SECOND" || SECOND_RC=$?
fi
sleep "$SETTLE_SECS"
measure_mem open
OPEN_WEBKIT=$(webkit_below "$APP" | wc -l)

# --- close it the way a window manager does: WM_DELETE_WINDOW ----------------------------
log "closing the window (WM_DELETE_WINDOW)"
CLOSE_HOW="WM_DELETE_WINDOW client message (what a window manager sends for the close button)"
WID=$(xdotool search --onlyvisible --name '^oncall-tray$' 2>/dev/null | head -n 1 || true)
if [ -n "$WID" ]; then
  probe close "$WID" || true
else
  log "no visible X window titled oncall-tray"
fi
wait_no_window
if [ -n "$(window_pid "$APP")" ]; then
  CLOSE_HOW="SIGTERM to the \`oncall-tray-window\` process (WM_DELETE_WINDOW did not end it within 10 s)"
  NOTES+=("The window was closed with SIGTERM to its process, not with WM_DELETE_WINDOW.")
  kill -TERM $(window_pid "$APP") 2>/dev/null || true
  wait_no_window
fi
sleep "$SETTLE_SECS"
measure_mem closed
CLOSED_WEBKIT=$(webkit_below "$APP" | wc -l)
STRAY_WEBKIT=$(probe webkit "$XDG_RUNTIME_DIR")
[ -z "$STRAY_WEBKIT" ] || NOTES+=("WebKit processes of this session outside the app's tree after close: $STRAY_WEBKIT")
kill -0 "$APP" 2>/dev/null || { log "the tray app exited when its window closed"; exit 1; }

CLOSED_TICKS=""; CLOSED_SW=""
if [ "$CLOSED_IDLE_SECS" -gt 0 ]; then
  log "idle CPU over ${CLOSED_IDLE_SECS} s (window closed again)"
  read -r CLOSED_TICKS CLOSED_SW < <(cpu_window "$CLOSED_IDLE_SECS")
fi
NOTIFICATIONS=""
if [ -n "$RECORDER" ]; then
  NOTIFICATIONS=$(gdbus call --session --dest org.freedesktop.Notifications --object-path /org/freedesktop/Notifications \
    --method org.oncalltray.NotificationRecorder.Notifications 2>/dev/null \
    | python3 -c 'import sys,json,ast; s=sys.stdin.read().strip(); t=ast.literal_eval(s)[0] if s else "[]"; print(len(json.loads(t)))' 2>/dev/null || echo "?")
fi

# --- the tray process on its own, and --headless (issue 18) ------------------------------
# PSS of process $2 in reading $1 (each row: pid, name, RSS, PSS, USS in kB).
pss_of() { awk -F'\t' -v pid="$2" '$1 == pid { print $4 }' "$WORK/mem-$1.tsv"; }
TRAY_NEVER=$(pss_of never "$APP")
TRAY_CLOSED=$(pss_of closed "$APP")
stop_app

HEADLESS_PSS=""
ACCOUNT_PSS=""
FAKE=""
FAKE_URL=""
FAKE_TOKEN=fake-token-pat   # the fake's user Pat Oncall
for candidate in "$TARGET_DIR/release/fake-pagerduty" "$TARGET_DIR/debug/fake-pagerduty"; do
  [ -x "$candidate" ] && { FAKE=$candidate; break; }
done
if [ -n "$FAKE" ]; then
  log "--headless against the fake PagerDuty"
  mkfifo "$WORK/fake.out"
  "$FAKE" --listen 127.0.0.1:0 >"$WORK/fake.out" 2>"$WORK/fake.log" &
  STARTED+=($!)
  FAKE_URL=$(timeout 10 head -n 1 "$WORK/fake.out" | sed -n 's/^listening on //p')
  cat "$WORK/fake.out" >/dev/null &
  STARTED+=($!)
  mkdir -p "$WORK/headless/config" "$WORK/headless/data"
  printf '%s\n' '[[accounts]]' 'name = "work"' 'provider = "pagerduty"' \
    "api_url = \"$FAKE_URL\"" "token_command = \"printf %s $FAKE_TOKEN\"" \
    >"$WORK/headless/config/config.toml"
  ONCALL_TRAY_CONFIG_DIR=$WORK/headless/config ONCALL_TRAY_DATA_DIR=$WORK/headless/data \
    ONCALL_TRAY_LOG_DIR=$WORK/headless/log DISPLAY= "$BIN" --headless >"$WORK/app-headless.log" 2>&1 &
  APP=$!
  STARTED+=("$APP")
  sleep "$SETTLE_SECS"
  if kill -0 "$APP" 2>/dev/null; then
    measure_mem headless
    HEADLESS_PSS=$(pss_of headless "$APP")
  else
    NOTES+=("--headless exited: $(tail -3 "$WORK/app-headless.log")")
  fi
  kill_tree "$APP"

  # The tray app as a user runs it: an account polled over HTTP, no demo service and
  # no scripted incidents in the process.
  log "the tray app against the fake PagerDuty"
  t0=$(now_ms)
  ONCALL_TRAY_CONFIG_DIR=$WORK/headless/config ONCALL_TRAY_DATA_DIR=$WORK/headless/data \
    ONCALL_TRAY_LOG_DIR=$WORK/headless/log "$BIN" >"$WORK/app-account.log" 2>&1 &
  APP=$!
  STARTED+=("$APP")
  if wait_registered "$t0" >/dev/null; then
    sleep "$SETTLE_SECS"
    measure_mem account
    ACCOUNT_PSS=$(pss_of account "$APP")
  else
    NOTES+=("The tray app on the fake PagerDuty did not register its tray: $(tail -3 "$WORK/app-account.log")")
  fi
  stop_app
else
  NOTES+=("No fake-pagerduty was built (cargo build --release -p oncall-fake-pagerduty): --headless and the tray app on an account were not measured.")
fi

# --- the floor: the probe (benches/probe), in the same session ---------------------------
# The least a tray pager can be: a StatusNotifierItem and dbusmenu over zbus, polling the
# same fake's incident list with reqwest + rustls every 2 s, one notification. The app's
# items are off the watcher's list by now (stop_app waits for it); the probe's own is
# then confirmed by its bus name, which it logs once the watcher took it.
PROBE_BIN=$TARGET_DIR/release/oncall-footprint-probe
PROBE_FLOOR="probe floor (SNI + dbusmenu + reqwest/rustls poll + zbus notification, no GTK)"
PROBE_PSS=""
PROBE_RSS=""
PROBE_NAME=""
PROBE_LISTED="its item **not** confirmed on the watcher's list"
listed() {  # the watcher lists the item of bus name $1
  dbus-send --session --print-reply --dest=org.kde.StatusNotifierWatcher /StatusNotifierWatcher \
    org.freedesktop.DBus.Properties.Get string:org.kde.StatusNotifierWatcher \
    string:RegisteredStatusNotifierItems 2>/dev/null | grep -qF -e "string \"$1\"" -e "string \"$1/"
}
if [ ! -x "$PROBE_BIN" ]; then
  NOTES+=("No oncall-footprint-probe was built (cargo build --release -p oncall-footprint-probe): the floor is quoted, 3.6 MiB PSS (5.6 MiB RSS).")
elif [ -z "$FAKE_URL" ]; then
  NOTES+=("The probe floor was not measured: no fake PagerDuty ran for it to poll; the floor is quoted, 3.6 MiB PSS (5.6 MiB RSS).")
else
  log "the probe floor against the fake PagerDuty"
  t0=$(now_ms)
  "$PROBE_BIN" "$FAKE_URL/incidents" --header "Authorization: Token token=$FAKE_TOKEN" \
    >"$WORK/app-probe.log" 2>&1 &
  APP=$!
  STARTED+=("$APP")
  if wait_registered "$t0" >/dev/null; then
    sleep "$SETTLE_SECS"
    PROBE_NAME=$(sed -n 's/^registered \(:[0-9.]*\) .*/\1/p' "$WORK/app-probe.log")
    if [ -n "$PROBE_NAME" ] && listed "$PROBE_NAME"; then
      PROBE_LISTED="its item ($PROBE_NAME) confirmed on the watcher's list"
    else
      NOTES+=("The watcher does not list the probe's item (bus name: ${PROBE_NAME:-none logged}): $(tail -3 "$WORK/app-probe.log")")
    fi
    if kill -0 "$APP" 2>/dev/null; then
      measure_mem probe
      read -r PROBE_RSS PROBE_PSS < <(awk -F'\t' -v pid="$APP" '$1 == pid { print $3, $4 }' "$WORK/mem-probe.tsv")
      grep -q '^notified' "$WORK/app-probe.log" \
        || NOTES+=("The probe polled no answer or sent no notification: $(tail -3 "$WORK/app-probe.log")")
    else
      NOTES+=("The probe exited: $(tail -3 "$WORK/app-probe.log")")
    fi
  else
    NOTES+=("The probe did not register its tray: $(tail -3 "$WORK/app-probe.log")")
  fi
  stop_app
fi

# --- the table --------------------------------------------------------------------------
CLK=$(getconf CLK_TCK)
pct() { awk -v t="$1" -v s="$2" -v c="$CLK" 'BEGIN { printf "%.3f", 100 * t / c / s }'; }
per_s() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / s }'; }
verdict() { awk -v v="$1" -v lim="$2" 'BEGIN { print (v + 0 <= lim + 0) ? "met" : "**not met**" }'; }
webkit_verdict() { [ "$1" -eq 0 ] && echo "met" || echo "**not met**"; }

BIN_MB=$(awk -v b="$BIN_BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
IDLE_PCT=$(pct "$IDLE_TICKS" "$IDLE_SECS")
echo
echo "## Footprint (release build, $FOOTPRINT_SESSION, \`oncall-tray --demo\`)"
echo
echo "| measure | value | issue-5 target | status |"
echo "|---|---|---|---|"
echo "| release binary size | $BIN_MB MB ($(mib $((BIN_BYTES / 1024))) MiB) | ≤ 15 MB | $(verdict "$BIN_MB" 15) |"
echo "| cold start to tray registered, median of $COLD_STARTS | $COLD_MEDIAN ms (runs: ${COLD[*]}) | ≤ 100 ms (issue 18; 500 ms issue 5) | $(verdict "$COLD_MEDIAN" 100) |"
echo "| the tray process alone (PSS), window never opened | **$(mib "$TRAY_NEVER") MiB** | ≤ 15 MiB (issue 18) | $(verdict "$(mib "$TRAY_NEVER")" 15) |"
echo "| the tray process alone (PSS), window closed again | **$(mib "$TRAY_CLOSED") MiB** | ≤ 15 MiB (issue 18) | $(verdict "$(mib "$TRAY_CLOSED")" 15) |"
if [ -n "$ACCOUNT_PSS" ]; then
  echo "| the tray process on an account (no \`--demo\`: polling the fake PagerDuty binary; PSS, ${SETTLE_SECS} s after the tray registered) | **$(mib "$ACCOUNT_PSS") MiB** | ≤ 15 MiB (issue 18) | $(verdict "$(mib "$ACCOUNT_PSS")" 15) |"
fi
if [ -n "$HEADLESS_PSS" ]; then
  echo "| \`--headless\` (PSS, ${SETTLE_SECS} s after start, polling the fake) | **$(mib "$HEADLESS_PSS") MiB** | ≤ 12 MiB (issue 18) | $(verdict "$(mib "$HEADLESS_PSS")" 12) |"
fi
if [ -n "$PROBE_PSS" ]; then
  echo "| $PROBE_FLOOR (PSS, RSS in brackets; ${SETTLE_SECS} s after it registered, polling the fake every 2 s) | **$(mib "$PROBE_PSS") MiB** ($(mib "$PROBE_RSS") MiB RSS) | — (the floor; quoted 3.6 MiB PSS, 5.6 MiB RSS) | — |"
fi
[ -n "$STRIPPED_BYTES" ] && echo "| release binary, symbols stripped (a stripped copy; informational) | $(awk -v b="$STRIPPED_BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB | — | — |"
for state in never open closed; do
  case $state in
    never) label="window never opened (${SETTLE_SECS} s after start)"; target=90; wk=$NEVER_WEBKIT ;;
    open) label="window open (${SETTLE_SECS} s after WebKitWebProcess appeared)"; target=260; wk=$OPEN_WEBKIT ;;
    closed) label="window closed again (${SETTLE_SECS} s after close)"; target=90; wk=$CLOSED_WEBKIT ;;
  esac
  pss=$(mib "${MEM[$state.pss]}")
  procs=$(( $(wc -l <"$WORK/mem-$state.tsv") - 1 ))
  echo "| memory, $label: RSS / PSS / USS, $procs process(es) | $(mib "${MEM[$state.rss]}") / **$pss** / $(mib "${MEM[$state.uss]}") MiB | PSS ≤ $target MB | $(verdict "$pss" "$target") |"
  if [ "$state" != open ]; then
    echo "| WebKit processes alive, $label | $wk | none | $(webkit_verdict "$wk") |"
  fi
done
echo "| idle CPU, window never opened (${IDLE_SECS} s window, scaled) | $IDLE_PCT % of one core ($IDLE_TICKS ticks of 1/$CLK s) | ≤ 0.1 % | $(verdict "$IDLE_PCT" 0.1) |"
echo "| wake-ups (voluntary + involuntary context switches, all threads), window never opened | $(per_s "$IDLE_SW" "$IDLE_SECS") /s | — | — |"
if [ -n "$CLOSED_TICKS" ]; then
  CLOSED_PCT=$(pct "$CLOSED_TICKS" "$CLOSED_IDLE_SECS")
  echo "| idle CPU, window closed again (${CLOSED_IDLE_SECS} s window, scaled) | $CLOSED_PCT % of one core ($CLOSED_TICKS ticks) | ≤ 0.1 % | $(verdict "$CLOSED_PCT" 0.1) |"
  echo "| wake-ups, window closed again | $(per_s "$CLOSED_SW" "$CLOSED_IDLE_SECS") /s | — | — |"
fi
echo
echo "Per process (RSS / PSS / USS, MiB):"
echo
echo "| state | process | RSS | PSS | USS |"
echo "|---|---|---|---|---|"
for state in never open closed; do
  while IFS=$'\t' read -r pid pname rss pss uss; do
    [ "$pid" = TOTAL ] && continue
    echo "| $state | $pname | $(mib "$rss") | $(mib "$pss") | $(mib "$uss") |"
  done <"$WORK/mem-$state.tsv"
done
echo
echo "- Binary: $BIN."
echo "- Window opened by a second \`oncall-tray --demo\` launch (single instance hands over; exit code $SECOND_RC); closed by $CLOSE_HOW."
echo "- Memory from /proc/PID/smaps_rollup of the app and all its descendants; USS = Private_Clean + Private_Dirty. 1 MiB = 1024 kB; targets are compared in MiB (slightly stricter than MB)."
echo "- CPU = utime + stime of those processes from /proc/PID/stat; the demo polls its in-process fake PagerDuty every 5 s and scripts a new incident every 30 s, so 'idle' includes that work."
[ -n "$SOUND_SERVER" ] && echo "- Sound: $SOUND_SERVER (the pages' alarm plays into it through ALSA's pulse plugin)."
[ -n "$PROBE_PSS" ] && echo "- Probe floor: $PROBE_BIN ($(awk -v b="$(stat -c %s "$PROBE_BIN")" 'BEGIN { printf "%.1f", b / 1e6 }') MB), $PROBE_LISTED; memory of its one process, read as the app's."
[ -n "$RECORDER" ] && echo "- Notifications went to the notification-recorder ($RECORDER): ${NOTIFICATIONS} recorded over the run."
for note in "${NOTES[@]}"; do echo "- NOTE: $note"; done
