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
    "env TERM=xterm-256color CONVMARK_CONFIG=$work/none.toml CONVMARK_DATA_DIR=${datadir:-$work/data} $bin demo $*"
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

# The light theme's shot is converted by this instead of aha, which drops dim text and
# greys bright white: the 16 colours of GNOME Terminal's Tango palette on a white
# background, dim as half-way to the background, reverse video swapping the two.
cat > "$work/light.py" <<'PY'
import html, re, sys, unicodedata
PALETTE = ["#2e3436", "#cc0000", "#4e9a06", "#c4a000", "#3465a4", "#75507b", "#06989a", "#d3d7cf",
           "#555753", "#ef2929", "#8ae234", "#fce94f", "#729fcf", "#ad7fa8", "#34e2e2", "#eeeeec"]
FG, BG = "#2e3436", "#ffffff"
def mix(a, b):
    x, y = (int(a[i:i + 2], 16) for i in (1, 3, 5)), (int(b[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join("%02x" % ((p + q) // 2) for p, q in zip(x, y))
def colour(params, i):
    if params[i + 1:i + 2] == [5]:
        n = params[i + 2] if i + 2 < len(params) else 0
        return (PALETTE[n] if n < 16 else FG), i + 3
    if params[i + 1:i + 2] == [2]:
        r, g, b = (params + [0, 0, 0, 0, 0])[i + 2:i + 5]
        return "#%02x%02x%02x" % (r, g, b), i + 5
    return None, i + 1
state = dict(fg=None, bg=None, bold=False, dim=False, ul=False, rev=False)
def sgr(text):
    params = [int(p) if p else 0 for p in text.split(";")] if text else [0]
    i = 0
    while i < len(params):
        p = params[i]
        if p == 0: state.update(fg=None, bg=None, bold=False, dim=False, ul=False, rev=False)
        elif p == 1: state["bold"] = True
        elif p == 2: state["dim"] = True
        elif p == 4: state["ul"] = True
        elif p == 7: state["rev"] = True
        elif p == 22: state.update(bold=False, dim=False)
        elif p == 24: state["ul"] = False
        elif p == 27: state["rev"] = False
        elif 30 <= p <= 37: state["fg"] = PALETTE[p - 30]
        elif 90 <= p <= 97: state["fg"] = PALETTE[p - 90 + 8]
        elif p == 39: state["fg"] = None
        elif 40 <= p <= 47: state["bg"] = PALETTE[p - 40]
        elif 100 <= p <= 107: state["bg"] = PALETTE[p - 100 + 8]
        elif p == 49: state["bg"] = None
        elif p in (38, 48):
            c, i = colour(params, i)
            state["fg" if p == 38 else "bg"] = c
            continue
        i += 1
def style():
    fg, bg = state["fg"] or FG, state["bg"] or BG
    if state["dim"]: fg = mix(fg, bg)
    if state["rev"]: fg, bg = bg, fg
    css = "color:%s;" % fg
    if bg != BG: css += "background:%s;" % bg
    if state["bold"]: css += "font-weight:bold;"
    if state["ul"]: css += "text-decoration:underline;"
    return css
out = []
for part in re.split(r"(\x1b\[[0-9;]*m)", sys.stdin.read()):
    m = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
    if m:
        sgr(m.group(1))
        continue
    for ch in part:
        text = html.escape(ch)
        wide = unicodedata.east_asian_width(ch) in "WF"
        if ch == "\n":
            out.append(ch)
        elif wide:
            out.append('<span style="%sdisplay:inline-block;width:1.2042em;text-align:center">%s</span>' % (style(), text))
        else:
            out.append('<span style="%s">%s</span>' % (style(), text))
sys.stdout.write("".join(out))
PY

# shoot NAME [light]: the screen as screenshots/NAME.png, on a black background, or on a
# white one for the light theme
shoot() {
  local name=$1 mode=${2:-dark}
  sleep 0.3
  tmux capture-pane -p -e -N -t cmshot > "$work/$name.ansi"
  local font='font: 16px/19px &quot;DejaVu Sans Mono&quot;, &quot;WenQuanYi Micro Hei Mono&quot;, monospace'
  if [ "$mode" = light ]; then
    {
      echo '<html><body style="margin:0;background:#fff">'
      echo "<pre style=\"$font; color:#2e3436; background:#fff; padding:12px; margin:0\">"
      python3 "$work/light.py" < "$work/$name.ansi"
      echo '</pre></body></html>'
    } > "$work/$name.html"
  else
    {
      echo '<html><body style="margin:0;background:#000">'
      echo "<pre style=\"$font; color:#ddd; background:#000; padding:12px; margin:0\">"
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
  fi
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

# 6. the light theme, on a white background: the main screen's state (a data dir of its
# own: the first shot left a journal behind)
datadir=$work/data-light start --user alice --theme light
keys Down Down
keys Tab
keys Right Right Right Right
keys Down Down Down Down
keys Space
shoot light light
