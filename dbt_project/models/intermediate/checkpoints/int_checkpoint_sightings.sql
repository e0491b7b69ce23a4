{{ config(materialized='view') }}
-- Checkpoint events matched to pushed persons (contract §7): an event matches a
-- person when its valid RIC equals the person's RIC identity, or its valid phone
-- equals a phone on one of the person's push records. One row per (event, key,
-- person): an event matching a person by both RIC and phone appears twice, so
-- counts of events take distinct event keys and last-seen times take the max.
-- A view: each mart that reads it (mart_backlog, mart_checkpoint_daily) takes
-- only the persons and events it needs, which costs less than writing millions
-- of rows here every build. mart_verified_person takes each key's last event
-- before joining the keys, the same match reduced first.
with

matched_events as (
    select * from {{ ref('int_checkpoint_events__matched') }}
    where delivery_date is not null and key_kind is not null
),

match_keys as (
    select * from {{ ref('int_checkpoint_match_keys') }}
)

select
    matched_events.delivery_date,
    matched_events.file_name,
    matched_events.row_number,
    matched_events.checkpoint_code,
    matched_events.event_time,
    matched_events.direction,
    matched_events.key_kind,
    match_keys.person_key
from matched_events
inner join match_keys
    on
        matched_events.key_kind = match_keys.key_kind
        and matched_events.key_value = match_keys.key_value
