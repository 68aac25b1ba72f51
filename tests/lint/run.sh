#!/usr/bin/env bash
# Static analysis of the whole tree (make lint; docs/quality.md):
#   - cppcheck (warning, performance, portability) over every C source:
#     common broker pmd vmd scheduler tools, then tests/unit and
#     tests/integration;
#   - clang-tidy, if installed, with clang-analyzer-* and bugprone-* (minus
#     the checks listed below, noisy for this code's idioms) over the
#     daemons' and the cores' sources (the same folders but tests).
# A finding fails the run unless it is listed, with its reason, in
# tests/lint/cppcheck.supp or tests/lint/tidy.supp (read and judged not a
# defect). Run after `make` (build/gen holds a generated include).
#   tests/lint/run.sh [--no-tidy]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../.." || exit 2
SRC="common broker pmd vmd scheduler tools"
fail=0
[ -d build/gen ] || { echo "lint: run make first (build/gen)"; exit 2; }
command -v cppcheck > /dev/null || { echo "lint: cppcheck not installed (tools/deps/quality.txt)"; exit 2; }

# shellcheck disable=SC2054  # the commas are cppcheck's
CPPCHECK=(cppcheck --enable=warning,performance,portability --inline-suppr -I common -I .
          -I build/gen -q --include="$HERE/cppcheck.h" --suppressions-list="$HERE/cppcheck.supp"
          --error-exitcode=1)
echo "cppcheck: $SRC"
# shellcheck disable=SC2086
"${CPPCHECK[@]}" $SRC || fail=1
echo "cppcheck: tests/unit tests/integration"
"${CPPCHECK[@]}" -I tests/unit tests/unit tests/integration || fail=1

# clang-tidy: idioms of this code that these checks flag everywhere —
# `!strcmp(a, b)`, `sizeof *p` of arrays of pointers, memcpy into binary
# (not string) buffers, intended same-bodied branches, declarations built by
# macros (a type cannot be parenthesised), the C11 Annex K advice on
# memcpy/snprintf, padding, malloc(0) guarded by the callers.
TIDY_CHECKS="clang-analyzer-*,bugprone-*,-bugprone-easily-swappable-parameters"
TIDY_CHECKS+=",-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition"
TIDY_CHECKS+=",-bugprone-implicit-widening-of-multiplication-result,-bugprone-reserved-identifier"
TIDY_CHECKS+=",-bugprone-suspicious-string-compare,-bugprone-sizeof-expression"
TIDY_CHECKS+=",-bugprone-not-null-terminated-result,-bugprone-branch-clone"
TIDY_CHECKS+=",-bugprone-macro-parentheses,-clang-analyzer-security.insecureAPI.*"
TIDY_CHECKS+=",-clang-analyzer-optin.performance.Padding,-clang-analyzer-optin.portability.UnixAPI"
if [ "${1:-}" = --no-tidy ]; then
    echo "clang-tidy: skipped (--no-tidy)"
elif ! command -v clang-tidy > /dev/null; then
    echo "clang-tidy: not installed, skipped (apt-get install clang-tidy)"
else
    echo "clang-tidy: $SRC"
    out=$(mktemp /tmp/xgc-lint.XXXXXX)
    # shellcheck disable=SC2086
    find $SRC -name '*.c' | sort | xargs -P "$(nproc)" -I{} \
        clang-tidy -quiet --checks="$TIDY_CHECKS" {} -- -std=gnu11 -I. -Icommon -Ibuild/gen \
        2> /dev/null | grep -E '^[^ ]+:[0-9]+:[0-9]+: warning: ' > "$out"
    n=0
    while IFS= read -r w; do
        file=${w%%:*}; file=${file#"$PWD"/}
        line=$(echo "$w" | cut -d: -f2)
        check=$(echo "$w" | sed -n 's/.*\[\([^]]*\)\]$/\1/p')
        text=$(sed -n "${line}p" "$file")
        known=0
        while read -r sf sc st; do
            [ "$sf" = "$file" ] && [ "$sc" = "$check" ] && [[ "$text" == *"$st"* ]] && known=1 && break
        done < <(grep -v '^#' "$HERE/tidy.supp" | grep -v '^$')
        [ $known = 1 ] && continue
        echo "${w#"$PWD"/}"; n=$((n + 1))
    done < <(sort -u "$out")
    rm -f "$out"
    [ $n = 0 ] || fail=1
fi
[ $fail = 0 ] && echo "lint: no finding" || echo "lint: findings above"
exit $fail
