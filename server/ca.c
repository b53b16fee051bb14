/*
 * CA operations over GnuTLS: keys are ECDSA P-256, signatures SHA-256.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "addr.h"
#include "buf.h"
#include "ca.h"
#include "file.h"

#define FILE_MAX	(1024 * 1024)

struct ca {
	gnutls_x509_crt_t	 crt;
	gnutls_x509_privkey_t	 key;
};

#define GT(what, call) do {						\
	int gt_rc_ = (call);						\
	if (gt_rc_ < 0) {						\
		snprintf(err, errlen, "%s: %s", what,			\
		    gnutls_strerror(gt_rc_));				\
		goto fail;						\
	}								\
} while (0)

char *
ca_read_file(const char *path, size_t *lenp, char *err, size_t errlen)
{
	struct buf b;
	char chunk[4096];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b, FILE_MAX);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(&b, chunk, (size_t)n) == -1) {
			snprintf(err, errlen, "%s: too large", path);
			goto fail;
		}
	if (n == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	if (buf_addc(&b, 0) == -1) {
		snprintf(err, errlen, "%s: too large", path);
		buf_free(&b);
		return NULL;
	}
	if (lenp != NULL)
		*lenp = b.len - 1;
	return (char *)b.data;
fail:
	close(fd);
	buf_free(&b);
	return NULL;
}

/* Write data to dir/name with mode, atomically (lib/file.c). */
static int
write_file(const char *dir, const char *name, const void *data, size_t len,
    mode_t mode, char *err, size_t errlen)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if (file_write_atomic(path, data, len, mode) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
export_pem(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key,
    gnutls_datum_t *out)
{
	if (crt != NULL)
		return gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, out);
	return gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, out);
}

static int
save(const char *dir, const char *name, gnutls_x509_crt_t crt,
    gnutls_x509_privkey_t key, char *err, size_t errlen)
{
	gnutls_datum_t d = { NULL, 0 };
	int rc;

	if ((rc = export_pem(crt, key, &d)) < 0) {
		snprintf(err, errlen, "%s: %s", name, gnutls_strerror(rc));
		return -1;
	}
	rc = write_file(dir, name, d.data, d.size, key ? 0600 : 0644, err,
	    errlen);
	gnutls_free(d.data);
	return rc;
}

static int
random_serial(gnutls_x509_crt_t crt, char *hex, size_t hexlen)
{
	unsigned char serial[16];
	size_t i;
	int rc;

	if ((rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial))) < 0)
		return rc;
	serial[0] &= 0x7f;	/* positive */
	serial[0] |= 0x01;	/* no leading zero byte to strip */
	if (hex != NULL)
		for (i = 0; i < sizeof(serial) && 2 * i + 2 < hexlen; i++)
			snprintf(hex + 2 * i, 3, "%02x", serial[i]);
	return gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
}

static int
new_key(gnutls_x509_privkey_t *key)
{
	int rc;

	if ((rc = gnutls_x509_privkey_init(key)) < 0)
		return rc;
	return gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
}

