#!/usr/bin/env bash
# Builds and runs README's "Library quickstart" as a user would: a scratch crate
# whose [dependencies] block is README's own, verbatim (fundsgate resolved to
# this checkout through [patch.crates-io]), and whose main is README's code.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

section=$(awk '/^## Library quickstart/{on=1; next} /^## /{on=0} on' README.md)
deps=$(printf '%s\n' "$section" | awk '/^```toml/{on=1; next} /^```/{on=0} on')
code=$(printf '%s\n' "$section" | awk '/^```rust/{on=1; next} /^```/{on=0} on' | grep -v '^# Ok::')
[ -n "$deps" ] && [ -n "$code" ] || { echo "README quickstart not found" >&2; exit 1; }

mkdir -p "$scratch/src"
cat > "$scratch/Cargo.toml" <<TOML
[package]
name = "readme-quickstart"
version = "0.0.0"
edition = "2024"
publish = false

$deps

[patch.crates-io]
fundsgate = { path = "$repo" }
TOML
{
  echo 'fn main() -> Result<(), Box<dyn std::error::Error>> {'
  printf '%s\n' "$code"
  echo '    Ok(())'
  echo '}'
} > "$scratch/src/main.rs"
echo "--- $scratch/Cargo.toml"; cat "$scratch/Cargo.toml"
CARGO_TARGET_DIR="$repo/target/readme-quickstart" cargo run --quiet --manifest-path "$scratch/Cargo.toml"
