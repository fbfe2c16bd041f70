#!/bin/sh
# Compares the rule tables in rules/README.md with the compiled packs.
# Usage: check-readme.sh RULES-LIST README
set -eu
list=$1
readme=$2
status=0
for pack in multi-tenant dedicated; do
	want=$(mktemp)
	got=$(mktemp)
	"$list" "$pack" >"$got"
	sed -n "/<!-- BEGIN rules $pack -->/,/<!-- END rules $pack -->/p" "$readme" |
		sed '1d;$d' >"$want"
	if [ ! -s "$want" ]; then
		echo "README has no 'BEGIN rules $pack' section"
		status=1
	elif ! diff -u "$want" "$got"; then
		echo "rules/README.md disagrees with the $pack pack (- README, + code)"
		status=1
	else
		echo "$pack: $(grep -c '^| [a-z]' "$got") rules agree"
	fi
	rm -f "$want" "$got"
done
exit $status
