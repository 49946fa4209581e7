-- A project's assignments, newest first: the public board names each project's unit, the project
-- page lists its team and history, the batch job reads earlier proposals and declines. Without
-- this index each of those scanned every assignment ever made, finished ones included.
CREATE INDEX assignments_project ON assignments (project_id, id);
