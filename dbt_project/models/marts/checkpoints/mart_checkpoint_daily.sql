-- Checkpoint traffic per checkpoint and report date (contract §9): the counts
-- kept per delivery partition, summed, with the sightings of persons who had a
-- push record open at the moment they passed.
with

daily_counts as (
    select * from {{ ref('int_checkpoint_events__daily') }}
    where report_date is not null
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
        sightings.row_number,
        sightings.checkpoint_code,
        cast(sightings.event_time as date) as report_date
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

backlog_sightings_daily as (
    select
        report_date,
        checkpoint_code,
        count(*) as backlog_sightings
    from backlog_sightings
    group by all
),

daily as (
    select
        report_date,
        checkpoint_code,
        sum(events_in) as events_in,
        sum(events_out) as events_out,
        sum(fever_alerts) as fever_alerts,
        sum(unreadable_temperatures) as unreadable_temperatures,
        sum(non_green_codes) as non_green_codes,
        sum(turned_back) as turned_back,
        sum(returnees) as returnees
    from daily_counts
    group by all
)

select
    daily.report_date,
    daily.checkpoint_code,
    checkpoints.community_code,
    areas.street_code,
    cast(daily.events_in as bigint) as events_in,
    cast(daily.events_out as bigint) as events_out,
    cast(daily.fever_alerts as bigint) as fever_alerts,
    cast(daily.unreadable_temperatures as bigint) as unreadable_temperatures,
    cast(daily.non_green_codes as bigint) as non_green_codes,
    cast(daily.turned_back as bigint) as turned_back,
    cast(daily.returnees as bigint) as returnees,
    coalesce(backlog_sightings_daily.backlog_sightings, 0) as backlog_sightings
from daily
left join checkpoints on daily.checkpoint_code = checkpoints.checkpoint_code
left join areas on checkpoints.community_code = areas.community_code
left join backlog_sightings_daily
    on
        daily.report_date = backlog_sightings_daily.report_date
        and daily.checkpoint_code = backlog_sightings_daily.checkpoint_code
