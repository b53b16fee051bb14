-- DIAS schema, PostgreSQL dialect, version 2: daily range partitions on
-- ts (µs since the epoch, UTC days) for the three tables that grow with
-- traffic: events, connections and payloads.  Old days are dropped a
-- partition at a time instead of deleted row by row, and queries with a
-- time bound read only their days.
--
-- Partitions are named <table>_YYYYMMDD and made by
-- dias_partitions_ensure(first_day, ndays), which dias-server calls at
-- start and when the day changes, for today and the next three days.  A
-- row outside every day partition (an import of an old log, a sensor
-- with a wrong clock) lands in <table>_default.
--
-- Idempotency.  A unique index of a partitioned table must contain the
-- partition key, so (sensor_id, seq) cannot be unique on events itself,
-- and (sensor_id, seq, ts) would take a replay with another ts for a new
-- event.  The keys live in two small tables that are not partitioned:
--
--   event_keys (sensor_id, seq): an event is stored only if its key is
--	new, in the same statement (a CTE), so a replay stores nothing
--	twice, whatever its ts, and two instances storing the same event
--	at once serialize on the key's index entry;
--   connection_keys (sensor_id, conn) -> ts: where a connection's row
--	is.  Its start and end are merged into one row across batches: the
--	row's ts is the earliest event's, and when a start arrives after
--	its end the row moves to the start's ts (and day).
--
-- Their cost is one b-tree entry of two bigints per event and per
-- connection.

-- The function is created first: the copy below needs the days of the
-- existing rows to exist before rows arrive (a day cannot be made while
-- the default partition holds rows of it).
CREATE FUNCTION dias_partitions_ensure(first_day bigint, ndays int)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	d	bigint;
	t	text;
	part	text;
	made	int := 0;
BEGIN
	-- Several instances may start at once.
	PERFORM pg_advisory_xact_lock(4412012);
	FOR d IN first_day .. first_day + ndays - 1 LOOP
		FOREACH t IN ARRAY ARRAY['events', 'connections', 'payloads']
		LOOP
			part := t || '_' || to_char(to_timestamp(d * 86400)
			    AT TIME ZONE 'UTC', 'YYYYMMDD');
			CONTINUE WHEN to_regclass(part) IS NOT NULL;
			BEGIN
				EXECUTE format('CREATE TABLE %I PARTITION OF %I '
				    'FOR VALUES FROM (%s) TO (%s)', part, t,
				    d * 86400000000, (d + 1) * 86400000000);
				made := made + 1;
			EXCEPTION WHEN others THEN
				-- e.g. rows of that day in the default
				-- partition: they stay there, queryable.
				RAISE WARNING 'partition %: %', part, SQLERRM;
			END;
		END LOOP;
	END LOOP;
	RETURN made;
END
$$;

ALTER TABLE events RENAME TO events_v1;
ALTER TABLE connections RENAME TO connections_v1;
ALTER TABLE payloads RENAME TO payloads_v1;
ALTER INDEX events_ts RENAME TO events_v1_ts;
ALTER INDEX connections_ts RENAME TO connections_v1_ts;
ALTER INDEX connections_sensor RENAME TO connections_v1_sensor;
ALTER INDEX connections_src RENAME TO connections_v1_src;
ALTER INDEX connections_dst RENAME TO connections_v1_dst;
ALTER INDEX connections_dport RENAME TO connections_v1_dport;
ALTER INDEX payloads_conn RENAME TO payloads_v1_conn;
ALTER INDEX payloads_ts RENAME TO payloads_v1_ts;

CREATE TABLE event_keys (
	sensor_id	BIGINT NOT NULL REFERENCES sensors(id),
	seq		BIGINT NOT NULL,
	PRIMARY KEY (sensor_id, seq)
);

CREATE TABLE events (
	sensor_id	BIGINT NOT NULL REFERENCES sensors(id),
	seq		BIGINT NOT NULL,
	ts		BIGINT NOT NULL,
	kind		BIGINT NOT NULL,
	line		TEXT NOT NULL
) PARTITION BY RANGE (ts);
CREATE INDEX events_seq ON events (sensor_id, seq);
CREATE INDEX events_ts ON events (ts);
CREATE TABLE events_default PARTITION OF events DEFAULT;

CREATE TABLE connection_keys (
	sensor_id	BIGINT NOT NULL REFERENCES sensors(id),
	conn		BIGINT NOT NULL,
	ts		BIGINT NOT NULL,
	PRIMARY KEY (sensor_id, conn)
);

-- Identity columns need PostgreSQL 17 on a partitioned table: a plain
-- sequence, continuing the old ids.
CREATE SEQUENCE connections_ids AS BIGINT;
CREATE TABLE connections (
	id		BIGINT NOT NULL DEFAULT nextval('connections_ids'),
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
	PRIMARY KEY (id, ts),
	UNIQUE (sensor_id, conn, ts)
) PARTITION BY RANGE (ts);
ALTER SEQUENCE connections_ids OWNED BY connections.id;
CREATE INDEX connections_ts ON connections (ts, id);
CREATE INDEX connections_sensor ON connections (sensor_id, ts, id);
CREATE INDEX connections_src ON connections (src, ts, id);
CREATE INDEX connections_dst ON connections (dst, ts, id);
CREATE INDEX connections_dport ON connections (dport, ts, id);
CREATE TABLE connections_default PARTITION OF connections DEFAULT;

CREATE SEQUENCE payloads_ids AS BIGINT;
CREATE TABLE payloads (
	id		BIGINT NOT NULL DEFAULT nextval('payloads_ids'),
	sensor_id	BIGINT NOT NULL REFERENCES sensors(id),
	seq		BIGINT NOT NULL,
	conn		BIGINT NOT NULL,
	ts		BIGINT NOT NULL,
	dir		BIGINT NOT NULL,
	off		BIGINT NOT NULL,
	data		BYTEA NOT NULL,
	PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
ALTER SEQUENCE payloads_ids OWNED BY payloads.id;
CREATE INDEX payloads_conn ON payloads (sensor_id, conn, off);
CREATE INDEX payloads_ts ON payloads (ts);
CREATE TABLE payloads_default PARTITION OF payloads DEFAULT;

-- The rows of version 1, in day partitions.
SELECT dias_partitions_ensure(d, 1) FROM (
	SELECT DISTINCT ts / 86400000000 AS d FROM events_v1
	UNION SELECT DISTINCT ts / 86400000000 FROM connections_v1
	UNION SELECT DISTINCT ts / 86400000000 FROM payloads_v1) AS days;
INSERT INTO event_keys (sensor_id, seq) SELECT sensor_id, seq FROM events_v1;
INSERT INTO events (sensor_id, seq, ts, kind, line)
	SELECT sensor_id, seq, ts, kind, line FROM events_v1;
INSERT INTO connection_keys (sensor_id, conn, ts)
	SELECT sensor_id, conn, ts FROM connections_v1;
INSERT INTO connections SELECT * FROM connections_v1;
INSERT INTO payloads SELECT * FROM payloads_v1;
SELECT setval('connections_ids', coalesce(max(id), 0) + 1, false)
	FROM connections_v1;
SELECT setval('payloads_ids', coalesce(max(id), 0) + 1, false)
	FROM payloads_v1;
DROP TABLE events_v1, connections_v1, payloads_v1;
