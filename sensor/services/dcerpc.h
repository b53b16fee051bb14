/*
 * Connection-oriented DCE/RPC (C706 ch. 12) as a Windows host answers
 * it, for the endpoint mapper on 135 (msrpc.c) and the named pipes
 * behind SMB (smb.c).  BIND and ALTER_CONTEXT accept the first context
 * that offers NDR and reject the others; REQUEST gets an answer for the
 * few calls a scanner needs (srvsvc NetrShareEnum and NetrShareGetInfo,
 * epmapper ept_map) and a fault for everything else.  Every bind and call is a service event
 * of the flow's service: rpc_bind (iface, iface_name, version) and
 * rpc_call (iface, opnum, stub_len, answer).
 */
#ifndef DIAS_DCERPC_H
#define DIAS_DCERPC_H

#include <stddef.h>
#include <stdint.h>

struct flow;
struct mw;

#define DCERPC_HDR	16
#define DCERPC_FRAG_MAX	5840	/* max_xmit/max_recv we advertise */

struct dcerpc_share {
	const char	*name;
	uint32_t	 type;		/* STYPE_* (MS-SRVS 2.2.2.4) */
	const char	*remark;
};

struct dcerpc {
	const char	*secaddr;	/* bind_ack's: "135", "\\PIPE\\srvsvc",
					   borrowed */
	const struct dcerpc_share *shares;	/* NetrShareEnum's answer */
	size_t		 nshares;
	const char	*pipe;		/* for events; NULL on 135 */
	uint8_t		 bound;
	uint16_t	 ctx_id;
	char		 iface[40];	/* the bound interface's UUID */
};

/* The PDU at d: its length when all of it is there, 0 when more is
 * needed, -1 when it is not a DCE/RPC CO PDU. */
long		 dcerpc_pdu_len(const uint8_t *, size_t);
/* What Windows says to bytes that are not DCE/RPC version 5: BIND_NAK,
 * protocol version not supported, 5.0 offered (C706 12.6.4.5). */
void		 dcerpc_nak_version(struct mw *, const uint8_t *, size_t);
/* Answer one whole PDU (len from dcerpc_pdu_len) into w, which may stay
 * empty (a fragment that is not the last one). */
void		 dcerpc_input(struct flow *, struct dcerpc *, const uint8_t *,
		    size_t, struct mw *);

#endif
