#!/usr/bin/env bash
# Checks that every C, C++ and CUDA source follows .clang-format (GStreamer
# style). Generated and -dist files are skipped. Exit 1 lists offenders.
set -u
root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$root"
status=0
while IFS= read -r f; do
  if ! clang-format --style=file "$f" | cmp -s - "$f"; then
    echo "not formatted: $f (run: clang-format -i $f)"
    status=1
  fi
done < <(git ls-files -co --exclude-standard '*.c' '*.h' '*.cpp' '*.cu' \
           | grep -v -- '-dist\.[ch]$')
exit $status
