/*
 * The capture process (DESIGN.md §1 "packet capture", §3): unprivileged,
 * chrooted to capture_dir, seccomp'd without sockets.  It reads its own
 * TPACKET_V3 ring per interface (filter: ARP, the claimed and bound
 * ranges, the sensor's own addresses) and writes libpcap files, one per
 * interface per day (or hour: "capture ... rotate hourly"), named
 *	<iface>-YYYYMMDD.pcap  or  <iface>-YYYYMMDD-HH.pcap	(UTC)
 * A file is written as <name>.part and renamed when it is closed, at
 * rotation, at exit, or when it reaches the "capture ... max" size; frames
 * past the cap are counted and dropped until the next period.  Each closed
 * file is announced to the shipper (MSG_CAPTURE_CLOSED).
 */
#ifndef DIAS_CAPTURE_H
#define DIAS_CAPTURE_H

#include "proc.h"

__attribute__((noreturn)) void	capture_main(const struct proc_env *);

#endif
