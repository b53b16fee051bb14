/*
 * The sensor side of enrollment (GnuTLS for the key and request, libcurl
 * for the one HTTPS POST).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>

#include "buf.h"
#include "enroll.h"
#include "file.h"

#define REPLY_MAX	(256 * 1024)
#define PIN_HEX		64

#define GT(what, call) do {						\
	int gt_rc_ = (call);						\
	if (gt_rc_ < 0) {						\
		snprintf(err, errlen, "%s: %s", what,			\
		    gnutls_strerror(gt_rc_));				\
		goto fail;						\
	}								\
} while (0)

/* Write path atomically (lib/file.c), or say why not in err. */
static int
write_file(const char *path, const void *data, size_t len, mode_t mode,
    char *err, size_t errlen)
{
	if (file_write_atomic(path, data, len, mode) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* "sha256//" + base64 of the pin, as CURLOPT_PINNEDPUBLICKEY wants. */
static int
pin_option(const char *token, char *out, size_t outlen)
{
	const char *dot = strchr(token, '.');
	gnutls_datum_t hex, raw = { NULL, 0 }, b64 = { NULL, 0 };
	size_t i;
	int rv = -1;

	if (dot == NULL || strlen(dot + 1) != PIN_HEX)
		return -1;
	/* diasctl prints the pin in lowercase hex; accept nothing else. */
	for (i = 1; i <= PIN_HEX; i++)
		if (!((dot[i] >= '0' && dot[i] <= '9') ||
		    (dot[i] >= 'a' && dot[i] <= 'f')))
			return -1;
	hex.data = (unsigned char *)(uintptr_t)(dot + 1);
	hex.size = PIN_HEX;
	if (gnutls_hex_decode2(&hex, &raw) < 0 || raw.size != 32 ||
	    gnutls_base64_encode2(&raw, &b64) < 0)
		goto done;
	if (snprintf(out, outlen, "sha256//%.*s", (int)b64.size,
	    (const char *)b64.data) < (int)outlen)
		rv = 0;
done:
	gnutls_free(raw.data);
	gnutls_free(b64.data);
	return rv;
}

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_add(b, data, size * n) == -1)
		return 0;	/* curl stops with CURLE_WRITE_ERROR */
	return size * n;
}

