#!/bin/sh
# make run — the main job. Until the live deployment lands (scheduler issue),
# it shows what the tool can do.
exec "$(dirname "$0")/../build/bin/xgc" --help
