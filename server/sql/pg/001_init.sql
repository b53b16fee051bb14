-- DIAS schema, PostgreSQL dialect, version 1 (DESIGN.md §5).
-- Times are µs since the epoch; addresses are inet.

CREATE TABLE organizations (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	created		BIGINT NOT NULL
);

CREATE TABLE sensors (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	org_id		BIGINT NOT NULL REFERENCES organizations(id),
	created		BIGINT NOT NULL,
	token_sha256	TEXT UNIQUE,
	token_expires	BIGINT NOT NULL DEFAULT 0,
	cert_serial	TEXT NOT NULL DEFAULT '',
	revoked		BIGINT NOT NULL DEFAULT 0,
	last_seen	BIGINT NOT NULL DEFAULT 0,
	last_seq	BIGINT NOT NULL DEFAULT 0,
	backlog		BIGINT NOT NULL DEFAULT 0,
	claimed		BIGINT NOT NULL DEFAULT 0,
	counters	TEXT NOT NULL DEFAULT '{}'
);

-- IPMS Profile and VirtHost: what a sensor emulates.
CREATE TABLE profiles (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sensor_id	BIGINT NOT NULL REFERENCES sensors(id),
	name		TEXT NOT NULL,
	personality	TEXT NOT NULL DEFAULT '',
	body		TEXT NOT NULL DEFAULT '',
	UNIQUE (sensor_id, name)
);

CREATE TABLE virthosts (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sensor_id	BIGINT NOT NULL REFERENCES sensors(id),
	addr		INET NOT NULL,
	profile_id	BIGINT REFERENCES profiles(id),
	first_seen	BIGINT NOT NULL,
	last_seen	BIGINT NOT NULL,
	UNIQUE (sensor_id, addr)
);

-- Every event as received, one row per (sensor, seq): the idempotence key
-- and the export.
CREATE TABLE events (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sensor_id	BIGINT NOT NULL REFERENCES sensors(id),
	seq		BIGINT NOT NULL,
	ts		BIGINT NOT NULL,
	kind		BIGINT NOT NULL,
	line		TEXT NOT NULL,
	UNIQUE (sensor_id, seq)
);
CREATE INDEX events_ts ON events (ts);

-- IPMS SensorLog: one row per connection, start and end merged.
CREATE TABLE connections (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sensor_id	BIGINT NOT NULL REFERENCES sensors(id),
	conn		BIGINT NOT NULL,
	ts		BIGINT NOT NULL,
	end_ts		BIGINT NOT NULL DEFAULT 0,
	proto		BIGINT NOT NULL,
	src		INET NOT NULL,
	sport		BIGINT NOT NULL,
	dst		INET NOT NULL,
	dport		BIGINT NOT NULL,
	template	TEXT NOT NULL,
	service		TEXT NOT NULL,
	pkts_in		BIGINT NOT NULL DEFAULT 0,
	pkts_out	BIGINT NOT NULL DEFAULT 0,
	bytes_in	BIGINT NOT NULL DEFAULT 0,
	bytes_out	BIGINT NOT NULL DEFAULT 0,
	flags		BIGINT NOT NULL DEFAULT 0,
	reason		BIGINT NOT NULL DEFAULT 0,
	UNIQUE (sensor_id, conn)
);
CREATE INDEX connections_ts ON connections (ts, id);
CREATE INDEX connections_sensor ON connections (sensor_id, ts, id);
CREATE INDEX connections_src ON connections (src, ts, id);
CREATE INDEX connections_dst ON connections (dst, ts, id);
CREATE INDEX connections_dport ON connections (dport, ts, id);

-- IPMS Data.
CREATE TABLE payloads (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sensor_id	BIGINT NOT NULL REFERENCES sensors(id),
	seq		BIGINT NOT NULL,
	conn		BIGINT NOT NULL,
	ts		BIGINT NOT NULL,
	dir		BIGINT NOT NULL,
	off		BIGINT NOT NULL,
	data		BYTEA NOT NULL
);
CREATE INDEX payloads_conn ON payloads (sensor_id, conn, off);
CREATE INDEX payloads_ts ON payloads (ts);

