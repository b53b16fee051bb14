/*
 * The virtual hosts' TCP, RFC 9293 for a passive opener: LISTEN (no state
 * at all), SYN-RECEIVED, ESTABLISHED, the two close sequences and a short
 * TIME-WAIT; retransmission with exponential backoff (RFC 6298) and a
 * bounded number of tries; the peer's window and MSS honoured; in-order
 * delivery with a bounded out-of-order queue (limits.reassembly); RFC 5961
 * challenge ACKs; keepalive and idle timeouts (limits.idle_ms).  Segments
 * that are not a plain SYN to a port without a connection are nmap's
 * T2-T7 probes, answered as the personality says.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "stack_local.h"

#define SEQ_LT(a, b)	((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b)	((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)	((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b)	((int32_t)((a) - (b)) >= 0)

#define RTO_INIT_MS	1000	/* RFC 6298 §2.1 */
#define RTO_MAX_MS	60000
#define SYNACK_TRIES	5	/* Linux tcp_synack_retries */
#define DATA_TRIES	6
#define TIME_WAIT_US	(1000 * 1000)	/* short: ports never reused */
#define SNDBUF_MAX	(64 * 1024)
#define TARPIT_WIN	10	/* LaBrea's SYN/ACK window */
#define MSS_DEFAULT4	536	/* RFC 9293 §3.7.1 */
#define MSS_DEFAULT6	1220	/* RFC 8200 §5: 1280 less headers */

static void	tcp_arm(struct stack *, struct flow *);

/* The receive window we offer, in bytes. */
static uint32_t
rcv_wnd(const struct flow *f)
{
	if (f->tcb.tarpit)
		return 0;
	return f->vh->pers.win;
}

static uint16_t
wnd_field(const struct flow *f)
{
	uint32_t w = rcv_wnd(f) >> f->tcb.rcv_ws;

	return w > 65535 ? 65535 : (uint16_t)w;
}

/*
 * SYN/ACK options in the personality's order.  Options the peer did not
 * offer are left out, and so are the NOPs that pad them.
 */
static void
synack_opts(struct stack *s, struct flow *f, const struct pkt *syn,
    struct optlist *o)
{
	const struct personality *pe = &f->vh->pers;
	uint8_t b[8];
	size_t i, nops = 0;
	int want;

	for (i = 0; pe->opts[i] != '\0'; i++) {
		switch (pe->opts[i]) {
		case 'N':
			nops++;
			continue;
		case 'M':
			want = 1;
			break;
		case 'W':
			want = syn == NULL ? f->tcb.rcv_ws != 0 ||
			    f->tcb.snd_ws != 0 : syn->tcp.has_ws;
			break;
		case 'T':
			want = f->tcb.ts_ok;
			break;
		case 'S':
			want = f->tcb.sack_ok;
			break;
		case 'E':
			want = 1;
			break;
		default:
			want = 0;
		}
		if (want)
			for (; nops > 0; nops--)
				(void)opt_add(o, TCPOPT_NOP, NULL, 0);
		nops = 0;
		if (!want)
			continue;
		switch (pe->opts[i]) {
		case 'M':
			b[0] = pe->mss >> 8;
			b[1] = pe->mss & 0xff;
			(void)opt_add(o, TCPOPT_MSS, b, 2);
			break;
		case 'W':
			b[0] = pe->wscale;
			(void)opt_add(o, TCPOPT_WS, b, 1);
			break;
		case 'T': {
			uint32_t v = vhost_tsval(s, f->vh);

			b[0] = v >> 24;
			b[1] = (v >> 16) & 0xff;
			b[2] = (v >> 8) & 0xff;
			b[3] = v & 0xff;
			b[4] = f->tcb.ts_recent >> 24;
			b[5] = (f->tcb.ts_recent >> 16) & 0xff;
			b[6] = (f->tcb.ts_recent >> 8) & 0xff;
			b[7] = f->tcb.ts_recent & 0xff;
			(void)opt_add(o, TCPOPT_TS, b, 8);
			break;
		}
		case 'S':
			(void)opt_add(o, TCPOPT_SACKOK, NULL, 0);
			break;
		case 'E':
			(void)opt_add(o, TCPOPT_EOL, NULL, 0);
			break;
		}
	}
	for (; nops > 0; nops--)
		(void)opt_add(o, TCPOPT_NOP, NULL, 0);
}