static int
validity(gnutls_x509_crt_t crt, unsigned days)
{
	time_t now = time(NULL);
	int rc;

	/* Some slack for clocks that lag behind ours. */
	if ((rc = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0)
		return rc;
	return gnutls_x509_crt_set_expiration_time(crt,
	    now + (time_t)days * 86400);
}

int
ca_init(const char *dir, const char *const *names, size_t nnames,
    unsigned days, char *err, size_t errlen)
{
	gnutls_x509_crt_t ca = NULL, srv = NULL;
	gnutls_x509_privkey_t cakey = NULL, srvkey = NULL;
	unsigned char keyid[64];
	size_t keyidlen = sizeof(keyid), i;
	char path[4096];
	struct addr a;
	int rc = -1;

	if (nnames == 0) {
		snprintf(err, errlen, "the server certificate needs a name "
		    "(server-name in dias-server.conf)");
		return -1;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/ca.key", dir);
	if (access(path, F_OK) == 0) {
		snprintf(err, errlen, "%s exists: the CA is already made", path);
		return -1;
	}

	GT("CA key", new_key(&cakey));
	GT("CA certificate", gnutls_x509_crt_init(&ca));
	GT("CA certificate", gnutls_x509_crt_set_version(ca, 3));
	GT("CA certificate", random_serial(ca, NULL, 0));
	GT("CA certificate", validity(ca, 3650));
	GT("CA certificate", gnutls_x509_crt_set_dn_by_oid(ca,
	    GNUTLS_OID_X520_COMMON_NAME, 0, "DIAS CA", 7));
	GT("CA certificate", gnutls_x509_crt_set_key(ca, cakey));
	GT("CA certificate", gnutls_x509_crt_set_basic_constraints(ca, 1, 0));
	GT("CA certificate", gnutls_x509_crt_set_key_usage(ca,
	    GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN));
	GT("CA certificate", gnutls_x509_crt_get_key_id(ca, 0, keyid,
	    &keyidlen));
	GT("CA certificate", gnutls_x509_crt_set_subject_key_id(ca, keyid,
	    keyidlen));
	GT("CA certificate", gnutls_x509_crt_sign2(ca, ca, cakey,
	    GNUTLS_DIG_SHA256, 0));

	GT("server key", new_key(&srvkey));
	GT("server certificate", gnutls_x509_crt_init(&srv));
	GT("server certificate", gnutls_x509_crt_set_version(srv, 3));
	GT("server certificate", random_serial(srv, NULL, 0));
	GT("server certificate", validity(srv, days));
	GT("server certificate", gnutls_x509_crt_set_dn_by_oid(srv,
	    GNUTLS_OID_X520_COMMON_NAME, 0, names[0],
	    (unsigned)strlen(names[0])));
	GT("server certificate", gnutls_x509_crt_set_key(srv, srvkey));
	GT("server certificate", gnutls_x509_crt_set_basic_constraints(srv,
	    0, -1));
	GT("server certificate", gnutls_x509_crt_set_key_usage(srv,
	    GNUTLS_KEY_DIGITAL_SIGNATURE));
	GT("server certificate", gnutls_x509_crt_set_key_purpose_oid(srv,
	    GNUTLS_KP_TLS_WWW_SERVER, 0));
	for (i = 0; i < nnames; i++) {
		if (addr_parse(names[i], &a) == 0)
			GT("server certificate",
			    gnutls_x509_crt_set_subject_alt_name(srv,
			    GNUTLS_SAN_IPADDRESS, a.a,
			    a.af == AF_INET ? 4 : 16, GNUTLS_FSAN_APPEND));
		else
			GT("server certificate",
			    gnutls_x509_crt_set_subject_alt_name(srv,
			    GNUTLS_SAN_DNSNAME, names[i],
			    (unsigned)strlen(names[i]), GNUTLS_FSAN_APPEND));
	}
	GT("server certificate", gnutls_x509_crt_set_authority_key_id(srv,
	    keyid, keyidlen));
	GT("server certificate", gnutls_x509_crt_sign2(srv, ca, cakey,
	    GNUTLS_DIG_SHA256, 0));

	if (save(dir, "ca.key", NULL, cakey, err, errlen) == -1 ||
	    save(dir, "ca.pem", ca, NULL, err, errlen) == -1 ||
	    save(dir, "server.key", NULL, srvkey, err, errlen) == -1 ||
	    save(dir, "server.pem", srv, NULL, err, errlen) == -1)
		goto fail;
	rc = 0;
fail:
	if (ca != NULL)
		gnutls_x509_crt_deinit(ca);
	if (srv != NULL)
		gnutls_x509_crt_deinit(srv);
	if (cakey != NULL)
		gnutls_x509_privkey_deinit(cakey);
	if (srvkey != NULL)
		gnutls_x509_privkey_deinit(srvkey);
	return rc;
}

struct ca *
ca_load(const char *dir, char *err, size_t errlen)
{
	struct ca *ca;
	gnutls_datum_t d;
	char path[4096], *pem = NULL;
	size_t len;

	if ((ca = calloc(1, sizeof(*ca))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	if ((pem = ca_read_file(path, &len, err, errlen)) == NULL)
		goto fail;
	d.data = (unsigned char *)pem;
	d.size = (unsigned)len;
	GT(path, gnutls_x509_crt_init(&ca->crt));
	GT(path, gnutls_x509_crt_import(ca->crt, &d, GNUTLS_X509_FMT_PEM));
	free(pem);
	snprintf(path, sizeof(path), "%s/ca.key", dir);
	if ((pem = ca_read_file(path, &len, err, errlen)) == NULL)
		goto fail;
	d.data = (unsigned char *)pem;
	d.size = (unsigned)len;
	GT(path, gnutls_x509_privkey_init(&ca->key));
	GT(path, gnutls_x509_privkey_import(ca->key, &d, GNUTLS_X509_FMT_PEM));
	explicit_bzero(pem, len);
	free(pem);
	return ca;
fail:
	free(pem);
	ca_free(ca);
	return NULL;
}

void
ca_free(struct ca *ca)
{
	if (ca == NULL)
		return;
	if (ca->crt != NULL)
		gnutls_x509_crt_deinit(ca->crt);
	if (ca->key != NULL)
		gnutls_x509_privkey_deinit(ca->key);
	free(ca);
}

int
ca_sign_csr(struct ca *ca, const char *csr, size_t csrlen,
    const char *sensor, unsigned days, struct buf *out,
    char serial[CA_SERIAL_MAX + 1], char *err, size_t errlen)
{
	gnutls_x509_crq_t crq = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)csr,
	    (unsigned)csrlen }, pem = { NULL, 0 };
	unsigned char keyid[64];
	size_t keyidlen = sizeof(keyid);
	int rc = -1;

	if (csrlen > 16384) {
		snprintf(err, errlen, "CSR too large");
		return -1;
	}
	GT("CSR", gnutls_x509_crq_init(&crq));
	GT("CSR", gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_PEM));
	/* The signature proves the sender holds the private key. */
	GT("CSR signature", gnutls_x509_crq_verify(crq, 0));
	GT("CSR key", gnutls_pubkey_init(&pub));
	GT("CSR key", gnutls_pubkey_import_x509_crq(pub, crq, 0));

	GT("certificate", gnutls_x509_crt_init(&crt));
	GT("certificate", gnutls_x509_crt_set_version(crt, 3));
	GT("certificate", random_serial(crt, serial, CA_SERIAL_MAX + 1));
	GT("certificate", validity(crt, days));
	GT("certificate", gnutls_x509_crt_set_dn_by_oid(crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, sensor, (unsigned)strlen(sensor)));
	GT("certificate", gnutls_x509_crt_set_pubkey(crt, pub));
	GT("certificate", gnutls_x509_crt_set_basic_constraints(crt, 0, -1));
	GT("certificate", gnutls_x509_crt_set_key_usage(crt,
	    GNUTLS_KEY_DIGITAL_SIGNATURE));
	GT("certificate", gnutls_x509_crt_set_key_purpose_oid(crt,
	    GNUTLS_KP_TLS_WWW_CLIENT, 0));
	GT("certificate", gnutls_x509_crt_get_key_id(ca->crt, 0, keyid,
	    &keyidlen));
	GT("certificate", gnutls_x509_crt_set_authority_key_id(crt, keyid,
	    keyidlen));
	GT("certificate", gnutls_x509_crt_sign2(crt, ca->crt, ca->key,
	    GNUTLS_DIG_SHA256, 0));
	GT("certificate", gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM,
	    &pem));
	if (buf_add(out, pem.data, pem.size) == -1) {
		snprintf(err, errlen, "certificate: %s", strerror(errno));
		goto fail;
	}
	rc = 0;
fail:
	gnutls_free(pem.data);
	if (crq != NULL)
		gnutls_x509_crq_deinit(crq);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	return rc;
}

