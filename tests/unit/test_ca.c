/*
 * The server CA: init, signing a sensor's request, pins.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "buf.h"
#include "ca.h"
#include "test_tmp.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	return tmpdir_make(dir, sizeof(dir), "ca");
}

static int
teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

static void
make_csr(const char *cn, gnutls_datum_t *pem)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crq_t crq;

	assert_int_equal(gnutls_x509_privkey_init(&key), 0);
	assert_int_equal(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	assert_int_equal(gnutls_x509_crq_init(&crq), 0);
	assert_int_equal(gnutls_x509_crq_set_dn_by_oid(crq,
	    GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned)strlen(cn)), 0);
	assert_int_equal(gnutls_x509_crq_set_key(crq, key), 0);
	assert_int_equal(gnutls_x509_crq_sign2(crq, key, GNUTLS_DIG_SHA256,
	    0), 0);
	assert_int_equal(gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_PEM,
	    pem), 0);
	gnutls_x509_crq_deinit(crq);
	gnutls_x509_privkey_deinit(key);
}

static void
test_ca_init_signs_a_server_certificate_once(void **state)
{
	const char *names[] = { "dias.example", "10.30.0.2" };
	char err[512], path[128], pin[CA_PIN_LEN + 1];
	struct stat st;

	(void)state;
	assert_int_equal(ca_init(dir, names, 2, 30, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/ca.key", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/server.pem", dir);
	assert_int_equal(ca_pin_file(path, pin, err, sizeof(err)), 0);
	assert_int_equal(strlen(pin), CA_PIN_LEN);
	assert_int_equal(ca_init(dir, names, 2, 30, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already"));
	assert_int_equal(ca_init(dir, names, 0, 30, err, sizeof(err)), -1);
}

static void
test_ca_signs_a_client_certificate_for_the_token_name(void **state)
{
	const char *names[] = { "localhost" };
	gnutls_x509_crt_t crt, cacrt;
	gnutls_datum_t csr, d;
	struct buf out;
	struct ca *ca;
	char err[512], serial[CA_SERIAL_MAX + 1], cn[64], *capem, path[128];
	size_t cnlen = sizeof(cn), len;
	unsigned int verify;

	(void)state;
	assert_int_equal(ca_init(dir, names, 1, 30, err, sizeof(err)), 0);
	assert_non_null(ca = ca_load(dir, err, sizeof(err)));
	make_csr("whatever-the-sensor-asked", &csr);
	buf_init(&out, 16384);
	assert_int_equal(ca_sign_csr(ca, (const char *)csr.data, csr.size,
	    "s1", 30, &out, serial, err, sizeof(err)), 0);
	assert_int_equal(strlen(serial), 32);

	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	d.data = out.data;
	d.size = (unsigned)out.len;
	assert_int_equal(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM),
	    0);
	assert_int_equal(gnutls_x509_crt_get_dn_by_oid(crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cnlen), 0);
	assert_string_equal(cn, "s1");
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	assert_non_null(capem = ca_read_file(path, &len, err, sizeof(err)));
	assert_int_equal(gnutls_x509_crt_init(&cacrt), 0);
	d.data = (unsigned char *)capem;
	d.size = (unsigned)len;
	assert_int_equal(gnutls_x509_crt_import(cacrt, &d,
	    GNUTLS_X509_FMT_PEM), 0);
	assert_int_equal(gnutls_x509_crt_verify(crt, &cacrt, 1, 0, &verify),
	    0);
	assert_int_equal(verify, 0);

	/* A damaged request is refused. */
	csr.data[csr.size / 2] ^= 0x01;
	buf_reset(&out);
	assert_int_equal(ca_sign_csr(ca, (const char *)csr.data, csr.size,
	    "s1", 30, &out, serial, err, sizeof(err)), -1);
	assert_int_equal(out.len, 0);

	gnutls_free(csr.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_crt_deinit(cacrt);
	free(capem);
	buf_free(&out);
	ca_free(ca);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_ca_init_signs_a_server_certificate_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ca_signs_a_client_certificate_for_the_token_name,
		    setup, teardown),
	};
	int rc;

	gnutls_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	gnutls_global_deinit();
	return rc;
}
