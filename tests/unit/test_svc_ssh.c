/*
 * ssh through the stack: our identification per personality, the
 * client's recorded (RFC 4253 §4.2), its KEXINIT (§7.1) parsed into a
 * "kexinit" event with the HASSH, ours sent back as a well-formed binary
 * packet (§6), and the close after the client's next packet; bad
 * identifications and packet lengths are refused.
 */
#include "test_svc.h"

static const char cfg[] =
	S_SENSOR
	"create lin\n"
	"set lin personality \"Linux 2.6.32\"\n"
	"add lin tcp port 22 internal \"ssh\"\n"
	"create deb\n"
	"add deb tcp port 22 internal \"ssh\"\n"
	"bind 10.0.0.50 lin\n"
	"bind 10.0.0.51 deb\n";

#define LIN	"10.0.0.50"
#define DEB	"10.0.0.51"

static const char *const lists[10] = {
	"curve25519-sha256,diffie-hellman-group14-sha256,ext-info-c",
	"ssh-ed25519,rsa-sha2-512",
	"chacha20-poly1305@openssh.com,aes128-ctr",
	"chacha20-poly1305@openssh.com,aes128-ctr",
	"hmac-sha2-256-etm@openssh.com",
	"hmac-sha2-256-etm@openssh.com",
	"none,zlib@openssh.com",
	"none",
	"",
	"",
};

static int
setup(void **state)
{
	return h_new(state, cfg);
}

static void
put32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { v >> 24, v >> 16, v >> 8, v };

	assert_int_equal(buf_add(b, x, 4), 0);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A binary packet around payload, padded as §6 says. */
static void
packet(struct buf *b, const uint8_t *payload, size_t len)
{
	size_t pad = 8 - (5 + len) % 8;

	if (pad < 4)
		pad += 8;
	put32(b, (uint32_t)(1 + len + pad));
	buf_addc(b, (uint8_t)pad);
	buf_add(b, payload, len);
	while (pad-- > 0)
		buf_addc(b, 0);
}

static void
client_kexinit(struct buf *b)
{
	struct buf p;
	size_t i;

	buf_init(&p, 4096);
	buf_addc(&p, 20);
	for (i = 0; i < 16; i++)
		buf_addc(&p, (uint8_t)i);
	for (i = 0; i < 10; i++) {
		put32(&p, (uint32_t)strlen(lists[i]));
		buf_addstr(&p, lists[i]);
	}
	buf_addc(&p, 0);
	put32(&p, 0);
	packet(b, p.data, p.len);
	buf_free(&p);
}

static void
test_ssh_banner_follows_the_personality(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, LIN, 41000, 22);
	assert_string_equal(s_text(&c), "SSH-2.0-OpenSSH_5.3\r\n");
	s_open(h, &c, DEB, 41001, 22);
	assert_string_equal(s_text(&c), "SSH-2.0-OpenSSH_8.4p1 Debian-5\r\n");
}

static void
test_ssh_client_banner_and_kexinit_are_recorded(void **state)
{
	struct harness *h = *state;
	const struct event *e;
	struct s_conn c;
	struct buf b;
	uint32_t plen, off, n;
	const uint8_t *k;
	int i;

	s_open(h, &c, DEB, 41002, 22);
	s_reset_got(&c);
	s_sends(h, &c, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
	e = s_svc_ev(h, "banner", 0);
	assert_string_equal(e->u.service.service, "ssh");
	assert_field(e, "proto", "2.0");
	assert_field(e, "software", "OpenSSH_9.2p1");
	assert_field(e, "product", "OpenSSH");
	assert_field(e, "version", "9.2p1");
	assert_field(e, "comments", "Debian-2+deb12u3");
	/* Our KEXINIT: a packet of whole blocks, its lists readable. */
	assert_true(c.ngot > 6);
	plen = get32(c.got);
	assert_int_equal(c.ngot, 4 + plen);
	assert_int_equal((4 + plen) % 8, 0);
	assert_true(c.got[4] >= 4);
	assert_int_equal(c.got[5], 20);
	k = c.got + 6 + 16;
	n = get32(k);
	assert_true(n < plen);
	assert_memory_equal(k + 4, "curve25519-sha256,", 18);
	for (i = 0, off = 0; i < 10; i++)
		off += 4 + get32(k + off);
	assert_true(6 + 16 + off + 5 + c.got[4] == 4 + plen);
	/* The client's, in two pieces. */
	buf_init(&b, 8192);
	client_kexinit(&b);
	s_send(h, &c, b.data, 10);
	assert_null(s_svc_ev(h, "kexinit", 0));
	s_send(h, &c, b.data + 10, b.len - 10);
	e = s_svc_ev(h, "kexinit", 0);
	assert_field(e, "kex", lists[0]);
	assert_field(e, "hostkey", lists[1]);
	assert_field(e, "ciphers", lists[2]);
	assert_null(s_field(e, "ciphers_sc"));
	assert_field(e, "macs", lists[4]);
	assert_field(e, "compression", lists[6]);
	assert_field(e, "compression_sc", "none");
	/* md5("curve25519-sha256,diffie-hellman-group14-sha256,ext-info-c;
	 * chacha20-poly1305@openssh.com,aes128-ctr;
	 * hmac-sha2-256-etm@openssh.com;none,zlib@openssh.com") */
	assert_field(e, "hassh", "5fae96a5e2073b111dafda7663600702");
	assert_int_equal(c.fin, 0);
	/* The next packet (ECDH init) ends it. */
	buf_reset(&b);
	packet(&b, (const uint8_t *)"\x1e\x00\x00\x00\x00", 5);
	s_send(h, &c, b.data, b.len);
	assert_int_equal(c.fin, 1);
	buf_free(&b);
	assert_int_equal(s_count_svc(h, "error"), 0);
}

static void
test_ssh_refuses_what_is_not_ssh(void **state)
{
	struct harness *h = *state;
	static const uint8_t huge[] = { 0x00, 0x01, 0x00, 0x00, 4, 20 };
	struct s_conn c;

	s_open(h, &c, DEB, 41003, 22);
	s_reset_got(&c);
	s_sends(h, &c, "GET / HTTP/1.0\r\n\r\n");
	assert_string_equal(s_text(&c), "Invalid SSH identification string."
	    "\r\n");
	assert_int_equal(c.fin, 1);
	assert_field(s_svc_ev(h, "error", 0), "error",
	    "not an SSH identification");
	s_open(h, &c, DEB, 41004, 22);
	s_sends(h, &c, "SSH-2.0-x\r\n");
	s_send(h, &c, huge, sizeof(huge));
	assert_int_equal(c.fin, 1);
	assert_field(s_svc_ev(h, "error", 1), "error", "bad packet length");
	s_open(h, &c, DEB, 41005, 22);
	s_sends(h, &c, "SSH-1.5-old\r\n");
	assert_int_equal(c.fin, 1);
	assert_int_equal(stack_counter(h->st, "service_leaks"), 0);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)
	const struct CMUnitTest tests[] = {
		T(test_ssh_banner_follows_the_personality),
		T(test_ssh_client_banner_and_kexinit_are_recorded),
		T(test_ssh_refuses_what_is_not_ssh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
