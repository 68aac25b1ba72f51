# Pass/fail counting shared by the integration tests' libraries (sourced,
# not run): ok / ko print a result line and count it; check runs a command
# and counts its outcome.
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "ok   $1"; }
ko()   { fail=$((fail + 1)); echo "FAIL $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else ko "$name"; fi; }
