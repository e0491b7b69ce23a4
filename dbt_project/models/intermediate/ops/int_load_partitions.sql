-- One row per loaded (feed, delivery_date) partition with a version that
-- changes whenever the partition is loaded again (its files, their checksums
-- and load time). Incremental models compare it with the version they hold.
select
    feed,
    delivery_date,
    md5(
        string_agg(
            file_name || '|' || coalesce(sha256, '') || '|' || cast(loaded_at as varchar),
            ',' order by file_name
        )
    ) as partition_version
from {{ ref('stg_raw__load_log') }}
group by feed, delivery_date
