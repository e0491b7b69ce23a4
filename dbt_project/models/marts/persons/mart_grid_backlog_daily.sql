-- The backlog per grid and report date, and how fast it burns down.
-- Persons are placed as in mart_coverage_daily (each person's community on D,
-- contract §8), then in grid(r) of that same latest record when the reference
-- puts that grid in the community, else in the community's 未分配网格 line
-- (_UNASSIGNED). Every person of a community's backlog is counted in exactly
-- one of its grids, so grids add up to mart_coverage_daily's community and
-- street figures (tests/assert_grid_backlog_adds_up_to_coverage.sql).
-- Each row balances: backlog at start + entered - cleared = backlog at end,
-- all placed where the person is counted on D.
with

person_days as (
    select * from {{ ref('int_person_days') }}
    where is_backlog or is_backlog_at_start
),

grids as (
    select * from {{ ref('stg_raw__grids') }}
),

areas as (
    select * from {{ ref('stg_raw__areas') }}
),

street_names as (
    select distinct
        street_code,
        street_name
    from areas
),

placed_person_days as (
    select
        person_days.report_date,
        person_days.street_code,
        person_days.community_code,
        coalesce(grids.grid_code, '_UNASSIGNED') as grid_code,
        person_days.is_backlog,
        person_days.is_backlog_at_start,
        person_days.is_overdue,
        date_diff(
            'second',
            person_days.oldest_open_issued_at,
            cast(person_days.report_date + interval 1 day as timestamp)
        ) / 3600.0 as oldest_open_hours
    from person_days
    left join grids
        on
            person_days.grid_code = grids.grid_code
            and person_days.community_code = grids.community_code
),

grid_counts as (
    select
        report_date,
        street_code,
        community_code,
        grid_code,
        count(*) filter (where is_backlog_at_start) as backlog_at_start,
        count(*) filter (where is_backlog and not is_backlog_at_start) as entered_backlog,
        count(*) filter (where is_backlog_at_start and not is_backlog) as cleared_backlog,
        count(*) filter (where is_backlog) as backlog_persons,
        count(*) filter (where is_overdue) as overdue_persons,
        count(*) filter (where oldest_open_hours < 12) as open_under_12h,
        count(*) filter (where oldest_open_hours >= 12 and oldest_open_hours < 24) as open_12_24h,
        count(*) filter (where oldest_open_hours >= 24 and oldest_open_hours < 48) as open_1_2d,
        count(*) filter (where oldest_open_hours >= 48 and oldest_open_hours < 72) as open_2_3d,
        count(*) filter (where oldest_open_hours >= 72) as open_over_3d,
        max(oldest_open_hours) as oldest_open_hours
    from placed_person_days
    group by report_date, street_code, community_code, grid_code
)

select
    grid_counts.report_date,
    grid_counts.street_code,
    coalesce(
        street_names.street_name,
        case when grid_counts.street_code = '_UNRESOLVED' then '未识别街道' end
    ) as street_name,
    grid_counts.community_code,
    coalesce(
        areas.community_name,
        case when grid_counts.community_code = '_UNDISPATCHED' then '待分拨' end
    ) as community_name,
    grid_counts.grid_code,
    coalesce(
        grids.grid_name,
        case when grid_counts.grid_code = '_UNASSIGNED' then '未分配网格' end
    ) as grid_name,
    grid_counts.backlog_at_start,
    grid_counts.entered_backlog,
    grid_counts.cleared_backlog,
    grid_counts.backlog_persons,
    grid_counts.overdue_persons,
    grid_counts.open_under_12h,
    grid_counts.open_12_24h,
    grid_counts.open_1_2d,
    grid_counts.open_2_3d,
    grid_counts.open_over_3d,
    grid_counts.oldest_open_hours
from grid_counts
left join street_names on grid_counts.street_code = street_names.street_code
left join areas on grid_counts.community_code = areas.community_code
left join grids on grid_counts.grid_code = grids.grid_code
