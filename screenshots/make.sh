#!/usr/bin/env bash
# Regenerates the README's screenshots from the real TUI (convmark demo) in tmux.
# Needs: tmux aha chromium fonts-dejavu-core fonts-wqy-microhei (the demo has a group named 家人)
# (Debian: apt-get install -y --no-install-recommends ...).
# Usage: bash screenshots/make.sh        (from the project root; builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in tmux aha chromium; do
  command -v "$tool" >/dev/null || { echo "screenshots: $tool is missing; apt-get install -y --no-install-recommends tmux aha chromium fonts-dejavu-core fonts-wqy-microhei" >&2; exit 1; }
done
cargo build --release --quiet
bin="$PWD/target/release/convmark"
out="$PWD/screenshots"
work="$(mktemp -d)"
trap 'tmux kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
cols=100 rows=30
# a tmux server of its own, so the user's sessions are never touched
tmux() { command tmux -L convmark-shots "$@"; }

start() {
  tmux kill-server 2>/dev/null || true
  sleep 0.3
  # a private config and data dir, so the user's own settings never leak into a shot
  tmux new-session -d -s cmshot -x "$cols" -y "$rows" \
    "env TERM=xterm-256color CONVMARK_CONFIG=$work/none.toml CONVMARK_DATA_DIR=$work/data $bin demo $*"
  wait_for "alice"
}

# Waits until the screen shows the given text (at most 15 s).
wait_for() {
  for _ in $(seq 1 150); do
    tmux capture-pane -p -t cmshot 2>/dev/null | grep -q -- "$1" && return 0
    sleep 0.1
  done
  echo "screenshots: timed out waiting for '$1'; the screen was:" >&2
  tmux capture-pane -p -t cmshot >&2 || true
  exit 1
}

keys() { tmux send-keys -t cmshot "$@"; sleep 0.4; }

shoot() {
  local name=$1
  sleep 0.3
  tmux capture-pane -p -e -N -t cmshot > "$work/$name.ansi"
  {
    echo '<html><body style="margin:0;background:#000">'
    echo '<pre style="font: 16px/19px &quot;DejaVu Sans Mono&quot;, &quot;WenQuanYi Micro Hei Mono&quot;, monospace; color:#ddd; background:#000; padding:12px; margin:0">'
    # a wide character (CJK) takes two terminal cells: give it exactly two cells' width
    aha --black --no-header < "$work/$name.ansi" | python3 -c '
import sys, unicodedata
for ch in sys.stdin.read():
    if unicodedata.east_asian_width(ch) in "WF":
        sys.stdout.write("<span style=\"display:inline-block;width:1.2042em;text-align:center\">" + ch + "</span>")
    else:
        sys.stdout.write(ch)'
    echo '</pre></body></html>'
  } > "$work/$name.html"
  local w h
  w=$(python3 -c "import math; print(math.ceil($cols*0.6021*16)+24)")
  h=$((rows * 19 + 24))
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/chrome" --hide-scrollbars --window-size="$w,$h" \
    --screenshot="$out/$name.png" "file://$work/$name.html" >/dev/null 2>&1
  echo "wrote screenshots/$name.png"
}

# 1. main screen: a conversation selected, a bit staged, the cursor on an extension bit
start --user alice
keys Down Down
keys Tab
keys Right Right Right Right
keys Down Down Down Down
keys Space
shoot main

# 2. help overlay
keys '?'
shoot help
keys Escape

# 3. request preview of the staged edit
keys p
shoot preview
keys Escape

# 4. the conversation groups popup, for carol (in the group 家人)
keys Tab
keys Tab
keys Home
keys o
shoot groups
keys Escape

# 5. a failed commit: the edition-gated app answers 51013 for standard marks
tmux kill-server 2>/dev/null || true
sleep 0.3
tmux new-session -d -s cmshot -x "$cols" -y "$rows" \
  "env TERM=xterm-256color CONVMARK_CONFIG=$work/none.toml CONVMARK_DATA_DIR=$work/data-pro $bin demo --edition pro --user alice"
wait_for "alice"
keys Down
keys Tab
keys Space
keys c
wait_for "51013"
shoot failed-commit
