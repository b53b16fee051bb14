-- DIAS schema, SQLite dialect, version 1 (DESIGN.md §5).
-- Times are µs since the epoch.  Addresses are 16-byte blobs (IPv4 as
-- ::ffff:a.b.c.d) so a CIDR is a BETWEEN on an index.

CREATE TABLE organizations (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	created		INTEGER NOT NULL
);

CREATE TABLE sensors (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	org_id		INTEGER NOT NULL REFERENCES organizations(id),
	created		INTEGER NOT NULL,
	token_sha256	TEXT UNIQUE,
	token_expires	INTEGER NOT NULL DEFAULT 0,
	cert_serial	TEXT NOT NULL DEFAULT '',
	revoked		INTEGER NOT NULL DEFAULT 0,
	last_seen	INTEGER NOT NULL DEFAULT 0,
	last_seq	INTEGER NOT NULL DEFAULT 0,
	backlog		INTEGER NOT NULL DEFAULT 0,
	claimed		INTEGER NOT NULL DEFAULT 0,
	counters	TEXT NOT NULL DEFAULT '{}'
);

-- IPMS Profile and VirtHost: what a sensor emulates.
CREATE TABLE profiles (
	id		INTEGER PRIMARY KEY,
	sensor_id	INTEGER NOT NULL REFERENCES sensors(id),
	name		TEXT NOT NULL,
	personality	TEXT NOT NULL DEFAULT '',
	body		TEXT NOT NULL DEFAULT '',
	UNIQUE (sensor_id, name)
);

CREATE TABLE virthosts (
	id		INTEGER PRIMARY KEY,
	sensor_id	INTEGER NOT NULL REFERENCES sensors(id),
	addr		BLOB NOT NULL,
	profile_id	INTEGER REFERENCES profiles(id),
	first_seen	INTEGER NOT NULL,
	last_seen	INTEGER NOT NULL,
	UNIQUE (sensor_id, addr)
);

-- Every event as received, one row per (sensor, seq): the idempotence key
-- and the export.
CREATE TABLE events (
	id		INTEGER PRIMARY KEY,
	sensor_id	INTEGER NOT NULL REFERENCES sensors(id),
	seq		INTEGER NOT NULL,
	ts		INTEGER NOT NULL,
	kind		INTEGER NOT NULL,
	line		TEXT NOT NULL,
	UNIQUE (sensor_id, seq)
);
CREATE INDEX events_ts ON events (ts);

-- IPMS SensorLog: one row per connection, start and end merged.
CREATE TABLE connections (
	id		INTEGER PRIMARY KEY,
	sensor_id	INTEGER NOT NULL REFERENCES sensors(id),
	conn		INTEGER NOT NULL,
	ts		INTEGER NOT NULL,
	end_ts		INTEGER NOT NULL DEFAULT 0,
	proto		INTEGER NOT NULL,
	src		BLOB NOT NULL,
	sport		INTEGER NOT NULL,
	dst		BLOB NOT NULL,
	dport		INTEGER NOT NULL,
	template	TEXT NOT NULL,
	service		TEXT NOT NULL,
	pkts_in		INTEGER NOT NULL DEFAULT 0,
	pkts_out	INTEGER NOT NULL DEFAULT 0,
	bytes_in	INTEGER NOT NULL DEFAULT 0,
	bytes_out	INTEGER NOT NULL DEFAULT 0,
	flags		INTEGER NOT NULL DEFAULT 0,
	reason		INTEGER NOT NULL DEFAULT 0,
	UNIQUE (sensor_id, conn)
);
CREATE INDEX connections_ts ON connections (ts, id);
CREATE INDEX connections_sensor ON connections (sensor_id, ts, id);
CREATE INDEX connections_src ON connections (src, ts, id);
CREATE INDEX connections_dst ON connections (dst, ts, id);
CREATE INDEX connections_dport ON connections (dport, ts, id);

-- IPMS Data.
CREATE TABLE payloads (
	id		INTEGER PRIMARY KEY,
	sensor_id	INTEGER NOT NULL REFERENCES sensors(id),
	seq		INTEGER NOT NULL,
	conn		INTEGER NOT NULL,
	ts		INTEGER NOT NULL,
	dir		INTEGER NOT NULL,
	off		INTEGER NOT NULL,
	data		BLOB NOT NULL
);
CREATE INDEX payloads_conn ON payloads (sensor_id, conn, off);
CREATE INDEX payloads_ts ON payloads (ts);

