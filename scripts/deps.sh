#!/usr/bin/env bash
# Install every Debian (and npm) dependency DIAS needs to build, test and run
# its lab.  Idempotent and non-interactive; safe to run again at any time.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	exec sudo -E "$0" "$@"
fi

export DEBIAN_FRONTEND=noninteractive

# Build tool chain and libraries (DESIGN §6).
build_pkgs=(
	build-essential pkg-config cmake ninja-build bison flex
	clang llvm libclang-rt-14-dev
	libjansson-dev libcmocka-dev libpcap-dev libevent-dev
	libseccomp-dev libnftables-dev libgnutls28-dev libbsd-dev
	libmicrohttpd-dev libcurl4-gnutls-dev libsqlite3-dev libpq-dev
	libargon2-dev
)

# Servers and tools the server's tests start for real.
server_pkgs=(
	postgresql-15 postgresql-client-15 sqlite3 gnutls-bin curl openssl
)

# Real programs the lab and the tests drive.
lab_pkgs=(
	iproute2 nftables iputils-ping iputils-arping ndisc6
	tshark tcpdump nmap hping3 netcat-openbsd python3 python3-scapy
	procps psmisc curl snmp dnsutils bc smbclient
)

want=("${build_pkgs[@]}" "${lab_pkgs[@]}" "${server_pkgs[@]}")
missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	echo "deps: all ${#want[@]} packages present"
fi
