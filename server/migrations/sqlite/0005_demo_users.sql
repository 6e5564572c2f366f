-- Accounts the demo seed made. The seed keeps only these in step with DEMO_PASSWORD, and a start
-- without demo mode disables them; an account an operator made is never touched.
ALTER TABLE users ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
