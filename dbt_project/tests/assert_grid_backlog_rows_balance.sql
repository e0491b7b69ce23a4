-- Each row of mart_grid_backlog_daily balances: the backlog at the start of D,
-- plus the persons who entered it, minus those cleared, is the backlog at the
-- end of D; and the age buckets of the open persons add up to that backlog.
select
    report_date,
    street_code,
    community_code,
    grid_code,
    backlog_at_start,
    entered_backlog,
    cleared_backlog,
    backlog_persons
from {{ ref('mart_grid_backlog_daily') }}
where
    backlog_at_start + entered_backlog - cleared_backlog != backlog_persons
    or open_under_12h + open_12_24h + open_1_2d + open_2_3d + open_over_3d != backlog_persons
    or (backlog_persons > 0) != (oldest_open_hours is not null)
