{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        database=target.database,
        on_schema_change='fail',
        meta={'state_columns': ['is_backlog_at_start', 'oldest_open_issued_at', 'grid_code']},
        pre_hook="{{ delete_changed_person_days() }}"
    )
}}
-- One row per person and report date from the person's first push on: where the
-- person is counted that day and what is true of them by the end of it (§8, §9).
--   community: community(r) of the person's latest record issued by end of D
--              (latest issued_at, then batch_id, then record_no);
--   verified / managed: a terminal / MANAGED verification by end of D;
--   under management: the latest terminal verification by end of D is MANAGED
--              with a measure other than NONE that has not ended before D;
--   backlog / overdue: a record open at end of D (and past its deadline);
--   backlog at start: a record open at the start of D (the end of D - 1);
--   grid: grid(r) of that latest record (mart_grid_backlog_daily checks it
--              lies in the community against the reference of the build);
--   oldest open: issued_at of the oldest record open at end of D.
-- Incremental: a person whose int_person_fingerprints fingerprint changed (or
-- who is new) gets every report date computed again; everyone else gets the
-- report dates after the last one held. The pre-hook deletes the rows of
-- changed persons and of dates no longer in the spine.
with

report_dates as (
    select * from {{ ref('int_report_dates') }}
),

fingerprints as (
    select * from {{ ref('int_person_fingerprints') }}
),

push_records as (
    select * from {{ ref('int_push_records__enriched') }}
),

terminal_verifications as (
    select * from {{ ref('int_verifications__linked') }}
    where is_terminal and not is_orphan
),

-- After the pre-hook, a held person has a row for every report date from their
-- first push to the last held date, so the persons held are those on that date.
held_persons as (
    {% if is_incremental() %}
        select
            held.person_key,
            held.report_date as last_held_date
        from {{ this }} as held
        where held.report_date = (select max(last_held.report_date) from {{ this }} as last_held)
    {% else %}
        select
            cast(null as varchar) as person_key,
            cast(null as date) as last_held_date
        where false
    {% endif %}
),

-- the first report date this run computes for each person: the first push for
-- a person not held or whose rows were just deleted, else the first new date
persons_to_compute as (
    select
        fingerprints.person_key,
        fingerprints.person_fingerprint,
        fingerprints.first_issue_date,
        case
            when held_persons.person_key is not null
                then greatest(fingerprints.first_issue_date, held_persons.last_held_date + 1)
            else fingerprints.first_issue_date
        end as compute_from
    from fingerprints
    left join held_persons on fingerprints.person_key = held_persons.person_key
),

person_report_dates as (
    select
        persons_to_compute.person_key,
        persons_to_compute.person_fingerprint,
        persons_to_compute.first_issue_date,
        report_dates.report_date,
        report_dates.end_of_day
    from persons_to_compute
    inner join report_dates on persons_to_compute.compute_from <= report_dates.report_date
),

-- Record r is the person's latest record on days [issue_date, next_issue_date).
latest_record_spans as (
    select
        person_key,
        street_code,
        community_code,
        grid_code,
        issue_date,
        lead(issue_date) over (
            partition by person_key order by person_record_seq
        ) as next_issue_date
    from push_records
),

person_communities as (
    select
        person_report_dates.*,
        latest_record_spans.street_code,
        latest_record_spans.community_code,
        latest_record_spans.grid_code
    from person_report_dates
    inner join latest_record_spans
        on
            person_report_dates.person_key = latest_record_spans.person_key
            and person_report_dates.report_date >= latest_record_spans.issue_date
            and (
                latest_record_spans.next_issue_date is null
                or person_report_dates.report_date < latest_record_spans.next_issue_date
            )
),

verification_milestones as (
    select
        person_key,
        min(cast(verified_at as date)) as first_verified_date,
        min(cast(verified_at as date)) filter (where outcome = 'MANAGED') as first_managed_date
    from terminal_verifications
    group by person_key
),

-- Terminal verification v is the person's latest one on days [verified_date, next).
latest_terminal_spans as (
    select
        person_key,
        cast(verified_at as date) as verified_date,
        lead(cast(verified_at as date)) over (
            partition by person_key
            order by verified_at, delivery_date, file_name, row_number
        ) as next_verified_date,
        outcome,
        measure,
        measure_until
    from terminal_verifications
),

under_management_days as (
    select distinct
        person_report_dates.person_key,
        person_report_dates.report_date
    from person_report_dates
    inner join latest_terminal_spans
        on
            person_report_dates.person_key = latest_terminal_spans.person_key
            and person_report_dates.report_date >= latest_terminal_spans.verified_date
            and (
                latest_terminal_spans.next_verified_date is null
                or person_report_dates.report_date < latest_terminal_spans.next_verified_date
            )
    where
        latest_terminal_spans.outcome = 'MANAGED'
        and latest_terminal_spans.measure != 'NONE'
        and (
            latest_terminal_spans.measure_until is null
            or latest_terminal_spans.measure_until >= person_report_dates.report_date
        )
),

-- A record is open at the end of D for D in [issue_date, satisfied date), and
-- at the start of D (the end of D - 1) for D in (issue_date, satisfied date]:
-- the join keeps the days a record is open at either end.
record_days as (
    select
        person_report_dates.person_key,
        person_report_dates.report_date,
        push_records.issued_at,
        push_records.deadline_at < person_report_dates.end_of_day as is_past_deadline,
        push_records.issued_at < person_report_dates.end_of_day - interval 1 day as is_open_at_start,
        push_records.satisfied_at is null
        or push_records.satisfied_at >= person_report_dates.end_of_day as is_open_at_end
    from person_report_dates
    inner join push_records
        on
            person_report_dates.person_key = push_records.person_key
            and person_report_dates.end_of_day > push_records.issued_at
            and (
                push_records.satisfied_at is null
                or person_report_dates.end_of_day - interval 1 day <= push_records.satisfied_at
            )
),

open_record_days as (
    select
        person_key,
        report_date,
        min(issued_at) filter (where is_open_at_end) as oldest_open_issued_at,
        coalesce(bool_or(is_open_at_end and is_past_deadline), false) as is_overdue,
        bool_or(is_open_at_start) as is_backlog_at_start
    from record_days
    group by person_key, report_date
)

select
    person_communities.person_key,
    person_communities.report_date,
    person_communities.street_code,
    person_communities.community_code,
    person_communities.first_issue_date = person_communities.report_date as is_new,
    coalesce(
        verification_milestones.first_verified_date <= person_communities.report_date, false
    ) as is_verified,
    coalesce(
        verification_milestones.first_managed_date <= person_communities.report_date, false
    ) as is_managed,
    under_management_days.person_key is not null as is_under_management,
    open_record_days.oldest_open_issued_at is not null as is_backlog,
    coalesce(open_record_days.is_overdue, false) as is_overdue,
    coalesce(open_record_days.is_backlog_at_start, false) as is_backlog_at_start,
    open_record_days.oldest_open_issued_at,
    person_communities.grid_code,
    person_communities.person_fingerprint
from person_communities
left join verification_milestones
    on person_communities.person_key = verification_milestones.person_key
left join under_management_days
    on
        person_communities.person_key = under_management_days.person_key
        and person_communities.report_date = under_management_days.report_date
left join open_record_days
    on
        person_communities.person_key = open_record_days.person_key
        and person_communities.report_date = open_record_days.report_date
