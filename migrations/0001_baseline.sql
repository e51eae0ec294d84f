-- Baseline of the cell database: the voice service's data, one role per clinic confined to that
-- clinic's rows by row-level security, and an append-only, hash-chained audit log.
-- Applied once, in a transaction, by the migration function (lib/database/migrate.ts) as the master
-- user; never edit it once released: postgres-migrations refuses a changed file by its hash.

-- pgaudit logs statements (the parameter group loads and configures it); the extension must exist
-- in the database for its settings to take effect. It is required wherever RDS runs us (the
-- rds_superuser role exists there); a plain PostgreSQL without it (the test server) skips it.
-- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.pgaudit.html
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgaudit') THEN
    CREATE EXTENSION IF NOT EXISTS pgaudit;
  ELSIF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_superuser') THEN
    RAISE EXCEPTION 'pgaudit is not available on this RDS instance; the database audit trail cannot be created';
  ELSE
    RAISE NOTICE 'pgaudit is not available on this server (not RDS); skipped';
  END IF;
END
$$;

-- Group roles. Roles are cluster-wide, so they are created only if missing.
DO $$
BEGIN
  -- Every clinic's database user is a member; its privileges are the application's, its rows its clinic's.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'voice_clinic') THEN
    CREATE ROLE voice_clinic NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
  END IF;
  -- Held only by the migration user: offboarding deletes a whole clinic's rows through it.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'voice_lifecycle') THEN
    CREATE ROLE voice_lifecycle NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
  END IF;
END
$$;
GRANT voice_lifecycle TO CURRENT_USER;

