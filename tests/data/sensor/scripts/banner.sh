#!/bin/sh
# A honeyd-style service script (tests/net/sensor_scripts.sh): a banner
# made from honeyd's environment, then "250 ok" for every line until QUIT;
# what it sees goes to stderr, as honeyd scripts log.
echo "220 $HONEYD_TEMPLATE_NAME ESMTP ready at $1:$HONEYD_DST_PORT"
echo "connection from $HONEYD_IP_SRC:$HONEYD_SRC_PORT personality $HONEYD_PERSONALITY" >&2
while read -r line; do
	line=$(printf '%s' "$line" | tr -d '\r')
	echo "250 ok: $line"
	echo "command: $line" >&2
	[ "$line" = QUIT ] && exit 0
done
echo "peer closed" >&2
