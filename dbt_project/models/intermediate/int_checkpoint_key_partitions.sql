{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_stale_partitions('checkpoint') }}"
    )
}}
-- An index of which delivery partitions hold each valid RIC and phone seen at a
-- checkpoint: one row per (partition, key). int_checkpoint_events__matched reads
-- it to look up a newly pushed key in the few partitions that hold it instead of
-- scanning every event ever loaded. Incremental like int_checkpoint_events__daily;
-- a partition without identifiable events keeps one row with a NULL key_kind.
with

partitions as (
    {{ unprocessed_partitions('checkpoint') }}
),

-- each branch scans the raw partitions once
partition_keys as (
    select distinct
        delivery_date,
        'RIC' as key_kind,
        id_number as key_value
    from {{ ref('stg_raw__checkpoint') }}
    where id_valid and {{ delivery_date_in(unprocessed_partition_dates('checkpoint')) }}
    union all
    select distinct
        delivery_date,
        'PHONE' as key_kind,
        phone as key_value
    from {{ ref('stg_raw__checkpoint') }}
    where phone_valid and {{ delivery_date_in(unprocessed_partition_dates('checkpoint')) }}
)

select
    partitions.delivery_date,
    partitions.partition_version,
    partition_keys.key_kind,
    partition_keys.key_value
from partitions
left join partition_keys on partitions.delivery_date = partition_keys.delivery_date
