{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        database=target.database,
        pre_hook=[
            "{{ delete_stale_partitions('checkpoint') }}",
            "{{ delete_dropped_match_keys() }}",
        ]
    )
}}
-- Checkpoint events carrying a value a pushed person can be matched by (a valid
-- RIC or phone of int_checkpoint_match_keys), one row per (event, key).
-- Incremental in two directions: events of newly loaded partitions are matched
-- against every key, and keys seen for the first time are looked up in the
-- partitions already held that int_checkpoint_key_partitions says hold them.
-- Marker rows (key_kind NULL: a partition processed; delivery_date NULL: a key
-- looked up) record what has been done.
-- depends_on: {{ ref('int_checkpoint_key_partitions') }}
{%- set new_partition_dates = unprocessed_partition_dates('checkpoint') %}
{%- set held_partitions_with_new_keys = held_partitions_holding_new_keys() %}
with

new_partitions as (
    {{ unprocessed_partitions('checkpoint', new_partition_dates) }}
),

-- every key, flagged when it has not been looked up in the held partitions yet
match_keys as (
    select distinct
        all_keys.key_kind,
        all_keys.key_value,
        {% if is_incremental() %}
            not exists (
                select 1
                from {{ this }} as held
                where
                    held.delivery_date is null
                    and held.key_kind = all_keys.key_kind
                    and held.key_value = all_keys.key_value
            )
        {% else %}
            true
        {% endif %} as is_new_key
    from {{ ref('int_checkpoint_match_keys') }} as all_keys
),

-- (event, key) pairs of the partitions to read: the new ones, and the held ones
-- holding a new key
event_keys as (
    {{ checkpoint_event_keys(
        new_partition_dates + held_partitions_with_new_keys,
        'delivery_date, file_name, row_number, event_time, checkpoint_code, direction, '
        ~ delivery_date_in(new_partition_dates) ~ ' as is_new_partition'
    ) }}
),

-- new partitions match every key; held partitions only the new keys
matches as (
    select event_keys.*
    from event_keys
    inner join match_keys
        on
            event_keys.key_kind = match_keys.key_kind
            and event_keys.key_value = match_keys.key_value
    where event_keys.is_new_partition or match_keys.is_new_key
)

select
    matches.delivery_date,
    partitions.partition_version,
    matches.file_name,
    matches.row_number,
    matches.event_time,
    matches.checkpoint_code,
    matches.direction,
    matches.key_kind,
    matches.key_value
from matches
inner join {{ ref('int_load_partitions') }} as partitions
    on
        partitions.feed = 'checkpoint'
        and matches.delivery_date = partitions.delivery_date
union all
select
    delivery_date,
    partition_version,
    null as file_name,
    null as row_number,
    null as event_time,
    null as checkpoint_code,
    null as direction,
    null as key_kind,
    null as key_value
from new_partitions
union all
select
    null as delivery_date,
    null as partition_version,
    null as file_name,
    null as row_number,
    null as event_time,
    null as checkpoint_code,
    null as direction,
    key_kind,
    key_value
from match_keys
where is_new_key
