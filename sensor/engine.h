/*
 * The engine process (DESIGN.md §3): unprivileged, chrooted to an empty
 * directory, under the tightest seccomp filter (no files, no sockets).
 * It owns the virtual-host stack (stack.h) and feeds it frames from the
 * TPACKET_V3 rings the parent passed, the kernel's neighbour entries the
 * parent forwards, and the clock.  Frames the stack sends go out on the
 * same rings' sockets; events it emits are stamped with wall-clock time
 * and sent to the shipper as event_encode lines (MSG_EVENT).  It decodes
 * nothing itself.
 */
#ifndef DIAS_ENGINE_H
#define DIAS_ENGINE_H

#include "proc.h"

__attribute__((noreturn)) void	engine_main(const struct proc_env *);

#endif
