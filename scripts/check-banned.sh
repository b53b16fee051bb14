#!/bin/sh
# Fail when our C sources call sprintf, strcpy, strcat, strtok, atoi or gets.
top=${1:-.}
hits=$(grep -rnE '\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|gets)[[:space:]]*\(' \
	--include='*.c' --include='*.h' --include='*.y' --include='*.l' \
	"$top/lib" "$top/net" "$top/sensor" "$top/server" "$top/ctl" "$top/enforcer" "$top/tests" "$top/bench" 2>/dev/null)
if [ -n "$hits" ]; then
	echo "banned string functions (use snprintf, strlcpy, strtonum):" >&2
	echo "$hits" >&2
	exit 1
fi
exit 0
