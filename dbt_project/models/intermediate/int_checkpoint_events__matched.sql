{{
    config(
        materialized='incremental',
        incremental_strategy='append',
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
-- partitions already held. Marker rows (key_kind NULL: a partition processed;
-- delivery_date NULL: a key looked up) record what has been done.
with

new_partitions as (
    {{ unprocessed_partitions('checkpoint') }}
),

match_keys as (
    select distinct
        key_kind,
        key_value
    from {{ ref('int_checkpoint_match_keys') }}
),

new_keys as (
    select * from match_keys
    {% if is_incremental() %}
        where not exists (
                select 1
                from {{ this }} as held
                where
                    held.delivery_date is null
                    and held.key_kind = match_keys.key_kind
                    and held.key_value = match_keys.key_value
            )
    {% endif %}
),

identifiable_events as (
    select
        delivery_date,
        file_name,
        row_number,
        event_time,
        checkpoint_code,
        direction,
        case when id_valid then id_number end as ric,
        case when phone_valid then phone end as phone
    from {{ ref('stg_raw__checkpoint') }}
    where id_valid or phone_valid
),

events_of_new_partitions as (
    select * from identifiable_events
    where delivery_date in (select new_partitions.delivery_date from new_partitions)
),

matches as (
    select
        events_of_new_partitions.*,
        match_keys.key_kind,
        match_keys.key_value
    from events_of_new_partitions
    inner join match_keys
        on
            match_keys.key_kind = 'RIC'
            and events_of_new_partitions.ric = match_keys.key_value
    union all
    select
        events_of_new_partitions.*,
        match_keys.key_kind,
        match_keys.key_value
    from events_of_new_partitions
    inner join match_keys
        on
            match_keys.key_kind = 'PHONE'
            and events_of_new_partitions.phone = match_keys.key_value
    {% if is_incremental() %}
        union all
        select
            events_of_held_partitions.*,
            new_keys.key_kind,
            new_keys.key_value
        from identifiable_events as events_of_held_partitions
        inner join new_keys
            on
                new_keys.key_kind = 'RIC'
                and events_of_held_partitions.ric = new_keys.key_value
        where
            events_of_held_partitions.delivery_date
            not in (select new_partitions.delivery_date from new_partitions)
        union all
        select
            events_of_held_partitions.*,
            new_keys.key_kind,
            new_keys.key_value
        from identifiable_events as events_of_held_partitions
        inner join new_keys
            on
                new_keys.key_kind = 'PHONE'
                and events_of_held_partitions.phone = new_keys.key_value
        where
            events_of_held_partitions.delivery_date
            not in (select new_partitions.delivery_date from new_partitions)
    {% endif %}
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
from new_keys
