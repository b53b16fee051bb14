/*
 * The server's certificate authority (GnuTLS).  ca_init writes, in dir:
 *	ca.pem ca.key		the CA (key 0600; only the server reads it)
 *	server.pem server.key	the HTTPS certificate, signed by the CA
 * Sensors get client certificates signed by the same CA (ca_sign_csr):
 * subject CN = the sensor's name, extended key usage TLS client only.
 */
#ifndef DIAS_CA_H
#define DIAS_CA_H

#include <stddef.h>

#include <gnutls/gnutls.h>

struct buf;
struct ca;

#define CA_SERIAL_MAX	64	/* hex digits */
#define CA_PIN_LEN	64	/* hex of a SHA-256 */

/* Create the CA and the server certificate for names (DNS names or IP
 * addresses; at least one).  Refuses to overwrite an existing CA. */
int	 ca_init(const char *dir, const char *const *names, size_t nnames,
	    unsigned days, char *err, size_t errlen);

/* Load ca.pem and ca.key from dir. */
struct ca	*ca_load(const char *dir, char *err, size_t errlen);
void		 ca_free(struct ca *);

/*
 * Check a PEM CSR (its self-signature proves the key) and issue a client
 * certificate for sensor, valid for days.  The CSR's subject is ignored:
 * the name comes from the enrollment token.  Appends the PEM certificate
 * to out and writes its serial as hex.
 */
int	 ca_sign_csr(struct ca *, const char *csr, size_t csrlen,
	    const char *sensor, unsigned days, struct buf *out,
	    char serial[CA_SERIAL_MAX + 1], char *err, size_t errlen);

/* SHA-256 (hex) of the SubjectPublicKeyInfo of the PEM certificate in
 * file: what an enrollment token pins before the sensor trusts the CA. */
int	 ca_pin_file(const char *file, char pin[CA_PIN_LEN + 1], char *err,
	    size_t errlen);

/*
 * The client certificate of a TLS session, checked against the session's
 * trusted CA for TLS client use.  Writes the subject CN and serial (hex).
 * 0 verified; -1 with err: no certificate, not signed by our CA,
 * expired, or unusable.
 */
int	 ca_peer_identity(gnutls_session_t, char *cn, size_t cnlen,
	    char serial[CA_SERIAL_MAX + 1], char *err, size_t errlen);

/* Read a whole (small) file into a NUL-terminated malloc'd string. */
char	*ca_read_file(const char *path, size_t *len, char *err, size_t errlen);

#endif
