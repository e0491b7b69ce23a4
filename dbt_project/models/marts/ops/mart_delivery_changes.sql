-- What each re-load of a (feed, delivery date) partition changed against the load
-- before it: one row per record added, removed or changed, by the feed's
-- natural key, with the names of the columns that changed. Recorded by the loader
-- (src/gridwatch/ingest/changes.py); keys and column names only, no personal value.
select
    feed,
    delivery_date,
    file_name,
    loaded_at,
    change,
    key,
    changed_columns
from {{ ref('stg_raw__delivery_changes') }}