CREATE TABLE uploads (
	id		INTEGER PRIMARY KEY,
	sensor_id	INTEGER NOT NULL REFERENCES sensors(id),
	seq		INTEGER NOT NULL,
	conn		INTEGER NOT NULL,
	ts		INTEGER NOT NULL,
	name		TEXT NOT NULL,
	size		INTEGER NOT NULL,
	sha256		TEXT NOT NULL,
	stored		INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX uploads_sha256 ON uploads (sha256);
CREATE INDEX uploads_ts ON uploads (ts);

-- The DIAS Data Receiving Component: capture files, in original format.
CREATE TABLE captures (
	id		INTEGER PRIMARY KEY,
	sensor_id	INTEGER NOT NULL REFERENCES sensors(id),
	name		TEXT NOT NULL,
	size		INTEGER NOT NULL,
	sha256		TEXT NOT NULL,
	path		TEXT NOT NULL,
	received	INTEGER NOT NULL,
	analyzed	INTEGER NOT NULL DEFAULT 0,
	UNIQUE (sensor_id, name)
);

CREATE TABLE alerts (
	id		INTEGER PRIMARY KEY,
	sensor_id	INTEGER REFERENCES sensors(id),
	seq		INTEGER,
	ts		INTEGER NOT NULL,
	sid		INTEGER NOT NULL,
	rev		INTEGER NOT NULL,
	priority	INTEGER NOT NULL,
	classtype	TEXT NOT NULL,
	msg		TEXT NOT NULL,
	proto		INTEGER NOT NULL DEFAULT 0,
	src		BLOB,
	sport		INTEGER NOT NULL DEFAULT 0,
	dst		BLOB,
	dport		INTEGER NOT NULL DEFAULT 0,
	conn		INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX alerts_ts ON alerts (ts);
CREATE INDEX alerts_src ON alerts (src, ts);

-- IPMS Rule.
CREATE TABLE decisions (
	id		INTEGER PRIMARY KEY,
	created		INTEGER NOT NULL,
	scenario	TEXT NOT NULL,
	action		TEXT NOT NULL,
	cidr		TEXT NOT NULL,
	expires		INTEGER NOT NULL DEFAULT 0,
	state		TEXT NOT NULL,
	enabled		INTEGER NOT NULL DEFAULT 1,
	reason		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX decisions_created ON decisions (created);

-- IPMS Device.
CREATE TABLE devices (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	kind		TEXT NOT NULL,
	address		TEXT NOT NULL DEFAULT '',
	scope		TEXT NOT NULL DEFAULT '',
	key_sha256	TEXT,
	last_seen	INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE device_decisions (
	device_id	INTEGER NOT NULL REFERENCES devices(id),
	decision_id	INTEGER NOT NULL REFERENCES decisions(id),
	state		TEXT NOT NULL,
	updated		INTEGER NOT NULL,
	detail		TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (device_id, decision_id)
);

CREATE TABLE whitelist (
	id		INTEGER PRIMARY KEY,
	cidr		TEXT NOT NULL UNIQUE,
	comment		TEXT NOT NULL DEFAULT '',
	created		INTEGER NOT NULL
);

CREATE TABLE feeds (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	url		TEXT NOT NULL,
	format		TEXT NOT NULL,
	period		INTEGER NOT NULL,
	last_fetch	INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE blacklist (
	id		INTEGER PRIMARY KEY,
	cidr		TEXT NOT NULL,
	feed_id		INTEGER REFERENCES feeds(id),
	comment		TEXT NOT NULL DEFAULT '',
	created		INTEGER NOT NULL,
	expires		INTEGER NOT NULL DEFAULT 0,
	UNIQUE (cidr, feed_id)
);

CREATE TABLE reports (
	id		INTEGER PRIMARY KEY,
	org_id		INTEGER NOT NULL REFERENCES organizations(id),
	day		TEXT NOT NULL,
	state		TEXT NOT NULL,
	body		TEXT NOT NULL,
	annotation	TEXT NOT NULL DEFAULT '',
	created		INTEGER NOT NULL,
	verified_by	INTEGER,
	UNIQUE (org_id, day)
);

CREATE TABLE users (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	org_id		INTEGER REFERENCES organizations(id),
	role		TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'org')),
	pwhash		TEXT NOT NULL,
	created		INTEGER NOT NULL,
	disabled	INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
	token_sha256	TEXT PRIMARY KEY,
	user_id		INTEGER NOT NULL REFERENCES users(id),
	csrf		TEXT NOT NULL,
	created		INTEGER NOT NULL,
	expires		INTEGER NOT NULL
);

CREATE TABLE api_keys (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER NOT NULL REFERENCES users(id),
	name		TEXT NOT NULL,
	key_sha256	TEXT NOT NULL UNIQUE,
	created		INTEGER NOT NULL,
	expires		INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE audit_log (
	id		INTEGER PRIMARY KEY,
	ts		INTEGER NOT NULL,
	actor		TEXT NOT NULL,
	action		TEXT NOT NULL,
	object		TEXT NOT NULL,
	detail		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_ts ON audit_log (ts);