static void
ts_opt(struct stack *s, struct flow *f, struct optlist *o)
{
	uint32_t v = vhost_tsval(s, f->vh);
	uint8_t b[8];

	b[0] = v >> 24;
	b[1] = (v >> 16) & 0xff;
	b[2] = (v >> 8) & 0xff;
	b[3] = v & 0xff;
	b[4] = f->tcb.ts_recent >> 24;
	b[5] = (f->tcb.ts_recent >> 16) & 0xff;
	b[6] = (f->tcb.ts_recent >> 8) & 0xff;
	b[7] = f->tcb.ts_recent & 0xff;
	(void)opt_add(o, TCPOPT_NOP, NULL, 0);
	(void)opt_add(o, TCPOPT_NOP, NULL, 0);
	(void)opt_add(o, TCPOPT_TS, b, 8);
}

/* One segment of a connection. */
static void
tcp_out(struct stack *s, struct flow *f, uint8_t flags, uint32_t seq,
    const uint8_t *data, size_t len, const struct pkt *syn)
{
	struct tcb *tc = &f->tcb;
	struct pkt p;

	stack_out_ip(s, &p, &f->path, f->vh, IPPROTO_TCP, f->vh->pers.df,
	    f->vh->pers.ipid_tcp);
	p.layers |= PKT_L_TCP;
	p.tcp.sport = f->lport;
	p.tcp.dport = f->pport;
	p.tcp.seq = seq;
	p.tcp.flags = flags;
	if (flags & TH_ACK) {
		p.tcp.ack = tc->rcv_nxt;
		tc->ack_sent = tc->rcv_nxt;
	}
	if (flags & TH_SYN) {
		p.tcp.win = tc->tarpit ? TARPIT_WIN : f->vh->pers.win_synack;
		synack_opts(s, f, syn, &p.tcp.opts);
	} else {
		p.tcp.win = (flags & TH_RST) ? 0 : wnd_field(f);
		if (tc->ts_ok && !(flags & TH_RST))
			ts_opt(s, f, &p.tcp.opts);
	}
	p.payload = data;
	p.payload_len = len;
	if (stack_output(s, &p, &f->path) == 0) {
		f->pkts_out++;
		f->bytes_out += len;
	}
}

/* An answer without a connection: nmap's T2-T7, and RFC 9293 resets. */
static void
tcp_probe_reply(struct stack *s, const struct pkt *in, const struct path *pa,
    struct vhost *vh, const struct pers_resp *r, uint8_t ipid_class)
{
	const struct pkt_tcp *th = &in->tcp;
	uint32_t seglen;
	struct pkt p;

	seglen = (uint32_t)in->payload_len + !!(th->flags & TH_SYN) +
	    !!(th->flags & TH_FIN);
	stack_out_ip(s, &p, pa, vh, IPPROTO_TCP, r->df, ipid_class);
	p.layers |= PKT_L_TCP;
	p.tcp.sport = th->dport;
	p.tcp.dport = th->sport;
	p.tcp.flags = r->flags;
	p.tcp.win = r->win;
	switch (r->seq) {
	case PSEQ_RFC:
		p.tcp.seq = (th->flags & TH_ACK) ? th->ack : 0;
		break;
	case PSEQ_ZERO:
		p.tcp.seq = 0;
		break;
	case PSEQ_ACK:
		p.tcp.seq = th->ack;
		break;
	case PSEQ_ACK1:
		p.tcp.seq = th->ack + 1;
		break;
	}
	if (r->flags & TH_ACK)
		switch (r->ack) {
		case PACK_RFC:
			p.tcp.ack = th->seq + seglen;
			break;
		case PACK_ZERO:
			p.tcp.ack = 0;
			break;
		case PACK_SEQ:
			p.tcp.ack = th->seq;
			break;
		case PACK_SEQ1:
			p.tcp.ack = th->seq + 1;
			break;
		}
	if (stack_output(s, &p, pa) == 0 && (r->flags & TH_RST))
		CTR(s, TCP_RSTS);
}

/* A reset for a segment of a connection we will not talk in. */
static void
tcp_rst_for(struct stack *s, const struct pkt *in, const struct path *pa,
    struct vhost *vh)
{
	static const struct pers_resp rfc = { 1, TH_RST, PSEQ_RFC, PACK_RFC,
	    0, 1 };
	struct pers_resp r = rfc;

