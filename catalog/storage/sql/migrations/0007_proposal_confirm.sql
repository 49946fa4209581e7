-- The secretary's confirmation of a batch proposal (优化派单).
--
-- The optimiser's output is a proposal a person confirms. A proposal already reaches its unit as
-- an offer when the batch job writes it, and only the unit's acceptance makes it work (已接单);
-- the secretary's confirmation is recorded beside it: who said yes for the community, and when.
-- It does not change the assignment's status or stand in for the unit's answer.

ALTER TABLE assignments
    ADD COLUMN confirmed_at timestamptz,
    ADD COLUMN confirmed_by text,
    ADD CONSTRAINT ck__assignments__confirmed_whole CHECK ((confirmed_at IS NULL) = (confirmed_by IS NULL)),
    ADD CONSTRAINT ck__assignments__confirmed_proposal CHECK (confirmed_at IS NULL OR kind = 'proposal');
