# Sourced by the documentation checks: repo_files prints the repository's files, one path per line, relative
# to the current folder (the source tree). In a git checkout these are the tracked files plus new ones not
# ignored, so a check fails before a commit does; elsewhere (an unpacked archive) every file outside build
# folders and hidden folders.
repo_files() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard | while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done
  else
    find . -type f -not -path '*/.*/*' -not -path './build*' -not -path '*/build/*' | sed 's|^\./||'
  fi
}
