/*
 * The decoded packet: initialisation, anomalies, the option-area walker
 * shared by IPv4 and TCP, and the dispatch from the outermost layer.
 */
#include <stdio.h>
#include <string.h>

#include "net.h"
#include "local.h"

static const struct {
	const char	*name;
	int		 lossy;
} anoms[ANOM_MAX] = {
	[ANOM_NONE] = { "none", 0 },
#define ANOM_ENTRY(id, name, lossy)	[ANOM_##id] = { name, lossy },
	ANOM_LIST(ANOM_ENTRY)
#undef ANOM_ENTRY
};

void
pkt_init(struct pkt *p, unsigned int flags)
{
	memset(p, 0, sizeof(*p));
	p->flags = flags;
}

const char *
anom_name(enum anom a)
{
	if ((unsigned int)a >= ANOM_MAX)
		return "unknown";
	return anoms[a].name;
}

int
anom_lossy(enum anom a)
{
	if ((unsigned int)a >= ANOM_MAX)
		return 0;
	return anoms[a].lossy;
}

int
pkt_has_anom(const struct pkt *p, enum anom a)
{
	size_t i, n;

	n = p->nanom < PKT_MAXANOM ? p->nanom : PKT_MAXANOM;
	for (i = 0; i < n; i++)
		if (p->anom[i] == a)
			return 1;
	return 0;
}

void
anom_set(struct pkt *p, enum anom a)
{
	if (anom_lossy(a))
		p->lossy = 1;
	if (pkt_has_anom(p, a))
		return;
	if (p->nanom < PKT_MAXANOM)
		p->anom[p->nanom] = a;
	if (p->nanom < UINT8_MAX)
		p->nanom++;
}

void
anom_count(const struct pkt *p, uint64_t counts[ANOM_MAX])
{
	size_t i, n;

	n = p->nanom < PKT_MAXANOM ? p->nanom : PKT_MAXANOM;
	for (i = 0; i < n; i++)
		if (p->anom[i] < ANOM_MAX)
			counts[p->anom[i]]++;
}

static const struct {
	uint16_t	 bit;
	const char	*name;
} layer_names[] = {
	{ PKT_L_ETH, "eth" }, { PKT_L_VLAN, "vlan" }, { PKT_L_SLL, "sll" },
	{ PKT_L_ARP, "arp" }, { PKT_L_IP4, "ip4" }, { PKT_L_IP6, "ip6" },
	{ PKT_L_ICMP, "icmp" }, { PKT_L_ICMP6, "icmp6" },
	{ PKT_L_TCP, "tcp" }, { PKT_L_UDP, "udp" },
};

/* Append "sep s" to buf at *n, snprintf-style (n counts what was wanted). */
static void
fmt_add(char *buf, size_t size, size_t *n, const char *sep, const char *s)
{
	int w;

	w = snprintf(buf + (*n < size ? *n : size),
	    *n < size ? size - *n : 0, "%s%s", *n ? sep : "", s);
	if (w > 0)
		*n += (size_t)w;
}

int
pkt_layers_fmt(const struct pkt *p, char *buf, size_t size)
{
	size_t i, n = 0;

	if (size > 0)
		buf[0] = '\0';
	for (i = 0; i < sizeof(layer_names) / sizeof(layer_names[0]); i++)
		if (p->layers & layer_names[i].bit)
			fmt_add(buf, size, &n, ":", layer_names[i].name);
	if (p->frag)
		fmt_add(buf, size, &n, ":", "frag");
	if (n == 0)
		fmt_add(buf, size, &n, "", "-");
	return (int)n;
}

int
pkt_anoms_fmt(const struct pkt *p, char *buf, size_t size)
{
	size_t i, n = 0, max;

	if (size > 0)
		buf[0] = '\0';
	max = p->nanom < PKT_MAXANOM ? p->nanom : PKT_MAXANOM;
	for (i = 0; i < max; i++)
		fmt_add(buf, size, &n, ",", anom_name(p->anom[i]));
	if (n == 0)
		fmt_add(buf, size, &n, "", "-");
	return (int)n;
}

