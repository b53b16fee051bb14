/*
 * fuzz_svc_ftp: the ftp service and its data connections; see fuzz_svc.h
 * for the cut byte and the checks.  The control stream is the input; once
 * a 227 or 229 reply has named a port, the client connects there, and a
 * segment that starts with '#' goes over that data connection instead
 * (STOR's bytes, or noise before any command).  The cut byte's top bit
 * picks the template: clear Linux (vsFTPd), set Windows (IIS).
 */
#include "fuzz_svc.h"

static const char *const cfg[2] = {
	FZ_SENSOR
	"create lin\n"
	"set lin personality \"Linux 2.6.32\"\n"
	"add lin tcp port 21 internal \"ftp any\"\n"
	"bind 10.0.0.50 lin\n",
	FZ_SENSOR
	"create win\n"
	"set win personality \"Microsoft Windows 2000 SP4\"\n"
	"add win tcp port 21 internal \"ftp anonymous\"\n"
	"bind 10.0.0.50 win\n",
};

#define CTL_PORT	40000
#define DATA_PORT	40001

struct ftp_fz {
	struct fz_client ctl, data;
	uint16_t	 pasv;		/* the port last announced */
};

static struct conf *conf[2];

/* A port in "227 ... (h1,h2,h3,h4,p1,p2)" or "229 ... (|||port|)". */
static uint16_t
announced(const uint8_t *d, size_t len)
{
	char t[256];
	const char *p;
	unsigned a[6], port;

	if (len < 4 || len >= sizeof(t))
		return 0;
	memcpy(t, d, len);
	t[len] = '\0';
	if (strncmp(t, "227 ", 4) == 0 && (p = strchr(t, '(')) != NULL &&
	    sscanf(p, "(%u,%u,%u,%u,%u,%u)", &a[0], &a[1], &a[2], &a[3],
	    &a[4], &a[5]) == 6 && a[4] < 256 && a[5] < 256)
		return (uint16_t)(a[4] << 8 | a[5]);
	if (strncmp(t, "229 ", 4) == 0 && (p = strstr(t, "(|||")) != NULL &&
	    sscanf(p, "(|||%u|)", &port) == 1 && port > 0 && port < 65536)
		return (uint16_t)port;
	return 0;
}

static int
ftp_send(void *arg, int ifindex, const uint8_t *frame, size_t len)
{
	struct ftp_fz *z = arg;
	struct pkt p;
	uint16_t port;

	pkt_init(&p, 0);
	if (decode_eth(&p, frame, len) == -1 || !(p.layers & PKT_L_TCP))
		return fz_send(&z->ctl, ifindex, frame, len);
	if (p.tcp.dport == DATA_PORT)
		return fz_send(&z->data, ifindex, frame, len);
	if ((port = announced(p.payload, p.payload_len)) != 0)
		z->pasv = port;
	return fz_send(&z->ctl, ifindex, frame, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ftp_fz z;
	struct stack *st;
	uint64_t now = 1000000000ULL;
	uint16_t dport = 0;
	size_t cut, n;
	int win = size > 0 && (data[0] & 0x80);

	memset(&z, 0, sizeof(z));
	st = fz_stack_send(&conf[win], cfg[win], ftp_send, &z, now);
	fz_handshake(st, &z.ctl, CTL_PORT, 21, now);
	if (!z.ctl.synack)
		fz_fail("no SYN/ACK");
	cut = fz_cut(&data, &size);
	while (size > 0) {
		n = size < cut ? size : cut;
		if (z.pasv != 0 && dport == 0) {
			dport = z.pasv;
			fz_handshake(st, &z.data, DATA_PORT, dport, now);
		}
		if (dport != 0 && data[0] == '#') {
			fz_frame(st, IPPROTO_TCP, DATA_PORT, dport,
			    TH_ACK | TH_PUSH, z.data.snd, z.data.rcv, data, n,
			    now);
			z.data.snd += (uint32_t)n;
		} else {
			fz_frame(st, IPPROTO_TCP, CTL_PORT, 21,
			    TH_ACK | TH_PUSH, z.ctl.snd, z.ctl.rcv, data, n,
			    now);
			z.ctl.snd += (uint32_t)n;
		}
		data += n;
		size -= n;
		now += 10000;
		(void)stack_timers(st, now);
		fz_frame(st, IPPROTO_TCP, CTL_PORT, 21, TH_ACK, z.ctl.snd,
		    z.ctl.rcv, NULL, 0, now);
		if (dport != 0)
			fz_frame(st, IPPROTO_TCP, DATA_PORT, dport, TH_ACK,
			    z.data.snd, z.data.rcv, NULL, 0, now);
	}
	if (dport != 0)
		fz_finish(st, &z.data, DATA_PORT, dport, now);
	fz_finish(st, &z.ctl, CTL_PORT, 21, now);
	fz_done(st);
	return 0;
}