CREATE TABLE uploads (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sensor_id	BIGINT NOT NULL REFERENCES sensors(id),
	seq		BIGINT NOT NULL,
	conn		BIGINT NOT NULL,
	ts		BIGINT NOT NULL,
	name		TEXT NOT NULL,
	size		BIGINT NOT NULL,
	sha256		TEXT NOT NULL,
	stored		BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX uploads_sha256 ON uploads (sha256);
CREATE INDEX uploads_ts ON uploads (ts);

-- The DIAS Data Receiving Component: capture files, in original format.
CREATE TABLE captures (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sensor_id	BIGINT NOT NULL REFERENCES sensors(id),
	name		TEXT NOT NULL,
	size		BIGINT NOT NULL,
	sha256		TEXT NOT NULL,
	path		TEXT NOT NULL,
	received	BIGINT NOT NULL,
	analyzed	BIGINT NOT NULL DEFAULT 0,
	UNIQUE (sensor_id, name)
);

CREATE TABLE alerts (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sensor_id	BIGINT REFERENCES sensors(id),
	seq		BIGINT,
	ts		BIGINT NOT NULL,
	sid		BIGINT NOT NULL,
	rev		BIGINT NOT NULL,
	priority	BIGINT NOT NULL,
	classtype	TEXT NOT NULL,
	msg		TEXT NOT NULL,
	proto		BIGINT NOT NULL DEFAULT 0,
	src		INET,
	sport		BIGINT NOT NULL DEFAULT 0,
	dst		INET,
	dport		BIGINT NOT NULL DEFAULT 0,
	conn		BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX alerts_ts ON alerts (ts);
CREATE INDEX alerts_src ON alerts (src, ts);

-- IPMS Rule.
CREATE TABLE decisions (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	created		BIGINT NOT NULL,
	scenario	TEXT NOT NULL,
	action		TEXT NOT NULL,
	cidr		TEXT NOT NULL,
	expires		BIGINT NOT NULL DEFAULT 0,
	state		TEXT NOT NULL,
	enabled		BIGINT NOT NULL DEFAULT 1,
	reason		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX decisions_created ON decisions (created);

-- IPMS Device.
CREATE TABLE devices (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	kind		TEXT NOT NULL,
	address		TEXT NOT NULL DEFAULT '',
	scope		TEXT NOT NULL DEFAULT '',
	key_sha256	TEXT,
	last_seen	BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE device_decisions (
	device_id	BIGINT NOT NULL REFERENCES devices(id),
	decision_id	BIGINT NOT NULL REFERENCES decisions(id),
	state		TEXT NOT NULL,
	updated		BIGINT NOT NULL,
	detail		TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (device_id, decision_id)
);

CREATE TABLE whitelist (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	cidr		TEXT NOT NULL UNIQUE,
	comment		TEXT NOT NULL DEFAULT '',
	created		BIGINT NOT NULL
);

CREATE TABLE feeds (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	url		TEXT NOT NULL,
	format		TEXT NOT NULL,
	period		BIGINT NOT NULL,
	last_fetch	BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE blacklist (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	cidr		TEXT NOT NULL,
	feed_id		BIGINT REFERENCES feeds(id),
	comment		TEXT NOT NULL DEFAULT '',
	created		BIGINT NOT NULL,
	expires		BIGINT NOT NULL DEFAULT 0,
	UNIQUE (cidr, feed_id)
);

CREATE TABLE reports (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id		BIGINT NOT NULL REFERENCES organizations(id),
	day		TEXT NOT NULL,
	state		TEXT NOT NULL,
	body		TEXT NOT NULL,
	annotation	TEXT NOT NULL DEFAULT '',
	created		BIGINT NOT NULL,
	verified_by	BIGINT,
	UNIQUE (org_id, day)
);

CREATE TABLE users (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	org_id		BIGINT REFERENCES organizations(id),
	role		TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'org')),
	pwhash		TEXT NOT NULL,
	created		BIGINT NOT NULL,
	disabled	BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
	token_sha256	TEXT PRIMARY KEY,
	user_id		BIGINT NOT NULL REFERENCES users(id),
	csrf		TEXT NOT NULL,
	created		BIGINT NOT NULL,
	expires		BIGINT NOT NULL
);

CREATE TABLE api_keys (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id		BIGINT NOT NULL REFERENCES users(id),
	name		TEXT NOT NULL,
	key_sha256	TEXT NOT NULL UNIQUE,
	created		BIGINT NOT NULL,
	expires		BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE audit_log (
	id		BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	ts		BIGINT NOT NULL,
	actor		TEXT NOT NULL,
	action		TEXT NOT NULL,
	object		TEXT NOT NULL,
	detail		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_ts ON audit_log (ts);