int
ca_pin_file(const char *file, char pin[CA_PIN_LEN + 1], char *err,
    size_t errlen)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t d, spki = { NULL, 0 };
	unsigned char h[32];
	char *pem;
	size_t len, i;
	int rc = -1;

	if ((pem = ca_read_file(file, &len, err, errlen)) == NULL)
		return -1;
	d.data = (unsigned char *)pem;
	d.size = (unsigned)len;
	GT(file, gnutls_x509_crt_init(&crt));
	GT(file, gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM));
	GT(file, gnutls_pubkey_init(&pub));
	GT(file, gnutls_pubkey_import_x509(pub, crt, 0));
	GT(file, gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &spki));
	GT(file, gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size, h));
	for (i = 0; i < sizeof(h); i++)
		snprintf(pin + 2 * i, 3, "%02x", h[i]);
	rc = 0;
fail:
	free(pem);
	gnutls_free(spki.data);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

int
ca_peer_identity(gnutls_session_t session, char *cn, size_t cnlen,
    char serial[CA_SERIAL_MAX + 1], char *err, size_t errlen)
{
	gnutls_typed_vdata_st purpose = {
		.type = GNUTLS_DT_KEY_PURPOSE_OID,
		.data = (unsigned char *)(uintptr_t)GNUTLS_KP_TLS_WWW_CLIENT,
		.size = 0
	};
	const gnutls_datum_t *chain;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t txt = { NULL, 0 };
	unsigned int status = 0, n = 0;
	unsigned char sbin[32];
	size_t sl = sizeof(sbin), i;
	int rc;

	if (session == NULL ||
	    (chain = gnutls_certificate_get_peers(session, &n)) == NULL ||
	    n == 0) {
		snprintf(err, errlen, "no client certificate");
		return -1;
	}
	rc = gnutls_certificate_verify_peers(session, &purpose, 1, &status);
	if (rc < 0) {
		snprintf(err, errlen, "client certificate: %s",
		    gnutls_strerror(rc));
		return -1;
	}
	if (status != 0) {
		if (gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &txt, 0) == 0) {
			snprintf(err, errlen, "client certificate refused: %s",
			    txt.data);
			gnutls_free(txt.data);
		} else
			snprintf(err, errlen, "client certificate refused");
		return -1;
	}
	GT("client certificate", gnutls_x509_crt_init(&crt));
	GT("client certificate", gnutls_x509_crt_import(crt, &chain[0],
	    GNUTLS_X509_FMT_DER));
	GT("client certificate CN", gnutls_x509_crt_get_dn_by_oid(crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cnlen));
	GT("client certificate serial", gnutls_x509_crt_get_serial(crt, sbin,
	    &sl));
	for (i = 0; i < sl && 2 * i + 2 <= CA_SERIAL_MAX; i++)
		snprintf(serial + 2 * i, 3, "%02x", sbin[i]);
	serial[2 * i] = '\0';
	gnutls_x509_crt_deinit(crt);
	return 0;
fail:
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	return -1;
}
