/*
 * dias-sensor's processes and the messages between them (DESIGN.md §3).
 *
 *	parent (root) ---- engine ---- shipper ---- capture ---- parent
 *
 * Each line is a socketpair carrying lib/msg messages.  The parent owns
 * the process table (parent.c); each role lives in its own file and
 * starts from its proc_main with its channels in a struct proc_chan.
 * Every payload is a fixed struct or a text line, checked on receipt as
 * if an attacker had written it.
 */
#ifndef DIAS_PROC_H
#define DIAS_PROC_H

#include <stdint.h>

#include "addr.h"
#include "sandbox.h"

struct conf;

enum proc_id {
	PROC_PARENT,
	PROC_ENGINE,
	PROC_CAPTURE,
	PROC_SHIPPER,
	PROC_MAX
};

/* Message types. */
enum {
	/* parent -> engine, capture */
	MSG_RING = 1,		/* struct msg_ring + the AF_PACKET fd */
	MSG_START,		/* all rings sent: start the loop */
	MSG_NEIGH,		/* struct msg_neigh (engine only) */
	MSG_STATS,		/* dump counters (SIGUSR1) */
	MSG_HLOG,		/* the honeyd-style log's fd (engine only,
				   before MSG_START; no payload) */
	/* engine -> shipper */
	MSG_EVENT,		/* event_encode lines, each ending in '\n' */
	/* capture -> shipper */
	MSG_CAPTURE_CLOSED,	/* struct msg_capture + the file, O_RDONLY */
	/* engine -> shipper */
	MSG_UPLOAD,		/* struct msg_upload + up to MSG_UPLOAD_CHUNK
				   bytes of a file an attacker sent */
	/* engine -> parent: service commands (vscript.h) */
	MSG_SCRIPT_RUN,		/* struct msg_script_run */
	MSG_SCRIPT_END,		/* struct msg_script_ref: the flow is gone */
	/* parent -> engine */
	MSG_SCRIPT_IO,		/* struct msg_script_ref + its stdin/stdout */
	MSG_SCRIPT_ERR,		/* struct msg_script_ref + its stderr */
	MSG_SCRIPT_EXIT,	/* struct msg_script_exit */
	/* shipper -> capture */
	MSG_CAPTURE_SHIPPED,	/* struct msg_capture (name only): the
				   server has it; capture deletes it */
};

/*
 * Run service command index (vscript_table) for flow conn.  The rest is
 * what honeyd puts in the command's environment; the parent checks every
 * field, as it would an attacker's.
 */
struct msg_script_run {
	uint64_t	 conn;
	uint32_t	 index;
	uint8_t		 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	struct addr	 src, dst;	/* the peer's, the virtual host's */
	uint16_t	 sport, dport;
	uint64_t	 uptime_s;	/* the virtual host's */
	char		 template[64];
	char		 personality[128];
	char		 ifname[16];
};

struct msg_script_ref {
	uint64_t	 conn;
};

/* How a command ended, or why it never ran. */
enum {
	SCRIPT_EXITED = 1,	/* by itself (status) */
	SCRIPT_KILLED_TIME,	/* past limit script-time */
	SCRIPT_KILLED_CPU,	/* past limit script-cpu (RLIMIT_CPU) */
	SCRIPT_KILLED_CLOSED,	/* its flow ended first */
	SCRIPT_REFUSED_LIMIT,	/* limit scripts reached: not run */
	SCRIPT_FAILED,		/* fork or socketpair failed: not run */
};
struct msg_script_exit {
	uint64_t	 conn;
	uint32_t	 reason;	/* SCRIPT_* */
	int32_t		 status;	/* wait(2) status; 0 if not run */
	uint64_t	 wall_ms;
};

/*
 * A file a service received, in chunks sent back to back in order; the
 * shipper stores it as uploads/<sha256> once every byte arrived and the
 * digest matches.  Its upload event travels separately (MSG_EVENT).
 */
#define MSG_UPLOAD_CHUNK	(128 * 1024)
#define MSG_UPLOAD_MAX		(16 * 1024 * 1024)
struct msg_upload {
	uint8_t		 sha256[32];
	uint64_t	 size;		/* of the whole file, >= 1 */
	uint64_t	 offset;	/* of this chunk's first byte */
};

/* Geometry of a TPACKET_V3 ring the parent set up on a passed socket. */
struct ring_geom {
	uint32_t	 block_size;
	uint32_t	 block_nr;
	uint32_t	 frame_size;
	uint32_t	 retire_ms;
};

#define PROC_IFACE_ADDRS	16
struct msg_ring {
	int		 ifindex;
	char		 ifname[16];
	uint8_t		 mac[6];
	struct addr	 addrs[PROC_IFACE_ADDRS];	/* the sensor's own */
	uint32_t	 naddrs;
	struct ring_geom geom;
};

/* An address the host's kernel sees in use (its neighbour table). */
struct msg_neigh {
	int		 ifindex;
	struct addr	 addr;
	uint8_t		 mac[6];
};

/*
 * A capture file closed and renamed into place in capture_dir.  The
 * shipper reads it through the descriptor that comes with the message
 * (it cannot see capture_dir) and answers MSG_CAPTURE_SHIPPED once the
 * server confirmed it; files still there at start are announced again.
 */
struct msg_capture {
	char		 name[128];	/* relative to capture_dir */
	uint64_t	 size;
	uint64_t	 packets;
	int64_t		 first_us, last_us;
};

/*
 * One process's view of the world after the fork: the fd to talk to each
 * peer, or -1 where it has none.  chan[PROC_PARENT] is the channel to the
 * parent in every child.
 */
struct proc_chan {
	int		 fd[PROC_MAX];
};

struct proc_env {
	const struct conf	*conf;
	struct proc_chan	 chan;
	struct sandbox_user	 user;
	char			 sensor[64];	/* name stamped on events */
	int			 verbose;
};

/* A role's entry point: never returns (exit status 0 when the parent
 * closed the channel, non-zero on error). */
typedef void	(*proc_main_fn)(const struct proc_env *)
		    __attribute__((noreturn));

struct proc {
	const char	*name;
	enum proc_id	 id;
	proc_main_fn	 main;
};

/* Child side of the common setup: jail (chroot dir, or NULL), then the
 * role's seccomp filter; fatal on failure. */
void	 proc_jail(const struct proc_env *, const char *dir,
	    enum sandbox_role);

#endif
