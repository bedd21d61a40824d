#!/usr/bin/env bash
# Builds the workspace with every direct dependency at the lowest version
# its requirement allows (cargo's -Z direct-minimal-versions, nightly), in a
# scratch copy: the version floors in the Cargo.toml files are ones that
# build. Not part of .ci/run (CI's machine has no nightly toolchain); run it
# when a requirement changes. Usage: .ci/minimal_versions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git ls-files -z | xargs -0 cp --parents -t "$work"
cd "$work"
cargo +nightly update -Z direct-minimal-versions
cargo +nightly build --workspace --all-features --all-targets
echo "minimal versions: the workspace builds"
