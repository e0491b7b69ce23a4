-- Persons with at least one terminal verification: the latest result, health
-- status and where they were last seen at a checkpoint (contract §9).
with

verifications as (
    select * from {{ ref('int_verifications__linked') }}
    where not is_orphan
),

matched_events as (
    select * from {{ ref('int_checkpoint_events__matched') }}
    where delivery_date is not null and key_kind is not null
),

match_keys as (
    select * from {{ ref('int_checkpoint_match_keys') }}
),

terminal_summary as (
    select
        person_key,
        min(verified_at) as first_verified_at,
        max(verified_at) as last_verified_at
    from verifications
    where is_terminal
    group by person_key
),

latest_terminal as (
    select
        person_key,
        last_terminal_outcome as last_outcome,
        measure,
        measure_until,
        last_terminal_community_code as community_code,
        last_terminal_grid_code as grid_code
    from {{ ref('int_persons') }}
    where last_terminal_outcome is not null
),

verification_summary as (
    select
        person_key,
        count(*) as verifications,
        arg_max(
            health_code, (verified_at, delivery_date, file_name, row_number)
        ) filter (where health_code is not null) as health_code,
        arg_max(
            nat_result, (verified_at, delivery_date, file_name, row_number)
        ) filter (where nat_result is not null) as nat_result
    from verifications
    group by person_key
),

-- The latest sighting (int_checkpoint_sightings) of each person, taken per
-- matching key first: millions of events reduce to one row per key before the
-- join to the persons holding the key.
key_last_events as (
    select
        key_kind,
        key_value,
        max(event_time) as last_event_time
    from matched_events
    group by key_kind, key_value
),

last_sightings as (
    select
        match_keys.person_key,
        max(key_last_events.last_event_time) as last_seen_at_checkpoint
    from key_last_events
    inner join match_keys
        on
            key_last_events.key_kind = match_keys.key_kind
            and key_last_events.key_value = match_keys.key_value
    group by match_keys.person_key
)

select
    terminal_summary.person_key,
    terminal_summary.first_verified_at,
    terminal_summary.last_verified_at,
    latest_terminal.last_outcome,
    latest_terminal.measure,
    latest_terminal.measure_until,
    verification_summary.health_code,
    verification_summary.nat_result,
    verification_summary.verifications,
    latest_terminal.community_code,
    latest_terminal.grid_code,
    last_sightings.last_seen_at_checkpoint
from terminal_summary
inner join latest_terminal on terminal_summary.person_key = latest_terminal.person_key
inner join verification_summary on terminal_summary.person_key = verification_summary.person_key
left join last_sightings on terminal_summary.person_key = last_sightings.person_key
