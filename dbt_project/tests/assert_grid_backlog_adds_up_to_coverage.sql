-- The grids of mart_grid_backlog_daily add up exactly to the backlog and overdue
-- persons of mart_coverage_daily, per community and per street, every report
-- date: both place each person by their community on D (contract §8), and a
-- person whose grid is not in that community counts under 未分配网格.
with

grid_rows as (
    select * from {{ ref('mart_grid_backlog_daily') }}
),

coverage_rows as (
    select * from {{ ref('mart_coverage_daily') }}
    where backlog_persons > 0 or overdue_persons > 0
),

grid_by_community as (
    select
        'community' as area_level,
        report_date,
        street_code,
        community_code as area_code,
        sum(backlog_persons) as backlog_persons,
        sum(overdue_persons) as overdue_persons
    from grid_rows
    group by report_date, street_code, community_code
    having sum(backlog_persons) > 0 or sum(overdue_persons) > 0
),

coverage_by_community as (
    select
        'community' as area_level,
        report_date,
        street_code,
        community_code as area_code,
        backlog_persons,
        overdue_persons
    from coverage_rows
),

grid_by_street as (
    select
        'street' as area_level,
        report_date,
        street_code,
        street_code as area_code,
        sum(backlog_persons) as backlog_persons,
        sum(overdue_persons) as overdue_persons
    from grid_rows
    group by report_date, street_code
    having sum(backlog_persons) > 0 or sum(overdue_persons) > 0
),

coverage_by_street as (
    select
        'street' as area_level,
        report_date,
        street_code,
        street_code as area_code,
        sum(backlog_persons) as backlog_persons,
        sum(overdue_persons) as overdue_persons
    from coverage_rows
    group by report_date, street_code
),

grid_totals as (
    select * from grid_by_community
    union all
    select * from grid_by_street
),

coverage_totals as (
    select * from coverage_by_community
    union all
    select * from coverage_by_street
)

select
    coalesce(grid_totals.area_level, coverage_totals.area_level) as area_level,
    coalesce(grid_totals.report_date, coverage_totals.report_date) as report_date,
    coalesce(grid_totals.street_code, coverage_totals.street_code) as street_code,
    coalesce(grid_totals.area_code, coverage_totals.area_code) as area_code,
    grid_totals.backlog_persons as grid_backlog_persons,
    coverage_totals.backlog_persons as coverage_backlog_persons,
    grid_totals.overdue_persons as grid_overdue_persons,
    coverage_totals.overdue_persons as coverage_overdue_persons
from grid_totals
full outer join coverage_totals
    on
        grid_totals.area_level = coverage_totals.area_level
        and grid_totals.report_date = coverage_totals.report_date
        and grid_totals.street_code = coverage_totals.street_code
        and grid_totals.area_code = coverage_totals.area_code
where
    grid_totals.backlog_persons is distinct from coverage_totals.backlog_persons
    or grid_totals.overdue_persons is distinct from coverage_totals.overdue_persons
