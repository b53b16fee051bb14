/*
 * Built-in services: what answers behind an open port inside the engine.
 *
 * The stack owns the connection; a service sees it as an opaque flow and
 * gets three callbacks.  All are called from inside stack_input or
 * stack_timers, so a service never blocks and never does I/O of its own:
 * it answers with vconn_send and ends with vconn_close.
 *
 *	on_open		the TCP handshake completed, or the first UDP datagram
 *			arrived (before its on_data).  *state is the
 *			service's, NULL on entry.  -1 resets the flow.
 *	on_data		in-order bytes from the peer (one datagram for UDP).
 *			-1 resets the flow.
 *	on_close	the peer closed (TCP FIN) or the flow ends for any
 *			reason; free state here.  No callback follows.
 *
 * vconn_send queues bytes (TCP: the stack segments, windows and
 * retransmits them; UDP: one datagram back to the peer).  The send buffer
 * is bounded; -1 when it is full.  vconn_close sends FIN after what is
 * queued (TCP); a UDP flow has no close and ends when idle.  Both may
 * be called from any callback, including on_close for a final word after
 * the peer's FIN.
 */
#ifndef DIAS_VSERVICE_H
#define DIAS_VSERVICE_H

#include <stddef.h>
#include <stdint.h>

struct flow;
struct event_tuple;

struct vservice {
	const char	*name;
	int		(*on_open)(struct flow *, void **state);
	int		(*on_data)(struct flow *, void *state, const uint8_t *,
			    size_t);
	void		(*on_close)(struct flow *, void *state);
};

struct event;
struct personality;
struct buf;

int		 vconn_send(struct flow *, const void *, size_t);
void		 vconn_close(struct flow *);
uint64_t	 vconn_id(const struct flow *);
void		 vconn_tuple(const struct flow *, struct event_tuple *);

/*
 * Who the service is pretending to be.  vconn_template is the template's
 * name ("winxp", or an address for a per-address copy); vconn_os is the
 * template's personality string as configured ("Microsoft Windows XP
 * Professional SP1"), or the built-in profile's pattern when none was
 * set; services pick their flavour (Server header, sysDescr, banner) by
 * matching it.  vconn_uptime_ms is the host's uptime now.  All valid
 * while the flow is.
 */
const char	*vconn_template(const struct flow *);
const char	*vconn_os(const struct flow *);
const struct personality *vconn_personality(const struct flow *);
uint64_t	 vconn_uptime_ms(const struct flow *);
/* The host's name as its services tell it (NetBIOS, SQL Server,
 * sysName): the template's name with anything but letters, digits and
 * '-' made '-', cut to cap - 1, upper case if asked.  Its length. */
size_t		 vconn_hostname(const struct flow *, char *, size_t cap,
		    int upper);
/* The service's configuration: the action's words after the service's
 * name (add T tcp port 21 internal "banner-record 220 ready"), or NULL. */
const char	*vconn_arg(const struct flow *);
/* Our end of the flow: the virtual host's MAC and address. */
void		 vconn_local(const struct flow *, uint8_t mac[6],
		    uint8_t ip[16], int *af);
/* The sensor's own monotonic clock, µs (the stack's fake one in tests). */
uint64_t	 vconn_now_us(const struct flow *);
/* The wall clock, µs since the epoch, as events are stamped (SMB's
 * system time, NTLM's timestamp). */
uint64_t	 vconn_wallclock_us(const struct flow *);
/* Unpredictable bytes from the stack's PRNG (challenges, salts). */
void		 vconn_random(struct flow *, void *, size_t);

