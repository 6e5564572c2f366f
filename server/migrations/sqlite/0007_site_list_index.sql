-- The registry's list is ordered by (active first, kind, name) and read a page at a time: with this
-- index SQLite walks the first page in order and stops, instead of sorting every site per request.
CREATE INDEX sites_list_idx ON sites(active DESC, kind, name);
