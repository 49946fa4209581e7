-- Helper units (协办) on projects that need several units (units_required > 1).
--
-- A helper is an assignment with role 'helper' beside the project's lead (主办): offered by the
-- batch job (kind 'proposal') or added by the secretary (kind 'directed'), never claimed. It lives
-- only while the project has a live lead; the commands in catalog/helpers.py and the lead's steps
-- in catalog/projects.py end helpers with the lead. Here the database keeps the two facts that
-- must hold whoever writes: no helper by claim, and never more live helpers than the project's
-- units_required − 1 (the trigger counts the rows already written, so it also holds inside one
-- multi-row INSERT; writers still lock the project row first so that two writers queue).

ALTER TABLE assignments
    ADD CONSTRAINT ck__assignments__helper_kind CHECK (role = 'lead' OR kind <> 'claim');

CREATE FUNCTION assignments_helper_slots() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    slots integer;
    taken integer;
BEGIN
    SELECT units_required - 1 INTO slots FROM projects WHERE id = NEW.project_id;
    SELECT count(*) INTO taken FROM assignments
    WHERE project_id = NEW.project_id AND role = 'helper' AND status IN ('pending', 'active');
    IF taken >= coalesce(slots, 0) THEN
        RAISE EXCEPTION 'project % has no helper slot left (% of %)', NEW.project_id, taken, coalesce(slots, 0)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck__assignments__helper_slots';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER assignments_helper_slots BEFORE INSERT ON assignments
    FOR EACH ROW WHEN (NEW.role = 'helper' AND NEW.status IN ('pending', 'active'))
    EXECUTE FUNCTION assignments_helper_slots();
