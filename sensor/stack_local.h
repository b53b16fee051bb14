/*
 * The stack's insides, shared by its modules (stack.c, flow.c, claim.c,
 * vhost.c, vtcp.c, vudp.c, vicmp.c, vservice.c) and nobody else.
 */
#ifndef DIAS_STACK_LOCAL_H
#define DIAS_STACK_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"
#include "conf.h"
#include "event.h"
#include "net.h"
#include "personality.h"
#include "stack.h"
#include "vscript.h"
#include "vservice.h"

/*
 * Counters, in the order stack_counters() reports them.  Gauges are
 * marked; everything else only grows.
 */
#define STACK_COUNTERS(X)						\
	X(FRAMES_IN, "frames_in")					\
	X(FRAMES_OUTGOING, "frames_outgoing")				\
	X(FRAMES_NOT_OURS, "frames_not_ours")				\
	X(FRAMES_MALFORMED, "frames_malformed")				\
	X(FRAMES_BAD_CKSUM, "frames_bad_cksum")				\
	X(FRAMES_FRAGMENT, "frames_fragment")				\
	X(FRAG_REASSEMBLED, "frag_reassembled")				\
	X(FRAG_DROPPED, "frag_dropped")				\
	X(FRAMES_ANSWERED, "frames_answered")				\
	X(FRAMES_OUT, "frames_out")					\
	X(SEND_ERRORS, "send_errors")					\
	X(ANOMALIES, "anomalies")					\
	X(ARP_REQUESTS, "arp_requests")					\
	X(ARP_MALFORMED, "arp_malformed")				\
	X(ARP_REPLIES, "arp_replies")					\
	X(NDP_SOLICITS, "ndp_solicits")					\
	X(NDP_ADVERTS, "ndp_adverts")					\
	X(CLAIM_PROBES, "claim_probes")					\
	X(CLAIMS, "claims")						\
	X(CLAIM_RELEASES, "claim_releases")				\
	X(CLAIM_REFUSALS, "claim_refusals")				\
	X(CLAIMS_ACTIVE, "claims_active") /* gauge */			\
	X(CLAIM_TABLE_FULL, "claim_table_full")				\
	X(BOUND_CONFLICTS, "bound_conflicts")				\
	X(FLOWS_ACTIVE, "flows_active") /* gauge */			\
	X(FLOWS, "flows")						\
	X(FLOWS_EVICTED, "flows_evicted")				\
	X(FLOWS_RATE_LIMITED, "flows_rate_limited")			\
	X(FLOWS_NO_TEMPLATE, "flows_no_template")			\
	X(TCP_SYNACKS, "tcp_synacks")					\
	X(TCP_RSTS, "tcp_rsts")						\
	X(TCP_ESTABLISHED, "tcp_established")				\
	X(TCP_RETRANSMITS, "tcp_retransmits")				\
	X(TCP_TIMEOUTS, "tcp_timeouts")					\
	X(TCP_SYN_RST_DROPPED, "tcp_syn_rst_dropped")			\
	X(TCP_ODD_PROBES, "tcp_odd_probes")				\
	X(TCP_CHALLENGE_ACKS, "tcp_challenge_acks")			\
	X(TCP_OOO_QUEUED, "tcp_ooo_queued")				\
	X(TCP_OOO_DROPPED, "tcp_ooo_dropped")				\
	X(TCP_SEND_FULL, "tcp_send_full")				\
	X(UDP_DATAGRAMS, "udp_datagrams")				\
	X(UDP_UNREACH, "udp_unreach")					\
	X(UDP_UNREACH_LIMITED, "udp_unreach_limited")			\
	X(ICMP_ECHO_REPLIES, "icmp_echo_replies")			\
	X(ICMP_OTHER_REPLIES, "icmp_other_replies")			\
	X(ICMP_IGNORED, "icmp_ignored")					\
	X(PAYLOAD_BYTES, "payload_bytes")				\
	X(PAYLOAD_TRUNCATED, "payload_truncated")			\
	X(SERVICE_MISSING, "service_missing")				\
	X(SERVICE_EVENTS, "service_events")				\
	X(SERVICE_FIELDS_DROPPED, "service_fields_dropped")		\
	X(SERVICE_BUDGET, "service_budget")				\
	X(SERVICE_LEAKS, "service_leaks")				\
	X(UPLOADS, "uploads")						\
	X(EXPECTS, "expects")						\
	X(EXPECTS_MET, "expects_met")					\
	X(EXPECTS_FULL, "expects_full")					\
	X(UPLOAD_BYTES, "upload_bytes")					\
	X(EVENTS, "events")

enum stack_ctr {
#define CTR_ENUM(id, name)	CTR_##id,
	STACK_COUNTERS(CTR_ENUM)
#undef CTR_ENUM
	CTR_MAX
};

