#!/bin/sh
# Install the Debian packages xgc needs, listed one per line in tools/deps/*.txt
# (what `make`, `make test` and `make run` need), plus the extra lists named as
# arguments (e.g. tools/deps-extra/xen.txt for the nested-Xen rig).
# Idempotent and quiet when everything is present: only missing packages are
# installed, and `apt-get update` runs only when something must be installed.
set -e
here=$(dirname "$0")
want=$(sed -e 's/#.*//' "$here"/deps/*.txt "$@" | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=""
for p in $want; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done" >&2
