-- Checkpoint traffic per checkpoint and report date (contract §9), with the
-- sightings of persons who had a push record open at the moment they passed.
with

checkpoint_events as (
    select * from {{ ref('stg_raw__checkpoint') }}
),

checkpoints as (
    select * from {{ ref('stg_raw__checkpoints') }}
),

areas as (
    select * from {{ ref('stg_raw__areas') }}
),

sightings as (
    select * from {{ ref('int_checkpoint_sightings') }}
),

push_records as (
    select * from {{ ref('int_push_records__enriched') }}
),

backlog_sightings as (
    select distinct
        sightings.delivery_date,
        sightings.file_name,
        sightings.row_number
    from sightings
    inner join push_records
        on
            sightings.person_key = push_records.person_key
            and sightings.event_time >= push_records.issued_at
            and (
                push_records.satisfied_at is null
                or sightings.event_time < push_records.satisfied_at
            )
    where sightings.direction = 'IN'
),

events as (
    select
        checkpoint_events.*,
        backlog_sightings.row_number is not null as is_backlog_sighting
    from checkpoint_events
    left join backlog_sightings
        on
            checkpoint_events.delivery_date = backlog_sightings.delivery_date
            and checkpoint_events.file_name = backlog_sightings.file_name
            and checkpoint_events.row_number = backlog_sightings.row_number
),

daily as (
    select
        cast(event_time as date) as report_date,
        checkpoint_code,
        count(*) filter (where direction = 'IN') as events_in,
        count(*) filter (where direction = 'OUT') as events_out,
        count(*) filter (where direction = 'IN' and temperature >= 37.3) as fever_alerts,
        count(*) filter (
            where direction = 'IN' and subject != 'VEHICLE' and temperature is null
        ) as unreadable_temperatures,
        count(*) filter (where health_code in ('YELLOW', 'RED')) as non_green_codes,
        count(*) filter (where action = 'TURNED_BACK') as turned_back,
        count(*) filter (where direction = 'IN' and subject = 'RETURNEE') as returnees,
        count(*) filter (where is_backlog_sighting) as backlog_sightings
    from events
    group by all
)

select
    daily.report_date,
    daily.checkpoint_code,
    checkpoints.community_code,
    areas.street_code,
    daily.events_in,
    daily.events_out,
    daily.fever_alerts,
    daily.unreadable_temperatures,
    daily.non_green_codes,
    daily.turned_back,
    daily.returnees,
    daily.backlog_sightings
from daily
left join checkpoints on daily.checkpoint_code = checkpoints.checkpoint_code
left join areas on checkpoints.community_code = areas.community_code