	if (!(in->tcp.flags & TH_ACK))
		r.flags |= TH_ACK;
	r.df = vh->pers.df;
	tcp_probe_reply(s, in, pa, vh, &r, vh->pers.ipid_tcp);
}

/* Send what the window allows, then a FIN if one is due. */
static int
tcp_push(struct stack *s, struct flow *f)
{
	struct tcb *tc = &f->tcb;
	uint32_t off, usable, n;
	int sent = 0;

	if (tc->state == TCPS_SYN_RCVD || tc->state == TCPS_TIME_WAIT ||
	    tc->fin_sent)
		return 0;
	off = tc->snd_nxt - tc->snd_una;
	while (off < tc->snd.len) {
		usable = SEQ_GT(tc->snd_una + tc->snd_wnd, tc->snd_nxt) ?
		    tc->snd_una + tc->snd_wnd - tc->snd_nxt : 0;
		n = (uint32_t)tc->snd.len - off;
		if (n > tc->mss)
			n = tc->mss;
		if (n > usable)
			n = usable;
		if (n == 0)
			break;
		tcp_out(s, f, TH_ACK | (off + n == tc->snd.len ? TH_PUSH : 0),
		    tc->snd_nxt, tc->snd.data + off, n, NULL);
		tc->snd_nxt += n;
		off += n;
		sent = 1;
	}
	if (tc->fin_wanted && off == tc->snd.len &&
	    (tc->state == TCPS_ESTABLISHED || tc->state == TCPS_CLOSE_WAIT)) {
		tcp_out(s, f, TH_FIN | TH_ACK, tc->snd_nxt, NULL, 0, NULL);
		tc->snd_nxt++;
		tc->fin_sent = 1;
		tc->state = tc->state == TCPS_ESTABLISHED ? TCPS_FIN_WAIT_1 :
		    TCPS_LAST_ACK;
		sent = 1;
	}
	/* Unacknowledged bytes, or a zero window with bytes waiting (the
	 * retransmission timer doubles as the persist timer). */
	if (tc->rtx_due == 0 && (tc->snd_nxt != tc->snd_una ||
	    off < tc->snd.len))
		tc->rtx_due = s->now + (uint64_t)tc->rto_ms * 1000;
	return sent;
}

int
vtcp_send(struct stack *s, struct flow *f, const void *data, size_t len)
{
	struct tcb *tc = &f->tcb;

	if (f->ended || tc->fin_wanted || (tc->state != TCPS_ESTABLISHED &&
	    tc->state != TCPS_CLOSE_WAIT))
		return -1;
	if (buf_add(&tc->snd, data, len) == -1) {
		CTR(s, TCP_SEND_FULL);
		return -1;
	}
	flow_record(s, f, 1, data, len);
	tcp_push(s, f);
	tcp_arm(s, f);
	return 0;
}

void
vtcp_close(struct stack *s, struct flow *f)
{
	if (f->ended)
		return;
	f->tcb.fin_wanted = 1;
	tcp_push(s, f);
	tcp_arm(s, f);
}

void
vtcp_free(struct stack *s, struct flow *f)
{
	struct seg *g, *n;

	(void)s;
	buf_free(&f->tcb.snd);
	for (g = f->tcb.ooo; g != NULL; g = n) {
		n = g->next;
		free(g);
	}
	f->tcb.ooo = NULL;
	f->tcb.ooo_bytes = 0;
}

/* The next time anything is due: a retransmission, the end of TIME-WAIT,
 * a keepalive or the idle timeout.  Only ever moves the timer earlier;
 * a timer that fires early finds nothing due and re-arms. */
static uint64_t
tcp_due(struct stack *s, struct flow *f)
{
	struct tcb *tc = &f->tcb;
	uint64_t idle = s->sc->limits.idle_ms * 1000, due;

	if (tc->state == TCPS_TIME_WAIT)
		return tc->tw_due;
	/* Outstanding segments: the bounded retransmissions decide. */
	if (tc->rtx_due != 0)
		return tc->rtx_due;
	due = f->last + idle;
	if (tc->state == TCPS_ESTABLISHED && !tc->ka_sent &&
	    !tc->tarpit)
		due = f->last + idle / 2;
	return due;
}

