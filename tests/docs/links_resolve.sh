#!/usr/bin/env bash
# Fails when a markdown link in the repository's documentation does not reach a file of the repository:
# every [text](target) outside code in every *.md file (README.md, docs/, the plugins' and samples' READMEs)
# must name an existing file or folder inside the source tree, and a #fragment must name a heading of the
# target (GitHub's anchors: lower case, punctuation dropped, spaces as hyphens, repeats numbered -1, -2).
# Links to other sites (http:, https:, mailto:) are not followed.
#
#   tests/docs/links_resolve.sh SOURCE_DIR
set -euo pipefail
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/repo_files.sh"
cd "$1"

# "<line>\t<target>" for each link of a markdown file, skipping fenced blocks and `code spans`.
links_of() {
  awk '/^[ \t]*```/ { fenced = !fenced; next }
       fenced { next }
       { text = $0; gsub(/`[^`]*`/, "", text)
         while (match(text, /\]\([^)[:space:]]+\)/)) {
           print NR "\t" substr(text, RSTART + 2, RLENGTH - 3)
           text = substr(text, RSTART + RLENGTH)
         } }' "$1"
}

# The anchors of a markdown file's headings, one per line.
anchors_of() {
  awk '/^[ \t]*```/ { fenced = !fenced; next }
       !fenced && /^#+[ \t]/ {
         slug = tolower($0); sub(/^#+[ \t]+/, "", slug); sub(/[ \t]+$/, "", slug)
         gsub(/[^a-z0-9 _-]/, "", slug); gsub(/ /, "-", slug)
         print (seen[slug]++ ? slug "-" (seen[slug] - 1) : slug)
       }' "$1"
}

# Sets `resolved` to the path relative to the source tree with "." and ".." folded; fails when ".." climbs
# out of it. Pure bash: a process per link is slow on a busy machine.
resolve_inside() {
  local -a parts=() out=()
  local part
  IFS=/ read -r -a parts <<<"$1"
  for part in "${parts[@]}"; do
    case "$part" in
      "" | .) ;;
      ..) [ "${#out[@]}" -gt 0 ] || return 1; unset 'out[${#out[@]}-1]' ;;
      *) out+=("$part") ;;
    esac
  done
  local IFS=/
  resolved="${out[*]}"
}

declare -A anchors  # file -> its anchors, newline-separated, read once
status=0
while IFS= read -r doc; do
  folder=.
  [[ "$doc" == */* ]] && folder=${doc%/*}
  while IFS=$'\t' read -r line target; do
    case "$target" in http:* | https:* | mailto:*) continue ;; esac
    path=${target%%#*}
    fragment=
    [[ "$target" == *"#"* ]] && fragment=${target#*#}
    if [ -z "$path" ]; then
      resolved=$doc
    elif ! resolve_inside "$folder/$path"; then
      echo "$doc:$line: link to $target leaves the repository"
      status=1
      continue
    fi
    if [ ! -e "${resolved:-.}" ]; then
      echo "$doc:$line: link to $target: no such file"
      status=1
    elif [ -n "$fragment" ]; then
      [ -n "${anchors[$resolved]+set}" ] || anchors[$resolved]=$(anchors_of "$resolved")
      if [[ $'\n'"${anchors[$resolved]}"$'\n' != *$'\n'"$fragment"$'\n'* ]]; then
        echo "$doc:$line: link to $target: no heading with that anchor in $resolved"
        status=1
      fi
    fi
  done < <(links_of "$doc")
done < <(repo_files | grep '\.md$')

exit "$status"
