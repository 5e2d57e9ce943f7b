-- The `save_data` / `get_data` store: one JSON document per key.
CREATE TABLE plugin_data (
    key        text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 256),
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