static void
tcp_arm(struct stack *s, struct flow *f)
{
	uint64_t due;

	if (f->ended && f->tcb.state != TCPS_TIME_WAIT)
		return;
	due = tcp_due(s, f);
	if (f->tm.hidx == 0 || due < f->tm.due)
		stack_timer_set(s, &f->tm, due);
}

static void
time_wait(struct stack *s, struct flow *f)
{
	f->tcb.state = TCPS_TIME_WAIT;
	f->tcb.rtx_due = 0;
	f->tcb.tw_due = s->now + TIME_WAIT_US;
	flow_end_event(s, f, EVENT_FIN);
	stack_timer_set(s, &f->tm, f->tcb.tw_due);
}

static void
retransmit(struct stack *s, struct flow *f)
{
	struct tcb *tc = &f->tcb;
	uint32_t n;

	if (tc->rtx >= (tc->state == TCPS_SYN_RCVD ? SYNACK_TRIES :
	    DATA_TRIES)) {
		CTR(s, TCP_TIMEOUTS);
		flow_end(s, f, EVENT_TIMEOUT);
		return;
	}
	tc->rtx++;
	tc->rto_ms = tc->rto_ms * 2 > RTO_MAX_MS ? RTO_MAX_MS : tc->rto_ms * 2;
	CTR(s, TCP_RETRANSMITS);
	if (tc->state == TCPS_SYN_RCVD) {
		tcp_out(s, f, TH_SYN | TH_ACK, tc->iss, NULL, 0, NULL);
		CTR(s, TCP_SYNACKS);
	} else if ((n = (uint32_t)tc->snd.len) > 0) {
		/* Go back to snd_una; a zero window gets a one-byte probe. */
		if (n > tc->mss)
			n = tc->mss;
		if (tc->snd_wnd == 0)
			n = 1;
		tcp_out(s, f, TH_ACK | TH_PUSH, tc->snd_una, tc->snd.data, n,
		    NULL);
		if (SEQ_LT(tc->snd_nxt, tc->snd_una + n))
			tc->snd_nxt = tc->snd_una + n;
	} else if (tc->fin_sent)
		tcp_out(s, f, TH_FIN | TH_ACK, tc->snd_nxt - 1, NULL, 0, NULL);
	tc->rtx_due = s->now + (uint64_t)tc->rto_ms * 1000;
}

void
vtcp_timer(struct stack *s, struct flow *f)
{
	struct tcb *tc = &f->tcb;
	uint64_t idle = s->sc->limits.idle_ms * 1000;

	if (tc->state == TCPS_TIME_WAIT) {
		if (s->now >= tc->tw_due) {
			flow_free(s, f);
			return;
		}
		stack_timer_set(s, &f->tm, tc->tw_due);
		return;
	}
	if (tc->rtx_due != 0 && s->now >= tc->rtx_due) {
		retransmit(s, f);
		if (!f->in_use || f->ended)
			return;
	}
	if (tc->rtx_due == 0 && s->now >= f->last + idle) {
		if (tc->state != TCPS_SYN_RCVD)
			tcp_out(s, f, TH_RST, tc->snd_nxt, NULL, 0, NULL);
		CTR(s, TCP_TIMEOUTS);
		flow_end(s, f, EVENT_TIMEOUT);
		return;
	}
	if (tc->rtx_due == 0 && tc->state == TCPS_ESTABLISHED &&
	    !tc->ka_sent && !tc->tarpit && s->now >= f->last + idle / 2) {
		/* RFC 9293 §3.8.4: a keepalive is an old sequence number. */
		tcp_out(s, f, TH_ACK, tc->snd_una - 1, NULL, 0, NULL);
		tc->ka_sent = 1;
	}
	stack_timer_set(s, &f->tm, tcp_due(s, f));
}

/* Out of order: keep it, sorted, within limits.reassembly. */
static void
ooo_add(struct stack *s, struct flow *f, uint32_t seq, const uint8_t *d,
    uint32_t len, int fin)
{
	struct tcb *tc = &f->tcb;
	struct seg *g, **pp;

	if (tc->ooo_bytes + len > s->sc->limits.reassembly) {
		CTR(s, TCP_OOO_DROPPED);
		stack_limit_log(s, LIMIT_REASSEMBLY);
		return;
	}
	for (pp = &tc->ooo; *pp != NULL && SEQ_LT((*pp)->seq, seq);
	    pp = &(*pp)->next)
		;
	if (*pp != NULL && (*pp)->seq == seq && (*pp)->len >= len)
		return;		/* a duplicate */
	if ((g = malloc(sizeof(*g) + len)) == NULL) {
		CTR(s, TCP_OOO_DROPPED);
		return;
	}
	g->seq = seq;
	g->len = len;
	g->fin = (uint8_t)fin;
	memcpy(g->data, d, len);
	g->next = *pp;
	*pp = g;
	tc->ooo_bytes += len;
	CTR(s, TCP_OOO_QUEUED);
}

