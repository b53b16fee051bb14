/*
 * honeyd's service commands (issue 4 item 2):
 *
 *	add windows tcp port 3127 "perl scripts/mydoom.pl -l /var/log/x"
 *
 * connects the flow to a command's stdin and stdout, as honeyd does.  The
 * engine cannot fork: the "script" service (vscript.c, in the stack) asks
 * through stack_io.script_open, the engine sends the parent the flow and
 * the command's index (never the command: the parent runs only what the
 * configuration says), the parent forks and execs it unprivileged and
 * limited (script.c) and passes the engine its socket and its stderr.
 * The engine pumps bytes between the socket and the flow.
 *
 * Both sides number the commands alike: vscript_table walks the
 * templates in order, each one's TCP then UDP ports, then its TCP and UDP
 * default actions, and numbers every command action it meets.
 */
#ifndef DIAS_VSCRIPT_H
#define DIAS_VSCRIPT_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct flow;
struct stack;

struct vscript_table;

struct vscript_table *vscript_table_new(const struct conf *);
void		 vscript_table_free(struct vscript_table *);
size_t		 vscript_table_count(const struct vscript_table *);
/* The command at index i (the conf's string), or NULL past the end. */
const char	*vscript_table_command(const struct vscript_table *, size_t);
/* The index of cmd, a pointer into the same conf: 0, or -1 if absent. */
int		 vscript_table_index(const struct vscript_table *,
		    const char *cmd, uint32_t *);

/*
 * The engine's side of a script flow.  A flow pointer the engine holds is
 * checked with vscript_flow before every use: it is the flow again only
 * while it is open and still has conn (pool slots are reused).  now_us is
 * the monotonic clock, as for stack_input.
 */
struct flow	*vscript_flow(struct stack *, struct flow *, uint64_t conn);
/* Bytes the flow can take now (TCP: room in its send buffer). */
size_t		 vscript_room(const struct flow *);
/* The command's output to the peer: 0, or -1 (not taken). */
int		 vscript_output(struct stack *, struct flow *, const uint8_t *,
		    size_t, uint64_t now_us);
/* The command closed its output: FIN after what is queued (TCP). */
void		 vscript_eof(struct stack *, struct flow *, uint64_t now_us);
/* The interface the flow came in on. */
int		 vscript_ifindex(const struct flow *);

#endif
