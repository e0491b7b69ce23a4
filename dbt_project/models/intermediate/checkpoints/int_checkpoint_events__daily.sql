{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        database=target.database,
        pre_hook="{{ delete_stale_partitions('checkpoint') }}"
    )
}}
-- Checkpoint traffic counted per delivery partition, report date and checkpoint
-- (contract §9 mart_checkpoint_daily, all but backlog_sightings). Incremental:
-- each run counts only the partitions loaded since the last one, so the daily
-- cost follows the day's events, not the history. A partition without events
-- keeps one row with a NULL report_date, marking it as counted.
{%- set new_partition_dates = unprocessed_partition_dates('checkpoint') %}
with

partitions as (
    {{ unprocessed_partitions('checkpoint', new_partition_dates) }}
),

checkpoint_events as (
    select * from {{ ref('stg_raw__checkpoint') }}
    where {{ delivery_date_in(new_partition_dates) }}
),

daily_counts as (
    select
        delivery_date,
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
        count(*) filter (where direction = 'IN' and subject = 'RETURNEE') as returnees
    from checkpoint_events
    group by all
)

select
    partitions.delivery_date,
    partitions.partition_version,
    daily_counts.report_date,
    daily_counts.checkpoint_code,
    daily_counts.events_in,
    daily_counts.events_out,
    daily_counts.fever_alerts,
    daily_counts.unreadable_temperatures,
    daily_counts.non_green_codes,
    daily_counts.turned_back,
    daily_counts.returnees
from partitions
left join daily_counts on partitions.delivery_date = daily_counts.delivery_date