/* Limits, each logged at most once a minute when hit. */
enum stack_limit {
	LIMIT_CONNECTIONS,
	LIMIT_RATE,
	LIMIT_REASSEMBLY,
	LIMIT_CLAIMS,
	LIMIT_MAX
};

/* A timer lives inside its owner (first member), armed in the stack's
 * binary heap; hidx is the heap slot + 1, 0 when not armed. */
enum timer_kind { TIMER_FLOW = 1, TIMER_CLAIM };
struct timer {
	uint64_t	 due;
	uint32_t	 hidx;
	uint8_t		 kind;
};

/* Where a reply goes: the link and IP ends of a conversation. */
struct path {
	int		 ifindex;
	uint8_t		 af;
	uint8_t		 has_vlan;
	uint16_t	 tpid, tci;
	uint8_t		 our_mac[6], peer_mac[6];
	uint8_t		 our_ip[16], peer_ip[16];
};

/* One template's run-time state (shared by every address it answers). */
struct vhost {
	const struct template	*tmpl;
	struct personality	 pers;
	uint8_t			 oui[3];
	uint8_t			 has_oui;
	uint16_t		 ipid;
	uint32_t		 isn;
	uint64_t		 uptime_us;	/* at stack start */
	uint64_t		 unreach_tokens;	/* µs of credit */
	uint64_t		 unreach_at;
	char			 name[EVENT_TOKEN_MAX + 1];
};

/* TCP states, RFC 9293 §3.3.2 (LISTEN and CLOSED have no flow). */
enum tcp_state {
	TCPS_SYN_RCVD = 1,
	TCPS_ESTABLISHED,
	TCPS_CLOSE_WAIT,
	TCPS_LAST_ACK,
	TCPS_FIN_WAIT_1,
	TCPS_FIN_WAIT_2,
	TCPS_CLOSING,
	TCPS_TIME_WAIT
};

struct seg {
	struct seg	*next;
	uint32_t	 seq;
	uint32_t	 len;
	uint8_t		 fin;
	uint8_t		 data[];
};

struct tcb {
	uint8_t		 state;
	uint8_t		 snd_ws, rcv_ws;	/* shifts; 0: not agreed */
	uint8_t		 ts_ok, sack_ok, tarpit;
	uint8_t		 fin_wanted, fin_sent;
	uint8_t		 rtx;			/* retransmissions */
	uint8_t		 ka_sent;
	uint16_t	 mss;			/* we send at most */
	uint32_t	 iss, irs;
	uint32_t	 snd_una, snd_nxt, snd_wnd;
	uint32_t	 rcv_nxt;
	uint32_t	 ack_sent;		/* rcv_nxt last acked */
	uint32_t	 ts_recent;
	uint32_t	 rto_ms;
	uint64_t	 rtx_due;		/* 0: nothing outstanding */
	uint64_t	 tw_due;		/* TIME_WAIT ends */
	struct buf	 snd;			/* from snd_una on */
	struct seg	*ooo;			/* sorted by seq */
	uint32_t	 ooo_bytes;
};

/*
 * A conversation with a virtual host: a TCP connection, a UDP flow or an
 * ICMP exchange.  Flows live in one pool sized by limits.connections;
 * links are pool indices + 1 (0 = none).
 */
struct flow {
	struct timer	 tm;
	uint32_t	 hnext;
	uint32_t	 lprev, lnext;		/* LRU, head = least recent */
	uint8_t		 proto;			/* IPPROTO_* */
	uint8_t		 in_use, ended, flags_seen;
	uint16_t	 lport, pport;		/* ours, the peer's; ICMP: id,
						   type << 8 | code */
	uint8_t		 icmp_type, icmp_code;
	struct path	 path;
	struct stack	*stack;
	struct vhost	*vh;
	const struct vservice *svc;
	void		*svc_state;
	uint8_t		 svc_open;
	size_t		 svc_mem;		/* charged to VSERVICE_BUDGET */
	const char	*svc_arg;		/* the conf's, or NULL */
	uint32_t	 partner;		/* pool index + 1 of the flow
						   vconn_expect paired it with */
	uint64_t	 partner_conn;		/* ... while its conn is this */
	uint64_t	 conn;
	uint64_t	 first, last;
	uint64_t	 pkts_in, pkts_out, bytes_in, bytes_out;
	/* Payload recording per direction (0 in, 1 out). */
	uint64_t	 rec[2];		/* stream bytes seen */
	uint8_t		*chunk[2];
	uint32_t	 chunk_len[2];
	uint64_t	 chunk_off[2];
	struct tcb	 tcb;
};

enum claim_state {
	CLAIM_PROBING = 1,
	CLAIM_CLAIMED,
	CLAIM_INUSE		/* someone else has it: never claimed */
};

