#!/usr/bin/env bash
# Fails when docs/extensions.md misses a standard extension class or one of its options: every class the
# built trainkit loads from its standard plugin folder needs a heading `<class>`, and every option that
# `trainkit plugins --describe <class>` lists must appear as a table row | `<option>` | in that class's
# section or in the part of its parent section before the class (options the LR shifts share).
#
#   tests/docs/extensions_documented.sh TRAINKIT_BINARY SOURCE_DIR
set -euo pipefail
trainkit=$1
doc=$2/docs/extensions.md
run() { env -u TRAINKIT_PLUGIN_PATH "$trainkit" "$@"; }

# The lines of doc that may document the options of class $1: its section, and its parent's text before it.
sections_of() {
  awk -v heading="\`$1\`" '
    /^[ \t]*```/ { fenced = !fenced }
    !fenced && /^#+[ \t]/ {
      level = match($0, /[^#]/) - 1
      title = substr($0, level + 1); sub(/^[ \t]+/, "", title); sub(/[ \t]+$/, "", title)
      if (inside && level <= mine) inside = 0
      for (l = level; l <= 6; ++l) since[l] = ""  # since[l]: the text since the last heading of level l
      if (title == heading) { inside = 1; mine = level; found = 1; printf "%s", since[level - 1] }
    }
    { for (l = 1; l <= 6; ++l) since[l] = since[l] $0 "\n" }
    inside { print }
    END { exit found ? 0 : 1 }' "$doc"
}

status=0
mapfile -t classes < <(run plugins | awk '/\.so / && !/refused:/ { for (i = 5; i <= NF; ++i) { gsub(/,/, "", $i); print $i } }')
if [ "${#classes[@]}" -eq 0 ]; then
  echo "$trainkit plugins lists no extension class"
  exit 1
fi
for cls in "${classes[@]}"; do
  if ! text=$(sections_of "$cls"); then
    echo "docs/extensions.md: no heading \`$cls\`"
    status=1
    continue
  fi
  while IFS= read -r option; do
    if ! grep -qF -- "| \`$option\` |" <<<"$text"; then
      echo "docs/extensions.md: \`$cls\` does not document its option \`$option\`"
      status=1
    fi
  done < <(run plugins --describe "$cls" | awk '/^  options/ { on = 1; next } on && /^    [^ (]/ { print $1 }')
done
exit "$status"
