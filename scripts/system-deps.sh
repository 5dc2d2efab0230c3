#!/usr/bin/env bash
# Install the Debian packages kratomsim needs beyond Python:
#   chromium             — the real browser the web-app tests drive through Playwright
#   libpango / fonts     — WeasyPrint renders the clinician report to PDF with them
# Only missing packages are installed; nothing happens when all are present.
set -euo pipefail
PACKAGES=(chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "kratomsim needs these Debian packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
