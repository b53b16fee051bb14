/*
 * The parent's side of service commands (vscript.h): it forks and execs
 * them at the engine's request and hands the engine their descriptors.
 *
 * A command runs as
 *	/bin/sh -c COMMAND
 * with honeyd's $ipsrc $ipdst $sport $dport replaced in COMMAND, in its own
 * session (so a kill reaches its children), as the sensor's unprivileged
 * user, with stdin and stdout one end of a socketpair (stream for TCP,
 * datagram for UDP) and stderr a pipe, both passed to the engine, and
 * with honeyd's environment: HONEYD_IP_SRC, HONEYD_IP_DST,
 * HONEYD_SRC_PORT, HONEYD_DST_PORT, HONEYD_PERSONALITY,
 * HONEYD_TEMPLATE_NAME, HONEYD_INTERFACE, HONEYD_REBOOT_TIME (the virtual
 * host's boot, seconds since the epoch), and PATH.
 *
 * Limits: at most limits.scripts at once (the rest are refused and
 * counted), RLIMIT_CPU from limits.script_cpu, RLIMIT_AS 512M,
 * RLIMIT_FSIZE 16M, RLIMIT_NOFILE 64, RLIMIT_NPROC, no core files, and a
 * wall-clock limit (limits.script_time) after which the session is
 * killed.  The engine hears how each one ended (MSG_SCRIPT_EXIT).
 */
#ifndef DIAS_SCRIPT_H
#define DIAS_SCRIPT_H

#include <sys/types.h>

#include <stdint.h>

#include "buf.h"

struct conf;
struct event_base;
struct msg;
struct sandbox_user;
struct script_runner;
struct msg_script_run;
struct vscript_table;

struct script_runner *script_runner_new(struct event_base *,
		    const struct conf *, const struct sandbox_user *,
		    int fd_engine);
/* Kills every command still running; no message follows. */
void		 script_runner_free(struct script_runner *);
/* A message from the engine: MSG_SCRIPT_RUN or MSG_SCRIPT_END.  -1 for a
 * malformed one (a protocol error: the engine is not to be trusted). */
int		 script_dispatch(struct script_runner *, const struct msg *);
/* A child waitpid(2) returned: 1 if it was a command, else 0. */
int		 script_reaped(struct script_runner *, pid_t, int status);
/* Counters to the log (SIGUSR1). */
void		 script_stats(const struct script_runner *);

/*
 * What a MSG_SCRIPT_RUN asks for, checked and prepared, with no side
 * effect (the parent's parser of the engine's request; fuzz_script): the
 * command with honeyd's variables replaced by the request's addresses
 * and ports, and the environment, the engine's text made printable ASCII
 * or empty.  0, and the caller frees x with script_exec_free; or -1 with
 * errno EBADMSG (no such command, or a malformed request) or
 * ENAMETOOLONG (the command grew past SCRIPT_CMD_MAX), nothing to free.
 */
#define SCRIPT_CMD_MAX		8192
#define SCRIPT_ENV_MAX		16
#define SCRIPT_ENV_LEN		256
struct script_exec {
	struct buf	 cmd;		/* NUL-terminated */
	char		 env[SCRIPT_ENV_MAX][SCRIPT_ENV_LEN];
	char		*envp[SCRIPT_ENV_MAX + 1];
	size_t		 nenv;
};
int		 script_prepare(const struct vscript_table *,
		    const struct msg_script_run *, struct script_exec *);
void		 script_exec_free(struct script_exec *);

#endif