/* In-order bytes to the recorder and the service; -1 if the service
 * reset the connection (f is gone). */
static int
deliver(struct stack *s, struct flow *f, const uint8_t *d, uint32_t len)
{
	f->tcb.rcv_nxt += len;
	flow_record(s, f, 0, d, len);
	if (f->svc_open && f->svc->on_data != NULL &&
	    f->svc->on_data(f, f->svc_state, d, len) == -1) {
		tcp_out(s, f, TH_RST | TH_ACK, f->tcb.snd_nxt, NULL, 0, NULL);
		CTR(s, TCP_RSTS);
		flow_end(s, f, EVENT_RST);
		return -1;
	}
	return 0;
}

/* The peer's FIN, in order. */
static void
peer_fin(struct stack *s, struct flow *f)
{
	struct tcb *tc = &f->tcb;

	tc->rcv_nxt++;
	switch (tc->state) {
	case TCPS_ESTABLISHED:
		tc->state = TCPS_CLOSE_WAIT;
		/* The peer is done: so is the service, and so are we once
		 * what it queued is out. */
		if (f->svc_open) {
			f->svc_open = 0;
			if (f->svc->on_close != NULL)
				f->svc->on_close(f, f->svc_state);
			f->svc_state = NULL;
		}
		/* A command may answer after the peer's FIN, as under
		 * honeyd: it closes when its output ends (vscript.c). */
		if (f->svc != &vservice_script)
			tc->fin_wanted = 1;
		break;
	case TCPS_FIN_WAIT_1:
		tc->state = TCPS_CLOSING;
		break;
	case TCPS_FIN_WAIT_2:
		tcp_out(s, f, TH_ACK, tc->snd_nxt, NULL, 0, NULL);
		time_wait(s, f);
		break;
	}
}

/* Data and FIN of an acceptable segment: 0, 1 if it calls for a
 * duplicate ACK (a gap or old bytes), -1 if f is gone. */
static int
tcp_data(struct stack *s, struct flow *f, uint32_t seq, const uint8_t *d,
    uint32_t len, int fin)
{
	struct tcb *tc = &f->tcb;
	struct seg *g;
	uint32_t skip;

	if (tc->state != TCPS_ESTABLISHED && tc->state != TCPS_FIN_WAIT_1 &&
	    tc->state != TCPS_FIN_WAIT_2)
		return 0;	/* RFC 9293: ignore text after a FIN */
	if (SEQ_LT(seq, tc->rcv_nxt)) {
		skip = tc->rcv_nxt - seq;
		if (skip > len) {
			/* Only the FIN (or nothing) is new. */
			if (fin && seq + len == tc->rcv_nxt - 1)
				return 1;
			skip = len;
		}
		d += skip;
		len -= skip;
		seq += skip;
	}
	if (seq != tc->rcv_nxt) {
		if (len > 0 || fin)
			ooo_add(s, f, seq, d, len, fin);
		return 1;
	}
	if (len == 0 && !fin)
		return 1;
	if (len > 0 && deliver(s, f, d, len) == -1)
		return -1;
	/* Drain what the gap was holding back. */
	while ((g = tc->ooo) != NULL && SEQ_LEQ(g->seq, tc->rcv_nxt)) {
		tc->ooo = g->next;
		tc->ooo_bytes -= g->len;
		skip = tc->rcv_nxt - g->seq;
		if (skip < g->len && deliver(s, f, g->data + skip,
		    g->len - skip) == -1) {
			free(g);
			return -1;
		}
		if (g->fin && SEQ_GEQ(g->seq + g->len, tc->rcv_nxt))
			fin = 1;
		free(g);
	}
	if (fin)
		peer_fin(s, f);
	return 0;
}

