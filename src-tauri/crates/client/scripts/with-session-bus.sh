#!/usr/bin/env bash
# Runs a command inside a private D-Bus session that has a real Secret Service (gnome-keyring-daemon,
# unlocked, keeping its keyring in a temp dir) and a notification server (python-dbusmock's
# notification_daemon template, which logs every Notify call). Sets COUNTERSIGN_REQUIRE_DBUS=1 so the
# keyring and notification tests run and fail loudly instead of skipping, and
# COUNTERSIGN_NOTIFICATION_LOG to the mock's log for their assertions.
#
#   src-tauri/crates/client/scripts/with-session-bus.sh cargo test -p countersign-client
#
# Needs (Debian): apt-get install -y dbus gnome-keyring python3-dbusmock libglib2.0-bin (gdbus, for
# tests that click a notice through the mock)
set -euo pipefail

if [[ -z "${COUNTERSIGN_INSIDE_SESSION_BUS:-}" ]]; then
    for tool in dbus-run-session gnome-keyring-daemon dbus-send gdbus; do
        if ! command -v "$tool" >/dev/null; then
            echo "with-session-bus: $tool is missing; install: apt-get install -y dbus gnome-keyring python3-dbusmock libglib2.0-bin" >&2
            exit 2
        fi
    done
    export COUNTERSIGN_INSIDE_SESSION_BUS=1
    exec dbus-run-session -- "$0" "$@"
fi

python=""
for candidate in /usr/bin/python3 python3; do
    if "$candidate" -c 'import dbusmock' 2>/dev/null; then
        python="$candidate"
        break
    fi
done
if [[ -z "$python" ]]; then
    echo "with-session-bus: python dbusmock is missing; install: apt-get install -y python3-dbusmock" >&2
    exit 2
fi

workdir="$(mktemp -d)"
mock_pid=""
cleanup() {
    if [[ -n "$mock_pid" ]]; then kill "$mock_pid" 2>/dev/null || true; fi
    rm -rf "$workdir"
}
trap cleanup EXIT

# The keyring lives in the temp dir, never in the user's real one. Only the daemon sees this
# XDG_DATA_HOME, so cargo and the tests keep their usual environment.
mkdir -p "$workdir/data"
eval "$(printf 'countersign-test-keyring' | XDG_DATA_HOME="$workdir/data" gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL

export COUNTERSIGN_NOTIFICATION_LOG="$workdir/notifications.log"
"$python" -m dbusmock --session -t notification_daemon -l "$COUNTERSIGN_NOTIFICATION_LOG" >"$workdir/dbusmock.out" 2>&1 &
mock_pid=$!

has_owner() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
}
for _ in $(seq 1 100); do
    if has_owner org.freedesktop.Notifications && has_owner org.freedesktop.secrets; then
        break
    fi
    sleep 0.1
done
if ! has_owner org.freedesktop.Notifications; then
    echo "with-session-bus: the mock notification server did not start:" >&2
    cat "$workdir/dbusmock.out" >&2
    exit 2
fi

export COUNTERSIGN_REQUIRE_DBUS=1
"$@"
