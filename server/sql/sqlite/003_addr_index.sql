-- Ingest speed (issue 5), part two: the address indexes are kept behind.
--
-- connections_src and connections_dst were B-tree indexes keyed by a
-- random address: every stored batch dirtied one leaf page of each per
-- connection, and each dirty page is a whole page in the WAL, so those two
-- indexes cost more than the rest of a batch together.  They become the
-- tables conn_src and conn_dst, (addr, ts, id) like the indexes they
-- replace, filled in key order by the writer in chunks of thousands of
-- rows (store_sqlite.c, addr_index_catch_up), which dirty each leaf once
-- per chunk instead of once per row.
--
-- conn_indexed.upto is the highest connections.id they cover.  A listing
-- filtered by address reads conn_src for rows up to it and the few rows
-- above it from connections itself, in one statement and so one snapshot:
-- the answer is exact whether or not the indexer has caught up.  The
-- triggers keep covered rows right when their ts moves (a start event
-- stored after its end) or they are deleted.
DROP INDEX connections_src;
DROP INDEX connections_dst;

CREATE TABLE conn_src (
	src	BLOB NOT NULL,
	ts	INTEGER NOT NULL,
	id	INTEGER NOT NULL,
	PRIMARY KEY (src, ts, id)
) WITHOUT ROWID;

CREATE TABLE conn_dst (
	dst	BLOB NOT NULL,
	ts	INTEGER NOT NULL,
	id	INTEGER NOT NULL,
	PRIMARY KEY (dst, ts, id)
) WITHOUT ROWID;

CREATE TABLE conn_indexed (
	one	INTEGER PRIMARY KEY CHECK (one = 1),
	upto	INTEGER NOT NULL
);

INSERT INTO conn_src (src, ts, id)
	SELECT src, ts, id FROM connections ORDER BY src, ts, id;
INSERT INTO conn_dst (dst, ts, id)
	SELECT dst, ts, id FROM connections ORDER BY dst, ts, id;
INSERT INTO conn_indexed (one, upto)
	SELECT 1, coalesce(max(id), 0) FROM connections;

CREATE TRIGGER conn_ts_moved AFTER UPDATE OF ts ON connections
WHEN old.ts <> new.ts AND old.id <= (SELECT upto FROM conn_indexed)
BEGIN
	UPDATE conn_src SET ts = new.ts
	    WHERE src = old.src AND ts = old.ts AND id = old.id;
	UPDATE conn_dst SET ts = new.ts
	    WHERE dst = old.dst AND ts = old.ts AND id = old.id;
END;

CREATE TRIGGER conn_gone AFTER DELETE ON connections
WHEN old.id <= (SELECT upto FROM conn_indexed)
BEGIN
	DELETE FROM conn_src WHERE src = old.src AND ts = old.ts AND id = old.id;
	DELETE FROM conn_dst WHERE dst = old.dst AND ts = old.ts AND id = old.id;
END;

-- connections.id is a plain rowid: after its newest rows are deleted, an
-- id at or below upto can be handed out again.  Such a row is indexed at
-- once, since the catch-up only ever looks above upto.
CREATE TRIGGER conn_id_reused AFTER INSERT ON connections
WHEN new.id <= (SELECT upto FROM conn_indexed)
BEGIN
	INSERT INTO conn_src (src, ts, id) VALUES (new.src, new.ts, new.id);
	INSERT INTO conn_dst (dst, ts, id) VALUES (new.dst, new.ts, new.id);
END;