int
enroll_run(const char *url, const char *token, const char *name,
    const struct enroll_files *files, char *err, size_t errlen)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crq_t crq = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t keypem = { NULL, 0 }, csr = { NULL, 0 }, d;
	struct curl_slist *hdrs = NULL;
	struct buf reply;
	CURL *curl = NULL;
	json_t *req = NULL, *resp = NULL;
	const char *certpem, *capem, *sensor;
	char pin[64], endpoint[2048], cn[256], *body = NULL;
	size_t cnlen = sizeof(cn);
	long status = 0;
	CURLcode cc;
	int rc = -1;

	buf_init(&reply, REPLY_MAX);
	if (pin_option(token, pin, sizeof(pin)) == -1) {
		snprintf(err, errlen, "the token is not SECRET.PIN as diasctl "
		    "sensor add prints it");
		goto fail;
	}
	if (snprintf(endpoint, sizeof(endpoint), "%s%sapi/v1/enroll", url,
	    url[0] && url[strlen(url) - 1] == '/' ? "" : "/") >=
	    (int)sizeof(endpoint)) {
		snprintf(err, errlen, "URL too long");
		goto fail;
	}

	/* The key is made here and stays here. */
	GT("key", gnutls_x509_privkey_init(&key));
	GT("key", gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0));
	GT("key", gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM,
	    &keypem));
	GT("request", gnutls_x509_crq_init(&crq));
	GT("request", gnutls_x509_crq_set_version(crq, 1));
	GT("request", gnutls_x509_crq_set_dn_by_oid(crq,
	    GNUTLS_OID_X520_COMMON_NAME, 0, name, (unsigned)strlen(name)));
	GT("request", gnutls_x509_crq_set_key(crq, key));
	GT("request", gnutls_x509_crq_sign2(crq, key, GNUTLS_DIG_SHA256, 0));
	GT("request", gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_PEM,
	    &csr));

	req = json_pack("{s:s, s:s%}", "token", token, "csr",
	    (const char *)csr.data, (size_t)csr.size);
	if (req == NULL || (body = json_dumps(req, JSON_COMPACT)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		goto fail;
	}
	hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, endpoint);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	/* No CA yet: the pinned server key is the trust. */
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(curl, CURLOPT_PINNEDPUBLICKEY, pin);
	curl_easy_setopt(curl, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_3);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
	if ((cc = curl_easy_perform(curl)) != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", endpoint,
		    curl_easy_strerror(cc));
		goto fail;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	resp = json_loadb((const char *)reply.data, reply.len, 0, NULL);
	if (status != 200) {
		const char *why = NULL;

		if (resp != NULL)
			(void)json_unpack(resp, "{s:s}", "error", &why);
		snprintf(err, errlen, "%s: HTTP %ld: %s", endpoint, status,
		    why ? why : "no reason given");
		goto fail;
	}
	if (resp == NULL || json_unpack(resp, "{s:s, s:s, s:s}", "sensor",
	    &sensor, "certificate", &certpem, "ca", &capem) == -1) {
		snprintf(err, errlen, "%s: unexpected answer", endpoint);
		goto fail;
	}
	/* The certificate must be for our key and our name. */
	d.data = (unsigned char *)(uintptr_t)certpem;
	d.size = (unsigned)strlen(certpem);
	GT("certificate", gnutls_x509_crt_init(&crt));
	GT("certificate", gnutls_x509_crt_import(crt, &d,
	    GNUTLS_X509_FMT_PEM));
	GT("certificate", gnutls_x509_crt_get_dn_by_oid(crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cnlen));
	if (strcmp(cn, name) != 0 || strcmp(sensor, name) != 0) {
		snprintf(err, errlen, "the token is for sensor \"%s\", not "
		    "\"%s\"", sensor, name);
		goto fail;
	}
	{
		unsigned char a[64], b[64];
		size_t al = sizeof(a), bl = sizeof(b);

		GT("certificate", gnutls_x509_crt_get_key_id(crt, 0, a, &al));
		GT("key", gnutls_x509_privkey_get_key_id(key, 0, b, &bl));
		if (al != bl || memcmp(a, b, al) != 0) {
			snprintf(err, errlen, "the certificate is not for "
			    "this key");
			goto fail;
		}
	}
	if (write_file(files->key, keypem.data, keypem.size, 0600,
	    err, errlen) == -1 ||
	    write_file(files->cert, certpem, strlen(certpem), 0644,
	    err, errlen) == -1 ||
	    write_file(files->ca, capem, strlen(capem), 0644, err,
	    errlen) == -1)
		goto fail;
	rc = 0;
fail:
	if (keypem.data != NULL) {
		explicit_bzero(keypem.data, keypem.size);
		gnutls_free(keypem.data);
	}
	gnutls_free(csr.data);
	if (key != NULL)
		gnutls_x509_privkey_deinit(key);
	if (crq != NULL)
		gnutls_x509_crq_deinit(crq);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	curl_slist_free_all(hdrs);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	json_decref(req);
	json_decref(resp);
	free(body);
	buf_free(&reply);
	return rc;
}

int
enroll_cert_name(const char *cert, char *name, size_t len)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t d = { NULL, 0 };
	size_t n = len;
	int rv = -1;

	if (gnutls_load_file(cert, &d) < 0 || gnutls_x509_crt_init(&crt) < 0)
		goto done;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    0, name, &n) < 0 || n == 0)
		goto done;
	rv = 0;
 done:
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	gnutls_free(d.data);
	return rv;
}
