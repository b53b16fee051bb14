# Shared by the sensor lab tests (tests/net/sensor_*.sh): sourced after
# common.sh.  Runs dias-sensor in the lab's sensor namespace with a config
# from tests/data/sensor/, its spool, capture and chroot in $lab_tmp.
#
#   sensor_start CONF [args]   start it in the foreground (-d -v); log in
#                              $sensor_log (one per run); waits until the
#                              engine runs
#   sensor_stop                SIGTERM, wait; sets $sensor_rc
#   sensor_child NAME          pid of the engine, capture or shipper
#   sensor_events              every event the sensor spooled, one line each
#
# DIAS_SENSOR overrides the binary (default $DIAS_BUILD/sensor/dias-sensor).

DIAS_SENSOR=${DIAS_SENSOR:-$DIAS_BUILD/sensor/dias-sensor}
# In a sanitizer build the children exit chrooted, without /proc, where
# LeakSanitizer cannot look at threads and fails the exit; ASan and UBSan
# errors still abort them.
export LSAN_OPTIONS=${LSAN_OPTIONS:-detect_leaks=0}
sensor_pid=
sensor_rc=

sensor_start() {
	local conf=$DIAS_SRC/tests/data/sensor/$1 i
	shift
	[ -x "$DIAS_SENSOR" ] || skip "$DIAS_SENSOR is not built"
	sensor_dir=$lab_tmp/sensor
	sensor_runs=$(( ${sensor_runs:-0} + 1 ))
	sensor_log=$lab_tmp/sensor.$sensor_runs.log
	mkdir -p "$sensor_dir"
	: >"$sensor_log"
	on sensor "$DIAS_SENSOR" -d -v -D dir="$sensor_dir" -f "$conf" "$@" \
	    >"$sensor_log" 2>&1 &
	sensor_pid=$!
	lab_pids="${lab_pids:-} $sensor_pid"
	for i in $(seq 1 50); do
		grep -q "parent: started:" "$sensor_log" && break
		if ! kill -0 "$sensor_pid" 2>/dev/null; then
			if grep -q "not implemented yet" "$sensor_log"; then
				skip "dias-sensor does not run the processes yet (parent_main not wired into sensor.c)"
			fi
			echo "dias-sensor did not start:"; cat "$sensor_log"
			return 1
		fi
		sleep 0.1
	done
	# The engine says so once it has its rings.
	for i in $(seq 1 50); do
		grep -q "engine: running" "$sensor_log" && return 0
		sleep 0.1
	done
	echo "the engine did not start:"; cat "$sensor_log"
	return 1
}

# Pids from the parent's "started:" line: sensor_pidof parent|engine|
# capture|shipper.  ($sensor_pid is the lab.sh wrapper, not the sensor.)
sensor_pidof() {
	local pat
	case "$1" in
	parent)  pat='s/.*parent: started: parent \([0-9]*\),.*/\1/p' ;;
	*)       pat="s/.*parent: started: .* $1 \\([0-9]*\\).*/\\1/p" ;;
	esac
	sed -n "$pat" "$sensor_log" | head -1
}

# SIGTERM the sensor and wait for it; $sensor_rc is its exit status.
sensor_stop() {
	local pid
	pid=$(sensor_pidof parent)
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	sensor_wait
}

# Wait (at most 10 s) for the sensor to exit by itself.
sensor_wait() {
	local i
	for i in $(seq 1 100); do
		kill -0 "$sensor_pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$sensor_pid" 2>/dev/null
	sensor_rc=$?
	lab_pids=${lab_pids//$sensor_pid/}
}

# What the sensor's eth0 sends, into $lab_tmp/out.pcap from now on.
sensor_capture_out() {
	on sensor tcpdump -q -n -i eth0 -Q out -w "$lab_tmp/out.pcap" -U 2>/dev/null &
	lab_pids="${lab_pids:-} $!"
}

# After sensor_stop: the captures (all of $lab_pids) end and are flushed.
sensor_captures_end() {
	sleep 0.3
	kill $lab_pids 2>/dev/null
	wait 2>/dev/null
	lab_pids=
}

# The sensor never starts a TCP conversation: no bare SYN in out.pcap.
sensor_check_no_syn_out() {
	local n
	n=$(tshark -r "$lab_tmp/out.pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' 2>/dev/null | wc -l)
	[ "$n" -eq 0 ] && ok "egress: no SYN from the sensor" || fail "egress: $n SYNs from the sensor"
}

# Service events as "service type key=value ..." lines, one per event.
sensor_service_lines() {
	sensor_events | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if e["kind"] == "service":
        f = " ".join("%s=%s" % (k, v) for k, v in e.get("fields", {}).items())
        print(e["service"], e["type"], f)
'
}

# Exported: tests run sensor_events in `sh -c "$(declare -f sensor_events)"`.
export SPOOL_CAT=$DIAS_SRC/tests/net/lib/spool-cat.py
sensor_events() {
	"$SPOOL_CAT" "$sensor_dir/spool" 2>/dev/null
}
spool_grep() {
	sensor_events | grep "$@"
}
