/*
 * The virtual hosts' UDP: open ports keep a flow per peer and record what
 * arrives (and hand it to a built-in service, if one is configured);
 * closed ports answer ICMP port unreachable at the personality's rate;
 * filtered ports stay silent.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "stack_local.h"

void
vudp_input(struct stack *s, const struct pkt *in, const struct path *pa,
    struct vhost *vh)
{
	const struct pkt_udp *uh = &in->udp;
	const struct action *act;
	struct flow *f;
	int sent;

	CTR(s, UDP_DATAGRAMS);
	act = template_action(vh->tmpl, PROTO_UDP, uh->dport);
	if (act->kind == ACTION_FILTERED) {
		flow_oneshot(s, IPPROTO_UDP, pa, uh->dport, uh->sport, vh, 0,
		    in->payload_len, 0, 0, EVENT_TIMEOUT);
		return;
	}
	if (act->kind == ACTION_CLOSED) {
		sent = 0;
		if (vhost_unreach_ok(s, vh)) {
			vicmp_unreach(s, in, pa, vh);
			sent = 1;
		} else
			CTR(s, UDP_UNREACH_LIMITED);
		flow_oneshot(s, IPPROTO_UDP, pa, uh->dport, uh->sport, vh, 0,
		    in->payload_len, 0, sent, sent ? EVENT_RST :
		    EVENT_TIMEOUT);
		return;
	}
	if ((f = flow_lookup(s, IPPROTO_UDP, pa, uh->dport, uh->sport)) ==
	    NULL) {
		if ((f = flow_create(s, IPPROTO_UDP, pa, uh->dport, uh->sport,
		    vh, flow_service_for(s, act))) == NULL)
			return;
		f->svc_arg = flow_service_arg(act);
	} else
		flow_touch(s, f);
	f->pkts_in++;
	f->bytes_in += in->payload_len;
	/* One payload event per datagram: its boundaries are data. */
	flow_record(s, f, 0, in->payload, in->payload_len);
	flow_flush(s, f, 0);
	if (f->svc != NULL && !f->svc_open) {
		flow_service_open(s, f);
		if (!f->in_use || f->ended)
			return;
	}
	if (f->svc_open && f->svc->on_data != NULL &&
	    f->svc->on_data(f, f->svc_state, in->payload,
	    in->payload_len) == -1) {
		flow_end(s, f, EVENT_LIMIT);
		return;
	}
	if (f->in_use && !f->ended && f->tm.hidx == 0)
		stack_timer_set(s, &f->tm,
		    f->last + s->sc->limits.idle_ms * 1000);
}

int
vudp_send(struct stack *s, struct flow *f, const void *data, size_t len)
{
	struct pkt p;

	if (f->ended || len > 1400)
		return -1;
	stack_out_ip(s, &p, &f->path, f->vh, IPPROTO_UDP, f->vh->pers.df,
	    f->vh->pers.ipid_tcp);
	p.layers |= PKT_L_UDP;
	p.udp.sport = f->lport;
	p.udp.dport = f->pport;
	p.payload = data;
	p.payload_len = len;
	if (stack_output(s, &p, &f->path) == -1)
		return -1;
	f->pkts_out++;
	f->bytes_out += len;
	flow_record(s, f, 1, data, len);
	flow_flush(s, f, 1);
	return 0;
}
