-- "Nearest to me" searches a box of latitudes around the phone before sorting by distance.
CREATE INDEX sites_active_lat_idx ON sites(active, lat, lon);
