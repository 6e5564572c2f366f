-- A record's page shows the order its approval opened: find it by the check.
CREATE INDEX rectifications_inspection_idx ON rectifications(inspection_id);