static const struct action *
port_action(struct vhost *vh, uint16_t port)
{
	return template_action(vh->tmpl, PROTO_TCP, port);
}

/* A SYN accepted: by the port's action, or (act NULL) for a service
 * that expected it, paired with the flow that asked. */
static void
tcp_open(struct stack *s, const struct pkt *in, const struct path *pa,
    struct vhost *vh, const struct action *act, const struct vservice *svc,
    uint32_t partner, uint64_t partner_conn)
{
	const struct pkt_tcp *th = &in->tcp;
	struct flow *f, *pf;
	struct tcb *tc;
	uint16_t mss;

	if (act != NULL)
		svc = flow_service_for(s, act);
	if ((f = flow_create(s, IPPROTO_TCP, pa, th->dport, th->sport,
	    vh, svc)) == NULL)
		return;
	if (act != NULL)
		f->svc_arg = flow_service_arg(act);
	else if ((pf = flow_by_index(s, partner, partner_conn)) != NULL) {
		/* flow_create may have evicted the asker. */
		f->partner = partner;
		f->partner_conn = partner_conn;
		pf->partner = flow_index(s, f);
		pf->partner_conn = f->conn;
		CTR(s, EXPECTS_MET);
	}
	f->pkts_in = 1;
	f->flags_seen = th->flags;
	f->bytes_in = in->payload_len;
	tc = &f->tcb;
	buf_init(&tc->snd, SNDBUF_MAX);
	tc->state = TCPS_SYN_RCVD;
	tc->tarpit = act != NULL && (act->flags & ACTION_F_TARPIT) != 0;
	tc->irs = th->seq;
	tc->rcv_nxt = th->seq + 1;
	tc->iss = vhost_isn(s, vh);
	tc->snd_una = tc->iss;
	tc->snd_nxt = tc->iss + 1;
	/* RFC 7323 §2.2: scaling only when both sides offer it. */
	if (th->has_ws && strchr(vh->pers.opts, 'W') != NULL) {
		tc->snd_ws = th->ws > 14 ? 14 : th->ws;
		tc->rcv_ws = vh->pers.wscale;
	}
	tc->ts_ok = th->has_ts && vh->pers.ts_hz != 0 &&
	    strchr(vh->pers.opts, 'T') != NULL;
	tc->sack_ok = th->has_sackok && strchr(vh->pers.opts, 'S') != NULL;
	tc->ts_recent = th->tsval;
	/* RFC 7323 §2.2: a SYN's window is never scaled. */
	tc->snd_wnd = th->win;
	mss = th->has_mss ? th->mss : pa->af == AF_INET ? MSS_DEFAULT4 :
	    MSS_DEFAULT6;
	if (mss > vh->pers.mss)
		mss = vh->pers.mss;
	if (tc->ts_ok)
		mss -= 12;
	tc->mss = mss < 64 ? 64 : mss;
	tc->rto_ms = RTO_INIT_MS;
	tcp_out(s, f, TH_SYN | TH_ACK | ((th->flags & (TH_ECE | TH_CWR)) ==
	    (TH_ECE | TH_CWR) && vh->pers.ecn ? TH_ECE : 0), tc->iss, NULL, 0,
	    in);
	CTR(s, TCP_SYNACKS);
	tc->rtx_due = s->now + (uint64_t)tc->rto_ms * 1000;
	tcp_arm(s, f);
}

/* No connection: LISTEN or CLOSED (RFC 9293 §3.10.7.1, §3.10.7.2). */
static void
tcp_listen(struct stack *s, const struct pkt *in, const struct path *pa,
    struct vhost *vh)
{
	const struct pkt_tcp *th = &in->tcp;
	const struct action *act = port_action(vh, th->dport);
	const struct pers_resp *r;
	const struct vservice *svc;
	enum pers_probe probe;
	uint8_t fl = th->flags;
	uint64_t pconn;
	uint32_t pidx;
	int closed;

