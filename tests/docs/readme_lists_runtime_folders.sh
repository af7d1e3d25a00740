#!/usr/bin/env bash
# Fails when README.md's layout table misses a folder of runtime/: a reader finds a feature by its folder
# name, so every runtime/<name>/ that holds files must appear there as `runtime/<name>/`.
#
#   tests/docs/readme_lists_runtime_folders.sh SOURCE_DIR
set -euo pipefail
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/repo_files.sh"
cd "$1"
status=0
while IFS= read -r dir; do
  if ! grep -qF -- "\`$dir\`" README.md; then
    echo "README.md: the layout table does not list \`$dir\`"
    status=1
  fi
done < <(repo_files | grep -oE '^runtime/[^/]+/' | sort -u)
exit "$status"
