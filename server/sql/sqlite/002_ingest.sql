-- Ingest speed (issue 5).  events becomes a WITHOUT ROWID table keyed by
-- (sensor_id, seq): the idempotence key is the row's own key, so storing
-- an event touches one b-tree instead of three (rowid table, unique index,
-- ts index).  A sensor's seqs only grow, so rows are appended in key
-- order.  events_ts goes: the export reads by (sensor, seq), and every
-- time-ranged question is asked of connections, payloads or alerts.
CREATE TABLE events_new (
	sensor_id	INTEGER NOT NULL REFERENCES sensors(id),
	seq		INTEGER NOT NULL,
	ts		INTEGER NOT NULL,
	kind		INTEGER NOT NULL,
	line		TEXT NOT NULL,
	PRIMARY KEY (sensor_id, seq)
) WITHOUT ROWID;
INSERT INTO events_new (sensor_id, seq, ts, kind, line)
	SELECT sensor_id, seq, ts, kind, line FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
