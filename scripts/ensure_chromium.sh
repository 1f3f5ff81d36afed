#!/bin/sh
# Make sure Debian's Chromium is installed for the browser tests (tests/web); install it with apt when absent.
# Playwright's own `playwright install` needs a download the CI machine cannot make, so the tests drive
# the distribution's browser (executable_path=shutil.which("chromium")).
set -eu
if command -v chromium >/dev/null 2>&1; then
    echo "ensure_chromium: $(command -v chromium) present" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium
command -v chromium >/dev/null 2>&1 || { echo "ensure_chromium: chromium still missing after apt-get" >&2; exit 1; }
echo "ensure_chromium: installed $(command -v chromium)" >&2