#define CLAIM_ASKERS	4

/* Who asked while we were probing: answered when the claim is made. */
struct claim_asker {
	uint8_t		 mac[6];
	uint8_t		 ip[16];
	uint16_t	 tci;
	uint8_t		 has_vlan;
};

struct claim {
	struct timer	 tm;
	struct claim	*next;
	struct claim_asker *asker;	/* CLAIM_ASKERS, while probing */
	struct addr	 addr;
	int		 ifindex;
	uint8_t		 state;
	uint8_t		 probes;
	uint8_t		 nasker;
	uint8_t		 has_vlan;	/* the first asker's tag, for probes */
	uint8_t		 refused;	/* INUSE: refusal reported */
	uint16_t	 tci;
	uint8_t		 mac[6];	/* ours for it */
	uint8_t		 owner[6];	/* INUSE: theirs */
	uint64_t	 since;
};

/*
 * A connection a service expects (vconn_expect: FTP passive mode): the
 * peer's next SYN to port on our address goes to svc, paired with the
 * flow that asked.  A slot is free when due has passed or the asking
 * flow is gone.
 */
#define STACK_EXPECTS	256
struct expect {
	uint64_t		 due;
	uint64_t		 conn;		/* the asking flow's */
	uint32_t		 flow;		/* its pool index + 1 */
	uint16_t		 port;
	uint8_t			 af;
	uint8_t			 our_ip[16], peer_ip[16];
	const struct vservice	*svc;
};

struct srcrate {
	struct addr	 src;
	uint64_t	 window;		/* second it counts */
	uint64_t	 n;
};

#define STACK_IFACES	8
#define FRAG_SLOTS	16	/* IPv4 datagrams being reassembled */
struct frag;
#define STACK_FRAME_MAX	2048

struct stack {
	const struct conf		*conf;
	const struct sensor_conf	*sc;
	struct stack_io			 io;
	uint64_t			 now, boot;
	uint64_t			 rng;
	uint64_t			 hseed;
	struct stack_iface		 ifaces[STACK_IFACES];
	size_t				 nifaces;

	struct flow			*flows;		/* pool */
	uint32_t			 nflows, maxflows, freelist, fresh;
	uint32_t			*buckets;	/* grown with nflows */
	uint32_t			 bmask, bmax;
	uint32_t			 lru_head, lru_tail;
	uint64_t			 next_conn;

	struct srcrate			*rates;
	uint32_t			 rmask;

	struct timer			**heap;
	size_t				 nheap, heapcap;

	struct claim			**claims;
	size_t				 nclaims, cmask;

	struct frag			*frags[FRAG_SLOTS];

	struct vhost			**vhosts;
	size_t				 nvhosts, vcap;

	size_t				 svc_mem;	/* all flows' */
	struct expect			 expects[STACK_EXPECTS];
	size_t				 nexpects;	/* slots ever used */
	struct vscript_table		*scripts;	/* or NULL */
	uint64_t			 ctr[CTR_MAX];
	uint64_t			 anom[ANOM_MAX];
	uint64_t			 limit_logged[LIMIT_MAX];
	uint8_t				 tx[STACK_FRAME_MAX];
};

#define CTR(s, c)	((s)->ctr[CTR_##c]++)

/* stack.c */
uint64_t	 stack_rand(struct stack *);
int		 stack_send(struct stack *, int ifindex, const uint8_t *,
		    size_t);
void		 stack_emit(struct stack *, struct event *);
const struct stack_iface *stack_iface(const struct stack *, int ifindex);
int		 stack_is_own(const struct stack *, const struct addr *);
void		 stack_limit_log(struct stack *, enum stack_limit);
/* The IP layer of a reply on path, with the vhost's TTL/IP ID; the
 * caller fills the upper layer and calls stack_output. */
void		 stack_out_ip(struct stack *, struct pkt *, const struct path *,
		    struct vhost *, uint8_t proto, int df, uint8_t ipid_class);
int		 stack_output(struct stack *, const struct pkt *,
		    const struct path *);
void		 stack_path(struct path *, int ifindex, const struct pkt *,
		    const uint8_t our_mac[6]);
void		 stack_addr_from(struct addr *, uint8_t af, const uint8_t *);

void		 stack_frame(struct stack *, int ifindex, const uint8_t *,
		    size_t, unsigned flags);

/* vfrag.c: IPv4 reassembly; complete datagrams go to stack_frame. */
void		 vfrag_input(struct stack *, int ifindex, const struct pkt *,
		    unsigned flags);
void		 vfrag_fini(struct stack *);

/* timers (flow.c) */
void		 stack_timer_set(struct stack *, struct timer *, uint64_t due);
void		 stack_timer_cancel(struct stack *, struct timer *);

