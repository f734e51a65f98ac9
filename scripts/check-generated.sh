#!/usr/bin/env bash
# Drift check (CI): the generated files of the built-in layouts must equal a fresh generation.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/generate.mjs --check
