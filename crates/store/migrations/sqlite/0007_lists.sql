-- lists (sqlite dialect); keep in step with the other dialect.
CREATE TABLE IF NOT EXISTS schema_placeholder_lists (id BIGINT);
DROP TABLE schema_placeholder_lists;