-- Nobody but the clinics' users (and the master) may connect to this database or use its public schema.
DO $$
BEGIN
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO voice_clinic', current_database());
END
$$;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA voice;
REVOKE ALL ON SCHEMA voice FROM PUBLIC;
GRANT USAGE ON SCHEMA voice TO voice_clinic;
-- Functions are executable by PUBLIC unless revoked; ours are granted one by one.
ALTER DEFAULT PRIVILEGES IN SCHEMA voice REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- The clinics of this cell and their database users; maintained by the deploy from config.
CREATE TABLE voice.clinics (
  clinic_id     text PRIMARY KEY CHECK (clinic_id ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$'),
  database_user name NOT NULL UNIQUE,
  provisioned_at timestamptz NOT NULL DEFAULT now()
);

-- The clinic of the connected database user, or NULL for any other user. It reads session_user,
-- the authenticated login, which neither SET ROLE nor a session setting can change.
CREATE FUNCTION voice.current_clinic_id() RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$ SELECT clinic_id FROM voice.clinics WHERE database_user = session_user $$;
GRANT EXECUTE ON FUNCTION voice.current_clinic_id() TO voice_clinic;

-- Call metadata: one row per call the voice service handled.
CREATE TABLE voice.calls (
  clinic_id      text NOT NULL REFERENCES voice.clinics (clinic_id),
  call_id        text NOT NULL,
  started_at     timestamptz NOT NULL,
  ended_at       timestamptz,
  direction      text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  outcome        text,
  recording_key  text,
  transcript_key text,
  PRIMARY KEY (clinic_id, call_id)
);

-- Appointments booked, moved or cancelled by the voice service.
CREATE TABLE voice.appointments (
  clinic_id        text NOT NULL REFERENCES voice.clinics (clinic_id),
  appointment_id   uuid NOT NULL DEFAULT gen_random_uuid(),
  call_id          text,
  patient_ref      text NOT NULL,
  starts_at        timestamptz NOT NULL,
  duration_minutes integer NOT NULL CHECK (duration_minutes > 0),
  reason           text,
  status           text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled', 'completed', 'no-show')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (clinic_id, appointment_id),
  FOREIGN KEY (clinic_id, call_id) REFERENCES voice.calls (clinic_id, call_id)
);

-- Row-level security, forced so that it binds the tables' owner too: a clinic's user sees, changes
-- and adds only its own clinic's rows; the lifecycle role (the deploy) only reads and deletes them.
-- The sub-select makes PostgreSQL look the clinic up once per statement, not once per row.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['calls', 'appointments'] LOOP
    EXECUTE format('ALTER TABLE voice.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE voice.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('REVOKE ALL ON voice.%I FROM PUBLIC', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON voice.%I TO voice_clinic', t);
    EXECUTE format(
      'CREATE POLICY own_clinic ON voice.%I TO voice_clinic '
      'USING (clinic_id = (SELECT voice.current_clinic_id())) WITH CHECK (clinic_id = (SELECT voice.current_clinic_id()))', t);
    EXECUTE format('CREATE POLICY lifecycle_read ON voice.%I FOR SELECT TO voice_lifecycle USING (true)', t);
    EXECUTE format('CREATE POLICY lifecycle_delete ON voice.%I FOR DELETE TO voice_lifecycle USING (true)', t);
  END LOOP;
END
$$;

-- The audit log: every PHI read or write by call and clinic. Each row's hash covers its fields and
-- the previous row's hash, so altering, inserting or removing any earlier row breaks the chain.
CREATE TABLE voice.audit_log (
  seq           bigint PRIMARY KEY,
  occurred_at   timestamptz NOT NULL,
  database_user name NOT NULL,
  actor         text NOT NULL,
  action        text NOT NULL CHECK (action IN ('read', 'create', 'update', 'delete', 'export', 'offboard')),
  resource      text NOT NULL,
  clinic_id     text NOT NULL,
  call_id       text,
  previous_hash bytea NOT NULL,
  hash          bytea NOT NULL UNIQUE
);

-- The hash of one entry: SHA-256 over the previous hash and an unambiguous JSON array of the fields.
CREATE FUNCTION voice.audit_entry_hash(
  seq bigint, occurred_at timestamptz, database_user name, actor text, action text,
  resource text, clinic_id text, call_id text, previous_hash bytea
) RETURNS bytea
  LANGUAGE sql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT sha256(previous_hash || convert_to(json_build_array(
    seq, floor(extract(epoch FROM occurred_at) * 1000000)::bigint, database_user::text,
    actor, action, resource, clinic_id, call_id, encode(previous_hash, 'hex'))::text, 'UTF8'))
$$;

-- Fills in the chain fields of a new entry; callers cannot choose its number, time, user or hashes.
-- The advisory lock serialises writers so that entries chain in the order of their numbers.
CREATE FUNCTION voice.audit_log_chain() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  last_entry record;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('voice.audit_log'));
  SELECT a.seq, a.hash INTO last_entry FROM voice.audit_log a ORDER BY a.seq DESC LIMIT 1;
  NEW.seq := coalesce(last_entry.seq, 0) + 1;
  NEW.occurred_at := clock_timestamp();
  NEW.database_user := session_user;
  NEW.clinic_id := coalesce(NEW.clinic_id, voice.current_clinic_id());
  NEW.previous_hash := coalesce(last_entry.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
  NEW.hash := voice.audit_entry_hash(NEW.seq, NEW.occurred_at, NEW.database_user, NEW.actor, NEW.action,
    NEW.resource, NEW.clinic_id, NEW.call_id, NEW.previous_hash);
  RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON voice.audit_log
  FOR EACH ROW EXECUTE FUNCTION voice.audit_log_chain();

-- Append-only for every role, the owner and superusers included: a statement-level trigger refuses
-- UPDATE, DELETE and TRUNCATE even when they would touch no row.
CREATE FUNCTION voice.audit_log_refuse_change() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'voice.audit_log is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON voice.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION voice.audit_log_refuse_change();

ALTER TABLE voice.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE voice.audit_log FORCE ROW LEVEL SECURITY;
REVOKE ALL ON voice.audit_log FROM PUBLIC;
-- The owner keeps no right to change entries either (it could grant it back, which the chain exposes).
REVOKE UPDATE, DELETE, TRUNCATE ON voice.audit_log FROM CURRENT_USER;
-- Clinics append entries for their own clinic and read none; the lifecycle role appends offboarding records.
GRANT INSERT ON voice.audit_log TO voice_clinic;
CREATE POLICY own_clinic_append ON voice.audit_log FOR INSERT TO voice_clinic
  WITH CHECK (clinic_id = (SELECT voice.current_clinic_id()));
CREATE POLICY lifecycle_append ON voice.audit_log FOR INSERT TO voice_lifecycle WITH CHECK (true);
CREATE POLICY lifecycle_read ON voice.audit_log FOR SELECT TO voice_lifecycle USING (true);

-- Verifies the whole chain in order: numbering without gaps, each entry's previous hash, and each
-- entry's own hash recomputed from its fields. Returns the entry count and the head hash (to compare
-- with an earlier published head), and the first entry that fails, if any.
CREATE FUNCTION voice.verify_audit_chain()
  RETURNS TABLE (entries bigint, intact boolean, first_broken_seq bigint, head_hash text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  entry voice.audit_log%ROWTYPE;
  expected_previous bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
  expected_seq bigint := 1;
  counted bigint := 0;
BEGIN
  FOR entry IN SELECT * FROM voice.audit_log ORDER BY seq LOOP
    IF entry.seq <> expected_seq
      OR entry.previous_hash <> expected_previous
      OR entry.hash <> voice.audit_entry_hash(entry.seq, entry.occurred_at, entry.database_user, entry.actor,
        entry.action, entry.resource, entry.clinic_id, entry.call_id, entry.previous_hash) THEN
      RETURN QUERY SELECT counted, false, entry.seq, encode(expected_previous, 'hex');
      RETURN;
    END IF;
    expected_previous := entry.hash;
    expected_seq := entry.seq + 1;
    counted := counted + 1;
  END LOOP;
  RETURN QUERY SELECT counted, true, NULL::bigint, encode(expected_previous, 'hex');
END
$$;

-- Creates a clinic's database user (if missing) and records it: LOGIN through IAM database
-- authentication on RDS (rds_iam), no password, no other attribute, privileges only through voice_clinic.
-- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html
CREATE FUNCTION voice.provision_clinic(p_clinic_id text, p_database_user name) RETURNS boolean
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  created boolean := false;
  existing_user name;
BEGIN
  SELECT database_user INTO existing_user FROM voice.clinics WHERE clinic_id = p_clinic_id;
  IF existing_user IS NOT NULL AND existing_user <> p_database_user THEN
    RAISE EXCEPTION 'clinic % already has database user %, not %', p_clinic_id, existing_user, p_database_user;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_database_user) THEN
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT IN ROLE voice_clinic',
      p_database_user);
    created := true;
  ELSE
    EXECUTE format('GRANT voice_clinic TO %I', p_database_user);
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
    EXECUTE format('GRANT rds_iam TO %I', p_database_user);
  END IF;
  INSERT INTO voice.clinics (clinic_id, database_user) VALUES (p_clinic_id, p_database_user)
    ON CONFLICT (clinic_id) DO NOTHING;
  RETURN created;