	if ((fl & (TH_SYN | TH_RST)) == (TH_SYN | TH_RST)) {
		/* honeyd CVE-2004-2095: SYN+RST is never answered. */
		CTR(s, TCP_SYN_RST_DROPPED);
		return;
	}
	if (fl & TH_RST)
		return;		/* a reset is never answered */
	/* A data connection a service announced (FTP PASV). */
	if ((fl & (TH_SYN | TH_ACK | TH_FIN)) == TH_SYN &&
	    vservice_expected(s, pa, th->dport, &svc, &pidx, &pconn)) {
		tcp_open(s, in, pa, vh, NULL, svc, pidx, pconn);
		return;
	}
	if (act->kind == ACTION_FILTERED) {
		if (fl & TH_SYN)
			flow_oneshot(s, IPPROTO_TCP, pa, th->dport, th->sport,
			    vh, fl, in->payload_len, 0, 0, EVENT_TIMEOUT);
		return;
	}
	closed = act->kind == ACTION_CLOSED;
	if (!closed && (fl & (TH_SYN | TH_ACK)) == TH_SYN) {
		if (!(fl & TH_FIN) || vh->pers.synfin == SYNFIN_AS_SYN) {
			tcp_open(s, in, pa, vh, act, NULL, 0, 0);
			return;
		}
		if (vh->pers.synfin == SYNFIN_DROP) {
			CTR(s, TCP_ODD_PROBES);
			return;
		}
	}
	if (closed)
		probe = (fl & TH_ACK) ? PROBE_CLOSED_ACK : (fl & TH_SYN) ?
		    PROBE_CLOSED_SYN : PROBE_CLOSED_OTHER;
	else
		probe = (fl & TH_ACK) ? PROBE_OPEN_ACK : (fl & TH_SYN) ?
		    PROBE_OPEN_SYNFIN : PROBE_OPEN_NOSYN;
	if (!closed || probe != PROBE_CLOSED_SYN)
		CTR(s, TCP_ODD_PROBES);
	r = &vh->pers.probe[probe];
	if (r->reply)
		tcp_probe_reply(s, in, pa, vh, r, closed ?
		    vh->pers.ipid_closed : vh->pers.ipid_tcp);
	flow_oneshot(s, IPPROTO_TCP, pa, th->dport, th->sport, vh, fl,
	    in->payload_len, 0, r->reply ? 1 : 0, r->reply &&
	    (r->flags & TH_RST) ? EVENT_RST : EVENT_TIMEOUT);
}

/* RFC 9293 §3.10.7.4: is the segment in the receive window? */
static int
acceptable(const struct flow *f, uint32_t seq, uint32_t seglen)
{
	uint32_t wnd = rcv_wnd(f), nxt = f->tcb.rcv_nxt;

	if (seglen == 0)
		return wnd == 0 ? seq == nxt :
		    SEQ_LEQ(nxt, seq) && SEQ_LT(seq, nxt + wnd);
	if (wnd == 0)
		return 0;
	return (SEQ_LEQ(nxt, seq) && SEQ_LT(seq, nxt + wnd)) ||
	    (SEQ_LEQ(nxt, seq + seglen - 1) &&
	    SEQ_LT(seq + seglen - 1, nxt + wnd));
}

void
vtcp_input(struct stack *s, const struct pkt *in, const struct path *pa,
    struct vhost *vh)
{
	const struct pkt_tcp *th = &in->tcp;
	struct flow *f;
	struct tcb *tc;
	uint32_t len = (uint32_t)in->payload_len, seglen, acked;
	uint8_t fl = th->flags;
	int dup;

	if ((f = flow_lookup(s, IPPROTO_TCP, pa, th->dport, th->sport)) ==
	    NULL) {
		tcp_listen(s, in, pa, vh);
		return;
	}
	tc = &f->tcb;
	f->pkts_in++;
	f->bytes_in += len;
	f->flags_seen |= fl;
	flow_touch(s, f);
	tc->ka_sent = 0;
	seglen = len + !!(fl & TH_SYN) + !!(fl & TH_FIN);

