/*
 * The capture process (DESIGN.md §1 "packet capture", §3): unprivileged,
 * chrooted to capture_dir, seccomp'd without sockets.  It reads its own
 * TPACKET_V3 ring per interface (filter: ARP, the claimed and bound
 * ranges, the sensor's own addresses) and writes libpcap files, one per
 * interface per UTC day (or hour: "capture ... rotate hourly"), named
 *	<sensor>-<iface>-YYYYMMDD.pcap  or  <sensor>-<iface>-YYYYMMDDHH.pcap
 * "rotate size N" also starts the day's next file, <...>.1.pcap, .2 ...,
 * when one would pass N bytes.  A file is written as <name>.part, flushed
 * after every batch of frames and only ever between records (so a kill -9
 * leaves a file readers take whole), and renamed when it is closed: at
 * rotation, at exit, or, left by a killed run, at the next start.  "max"
 * caps one interface's files of a day (hour), earlier runs' included;
 * frames past it are dropped and counted until the next period.  Each
 * closed file is announced to the shipper (MSG_CAPTURE_CLOSED).  SIGUSR1
 * logs packets, files and drops per interface.
 *
 * For tests, DIAS_CAPTURE_CLOCK_OFFSET (seconds) moves the clock that
 * names, stamps and rotates the files, so that an hour or a day boundary
 * comes within seconds.
 */
#ifndef DIAS_CAPTURE_H
#define DIAS_CAPTURE_H

#include "proc.h"

__attribute__((noreturn)) void	capture_main(const struct proc_env *);

#endif
