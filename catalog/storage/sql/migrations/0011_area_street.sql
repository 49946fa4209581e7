-- The street an area lies in: the street itself, a community's street, a grid's community's
-- street; NULL for the district (county-wide). A street administrator manages the member units
-- homed in their street (units.home_area), the alliance administrator every unit: the rule is
-- checked on reads and in the guards of the writes, so it lives here once.
CREATE FUNCTION area_street(area text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN a.level = 'street' THEN a.code
                WHEN p.level = 'street' THEN p.code
                WHEN g.level = 'street' THEN g.code
           END
    FROM areas a
    LEFT JOIN areas p ON p.code = a.parent_code
    LEFT JOIN areas g ON g.code = p.parent_code
    WHERE a.code = area
$$;