/* vconn_send of a string, and of a formatted answer (at most 1024 bytes). */
int		 vconn_puts(struct flow *, const char *);
int		 vconn_printf(struct flow *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * The flavour for the template's OS: table holds n entries of size
 * bytes, each beginning with a `const char *` fnmatch pattern matched
 * case-folded against vconn_os; the first match, or the last entry
 * (which should be "*").
 */
const void	*vconn_flavour(const struct flow *, const void *table,
		    size_t n, size_t size);

/*
 * Line-oriented protocols (FTP, SMTP): stream bytes are gathered in in
 * (its max is the longest line kept) and every complete line, its LF and
 * any CR before it cut off, goes to fn.  A longer line reaches fn cut to
 * in's max with toolong set, and the rest of it up to its LF is skipped
 * (*skip says so between calls).  fn returns 0 to go on, 1 to stop
 * reading this call's bytes (the service closed), -1 to reset the flow;
 * vconn_lines returns -1 for -1, else 0.
 */
typedef int	(*vconn_line_fn)(struct flow *, void *arg, const uint8_t *,
		    size_t, int toolong);
int		 vconn_lines(struct flow *, struct buf *in, uint8_t *skip,
		    const uint8_t *, size_t, vconn_line_fn, void *arg);
/* Is the word w (n bytes) s, or does it begin with s, case-folded? */
int		 vconn_word_eq(const uint8_t *w, size_t n, const char *s);
int		 vconn_prefix_eq(const uint8_t *w, size_t n, const char *s);

/*
 * Service events: the parsed facts, never raw bytes (the stack records
 * those as payload events).
 *
 *	struct event ev;
 *	vconn_event_init(f, &ev, NULL, "request");
 *	vconn_field(f, &ev, "method", m, mlen);
 *	vconn_fieldf(f, &ev, "dst_port", "%u", port);
 *	vconn_event_emit(f, &ev);
 *
 * service NULL is the flow's own service name.  Field values are copied
 * (attacker bytes are made valid UTF-8 and cut to EVENT_VALUE_MAX); a
 * field past EVENT_FIELDS_MAX or with a duplicate key is dropped and
 * counted (service_fields_dropped), never an error for the service.
 * vconn_event_emit hands the event on and clears it; so does
 * vconn_event_discard without emitting.
 */
void		 vconn_event_init(struct flow *, struct event *,
		    const char *service, const char *type);
void		 vconn_field(struct flow *, struct event *, const char *key,
		    const void *, size_t);
void		 vconn_fieldf(struct flow *, struct event *, const char *key,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
void		 vconn_event_emit(struct flow *, struct event *);
void		 vconn_event_discard(struct event *);
/* One event of string pairs: kv[0]=kv[1], kv[2]=kv[3] ... (nkv pairs). */
void		 vconn_service_event(struct flow *, const char *service,
		    const char *type, const char *const *kv, size_t nkv);

/*
 * Hand over a file the attacker transferred (an HTTP body, a worm's
 * push).  The stack emits an upload event (name, size, sha256) and passes
 * the bytes, borrowed for the call, to stack_io.upload.  name is the
 * attacker's, cut to EVENT_TEXT_MAX.  -1 if len is 0 or over
 * VSERVICE_UPLOAD_MAX.
 */
#define VSERVICE_UPLOAD_MAX	(1024 * 1024)
int		 vconn_upload(struct flow *, const char *name, const uint8_t *,
		    size_t);

/*
 * A second connection from the same peer (FTP passive mode).  The sensor
 * never connects out, so a service that needs a data channel names a
 * port on our own address and waits: vconn_expect picks a port in
 * [lo, hi] that the template does not configure and no one else expects,
 * and returns it (0: none free, or the table is full: counted).  The
 * peer's first SYN to it within VSERVICE_EXPECT_MS is accepted whatever
 * the template says about the port, and served by svc.  One expectation
 * per flow: asking again replaces the last.  Once it arrives the two
 * flows are partners: vconn_partner gives each the other while both live
 * (NULL once either ends), vconn_state a flow's state if it runs svc.
 */
#define VSERVICE_EXPECT_MS	30000
uint16_t	 vconn_expect(struct flow *, const struct vservice *svc,
		    uint16_t lo, uint16_t hi);
struct flow	*vconn_partner(const struct flow *);
void		*vconn_state(const struct flow *, const struct vservice *);

/*
 * The byte budget: everything a service holds for one flow (its state
 * and its buffers) is charged here, so no peer can drive a service to
 * allocate without end.  vconn_alloc is calloc charged to the flow, and
 * vconn_free gives it back (size as allocated).  vconn_buf_init charges
 * a buf's maximum up front: its growth is then already paid for.  Past
 * the budget they fail (NULL, -1) and the refusal is counted
 * (service_budget); the service then answers as a busy server would or
 * returns -1.  All flows together are held to VSERVICE_TOTAL, so many
 * peers at once cannot either.  Whatever is still charged when the flow ends is a service
 * bug: it is counted (service_leaks), not freed.
 */
#define VSERVICE_BUDGET		(2 * 1024 * 1024)
#define VSERVICE_TOTAL		((size_t)256 * 1024 * 1024)
void		*vconn_alloc(struct flow *, size_t);
void		 vconn_free(struct flow *, void *, size_t);
int		 vconn_buf_init(struct flow *, struct buf *, size_t max);
void		 vconn_buf_free(struct flow *, struct buf *);
size_t		 vconn_budget_left(const struct flow *);

/* A built-in service by name ("echo", "http", "socks" ...), or NULL;
 * only the first word of name counts. */
const struct vservice *vservice_find(const char *name);

/* Every service file's table entry (sensor/services/<name>.c). */
extern const struct vservice vservice_http;
extern const struct vservice vservice_http_proxy;
extern const struct vservice vservice_socks;
extern const struct vservice vservice_mydoom;
extern const struct vservice vservice_bagle;
extern const struct vservice vservice_dns;
extern const struct vservice vservice_snmp;
extern const struct vservice vservice_nbns;
extern const struct vservice vservice_smb;
extern const struct vservice vservice_netbios_ssn;
extern const struct vservice vservice_msrpc;
extern const struct vservice vservice_mssql;
extern const struct vservice vservice_record;
extern const struct vservice vservice_banner_record;
extern const struct vservice vservice_ftp;
/* Not configurable: the data connections vconn_expect routes. */
extern const struct vservice vservice_ftp_data;
extern const struct vservice vservice_telnet;
extern const struct vservice vservice_login;
extern const struct vservice vservice_smtp;
extern const struct vservice vservice_ssh;
/* A service command (vscript.c); never found by name. */
extern const struct vservice vservice_script;

#endif
