/*
 * Sensor enrollment: `dias-sensor enroll URL TOKEN`.
 *
 * enroll_run makes a new private key (files->key, mode 0600; it never
 * leaves the sensor), sends a certificate request for name to
 * URL/api/v1/enroll with the one-time token from `diasctl sensor add`,
 * and stores the certificate the server's CA signed (files->cert) and
 * the CA certificate (files->ca).  Each file is written atomically; the
 * directories must exist.
 *
 * The token is SECRET.PIN: PIN is the SHA-256 of the server key (hex);
 * the server is trusted for this one request because it holds that key,
 * and after it by the CA it sent.
 * Returns 0, or -1 with err filled.
 */
#ifndef DIAS_ENROLL_H
#define DIAS_ENROLL_H

#include <stddef.h>

struct enroll_files {
	const char	*key, *cert, *ca;
};

int	 enroll_run(const char *url, const char *token, const char *name,
	    const struct enroll_files *, char *err, size_t errlen);

/*
 * The name the server knows this sensor by: the common name of the
 * certificate enrollment stored at cert.  0 and the name in name, or -1
 * when there is no such file or it holds no common name that fits len.
 */
int	 enroll_cert_name(const char *cert, char *name, size_t len);

#endif
