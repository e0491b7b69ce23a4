{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        database=target.database,
        pre_hook="{{ delete_stale_partitions('checkpoint') }}"
    )
}}
-- An index of which delivery partitions hold each valid RIC and phone seen at a
-- checkpoint: one row per (partition, key). int_checkpoint_events__matched reads
-- it to look up a newly pushed key in the few partitions that hold it instead of
-- scanning every event ever loaded. Incremental like int_checkpoint_events__daily;
-- a partition without identifiable events keeps one row with a NULL key_kind.
{%- set new_partition_dates = unprocessed_partition_dates('checkpoint') %}
with

partitions as (
    {{ unprocessed_partitions('checkpoint', new_partition_dates) }}
),

event_keys as (
    {{ checkpoint_event_keys(new_partition_dates, 'delivery_date') }}
),

partition_keys as (
    select distinct
        delivery_date,
        key_kind,
        key_value
    from event_keys
)

select
    partitions.delivery_date,
    partitions.partition_version,
    partition_keys.key_kind,
    partition_keys.key_value
from partitions
left join partition_keys on partitions.delivery_date = partition_keys.delivery_date
