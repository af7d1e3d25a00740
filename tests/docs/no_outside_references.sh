#!/usr/bin/env bash
# Fails when a file of the repository cites a document its users do not have: the developers' design notes
# (by name, by folder or by their section numbers), a path on the developers' machine, or an upper-case
# *.md file (README.md, CHANGELOG.md, ...) that is not in the repository. Users get docs/ and nothing else.
#
#   tests/docs/no_outside_references.sh SOURCE_DIR
set -euo pipefail
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/repo_files.sh"
cd "$1"

# This folder names what it forbids, so it is the one place exempt.
mapfile -t files < <(repo_files | grep -v '^tests/docs/')
status=0

forbidden='/work/|shared/(design|research)|(INTERFACE|ARCHITECTURE|NOTES|STYLE)\.md|peers\.md|checkpoint-anchors|abi-and-style|research ?(§|/)|§ ?[0-9]'
if grep -nIE -- "$forbidden" "${files[@]}"; then
  echo "^ these lines cite documents outside the repository; say it in the comment itself or point at docs/"
  status=1
fi

known=$(printf '%s\n' "${files[@]}" | sed 's|.*/||' | sort -u)
while IFS=: read -r file line name; do
  if ! grep -qxF -- "$name" <<<"$known"; then
    echo "$file:$line: cites $name, which is not a file of the repository"
    status=1
  fi
done < <(grep -HnoIE -- '\b[A-Z][A-Z0-9_-]*\.md\b' "${files[@]}" || true)

exit "$status"
