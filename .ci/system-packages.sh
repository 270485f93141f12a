#!/usr/bin/env bash
# System packages the course needs besides Python: bubblewrap (the grading
# sandbox), chromium (the real-browser test), postgresql (the shared-gradebook
# test), fonts-wqy-microhei (Chinese glyphs in the plots of the Chinese
# edition). Installs the missing ones with apt-get when run as root; otherwise
# says what to install and exits 0, so a student's setup never stops here.
#   bash .ci/system-packages.sh [package...]   (default: all four)
set -euo pipefail
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(bubblewrap chromium postgresql fonts-wqy-microhei)

have() {
    case "$1" in
        bubblewrap) command -v bwrap >/dev/null ;;
        chromium) command -v chromium >/dev/null ;;
        postgresql) ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ;;
        *) dpkg -s "$1" >/dev/null 2>&1 ;;
    esac
}

missing=()
for pkg in "${wanted[@]}"; do have "$pkg" || missing+=("$pkg"); done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "note: system packages missing: ${missing[*]}" >&2
    echo "      install them (Debian/Ubuntu: sudo apt-get install ${missing[*]})" >&2
    exit 0
fi
echo "installing ${missing[*]} from Debian packages..." >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
