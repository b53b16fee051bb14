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
-- the answer is exact whether or not the indexer has caught up.
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

-- A covered row whose ts moves (a start stored after its end) is moved in
-- conn_src and conn_dst by the store itself (store_sqlite.c, conn_move_ts):
-- a trigger on connections' INSERT or UPDATE would make every stored
-- connection run under a statement journal.  Deleting is rare; a trigger
-- takes covered rows out, and lowers upto to the highest id left, since
-- SQLite hands out max(id) + 1 next and such an id must be above the mark.
CREATE TRIGGER conn_gone AFTER DELETE ON connections
BEGIN
	DELETE FROM conn_src WHERE src = old.src AND ts = old.ts AND id = old.id;
	DELETE FROM conn_dst WHERE dst = old.dst AND ts = old.ts AND id = old.id;
	UPDATE conn_indexed SET upto = (SELECT coalesce(max(id), 0)
	    FROM connections) WHERE upto > (SELECT coalesce(max(id), 0)
	    FROM connections);
END;
