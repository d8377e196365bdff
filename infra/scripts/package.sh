#!/usr/bin/env bash
# Builds the Function App zip package from a built project, honouring .funcignore exactly as
# gitignore rules: git lists the files with .funcignore as its only exclude file, against an
# empty throw-away index, so tracked and untracked files are treated alike.
#
#   npm ci && npm run build      # dist/bundle/ (index.js and the chunks it imports) carries every dependency
#   infra/scripts/package.sh [out.zip]      # default: .azure/package/app.zip
#   infra/scripts/package.sh --list         # print the files that would be packaged
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
git init -q "$scratch/index"

list_files() {
  git --git-dir="$scratch/index/.git" --work-tree="$root" ls-files --others --exclude-from="$root/.funcignore" \
    | grep -v -e '^\.azure/' || true
}

if [[ "${1:-}" == "--list" ]]; then
  list_files
  exit 0
fi

out="${1:-$root/.azure/package/app.zip}"
case "$out" in /*) ;; *) out="$root/$out" ;; esac
if [[ ! -f dist/bundle/index.js ]]; then
  echo "dist/bundle/index.js is missing: run npm run build first" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
rm -f "$out"
list_files > "$scratch/files"
zip -q -X "$out" -@ < "$scratch/files"
echo "$out ($(wc -l < "$scratch/files") files)"