/* flow.c */
int		 flow_init(struct stack *);
void		 flow_fini(struct stack *);
struct flow	*flow_lookup(struct stack *, uint8_t proto, const struct path *,
		    uint16_t lport, uint16_t pport);
/* Rate check, eviction, then a fresh flow (start event emitted). */
struct flow	*flow_create(struct stack *, uint8_t proto, const struct path *,
		    uint16_t lport, uint16_t pport, struct vhost *,
		    const struct vservice *);
/* The built-in service behind an accepting action, or NULL (counted). */
const struct vservice *flow_service_for(struct stack *,
		    const struct action *);
/* What follows the service's name in the action ("banner-record 220
 * ready" → "220 ready"), or NULL. */
const char	*flow_service_arg(const struct action *);
int		 flow_rate_ok(struct stack *, const struct addr *src);
void		 flow_touch(struct stack *, struct flow *);
/* End event with reason, service on_close, free. */
void		 flow_end(struct stack *, struct flow *, int reason);
/* End event now, keep the flow (TIME_WAIT). */
void		 flow_end_event(struct stack *, struct flow *, int reason);
void		 flow_free(struct stack *, struct flow *);
void		 flow_timer(struct stack *, struct flow *);
void		 flow_record(struct stack *, struct flow *, int dir,
		    const uint8_t *, size_t);
void		 flow_flush(struct stack *, struct flow *, int dir);
/* A start and end at once, for probes answered without state. */
void		 flow_oneshot(struct stack *, uint8_t proto,
		    const struct path *, uint16_t lport, uint16_t pport,
		    struct vhost *, uint8_t flags, size_t inbytes,
		    size_t outbytes, int outpkts, int reason);
void		 flow_service_open(struct stack *, struct flow *);
/* The flow at pool index i + 1 if it is still conn and not ended. */
struct flow	*flow_by_index(struct stack *, uint32_t idx, uint64_t conn);
uint32_t	 flow_index(struct stack *, const struct flow *);

/* vservice.c: a SYN to pa's our_ip:port that a service expects; its
 * service, and the asking flow's index and conn; 0 if none. */
int		 vservice_expected(struct stack *, const struct path *,
		    uint16_t port, const struct vservice **, uint32_t *idx,
		    uint64_t *conn);

/* vhost.c */
/* The template answering for dst (dynamic rules resolved against src and
 * proto), or NULL. */
const struct template *vhost_template(struct stack *, const struct addr *dst,
		    const struct addr *src, enum conf_proto);
struct vhost	*vhost_get(struct stack *, const struct template *);
void		 vhost_mac(struct stack *, const struct template *,
		    const struct addr *, int ifindex, uint8_t mac[6]);
void		 vhost_fini(struct stack *);
uint16_t	 vhost_ipid(struct stack *, struct vhost *, uint8_t cls);
uint32_t	 vhost_isn(struct stack *, struct vhost *);
uint32_t	 vhost_tsval(struct stack *, struct vhost *);
int		 vhost_unreach_ok(struct stack *, struct vhost *);

/* claim.c */
int		 claim_init(struct stack *);
void		 claim_fini(struct stack *);
void		 claim_arp(struct stack *, int ifindex, const struct pkt *);
void		 claim_ndp(struct stack *, int ifindex, const struct pkt *);
void		 claim_seen(struct stack *, int ifindex, const struct addr *,
		    const uint8_t mac[6], const char *why);
void		 claim_timer(struct stack *, struct claim *);
int		 stack_addr_special(const struct stack *, int ifindex,
		    const struct addr *);
/* 1 if IP traffic to a on ifindex may be answered (bound, or claimed). */
int		 claim_answers(struct stack *, int ifindex,
		    const struct addr *);

/* vtcp.c, vudp.c, vicmp.c */
void		 vtcp_input(struct stack *, const struct pkt *,
		    const struct path *, struct vhost *);
void		 vtcp_timer(struct stack *, struct flow *);
void		 vtcp_free(struct stack *, struct flow *);
int		 vtcp_send(struct stack *, struct flow *, const void *, size_t);
void		 vtcp_close(struct stack *, struct flow *);
void		 vudp_input(struct stack *, const struct pkt *,
		    const struct path *, struct vhost *);
int		 vudp_send(struct stack *, struct flow *, const void *, size_t);
void		 vicmp_input(struct stack *, const struct pkt *,
		    const struct path *, struct vhost *);
void		 vicmp6_input(struct stack *, const struct pkt *,
		    const struct path *, struct vhost *);
/* ICMP port unreachable for the datagram in p (vicmp.c). */
void		 vicmp_unreach(struct stack *, const struct pkt *,
		    const struct path *, struct vhost *);

#endif