END
$$;

-- Deletes every row of one clinic except its audit entries (kept for the audit retention), records
-- the deletion in the audit log, and drops the clinic's database user. Doing it again does nothing.
CREATE FUNCTION voice.offboard_clinic(p_clinic_id text, p_actor text)
  RETURNS TABLE (appointments_deleted bigint, calls_deleted bigint, user_dropped name)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  clinic_user name;
  appointment_count bigint;
  call_count bigint;
BEGIN
  SELECT database_user INTO clinic_user FROM voice.clinics WHERE clinic_id = p_clinic_id;
  IF clinic_user IS NULL THEN
    RETURN QUERY SELECT 0::bigint, 0::bigint, NULL::name;
    RETURN;
  END IF;
  DELETE FROM voice.appointments WHERE clinic_id = p_clinic_id;
  GET DIAGNOSTICS appointment_count = ROW_COUNT;
  DELETE FROM voice.calls WHERE clinic_id = p_clinic_id;
  GET DIAGNOSTICS call_count = ROW_COUNT;
  DELETE FROM voice.clinics WHERE clinic_id = p_clinic_id;
  INSERT INTO voice.audit_log (actor, action, resource, clinic_id)
    VALUES (p_actor, 'offboard',
      format('clinic %s: %s appointments and %s calls deleted, database user %s dropped',
        p_clinic_id, appointment_count, call_count, clinic_user),
      p_clinic_id);
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = clinic_user) THEN
    EXECUTE format('DROP ROLE %I', clinic_user);
  END IF;
  RETURN QUERY SELECT appointment_count, call_count, clinic_user;
END
$$;