int
pkt_exact(const struct pkt *p)
{
	return p->layers != 0 && !p->lossy;
}

/*
 * Index an option area (RFC 791 §3.1, RFC 9293 §3.1): EOL ends the list,
 * NOP is one byte, anything else is kind, length (>= 2, counting both),
 * data.  Returns -1 when an option's length is invalid; its bytes and all
 * after it stay in buf from tail on.
 */
int
opt_walk(struct optlist *l)
{
	size_t off = 0, olen;

	l->n = 0;
	while (off < l->len) {
		uint8_t kind = l->buf[off];

		if (kind == TCPOPT_EOL || kind == TCPOPT_NOP)
			olen = 1;
		else if (off + 1 >= l->len ||
		    (olen = l->buf[off + 1]) < 2 || off + olen > l->len) {
			l->tail = off;
			return -1;
		}
		l->opt[l->n].kind = kind;
		l->opt[l->n].len = olen;
		l->opt[l->n].off = off;
		l->n++;
		off += olen;
		if (kind == TCPOPT_EOL)
			break;
	}
	l->tail = off;
	return 0;
}

int
opt_pad_ok(const struct optlist *l)
{
	size_t i;

	if (l->n == 0 || l->opt[l->n - 1].kind != TCPOPT_EOL)
		return 1;
	for (i = l->tail; i < l->len; i++)
		if (l->buf[i] != 0)
			return 0;
	return 1;
}

void
opt_parse(struct optlist *l)
{
	if (l->len > OPT_AREA_MAX)
		l->len = OPT_AREA_MAX;
	(void)opt_walk(l);
}

int
opt_add_raw(struct optlist *l, const void *data, size_t len)
{
	if (len > (size_t)(OPT_AREA_MAX - l->len))
		return -1;
	if (len > 0)
		memcpy(l->buf + l->len, data, len);
	l->len += len;
	(void)opt_walk(l);
	return 0;
}

int
opt_add(struct optlist *l, uint8_t kind, const void *data, size_t len)
{
	uint8_t hdr[2];

	if (kind == TCPOPT_EOL || kind == TCPOPT_NOP) {
		if (len != 0)
			return -1;
		return opt_add_raw(l, &kind, 1);
	}
	if (len > (size_t)(OPT_AREA_MAX - 2) ||
	    len + 2 > (size_t)(OPT_AREA_MAX - l->len))
		return -1;
	hdr[0] = kind;
	hdr[1] = len + 2;
	memcpy(l->buf + l->len, hdr, sizeof(hdr));
	l->len += sizeof(hdr);
	return opt_add_raw(l, data, len);
}

const struct opt *
opt_find(const struct optlist *l, uint8_t kind)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->opt[i].kind == kind)
			return &l->opt[i];
	return NULL;
}

int
put_bytes(uint8_t *out, size_t size, size_t at, const uint8_t *src, size_t n)
{
	if (at > size || n > size - at)
		return -1;
	if (n > 0)
		memcpy(out + at, src, n);
	return 0;
}

int
decode_ip(struct pkt *p, const uint8_t *buf, size_t len)
{
	/* RFC 791 §3.1 / RFC 8200 §3: the version is the first nibble. */
	if (len >= 1 && buf[0] >> 4 == 6)
		return decode_ip6(p, buf, len);
	return decode_ip4(p, buf, len);
}

int
encode_pkt(const struct pkt *p, uint8_t *buf, size_t size)
{
	if (p->layers & PKT_L_ETH)
		return encode_eth(p, buf, size);
	if (p->layers & PKT_L_SLL)
		return encode_sll(p, buf, size);
	if (p->layers & PKT_L_ARP)
		return encode_arp(p, buf, size);
	if (p->layers & PKT_L_IP4)
		return encode_ip4(p, buf, size);
	if (p->layers & PKT_L_IP6)
		return encode_ip6(p, buf, size);
	return encode_l4(p, buf, size);
}
