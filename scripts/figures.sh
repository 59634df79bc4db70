#!/usr/bin/env bash
# Prints every figure of the README's "Speed and footprint" table: builds the
# release binary, measures it in a 120x40 pseudo-terminal (scripts/figures.py)
# and runs the criterion benches.
#
#   scripts/figures.sh            everything (about 4 minutes after the builds)
#   scripts/figures.sh --no-bench the binary's figures only
set -euo pipefail
cd "$(dirname "$0")/.."
bench=1
for arg in "$@"; do
    case "$arg" in
        --no-bench) bench=0 ;;
        *) echo "usage: scripts/figures.sh [--no-bench]" >&2; exit 2 ;;
    esac
done

cargo build --release --locked
python3 scripts/figures.py --bin target/release/prelist

if [ "$bench" = 1 ]; then
    # Criterion's median is the middle figure of "time: [low median high]";
    # a long bench name stands on the line before its figures. A bench
    # that measures a size prints it as "…: N bytes".
    cargo bench --locked -- --warm-up-time 1 --measurement-time 4 2>&1 |
        awk '/^ +time:/ { print prev } /time:/ || / bytes$/ { print } { prev = $0 }'
fi
