#!/usr/bin/env bash
# Checks that every tracked C++ source is formatted as .clang-format says
# (Debian 12's clang-format-14). Run with --fix to format them.
# Exits non-zero naming the files that differ.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# One version, so that the check means the same everywhere.
format=clang-format-14
if ! command -v "$format" >/dev/null; then
  echo "check-format: $format is missing; run scripts/install-deps.sh" >&2
  exit 1
fi
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.cu')
if [ "${1:-}" = "--fix" ]; then
  "$format" -i --style=file "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  if ! "$format" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
    bad+=("$f")
  fi
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "check-format: ${#bad[@]} of ${#files[@]} files differ from $("$format" --version | head -1):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "check-format: run scripts/check-format.sh --fix" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted ($("$format" --version | head -1))"