	if (tc->state == TCPS_TIME_WAIT) {
		/* RFC 6191: a new SYN above the old window starts over. */
		if ((fl & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN &&
		    SEQ_GT(th->seq, tc->rcv_nxt)) {
			flow_free(s, f);
			tcp_listen(s, in, pa, vh);
		} else if (!(fl & TH_RST))
			tcp_out(s, f, TH_ACK, tc->snd_nxt, NULL, 0, NULL);
		return;
	}
	if (tc->state == TCPS_SYN_RCVD && (fl & (TH_SYN | TH_RST | TH_ACK)) ==
	    TH_SYN && th->seq == tc->irs) {
		/* The SYN again: our SYN/ACK was lost. */
		tcp_out(s, f, TH_SYN | TH_ACK, tc->iss, NULL, 0, in);
		CTR(s, TCP_SYNACKS);
		return;
	}
	if (!acceptable(f, th->seq, seglen)) {
		if (!(fl & TH_RST))
			tcp_out(s, f, TH_ACK, tc->snd_nxt, NULL, 0, NULL);
		return;
	}
	if (fl & TH_RST) {
		/* RFC 5961 §3.2: only the exact sequence number resets. */
		if (th->seq == tc->rcv_nxt)
			flow_end(s, f, EVENT_RST);
		else {
			CTR(s, TCP_CHALLENGE_ACKS);
			tcp_out(s, f, TH_ACK, tc->snd_nxt, NULL, 0, NULL);
		}
		return;
	}
	if (fl & TH_SYN) {
		/* RFC 5961 §4.2 */
		CTR(s, TCP_CHALLENGE_ACKS);
		tcp_out(s, f, TH_ACK, tc->snd_nxt, NULL, 0, NULL);
		return;
	}
	if (!(fl & TH_ACK))
		return;
	if (tc->state == TCPS_SYN_RCVD) {
		if (!SEQ_LT(tc->snd_una, th->ack) ||
		    SEQ_GT(th->ack, tc->snd_nxt)) {
			tcp_rst_for(s, in, pa, vh);
			return;
		}
		tc->state = TCPS_ESTABLISHED;
		tc->snd_una = th->ack;
		tc->rtx = 0;
		tc->rto_ms = RTO_INIT_MS;
		tc->rtx_due = 0;
		tc->snd_wnd = (uint32_t)th->win << tc->snd_ws;
		CTR(s, TCP_ESTABLISHED);
		flow_service_open(s, f);
		if (!f->in_use || f->ended)
			return;
	} else {
		if (SEQ_GT(th->ack, tc->snd_nxt)) {
			tcp_out(s, f, TH_ACK, tc->snd_nxt, NULL, 0, NULL);
			return;
		}
		if (SEQ_GT(th->ack, tc->snd_una)) {
			acked = th->ack - tc->snd_una;
			if (tc->fin_sent && th->ack == tc->snd_nxt)
				acked--;	/* the FIN is not in snd */
			if (acked > tc->snd.len)
				acked = (uint32_t)tc->snd.len;
			buf_consume(&tc->snd, acked);
			tc->snd_una = th->ack;
			tc->rtx = 0;
			tc->rto_ms = RTO_INIT_MS;
			tc->rtx_due = tc->snd_una == tc->snd_nxt ? 0 :
			    s->now + (uint64_t)tc->rto_ms * 1000;
		}
		tc->snd_wnd = (uint32_t)th->win << tc->snd_ws;
		/* RFC 1122 §4.2.2.17: a peer that answers our window probes
		 * keeps the connection however long its window stays shut;
		 * the probes keep backing off, and only silence ends it. */
		if (tc->snd_wnd == 0 && th->ack == tc->snd_una &&
		    tc->snd.len > 0)
			tc->rtx = 0;
		if (tc->fin_sent && th->ack == tc->snd_nxt) {
			switch (tc->state) {
			case TCPS_FIN_WAIT_1:
				tc->state = TCPS_FIN_WAIT_2;
				break;
			case TCPS_CLOSING:
				time_wait(s, f);
				return;
			case TCPS_LAST_ACK:
				flow_end(s, f, EVENT_FIN);
				return;
			}
		}
	}
	if (tc->ts_ok && th->has_ts && SEQ_LEQ(th->seq, tc->rcv_nxt))
		tc->ts_recent = th->tsval;
	dup = 0;
	if (len > 0 || (fl & TH_FIN)) {
		if ((dup = tcp_data(s, f, th->seq, in->payload, len,
		    (fl & TH_FIN) != 0)) == -1)
			return;
		if (tc->state == TCPS_TIME_WAIT)
			return;
	}
	if (!tcp_push(s, f) && (tc->ack_sent != tc->rcv_nxt || dup))
		tcp_out(s, f, TH_ACK, tc->snd_nxt, NULL, 0, NULL);
	/* A pushed message, and whatever the service answered, go out as
	 * payload events now rather than at the close. */
	if (fl & TH_PUSH)
		flow_flush(s, f, 0);
	flow_flush(s, f, 1);
	tcp_arm(s, f);
}
