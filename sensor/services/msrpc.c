/*
 * msrpc: the DCE/RPC endpoint mapper on TCP 135 as a Windows host
 * answers it (C706 ch. 12 PDUs, see dcerpc.h).  Binds are accepted for
 * the first NDR context of any interface, so a worm's request follows
 * and is recorded with its interface and opnum: Blaster's
 * IRemoteActivation (MS03-026) and the DCOM ISystemActivator
 * RemoteCreateInstance calls look like that; their stub bytes are
 * already payload events.  ept_map answers "not registered", every
 * other call a fault.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "event.h"
#include "vservice.h"
#include "dcerpc.h"
#include "mswire.h"

#define MSRPC_IN_MAX	65536	/* one PDU: frag_length is 16 bits */
#define MSRPC_OUT_MAX	8192

struct msrpc {
	struct dcerpc	 rpc;
	int		 dead;		/* not DCE/RPC: record only */
	struct buf	 in;
	uint8_t		 out[MSRPC_OUT_MAX];
};

static int
msrpc_open(struct flow *f, void **state)
{
	struct msrpc *m;

	if ((m = vconn_alloc(f, sizeof(*m))) == NULL)
		return -1;
	if (vconn_buf_init(f, &m->in, MSRPC_IN_MAX) == -1) {
		vconn_free(f, m, sizeof(*m));
		return -1;
	}
	m->rpc.secaddr = "135";
	*state = m;
	return 0;
}

static int
msrpc_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	struct msrpc *m = state;
	struct event ev;
	struct mw w;
	long n;

	if (m->dead)
		return 0;
	if (buf_add(&m->in, d, len) == -1)
		return -1;
	while ((n = dcerpc_pdu_len(m->in.data, m->in.len)) > 0) {
		mw_init(&w, m->out, sizeof(m->out));
		dcerpc_input(f, &m->rpc, m->in.data, (size_t)n, &w);
		buf_consume(&m->in, (size_t)n);
		if (w.err)
			return -1;
		if (w.len > 0 && vconn_send(f, m->out, w.len) == -1)
			return -1;
	}
	if (n == -1) {
		vconn_event_init(f, &ev, NULL, "error");
		vconn_field(f, &ev, "error", "not dce/rpc", 11);
		vconn_event_emit(f, &ev);
		mw_init(&w, m->out, sizeof(m->out));
		dcerpc_nak_version(&w, m->in.data, m->in.len);
		(void)vconn_send(f, m->out, w.len);
		buf_reset(&m->in);
		m->dead = 1;
		vconn_close(f);
	}
	return 0;
}

static void
msrpc_close(struct flow *f, void *state)
{
	struct msrpc *m = state;

	if (m == NULL)
		return;
	vconn_buf_free(f, &m->in);
	vconn_free(f, m, sizeof(*m));
}

const struct vservice vservice_msrpc = {
	"msrpc", msrpc_open, msrpc_data, msrpc_close
};
