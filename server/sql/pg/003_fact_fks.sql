-- Ingest speed (issue 5): the partitioned fact tables lose their foreign
-- keys to sensors.  Each was a trigger per stored row that looked the
-- sensor up and locked its row FOR KEY SHARE; with batches of one sensor
-- committing side by side, those locks became multixacts, and the checks
-- took a third of PostgreSQL's CPU per event.  Every events row and
-- connections row is stored only with its key row (event_keys,
-- connection_keys, in the same statement, same sensor_id), and those
-- keep their foreign keys: the sensor is checked once per key, not once
-- per copy.  payloads rows follow their events rows.
ALTER TABLE events DROP CONSTRAINT events_sensor_id_fkey1;
ALTER TABLE connections DROP CONSTRAINT connections_sensor_id_fkey1;
ALTER TABLE payloads DROP CONSTRAINT payloads_sensor_id_fkey1;
